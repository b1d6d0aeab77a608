import { createHash } from 'node:crypto';
import { utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFiles } from './load-helpers.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('file discovery', () => {
  it('sorts files into their categories with project-relative posix paths and hashes', async () => {
    const p = await loadFiles({
      'dbt_project.yml': 'name: shop\nanalysis-paths: [analysis]\n',
      'models/staging/stg_b.sql': 'select 2',
      'models/staging/stg_a.sql': 'select 1',
      'models/marts/orders.sql': 'select 3',
      'models/marts/orders.py': 'def model(dbt, session): pass',
      'models/docs.md': '{% docs orders %}Orders{% enddocs %}',
      'models/readme.txt': 'ignored',
      'macros/cents.sql': '{% macro cents(x) %}{{ x }}/100{% endmacro %}',
      'macros/docs.md': '{% docs m %}x{% enddocs %}',
      'snapshots/orders_snapshot.sql': '{% snapshot s %}select 1{% endsnapshot %}',
      'tests/assert_positive.sql': 'select 1 where false',
      'tests/generic/is_even.sql': '{% test is_even(model, column_name) %}select 1{% endtest %}',
      'analysis/adhoc.sql': 'select 4',
      'seeds/countries.csv': 'id,name\n1,NL\n',
      'seeds/nested/regions.csv': 'id\n1\n',
    });
    const paths = (xs: readonly { path: string }[]) => xs.map((x) => x.path);
    expect(paths(p.models)).toEqual(['models/marts/orders.sql', 'models/staging/stg_a.sql', 'models/staging/stg_b.sql']);
    expect(paths(p.macros)).toEqual(['macros/cents.sql', 'tests/generic/is_even.sql']);
    expect(paths(p.docs)).toEqual(['macros/docs.md', 'models/docs.md']);
    expect(paths(p.snapshots)).toEqual(['snapshots/orders_snapshot.sql']);
    expect(paths(p.tests)).toEqual(['tests/assert_positive.sql']);
    expect(paths(p.analyses)).toEqual(['analysis/adhoc.sql']);
    expect(paths(p.seeds)).toEqual(['seeds/countries.csv', 'seeds/nested/regions.csv']);
    expect(p.models[1]).toEqual({ path: 'models/staging/stg_a.sql', contents: 'select 1', hash: sha('select 1') });
    expect(p.seeds[0]).toEqual({ path: 'seeds/countries.csv', hash: sha('id,name\n1,NL\n') });
  });

  it('skips target/, node_modules/, .strata/ and dot-directories', async () => {
    const p = await loadFiles({
      'dbt_project.yml': 'name: shop\nmodel-paths: ["."]\n',
      'a.sql': 'select 1',
      'target/compiled/a.sql': 'select 1',
      'node_modules/pkg/b.sql': 'select 1',
      'models/node_modules/c.sql': 'select 1',
      '.strata/x.sql': 'select 1',
      '.git/y.sql': 'select 1',
      'sub/.hidden/z.sql': 'select 1',
      'sub/ok.sql': 'select 1',
    });
    expect(p.models.map((m) => m.path)).toEqual(['a.sql', 'sub/ok.sql']);
  });

  it('skips a custom target-path and ignores missing resource directories', async () => {
    const p = await loadFiles({
      'dbt_project.yml': 'name: shop\nmodel-paths: [models, does_not_exist]\ntarget-path: models/out\n',
      'models/a.sql': 'select 1',
      'models/out/a.sql': 'select 1',
    });
    expect(p.models.map((m) => m.path)).toEqual(['models/a.sql']);
  });

  it('hashes seeds over 1 MiB by size and mtime', async () => {
    const p0 = await loadFiles({ 'dbt_project.yml': 'name: shop\n', 'seeds/big.csv': 'x' });
    const file = path.join(p0.root, 'seeds', 'big.csv');
    await writeFile(file, 'a,b\n'.repeat(300_000));
    await utimes(file, 1_700_000_000, 1_700_000_000);
    const { loadProject } = await import('../../../src/project/index.js');
    const p1 = await loadProject({ projectDir: p0.root, env: { HOME: p0.root } });
    expect(p1.seeds[0]?.hash).toBe(sha(`size:1200000;mtime:${1_700_000_000_000}`));
  });
});
