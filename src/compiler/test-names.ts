import { createHash } from 'node:crypto';

/**
 * dbt's generated names for a generic test: `full` is the node name (unique ids and `--select`
 * match what dbt users know); `short` is the file name and, when it differs, the alias (names of
 * 64+ characters are cut to 30 characters plus an md5 of the full name, as dbt does).
 *
 * @example genericTestNames('accepted_values', null, 'orders', {column_name: 'status', values: ['a', 'b']})
 * // { full: 'accepted_values_orders_status__a__b', short: 'accepted_values_orders_status__a__b' }
 */
export function genericTestNames(
  testName: string,
  namespace: string | null,
  targetName: string,
  args: Readonly<Record<string, unknown>>,
): { readonly full: string; readonly short: string } {
  const full = genericTestFullName(testName, namespace, targetName, args);
  if (full.length < 64) return { full, short: full };
  const label = createHash('md5').update(full).digest('hex');
  const identifier = `${namespace ? `${namespace}_` : ''}${testName}_${targetName}`;
  return { full, short: `${identifier.slice(0, 30)}_${label}` };
}

function genericTestFullName(
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
  // dbt: test_identifier = f"{namespace}_{name}" (when namespaced) + "_" + model name.
  const identifier = `${namespace ? `${namespace}_` : ''}${testName}_${targetName}`;
  return `${identifier}_${unique}`;
}

/** dbt-style `test.<package>.<name>.<10 hex>` unique id. */
export function testUniqueId(pkg: string, name: string, attachedTo: string, file: string): string {
  const h = createHash('md5').update(`${name}\u0000${attachedTo}\u0000${file}`).digest('hex').slice(0, 10);
  return `test.${pkg}.${name}.${h}`;
}
