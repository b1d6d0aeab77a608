import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { compileProject, createRenderer, plainRendererOptions, type Manifest, type ManifestNode } from '../../compiler/index.js';
import { createRunRenderer, manifestLookup } from '../../compiler/run-render.js';
import { sqlErrorDiagnostic } from '../../compiler/sql-check.js';
import { CompileError, didYouMean, formatDiagnostic, withCodeFrame, type Diagnostic } from '../../diagnostics/index.js';
import type { ShowResult, ShowStatement } from '../../executor/show.js';
import type { ProjectFiles } from '../../project/types.js';
import { addProjectOptions, addSelectionOptions, load, reporterFor, type CommonOptions } from '../common.js';
import { formatTable, toCsv } from '../format.js';
import type { Reporter } from '../reporter.js';
import { compileAndSelect } from './compile.js';

interface ShowOptions extends CommonOptions {
  inline?: string;
  limit: string;
  output: string;
  cache?: boolean;
}

/** What `show -s` previews (tests and unit tests are not queries of their own here). */
const SHOWABLE = ['model', 'seed', 'snapshot', 'analysis'] as const;

/** dbt's name of the node an inline query becomes. */
const INLINE = 'inline_query';

/**
 * `strata show -s <node>` / `strata show --inline "<sql>"` (dbt show): runs the compiled SELECT
 * with a LIMIT, read-only, against the target and prints the rows (table, json or csv). Nothing
 * is built; refs read the relations already built. Exit 0 ok, 1 the database refused the query,
 * 2 bad input (unknown node, bad flag, template error).
 */
export function registerShow(program: Command, run: (r: Reporter, f: () => Promise<number>) => Promise<number>): void {
  const cmd = program
    .command('show')
    .description("preview the rows of a model, seed, snapshot or analysis, or of an inline query (read-only: builds nothing)")
    .option('--inline <sql>', "a query to run instead of a node, rendered with the project's macros and refs")
    .option('--limit <n>', 'rows to show (-1: all)', '5')
    .option('--output <format>', 'table, json or csv', 'table')
    .option('--no-cache', 'ignore target/ caches and render everything');
  addSelectionOptions(addProjectOptions(cmd)).action(async (opts: ShowOptions) => {
    const reporter = reporterFor(opts);
    await run(reporter, () => show(opts, reporter));
  });
}

function usage(message: string, hint?: string): CompileError {
  return new CompileError([{ code: 'query-invalid', severity: 'error', message, ...(hint ? { hint } : {}) }]);
}

async function show(opts: ShowOptions, reporter: Reporter): Promise<number> {
  const limit = Number(opts.limit);
  if (!/^-?\d+$/.test(opts.limit.trim()) || limit < -1) throw usage(`--limit must be a whole number of rows or -1 (all), got '${opts.limit}'`, 'e.g. --limit 10');
  const output = opts.output;
  if (output !== 'table' && output !== 'json' && output !== 'csv') throw usage(`--output must be table, json or csv, got '${output}'`);
  if (opts.inline !== undefined && opts.select?.length) throw usage('give either --inline or --select, not both');
  if (opts.inline === undefined && !opts.select?.length) throw usage('nothing to show', "pass -s <model> or --inline 'select ...'");

  let files: ProjectFiles;
  let manifest: Manifest;
  let nodes: ManifestNode[];
  if (opts.inline !== undefined) {
    files = await load(opts);
    manifest = (await compileProject(files, { which: 'show', useCache: opts.cache !== false })).manifest;
    nodes = [inlineNode(files, manifest, opts.inline)];
  } else {
    const c = await compileAndSelect(opts, SHOWABLE);
    files = c.files;
    manifest = c.compiled.manifest;
    if (c.selected.length === 0) throw noMatch(opts.select ?? [], manifest);
    nodes = c.selected.map((id) => manifest.nodes[id]!);
  }

  const { openTargetAdapter } = await import('./open-target.js');
  const { runShow, showStatement } = await import('../../executor/show.js');
  const { adapter, close } = await openTargetAdapter(files.target, reporter, { command: 'show', whenHeld: 'wait' });
  try {
    const rr = createRunRenderer(files, manifest, adapter, { which: 'show' });
    for (let node of nodes) {
      // nodes whose SQL depends on the database are rendered now, as right before a run
      if (node.strata.dynamic) {
        const out = await rr.render(node);
        if (!out.ok) throw new CompileError(out.diagnostics);
        node = out.node;
      }
      const statement = showStatement(node, limit === -1 ? null : limit);
      let result: ShowResult;
      try {
        result = await runShow(adapter, statement);
      } catch (e) {
        const d = databaseDiagnostic(files, node, statement, e);
        if (reporter.format === 'json') reporter.event('diagnostic', { ...d });
        else reporter.info(`ERROR ${node.unique_id}:\n${formatDiagnostic(d)}`);
        return 1;
      }
      print(reporter, output, node.name, result);
    }
    return 0;
  } finally {
    await close();
  }
}

