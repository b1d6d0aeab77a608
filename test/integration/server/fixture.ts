import type { WarehouseAdapter } from '../../../src/adapters/warehouse-adapter.js';
import { initSqlParser, loadSemanticLayer, type SemanticLayer } from '../../../src/semantic/index.js';
import { afterBuild, createServer, mintToken, type ServerOptions, type StrataServer } from '../../../src/server/index.js';
import { starSchemaSql, starSemanticYaml } from '../../fixtures/semantic/star.js';

export const SECRET = 'test-secret-that-is-at-least-32-characters-long';

/** The star fixture's semantic layer plus rollups and a show_sql role. */
export function serverSemanticYaml(s: string): string {
  return (
    starSemanticYaml(s).replace(
      'access:\n  roles:\n',
      'access:\n  roles:\n    analyst:\n      show_sql: true\n    blind:\n      hide: [revenue, sales.revenue]\n',
    ) +
    `rollups:
  - { name: sales_region_day, model: sales, measures: [revenue, units, max_sale, count], dimensions: [customer.region, sales.channel, product.category], time_dimension: sales.sold_at, granularity: day }
  - { name: sales_region_month_distinct, model: sales, measures: [revenue, unique_customers, orders], dimensions: [customer.region], time_dimension: sales.sold_at, granularity: month }
`
  );
}

export function loadServerLayer(s: string): SemanticLayer {
  const r = loadSemanticLayer([{ file: 'semantic/star.yml', text: serverSemanticYaml(s) }], { resolveRef: () => undefined, refNames: [] });
  if (!r.layer) throw new Error(JSON.stringify(r.diagnostics, null, 2));
  return r.layer;
}

/** Creates the star schema in `s`, builds the rollups (meta tables in `${s}_meta`). */
export async function setUpWarehouse(adapter: WarehouseAdapter, s: string): Promise<SemanticLayer> {
  await initSqlParser();
  for (const stmt of starSchemaSql(s)) await adapter.query(stmt);
  const layer = loadServerLayer(s);
  const r = await afterBuild({ adapter, layer, command: 'build', schema: s, nodes: 0, metaSchema: `${s}_meta` });
  for (const x of r.rollups) if (x.error) throw new Error(`rollup ${x.name}: ${x.error}`);
  return layer;
}

export async function tearDownWarehouse(adapter: WarehouseAdapter, s: string): Promise<void> {
  await adapter.query(`drop schema if exists "${s}" cascade`);
  await adapter.query(`drop schema if exists "${s}_meta" cascade`);
}

export function startServer(layer: SemanticLayer, adapter: WarehouseAdapter, s: string, extra: Partial<ServerOptions> = {}): Promise<StrataServer> {
  return createServer({ layer, adapter, auth: { secret: SECRET }, metaSchema: `${s}_meta`, targetSchema: s, stateRefreshMs: 0, ...extra });
}

export const token = (role: string, attributes: Record<string, unknown> = {}, ttl = '1h'): Promise<string> => mintToken({ secret: SECRET, role, attributes, ttl });

export const uniqueSchema = (p: string): string => `${p}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
