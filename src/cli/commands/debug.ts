import type { Command } from 'commander';
import { CompileError } from '../../diagnostics/index.js';
import { addProjectOptions, load, reporterFor, type CommonOptions } from '../common.js';
import type { Reporter } from '../reporter.js';

export function registerDebug(program: Command, run: (r: Reporter, f: () => Promise<number>) => Promise<number>): void {
  const cmd = program
    .command('debug')
    .description('show the project, profile and target in use and check the database connection')
    .option('--config-only', 'skip the connection check');
  addProjectOptions(cmd).action(async (opts: CommonOptions & { configOnly?: boolean }) => {
    const reporter = reporterFor(opts);
    await run(reporter, async () => {
      const files = await load(opts);
      const t = files.target;
      const c = files.config;
      const where =
        t.type === 'postgres'
          ? `postgres://${t.user}@${t.host}:${t.port}/${t.dbname} (schema ${t.schema}, threads ${t.threads})`
          : `pglite ${t.path} (schema ${t.schema})`;
      reporter.info(`project:  ${c.name} (${c.file})`, { project: c.name, file: c.file });
      reporter.info(`profile:  ${t.profileName} / target ${t.name} from ${t.origin}`, { profile: t.profileName, target: t.name, origin: t.origin });
      reporter.info(`database: ${where}`, { type: t.type });
      reporter.info(
        `files:    ${files.models.length} models, ${files.macros.length} macro files, ${files.seeds.length} seeds, ${files.snapshots.length} snapshot files, ${files.schemaFiles.length} YAML files`,
      );
      if (opts.configOnly) return 0;
      const started = performance.now();
      let adapter;
      try {
        const { openDatabase } = await import('./open-target.js');
        adapter = await openDatabase(t, reporter, { command: 'debug' });
        const version = await adapter.serverVersion();
        reporter.info(`connection: OK (${Math.round(performance.now() - started)} ms) ${version}`, { connection: 'ok', version });
        return 0;
      } catch (e) {
        // A data directory held by another process is its own diagnostic (run-locked).
        if (e instanceof CompileError) throw e;
        throw new CompileError([
          {
            code: 'connection-failed',
            severity: 'error',
            message: `cannot connect to ${where}: ${e instanceof Error ? e.message : String(e)}`,
            ...(t.origin.startsWith('/') || t.origin.endsWith('.yml') ? { file: t.origin } : {}),
            hint:
              t.type === 'postgres'
                ? 'check host, port, user and password in profiles.yml or STRATA_DATABASE_URL, and that the server is running'
                : 'check that the pglite path is writable',
          },
        ]);
      } finally {
        await adapter?.close();
      }
    });
  });
}
