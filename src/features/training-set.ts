/**
 * Point-in-time training sets, built inside the database and streamed out (a server-side
 * cursor, or `create table … as` when the output is a table), so Node memory stays flat.
 */
import type { Session, WarehouseAdapter } from '../adapters/warehouse-adapter.js';
import { CompileError, error, type Diagnostic } from '../diagnostics/index.js';
import { ident } from '../planner/sql.js';
import { stageEntities, type EntitySource } from './entity-input.js';
import { FeatureSourceError, type SourceProblem } from './errors.js';
import { trainingSetStats } from './impute.js';
import { buildPitSql, sourceFrom, type PitApproach, type PitView } from './pit-sql.js';
import { requiredKeys, selectFeatures, type FeatureSelection } from './select-features.js';
import { columnTypes, forEachBatch } from './session-sql.js';
import type { FeatureRef, FeatureRegistry, FeatureView, ImputedValue, TrainingSetRecord } from './types.js';

export interface TrainingSetRequest {
  readonly entities: EntitySource;
  /** A service name, `view:feature,...`, or a list of either. */
  readonly features: string | readonly string[] | readonly FeatureRef[];
  /** Entity timestamp column (default `event_timestamp`). */
  readonly timestampColumn?: string;
  readonly shortNames?: boolean;
  /** Name under which the registry remembers the set (imputation + profile). Default 'training_set'. */
  readonly name?: string;
  /** Profile numeric features for drift checks (one extra pass; default true). */
  readonly profile?: boolean;
  /** The join formulation (benchmarks compare them; default 'lateral'). */
  readonly approach?: PitApproach;
}

/** Where the rows go: a table in the database, or batches of text values (CSV, HTTP). */
export type TrainingSetSink =
  | { readonly kind: 'table'; readonly relation: string }
  | {
      readonly kind: 'rows';
      readonly batchSize?: number;
      readonly onColumns?: (columns: readonly string[]) => Promise<void> | void;
      readonly onBatch: (rows: readonly Record<string, string | null>[]) => Promise<void> | void;
    };

export interface TrainingSetResult {
  readonly columns: readonly string[];
  readonly rows: number;
  readonly record: TrainingSetRecord;
  /** The point-in-time SQL that ran (before imputation wrapping). */
  readonly sql: string;
}

const STAGE = '__strata_training_set';

/**
 * Builds a point-in-time training set and streams it to `sink`.
 *
 * @example
 * const r = await buildTrainingSet(adapter, registry,
 *   { entities: { kind: 'csv', path: 'labels.csv' }, features: 'churn_v1', name: 'churn_2024' },
 *   { kind: 'rows', onBatch: (rows) => write(rows) });
 * r.record.impute // [{ column: 'customer_features__avg_order_value_90d', strategy: 'mean', value: 41.3 }]
 * // SQL: see buildPitSql (left join lateral … order by ts desc … limit 1), wrapped as
 * // select q."customer_id", …, coalesce(q."customer_features__avg_order_value_90d"::float8, $1::float8) as … from (…) as q
 */
export async function buildTrainingSet(
  adapter: WarehouseAdapter,
  registry: FeatureRegistry,
  req: TrainingSetRequest,
  sink: TrainingSetSink,
): Promise<TrainingSetResult> {
  const sel = selectFeatures(registry, req.features, { shortNames: req.shortNames ?? false });
  const timestampColumn = req.timestampColumn ?? 'event_timestamp';
  return adapter.transaction(async (s) => {
    const staged = await stageEntities(s, req.entities, { timestampColumn, keys: requiredKeys(sel) });
    const clash = sel.features.find((f) => staged.columns.includes(f.column));
    if (clash) throw new CompileError([error('entities-invalid', `the entity input already has a column '${clash.column}'`, { hint: 'rename it, or drop --short-names' })]);
    const pitViews = await pitViewsFor(s, sel);
    const sql = buildPitSql({ entities: staged.relation, rowId: staged.rowId, timestampColumn, columns: staged.columns, views: pitViews }, req.approach ?? 'lateral');
    const needsMeanMedian = sel.features.some((f) => f.feature.impute?.strategy === 'mean' || f.feature.impute?.strategy === 'median');
    const wantProfile = req.profile !== false;
    let from = `(\n${sql}\n)`;
    let impute: ImputedValue[] = [];
    let profile: TrainingSetRecord['profile'] = [];
    let rows = staged.rows;
    let isStaged = false;
    if (needsMeanMedian || wantProfile) {
      // Statistics need the joined values: stage them once, then read the stage twice.
      await s.query(`drop table if exists pg_temp.${ident(STAGE)}`);
      const stageSql = buildPitSql({ entities: staged.relation, rowId: staged.rowId, timestampColumn, columns: staged.columns, views: pitViews, keepRowId: true }, req.approach ?? 'lateral');
      const r = await s.query(`create temporary table ${ident(STAGE)} as ${stageSql}`);
      isStaged = true;
      rows = r.rowCount;
      from = `pg_temp.${ident(STAGE)}`;
      const stats = await trainingSetStats(s, from, sel, wantProfile);
      impute = stats.impute;
      profile = stats.profile;
    } else {
      impute = sel.features.flatMap((f) => (f.feature.impute && (f.feature.impute.strategy === 'zero' || f.feature.impute.strategy === 'constant')
        ? [{ column: f.column, view: f.view.name, feature: f.feature.name, strategy: f.feature.impute.strategy, value: f.feature.impute.strategy === 'zero' ? 0 : f.feature.impute.value }]
        : []));
    }
    const columns = [...staged.columns, ...sel.features.map((f) => f.column)];
    const text = sink.kind === 'rows';
    const params: unknown[] = [];
    const select = columns.map((c) => {
      const imp = impute.find((i) => i.column === c);
      let expr = `q.${ident(c)}`;
      if (imp && imp.value !== null) {
        params.push(String(imp.value));
        const type = imp.strategy === 'mean' || imp.strategy === 'median' ? 'float8' : pitTypeOf(pitViews, sel, c);
        expr = `coalesce(${type === 'float8' ? `${expr}::float8` : expr}, cast($${params.length} as ${type}))`;
      }
      return `${text ? `(${expr})::text` : expr} as ${ident(c)}`;
    });
    // The stage keeps the row number, so output order is input order either way.
    const ordered = `select ${select.join(', ')}\nfrom ${from} as q${isStaged ? ` order by q.${ident(staged.rowId)}` : ''}`;
    if (sink.kind === 'table') {
      const r = await s.query(`create table ${sink.relation} as ${ordered}`, params);
      rows = r.rowCount;
    } else {
      await sink.onColumns?.(columns);
      rows = await forEachBatch<Record<string, string | null>>(s, ordered, params, sink.batchSize ?? 5000, sink.onBatch);
    }
    const record: TrainingSetRecord = {
      name: req.name ?? 'training_set',
      createdAt: new Date().toISOString(),
      features: sel.features.map((f) => ({ view: f.view.name, feature: f.feature.name })),
      shortNames: req.shortNames ?? false,
      rows,
      output: sink.kind === 'table' ? sink.relation : 'stream',
      impute,
      profile,
    };
    return { columns, rows, record, sql };
  });
}

