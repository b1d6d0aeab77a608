import type { Command } from 'commander';
import { CompileError } from '../../diagnostics/index.js';
import { addProjectOptions, addSelectionOptions, reporterFor, type CommonOptions } from '../common.js';
import type { Reporter } from '../reporter.js';
import { compileAndSelect } from './compile.js';
import { modelColumnLineage } from '../../docs/model-column-lineage.js';
import type { ProjectFiles } from '../../project/types.js';

interface LsOptions extends CommonOptions {
  output?: 'name' | 'path' | 'json' | 'selector';
  resourceType?: string[];
}

/** Resource types in the graph (selected with -s/--exclude). */
const GRAPH_TYPES = ['model', 'seed', 'snapshot', 'test', 'unit_test', 'source', 'analysis', 'exposure'];
/** Resource types defined in YAML only (semantic layer, feature store): listed, not built. */
const YAML_TYPES: Readonly<Record<string, string>> = { metric: 'metrics', semantic_model: 'semantic_models', saved_query: 'saved_queries', feature_view: 'feature_views' };
const VALID_TYPES = [...GRAPH_TYPES, ...Object.keys(YAML_TYPES), 'all', 'default'];

/** One line of `ls` output, whatever its resource type. */
interface Listed {
  readonly name: string;
  readonly resource_type: string;
  readonly package_name: string;
  readonly original_file_path: string;
  readonly unique_id: string;
  readonly selector: string;
  readonly json: Record<string, unknown>;
}

export function registerLs(program: Command, run: (r: Reporter, f: () => Promise<number>) => Promise<number>): void {
  const cmd = program
    .command('ls')
    .alias('list')
    .description('list the resources a selection matches')
    .option('--output <format>', 'name, path, selector or json', 'selector')
    .option('--resource-type <type...>', VALID_TYPES.join(', '));
  addSelectionOptions(addProjectOptions(cmd)).action(async (opts: LsOptions) => {
    const reporter = reporterFor(opts);
    await run(reporter, async () => {
      const types = checkTypes(opts.resourceType);
      const graphTypes = types?.filter((t) => GRAPH_TYPES.includes(t));
      const { files, compiled, selected } = await compileAndSelect(opts, types ? graphTypes : undefined, { writeCompiledSql: false });
      const m = compiled.manifest;
      const lines: string[] = [];
      // Column lineage (upstream columns of every output column) for models in JSON output.
      const lineage = opts.output === 'json' ? await modelColumnLineage(compiled.manifest, compiled.graph.order, files.root, files.config.targetPath) : {};
      const items: Listed[] = [];
      for (const id of types && graphTypes!.length === 0 ? [] : selected) {
        const n = m.nodes[id];
        const s = m.sources[id];
        const x = m.exposures?.[id];
        if (n) {
          const l = lineage[n.unique_id];
          const versionSuffix = n.version !== undefined ? `.v${n.version}` : '';
          items.push({
            name: `${n.name}${versionSuffix}`,
            resource_type: n.resource_type,
            package_name: n.package_name,
            original_file_path: n.original_file_path,
            unique_id: n.unique_id,
            selector: n.fqn.join('.'),
            json: {
              name: n.name,
              resource_type: n.resource_type,
              package_name: n.package_name,
              original_file_path: n.original_file_path,
              unique_id: n.unique_id,
              alias: n.alias,
              relation_name: n.relation_name,
              config: n.config,
              tags: n.tags,
              depends_on: n.depends_on,
              ...(n.version !== undefined ? { version: n.version, latest_version: n.latest_version ?? null } : {}),
              ...(l
                ? {
                    columns: l.columns.map((c) => ({ name: c.column, sources: c.sources, status: c.status, direct: c.direct, ...(c.reason ? { reason: c.reason } : {}) })),
                    ...(l.error ? { column_lineage_error: l.error } : {}),
                  }
                : {}),
            },
          });
        } else if (s) {
          items.push({
            name: `${s.source_name}.${s.name}`,
            resource_type: 'source',
            package_name: s.package_name,
            original_file_path: s.original_file_path,
            unique_id: s.unique_id,
            selector: `source:${s.fqn.join('.')}`,
            json: { name: s.name, source_name: s.source_name, resource_type: 'source', package_name: s.package_name, original_file_path: s.original_file_path, unique_id: s.unique_id, relation_name: s.relation_name, tags: s.tags },
          });
        } else if (x) {
          items.push({
            name: x.name,
            resource_type: 'exposure',
            package_name: x.package_name,
            original_file_path: x.original_file_path,
            unique_id: x.unique_id,
            selector: `exposure:${x.fqn.join('.')}`,
            json: { name: x.name, resource_type: 'exposure', package_name: x.package_name, original_file_path: x.original_file_path, unique_id: x.unique_id, type: x.type, owner: x.owner, url: x.url, maturity: x.maturity, tags: x.tags, config: x.config, depends_on: x.depends_on },
          });
        }
      }
      for (const t of Object.keys(YAML_TYPES)) {
        if (types ? !types.includes(t) && !types.includes('all') : false) continue;
        for (const it of yamlResources(files, t)) if (yamlSelected(it, opts.select, opts.exclude)) items.push(it);
      }
      for (const it of items) {
        switch (opts.output ?? 'selector') {
          case 'name':
            lines.push(it.name);
            break;
          case 'path':
            lines.push(it.original_file_path);
            break;
          case 'json':
            lines.push(JSON.stringify(it.json));
            break;
          default:
            lines.push(it.selector);
        }
      }
      // An empty list is a valid answer (e.g. `-s state:modified` with nothing changed).
      if (lines.length) reporter.result(lines.join('\n'));
      return 0;
    });
  });
}

