import { describe, expect, it } from 'vitest';
import { DiagnosticBag } from '../../../src/diagnostics/index.js';
import { parseSchemaFile } from '../../../src/project/index.js';
import type { SchemaFile } from '../../../src/project/index.js';
import { loadErrors, loadFiles } from './load-helpers.js';

function parse(text: string, opts: { always?: boolean } = {}): { file: SchemaFile | undefined; bag: DiagnosticBag } {
  const bag = new DiagnosticBag();
  return { file: parseSchemaFile(text, 'models/schema.yml', 'h', bag, opts), bag };
}

const loc = (line: number, col: number) => ({ file: 'models/schema.yml', line, col });

describe('schema YAML: models and tests', () => {
  const { file, bag } = parse(`version: 2
models:
  - name: orders
    description: One row per order.
    config:
      materialized: table
      tags: [finance]
    meta: {owner: ana}
    docs: {show: true}
    constraints:
      - type: primary_key
        columns: [order_id]
    data_tests:
      - dbt_utils.expression_is_true:
          expression: "amount >= 0"
    columns:
      - name: order_id
        description: PK
        data_type: bigint
        tags: [pk]
        constraints: [{type: not_null}]
        tests:
          - unique
          - not_null:
              severity: warn
              where: "created_at > '2020-01-01'"
      - name: status
        data_tests:
          - accepted_values:
              values: [placed, shipped]
              quote: false
              config: {severity: warn, limit: 10}
          - relationships:
              to: ref('statuses')
              field: code
              warn_if: ">10"
              error_if: ">100"
              store_failures: true
              tags: [rel]
          - accepted_values:
              name: status_is_known
              arguments:
                values: [a, b]
          - name: status_custom
            test_name: dbt_utils.not_empty_string
            trim_whitespace: true
`);

  it('parses without diagnostics', () => {
    expect(bag.all).toEqual([]);
    expect(file?.models).toHaveLength(1);
  });

  it('reads model properties with their location', () => {
    const m = file!.models[0]!;
    expect(m).toMatchObject({
      name: 'orders', description: 'One row per order.', config: { materialized: 'table', tags: ['finance'] },
      meta: { owner: 'ana' }, docs: { show: true }, loc: loc(3, 5),
      extra: { constraints: [{ type: 'primary_key', columns: ['order_id'] }] },
    });
    expect(m.tests).toEqual([
      { name: 'dbt_utils.expression_is_true', args: { expression: 'amount >= 0' }, config: {}, loc: loc(14, 9) },
    ]);
  });

  it('reads columns and the bare / mapping test shapes', () => {
    const [id, status] = file!.models[0]!.columns;
    expect(id).toMatchObject({ name: 'order_id', description: 'PK', dataType: 'bigint', tags: ['pk'], constraints: [{ type: 'not_null' }], loc: loc(17, 9) });
    expect(id?.tests).toEqual([
      { name: 'unique', args: { column_name: 'order_id' }, config: {}, loc: loc(23, 13) },
      { name: 'not_null', args: { column_name: 'order_id' }, config: { severity: 'warn', where: "created_at > '2020-01-01'" }, loc: loc(24, 13) },
    ]);
    expect(status?.tests[0]).toEqual({
      name: 'accepted_values', args: { values: ['placed', 'shipped'], quote: false, column_name: 'status' },
      config: { severity: 'warn', limit: 10 }, loc: loc(29, 13),
    });
  });

  it('moves top-level test properties into config', () => {
    const rel = file!.models[0]!.columns[1]!.tests[1];
    expect(rel).toMatchObject({
      name: 'relationships', args: { to: "ref('statuses')", field: 'code', column_name: 'status' },
      config: { warn_if: '>10', error_if: '>100', store_failures: true, tags: ['rel'] },
    });
  });

  it('reads the arguments: and test_name: forms with custom names', () => {
    const [, , named, custom] = file!.models[0]!.columns[1]!.tests;
    expect(named).toMatchObject({ name: 'accepted_values', customName: 'status_is_known', args: { values: ['a', 'b'], column_name: 'status' }, config: {} });
    expect(custom).toMatchObject({ name: 'dbt_utils.not_empty_string', customName: 'status_custom', args: { trim_whitespace: true, column_name: 'status' }, loc: loc(44, 13) });
  });
});

describe('schema YAML: sources', () => {
  const { file, bag } = parse(`version: 2
sources:
  - name: raw
    description: Raw landing zone
    database: lake
    loader: fivetran
    loaded_at_field: _loaded_at
    freshness:
      warn_after: {count: 12, period: hour}
      error_after: {count: 1, period: day}
    meta: {team: ingest}
    tags: [raw]
    tables:
      - name: orders
        identifier: orders_v2
        tags: [core]
        columns:
          - name: id
            tests: [unique]
      - name: events
        freshness: null
      - name: customers
        loaded_at_field: updated_at
        freshness:
          warn_after: {count: 1, period: hour}
  - name: erp
    schema: erp_prod
    tables:
      - name: invoices
        tests:
          - dbt_utils.recency: {datepart: day, field: created_at, interval: 1}
`);

  it('flattens source tables with inherited properties and defaults', () => {
    expect(bag.all).toEqual([]);
    const [orders, events, customers, invoices] = file!.sources;
    expect(orders).toEqual({
      sourceName: 'raw', name: 'orders', identifier: 'orders_v2', schema: 'raw', database: 'lake',
      description: '', sourceDescription: 'Raw landing zone', loader: 'fivetran', loadedAtField: '_loaded_at',
      freshness: { warn_after: { count: 12, period: 'hour' }, error_after: { count: 1, period: 'day' } },
      columns: [expect.objectContaining({ name: 'id', tests: [expect.objectContaining({ name: 'unique', args: { column_name: 'id' } })] })],
      tests: [], meta: { team: 'ingest' }, tags: ['raw', 'core'], config: {}, loc: loc(14, 9),
    });
    expect(invoices).toMatchObject({ sourceName: 'erp', schema: 'erp_prod', identifier: 'invoices' });
    expect(invoices?.freshness).toBeUndefined();
    expect(invoices?.tests[0]).toMatchObject({ name: 'dbt_utils.recency', args: { datepart: 'day', field: 'created_at', interval: 1 } });
    expect(events?.freshness).toBeNull();
    expect(customers).toMatchObject({ loadedAtField: 'updated_at', freshness: { warn_after: { count: 1, period: 'hour' } } });
  });

  it('reports a bad freshness period at its line', () => {
    const { bag: b } = parse('sources:\n  - name: raw\n    tables:\n      - name: t\n        freshness:\n          warn_after: {count: 1, period: weeks}\n');
    expect(b.all).toEqual([expect.objectContaining({ code: 'schema-invalid', ...loc(6, 42) })]);
  });
});

