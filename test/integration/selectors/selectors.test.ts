import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../helpers/databases.js';
import { dropSchema, projectFor, queryDb, strata } from '../../helpers/strata-cli.js';
import { writeTempProject } from '../../helpers/temp-project.js';

/** Names `ls` prints for a selection (sorted), or the failed result. */
async function ls(dir: string, ...args: string[]): Promise<string[]> {
  const r = await strata(['ls', '--project-dir', dir, '--output', 'name', ...args]);
  expect(r.code, r.stderr + r.stdout).toBe(0);
  return r.stdout.split('\n').map((l) => l.trim()).filter(Boolean).sort();
}

const TAGGED = {
  'strata_project.yml': 'name: t\nprofile: t\n',
  'profiles.yml': 't:\n  target: dev\n  outputs:\n    dev:\n      type: pglite\n      path: memory://\n      schema: s\n',
  'models/s1.sql': "{{ config(tags=['nightly']) }}\nselect 1 as id",
  'models/s2.sql': "{{ config(tags=['nightly', 'finance']) }}\nselect 2 as id",
  'models/s3.sql': "{{ config(tags=['finance']) }}\nselect 3 as id",
  'models/s4.sql': "select id from {{ ref('s1') }}",
  'models/schema.yml': 'version: 2\nmodels:\n  - name: s1\n    columns:\n      - name: id\n        tests: [not_null]\n',
};

const SELECTORS = `selectors:
  - name: nightly_only
    description: nightly models that are not finance
    default: true
    definition:
      union:
        - method: tag
          value: nightly
        - exclude:
            - 'tag:finance'
  - name: both
    definition:
      intersection:
        - tag: nightly
        - method: tag
          value: finance
  - name: nightly_down
    definition:
      method: tag
      value: nightly
      children: true
  - name: s1_alone
    definition:
      method: fqn
      value: s1
      indirect_selection: empty
  - name: reuse
    definition:
      union:
        - method: selector
          value: both
        - 's3'
  - name: shorthand
    definition: 'tag:finance,tag:nightly s4'
`;

