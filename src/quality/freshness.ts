/**
 * Freshness SLAs (dbt's `source freshness`): `max(loaded_at_field)` of a source table or a
 * model against `freshness: {warn_after, error_after}` ({count, period: minute|hour|day}),
 * optionally on rows matching `filter`. Results in dbt's `target/sources.json` shape.
 */
import type { Manifest, ManifestNode } from '../compiler/types.js';
import type { Diagnostic } from '../diagnostics/index.js';
import type { Queryable } from './baseline.js';

export interface FreshnessRule {
  readonly count: number;
  readonly period: 'minute' | 'hour' | 'day';
}

export interface FreshnessCriteria {
  readonly warn_after: FreshnessRule | null;
  readonly error_after: FreshnessRule | null;
  readonly filter: string | null;
}

export interface FreshnessTarget {
  readonly unique_id: string;
  readonly relation_name: string;
  readonly loaded_at_field: string;
  readonly criteria: FreshnessCriteria;
}

export type FreshnessStatus = 'pass' | 'warn' | 'error' | 'runtime error';

export interface FreshnessResult {
  readonly unique_id: string;
  readonly status: FreshnessStatus;
  readonly max_loaded_at: string | null;
  readonly snapshotted_at: string | null;
  readonly max_loaded_at_time_ago_in_s: number | null;
  readonly criteria: FreshnessCriteria;
  readonly execution_time: number;
  readonly message: string;
}

const SECONDS: Readonly<Record<FreshnessRule['period'], number>> = { minute: 60, hour: 3600, day: 86400 };

/**
 * Sources and models among `ids` that declare a freshness SLA, and diagnostics for SLAs that
 * cannot be checked (no `loaded_at_field`, bad rule).
 *
 * @example freshnessTargets(manifest, ['source.shop.raw.orders'])
 * // { targets: [{ unique_id: 'source.shop.raw.orders', loaded_at_field: '_loaded_at',
 * //   criteria: { warn_after: { count: 1, period: 'hour' }, error_after: …, filter: null } }], diagnostics: [] }
 */
export function freshnessTargets(
  manifest: Manifest,
  ids: readonly string[],
  /** Where a model's properties are declared (its YAML entry), for diagnostics. */
  locate?: (node: ManifestNode) => { file: string; line: number; col: number } | undefined,
): { targets: FreshnessTarget[]; diagnostics: Diagnostic[] } {
  const targets: FreshnessTarget[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const id of ids) {
    const src = manifest.sources[id];
    const node = manifest.nodes[id];
    const declared = src ? src.freshness : node?.config['freshness'];
    if (declared === null || declared === undefined) continue;
    const where = src ?? node!;
    const field = src ? src.loaded_at_field : typeof node?.config['loaded_at_field'] === 'string' ? (node.config['loaded_at_field'] as string) : null;
    const relation = src ? src.relation_name : node?.relation_name;
    const declaredAt = node ? locate?.(node) : undefined;
    const at = declaredAt ? { ...declaredAt, node: id } : { file: where.original_file_path, line: where.loc.line, col: where.loc.col, node: id };
    const criteria = parseCriteria(declared, (message) => diagnostics.push({ code: 'config-invalid', severity: 'error', message: `${id}: ${message}`, hint: 'freshness: {warn_after: {count: 12, period: hour}, error_after: {count: 1, period: day}}', ...at }));
    if (!criteria) continue;
    if (!criteria.warn_after && !criteria.error_after) continue;
    if (!field) {
      diagnostics.push({ code: 'config-invalid', severity: 'error', message: `${id} declares freshness but no loaded_at_field`, hint: 'add loaded_at_field: <timestamp column> next to freshness:', ...at });
      continue;
    }
    if (!relation) continue;
    targets.push({ unique_id: id, relation_name: relation, loaded_at_field: field, criteria });
  }
  return { targets, diagnostics };
}

function parseCriteria(v: unknown, fail: (message: string) => void): FreshnessCriteria | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return void fail('freshness must be a mapping with warn_after/error_after');
  const o = v as Record<string, unknown>;
  const rule = (key: string): FreshnessRule | null | undefined => {
    const r = o[key];
    if (r === undefined || r === null) return null;
    if (typeof r !== 'object' || Array.isArray(r)) return void fail(`${key} must be {count, period}`);
    const { count, period } = r as Record<string, unknown>;
    if (count === undefined && period === undefined) return null;
    if (typeof count !== 'number' || !Number.isInteger(count) || count <= 0) return void fail(`${key}.count must be a positive integer, got ${JSON.stringify(count)}`);
    if (period !== 'minute' && period !== 'hour' && period !== 'day') return void fail(`${key}.period must be minute, hour or day, got ${JSON.stringify(period)}`);
    return { count, period };
  };
  const warn = rule('warn_after');
  const error = rule('error_after');
  if (warn === undefined || error === undefined) return undefined;
  return { warn_after: warn, error_after: error, filter: typeof o['filter'] === 'string' ? o['filter'] : null };
}

