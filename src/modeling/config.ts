/**
 * Typed, checked views of the modeling configs (untyped in the manifest): `dimension`, `fact`,
 * `date_dimension`, `snapshot` and the Citus keys. One checker serves both the compiler (which
 * turns problems into located diagnostics) and the planner (which throws PlanError).
 */
import { isRecord } from '../shared/records.js';

/** A config problem: the key (dotted path) and what was expected. */
export interface ConfigProblem {
  readonly key: string;
  readonly message: string;
}

export type ScdType = 1 | 2 | 3;
export type DimensionHardDeletes = 'ignore' | 'invalidate';
export type SnapshotHardDeletes = 'ignore' | 'invalidate' | 'new_record';

export interface CitusConfig {
  /** `distributed_by: <column>`: `create_distributed_table(<table>, <column>)` on Citus. */
  readonly distributedBy: string | undefined;
  /** `reference: true`: `create_reference_table(<table>)` on Citus. */
  readonly reference: boolean;
}

export interface DimensionConfig {
  readonly naturalKey: readonly string[];
  readonly scdType: ScdType;
  /** Columns whose change makes a new version (type 2) or a `previous_` value (type 3); undefined = all. */
  readonly trackedColumns: readonly string[] | undefined;
  readonly surrogateKey: string;
  /** Source column with the change time: new versions start then (type 2); also limits the batch. */
  readonly updatedAt: string | undefined;
  readonly hardDeletes: DimensionHardDeletes;
}

/** One entry of a fact's `dimensions:` after the compiler resolved its `ref`. */
export interface FactDimension {
  readonly ref: string;
  /** The fact's column(s) holding the dimension's natural key. */
  readonly naturalKey: readonly string[];
  /** The fact's timestamp used to pick the version valid at that time (type 2). */
  readonly at: string | undefined;
  /** Name of the surrogate-key column in the fact (default: the dimension's surrogate key). */
  readonly keyColumn: string;
  readonly dimension: ResolvedDimension;
}

/** What the compiler records about a referenced dimension (config `dimensions[i].resolved`). */
export interface ResolvedDimension {
  readonly schema: string;
  readonly alias: string;
  readonly surrogate_key: string;
  readonly natural_key: readonly string[];
  readonly scd_type: ScdType;
}

export interface FactConfig {
  readonly dimensions: readonly FactDimension[];
  /** `event_time`: the fact is incremental by this column (rows newer than the newest loaded). */
  readonly eventTime: string | undefined;
  /** `lookback`: an interval reloaded on every incremental run, e.g. '3 days' (late rows). */
  readonly lookback: string | undefined;
}

export interface Holiday {
  readonly date: string;
  readonly name: string;
}

export interface DateDimensionConfig {
  readonly startDate: string;
  readonly endDate: string;
  readonly holidays: readonly Holiday[];
  /** 1..12; the fiscal year is named after the calendar year it ends in. */
  readonly fiscalYearStartMonth: number;
}

export interface SnapshotConfig {
  readonly strategy: 'timestamp' | 'check';
  readonly uniqueKey: readonly string[];
  readonly updatedAt: string | undefined;
  /** 'all' or a list of columns (check strategy). */
  readonly checkCols: 'all' | readonly string[];
  readonly hardDeletes: SnapshotHardDeletes;
}

/** Config keys the modeling materializations read (known to the config() checker). */
export const MODELING_CONFIG_KEYS: readonly string[] = [
  'scd_type', 'natural_key', 'surrogate_key', 'tracked_columns', 'dimensions', 'event_time', 'lookback',
  'start_date', 'end_date', 'holidays', 'fiscal_year_start_month', 'distributed_by', 'reference',
];

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const INTERVAL_RE = /^\s*\d+\s+(minute|hour|day|week|month|year)s?\s*$/i;

function stringList(v: unknown): string[] | undefined {
  if (typeof v === 'string' && v !== '') return [v];
  if (Array.isArray(v) && v.length > 0 && v.every((x): x is string => typeof x === 'string' && x !== '')) return v;
  return undefined;
}

/**
 * The default surrogate key of a dimension: its name without a `dim_` prefix, plus `_key`.
 *
 * @example defaultSurrogateKey('dim_customer') // 'customer_key'
 */
export function defaultSurrogateKey(name: string): string {
  return `${name.replace(/^dim_/, '')}_key`;
}

type Result<T> = { ok: true; value: T } | { ok: false; problems: ConfigProblem[] };

function done<T>(problems: ConfigProblem[], value: () => T): Result<T> {
  return problems.length ? { ok: false, problems } : { ok: true, value: value() };
}

