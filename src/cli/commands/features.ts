import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { WarehouseAdapter } from '../../adapters/warehouse-adapter.js';
import { CompileError, error } from '../../diagnostics/index.js';
import {
  buildTrainingSet,
  checkDrift,
  checkParity,
  csvFileSink,
  getOnlineFeatures,
  loadProjectFeatures,
  materialize,
  openOnlineStore,
  parseEntitySource,
  registryPath,
  writeFeatureRegistry,
  type FeatureRegistry,
  type OnlineStore,
} from '../../features/index.js';
import { ident } from '../../planner/sql.js';
import type { ProjectFiles } from '../../project/types.js';
import { addProjectOptions, reporterFor, type CommonOptions } from '../common.js';
import { formatTable } from '../format.js';
import type { Reporter } from '../reporter.js';
import { compileAndSelect } from './compile.js';
import { openTargetAdapter } from './open-target.js';

type Run = (r: Reporter, f: () => Promise<number>) => Promise<number>;

interface FeatureOptions extends CommonOptions {
  incremental?: boolean;
  views?: string;
  entities?: string;
  features?: string;
  service?: string;
  out?: string;
  timestampColumn?: string;
  shortNames?: boolean;
  name?: string;
  profile?: boolean;
  entity?: string[];
  trainingSet?: string;
  sample?: string;
  format?: 'table' | 'json';
  asOf?: string;
}

/** Compiles, loads the feature registry and refreshes target/feature_registry.json. */
async function loadRegistry(opts: CommonOptions): Promise<{ files: ProjectFiles; registry: FeatureRegistry }> {
  const { files, compiled } = await compileAndSelect({ ...opts, select: [] });
  const { registry, diagnostics } = await loadProjectFeatures(files, compiled.manifest);
  if (!registry) {
    throw new CompileError(diagnostics.length ? diagnostics : [error('feature-invalid', 'this project declares no features', { hint: 'declare entities: and feature_views: in semantic/features.yml' })]);
  }
  return { files, registry: await writeFeatureRegistry(registryPath(files), registry) };
}

async function withStore<T>(
  files: ProjectFiles,
  registry: FeatureRegistry,
  reporter: Reporter,
  f: (a: WarehouseAdapter, s: OnlineStore) => Promise<T>,
): Promise<T> {
  const { adapter, close } = await openTargetAdapter(files.target, reporter, { command: 'features' });
  try {
    const store = openOnlineStore(files.target, adapter, registry.namespace);
    try {
      return await f(adapter, store);
    } finally {
      await store.close();
    }
  } finally {
    await close();
  }
}

const list = (s?: string): string[] | undefined => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : undefined);

/**
 * `strata features list|describe|materialize|training-set|online|parity`.
 *
 * @example strata features training-set --entities labels.csv --features churn_v1 --out train.csv
 * @example strata features online --service churn_v1 --entity customer_id=123
 */
