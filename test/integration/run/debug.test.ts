import { describe, expect, it } from 'vitest';
import { testDatabases } from '../../helpers/databases.js';
import { projectFor, strata } from '../../helpers/strata-cli.js';

for (const db of testDatabases()) {
  describe(`debug on ${db.name}`, () => {
    it('shows the target and connects', async () => {
      const { dir, schema } = await projectFor(db, { 'models/a.sql': 'select 1 as x' });
      const r = await strata(['debug', '--project-dir', dir]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`(schema ${schema}`);
      expect(r.stdout).toMatch(/connection: OK \(\d+ ms\) PostgreSQL \d+/);
      expect(r.stdout).toContain(db.name === 'pglite' ? 'PGlite' : 'on x86_64');
    });
  });
}

describe('debug with an unreachable server', () => {
  it('fails with connection-failed and exit 2', async () => {
    const { writeTempProject } = await import('../../helpers/temp-project.js');
    const dir = await writeTempProject({
      'strata_project.yml': 'name: t\nprofile: t\n',
      'profiles.yml': 't:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n      host: 127.0.0.1\n      port: 1\n      user: u\n      dbname: d\n      schema: s\n',
    });
    const r = await strata(['debug', '--project-dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error[connection-failed]: cannot connect to postgres://u@127.0.0.1:1/d');
  });
});