/**
 * Reads `distributed_by` / `reference`.
 *
 * @example readCitusConfig({ distributed_by: 'customer_id' }) // { ok: true, value: { distributedBy: 'customer_id', reference: false } }
 */
export function readCitusConfig(c: Readonly<Record<string, unknown>>): Result<CitusConfig> {
  const p: ConfigProblem[] = [];
  const by = c['distributed_by'];
  const ref = c['reference'];
  if (by !== undefined && by !== null && (typeof by !== 'string' || by === '')) p.push({ key: 'distributed_by', message: 'expected a column name' });
  if (ref !== undefined && ref !== null && typeof ref !== 'boolean') p.push({ key: 'reference', message: 'expected true or false' });
  if (typeof by === 'string' && ref === true) p.push({ key: 'reference', message: 'a table is either distributed_by a column or a reference table, not both' });
  return done(p, () => ({ distributedBy: typeof by === 'string' ? by : undefined, reference: ref === true }));
}

/**
 * Reads a `dimension` model's config.
 *
 * @example readDimensionConfig('dim_customer', { natural_key: 'customer_id', scd_type: 2, tracked_columns: ['segment'] })
 * // { ok: true, value: { naturalKey: ['customer_id'], scdType: 2, trackedColumns: ['segment'], surrogateKey: 'customer_key', … } }
 */
export function readDimensionConfig(name: string, c: Readonly<Record<string, unknown>>): Result<DimensionConfig> {
  const p: ConfigProblem[] = [];
  const naturalKey = stringList(c['natural_key']);
  if (!naturalKey) p.push({ key: 'natural_key', message: 'a dimension needs natural_key: a column name or a list of them' });
  const rawType = c['scd_type'] ?? 1;
  const scdType = typeof rawType === 'string' ? Number(rawType) : rawType;
  if (scdType !== 1 && scdType !== 2 && scdType !== 3) p.push({ key: 'scd_type', message: 'expected 1, 2 or 3' });
  const rawTracked = c['tracked_columns'];
  const tracked = rawTracked === undefined || rawTracked === null ? undefined : stringList(rawTracked);
  if (rawTracked !== undefined && rawTracked !== null && !tracked) p.push({ key: 'tracked_columns', message: 'expected a list of column names' });
  if (tracked && scdType === 1) p.push({ key: 'tracked_columns', message: 'type 1 keeps no history: tracked_columns needs scd_type 2 or 3' });
  const sk = c['surrogate_key'] ?? defaultSurrogateKey(name);
  if (typeof sk !== 'string' || sk === '') p.push({ key: 'surrogate_key', message: 'expected a column name' });
  const updatedAt = c['updated_at'];
  if (updatedAt !== undefined && updatedAt !== null && (typeof updatedAt !== 'string' || updatedAt === '')) p.push({ key: 'updated_at', message: 'expected a column name' });
  const hd = c['hard_deletes'] ?? 'ignore';
  if (hd !== 'ignore' && hd !== 'invalidate') p.push({ key: 'hard_deletes', message: "expected 'ignore' or 'invalidate' for a dimension" });
  if (hd === 'invalidate' && scdType !== 2) p.push({ key: 'hard_deletes', message: "'invalidate' closes versions: it needs scd_type 2" });
  if (naturalKey && tracked) {
    const both = tracked.filter((t) => naturalKey.includes(t));
    if (both.length) p.push({ key: 'tracked_columns', message: `the natural key cannot be tracked: ${both.join(', ')}` });
  }
  return done(p, () => ({
    naturalKey: naturalKey ?? [],
    scdType: scdType as ScdType,
    trackedColumns: tracked,
    surrogateKey: sk as string,
    updatedAt: typeof updatedAt === 'string' ? updatedAt : undefined,
    hardDeletes: hd as DimensionHardDeletes,
  }));
}

/**
 * The raw `dimensions:` entries of a fact (before resolution): ref + the fact's columns. The
 * compiler uses it to add DAG dependencies; problems point at `dimensions[i].<key>`.
 *
 * @example rawFactDimensions({ dimensions: [{ ref: 'dim_customer', natural_key: 'customer_id', at: 'sold_at' }] })
 * // { ok: true, value: [{ ref: 'dim_customer', naturalKey: ['customer_id'], at: 'sold_at', key: undefined }] }
 */
