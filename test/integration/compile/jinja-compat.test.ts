// dbt Jinja constructs at the project level: loadProject + compileProject on real files.
import { describe, expect, it } from 'vitest';
import { compileProject } from '../../../src/compiler/index.js';
import { loadProject } from '../../../src/project/index.js';
import { writeTempProject } from '../../helpers/temp-project.js';

const BASE: Record<string, string> = {
  'strata_project.yml': 'name: shop\nprofile: shop\nvars:\n  region: eu\n',
  'profiles.yml': 'shop:\n  target: dev\n  outputs:\n    dev: {type: postgres, host: 127.0.0.1, port: 1, user: u, password: p, dbname: wh, schema: dev}\n',
};

async function compiled(files: Record<string, string>, env: Record<string, string> = {}): Promise<(name: string) => string> {
  const dir = await writeTempProject({ ...BASE, ...files });
  const project = await loadProject({ projectDir: dir, env: { HOME: `${dir}/no-home`, ...env } });
  const { manifest } = await compileProject(project, { env, writeArtifacts: false, useCache: false });
  return (name) => {
    const n = Object.values(manifest.nodes).find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name}`);
    return n.compiled_code ?? '';
  };
}

describe('Jinja compatibility in projects', () => {
  it('macros from macros/, adapter.dispatch, {% call %}/caller(), set-block, return()', async () => {
    const sql = await compiled({
      'macros/util.sql': [
        '{% macro cents(c) -%} ({{ c }} / 100) {%- endmacro %}',
        "{% macro concat(a, b) %}{{ return(adapter.dispatch('concat')(a, b)) }}{% endmacro %}",
        '{% macro default__concat(a, b) %}{{ a }} || {{ b }}{% endmacro %}',
        '{% macro postgres__concat(a, b) %}concat({{ a }}, {{ b }}){% endmacro %}',
        '{% macro wrap(name) %}{{ name }} as ({{ caller() }}){% endmacro %}',
        '{% macro two() %}{{ return(2) }}{% endmacro %}',
      ].join('\n'),
      'models/m.sql': [
        '{% set cols %}a, b{% endset -%}',
        'with {% call wrap("x") %}select {{ cols }}{% endcall %}',
        'select {{ cents("a") }}, {{ concat("a", "b") }}, {{ two() + 1 }} from x',
      ].join('\n'),
    });
    expect(sql('m')).toBe('with x as (select a, b)\nselect (a / 100), concat(a, b), 3 from x');
  });

  it('doc() in descriptions, var/env_var with defaults, target.schema and this', async () => {
    const dir = await writeTempProject({
      ...BASE,
      'models/docs.md': '{% docs orders %}\nAll orders.\n{% enddocs %}\n',
      'models/schema.yml': 'version: 2\nmodels:\n  - name: m\n    description: \'{{ doc("orders") }}\'\n    columns:\n      - name: id\n        description: \'Id of {{ doc("orders") }}\'\n',
      'models/m.sql':
        "select '{{ var(\"region\") }}' r, '{{ var(\"missing\", \"dflt\") }}' d, '{{ env_var(\"SHOP_ENV\", \"local\") }}' e, '{{ env_var(\"SHOP_SET\") }}' s, '{{ target.schema }}' t, '{{ this }}' me, '{{ this.identifier }}' i",
    });
    const project = await loadProject({ projectDir: dir, env: { HOME: `${dir}/h` } });
    const { manifest } = await compileProject(project, { env: { SHOP_SET: 'yes' }, writeArtifacts: false, useCache: false });
    const n = manifest.nodes['model.shop.m']!;
    expect(n.description).toBe('All orders.');
    expect(n.columns['id']?.description).toBe('Id of All orders.');
    expect(n.compiled_code).toBe(`select 'eu' r, 'dflt' d, 'local' e, 'yes' s, 'dev' t, '"wh"."dev"."m"' me, 'm' i`);
  });

  it('config() in both forms; config.get sees folder, YAML and in-file config', async () => {
    const sql = await compiled({
      'strata_project.yml': 'name: shop\nprofile: shop\nmodels:\n  shop:\n    +materialized: view\n    +tags: [base]\n',
      'models/schema.yml': 'version: 2\nmodels:\n  - name: m\n    config:\n      alias: m_alias\n',
      'models/m.sql':
        "{{ config(materialized='table', unique_key='id') }}{% do config.set('x', 1) if false %}{{ config({'tags': ['extra']}) -}}\nselect '{{ config.get('materialized') }}' a, '{{ config.get('alias') }}' b, '{{ config.get('unique_key') }}' c, '{{ config.get('nope', 'dflt') }}' d",
    });
    expect(sql('m')).toBe("select 'table' a, 'm_alias' b, 'id' c, 'dflt' d");
  });

  it('ephemerals are inlined: nested, and merged into a model with its own with-clause', async () => {
    const sql = await compiled({
      'models/e1.sql': "{{ config(materialized='ephemeral') }}select 1 as id",
      'models/e2.sql': "{{ config(materialized='ephemeral') }}select * from {{ ref('e1') }}",
      'models/m.sql': 'select * from {{ ref("e2") }}',
      'models/w.sql': 'with mine as (select * from {{ ref("e1") }})\nselect * from mine',
    });
    expect(sql('m')).toBe(
      'with __dbt__cte__e1 as (\nselect 1 as id\n),  __dbt__cte__e2 as (\nselect * from __dbt__cte__e1\n)select * from __dbt__cte__e2',
    );
    expect(sql('w')).toBe('with __dbt__cte__e1 as (\nselect 1 as id\n), mine as (select * from __dbt__cte__e1)\nselect * from mine');
  });

  it('whitespace control follows Jinja (no trim_blocks; `-` trims; one trailing newline dropped)', async () => {
    const sql = await compiled({
      'models/m.sql': "{% set xs = ['a', 'b'] %}\nselect\n  {% for x in xs -%}\n  {{ x }}{% if not loop.last %},{% endif %}\n  {% endfor -%}\nfrom t\n",
    });
    expect(sql('m')).toBe('\nselect\n  a,\n  b\n  from t');
  });
});