function print(reporter: Reporter, output: 'table' | 'json' | 'csv', name: string, r: ShowResult): void {
  if (output === 'json') reporter.result(JSON.stringify({ node: name, show: r.rows }, null, 2));
  else if (output === 'csv') reporter.result(toCsv(r.columns, r.rows));
  else {
    reporter.info(name === INLINE ? 'Previewing inline node:' : `Previewing node '${name}':`, { event: 'show', node: name, rows: r.rows.length });
    reporter.result(formatTable(r.columns, r.rows));
  }
}

/** `-s` matched nothing: exit 2, with the closest node name for a plain name. */
function noMatch(select: readonly string[], manifest: Manifest): CompileError {
  const names = Object.values(manifest.nodes)
    .filter((n) => (SHOWABLE as readonly string[]).includes(n.resource_type))
    .map((n) => n.name);
  const plain = select.find((s) => /^[A-Za-z0-9_]+$/.test(s));
  const hint = plain ? didYouMean(plain, names) : undefined;
  return new CompileError([
    {
      code: 'selector-invalid',
      severity: 'error',
      message: `the selection ${select.join(' ')} matched no model, seed, snapshot or analysis`,
      hint: hint ?? 'list the nodes with `strata ls`',
    },
  ]);
}

/**
 * The inline query as a node rendered at execution time (execute is true, as dbt renders it).
 * Its refs and sources are checked first: an unknown one is an exit-2 diagnostic, nothing is sent.
 */
function inlineNode(files: ProjectFiles, manifest: Manifest, sql: string): ManifestNode {
  const project = files.config.name;
  const base = {
    unique_id: `sql_operation.${project}.${INLINE}`,
    name: INLINE,
    resource_type: 'analysis' as const,
    package_name: project,
    original_file_path: '<inline>',
    database: files.target.dbname,
    schema: files.target.schema,
    alias: INLINE,
  };
  const config = { enabled: true, materialized: 'view' as const, tags: [], meta: {} };
  const parsed = createRenderer(plainRendererOptions(files, process.env, { which: 'show' })).render({ ...base, config }, sql);
  if (!parsed.ok) throw new CompileError(parsed.diagnostics.map(({ file: _file, line: _line, col: _col, ...d }) => ({ ...d, message: `in --inline: ${d.message}` })));
  const lookup = manifestLookup(manifest);
  const diagnostics: Diagnostic[] = [];
  const relational = Object.values(manifest.nodes).filter((n) => ['model', 'seed', 'snapshot'].includes(n.resource_type));
  for (const r of parsed.result.refs) {
    if (lookup('ref', r.package ?? '', r.name)) continue;
    const hint = didYouMean(r.name, relational.map((n) => n.name));
    diagnostics.push({ code: 'ref-not-found', severity: 'error', message: `--inline refers to '${r.name}', which does not exist`, ...(hint ? { hint } : {}) });
  }
  for (const s of parsed.result.sources) {
    if (lookup('src', s.source, s.table)) continue;
    const hint = didYouMean(`${s.source}.${s.table}`, Object.values(manifest.sources).map((x) => `${x.source_name}.${x.name}`));
    diagnostics.push({ code: 'source-not-found', severity: 'error', message: `--inline refers to source '${s.source}.${s.table}', which does not exist`, ...(hint ? { hint } : {}) });
  }
  if (diagnostics.length) throw new CompileError(diagnostics);
  return {
    ...base,
    path: INLINE,
    fqn: [project, INLINE],
    relation_name: null,
    config,
    tags: [],
    description: '',
    columns: {},
    meta: {},
    raw_code: sql,
    compiled_code: null,
    depends_on: { nodes: [], macros: [] },
    refs: parsed.result.refs,
    sources: parsed.result.sources.map((s) => [s.source, s.table] as const),
    checksum: { name: 'sha256', checksum: '' },
    strata: { config_hash: '', macros_hash: '', inputs_hash: '', vars_read: [], env_read: [], reads_target: false, dynamic: true },
    patch_path: null,
    loc: { line: 1, col: 1 },
  };
}

/** A database error of the show query, located in the node's file when the server gave a position. */
function databaseDiagnostic(files: ProjectFiles, node: ManifestNode, statement: ShowStatement, e: unknown): Diagnostic {
  const err = e as { message?: unknown; position?: unknown; code?: unknown };
  const message = `${typeof err.message === 'string' ? err.message : String(e)}${typeof err.code === 'string' ? ` (SQLSTATE ${err.code})` : ''}`;
  const position = Number(err.position);
  const at = Number.isInteger(position) && position > 0 ? position - 1 - statement.bodyAt : undefined;
  const offset = at !== undefined && at >= 0 && at < statement.body.length ? at : undefined;
  if (node.name === INLINE && node.unique_id.startsWith('sql_operation.')) {
    return { code: 'database-error', severity: 'error', message: `in --inline: ${message}`, node: node.unique_id };
  }
  const located = node.resource_type === 'seed' ? { code: 'database-error' as const, severity: 'error' as const, message, file: node.original_file_path, node: node.unique_id } : sqlErrorDiagnostic(node, 'database-error', message, offset);
  return withCodeFrame(located, (file) => readProjectFile(files.root, file));
}

function readProjectFile(root: string, file: string): string | undefined {
  try {
    return readFileSync(join(root, file), 'utf8');
  } catch {
    return undefined;
  }
}
