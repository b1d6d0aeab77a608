/**
 * The static part of the dbt Jinja context: var/env_var, exceptions, log, return, fromjson &
 * friends, modules, flags, doc; adapter, api, run_query/statement/load_result come from
 * adapter-context.ts. Functions read the
 * render in progress through the Engine, so this object is built once per renderer.
 */
import { createHash, randomUUID } from 'node:crypto';
import YAML from 'yaml';
import { didYouMean } from '../../diagnostics/index.js';
import { arg, splitArgs } from './call-args.js';
import { datetimeModule, PyDatetime } from './datetime.js';
import { isPlainObject, pyStr } from './python-methods.js';
import { adapterContext } from './adapter-context.js';
import { itertoolsModule, pytzModule } from './py-modules.js';
import { Namespace, pySet, toList } from './runtime-python.js';
import { toPlainJson } from './relations-context.js';
import { currentPosition, failure, MacroReturn, readablePlaceholders } from './render-state.js';
import { reModule } from './re-module.js';
import type { Engine } from './runtime.js';
import { requireState } from './runtime.js';
import type { DocBlock, RendererOptions } from './types.js';

export interface StaticGlobalsInput {
  readonly engine: Engine;
  readonly options: RendererOptions;
  readonly docs: Readonly<Record<string, DocBlock>>;
  /** Find `name` by dispatch rules; undefined when missing. */
  readonly dispatch: (name: string, namespace: string | null) => unknown;
  readonly searchOrder: (namespace: string | null) => readonly string[];
  readonly packageExists: (name: string) => boolean;
  readonly dispatchCandidates: () => Iterable<string>;
  readonly now?: () => Date;
}

/** Resolve var(name) per dbt: --vars, then `vars: {<package>: {name}}`, then top-level vars. */
function lookupVar(options: RendererOptions, pkg: string, name: string): { found: boolean; value: unknown } {
  if (Object.prototype.hasOwnProperty.call(options.cliVars, name)) return { found: true, value: options.cliVars[name] };
  const scoped = options.projectVars[pkg];
  if (isPlainObject(scoped) && Object.prototype.hasOwnProperty.call(scoped, name)) {
    return { found: true, value: scoped[name] };
  }
  if (Object.prototype.hasOwnProperty.call(options.projectVars, name) && name !== pkg && !isPackageScope(options, name)) {
    return { found: true, value: options.projectVars[name] };
  }
  // a package's own project file vars are defaults for that package's nodes
  const own = options.packages?.find((p) => p.name === pkg)?.vars;
  if (own !== undefined) {
    const nested = own[pkg];
    if (isPlainObject(nested) && Object.prototype.hasOwnProperty.call(nested, name)) return { found: true, value: nested[name] };
    if (Object.prototype.hasOwnProperty.call(own, name) && name !== pkg) return { found: true, value: own[name] };
  }
  return { found: false, value: undefined };
}

/** `vars: {dbt_utils: {...}}` in the root project is a scope, not a var named dbt_utils. */
function isPackageScope(options: RendererOptions, name: string): boolean {
  return name === options.projectName || (options.packages ?? []).some((p) => p.name === name);
}

