import { createHash } from 'node:crypto';

/**
 * dbt's generated name for a generic test, so unique ids and `--select` by test name match
 * what dbt users know.
 *
 * @example genericTestName('accepted_values', null, 'orders', {column_name: 'status', values: ['a', 'b']})
 * // 'accepted_values_orders_status__a__b'
 */
export function genericTestName(
  testName: string,
  namespace: string | null,
  targetName: string,
  args: Readonly<Record<string, unknown>>,
): string {
  const flat: string[] = [];
  for (const key of Object.keys(args).sort()) {
    if (key === 'model') continue;
    const v = args[key];
    const parts = Array.isArray(v) ? v : typeof v === 'object' && v !== null ? Object.values(v) : [v];
    for (const p of parts) flat.push(typeof p === 'string' ? p : JSON.stringify(p) ?? 'None');
  }
  const unique = flat.map((a) => a.replace(/[^0-9a-zA-Z_]+/g, '_')).join('__');
  const prefix = namespace ? `${namespace}_` : '';
  const identifier = `${testName}_${targetName}`;
  const full = unique ? `${prefix}${identifier}_${unique}` : `${prefix}${identifier}`;
  if (full.length < 64) return full;
  // Long names are truncated with an md5 suffix, as dbt does, to fit relation name limits.
  const label = createHash('md5').update(full).digest('hex');
  return `${prefix}${identifier.slice(0, 30)}_${label}`;
}

/** dbt-style `test.<package>.<name>.<10 hex>` unique id. */
export function testUniqueId(pkg: string, name: string, attachedTo: string, file: string): string {
  const h = createHash('md5').update(`${name}\u0000${attachedTo}\u0000${file}`).digest('hex').slice(0, 10);
  return `test.${pkg}.${name}.${h}`;
}