function pitTypeOf(views: readonly PitView[], sel: FeatureSelection, column: string): string {
  const f = sel.features.find((x) => x.column === column)!;
  return views.find((v) => v.view.name === f.view.name)?.sourceTypes[f.feature.name] ?? 'text';
}

/**
 * Introspects every selected view's source once (types of keys, timestamp and features) and
 * checks that the declared columns exist, as located diagnostics on the view
 * (FeatureSourceError, which says which views and why).
 */
export async function pitViewsFor(s: Session, sel: FeatureSelection): Promise<PitView[]> {
  const diags: Diagnostic[] = [];
  const problems: SourceProblem[] = [];
  const out: PitView[] = [];
  for (const { view, features } of sel.views) {
    const types = await sourceTypesOf(s, view, diags, problems);
    out.push({ view, features, sourceTypes: types });
  }
  if (diags.length) throw new FeatureSourceError(diags, problems);
  return out;
}

/** SQLSTATEs of a relation or schema that is not there (dropped, renamed, never built). */
const MISSING_RELATION = new Set(['42P01', '3F000']);

/**
 * Column types of a view's source; a source that cannot be read or lacks declared columns adds
 * a diagnostic to `diags` and a problem (with the database error as `cause`) to `problems`.
 */
export async function sourceTypesOf(s: Session, view: FeatureView, diags: Diagnostic[], problems: SourceProblem[] = []): Promise<Record<string, string>> {
  let types: Record<string, string>;
  try {
    // A savepoint, so a missing source leaves the surrounding transaction usable.
    await s.query('savepoint strata_source_types');
    types = await columnTypes(s, sourceFrom(view));
    await s.query('release savepoint strata_source_types');
  } catch (e) {
    await s.query('rollback to savepoint strata_source_types');
    const code = (e as { code?: unknown }).code;
    const missing = typeof code === 'string' && MISSING_RELATION.has(code);
    problems.push({ view: view.name, reason: missing ? 'missing' : 'unreadable', cause: e });
    const what = view.source.kind === 'relation' ? `its source ${view.source.relation}` : 'its source query';
    diags.push(error('feature-invalid', missing ? `feature view '${view.name}': ${what} is missing (not built yet, dropped or renamed)` : `feature view '${view.name}': ${what} cannot be read: ${(e as Error).message}`, {
      ...view.loc,
      hint: view.source.kind === 'relation' && view.source.ref ? `build it first: strata run -s ${view.source.ref}` : missing ? 'build it first (strata build), or fix the source' : 'check the source',
    }));
    return {};
  }
  const needed = [...view.joinKeys, view.timestamp, ...(view.createdTimestamp ? [view.createdTimestamp] : []), ...view.features.map((f) => f.name)];
  const missing = needed.filter((c) => !Object.hasOwn(types, c));
  if (missing.length) {
    problems.push({ view: view.name, reason: 'columns' });
    diags.push(error('feature-invalid', `feature view '${view.name}': its source has no column ${missing.map((m) => `'${m}'`).join(', ')}`, {
      ...view.loc,
      hint: `the source has: ${Object.keys(types).join(', ')}`,
    }));
  }
  return types;
}