export function registerFeatures(program: Command, run: Run): void {
  const features = program.command('features').description('feature store: registry, training sets, online serving');
  const action = (cmd: Command, f: (opts: FeatureOptions, reporter: Reporter, args: string[]) => Promise<number>): void => {
    addProjectOptions(cmd).action(async (...a: unknown[]) => {
      const opts = (a.length >= 2 ? a[a.length - 2] : a[0]) as FeatureOptions;
      const args = a.slice(0, -2).filter((x): x is string => typeof x === 'string');
      const reporter = reporterFor(opts);
      await run(reporter, () => f(opts, reporter, args));
    });
  };

  action(features.command('list').description('feature views and services').option('--format <format>', 'table or json', 'table'), async (opts, reporter) => {
    const { registry } = await loadRegistry(opts);
    const views = Object.values(registry.views).map((v) => ({
      view: v.name, entity: v.entity, features: v.features.length, ttl: v.ttlSeconds === undefined ? '' : `${v.ttlSeconds / 86400}d`,
      online: v.online, owner: v.owner ?? '', tags: v.tags.join(','), source: v.source.kind === 'relation' ? (v.source.ref ?? v.source.relation) : 'sql',
    }));
    const services = Object.values(registry.services).map((s) => ({ service: s.name, features: s.features.map((f) => `${f.view}:${f.feature}`).join(', ') }));
    if (opts.format === 'json') reporter.result(JSON.stringify({ views, services, training_sets: Object.keys(registry.trainingSets) }, null, 2));
    else {
      reporter.result(formatTable(['view', 'entity', 'features', 'ttl', 'online', 'owner', 'tags', 'source'], views));
      if (services.length) reporter.result(formatTable(['service', 'features'], services));
    }
    return 0;
  });

  action(features.command('describe <name>').description('a feature view or service: features, types, lineage'), async (opts, reporter, [name]) => {
    const { registry } = await loadRegistry(opts);
    const v = registry.views[name!];
    const s = registry.services[name!];
    if (!v && !s) throw new CompileError([error('unknown-feature', `no feature view or service '${name}'`, { hint: `views: ${Object.keys(registry.views).join(', ')}` })]);
    reporter.result(JSON.stringify(v ?? s, null, 2));
    return 0;
  });

  action(
    features
      .command('materialize')
      .description('write the latest feature values of online views to the online store')
      .option('--incremental', 'only entities with rows newer than the last watermark')
      .option('--views <names>', 'comma-separated views (default: all online views)')
      .option('--as-of <time>', 'materialize the values as of this time (default now; backfills, demos)'),
    async (opts, reporter) => {
      const asOf = opts.asOf ? new Date(opts.asOf) : undefined;
      if (asOf && Number.isNaN(asOf.getTime())) throw new CompileError([error('feature-invalid', `--as-of '${opts.asOf}' is not a time`, { hint: 'e.g. 2024-06-30T00:00:00Z' })]);
      const { files, registry } = await loadRegistry(opts);
      const views = list(opts.views);
      await withStore(files, registry, reporter, (adapter, store) =>
        materialize(adapter, store, registry, {
          incremental: opts.incremental ?? false,
          ...(asOf ? { asOf } : {}),
          ...(views ? { views } : {}),
          onView: (r) => reporter.info(`materialized ${r.view}: ${r.entities} entities${r.incremental ? ' (incremental)' : ''} to ${store.kind} in ${r.ms} ms; watermark ${r.watermark}`, { ...r }),
        }),
      );
      return 0;
    },
  );

  action(
    features
      .command('training-set')
      .description('a point-in-time correct training set')
      .requiredOption('--entities <source>', 'CSV file, table name or select statement with join keys and event_timestamp')
      .requiredOption('--features <spec>', 'a feature service, or view:feature,...')
      .requiredOption('--out <target>', 'CSV file (*.csv) or table name')
      .option('--timestamp-column <name>', 'entity timestamp column', 'event_timestamp')
      .option('--short-names', 'name columns <feature> instead of <view>__<feature>')
      .option('--name <name>', 'remember the set under this name (imputation + profile)')
      .option('--no-profile', 'skip the drift profile of numeric features'),
    async (opts, reporter) => {
      const { files, registry } = await loadRegistry(opts);
      // Relative paths are the user's shell paths, like --out.
      const entities = parseEntitySource(opts.entities!, process.cwd());
      const out = opts.out!;
      const started = performance.now();
      const name = opts.name ?? out.replace(/^.*[\\/]/, '').replace(/\.csv$/i, '').replace(/\W+/g, '_');
      const req = {
        entities, features: opts.features!, timestampColumn: opts.timestampColumn ?? 'event_timestamp',
        shortNames: opts.shortNames ?? false, name, profile: opts.profile !== false,
      };
      const result = await withStore(files, registry, reporter, async (adapter) => {
        if (/\.csv$/i.test(out)) {
          const csv = csvFileSink(resolve(out));
          try {
            return await buildTrainingSet(adapter, registry, req, csv.sink);
          } finally {
            await csv.close();
          }
        }
        const parts = out.split('.');
        const relation = (parts.length === 1 ? [files.target.schema, out] : parts).map(ident).join('.');
        return buildTrainingSet(adapter, registry, req, { kind: 'table', relation });
      });
      await writeFeatureRegistry(registryPath(files), registry, { ...result.record, output: out });
      const ms = Math.round(performance.now() - started);
      reporter.info(`training set '${name}': ${result.rows} rows × ${result.columns.length} columns to ${out} in ${ms} ms`, { name, rows: result.rows, columns: result.columns, out, ms, impute: result.record.impute });
      return 0;
    },
  );

  action(
    features
      .command('online')
      .description('latest feature values for entities, with their timestamps')
      .option('--service <name>', 'feature service')
      .option('--features <spec>', 'view:feature,... (instead of --service)')
      .option('--entity <key=value...>', 'an entity, e.g. customer_id=123 (composite: region=eu,store_id=7); repeatable')
      .option('--training-set <name>', "apply this training set's imputation")
      .option('--short-names', 'name values <feature> instead of <view>__<feature>')
      .option('--as-of <time>', 'evaluate TTL at this time instead of now')
      .option('--format <format>', 'table or json', 'table'),
    async (opts, reporter) => {
      const now = opts.asOf ? new Date(opts.asOf) : undefined;
      if (now && Number.isNaN(now.getTime())) throw new CompileError([error('feature-invalid', `--as-of '${opts.asOf}' is not a time`)]);
      const spec = opts.service ?? opts.features;
      if (!spec) throw new CompileError([error('unknown-feature', 'name --service or --features')]);
      if (!opts.entity?.length) throw new CompileError([error('entities-invalid', 'name at least one --entity key=value')]);
      const entities = opts.entity.map((e) =>
        Object.fromEntries(
          e.split(',').map((kv) => {
            const i = kv.indexOf('=');
            if (i < 1) throw new CompileError([error('entities-invalid', `--entity '${e}' must be key=value[,key=value]`)]);
            return [kv.slice(0, i).trim(), kv.slice(i + 1).trim()];
          }),
        ),
      );
      const { files, registry } = await loadRegistry(opts);
      const res = await withStore(files, registry, reporter, (_a, store) =>
        getOnlineFeatures(store, registry, { features: spec, entities, shortNames: opts.shortNames ?? false, ...(opts.trainingSet ? { trainingSet: opts.trainingSet } : {}), ...(now ? { now } : {}) }),
      );
      if (opts.format === 'json') reporter.result(JSON.stringify(res, null, 2));
      else {
        const rows = res.results.flatMap((r) =>
          res.features.map((f) => {
            const v = r.values[f]!;
            return { entity: Object.entries(r.entity).map(([k, x]) => `${k}=${String(x)}`).join(','), feature: f, value: v.value, event_timestamp: v.event_timestamp ?? '', status: v.imputed ? `${v.status} (imputed)` : v.status };
          }),
        );
        reporter.result(formatTable(['entity', 'feature', 'value', 'event_timestamp', 'status'], rows));
      }
      return 0;
    },
  );

  action(
    features
      .command('parity')
      .description('online vs offline point-in-time values as of the last materialization; drift vs a training set')
      .option('--sample <n>', 'entities to sample per view', '1000')
      .option('--views <names>', 'comma-separated views')
      .option('--training-set <name>', 'also report PSI drift of this training set vs current online values'),
    async (opts, reporter) => {
      const { files, registry } = await loadRegistry(opts);
      const sample = Number(opts.sample ?? 1000);
      if (!Number.isInteger(sample) || sample < 1) throw new CompileError([error('entities-invalid', '--sample must be a positive integer')]);
      const views = list(opts.views);
      return withStore(files, registry, reporter, async (adapter, store) => {
        const parity = await checkParity(adapter, store, registry, { sample, ...(views ? { views } : {}) });
        let failed = false;
        for (const p of parity) {
          failed ||= p.mismatches > 0;
          reporter.info(`${p.view}: ${p.sampled} entities, ${p.compared} values as of ${p.asOf}: ${p.mismatches} mismatch(es)`, { ...p });
          if (p.examples.length && reporter.format === 'text') reporter.result(formatTable(['feature', 'entity', 'online', 'offline'], p.examples.map((e) => ({ feature: e.feature, entity: JSON.stringify(e.entity), online: e.online, offline: e.offline }))));
        }
        if (opts.trainingSet) {
          const drift = await checkDrift(adapter, store, registry, opts.trainingSet, { sample });
          if (reporter.format === 'json') reporter.event('drift', { training_set: opts.trainingSet, columns: drift });
          else reporter.result(formatTable(['column', 'psi', 'level', 'training_n', 'online_n'], drift.map((d) => ({ column: d.column, psi: d.level === 'no_data' ? '' : d.psi.toFixed(4), level: d.level, training_n: d.trainingCount, online_n: d.onlineCount }))));
          // Nothing to compare is not "stable": say so and fail, so CI notices an empty store.
          if (drift.some((d) => d.level === 'no_data')) {
            reporter.info('No online values to compare for some features: materialize first (strata features materialize), or check the TTL.', { event: 'drift_no_data' });
            failed = true;
          }
          if (drift.some((d) => d.level === 'major')) failed = true;
        }
        return failed ? 1 : 0;
      });
    },
  );
}
