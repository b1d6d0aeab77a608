import { describe, expect, it } from 'vitest';
import type { Manifest, ManifestNode } from '../../../src/compiler/types.js';
import { deferManifest } from '../../../src/graph/defer.js';
import { testEdges } from '../../../src/graph/test-edges.js';
import { foldBuckets, ks, psi } from '../../../src/quality/drift-math.js';
import { freshnessStatus } from '../../../src/quality/freshness.js';
import { junitXml } from '../../../src/quality/junit-xml.js';
import { columnKind, histogramSql } from '../../../src/quality/profile-sql.js';
import { testStatus } from '../../../src/quality/test-query.js';
import { redirectTest } from '../../../src/quality/audit.js';

function node(id: string, deps: string[], extra: Partial<ManifestNode> = {}): ManifestNode {
  const [type, , name] = id.split('.');
  return {
    unique_id: id,
    resource_type: type as ManifestNode['resource_type'],
    name: name!,
    package_name: 'p',
    path: `${name}.sql`,
    original_file_path: `models/${name}.sql`,
    fqn: ['p', name!],
    database: 'db',
    schema: 'ci',
    alias: name!,
    relation_name: type === 'test' ? null : `"db"."ci"."${name}"`,
    config: { enabled: true, materialized: type === 'test' ? 'test' : 'table', tags: [], meta: {} },
    tags: [],
    description: '',
    columns: {},
    meta: {},
    raw_code: '',
    compiled_code: deps.map((d) => `select * from "db"."ci"."${d.split('.')[2]}"`).join(' union all ') || 'select 1',
    depends_on: { nodes: deps, macros: [] },
    refs: [],
    sources: [],
    checksum: { name: 'sha256', checksum: '' },
    strata: { config_hash: '', macros_hash: '', inputs_hash: '', vars_read: [], env_read: [], reads_target: false },
    patch_path: null,
    loc: { line: 1, col: 1 },
    ...extra,
  };
}

function manifest(nodes: ManifestNode[]): Manifest {
  const parent_map: Record<string, string[]> = {};
  const child_map: Record<string, string[]> = {};
  for (const n of nodes) {
    parent_map[n.unique_id] = [...n.depends_on.nodes];
    child_map[n.unique_id] ??= [];
    for (const p of n.depends_on.nodes) (child_map[p] ??= []).push(n.unique_id);
  }
  return {
    metadata: { dbt_schema_version: '', strata_version: '', generated_at: '', project_name: 'p', adapter_type: 'postgres', target_name: 'ci' },
    nodes: Object.fromEntries(nodes.map((n) => [n.unique_id, n])),
    sources: {},
    macros: {},
    docs: {},
    disabled: {},
    parent_map,
    child_map,
    semantic: {},
  };
}

describe('drift math', () => {
  it('PSI of identical distributions is 0; a known shift matches the formula', () => {
    expect(psi([0.2, 0.3, 0.5], [0.2, 0.3, 0.5])).toBe(0);
    expect(psi([0.5, 0.5], [0.25, 0.75])).toBeCloseTo(-0.25 * Math.log(0.5) + 0.25 * Math.log(1.5), 12);
    // An empty current bucket is smoothed to 1e-4 (finite, large).
    expect(psi([0.5, 0.5], [0, 1])).toBeCloseTo((1e-4 - 0.5) * Math.log(1e-4 / 0.5) + 0.5 * Math.log(2), 12);
  });
  it('KS is the largest CDF gap', () => {
    expect(ks([0.25, 0.25, 0.25, 0.25], [0, 0.25, 0.25, 0.5])).toBe(0.25);
    expect(ks([1], [1])).toBe(0);
  });
  it('folds percentile buckets into decile buckets', () => {
    // edges 1,2,3 (fine buckets <1, [1,2), [2,3), >=3); deciles [2]: coarse <2, >=2
    expect(foldBuckets([1, 2, 3, 4], [1, 2, 3], [2])).toEqual([3, 7]);
  });
});

describe('profile SQL', () => {
  it('kinds by data type', () => {
    expect(['integer', 'numeric(10,2)', 'double precision', 'date', 'timestamp with time zone', 'text', 'boolean'].map(columnKind)).toEqual([
      'numeric', 'numeric', 'numeric', 'temporal', 'temporal', 'categorical', 'categorical',
    ]);
  });
  it('histograms travel edges as bound parameters and quote identifiers', () => {
    const h = histogramSql({ schema: 's', name: 't' }, [{ name: 'a"b', kind: 'numeric', edges: [1, 2.5] }, { name: 'c', kind: 'categorical' }]);
    expect(h.params).toEqual(['{1,2.5}']);
    expect(h.sql).toContain(`width_bucket(cast(t."a""b" as float8), $1::float8[]) as b0`);
    expect(h.sql).toContain(`cast(t."c" as text) as b1`);
    expect(h.sql).toContain("group by grouping sets ((b0), (b1))");
    expect(h.sql).toContain('from "s"."t" as t');
  });
});

