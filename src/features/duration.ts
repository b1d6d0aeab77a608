/**
 * TTL / lookback durations: `90d`, `12h`, `30m`, `45s`, `2w`, `90 days`, or a number of seconds.
 *
 * @example parseDuration('90d') // 7776000
 * @example intervalSql(7776000) // "interval '7776000 seconds'"
 */
const UNITS: Readonly<Record<string, number>> = {
  s: 1, sec: 1, second: 1, seconds: 1,
  m: 60, min: 60, minute: 60, minutes: 60,
  h: 3600, hour: 3600, hours: 3600,
  d: 86400, day: 86400, days: 86400,
  w: 604800, week: 604800, weeks: 604800,
};

/** Seconds, or undefined when the text is not a duration. */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v > 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+)\s*([a-z]+)\s*$/i.exec(v);
  if (!m) return undefined;
  const unit = UNITS[m[2]!.toLowerCase()];
  const n = Number(m[1]);
  return unit && n > 0 ? n * unit : undefined;
}

/** A SQL interval literal for a validated number of seconds (never user text). */
export function intervalSql(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds < 0) throw new Error(`bad interval seconds ${seconds}`);
  return `interval '${seconds} seconds'`;
}
