import { relative } from 'node:path';
import type { Command } from 'commander';
import YAML from 'yaml';
import { compileProject } from '../../compiler/index.js';
import { createRunRenderer } from '../../compiler/run-render.js';
import { CompileError } from '../../diagnostics/index.js';
import { addProjectOptions, load, reporterFor, type CommonOptions } from '../common.js';
import type { Reporter } from '../reporter.js';
import { openTargetAdapter } from './execute.js';

interface RunOperationOptions extends CommonOptions {
  args?: string;
}

/**
 * `strata run-operation MACRO --args '{key: value}'`: calls a macro (of the project, a package
 * or dbt's, `package.macro` to pick one) with execute true and a live connection, as dbt does;
 * every statement it sends runs. Exit 0 when it returns, 1 when it fails, 2 for a bad call.
 */
export function registerRunOperation(program: Command, run: (r: Reporter, f: () => Promise<number>) => Promise<number>): void {
  const cmd = program
    .command('run-operation <macro>')
    .description('call a macro with a live connection (grants, maintenance, one-off SQL)')
    .option('--args <yaml>', "keyword arguments as a YAML or JSON mapping, e.g. '{table: orders, days: 7}'");
  addProjectOptions(cmd).action(async (macro: string, opts: RunOperationOptions) => {
    const reporter = reporterFor(opts);
    await run(reporter, async () => {
      const args = parseArgs(opts.args);
      const files = await load(opts);
      const compiled = await compileProject(files, { which: 'run-operation' });
      const { adapter, close } = await openTargetAdapter(files.target, reporter, { command: 'run-operation', whenHeld: 'wait' });
      try {
        const rr = createRunRenderer(files, compiled.manifest, adapter, { which: 'run-operation' });
        const project = files.config.name;
        const out = await rr.operation(
          {
            unique_id: `operation.${project}.${macro}`,
            name: macro,
            resource_type: 'operation',
            package_name: project,
            original_file_path: relative(files.root, files.config.file),
            database: files.target.dbname,
            schema: files.target.schema,
            alias: macro,
            config: {},
          },
          macro,
          args,
        );
        for (const line of out.ok ? out.logs : []) reporter.info(line);
        if (!out.ok) {
          if (out.diagnostics.some((d) => d.code === 'undefined-macro') && out.statements.length === 0) throw new CompileError(out.diagnostics);
          reporter.diagnostics(out.diagnostics, files.root);
          reporter.info(`run-operation ${macro} failed after ${out.statements.length} statement${out.statements.length === 1 ? '' : 's'}`);
          return 1;
        }
        reporter.info(`run-operation ${macro}: ${out.statements.length} statement${out.statements.length === 1 ? '' : 's'} run`);
        return 0;
      } finally {
        await close();
      }
    });
  });
}

function parseArgs(text: string | undefined): Record<string, unknown> {
  if (text === undefined || text.trim() === '') return {};
  let v: unknown;
  try {
    v = YAML.parse(text);
  } catch (e) {
    throw new CompileError([
      { code: 'vars-invalid', severity: 'error', message: `--args is not YAML or JSON: ${e instanceof Error ? e.message : String(e)}`, hint: "e.g. --args '{table: orders}'" },
    ]);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new CompileError([{ code: 'vars-invalid', severity: 'error', message: '--args must be a mapping of argument names to values', hint: "e.g. --args '{table: orders}'" }]);
  }
  return v as Record<string, unknown>;
}
