import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CompileError, type Diagnostic } from '../diagnostics/index.js';
import { buildProjectGraph, type ProjectGraph } from '../graph/index.js';
import type { ProjectFiles } from '../project/types.js';
import { readRenderCache, writeCompiled, writeManifest, writeRenderCache } from './artifacts.js';
import { compileManifest, type CompileOptions } from './build-manifest.js';
import { checkCompiledSql } from './sql-check.js';
import type { Manifest } from './types.js';

export interface CompiledProject {
  readonly manifest: Manifest;
  readonly graph: ProjectGraph;
  readonly warnings: readonly Diagnostic[];
  /** Rendered `on-run-start` / `on-run-end` SQL. */
  readonly hooks: { readonly onRunStart: readonly string[]; readonly onRunEnd: readonly string[] };
  readonly stats: { readonly rendered: number; readonly reused: number; readonly nodes: number; readonly written: number };
}

/**
 * The `compile` stage end to end: render with the on-disk cache, build the DAG, write
 * `target/manifest.json` and `target/compiled/**`. Throws CompileError with every diagnostic
 * (and writes nothing) when the project has errors.
 */
export async function compileProject(
  files: ProjectFiles,
  opts: CompileOptions & {
    readonly writeArtifacts?: boolean;
    readonly useCache?: boolean;
    /** false: write manifest.json and the render cache but not target/compiled/** (ls, as dbt's). */
    readonly writeCompiledSql?: boolean;
  } = {},
): Promise<CompiledProject> {
  const targetDir = join(files.root, files.config.targetPath);
  const useCache = opts.useCache ?? true;
  const cache = useCache ? await readRenderCache(targetDir) : undefined;
  const out = await compileManifest(files, { ...opts, ...(cache ? { cache } : {}) });
  const sqlErrors = await checkCompiledSql(out.manifest, cache?.compiled);
  const errors = [...out.diagnostics.filter((d) => d.severity === 'error'), ...sqlErrors];
  if (errors.length) throw new CompileError(dedupe(errors));
  const { graph, diagnostics } = buildProjectGraph(out.manifest);
  if (!graph) throw new CompileError(diagnostics);
  let written = 0;
  if (opts.writeArtifacts ?? true) {
    const res =
      opts.writeCompiledSql === false
        ? { written: 0, hashes: { ...(cache?.compiled ?? {}) } }
        : writeCompiled(targetDir, out.manifest, existsSync(join(targetDir, 'compiled')) ? cache?.compiled : undefined);
    written = res.written;
    // Nothing re-rendered and the same inputs as last time: manifest.json on disk is already this
    // manifest (apart from generated_at), so neither it nor the cache is rewritten.
    const unchanged =
      cache !== undefined &&
      out.stats.rendered === 0 &&
      written === 0 &&
      cache.fingerprint === out.cache.fingerprint &&
      existsSync(join(targetDir, 'manifest.json'));
    if (!unchanged) {
      await Promise.all([
        writeManifest(targetDir, out.manifest),
        // Written with --no-cache too: its compiled-file hashes must describe what is on disk.
        writeRenderCache(targetDir, { ...out.cache, compiled: res.hashes }),
      ]);
    }
  }
  return {
    manifest: out.manifest,
    graph,
    warnings: [...(files.warnings ?? []), ...out.diagnostics.filter((d) => d.severity === 'warning')],
    stats: { ...out.stats, written },
    hooks: out.hooks,
  };
}

function dedupe(ds: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const k = `${d.code}|${d.file}|${d.line}|${d.col}|${d.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