describe('schema YAML: detection and errors', () => {
  it('ignores YAML files without schema keys, unless in semantic paths', () => {
    expect(parse('some_tool: {x: 1}\n').file).toBeUndefined();
    expect(parse('some_tool: {x: 1}\n', { always: true }).file?.other).toEqual({ some_tool: { x: 1 } });
    expect(parse('').file).toBeUndefined();
  });

  it('keeps semantic-layer and feature keys in other', () => {
    const { file } = parse('semantic_models:\n  - name: sales\nmetrics:\n  - name: revenue\nentities: [{name: customer}]\n');
    expect(Object.keys(file!.other)).toEqual(['semantic_models', 'metrics', 'entities']);
  });

  it('warns about unknown keys with did-you-mean', () => {
    const { bag } = parse('models:\n  - name: a\n    descripton: x\n    columns:\n      - name: b\n        test: [unique]\n');
    expect(bag.all).toEqual([
      expect.objectContaining({ code: 'config-unknown-key', severity: 'warning', ...loc(3, 5), hint: "did you mean 'description'?" }),
      expect.objectContaining({ code: 'config-unknown-key', severity: 'warning', ...loc(6, 9), hint: "did you mean 'tests'?" }),
    ]);
  });

  it('reports schema-invalid with the location of bad shapes', () => {
    const { bag } = parse(`models:
  - name: a
    columns:
      - description: no name
    tests:
      - accepted_values: [a, b]
      - {unique: {}, not_null: {}}
      - 5
  - just_a_string
`);
    expect(bag.all.map((d) => [d.code, d.line, d.col])).toEqual([
      ['schema-invalid', 4, 9],
      ['schema-invalid', 6, 26],
      ['schema-invalid', 7, 9],
      ['schema-invalid', 8, 9],
      ['schema-invalid', 9, 5],
    ]);
  });

  it('reports config-invalid for a bad materialized in a config block at its line', () => {
    const { bag } = parse('models:\n  - name: a\n    config:\n      materialized: 5\n');
    expect(bag.all).toEqual([expect.objectContaining({ code: 'config-invalid', ...loc(4, 21) })]);
  });

  it('reports yaml-syntax with line and column', () => {
    const { bag } = parse('models:\n  - name: a\n   bad_indent: [\n');
    expect(bag.all[0]).toMatchObject({ code: 'yaml-syntax', file: 'models/schema.yml' });
    expect(bag.all[0]?.line).toBe(3);
  });
});

describe('schema files in a project', () => {
  it('reports duplicate-node across files with both locations', async () => {
    const ds = await loadErrors({
      'dbt_project.yml': 'name: shop\n',
      'models/a.yml': 'models:\n  - name: orders\n',
      'models/b/b.yml': 'version: 2\n\nmodels:\n  - name: customers\n  - name: orders\n',
    });
    expect(ds).toEqual([expect.objectContaining({ code: 'duplicate-node', file: 'models/b/b.yml', line: 5, col: 5 })]);
    expect(ds[0]?.message).toContain('models/a.yml:2:5');
  });

  it('parses schema files in all resource paths and every YAML file in semantic paths', async () => {
    const p = await loadFiles({
      'dbt_project.yml': 'name: shop\n',
      'models/s.yml': 'models: [{name: a}]\n',
      'seeds/s.yml': 'seeds: [{name: countries, config: {column_types: {id: int}}}]\n',
      'snapshots/s.yml': 'snapshots: [{name: snap}]\n',
      'macros/m.yml': 'macros: [{name: cents_to_dollars, description: x}]\n',
      'models/not_schema.yml': 'foo: bar\n',
      'semantic/sales.yml': 'semantic_models: [{name: sales}]\n',
      'semantic/features.yaml': 'feature_views: [{name: fv}]\n',
    });
    expect(p.schemaFiles.map((f) => f.path)).toEqual([
      'macros/m.yml', 'models/s.yml', 'seeds/s.yml', 'semantic/features.yaml', 'semantic/sales.yml', 'snapshots/s.yml',
    ]);
    expect(p.schemaFiles[2]?.seeds[0]?.config).toEqual({ column_types: { id: 'int' } });
    expect(p.schemaFiles[0]?.other).toEqual({ macros: [{ name: 'cents_to_dollars', description: 'x' }] });
    expect(p.schemaFiles[3]?.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