/**
 * @example freshnessSql({ relation_name: '"db"."raw"."orders"', loaded_at_field: '_loaded_at', criteria: { filter: null, … } })
 * // select cast(max(_loaded_at) as timestamptz)::text as max_loaded_at, now()::text as snapshotted_at,
 * //   extract(epoch from now() - cast(max(_loaded_at) as timestamptz))::float8 as age_s from "db"."raw"."orders"
 */
export function freshnessSql(t: FreshnessTarget): string {
  const max = `cast(max(${t.loaded_at_field}) as timestamptz)`;
  return (
    `select ${max}::text as max_loaded_at, now()::text as snapshotted_at, cast(extract(epoch from now() - ${max}) as float8) as age_s\n` +
    `from ${t.relation_name}${t.criteria.filter ? `\nwhere ${t.criteria.filter}` : ''}`
  );
}

/** Status of an age (seconds since the newest row) against the criteria; no rows is an error. */
export function freshnessStatus(age: number | null, c: FreshnessCriteria): FreshnessStatus {
  const over = (r: FreshnessRule | null): boolean => r !== null && (age === null || age > r.count * SECONDS[r.period]);
  if (over(c.error_after)) return 'error';
  if (over(c.warn_after)) return 'warn';
  return age === null && !c.error_after ? 'warn' : 'pass';
}

/** Checks one target (database errors become `runtime error` results). */
export async function checkFreshness(db: Queryable, t: FreshnessTarget): Promise<FreshnessResult> {
  const started = performance.now();
  try {
    const r = await db.query<{ max_loaded_at: string | null; snapshotted_at: string; age_s: number | string | null }>(freshnessSql(t));
    const row = r.rows[0];
    const age = row?.age_s === null || row?.age_s === undefined ? null : Number(row.age_s);
    const status = freshnessStatus(age, t.criteria);
    return {
      unique_id: t.unique_id,
      status,
      max_loaded_at: row?.max_loaded_at ?? null,
      snapshotted_at: row?.snapshotted_at ?? null,
      max_loaded_at_time_ago_in_s: age,
      criteria: t.criteria,
      execution_time: (performance.now() - started) / 1000,
      message: age === null ? 'no rows: nothing was ever loaded' : `newest row is ${formatAge(age)} old${limits(t.criteria)}`,
    };
  } catch (e) {
    return {
      unique_id: t.unique_id,
      status: 'runtime error',
      max_loaded_at: null,
      snapshotted_at: null,
      max_loaded_at_time_ago_in_s: null,
      criteria: t.criteria,
      execution_time: (performance.now() - started) / 1000,
      message: e instanceof Error ? e.message : String(e),
    };
  }
}

/** `target/sources.json` (dbt's sources v3 shape). */
export function sourcesJson(results: readonly FreshnessResult[], invocationId: string, elapsed: number): string {
  return JSON.stringify(
    {
      metadata: {
        dbt_schema_version: 'https://schemas.getdbt.com/dbt/sources/v3.json',
        strata_version: '0.1.0',
        generated_at: new Date().toISOString(),
        invocation_id: invocationId,
      },
      results: results.map((r) => ({
        unique_id: r.unique_id,
        max_loaded_at: r.max_loaded_at,
        snapshotted_at: r.snapshotted_at,
        max_loaded_at_time_ago_in_s: r.max_loaded_at_time_ago_in_s,
        status: r.status,
        criteria: r.criteria,
        adapter_response: {},
        timing: [],
        thread_id: null,
        execution_time: r.execution_time,
        ...(r.status === 'runtime error' ? { error: r.message } : {}),
      })),
      elapsed_time: elapsed,
    },
    null,
    2,
  );
}

function limits(c: FreshnessCriteria): string {
  const f = (r: FreshnessRule | null, label: string): string | null => (r ? `${label} after ${r.count} ${r.period}${r.count === 1 ? '' : 's'}` : null);
  const parts = [f(c.warn_after, 'warn'), f(c.error_after, 'error')].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** 5400 → '1h 30m'. */
export function formatAge(s: number): string {
  if (s < 60) return `${Math.max(0, Math.round(s))}s`;
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return [d ? `${d}d` : '', h ? `${h}h` : '', !d && m ? `${m}m` : ''].filter(Boolean).join(' ') || '0m';
}
