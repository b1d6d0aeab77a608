import type { Manifest, ManifestNode } from '../compiler/types.js';
import type { Diagnostic } from '../diagnostics/index.js';
import type { ProjectGraph, GraphNodeAttrs } from './project-graph.js';
import { didYouMean, error } from '../diagnostics/index.js';
import { parseSelectors, type SelectorAtom } from './selector.js';
import { namedSelector, type SelectorDefinition, type SelectorsFile } from './selectors-file.js';
import { stateArtifacts, type StateArtifactDirs, type StateArtifacts } from './state-artifacts.js';
import { modifiedNodes, type StateCheck } from './state.js';

export interface SelectOptions {
  readonly select?: readonly string[];
  readonly exclude?: readonly string[];
  /** Manifest from `--state DIR`, required by `state:` selectors. */
  readonly state?: Manifest;
  /** Limit to these resource types (e.g. a `run` selects only models). */
  readonly resourceTypes?: readonly string[];
  /** Tests attached to selected nodes: 'eager' (any parent selected), 'cautious' (all), 'empty'. */
  readonly indirect?: 'eager' | 'cautious' | 'empty';
  /** `--selector NAME`: a selector of `selectors` (selectors.yml) instead of --select/--exclude. */
  readonly selector?: string;
  /** The project's selectors.yml; its `default: true` selector applies without --select/--exclude. */
  readonly selectors?: SelectorsFile;
  /** `--state` and target/ directories, for `result:` (run_results.json) and `source_status:` (sources.json). */
  readonly artifacts?: StateArtifactDirs;
  /** Exactly these nodes (`strata retry`): no selectors, no default selector, no indirect tests. */
  readonly uniqueIds?: readonly string[];
}

/**
 * Evaluates dbt selection syntax against the graph; returns ids in topological order.
 *
 * @example
 * selectNodes(graph, manifest, { select: ['+fct_orders', 'tag:nightly,path:models/gold'] })
 */
