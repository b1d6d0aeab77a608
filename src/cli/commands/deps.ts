import { Option, type Command } from 'commander';
import { runDeps, updateAvailable, type AddSource, type DepsResult, type PinnedPackage } from '../../deps/index.js';
import { projectRoot, reporterFor, type CommonOptions } from '../common.js';
import type { Reporter } from '../reporter.js';

interface DepsFlags extends CommonOptions {
  lock?: boolean;
  upgrade?: boolean;
  addPackage?: string;
  source?: AddSource;
}

/**
 * `strata deps`: installs the packages of packages.yml / dependencies.yml into dbt_packages/
 * (or `packages-install-path`), pinned by package-lock.yml, like dbt 1.7+.
 *
 * @example strata deps --add-package dbt-labs/dbt_utils@1.3.0
 */
export function registerDeps(program: Command, run: (r: Reporter, f: () => Promise<number>) => Promise<number>): void {
  program
    .command('deps')
    .description('install the packages listed in packages.yml (hub, git, tarball, local), pinned by package-lock.yml')
    .option('--project-dir <dir>', 'project directory (default: current directory)')
    // accepted as dbt accepts them, so CI scripts written for dbt run unchanged (no profile is read)
    .option('--profiles-dir <dir>', 'accepted for dbt compatibility; not needed')
    .option('-t, --target <name>', 'accepted for dbt compatibility; not needed')
    .option('--lock', 'resolve and write package-lock.yml without installing')
    .option('--upgrade', 'ignore package-lock.yml and resolve the newest versions the ranges allow')
    .option('--add-package <package>', 'add a package to packages.yml first: org/name@version (hub), url@revision (git) or a path (local)')
    .addOption(new Option('--source <source>', 'where --add-package comes from').choices(['hub', 'git', 'local']).default('hub'))
    .option('--log-format <format>', 'text or json (one event per line)', 'text')
    .action(async (opts: DepsFlags) => {
      const reporter = reporterFor(opts);
      await run(reporter, async () => {
        const root = projectRoot(opts);
        const result = await runDeps({
          projectDir: root,
          env: process.env,
          ...(opts.lock ? { lockOnly: true } : {}),
          ...(opts.upgrade ? { upgrade: true } : {}),
          ...(opts.addPackage !== undefined ? { addPackage: { value: opts.addPackage, source: opts.source ?? 'hub' } } : {}),
        });
        report(result, reporter, root);
        return 0;
      });
    });
}

function report(r: DepsResult, reporter: Reporter, root: string): void {
  if (r.added) {
    const entry = Object.entries(r.added.entry).map(([k, v]) => `${k}: ${v}`).join(', ');
    reporter.info(`Added {${entry}} to ${r.added.file}`, { added: r.added.entry, file: r.added.file });
  }
  if (r.from === 'none') {
    reporter.warn(`No packages were found in ${r.packagesFile ?? 'packages.yml'}`);
    return;
  }
  if (r.lockIgnored === 'hash-mismatch') reporter.info('package-lock.yml does not match the packages file any more: resolving again');
  if (r.from === 'lock' && !r.installed && r.packages.length === 0) {
    reporter.info('package-lock.yml is up to date with the packages file; nothing to do (use --upgrade to resolve again)');
    return;
  }
  reporter.diagnostics(r.warnings, root);
  for (const p of r.packages) describe(p, r, reporter);
  if (r.lockWritten) reporter.info(`Updating lock file in file path: ${r.lockWritten}`, { lockFile: r.lockWritten });
  for (const name of r.removed) reporter.info(`Removed ${r.installPath}/${name} (no longer listed)`, { removed: name });
  if (r.installed) reporter.info(`Installed ${r.packages.length} package${r.packages.length === 1 ? '' : 's'} into ${r.installPath}/`, { count: r.packages.length });
}

function describe(p: PinnedPackage, r: DepsResult, reporter: Reporter): void {
  const verb = r.installed ? 'Installing' : 'Resolved';
  const data = { package: p.label, name: p.name, kind: p.kind, ...(p.version ? { version: p.version } : {}) };
  switch (p.kind) {
    case 'hub': {
      reporter.info(`${verb} ${p.label} ${p.version ?? ''}`.trimEnd(), data);
      const newer = updateAvailable(p);
      reporter.info(newer ? `  Updated version available: ${newer}` : '  Up to date!', newer ? { package: p.label, latest: newer } : { package: p.label });
      return;
    }
    case 'git':
      reporter.info(`${verb} ${p.label}`, data);
      reporter.info(`  ${r.installed ? 'Installed' : 'Pinned'} from revision ${(p.version ?? '').slice(0, 7)}${p.revision ? ` (${p.revision})` : ''}`, data);
      return;
    case 'local':
      reporter.info(`${verb} ${p.label}`, data);
      if (r.installed) reporter.info(`  Installed as a symlink ${r.installPath}/${p.name}`, data);
      return;
    case 'tarball':
      reporter.info(`${verb} ${p.label}`, data);
      if (r.installed) reporter.info(`  Installed from tarball into ${r.installPath}/${p.name}`, data);
      return;
  }
}
