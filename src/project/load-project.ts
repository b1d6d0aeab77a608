import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { packagesFile, readInstalledPackages } from './packages.js';
import { CompileError, DiagnosticBag } from '../diagnostics/index.js';
import type { Env } from './env-var.js';
import { discoverFiles } from './discover.js';
import { readProjectConfig } from './project-file.js';
import { resolveTarget } from './profiles.js';
import { checkDuplicateEntries, parseSchemaFile } from './schema-file.js';
import type { ProjectFiles, SchemaFile } from './types.js';
import { readSchemaCache, writeSchemaCache, type SchemaCacheEntry } from './schema-cache.js';
import { parseVarsInto } from './vars.js';

export interface LoadProjectOptions {
  /** Project root (relative paths resolve against the current directory). */
  readonly projectDir: string;
  /** `--profiles-dir`: searched before the project dir and `~/.strata/`. */
  readonly profilesDir?: string;
  /** `--target`: overrides the profile's `target:`. */
  readonly target?: string;
  /** Raw `--vars` text, YAML or JSON. */
  readonly vars?: string;
  /** Reuse parsed schema YAML from `target/` (default true). */
  readonly useCache?: boolean;
  /** Environment for env_var(), STRATA_DATABASE_URL, STRATA_REDIS_URL, HOME; default process.env. */
  readonly env?: Env;
}

/**
 * Reads a project from disk into plain data for the compiler: project file, resolved target,
 * `--vars`, every source file (hashed) and every schema YAML file (parsed, located). Never touches
 * a database. Throws CompileError carrying every diagnostic found (errors first, then warnings);
 * on success, warnings are in `ProjectFiles.warnings`.
 *
 * @example
 * const project = await loadProject({ projectDir: '.', vars: '{"start": "2024-01-01"}' });
 * project.config.name;          // 'shop'
 * project.target;               // { type: 'pglite', path: '/abs/shop/.strata/pglite', ... }
 * project.models[0].path;       // 'models/staging/stg_orders.sql'
 */
export async function loadProject(opts: LoadProjectOptions): Promise<ProjectFiles> {
  const root = path.resolve(opts.projectDir);
  const env = opts.env ?? process.env;
  const bag = new DiagnosticBag();
  const cliVars = parseVarsInto(opts.vars ?? '', '--vars', bag);
  const config = await readProjectConfig(root, env, bag);
  if (!config) throw failure(bag);

  const [target, files, packages] = await Promise.all([
    resolveTarget(
      {
        root,
        profileName: config.profile,
        env,
        ...(opts.profilesDir !== undefined ? { profilesDir: opts.profilesDir } : {}),
        ...(opts.target !== undefined ? { target: opts.target } : {}),
      },
      bag,
    ),
    discoverFiles(root, config),
    readInstalledPackages(root, config, env, bag, declaredPackages(root)),
  ]);

  // Parsing YAML dominates warm loads of big projects, so parsed files are cached by content.
  const cache = opts.useCache === false ? undefined : await readSchemaCache(root, config.targetPath);
  const nextCache: Record<string, SchemaCacheEntry> = {};
  const parse = (f: { contents: string; path: string; hash: string }, always: boolean): void => {
    const key = `${f.path}\u0000${f.hash}\u0000${always ? 1 : 0}`;
    let entry = cache?.[key];
    if (!entry) {
      const local = new DiagnosticBag();
      const schema = parseSchemaFile(f.contents, f.path, f.hash, local, always ? { always: true } : {});
      bag.addAll(local.all);
      if (local.hasErrors()) return;
      entry = { schema: schema ?? null, warnings: [...local.all] };
    } else bag.addAll(entry.warnings);
    nextCache[key] = entry;
    if (entry.schema) schemaFiles.push(entry.schema);
  };
  const schemaFiles: SchemaFile[] = [];
  for (const f of files.schemaCandidates) parse(f, false);
  for (const f of files.semanticFiles) parse(f, true);
  if (opts.useCache !== false) await writeSchemaCache(root, config.targetPath, cache, nextCache);
  schemaFiles.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  checkDuplicateEntries(schemaFiles, bag);

  if (bag.hasErrors() || !target) throw failure(bag);
  const warnings = bag.all.filter((d) => d.severity === 'warning');
  return {
    root,
    config,
    target,
    cliVars,
    models: files.models,
    macros: files.macros,
    docs: files.docs,
    snapshots: files.snapshots,
    tests: files.tests,
    analyses: files.analyses,
    seeds: files.seeds,
    schemaFiles,
    ...(packages.length ? { packages } : {}),
    ...(warnings.length ? { warnings } : {}),
  };
}

/** How many packages packages.yml / dependencies.yml lists (0 when there is none or it is unreadable). */
function declaredPackages(root: string): number {
  const f = packagesFile(root);
  if (!f) return 0;
  try {
    const doc = YAML.parse(readFileSync(f, 'utf8')) as { packages?: unknown } | null;
    return Array.isArray(doc?.packages) ? doc.packages.length : 0;
  } catch {
    return 0;
  }
}

function failure(bag: DiagnosticBag): CompileError {
  const errors = bag.all.filter((d) => d.severity === 'error');
  const warnings = bag.all.filter((d) => d.severity === 'warning');
  return new CompileError([...errors, ...warnings]);
}