export function staticGlobals(input: StaticGlobalsInput): Record<string, unknown> {
  const { engine, options, docs } = input;
  const env = options.env ?? process.env;
  const state = () => requireState(engine);

  const var_ = (...raw: unknown[]): unknown => {
    const s = state();
    const c = splitArgs(raw);
    const name = String(arg(c, 0, 'name'));
    const r = lookupVar(options, s.node.package_name, name);
    let value = r.value;
    if (!r.found) {
      if (c.args.length < 2 && !('default' in c.kwargs)) {
        throw failure(s, 'var-undefined', `required var '${name}' is not defined`, {
          hint: `define it under 'vars:' in the project file or pass --vars '{${name}: ...}'`,
        });
      }
      value = arg(c, 1, 'default');
    }
    s.varsRead[name] = toPlainJson(value);
    return value;
  };
  const has_var = (name: unknown): boolean => lookupVar(options, state().node.package_name, String(name)).found;

  const env_var = (...raw: unknown[]): unknown => {
    const s = state();
    const c = splitArgs(raw);
    const name = String(arg(c, 0, 'var'));
    const v = env[name];
    if (v !== undefined) {
      s.envRead[name] = v;
      return v;
    }
    if (c.args.length < 2 && !('default' in c.kwargs)) {
      throw failure(s, 'env-var-undefined', `env var '${name}' is not set and env_var() has no default`, {
        hint: `export ${name}=... or call env_var('${name}', 'default')`,
      });
    }
    s.envRead[name] = null;
    return arg(c, 1, 'default');
  };

  const exceptions = {
    raise_compiler_error: (msg: unknown): never => {
      throw failure(state(), 'macro-error', pyStr(msg));
    },
    warn: (msg: unknown): string => {
      const s = state();
      const pos = currentPosition(s);
      s.warnings.push({ code: 'macro-error', severity: 'warning', message: pyStr(msg), ...pos, node: s.node.unique_id });
      return '';
    },
    raise_not_implemented: (msg: unknown): never => {
      throw failure(state(), 'macro-error', `not implemented: ${pyStr(msg)}`);
    },
  };

  const log = (...raw: unknown[]): string => {
    const c = splitArgs(raw);
    state().logs.push({ message: readablePlaceholders(pyStr(arg(c, 0, 'msg'))), info: arg(c, 1, 'info', false) === true });
    return '';
  };

  const doc = (...raw: unknown[]): string => {
    const s = state();
    const c = splitArgs(raw);
    const name = String(c.args[c.args.length - 1]);
    const block = docs[name];
    if (block === undefined) {
      const hint = didYouMean(name, Object.keys(docs));
      throw failure(s, 'doc-not-found', `doc '${name}' not found in any {% docs %} block`, {
        ...(hint === undefined ? {} : { hint }),
      });
    }
    s.docs.add(name);
    return block.contents;
  };

  const dict = (...raw: unknown[]): Record<string, unknown> => {
    const c = splitArgs(raw);
    return { ...(isPlainObject(c.args[0]) ? c.args[0] : {}), ...c.kwargs };
  };
  const namespace = (...raw: unknown[]): Namespace => Object.assign(new Namespace(), dict(...raw));

  const now = input.now ?? (() => new Date());
  return {
    var: var_,
    has_var,
    env_var,
    exceptions,
    log,
    print: log,
    return: (value: unknown): never => {
      throw new MacroReturn(value);
    },
    fromjson: (s: unknown, def: unknown) => {
      try {
        return JSON.parse(pyStr(s)) as unknown;
      } catch {
        return def === undefined ? null : def;
      }
    },
    tojson: (v: unknown) => JSON.stringify(toPlainJson(v)),
    fromyaml: (s: unknown, def: unknown) => {
      try {
        return YAML.parse(pyStr(s)) as unknown;
      } catch {
        return def === undefined ? null : def;
      }
    },
    toyaml: (v: unknown) => YAML.stringify(toPlainJson(v)),
    local_md5: (s: unknown) => createHash('md5').update(pyStr(s)).digest('hex'),
    zip: (...lists: unknown[]) => {
      const ls = lists.filter(Array.isArray);
      const n = Math.min(...ls.map((l) => l.length));
      return Array.from({ length: Number.isFinite(n) ? n : 0 }, (_, i) => ls.map((l) => l[i]));
    },
    set: (xs: unknown) => pySet(xs === undefined || xs === null ? [] : toList(xs)),
    range: (...args: unknown[]): number[] => {
      const n = args.map(Number);
      const [start, stop, step] = n.length === 1 ? [0, n[0] ?? 0, 1] : [n[0] ?? 0, n[1] ?? 0, n[2] ?? 1];
      if (step === 0) throw new Error('range() arg 3 must not be zero');
      const out: number[] = [];
      for (let i = start; step > 0 ? i < stop : i > stop; i += step) {
        if (out.length >= 1_000_000) throw new Error('range() is limited to 1,000,000 items');
        out.push(i);
      }
      return out;
    },
    dict,
    namespace,
    flags: {
      FULL_REFRESH: options.flags?.fullRefresh === true,
      WHICH: options.flags?.which ?? 'compile',
      EMPTY: options.flags?.empty === true,
      STORE_FAILURES: false,
    },
    project_name: options.projectName,
    invocation_id: randomUUID(),
    run_started_at: new PyDatetime(now()),
    modules: { datetime: datetimeModule(now), re: reModule(), pytz: pytzModule(), itertools: itertoolsModule() },
    ...adapterContext(input),
    doc,
  };
}
