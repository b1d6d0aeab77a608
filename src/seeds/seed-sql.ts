import type { RelationKind } from '../adapters/warehouse-adapter.js';
import { tempRef } from '../planner/sql.js';
import { swapSteps } from '../planner/swap.js';
import type { SeedProfile, SeedType } from './infer-types.js';

const q = (id: string): string => `"${id.replace(/"/g, '""')}"`;

/** Postgres type for an inferred seed type; `column_types` overrides win. */
export function seedColumnTypes(
  profile: SeedProfile,
  overrides: Readonly<Record<string, unknown>> | undefined,
  opts: { readonly dbtTypes?: boolean; readonly quoteColumns?: boolean } = {},
): { name: string; type: string }[] {
  const map: Record<SeedType, string> = {
    boolean: 'boolean',
    integer: 'integer',
    bigint: 'bigint',
    // dbt-postgres loads any number with decimals as float8; Strata projects keep them exact
    numeric: opts.dbtTypes ? 'double precision' : 'numeric',
    date: 'date',
    timestamp: 'timestamp without time zone',
    timestamptz: 'timestamp with time zone',
    text: 'text',
  };
  const lower = new Map(Object.entries(overrides ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  return profile.columns.map((c) => {
    const override = overrides?.[c.name] ?? lower.get(c.name.toLowerCase());
    return {
      // quote_columns: false leaves names unquoted, which PostgreSQL folds to lower case
      name: opts.quoteColumns === false ? c.name.toLowerCase() : c.name,
      type: typeof override === 'string' ? override : map[c.type],
    };
  });
}

/**
 * SQL to load a seed: stage into a fresh table via COPY, then publish in one transaction.
 *
 * @example seedStatements('analytics', 'raw_orders', cols, 'r1', 'truncate')
 * // stage:   create table "analytics"."raw_orders__strata_tmp_r1" ("order_id" integer, ...)
 * //          copy "analytics"."raw_orders__strata_tmp_r1" ("order_id", ...) from stdin with (format csv, header true)
 * // publish: truncate "analytics"."raw_orders"; insert into ... select ... ; drop table tmp
 */
export function seedStatements(
  schema: string,
  name: string,
  columns: readonly { name: string; type: string }[],
  runId: string,
  mode: 'create' | 'truncate' | 'replace',
  delimiter = ',',
  existingKind?: RelationKind,
): { tmp: string; create: string; copy: string; publish: string[] } {
  // Same naming as model builds, so cleanup after a killed run finds seed leftovers too.
  const tmp = tempRef({ schema, name }, runId).name;
  const rel = `${q(schema)}.${q(name)}`;
  const tmpRel = `${q(schema)}.${q(tmp)}`;
  const cols = columns.map((c) => q(c.name)).join(', ');
  const create = `create table ${tmpRel} (${columns.map((c) => `${q(c.name)} ${c.type}`).join(', ')})`;
  const copy = `copy ${tmpRel} (${cols}) from stdin with (format csv, header true, delimiter ${quoteLiteral(delimiter)})`;
  let publish: string[];
  if (mode === 'truncate') {
    // Keep the existing table (and every view on it); replace its rows atomically.
    publish = [`truncate table ${rel}`, `insert into ${rel} (${cols}) select ${cols} from ${tmpRel}`, `drop table ${tmpRel}`];
  } else if (mode === 'replace') {
    // Views on the old table are saved and recreated on the new one (never dropped by cascade).
    publish = swapSteps({ target: { schema, name }, existingKind: existingKind ?? 'table', tmp: { schema, name: tmp }, newKind: 'table', runId }).map(
      (st) => st.sql,
    );
  } else {
    publish = [`alter table ${tmpRel} rename to ${q(name)}`];
  }
  return { tmp, create, copy, publish };
}

function quoteLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
