/**
 * `strata clean`: deletes the project file's `clean-targets` (dbt's default when the key is
 * absent: the target path only). Nothing outside the project directory is ever deleted, and
 * resource directories (models, macros, ...) are protected, as in dbt.
 */
import { lstat, realpath, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import { CompileError, DiagnosticBag, type Diagnostic } from '../diagnostics/index.js';
import { findProjectFile, readProjectConfig } from '../project/project-file.js';
import { parseYamlLocated } from '../project/yaml-located.js';
import { depsError } from './errors.js';
import type { Env, Where } from './types.js';

export interface CleanResult {
  /** Targets deleted, as written in clean-targets. */
  readonly cleaned: readonly string[];
  /** Targets that did not exist. */
  readonly missing: readonly string[];
  /** Protected paths that were skipped. */
  readonly warnings: readonly Diagnostic[];
}

function inside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** The real path of `p`'s nearest existing ancestor (a symlinked directory may point elsewhere). */
async function realAncestor(p: string): Promise<string> {
  for (let cur = p; ; cur = path.dirname(cur)) {
    try {
      return await realpath(cur);
    } catch {
      if (path.dirname(cur) === cur) return cur;
    }
  }
}

/**
 * Deletes the clean targets of the project at `root` (absolute).
 *
 * @example
 * const r = await cleanProject('/abs/shop', process.env);
 * r.cleaned // ['target', 'dbt_packages']
 */
export async function cleanProject(root: string, env: Env): Promise<CleanResult> {
  const bag = new DiagnosticBag();
  const config = await readProjectConfig(root, env, bag);
  bag.throwIfErrors();
  if (!config) throw new Error('clean: project config missing without a diagnostic');
  const found = await findProjectFile(root);
  const rel = path.basename(config.file);
  const y = parseYamlLocated(found?.text ?? '', rel);
  const configured = config.raw['clean-targets'];
  const targets = Array.isArray(configured) ? configured.filter((t): t is string => typeof t === 'string') : [config.targetPath];
  const at = (i: number): Where => (Array.isArray(configured) ? y.locate(['clean-targets', i]) : { file: rel, line: 1, col: 1 });

  const realRoot = await realpath(root);
  const protectedPaths = [
    ...config.modelPaths, ...config.seedPaths, ...config.snapshotPaths, ...config.macroPaths,
    ...config.testPaths, ...config.analysisPaths, ...config.semanticPaths,
  ].map((p) => path.resolve(root, p));
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  const todo: { target: string; abs: string }[] = [];
  for (const [i, target] of targets.entries()) {
    const abs = path.resolve(root, target);
    const realParent = await realAncestor(path.dirname(abs));
    const escapes = !inside(root, abs) || !(realParent === realRoot || inside(realRoot, realParent));
    if (escapes) {
      errors.push(depsError('project-invalid', `clean-targets entry '${target}' is ${abs === root ? 'the project directory itself' : 'outside the project directory'}; strata clean will not delete it`, at(i),
        'list only directories inside the project, such as target or dbt_packages'));
      continue;
    }
    const guarded = protectedPaths.find((p) => p === abs || inside(abs, p));
    if (guarded) {
      warnings.push({ ...depsError('project-invalid', `not cleaning '${target}': it holds project files (${path.relative(root, guarded) || '.'})`, at(i), 'remove it from clean-targets'), severity: 'warning' });
      continue;
    }
    todo.push({ target, abs });
  }
  // Refuse everything when one entry is unsafe: a half-done clean is harder to reason about.
  if (errors.length) throw new CompileError(errors);
  const cleaned: string[] = [];
  const missing: string[] = [];
  for (const { target, abs } of todo) {
    const st = await lstat(abs).catch(() => undefined);
    if (!st) {
      missing.push(target);
      continue;
    }
    // A symlinked target is unlinked, never followed.
    if (st.isSymbolicLink()) await unlink(abs);
    else await rm(abs, { recursive: true, force: true });
    cleaned.push(target);
  }
  return { cleaned, missing, warnings };
}
