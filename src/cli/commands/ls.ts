import type { Command } from 'commander';
import { addProjectOptions, addSelectionOptions, reporterFor, type CommonOptions } from '../common.js';
import type { Reporter } from '../reporter.js';
import { compileAndSelect } from './compile.js';
import { modelColumnLineage } from '../../docs/model-column-lineage.js';

interface LsOptions extends CommonOptions {
  output?: 'name' | 'path' | 'json' | 'selector';
  resourceType?: string[];
}

export function registerLs(program: Command, run: (r: Reporter, f: () => Promise<number>) => Promise<number>): void {
  const cmd = program
    .command('ls')
    .alias('list')
    .description('list the nodes a selection matches')
    .option('--output <format>', 'name, path, selector or json', 'selector')
    .option('--resource-type <type...>', 'model, seed, snapshot, test, source, analysis');
  addSelectionOptions(addProjectOptions(cmd)).action(async (opts: LsOptions) => {
    const reporter = reporterFor(opts);
    await run(reporter, async () => {
      const { files, compiled, selected } = await compileAndSelect(opts, opts.resourceType, { writeCompiledSql: false });
      const m = compiled.manifest;
      const lines: string[] = [];
      // Column lineage (upstream columns of every output column) for models in JSON output.
      const lineage = opts.output === 'json' ? await modelColumnLineage(compiled.manifest, compiled.graph.order, files.root, files.config.targetPath) : {};
      for (const id of selected) {
        const n = m.nodes[id];
        const s = m.sources[id];
        switch (opts.output ?? 'selector') {
          case 'name':
            lines.push(n ? n.name : `${s!.source_name}.${s!.name}`);
            break;
          case 'path':
            lines.push((n ?? s)!.original_file_path);
            break;
          case 'json':
            lines.push(
              JSON.stringify(
                n
                  ? {
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
                      ...(lineage[n.unique_id]
                        ? {
                            columns: lineage[n.unique_id]!.columns.map((c) => ({ name: c.column, sources: c.sources, status: c.status, direct: c.direct, ...(c.reason ? { reason: c.reason } : {}) })),
                            ...(lineage[n.unique_id]!.error ? { column_lineage_error: lineage[n.unique_id]!.error } : {}),
                          }
                        : {}),
                    }
                  : {
                      name: s!.name,
                      source_name: s!.source_name,
                      resource_type: 'source',
                      package_name: s!.package_name,
                      original_file_path: s!.original_file_path,
                      unique_id: s!.unique_id,
                      relation_name: s!.relation_name,
                      tags: s!.tags,
                    },
              ),
            );
            break;
          default:
            lines.push(n ? n.fqn.join('.') : `source:${s!.fqn.join('.')}`);
        }
      }
      // An empty list is a valid answer (e.g. `-s state:modified` with nothing changed).
      if (lines.length) reporter.result(lines.join('\n'));
      return 0;
    });
  });
}
