import { describe, expect, it } from 'vitest';
import type { Manifest, ManifestNode, SourceNode } from '../../../src/compiler/types.js';
import { buildProjectGraph, selectNodes, type ProjectGraph } from '../../../src/graph/index.js';

function node(
  type: ManifestNode['resource_type'],
  name: string,
  file: string,
  deps: string[],
  extra: Partial<ManifestNode> = {},
): ManifestNode {
  const id = `${type}.shop.${name}`;
  return {
    unique_id: id,
    resource_type: type,
    name,
    package_name: 'shop',
    path: file.split('/').slice(1).join('/'),
    original_file_path: file,
    fqn: ['shop', ...file.replace(/\.(sql|csv)$/, '').split('/').slice(1, -1), name],
    database: 'db',
    schema: 'public',
    alias: name,
    relation_name: `"db"."public"."${name}"`,
    config: { enabled: true, materialized: 'view', tags: extra.tags ?? [], meta: {}, ...(extra.config ?? {}) },
    tags: [],
    description: '',
    columns: {},
    meta: {},
    raw_code: '',
    compiled_code: '',
    depends_on: { nodes: deps, macros: [] },
    refs: [],
    sources: [],
    checksum: { name: 'sha256', checksum: name },
    strata: { config_hash: 'c', macros_hash: 'm', inputs_hash: 'i', vars_read: [], env_read: [], reads_target: false },
    patch_path: null,
    loc: { line: 1, col: 1 },
    ...extra,
  };
}

function source(name: string): SourceNode {
  return {
    unique_id: `source.shop.raw.${name}`,
    resource_type: 'source',
    name,
    source_name: 'raw',
    package_name: 'shop',
    identifier: name,
    database: 'db',
    schema: 'raw',
    relation_name: `"db"."raw"."${name}"`,
    description: '',
    source_description: '',
    loader: '',
    loaded_at_field: null,
    freshness: null,
    columns: {},
    meta: {},
    tags: [],
    config: {},
    original_file_path: 'models/sources.yml',
    fqn: ['shop', 'raw', name],
    loc: { line: 3, col: 5 },
  };
}

function manifest(nodes: ManifestNode[], sources: SourceNode[] = []): Manifest {
  return {
    metadata: { dbt_schema_version: '', strata_version: '', generated_at: '', project_name: 'shop', adapter_type: 'postgres', target_name: 'dev' },
    nodes: Object.fromEntries(nodes.map((n) => [n.unique_id, n])),
    sources: Object.fromEntries(sources.map((s) => [s.unique_id, s])),
    macros: {},
    docs: {},
    disabled: {},
    parent_map: {},
    child_map: {},
    semantic: {},
  };
}

// raw.orders -> stg_orders -> fct_orders -> rpt_revenue ; seed customers -> stg_customers -> fct_orders
const M = manifest(
  [
    node('seed', 'customers', 'seeds/customers.csv', []),
    node('model', 'stg_orders', 'models/staging/stg_orders.sql', ['source.shop.raw.orders'], { tags: ['staging'], config: { enabled: true, materialized: 'view', tags: ['staging'], meta: {} } }),
    node('model', 'stg_customers', 'models/staging/stg_customers.sql', ['seed.shop.customers'], { tags: ['staging', 'pii'] }),
    node('model', 'fct_orders', 'models/marts/fct_orders.sql', ['model.shop.stg_orders', 'model.shop.stg_customers'], { config: { enabled: true, materialized: 'table', tags: [], meta: {} } }),
    node('model', 'rpt_revenue', 'models/marts/reports/rpt_revenue.sql', ['model.shop.fct_orders']),
    node('test', 'unique_fct_orders_id', 'models/marts/schema.yml', ['model.shop.fct_orders'], {
      test_metadata: { name: 'unique', namespace: null, kwargs: { column_name: 'id' } },
    }),
    node('test', 'assert_positive', 'tests/assert_positive.sql', ['model.shop.fct_orders', 'model.shop.stg_customers']),
  ],
  [source('orders')],
);

function graphOf(m: Manifest): ProjectGraph {
  const { graph, diagnostics } = buildProjectGraph(m);
  expect(diagnostics).toEqual([]);
  return graph!;
}

const names = (ids: string[]): string[] => ids.map((id) => id.split('.').slice(2).join('.'));
const sel = (select: string[], more: Parameters<typeof selectNodes>[2] = {}): string[] => {
  const { ids, diagnostics } = selectNodes(graphOf(M), M, { select, indirect: 'empty', ...more });
  expect(diagnostics).toEqual([]);
  return names(ids);
};