/** `--resource-type` values: an unknown one is a usage error listing the valid ones. */
function checkTypes(given: readonly string[] | undefined): string[] | undefined {
  if (!given || given.length === 0) return undefined;
  const bad = given.filter((t) => !VALID_TYPES.includes(t));
  if (bad.length) {
    throw new CompileError([
      { code: 'selector-invalid', severity: 'error', message: `unknown resource type${bad.length > 1 ? 's' : ''} ${bad.map((b) => `'${b}'`).join(', ')} for --resource-type`, hint: `valid resource types: ${VALID_TYPES.join(', ')}` },
    ]);
  }
  if (given.includes('all') || given.includes('default')) return [...GRAPH_TYPES, ...Object.keys(YAML_TYPES)];
  return [...given];
}

/** Metrics, semantic models, saved queries and feature views as declared in the project's YAML. */
function yamlResources(files: ProjectFiles, type: string): Listed[] {
  const key = YAML_TYPES[type]!;
  const project = files.config.name;
  const out: Listed[] = [];
  for (const sf of files.schemaFiles) {
    const list = sf.other[key];
    if (!Array.isArray(list)) continue;
    for (const e of list) {
      const name = e && typeof e === 'object' ? (e as { name?: unknown }).name : undefined;
      if (typeof name !== 'string') continue;
      const fqn = [project, ...sf.path.split('/').slice(1, -1), name];
      const rec = e as Record<string, unknown>;
      out.push({
        name,
        resource_type: type,
        package_name: project,
        original_file_path: sf.path,
        unique_id: `${type}.${project}.${name}`,
        selector: `${type}:${fqn.join('.')}`,
        json: {
          name,
          resource_type: type,
          package_name: project,
          original_file_path: sf.path,
          unique_id: `${type}.${project}.${name}`,
          ...(typeof rec['description'] === 'string' ? { description: rec['description'] } : {}),
          ...(typeof rec['label'] === 'string' ? { label: rec['label'] } : {}),
          ...(typeof rec['type'] === 'string' ? { type: rec['type'] } : {}),
        },
      });
    }
  }
  return out;
}

/**
 * YAML-only resources are not graph nodes: with -s they match `<type>:<name>`, a bare name glob
 * or `resource_type:<type>`; --exclude removes them the same way.
 */
function yamlSelected(it: Listed, select: readonly string[] | undefined, exclude: readonly string[] | undefined): boolean {
  const hits = (args: readonly string[]): boolean =>
    args.flatMap((a) => a.split(/\s+/)).some((raw) => {
      const a = raw.replace(/^@|^\d*\+|\+\d*$/g, '');
      const glob = (p: string): boolean => new RegExp(`^${p.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(it.name);
      if (a === `resource_type:${it.resource_type}`) return true;
      if (a.startsWith(`${it.resource_type}:`)) return glob(a.slice(it.resource_type.length + 1).split('.').pop()!);
      return !a.includes(':') && glob(a);
    });
  if (exclude?.length && hits(exclude)) return false;
  return !select?.length || hits(select);
}
