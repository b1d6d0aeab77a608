/**
 * Compile-level behaviour of Jinja in YAML and the project file, installed packages as projects
 * (models, seeds, tests, folder configs from the root project), and a project's own
 * generate_schema_name. No database: these are properties of target/manifest.json.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../../src/compiler/types.js';
import { strata } from '../../helpers/strata-cli.js';
import { writeTempProject } from '../../helpers/temp-project.js';

const PROFILE = 'p:\n  target: dev\n  outputs:\n    dev:\n      type: pglite\n      path: .strata/pglite\n      schema: analytics\n';

async function compile(files: Record<string, string>): Promise<{ code: number; stderr: string; manifest: Manifest | null }> {
  const dir = await writeTempProject({ 'profiles.yml': PROFILE, ...files });
  const r = await strata(['compile', '--project-dir', dir, '--no-introspect']);
  const manifest = r.code === 0 ? (JSON.parse(await readFile(join(dir, 'target', 'manifest.json'), 'utf8')) as Manifest) : null;
  return { code: r.code, stderr: r.stderr, manifest };
}

describe('Jinja in YAML and the project file', () => {
  it('renders folder configs, properties, test configs and source fields; whole templates are native values', async () => {
    const { code, stderr, manifest } = await compile({
      'dbt_project.yml': [
        'name: p',
        'profile: p',
        'models:',
        '  p:',
        '    +materialized: "{{ \'table\' if target.name == \'dev\' else \'view\' }}"',
        '    +tags: ["{{ target.name }}"]',
        '',
      ].join('\n'),
      'models/a.sql': 'select 1 as id',
      'models/b.sql': 'select 2 as id',
      'models/schema.yml': [
        'version: 2',
        'sources:',
        '  - name: raw',
        '    schema: "{{ target.schema }}_raw"',
        '    tables: [{name: events}]',
        'models:',
        '  - name: b',
        '    config:',
        '      enabled: "{{ target.name != \'dev\' }}"',
        '  - name: a',
        '    columns:',
        '      - name: id',
        '        tests:',
        '          - not_null:',
        '              config:',
        '                severity: "{{ \'warn\' if target.name == \'dev\' else \'error\' }}"',
        '',
      ].join('\n'),
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const a = manifest!.nodes['model.p.a']!;
    expect(a.config.materialized).toBe('table');
    expect(a.tags).toEqual(['dev']);
    expect(manifest!.nodes['model.p.b']).toBeUndefined();
    expect(Object.keys(manifest!.disabled)).toEqual(['model.p.b']);
    const test = Object.values(manifest!.nodes).find((n) => n.resource_type === 'test')!;
    expect(test.config['severity']).toBe('warn');
    expect(manifest!.sources['source.p.raw.events']!.schema).toBe('analytics_raw');
  });

  it('a template that fails to render in YAML is a located error', async () => {
    const { code, stderr } = await compile({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'models/a.sql': 'select 1 as id',
      'models/schema.yml': 'version: 2\nmodels:\n  - name: a\n    config:\n      alias: "{{ nope() }}"\n',
    });
    expect(code).toBe(2);
    expect(stderr).toContain('error[undefined-macro]');
    expect(stderr).toContain('models/a.sql');
  });
});

describe('installed packages are projects', () => {
  const pkg = {
    'packages.yml': 'packages:\n  - local: ../pkg_a\n',
    'dbt_packages/pkg_a/dbt_project.yml': 'name: pkg_a\nvars:\n  pkg_limit: 10\nmodels:\n  pkg_a:\n    +materialized: table\n',
    'dbt_packages/pkg_a/seeds/pkg_seed.csv': 'id\n1\n',
    'dbt_packages/pkg_a/models/pkg_model.sql': "select * from {{ ref('pkg_seed') }} limit {{ var('pkg_limit') }}",
    'dbt_packages/pkg_a/models/schema.yml': 'version: 2\nmodels:\n  - name: pkg_model\n    columns:\n      - name: id\n        tests: [not_null]\n',
    'dbt_packages/pkg_a/models/sources.yml': 'version: 2\nsources:\n  - name: pkg_raw\n    schema: "{{ target.schema }}_raw"\n    tables: [{name: events}]\n',
    'dbt_packages/pkg_a/models/from_source.sql': "select * from {{ source('pkg_raw', 'events') }}",
    'models/mine.sql': "select * from {{ ref('pkg_a', 'pkg_model') }}",
  };

  it("join the graph under their name, with their own config under the root project's", async () => {
    const { code, stderr, manifest } = await compile({
      ...pkg,
      'dbt_project.yml': 'name: p\nprofile: p\nmodels:\n  pkg_a:\n    +schema: from_pkg\n',
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const m = manifest!.nodes['model.pkg_a.pkg_model']!;
    expect(m).toMatchObject({ package_name: 'pkg_a', schema: 'analytics_from_pkg', original_file_path: 'dbt_packages/pkg_a/models/pkg_model.sql' });
    expect(m.config.materialized).toBe('table');
    expect(m.compiled_code).toContain('limit 10');
    expect(manifest!.nodes['seed.pkg_a.pkg_seed']).toBeDefined();
    expect(Object.keys(manifest!.nodes).some((id) => id.startsWith('test.pkg_a.not_null_pkg_model_id'))).toBe(true);
    expect(manifest!.nodes['model.p.mine']!.depends_on.nodes).toEqual(['model.pkg_a.pkg_model']);
    expect(manifest!.sources['source.pkg_a.pkg_raw.events']).toMatchObject({ package_name: 'pkg_a', schema: 'analytics_raw' });
    expect(manifest!.nodes['model.pkg_a.from_source']!.depends_on.nodes).toEqual(['source.pkg_a.pkg_raw.events']);
  });

  it("a project's generate_schema_name decides the schema of every node", async () => {
    const { code, manifest } = await compile({
      ...pkg,
      'dbt_project.yml': 'name: p\nprofile: p\nmodels:\n  pkg_a:\n    +schema: from_pkg\n',
      'macros/naming.sql':
        '{% macro generate_schema_name(custom_schema_name, node) -%}{{ custom_schema_name | trim if custom_schema_name is not none else target.schema }}{%- endmacro %}',
    });
    expect(code).toBe(0);
    expect(manifest!.nodes['model.pkg_a.pkg_model']!.schema).toBe('from_pkg');
    expect(manifest!.nodes['model.p.mine']!.schema).toBe('analytics');
  });

  it("a root model named like a package's: qualified refs, the package's tests and its `this` stay with the package's", async () => {
    const { code, stderr, manifest } = await compile({
      ...pkg,
      'dbt_project.yml': 'name: p\nprofile: p\nmodels:\n  pkg_a:\n    +schema: from_pkg\n',
      'models/pkg_model.sql': "select 'root' as who",
      'dbt_packages/pkg_a/models/pkg_model.sql': "{{ config(post_hook='analyze {{ this }}') }}\nselect * from {{ ref('pkg_seed') }} limit {{ var('pkg_limit') }}",
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(manifest!.nodes['model.p.mine']!.depends_on.nodes).toEqual(['model.pkg_a.pkg_model']);
    expect(manifest!.nodes['model.pkg_a.pkg_model']!.config['post_hook']).toEqual(['analyze "postgres"."analytics_from_pkg"."pkg_model"']);
    const test = Object.values(manifest!.nodes).find((n) => n.unique_id.startsWith('test.pkg_a.not_null_pkg_model_id'))!;
    expect(test.depends_on.nodes).toEqual(['model.pkg_a.pkg_model']);
    expect(test.compiled_code).toContain('"analytics_from_pkg"."pkg_model"');
  });

  it("a package's require-dbt-version that excludes the dbt version Strata follows is a warning", async () => {
    const { code, stderr } = await compile({
      ...pkg,
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'dbt_packages/pkg_a/dbt_project.yml': 'name: pkg_a\nrequire-dbt-version: [">=2.0.0"]\nvars:\n  pkg_limit: 10\n',
    });
    expect(code).toBe(0);
    expect(stderr).toContain('dbt_packages/pkg_a/dbt_project.yml:1:1: warning[dbt-version-unsupported]');
  });

  it("ref('package', 'model') to a package that is not installed names strata deps", async () => {
    const { code, stderr } = await compile({ 'dbt_project.yml': 'name: p\nprofile: p\n', 'models/mine.sql': "select * from {{ ref('other_pkg', 'x') }}" });
    expect(code).toBe(2);
    expect(stderr).toContain('error[ref-not-found]');
  });
});

describe('generic test ids', () => {
  it('tests with the same name but other arguments or config are two tests; identical ones a duplicate-node error', async () => {
    const schema = (second: string): string =>
      `version: 2\nmodels:\n  - name: a\n    columns:\n      - name: id\n        tests:\n          - not_null\n${second}`;
    const ok = await compile({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'models/a.sql': 'select 1 as id',
      'models/schema.yml': schema('          - not_null:\n              config:\n                where: "id > 0"\n'),
    });
    expect(ok.code).toBe(0);
    const tests = Object.values(ok.manifest!.nodes).filter((n) => n.resource_type === 'test');
    expect(tests.map((t) => t.name)).toEqual(['not_null_a_id', 'not_null_a_id']);
    expect(new Set(tests.map((t) => t.unique_id)).size).toBe(2);
    const dup = await compile({ 'dbt_project.yml': 'name: p\nprofile: p\n', 'models/a.sql': 'select 1 as id', 'models/schema.yml': schema('          - not_null\n') });
    expect(dup.code).toBe(2);
    expect(dup.stderr).toContain('error[duplicate-node]');
  });
});