describe('test status', () => {
  it('severity, warn_if and error_if', () => {
    expect(testStatus(0, {}).status).toBe('pass');
    expect(testStatus(3, {}).status).toBe('fail');
    expect(testStatus(3, { severity: 'warn' }).status).toBe('warn');
    expect(testStatus(3, { error_if: '>10' }).status).toBe('warn');
    expect(testStatus(3, { error_if: '>10', warn_if: '>5' }).status).toBe('pass');
  });
});

describe('freshness status', () => {
  const c = { warn_after: { count: 1, period: 'hour' as const }, error_after: { count: 1, period: 'day' as const }, filter: null };
  it('pass, warn, error by age', () => {
    expect(freshnessStatus(3599, c)).toBe('pass');
    expect(freshnessStatus(3601, c)).toBe('warn');
    expect(freshnessStatus(86401, c)).toBe('error');
    expect(freshnessStatus(null, c)).toBe('error');
  });
});

describe('write-audit-publish redirection', () => {
  it('replaces the exact quoted relation name only', () => {
    const m = node('model.p.orders', []);
    const t = node('test.p.unique_orders_id', ['model.p.orders'], {
      compiled_code: 'select id from "db"."ci"."orders" join "db"."ci"."orders_x" using (id)',
    });
    expect(redirectTest(t, m, 'orders__strata_tmp_1a2b3c4d')).toBe('select id from "db"."ci"."orders__strata_tmp_1a2b3c4d" join "db"."ci"."orders_x" using (id)');
    expect(redirectTest({ ...t, compiled_code: 'select 1 from ci.orders' }, m, 'x')).toBeUndefined();
  });
});

describe('build ordering: test edges', () => {
  it("children of a model wait for its tests; a relationships test to a non-ancestor adds no edge", () => {
    const a = node('model.p.a', []);
    const b = node('model.p.b', ['model.p.a']);
    const z = node('model.p.z', []);
    const t1 = node('test.p.not_null_a_id', ['model.p.a']);
    const t2 = node('test.p.rel_a_z', ['model.p.a', 'model.p.z']);
    const m = manifest([a, b, z, t1, t2]);
    const edges = testEdges(m, ['model.p.a', 'model.p.b', 'model.p.z', 'test.p.not_null_a_id', 'test.p.rel_a_z']);
    expect(Object.fromEntries(edges)).toEqual({ 'model.p.b': ['test.p.not_null_a_id'] });
  });
});

describe('defer', () => {
  it('redirects references to unselected, unbuilt parents to the state relation', () => {
    const current = manifest([node('model.p.a', []), node('model.p.b', ['model.p.a'])]);
    const prod = manifest([
      { ...node('model.p.a', []), relation_name: '"db"."prod"."a"' },
      { ...node('model.p.b', ['model.p.a']), relation_name: '"db"."prod"."b"' },
    ]);
    const d = deferManifest(current, prod, new Set(['model.p.b']), () => false);
    expect(d.manifest.nodes['model.p.b']!.compiled_code).toBe('select * from "db"."prod"."a"');
    expect([...d.deferred]).toEqual([['model.p.a', '"db"."prod"."a"']]);
    // A parent that exists in the target is read from the target.
    expect(deferManifest(current, prod, new Set(['model.p.b']), () => true).manifest.nodes['model.p.b']!.compiled_code).toBe('select * from "db"."ci"."a"');
  });
});

describe('JUnit XML', () => {
  it('failures, errors, skips and escaping', () => {
    const m = manifest([node('model.p.a', []), node('test.p.t1', ['model.p.a'], { attached_node: 'model.p.a' }), node('test.p.t2', ['model.p.a'])]);
    const base = { executionTime: 0.5, startedAt: null, completedAt: null };
    const xml = junitXml(m, [
      { id: 'model.p.a', status: 'error', message: 'held back: "x" < y', ...base },
      { id: 'test.p.t1', status: 'fail', message: '2 failing rows', data: { failures: 2 }, ...base },
      { id: 'test.p.t2', status: 'skipped', message: 'skipped', ...base },
    ], 'build', '2024-01-01T00:00:00Z');
    expect(xml).toContain('<testsuites name="strata build" tests="3" failures="1" errors="1" skipped="1" time="1.500">');
    expect(xml).toContain('<failure type="fail" message="2 failing rows">test.p.t1: 2 failing rows (failures: 2)</failure>');
    expect(xml).toContain('<error type="error" message="held back: &quot;x&quot; &lt; y">');
    expect(xml).toContain('<skipped message="skipped"/>');
  });
});