export function selectNodes(
  pg: ProjectGraph,
  manifest: Manifest,
  opts: SelectOptions = {},
): { ids: string[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  if (opts.uniqueIds) {
    const only = new Set(opts.uniqueIds);
    return { ids: pg.order.filter((id) => only.has(id)), diagnostics };
  }
  const artifacts = stateArtifacts(opts.artifacts ?? {});
  const atomSet = (atom: SelectorAtom): Set<string> => evalAtom(pg, manifest, atom, opts.state, artifacts, diagnostics);
  const evalArgs = (args: readonly string[] | undefined, fallbackAll: boolean): Set<string> => {
    if (!args || args.length === 0) return fallbackAll ? new Set(pg.order) : new Set();
    const { expr, diagnostics: d } = parseSelectors(args);
    diagnostics.push(...d);
    const out = new Set<string>();
    for (const group of expr) {
      let acc: Set<string> | undefined;
      for (const atom of group) {
        const s = atomSet(atom);
        acc = acc ? new Set([...acc].filter((x) => s.has(x))) : s;
      }
      for (const id of acc ?? []) out.add(id);
    }
    return out;
  };
  // --selector NAME, else the default selector of selectors.yml when nothing else selects (dbt)
  let named = opts.selector ? namedSelector(opts.selectors, opts.selector) : undefined;
  if (named && 'code' in named) return { ids: [], diagnostics: [named] };
  if (named && (opts.select !== undefined || opts.exclude !== undefined)) {
    return { ids: [], diagnostics: [error('flags-invalid', '--selector cannot be combined with --select or --exclude', { hint: `put the whole selection in selector '${opts.selector}' of selectors.yml, or use --select/--exclude alone` })] };
  }
  if (!named && opts.select === undefined && opts.exclude === undefined && opts.selectors?.defaultName) {
    named = opts.selectors.selectors.get(opts.selectors.defaultName);
  }
  const selected = named ? evalDefinition(named.definition, atomSet) : evalArgs(opts.select, true);
  const excluded = named ? new Set<string>() : evalArgs(opts.exclude, false);
  for (const id of excluded) selected.delete(id);

  const fromFile = named?.indirect === 'buildable' ? 'cautious' : named?.indirect;
  const indirect = fromFile ?? opts.indirect ?? 'eager';
  if (indirect !== 'empty') {
    pg.graph.forEachNode((id, a) => {
      // A unit test comes with the model it tests, as in dbt.
      const tested = a.resourceType === 'unit_test' ? manifest.nodes[id]?.attached_node : undefined;
      if (tested && !excluded.has(id) && selected.has(tested)) selected.add(id);
      if (a.resourceType !== 'test' || selected.has(id) || excluded.has(id)) return;
      const parents = pg.graph.inNeighbors(id).filter((p) => pg.graph.getNodeAttributes(p).resourceType !== 'macro');
      if (parents.length === 0) return;
      const ok = indirect === 'eager' ? parents.some((p) => selected.has(p)) : parents.every((p) => selected.has(p));
      if (ok) selected.add(id);
    });
  }
  const types = opts.resourceTypes ? new Set(opts.resourceTypes) : undefined;
  const ids = pg.order.filter((id) => {
    if (!selected.has(id)) return false;
    if (!types) return true;
    return types.has(pg.graph.getNodeAttributes(id).resourceType);
  });
  return { ids, diagnostics };
}

/** A selectors.yml definition: unions, intersections and their `exclude`s, down to atoms. */
function evalDefinition(def: SelectorDefinition, atomSet: (a: SelectorAtom) => Set<string>): Set<string> {
  if (def.kind === 'atom') return atomSet(def.atom);
  const sets = def.include.map((d) => evalDefinition(d, atomSet));
  const out =
    def.kind === 'union'
      ? new Set(sets.flatMap((s) => [...s]))
      : sets.reduce((acc, s) => new Set([...acc].filter((x) => s.has(x))));
  for (const d of def.exclude) for (const id of evalDefinition(d, atomSet)) out.delete(id);
  return out;
}

/** Statuses `result:` accepts (those Strata writes to run_results.json). */
const RESULT_STATUSES = ['success', 'error', 'fail', 'warn', 'pass', 'skipped'];

/**
 * `result:<status>`: nodes with that status in `<state>/run_results.json`; `source_status:fresher`:
 * sources whose max_loaded_at in target/sources.json is newer than in `<state>/sources.json` (or
 * that are new there), leaving out sources whose check errored in either (dbt).
 */
function fromArtifacts(atom: SelectorAtom, artifacts: StateArtifacts, diagnostics: Diagnostic[]): string[] {
  if (atom.method === 'result') {
    if (!RESULT_STATUSES.includes(atom.value)) {
      diagnostics.push(error('selector-invalid', `unknown result status in '${atom.raw}'`, { hint: didYouMean(atom.value, RESULT_STATUSES) ?? `statuses: ${RESULT_STATUSES.join(', ')}` }));
      return [];
    }
    const results = artifacts.runResults();
    if ('code' in results) {
      diagnostics.push(results);
      return [];
    }
    return [...results].filter(([, status]) => status === atom.value).map(([id]) => id);
  }
  if (atom.value !== 'fresher') {
    diagnostics.push(error('selector-invalid', `unknown source status in '${atom.raw}'`, { hint: "the method has one value, as in dbt: 'source_status:fresher' (add + for what is built from those sources)" }));
    return [];
  }
  const previous = artifacts.sources('state');
  const current = artifacts.sources('current');
  if ('code' in previous || 'code' in current) {
    for (const d of [previous, current]) if ('code' in d) diagnostics.push(d);
    return [];
  }
  const before = previous;
  const out: string[] = [];
  for (const [id, now] of current) {
    const then = before.get(id);
    if (now === null || then === null) continue;
    if (then === undefined || now > then) out.push(id);
  }
  return out;
}

function evalAtom(
  pg: ProjectGraph,
  manifest: Manifest,
  atom: SelectorAtom,
  state: Manifest | undefined,
  artifacts: StateArtifacts,
  diagnostics: Diagnostic[],
): Set<string> {
  const base = new Set<string>();
  if (atom.method === 'result' || atom.method === 'source_status') {
    for (const id of fromArtifacts(atom, artifacts, diagnostics)) if (pg.graph.hasNode(id)) base.add(id);
  } else if (atom.method === 'state') {
    if (!state) {
      diagnostics.push({
        code: 'state-invalid',
        severity: 'error',
        message: `selector '${atom.raw}' needs a previous manifest`,
        hint: 'pass --state <dir with manifest.json from a previous compile>',
      });
      return base;
    }
    for (const id of modifiedNodes(manifest, state, atom.value as StateCheck, diagnostics)) base.add(id);
  } else {
    pg.graph.forEachNode((id, a) => {
      if (matches(atom, id, a, manifest)) base.add(id);
    });
  }
  const result = new Set(base);
  const g = pg.graph;
  const walk = (starts: Iterable<string>, depth: number, next: (id: string) => string[]): void => {
    let frontier = [...starts];
    const seen = new Set(frontier);
    for (let d = 0; d < depth && frontier.length; d++) {
      const nf: string[] = [];
      for (const id of frontier) {
        for (const n of next(id)) {
          if (seen.has(n)) continue;
          seen.add(n);
          result.add(n);
          nf.push(n);
        }
      }
      frontier = nf;
    }
  };
  if (atom.at) {
    const down = new Set(base);
    let frontier = [...base];
    while (frontier.length) {
      const nf: string[] = [];
      for (const id of frontier) for (const n of g.outNeighbors(id)) if (!down.has(n)) (down.add(n), nf.push(n));
      frontier = nf;
    }
    for (const id of down) result.add(id);
    walk(down, Infinity, (id) => g.inNeighbors(id));
  } else {
    if (atom.parents) walk(base, atom.parents, (id) => g.inNeighbors(id));
    if (atom.children) walk(base, atom.children, (id) => g.outNeighbors(id));
  }
  return result;
}

/** fnmatch-style glob (`*`, `?`, `[abc]`) as dbt uses for names, tags and fqn parts. */
function glob(pattern: string, value: string): boolean {
  if (!/[*?[]/.test(pattern)) return pattern === value;
  const re = new RegExp(
    '^' +
      pattern
        .replace(/[.+^${}()|\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.') +
      '$',
  );
  return re.test(value);
}

function matchesFqn(value: string, a: GraphNodeAttrs): boolean {
  const parts = value.split('.');
  const fqn = a.fqn;
  const prefixAt = (offset: number): boolean =>
    parts.length + offset <= fqn.length && parts.every((p, i) => glob(p, fqn[i + offset]!));
  // `orders` matches the node name; `staging` a folder prefix; `my_project.staging` with package.
  if (parts.length === 1 && glob(value, a.name)) return true;
  return prefixAt(0) || (fqn[0] === a.packageName && prefixAt(1));
}

function matchesPath(value: string, file: string): boolean {
  const v = value.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/$/, '');
  if (/[*?[]/.test(v)) return glob(v, file) || glob(`${v}/*`, file);
  return file === v || file.startsWith(`${v}/`);
}

function matches(atom: SelectorAtom, id: string, a: GraphNodeAttrs, manifest: Manifest): boolean {
  const v = atom.value;
  switch (atom.method) {
    case 'name':
      if (v.includes('/') || v.endsWith('.sql') || v.endsWith('.yml')) return matchesPath(v, a.file);
      if (a.resourceType === 'source') return glob(v, `${a.fqn[a.fqn.length - 2]}.${a.name}`) || matchesFqn(v, a);
      return matchesFqn(v, a);
    case 'fqn':
      return matchesFqn(v, a);
    case 'tag':
      return a.tags.some((t) => glob(v, t));
    case 'path':
      return matchesPath(v, a.file);
    case 'file': {
      const base = a.file.split('/').pop() ?? '';
      return glob(v, base) || glob(v, base.replace(/\.[^.]+$/, ''));
    }
    case 'resource_type':
      return a.resourceType === v;
    case 'package':
      return glob(v, a.packageName);
    case 'source': {
      if (a.resourceType !== 'source') return false;
      const src = manifest.sources[id];
      if (!src) return false;
      const [s, t] = v.split('.');
      return glob(s!, src.source_name) && (t === undefined || glob(t, src.name));
    }
    case 'config': {
      const i = v.indexOf(':');
      const key = v.slice(0, i);
      const want = v.slice(i + 1);
      const got = a.config[key];
      if (Array.isArray(got)) return got.some((x) => String(x) === want);
      return got !== undefined && got !== null && String(got) === want;
    }
    case 'test_type': {
      if (a.resourceType === 'unit_test') return v === 'unit';
      if (a.resourceType !== 'test') return false;
      const n = manifest.nodes[id] as ManifestNode | undefined;
      const generic = Boolean(n?.test_metadata);
      return v === 'generic' || v === 'schema' ? generic : v === 'singular' || v === 'data' ? !generic : false;
    }
    case 'test_name': {
      const n = manifest.nodes[id] as ManifestNode | undefined;
      return Boolean(n?.test_metadata && glob(v, n.test_metadata.name));
    }
    case 'state':
    case 'result':
    case 'source_status':
      return false;
    case 'exposure':
      return a.resourceType === 'exposure' && glob(v, a.name);
    case 'version': {
      // dbt: latest, prerelease (above the latest), old (below it), none (unversioned models)
      const n = manifest.nodes[id] as ManifestNode | undefined;
      if (n?.resource_type !== 'model') return false;
      if (n.version === undefined) return v === 'none';
      return compareVersions(n.version, n.latest_version ?? n.version) === ({ latest: 0, prerelease: 1, old: -1 } as Record<string, number | undefined>)[v];
    }
  }
}

/** Orders two version identifiers as dbt does: numerically when both are numbers, else as text. */
function compareVersions(a: string | number, b: string | number): number {
  const na = Number(a);
  const nb = Number(b);
  const c = !Number.isNaN(na) && !Number.isNaN(nb) ? na - nb : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
  return Math.sign(c);
}