describe('selection syntax', () => {
  it('selects by name, with ancestors and descendants, in topological order', () => {
    expect(sel(['fct_orders'])).toEqual(['fct_orders']);
    expect(sel(['+fct_orders'])).toEqual(['customers', 'raw.orders', 'stg_customers', 'stg_orders', 'fct_orders']);
    expect(sel(['fct_orders+'])).toEqual(['fct_orders', 'rpt_revenue', 'assert_positive', 'unique_fct_orders_id']);
    expect(sel(['1+fct_orders'])).toEqual(['stg_customers', 'stg_orders', 'fct_orders']);
    expect(sel(['stg_customers+1'])).toEqual(['stg_customers', 'fct_orders', 'assert_positive']);
  });

  it('@ selects descendants and all their ancestors', () => {
    // stg_orders -> fct_orders (+ tests, rpt_revenue); fct_orders' other parents come along.
    expect(sel(['@stg_orders'])).toEqual([
      'customers',
      'raw.orders',
      'stg_customers',
      'stg_orders',
      'fct_orders',
      'rpt_revenue',
      'assert_positive',
      'unique_fct_orders_id',
    ]);
  });

  it('supports tag:, path:, config., resource_type:, source:, wildcards and folders', () => {
    expect(sel(['tag:staging'])).toEqual(['stg_customers', 'stg_orders']);
    expect(sel(['tag:pii'])).toEqual(['stg_customers']);
    expect(sel(['path:models/marts'])).toEqual(['fct_orders', 'rpt_revenue', 'unique_fct_orders_id']);
    expect(sel(['path:models/marts/reports'])).toEqual(['rpt_revenue']);
    expect(sel(['models/staging/stg_orders.sql'])).toEqual(['stg_orders']);
    expect(sel(['config.materialized:table'])).toEqual(['fct_orders']);
    expect(sel(['resource_type:seed'])).toEqual(['customers']);
    expect(sel(['source:raw+1'])).toEqual(['raw.orders', 'stg_orders']);
    expect(sel(['stg_*'])).toEqual(['stg_customers', 'stg_orders']);
    expect(sel(['marts'])).toEqual(['fct_orders', 'rpt_revenue', 'unique_fct_orders_id']);
    expect(sel(['shop.marts.reports'])).toEqual(['rpt_revenue']);
    expect(sel(['test_type:generic'])).toEqual(['unique_fct_orders_id']);
    expect(sel(['test_type:singular'])).toEqual(['assert_positive']);
  });

  it('unions with spaces and intersects with commas; --exclude subtracts', () => {
    expect(sel(['tag:staging', 'rpt_revenue'])).toEqual(['stg_customers', 'stg_orders', 'rpt_revenue']);
    expect(sel(['tag:staging tag:pii'])).toEqual(['stg_customers', 'stg_orders']);
    expect(sel(['tag:staging,tag:pii'])).toEqual(['stg_customers']);
    expect(sel(['+rpt_revenue'], { exclude: ['resource_type:seed', 'source:*'] })).toEqual([
      'stg_customers',
      'stg_orders',
      'fct_orders',
      'rpt_revenue',
    ]);
  });

  it('adds tests of selected nodes eagerly or cautiously', () => {
    const g = graphOf(M);
    const eager = selectNodes(g, M, { select: ['fct_orders'] });
    expect(names(eager.ids)).toEqual(['fct_orders', 'assert_positive', 'unique_fct_orders_id']);
    const cautious = selectNodes(g, M, { select: ['fct_orders'], indirect: 'cautious' });
    expect(names(cautious.ids)).toEqual(['fct_orders', 'unique_fct_orders_id']);
  });

  it('filters by resource type after selection', () => {
    const { ids } = selectNodes(graphOf(M), M, { select: ['+rpt_revenue'], resourceTypes: ['model'] });
    expect(names(ids)).toEqual(['stg_customers', 'stg_orders', 'fct_orders', 'rpt_revenue']);
  });

  it('reports bad selectors as selector-invalid diagnostics', () => {
    const r = selectNodes(graphOf(M), M, { select: ['colour:red'] });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['selector-invalid']);
    expect(r.diagnostics[0]!.message).toContain("unknown selector method 'colour'");
    const r2 = selectNodes(graphOf(M), M, { select: ['state:modified'] });
    expect(r2.diagnostics.map((d) => d.code)).toEqual(['state-invalid']);
  });
});

describe('state:modified', () => {
  it('finds new, body-modified, config-modified and macro-modified nodes', () => {
    const before = M;
    const after = manifest(
      [
        ...Object.values(M.nodes).map((n) =>
          n.name === 'stg_orders'
            ? { ...n, checksum: { name: 'sha256' as const, checksum: 'changed' } }
            : n.name === 'rpt_revenue'
              ? { ...n, strata: { ...n.strata, macros_hash: 'other' } }
              : n.name === 'stg_customers'
                ? { ...n, strata: { ...n.strata, config_hash: 'other' } }
                : n,
        ),
        node('model', 'brand_new', 'models/marts/brand_new.sql', ['model.shop.fct_orders']),
      ],
      [source('orders')],
    );
    const g = graphOf(after);
    const pick = (s: string): string[] =>
      names(selectNodes(g, after, { select: [s], state: before, indirect: 'empty' }).ids);
    expect(pick('state:new')).toEqual(['brand_new']);
    expect(pick('state:modified')).toEqual(['stg_customers', 'stg_orders', 'brand_new', 'rpt_revenue']);
    expect(pick('state:modified.body')).toEqual(['stg_orders', 'brand_new']);
    expect(pick('state:modified.configs')).toEqual(['stg_customers', 'brand_new']);
    expect(pick('state:modified.macros')).toEqual(['brand_new', 'rpt_revenue']);
    expect(pick('state:modified+')).toEqual([
      'stg_customers',
      'stg_orders',
      'fct_orders',
      'brand_new',
      'rpt_revenue',
      'assert_positive',
      'unique_fct_orders_id',
    ]);
  });
});

describe('cycles', () => {
  it('reports the full cycle path with files and lines', () => {
    const m = manifest([
      node('model', 'a', 'models/a.sql', ['model.shop.c']),
      node('model', 'b', 'models/b.sql', ['model.shop.a']),
      node('model', 'c', 'models/c.sql', ['model.shop.b']),
      node('model', 'd', 'models/d.sql', []),
    ]);
    const { graph, diagnostics } = buildProjectGraph(m);
    expect(graph).toBeUndefined();
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]!.code).toBe('cycle');
    expect(diagnostics[0]!.message).toBe('dependency cycle: a -> b -> c -> a');
    expect(diagnostics[0]!.file).toBe('models/a.sql');
    expect(diagnostics[0]!.hint).toContain('b (models/b.sql:1)');
  });
});
