import { QueryError, type FilterOp } from './query.js';
import type { DimensionType, Granularity } from './types.js';

/** `2024-01-31`, `2024-01-31T10:00:00`, `2024-01-31 10:00:00.5+02:00` — a real calendar date, year 1–9999. */
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;
const NUMBER_RE = /^-?\d{1,30}(?:\.\d{1,30})?(?:[eE][+-]?\d{1,3})?$/;

/**
 * Is `v` a date or timestamp PostgreSQL accepts (checked here, so a bad value is a 400 with the
 * member's name instead of a database error)?
 *
 * @example isDateValue('2024-02-30') // false
 */
export function isDateValue(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  const m = DATE_RE.exec(v);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1 || mo < 1 || mo > 12 || d < 1) return false;
  const days = new Date(Date.UTC(2000, mo, 0)).getUTCDate() === 29 && mo === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : new Date(Date.UTC(2001, mo, 0)).getUTCDate();
  if (d > days) return false;
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59)) return false;
  return true;
}

/** A finite number, or a string holding one. */
export function isNumberValue(v: unknown): boolean {
  return (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && NUMBER_RE.test(v));
}

/**
 * Checks filter values against the member's type before they become parameters: time members
 * take dates (or a year with a granularity), number members and metrics numbers, booleans
 * true/false; no value may contain a NUL character (PostgreSQL text cannot hold one).
 *
 * @example checkFilterValues('sales.sold_at', 'time', undefined, 'gt', ['yesterday']) // throws QueryError 400
 */
export function checkFilterValues(member: string, type: DimensionType | 'metric', grain: Granularity | undefined, op: FilterOp, values: readonly unknown[]): void {
  for (const v of values) {
    const bad = (expected: string): never => {
      throw new QueryError('query-invalid', `filter on '${member}': ${JSON.stringify(v).slice(0, 60)} is not ${expected}`);
    };
    if (typeof v === 'string' && v.includes('\u0000')) bad('a valid value (it contains a NUL character)');
    if (op === 'contains') continue; // compared as text
    if (type === 'time') {
      const year = grain && ((typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 9999) || (typeof v === 'string' && /^\d{4}$/.test(v) && v !== '0000'));
      if (!year && !isDateValue(v)) bad(grain ? 'a date (YYYY-MM-DD) or a year' : 'a date or timestamp (YYYY-MM-DD[THH:MM:SS])');
    } else if (type === 'number' || type === 'metric') {
      if (!isNumberValue(v)) bad('a number');
    } else if (type === 'boolean') {
      if (v !== true && v !== false && v !== 'true' && v !== 'false') bad('true or false');
    }
  }
}

/** `time_range.from` / `to` must be dates. */
export function checkRangeValue(what: string, v: string | undefined): void {
  if (v !== undefined && !isDateValue(v)) {
    throw new QueryError('query-invalid', `time_range.${what} ${JSON.stringify(v).slice(0, 60)} is not a date (YYYY-MM-DD)`);
  }
}
