import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeTempProject } from '../../helpers/temp-project.js';
import { loadErrors, loadFiles } from './load-helpers.js';

const PROJECT = { 'dbt_project.yml': 'name: shop\n' };

const PROFILES = `shop:
  target: dev
  outputs:
    dev:
      type: postgres
      host: localhost
      user: analyst
      pass: secret
      database: analytics
      schema: dev_schema
      keepalives_idle: 0
    prod:
      type: postgres
      host: db.internal
      port: 6543
      user: etl
      password: hunter2
      dbname: warehouse
      schema: prod
      threads: 8
      sslmode: require
      online_store: {type: redis, url: "redis://cache:6379/0"}
    local:
      type: pglite
      path: data/pg
      threads: 4
    mem:
      type: pglite
      path: memory://
      online_store: {type: postgres}
`;

describe('profiles', () => {
  it('uses the embedded pglite default when there is no profiles.yml', async () => {
    const p = await loadFiles(PROJECT);
    expect(p.target).toEqual({
      type: 'pglite', name: 'dev', profileName: 'shop', path: path.join(p.root, '.strata', 'pglite'),
      dbname: 'postgres', schema: 'public', threads: 1, origin: 'default',
    });
  });

  it("reads the profile's default target with dbt field aliases and defaults", async () => {
    const p = await loadFiles({ ...PROJECT, 'profiles.yml': PROFILES });
    expect(p.target).toEqual({
      type: 'postgres', name: 'dev', profileName: 'shop', host: 'localhost', port: 5432, user: 'analyst',
      password: 'secret', dbname: 'analytics', schema: 'dev_schema', threads: 4,
      origin: path.join(p.root, 'profiles.yml'),
    });
  });

  it('--target chooses another output (with sslmode, port, threads, online store)', async () => {
    const p = await loadFiles({ ...PROJECT, 'profiles.yml': PROFILES }, { target: 'prod' });
    expect(p.target).toMatchObject({
      type: 'postgres', name: 'prod', host: 'db.internal', port: 6543, password: 'hunter2', dbname: 'warehouse',
      threads: 8, sslmode: 'require', onlineStore: { type: 'redis', url: 'redis://cache:6379/0' },
    });
  });

  it('STRATA_REDIS_URL overrides a redis online store URL', async () => {
    const p = await loadFiles({ ...PROJECT, 'profiles.yml': PROFILES }, { target: 'prod', env: { STRATA_REDIS_URL: 'redis://other:1/2' } });
    expect(p.target.onlineStore).toEqual({ type: 'redis', url: 'redis://other:1/2' });
  });

  it('resolves pglite paths against the project and forces one thread', async () => {
    const p = await loadFiles({ ...PROJECT, 'profiles.yml': PROFILES }, { target: 'local' });
    expect(p.target).toMatchObject({ type: 'pglite', path: path.join(p.root, 'data', 'pg'), threads: 1, schema: 'public', dbname: 'postgres' });
    const m = await loadFiles({ ...PROJECT, 'profiles.yml': PROFILES }, { target: 'mem' });
    expect(m.target).toMatchObject({ type: 'pglite', path: 'memory://', onlineStore: { type: 'postgres' } });
  });

  it('searches --profiles-dir, then the project dir, then ~/.strata', async () => {
    const one = (schema: string) => `shop:\n  target: t\n  outputs:\n    t: {type: pglite, schema: ${schema}}\n`;
    const home = await writeTempProject({ '.strata/profiles.yml': one('from_home') });
    const elsewhere = await writeTempProject({ 'profiles.yml': one('from_dir') });
    const withAll = await loadFiles({ ...PROJECT, 'profiles.yml': one('from_project') }, { profilesDir: elsewhere, env: { HOME: home } });
    expect(withAll.target.schema).toBe('from_dir');
    expect(withAll.target.origin).toBe(path.join(elsewhere, 'profiles.yml'));
    const projectOnly = await loadFiles({ ...PROJECT, 'profiles.yml': one('from_project') }, { env: { HOME: home } });
    expect(projectOnly.target.schema).toBe('from_project');
    const homeOnly = await loadFiles(PROJECT, { env: { HOME: home } });
    expect(homeOnly.target.schema).toBe('from_home');
    expect(homeOnly.target.origin).toBe(path.join(home, '.strata', 'profiles.yml'));
  });

  it('uses the project profile: key to pick the profile', async () => {
    const p = await loadFiles({
      'dbt_project.yml': 'name: shop\nprofile: warehouse\n',
      'profiles.yml': 'warehouse:\n  outputs:\n    only: {type: pglite, schema: wh}\n',
    });
    // A single output needs no `target:`.
    expect(p.target).toMatchObject({ name: 'only', profileName: 'warehouse', schema: 'wh' });
  });

  it('STRATA_DATABASE_URL overrides the whole target', async () => {
    const p = await loadFiles(
      { ...PROJECT, 'profiles.yml': PROFILES },
      { env: { STRATA_DATABASE_URL: 'postgres://u%40x:p%23w@pg.example:5433/shopdb?schema=marts&sslmode=disable' } },
    );
    expect(p.target).toEqual({
      type: 'postgres', name: 'dev', profileName: 'shop', host: 'pg.example', port: 5433, user: 'u@x', password: 'p#w',
      dbname: 'shopdb', schema: 'marts', threads: 4, sslmode: 'disable', origin: 'env:STRATA_DATABASE_URL',
    });
  });

  it("takes the env URL's schema from the profile, else public", async () => {
    const url = { STRATA_DATABASE_URL: 'postgresql://u@h/db' };
    const withProfile = await loadFiles({ ...PROJECT, 'profiles.yml': PROFILES }, { env: url });
    expect(withProfile.target).toMatchObject({ type: 'postgres', schema: 'dev_schema', port: 5432, dbname: 'db' });
    const without = await loadFiles(PROJECT, { env: url });
    expect(without.target).toMatchObject({ type: 'postgres', schema: 'public', name: 'dev', origin: 'env:STRATA_DATABASE_URL' });
  });

  it('rejects a non-postgres STRATA_DATABASE_URL', async () => {
    const ds = await loadErrors(PROJECT, { env: { STRATA_DATABASE_URL: 'mysql://x@y/z' } });
    expect(ds).toEqual([expect.objectContaining({ code: 'profile-invalid' })]);
  });

  it("renders {{ env_var() }} with defaults and as_number", async () => {
    const p = await loadFiles(
      {
        ...PROJECT,
        'profiles.yml': `shop:
  target: dev
  outputs:
    dev:
      type: postgres
      host: "{{ env_var('PGHOST', 'localhost') }}"
      port: "{{ env_var('PGPORT') | as_number }}"
      user: "{{ env_var('PGUSER') }}"
      password: "{{ env_var(\\"PGPASSWORD\\", '') }}"
      dbname: "db_{{ env_var('STAGE', 'dev') }}"
      threads: "{{ env_var('THREADS', '2') }}"
`,
      },
      { env: { PGPORT: '6000', PGUSER: 'me' } },
    );
    expect(p.target).toMatchObject({ host: 'localhost', port: 6000, user: 'me', password: '', dbname: 'db_dev', threads: 2 });
  });

  it('reports env-var-undefined at the line of the value', async () => {
    const ds = await loadErrors({
      ...PROJECT,
      'profiles.yml': "shop:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n      host: h\n      user: \"{{ env_var('DB_USER') }}\"\n      dbname: d\n",
    });
    expect(ds).toEqual([expect.objectContaining({ code: 'env-var-undefined', file: 'profiles.yml', line: 7, col: 13 })]);
  });

  it('reports profile-not-found with did-you-mean', async () => {
    const ds = await loadErrors({ 'dbt_project.yml': 'name: shop\nprofile: shopp\n', 'profiles.yml': PROFILES });
    expect(ds).toEqual([expect.objectContaining({ code: 'profile-not-found', file: 'profiles.yml', hint: "did you mean 'shop'?" })]);
  });

  it('reports target-not-found listing the targets', async () => {
    const ds = await loadErrors({ ...PROJECT, 'profiles.yml': PROFILES }, { target: 'prd' });
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ code: 'target-not-found', file: 'profiles.yml', line: 3, hint: "did you mean 'prod'?" });
    expect(ds[0]?.message).toContain('dev, prod, local, mem');
  });

  it("reports target-not-found at the profile's target: line", async () => {
    const ds = await loadErrors({ ...PROJECT, 'profiles.yml': 'shop:\n  outputs:\n    a: {type: pglite}\n    b: {type: pglite}\n  target: c\n' });
    expect(ds).toEqual([expect.objectContaining({ code: 'target-not-found', line: 5, col: 11 })]);
  });

  it('reports profile-invalid with file:line for bad field types', async () => {
    const ds = await loadErrors({
      ...PROJECT,
      'profiles.yml': 'shop:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n      host: h\n      user: u\n      dbname: d\n      port: [1]\n      threads: -2\n',
    });
    expect(ds.map((d) => [d.code, d.file, d.line])).toEqual([
      ['profile-invalid', 'profiles.yml', 9],
      ['profile-invalid', 'profiles.yml', 10],
    ]);
  });

  it('reports profile-invalid for missing fields and unsupported types', async () => {
    const missing = await loadErrors({ ...PROJECT, 'profiles.yml': 'shop:\n  outputs:\n    dev:\n      type: postgres\n      user: u\n      dbname: d\n' });
    expect(missing).toEqual([expect.objectContaining({ code: 'profile-invalid', line: 4 })]);
    expect(missing[0]?.message).toMatch(/host/);
    const type = await loadErrors({ ...PROJECT, 'profiles.yml': 'shop:\n  outputs:\n    dev:\n      type: postgress\n' });
    expect(type).toEqual([expect.objectContaining({ code: 'profile-invalid', line: 4, col: 13, hint: "did you mean 'postgres'?" })]);
    const redis = await loadErrors({ ...PROJECT, 'profiles.yml': 'shop:\n  outputs:\n    dev:\n      type: pglite\n      online_store:\n        type: redis\n' });
    expect(redis).toEqual([expect.objectContaining({ code: 'profile-invalid', line: 6 })]);
  });
});