describe('selectors.yml and --selector', () => {
  it('evaluates union/exclude, intersection, children, key-value, string and selector: references', async () => {
    const dir = await writeTempProject({ ...TAGGED, 'selectors.yml': SELECTORS });
    expect(await ls(dir, '--selector', 'nightly_only')).toEqual(['not_null_s1_id', 's1']);
    expect(await ls(dir, '--selector', 'both')).toEqual(['s2']);
    // children: true (tag:nightly+) reaches the test of s1 as a child, as in the graph
    expect(await ls(dir, '--selector', 'nightly_down')).toEqual(['not_null_s1_id', 's1', 's2', 's4']);
    // indirect_selection: empty leaves the not_null test of s1 out
    expect(await ls(dir, '--selector', 's1_alone')).toEqual(['s1']);
    expect(await ls(dir, '-s', 's1')).toEqual(['not_null_s1_id', 's1']);
    expect(await ls(dir, '--selector', 'reuse')).toEqual(['s2', 's3']);
    expect(await ls(dir, '--selector', 'shorthand')).toEqual(['s2', 's4']);
  });

  it('applies the default selector when no --select/--exclude/--selector is given, and not otherwise', async () => {
    const dir = await writeTempProject({ ...TAGGED, 'selectors.yml': SELECTORS });
    expect(await ls(dir)).toEqual(['not_null_s1_id', 's1']);
    expect(await ls(dir, '-s', 's3')).toEqual(['s3']);
    expect(await ls(dir, '--exclude', 's4')).toEqual(['not_null_s1_id', 's1', 's2', 's3']);
    // without selectors.yml everything is selected
    expect(await ls(await writeTempProject(TAGGED))).toEqual(['not_null_s1_id', 's1', 's2', 's3', 's4']);
  });

  it('an unknown --selector exits 2 with a did-you-mean; --selector with --select is a flag error', async () => {
    const dir = await writeTempProject({ ...TAGGED, 'selectors.yml': SELECTORS });
    const r = await strata(['ls', '--project-dir', dir, '--selector', 'nightly_onyl', '--log-format', 'json']);
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toContain('selector-invalid');
    expect(r.stdout + r.stderr).toContain("did you mean 'nightly_only'?");
    const both = await strata(['ls', '--project-dir', dir, '--selector', 'both', '-s', 's3']);
    expect(both.code).toBe(2);
    expect(both.stdout + both.stderr).toContain('--selector cannot be combined with --select');
    const none = await strata(['ls', '--project-dir', await writeTempProject(TAGGED), '--selector', 'both']);
    expect(none.code).toBe(2);
    expect(none.stdout + none.stderr).toContain('the project has no selectors.yml');
  });

  it.each([
    ['a bad method', 'selectors:\n  - name: x\n    definition:\n      method: tagg\n      value: nightly\n', 4, "did you mean 'tag'?"],
    ['an unknown key', 'selectors:\n  - name: x\n    definition:\n      method: tag\n      value: nightly\n      childern: true\n', 6, "did you mean 'children'?"],
    ['a cycle', 'selectors:\n  - name: a\n    definition:\n      method: selector\n      value: b\n  - name: b\n    definition: "selector:a"\n', 5, 'a -> b -> a'],
    ['an undefined reference', 'selectors:\n  - name: a\n    definition:\n      union:\n        - method: selector\n          value: nighty\n  - name: nightly\n    definition: tag:nightly\n', 6, "did you mean 'nightly'?"],
    ['two defaults', "selectors:\n  - name: a\n    default: true\n    definition: s1\n  - name: b\n    default: true\n    definition: s2\n", 6, 'more than one selector'],
    ['a bad CLI string', "selectors:\n  - name: a\n    definition: 'colour:red'\n", 3, "unknown selector method 'colour'"],
  ])('%s in selectors.yml is a located exit-2 error (nothing selected)', async (_what, yml, line, text) => {
    const dir = await writeTempProject({ ...TAGGED, 'selectors.yml': yml });
    const r = await strata(['ls', '--project-dir', dir, '--log-format', 'json']);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    const events = (r.stdout + r.stderr).split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const d = events.find((e) => e['code'] === 'selector-invalid');
    expect(d, r.stdout + r.stderr).toBeDefined();
    expect(d).toMatchObject({ file: 'selectors.yml', line });
    expect(JSON.stringify(d)).toContain(text);
  });
});

const BUILD_FILES = {
  'models/a.sql': "{{ config(materialized='table') }}\nselect 1 as id",
  'models/b.sql': "{{ config(materialized='table') }}\nselect id, 1 / (id - 1) as boom from {{ ref('a') }}",
  'models/c.sql': "{{ config(materialized='table') }}\nselect id from {{ ref('b') }}",
  'models/d.sql': "{{ config(materialized='table') }}\nselect id from {{ ref('a') }}",
  'models/schema.yml': 'version: 2\nmodels:\n  - name: c\n    columns:\n      - name: id\n        tests: [not_null]\n',
};

