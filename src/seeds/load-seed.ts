import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { WarehouseAdapter } from '../adapters/warehouse-adapter.js';
import type { SeedProfile } from './infer-types.js';
import { seedColumnTypes, seedStatements } from './seed-sql.js';

export interface SeedLoadResult {
  readonly rows: number;
  readonly mode: 'create' | 'truncate' | 'replace';
  readonly sql: readonly string[];
}

/**
 * Loads one seed: COPY into a staging table, then publish in one transaction. Without
 * `--full-refresh` an existing table keeps its identity (truncate + insert, as dbt does) so views
 * on it survive; when the columns changed, the user must pass `--full-refresh`. A failure at any
 * point leaves the previous table untouched.
 *
 * @example await loadSeed(db, { schema: 'analytics', name: 'raw_orders', absPath, profile, runId: 'a1b2' })
 */
export async function loadSeed(
  adapter: WarehouseAdapter,
  args: {
    readonly schema: string;
    readonly name: string;
    readonly absPath: string;
    readonly profile: SeedProfile;
    readonly columnTypes?: Readonly<Record<string, unknown>>;
    readonly delimiter?: string;
    readonly fullRefresh: boolean;
    readonly runId: string;
    /** dbt-postgres's type inference (decimals as double precision). */
    readonly dbtTypes?: boolean;
    /** `quote_columns: false`: column names folded to lower case. */
    readonly quoteColumns?: boolean;
  },
): Promise<SeedLoadResult> {
  const columns = seedColumnTypes(args.profile, args.columnTypes, {
    ...(args.dbtTypes !== undefined ? { dbtTypes: args.dbtTypes } : {}),
    ...(args.quoteColumns !== undefined ? { quoteColumns: args.quoteColumns } : {}),
  });
  const existing = await adapter.getRelation({ schema: args.schema, name: args.name });
  let mode: SeedLoadResult['mode'] = 'create';
  if (existing) {
    if (args.fullRefresh || existing.kind !== 'table') mode = 'replace';
    else {
      const now = await adapter.getColumns({ schema: args.schema, name: args.name });
      const same =
        now.length === columns.length &&
        now.every((c, i) => c.name === columns[i]!.name && sameType(c.dataType, columns[i]!.type));
      if (!same) {
        throw new Error(
          `the columns of seed '${args.name}' changed (now: ${columns.map((c) => `${c.name} ${c.type}`).join(', ')}); ` +
            `run with --full-refresh to rebuild the table`,
        );
      }
      mode = 'truncate';
    }
  }
  const s = seedStatements(args.schema, args.name, columns, args.runId, mode, args.delimiter, existing?.kind);
  const tmpRef = `"${args.schema}"."${s.tmp}"`;
  let rows = 0;
  try {
    await adapter.withSession(async (sess) => {
      await sess.query(`drop table if exists ${tmpRef}`);
      await sess.query(s.create);
      const data = adapter.type === 'pglite' ? await readFile(args.absPath) : createReadStream(args.absPath);
      rows = await sess.copyFrom(s.copy, data);
    });
    await adapter.transaction(async (tx) => {
      for (const stmt of s.publish) await tx.query(stmt);
    });
  } catch (e) {
    await adapter.query(`drop table if exists ${tmpRef}`).catch(() => undefined);
    throw e;
  }
  return { rows, mode, sql: [s.create, s.copy, ...s.publish] };
}

function sameType(actual: string, wanted: string): boolean {
  const norm = (t: string): string =>
    t
      .toLowerCase()
      .replace(/^timestamp$/, 'timestamp without time zone')
      .replace(/^timestamptz$/, 'timestamp with time zone')
      .replace(/^int$|^int4$/, 'integer')
      .replace(/^int8$/, 'bigint')
      .replace(/^varchar/, 'character varying')
      .trim();
  return norm(actual) === norm(wanted);
}