export function rawFactDimensions(
  c: Readonly<Record<string, unknown>>,
): Result<{ ref: string; naturalKey: string[]; at: string | undefined; key: string | undefined }[]> {
  const p: ConfigProblem[] = [];
  const raw = c['dimensions'] ?? [];
  if (!Array.isArray(raw)) return { ok: false, problems: [{ key: 'dimensions', message: 'expected a list of {ref, natural_key, at}' }] };
  const out: { ref: string; naturalKey: string[]; at: string | undefined; key: string | undefined }[] = [];
  raw.forEach((d: unknown, i) => {
    const at = `dimensions[${i}]`;
    if (!isRecord(d)) return void p.push({ key: at, message: 'expected {ref, natural_key, at}' });
    const ref = typeof d['ref'] === 'string' ? d['ref'].replace(/^ref\(\s*['"](.+)['"]\s*\)$/, '$1') : undefined;
    if (!ref) p.push({ key: `${at}.ref`, message: 'expected the name of a dimension model' });
    const nk = stringList(d['natural_key']);
    if (!nk) p.push({ key: `${at}.natural_key`, message: "expected the fact's column(s) holding the dimension's natural key" });
    const when = d['at'];
    if (when !== undefined && when !== null && typeof when !== 'string') p.push({ key: `${at}.at`, message: 'expected a timestamp column of the fact' });
    const key = d['key'];
    if (key !== undefined && key !== null && typeof key !== 'string') p.push({ key: `${at}.key`, message: 'expected a column name' });
    if (ref && nk) out.push({ ref, naturalKey: nk, at: typeof when === 'string' ? when : undefined, key: typeof key === 'string' ? key : undefined });
  });
  return done(p, () => out);
}

/**
 * Reads a `fact` model's config; each dimension must carry `resolved` (added by the compiler).
 *
 * @example readFactConfig({ dimensions: [{ ref: 'dim_customer', natural_key: 'customer_id', at: 'sold_at', resolved: {…} }] })
 */
export function readFactConfig(c: Readonly<Record<string, unknown>>): Result<FactConfig> {
  const raw = rawFactDimensions(c);
  if (!raw.ok) return raw;
  const p: ConfigProblem[] = [];
  const list = Array.isArray(c['dimensions']) ? (c['dimensions'] as unknown[]) : [];
  const dims: FactDimension[] = [];
  raw.value.forEach((d, i) => {
    const entry = list[i];
    const resolved = isRecord(entry) ? entry['resolved'] : undefined;
    if (!isRecord(resolved)) return void p.push({ key: `dimensions[${i}].ref`, message: `'${d.ref}' was not resolved to a dimension model` });
    const dim = resolved as unknown as ResolvedDimension;
    if (dim.natural_key.length !== d.naturalKey.length) {
      p.push({ key: `dimensions[${i}].natural_key`, message: `'${d.ref}' has a natural key of ${dim.natural_key.length} column(s) (${dim.natural_key.join(', ')}), got ${d.naturalKey.length}` });
    }
    dims.push({ ref: d.ref, naturalKey: d.naturalKey, at: d.at, keyColumn: d.key ?? dim.surrogate_key, dimension: dim });
  });
  const et = c['event_time'];
  if (et !== undefined && et !== null && typeof et !== 'string') p.push({ key: 'event_time', message: 'expected a timestamp column of the fact' });
  const lb = c['lookback'];
  if (lb !== undefined && lb !== null && (typeof lb !== 'string' || !INTERVAL_RE.test(lb))) p.push({ key: 'lookback', message: "expected an interval such as '3 days'" });
  const keys = dims.map((d) => d.keyColumn);
  const dup = keys.find((k, i) => keys.indexOf(k) !== i);
  if (dup) p.push({ key: 'dimensions', message: `two dimensions would add the key column '${dup}'; set key: on one of them` });
  return done(p, () => ({ dimensions: dims, eventTime: typeof et === 'string' ? et : undefined, lookback: typeof lb === 'string' ? lb.trim() : undefined }));
}

/**
 * Reads a `date_dimension` model's config.
 *
 * @example readDateDimensionConfig({ start_date: '2023-01-01', end_date: '2025-12-31', fiscal_year_start_month: 7, holidays: ['2024-12-25'] })
 */
export function readDateDimensionConfig(c: Readonly<Record<string, unknown>>): Result<DateDimensionConfig> {
  const p: ConfigProblem[] = [];
  const date = (key: string): string => {
    const v = c[key];
    const s = v instanceof Date ? v.toISOString().slice(0, 10) : v;
    if (typeof s !== 'string' || !DATE_RE.test(s) || Number.isNaN(Date.parse(s))) p.push({ key, message: "expected a date 'YYYY-MM-DD'" });
    return typeof s === 'string' ? s : '';
  };
  const startDate = date('start_date');
  const endDate = date('end_date');
  if (startDate && endDate && DATE_RE.test(startDate) && DATE_RE.test(endDate) && startDate > endDate) p.push({ key: 'end_date', message: 'end_date is before start_date' });
  const holidays: Holiday[] = [];
  const rawH = c['holidays'] ?? [];
  if (!Array.isArray(rawH)) p.push({ key: 'holidays', message: "expected a list of 'YYYY-MM-DD' dates or {date, name}" });
  else
    rawH.forEach((h: unknown, i) => {
      const d = isRecord(h) ? h['date'] : h;
      const ds = d instanceof Date ? d.toISOString().slice(0, 10) : d;
      const name = isRecord(h) && typeof h['name'] === 'string' ? h['name'] : 'Holiday';
      if (typeof ds !== 'string' || !DATE_RE.test(ds)) p.push({ key: `holidays[${i}]`, message: "expected 'YYYY-MM-DD' or {date: 'YYYY-MM-DD', name: …}" });
      else holidays.push({ date: ds, name });
    });
  const m = c['fiscal_year_start_month'] ?? 1;
  if (typeof m !== 'number' || !Number.isInteger(m) || m < 1 || m > 12) p.push({ key: 'fiscal_year_start_month', message: 'expected a month number 1..12' });
  return done(p, () => ({ startDate, endDate, holidays, fiscalYearStartMonth: m as number }));
}

/**
 * Reads a snapshot's config with dbt semantics (`invalidate_hard_deletes: true` = `hard_deletes: invalidate`).
 *
 * @example readSnapshotConfig({ strategy: 'timestamp', unique_key: 'id', updated_at: 'updated_at' })
 * // { ok: true, value: { strategy: 'timestamp', uniqueKey: ['id'], updatedAt: 'updated_at', checkCols: 'all', hardDeletes: 'ignore' } }
 */
export function readSnapshotConfig(c: Readonly<Record<string, unknown>>): Result<SnapshotConfig> {
  const p: ConfigProblem[] = [];
  const strategy = c['strategy'];
  if (strategy !== 'timestamp' && strategy !== 'check') p.push({ key: 'strategy', message: "a snapshot needs strategy: 'timestamp' or 'check'" });
  const uniqueKey = stringList(c['unique_key']);
  if (!uniqueKey) p.push({ key: 'unique_key', message: 'a snapshot needs unique_key: a column name or a list of them' });
  const updatedAt = c['updated_at'];
  if (updatedAt !== undefined && updatedAt !== null && (typeof updatedAt !== 'string' || updatedAt === '')) p.push({ key: 'updated_at', message: 'expected a column name' });
  if (strategy === 'timestamp' && typeof updatedAt !== 'string') p.push({ key: 'updated_at', message: "strategy 'timestamp' needs updated_at: the column with each row's last change time" });
  const rawCheck = c['check_cols'];
  let checkCols: 'all' | string[] = 'all';
  if (rawCheck === 'all') checkCols = 'all';
  else if (rawCheck !== undefined && rawCheck !== null) {
    const l = stringList(rawCheck);
    if (!l) p.push({ key: 'check_cols', message: "expected 'all' or a list of column names" });
    else checkCols = l;
  } else if (strategy === 'check') p.push({ key: 'check_cols', message: "strategy 'check' needs check_cols: 'all' or a list of columns" });
  const legacy = c['invalidate_hard_deletes'] === true ? 'invalidate' : undefined;
  const hd = c['hard_deletes'] ?? legacy ?? 'ignore';
  if (hd !== 'ignore' && hd !== 'invalidate' && hd !== 'new_record') p.push({ key: 'hard_deletes', message: "expected 'ignore', 'invalidate' or 'new_record'" });
  return done(p, () => ({
    strategy: strategy as 'timestamp' | 'check',
    uniqueKey: uniqueKey ?? [],
    updatedAt: typeof updatedAt === 'string' ? updatedAt : undefined,
    checkCols,
    hardDeletes: hd as SnapshotHardDeletes,
  }));
}

/**
 * Every config problem of a node of a modeling materialization (or a snapshot), for the compiler.
 * Facts are checked before resolution (their refs are checked by the compiler itself).
 *
 * @example modelingConfigProblems('dimension', 'dim_customer', { scd_type: 4 }) // [{ key: 'natural_key', … }, { key: 'scd_type', … }]
 */
export function modelingConfigProblems(materialized: string, name: string, c: Readonly<Record<string, unknown>>): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const add = (r: Result<unknown>): void => {
    if (!r.ok) out.push(...r.problems);
  };
  if (materialized === 'dimension') add(readDimensionConfig(name, c));
  else if (materialized === 'fact') add(rawFactDimensions(c));
  else if (materialized === 'date_dimension') add(readDateDimensionConfig(c));
  else if (materialized === 'snapshot') add(readSnapshotConfig(c));
  add(readCitusConfig(c));
  return out;
}
