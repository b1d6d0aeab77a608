/**
 * Name-keyed records of the registry without a prototype: a name that comes from a request
 * (`constructor`, `__proto__`, `toString`, `hasOwnProperty`) is just an unknown name, never an
 * inherited property.
 */

/**
 * The value stored under `key` itself (never one inherited from Object.prototype).
 *
 * @example own({ a: 1 }, 'a') // 1
 * @example own({ a: 1 }, 'constructor') // undefined
 */
export function own<T>(rec: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return rec !== undefined && rec !== null && Object.hasOwn(rec, key) ? rec[key] : undefined;
}

/**
 * A prototype-free record, optionally filled from entries (`__proto__` is then an ordinary key).
 *
 * @example nullRecord([['a', 1]]) // [Object: null prototype] { a: 1 }
 */
export function nullRecord<T>(entries: Iterable<readonly [string, T]> = []): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  for (const [k, v] of entries) out[k] = v;
  return out;
}

/** Copies a plain record (e.g. from JSON) into a prototype-free one. */
export function toNullRecord<T>(rec: Readonly<Record<string, T>> | undefined | null): Record<string, T> {
  return nullRecord(rec && typeof rec === 'object' ? Object.entries(rec) : []);
}

/** A plain object (not null, not an array): what YAML/JSON mappings parse to. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A YAML value that may be one item or a list of them, as a list (absent: empty). */
export function toList(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}