for (const db of testDatabases()) {
  describe(`result: and source_status: selectors on ${db.name}`, () => {
    const schemas: string[] = [];
    afterAll(async () => {
      for (const s of schemas) await dropSchema(db, s);
    });

    it('result:error+ after a failing build selects the failed model and its children', async () => {
      const { dir, schema } = await projectFor(db, BUILD_FILES);
      schemas.push(schema);
      const b = await strata(['build', '--project-dir', dir]);
      expect(b.code, b.stdout + b.stderr).toBe(1);
      await cp(join(dir, 'target'), join(dir, 'prev'), { recursive: true });
      expect(await ls(dir, '-s', 'result:error+', '--state', join(dir, 'prev'))).toEqual(['b', 'c', 'not_null_c_id']);
      expect(await ls(dir, '-s', 'result:error', '--state', join(dir, 'prev'))).toEqual(['b']);
      expect(await ls(dir, '-s', 'result:skipped', '--state', join(dir, 'prev'), '--resource-type', 'model')).toEqual(['c']);
      expect(await ls(dir, '-s', 'result:success', '--state', join(dir, 'prev'))).toEqual(['a', 'd']);
      // a run of only what failed, through the same selector
      await writeFile(join(dir, 'models', 'b.sql'), "{{ config(materialized='table') }}\nselect id, 1 as boom from {{ ref('a') }}");
      const again = await strata(['build', '--project-dir', dir, '-s', 'result:error+', '--state', join(dir, 'prev')]);
      expect(again.code, again.stdout + again.stderr).toBe(0);
      expect(await queryDb(db, dir, `select id from "${schema}".c`)).toEqual([{ id: 1 }]);
    });

    it('result: without run_results.json in --state, or with a bad status, exits 2 naming the file', async () => {
      const { dir, schema } = await projectFor(db, BUILD_FILES);
      schemas.push(schema);
      expect((await strata(['compile', '--project-dir', dir])).code).toBe(0);
      await cp(join(dir, 'target'), join(dir, 'prev'), { recursive: true });
      const r = await strata(['ls', '--project-dir', dir, '-s', 'result:error', '--state', join(dir, 'prev')]);
      expect(r.code).toBe(2);
      expect(r.stdout + r.stderr).toContain('state-invalid');
      expect(r.stdout + r.stderr).toContain(join(dir, 'prev', 'run_results.json'));
      const bad = await strata(['ls', '--project-dir', dir, '-s', 'result:errors', '--state', join(dir, 'prev')]);
      expect(bad.code).toBe(2);
      expect(bad.stdout + bad.stderr).toContain("did you mean 'error'?");
      const noState = await strata(['ls', '--project-dir', dir, '-s', 'result:error']);
      expect(noState.code).toBe(2);
      expect(noState.stdout + noState.stderr).toContain('--state');
    });

    it('source_status:fresher+ selects sources loaded since the --state freshness check, and what reads them', async () => {
      const { dir, schema } = await projectFor(db, {
        'seeds/raw_events.csv': 'id,loaded_at\n1,2024-01-01 10:00:00\n',
        'seeds/raw_users.csv': 'id,loaded_at\n1,2024-01-01 10:00:00\n',
        'models/sources.yml': [
          'version: 2',
          'sources:',
          '  - name: raw',
          '    schema: "{{ target.schema }}"',
          '    loaded_at_field: loaded_at',
          '    freshness: {warn_after: {count: 100000, period: day}}',
          '    tables:',
          '      - name: raw_events',
          '      - name: raw_users',
          '',
        ].join('\n'),
        'models/events.sql': "select id from {{ source('raw', 'raw_events') }}",
        'models/users.sql': "select id from {{ source('raw', 'raw_users') }}",
      });
      schemas.push(schema);
      expect((await strata(['seed', '--project-dir', dir])).code).toBe(0);
      const f1 = await strata(['source', 'freshness', '--project-dir', dir]);
      expect(f1.code, f1.stdout + f1.stderr).toBe(0);
      await cp(join(dir, 'target'), join(dir, 'prev'), { recursive: true });
      // fresher needs a current sources.json too: run the freshness check again after a load
      await queryDb(db, dir, `insert into "${schema}".raw_events values (2, '2024-01-02 10:00:00')`);
      const f2 = await strata(['source', 'freshness', '--project-dir', dir]);
      expect(f2.code, f2.stdout + f2.stderr).toBe(0);
      expect(await ls(dir, '-s', 'source_status:fresher+', '--state', join(dir, 'prev'))).toEqual(['events', 'raw.raw_events']);
      expect(await ls(dir, '-s', 'source_status:fresher', '--state', join(dir, 'prev'))).toEqual(['raw.raw_events']);
      const stale = await strata(['ls', '--project-dir', dir, '-s', 'source_status:stale', '--state', join(dir, 'prev')]);
      expect(stale.code).toBe(2);
      expect(stale.stdout + stale.stderr).toContain('source_status:fresher');
    });

    it('source_status: without sources.json in --state exits 2 naming the file', async () => {
      const { dir, schema } = await projectFor(db, BUILD_FILES);
      schemas.push(schema);
      expect((await strata(['compile', '--project-dir', dir])).code).toBe(0);
      await cp(join(dir, 'target'), join(dir, 'prev'), { recursive: true });
      const r = await strata(['ls', '--project-dir', dir, '-s', 'source_status:fresher+', '--state', join(dir, 'prev')]);
      expect(r.code).toBe(2);
      expect(r.stdout + r.stderr).toContain(join(dir, 'prev', 'sources.json'));
    });
  });
}
