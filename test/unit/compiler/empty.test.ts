// dbt's --empty on the compiler side: ref() and source() render as zero-row subqueries, `this`
// and the relations' attributes stay as they are; without the option nothing changes.
import { describe, expect, it } from 'vitest';
import { compileProject } from '../../../src/compiler/index.js';
import { createRunRenderer } from '../../../src/compiler/run-render.js';
import { loadProject } from '../../../src/project/index.js';
import { writeTempProject } from '../../helpers/temp-project.js';

const FILES: Record<string, string> = {
  'strata_project.yml': 'name: shop\nprofile: shop\n',
  'profiles.yml': 'shop:\n  target: dev\n  outputs:\n    dev: {type: postgres, host: 127.0.0.1, port: 1, user: u, password: p, dbname: wh, schema: dev}\n',
  'models/sources.yml': 'version: 2\nsources:\n  - name: raw\n    schema: raw_data\n    tables:\n      - name: orders\n',
  'models/stg.sql': "select id, amount from {{ source('raw', 'orders') }}",
  'models/eph.sql': "{{ config(materialized='ephemeral') }}\nselect id from {{ ref('stg') }}",
  'models/inc.sql': [
    "{{ config(materialized='incremental', unique_key='id') }}",
    "select id, amount, '{{ ref('stg').identifier }}' as parent, '{{ this }}' as me from {{ ref('stg') }}",
    'where id in (select id from {{ ref("eph") }})',
    '{% if is_incremental() %}and id > (select max(id) from {{ this }}){% endif %}',
  ].join('\n'),
};

async function project(): Promise<Awaited<ReturnType<typeof loadProject>>> {
  const dir = await writeTempProject(FILES);
  return loadProject({ projectDir: dir, env: { HOME: `${dir}/no-home` } });
}

const code = (m: Awaited<ReturnType<typeof compileProject>>['manifest'], name: string): string =>
  Object.values(m.nodes).find((n) => n.name === name)?.compiled_code ?? '';

describe('--empty (compile side)', () => {
  it('renders ref() and source() as limit-0 subqueries; `this` and attributes are intact', async () => {
    const files = await project();
    const { manifest } = await compileProject(files, { empty: true, writeArtifacts: false, useCache: false, relationExists: () => true });
    expect(code(manifest, 'stg')).toBe('select id, amount from (select * from "wh"."raw_data"."orders" where false limit 0) _dbt_limit_subq_orders');
    const inc = code(manifest, 'inc');
    expect(inc).toContain(`from (select * from "wh"."dev"."stg" where false limit 0) _dbt_limit_subq_stg\n`);
    // an ephemeral parent is a CTE: its own refs are emptied and the ref to it reads zero rows too
    expect(inc).toContain('(select * from __dbt__cte__eph where false limit 0) _dbt_limit_subq_eph');
    expect(inc).toMatch(/__dbt__cte__eph as \(\n.*select id from \(select \* from "wh"\."dev"\."stg" where false limit 0\) _dbt_limit_subq_stg/s);
    expect(inc).toContain(`'stg' as parent`);
    expect(inc).toContain(`'"wh"."dev"."inc"' as me`);
    expect(inc).toContain('and id > (select max(id) from "wh"."dev"."inc")');
  });

  it('without the option the relations print as their names', async () => {
    const files = await project();
    const { manifest } = await compileProject(files, { writeArtifacts: false, useCache: false });
    expect(code(manifest, 'stg')).toBe('select id, amount from "wh"."raw_data"."orders"');
    expect(code(manifest, 'inc')).not.toContain('limit 0');
  });

  it('the render cache keeps empty and normal renders apart', async () => {
    const files = await project();
    await compileProject(files, { useCache: true });
    const empty = await compileProject(files, { empty: true, useCache: true });
    expect(code(empty.manifest, 'stg')).toContain('where false limit 0');
    const normal = await compileProject(files, { useCache: true });
    expect(code(normal.manifest, 'stg')).toBe('select id, amount from "wh"."raw_data"."orders"');
  });

  it('the execution-time renderer empties ref()/source() of dynamic nodes with empty: true', async () => {
    const files = await project();
    const { manifest } = await compileProject(files, { writeArtifacts: false, useCache: false });
    const stg = Object.values(manifest.nodes).find((n) => n.name === 'stg')!;
    const dynamic = { ...stg, raw_code: "{% if execute %}select 1 as one from {{ ref('inc') }}, {{ this }}{% endif %}", strata: { ...stg.strata, dynamic: true } };
    const noDb = { queryTable: (): never => { throw new Error('no query expected'); } };
    const empty = await createRunRenderer(files, manifest, noDb, { empty: true }).render(dynamic);
    expect(empty.ok && empty.node.compiled_code).toBe('select 1 as one from (select * from "wh"."dev"."inc" where false limit 0) _dbt_limit_subq_inc, "wh"."dev"."stg"');
    const normal = await createRunRenderer(files, manifest, noDb).render(dynamic);
    expect(normal.ok && normal.node.compiled_code).toBe('select 1 as one from "wh"."dev"."inc", "wh"."dev"."stg"');
  });
});
