import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../helpers/databases.js';
import { dropSchema, projectFor, queryDb, strata, uniqueSchema } from '../../helpers/strata-cli.js';
import { writeTempProject } from '../../helpers/temp-project.js';

const PROFILE = 't:\n  target: dev\n  outputs:\n    dev: {type: pglite, path: .strata/pglite, schema: main}\n';

/** A project whose only problem is a typo'd key: a config-unknown-key warning at schema.yml:3:5. */
const TYPO = {
  'strata_project.yml': 'name: t\nprofile: t\n',
  'profiles.yml': PROFILE,
  'models/a.sql': 'select 1 as id',
  'models/schema.yml': 'version: 2\nmodels:\n  - name: a\n    colums: []\n',
};

/** A model with one passing test and one warn-severity test that finds a row. */
const WARN_TEST = {
  'models/orders.sql': "select 1 as id, 'open' as status union all select 2, 'odd'",
  'models/schema.yml': [
    'version: 2',
    'models:',
    '  - name: orders',
    '    columns:',
    '      - name: id',
    '        data_tests: [unique]',
    '      - name: status',
    '        data_tests:',
    '          - accepted_values:',
    "              values: ['open']",
    '              config: {severity: warn}',
    '',
  ].join('\n'),
};

function logLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('--warn-error and --warn-error-options (compile-time warnings)', () => {
  it('without the flag the typo is a warning (exit 0); --warn-error makes it a located error, exit 2', async () => {
    const dir = await writeTempProject(TYPO);
    const plain = await strata(['compile', '--project-dir', dir]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).toMatch(/^models\/schema\.yml:4:5: warning\[config-unknown-key\]/m);

    for (const args of [['--warn-error', 'compile', '--project-dir', dir], ['compile', '--project-dir', dir, '--warn-error']]) {
      const r = await strata(args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^models\/schema\.yml:4:5: error\[config-unknown-key\]: unknown key 'colums'.*--warn-error/m);
    }
    // run: exit 2 before anything is sent (no data directory is created)
    const run = await strata(['run', '--project-dir', dir, '--warn-error']);
    expect(run.code, run.stderr).toBe(2);
    expect(existsSync(join(dir, '.strata', 'pglite'))).toBe(false);
  });

  it('--warn-error-options: error list promotes only the named codes; error all with warn exceptions; dbt include/exclude', async () => {
    const dir = await writeTempProject(TYPO);
    const promoted = await strata(['compile', '--project-dir', dir, '--warn-error-options', '{"error": ["config-unknown-key"]}']);
    expect(promoted.code, promoted.stderr).toBe(2);
    expect(promoted.stderr).toMatch(/error\[config-unknown-key\]/);

    const other = await strata(['compile', '--project-dir', dir, '--warn-error-options', '{"error": ["config-ignored-key"]}']);
    expect(other.code, other.stderr).toBe(0);
    expect(other.stderr).toMatch(/warning\[config-unknown-key\]/);

    const excepted = await strata(['compile', '--project-dir', dir, '--warn-error-options', '{"error": "all", "warn": ["config-unknown-key"]}']);
    expect(excepted.code, excepted.stderr).toBe(0);

    const dbtForm = await strata(['compile', '--project-dir', dir, '--warn-error-options', '{"include": "all", "exclude": ["CustomKeyInConfigDeprecation"]}']);
    expect(dbtForm.code, dbtForm.stderr).toBe(0);

    // a selection matching nothing (dbt's NoNodesForSelectionCriteria)
    const empty = await strata(['compile', '--project-dir', dir, '-s', 'nothing_here', '--warn-error-options', '{"error": ["NoNodesForSelectionCriteria"]}']);
    expect(empty.code, empty.stderr).toBe(2);
    expect(empty.stderr).toMatch(/error\[selector-invalid\]: the selection nothing_here matched no nodes/);

    const silenced = await strata(['compile', '--project-dir', dir, '--warn-error-options', '{"silence": ["config-unknown-key"]}']);
    expect(silenced.code, silenced.stderr).toBe(0);
    expect(silenced.stderr).not.toMatch(/config-unknown-key/);
  });

  it('the environment variables: DBT_WARN_ERROR and DBT_WARN_ERROR_OPTIONS; a flag wins', async () => {
    const dir = await writeTempProject(TYPO);
    const saved = { ...process.env };
    try {
      process.env['DBT_WARN_ERROR'] = 'true';
      expect((await strata(['compile', '--project-dir', dir])).code).toBe(2);
      delete process.env['DBT_WARN_ERROR'];
      process.env['DBT_WARN_ERROR_OPTIONS'] = '{"error": ["config-unknown-key"]}';
      expect((await strata(['compile', '--project-dir', dir])).code).toBe(2);
      expect((await strata(['compile', '--project-dir', dir, '--warn-error-options', '{"error": []}'])).code).toBe(0);
    } finally {
      process.env = saved;
    }
  });

  it('malformed options are flags-invalid, exit 2, before the project is read', async () => {
    const dir = await writeTempProject(TYPO);
    const cases: [string[], RegExp][] = [
      [['--warn-error-options', '{"error": ['], /error\[flags-invalid\]: --warn-error-options is not valid: not JSON/],
      [['--warn-error-options', '{"eror": []}'], /unknown key 'eror'/],
      [['--warn-error-options', '{"error": ["config-unknwn-key"]}'], /'config-unknwn-key' in 'error' is not a warning name \(did you mean 'config-unknown-key'\?\)/],
      [['--warn-error-options', '{"error": ["config-unknown-key"], "warn": ["config-ignored-key"]}'], /'warn' only applies when 'error' is "all"/],
      [['--warn-error', '--warn-error-options', '{"error": "all"}'], /cannot be used together/],
    ];
    for (const [flags, message] of cases) {
      const r = await strata(['compile', '--project-dir', dir, ...flags]);
      expect(r.code, flags.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/hint: /);
    }
    expect(existsSync(join(dir, 'target', 'manifest.json'))).toBe(false);
  });
});

describe.each(testDatabases())('run-time flags on $name', (db) => {
  const schemas: string[] = [];
  afterAll(async () => {
    for (const s of schemas) await dropSchema(db, s);
  });

  it('a warn-severity test: exit 0 and WARN normally; with --warn-error it fails the build (exit 1, fail in run_results)', async () => {
    const { dir, schema } = await projectFor(db, WARN_TEST, uniqueSchema('we'));
    schemas.push(schema);
    const plain = await strata(['build', '--project-dir', dir]);
    expect(plain.code, plain.stdout + plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(/WARN\s+test accepted_values_orders_status/);

    const strict = await strata(['build', '--project-dir', dir, '--warn-error']);
    expect(strict.code, strict.stdout + strict.stderr).toBe(1);
    expect(strict.stdout).toMatch(/FAIL\s+test accepted_values_orders_status.*--warn-error/);
    const results = JSON.parse(await readFile(join(dir, 'target', 'run_results.json'), 'utf8')) as { results: { unique_id: string; status: string }[] };
    const statuses = Object.fromEntries(results.results.map((r) => [r.unique_id.split('.')[2], r.status]));
    expect(statuses['orders']).toBe('success');
    expect(statuses['unique_orders_id']).toBe('pass');
    expect(Object.entries(statuses).find(([k]) => k!.startsWith('accepted_values'))?.[1]).toBe('fail');

    // only the named warning: config-unknown-key promoted, the warn test stays a warning
    const other = await strata(['test', '--project-dir', dir, '--warn-error-options', '{"error": ["config-unknown-key"]}']);
    expect(other.code, other.stdout + other.stderr).toBe(0);
    const byDbtName = await strata(['test', '--project-dir', dir, '--warn-error-options', '{"error": ["LogTestResult"]}']);
    expect(byDbtName.code, byDbtName.stdout + byDbtName.stderr).toBe(1);
  });

  it('--debug prints the phases and every statement with its duration; strata.log has JSON lines with node events and SQL', async () => {
    const { dir, schema } = await projectFor(db, { 'models/m.sql': 'select 42 as answer' }, uniqueSchema('dbg'));
    schemas.push(schema);
    const quiet = await strata(['run', '--project-dir', dir]);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).not.toMatch(/^debug:/m);

    const r = await strata(['--debug', 'run', '--project-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^debug: loaded project t .* in \d+ ms$/m);
    expect(r.stderr).toMatch(/^debug: compile in \d+ ms$/m);
    expect(r.stderr).toMatch(/^debug: connected \((pglite|postgres)\) in \d+ ms$/m);
    expect(r.stderr).toMatch(/^debug: SQL ok in [\d.]+ ms.*: select 1$/m);
    // the model's own statement, with the compiled SQL
    expect(r.stderr).toMatch(new RegExp(`^debug: SQL ok in [\\d.]+ ms.*create .*"${schema}"\\."m`, 'm'));
    expect(r.stderr).toMatch(/select 42 as answer/);
    expect(await queryDb<{ answer: number }>(db, dir, `select answer from "${schema}".m`)).toEqual([{ answer: 42 }]);

    const lines = logLines(await readFile(join(dir, 'logs', 'strata.log'), 'utf8'));
    // two commands appended to the same file, each with its own invocation id
    expect(new Set(lines.map((l) => l['invocation_id'])).size).toBe(2);
    for (const l of lines) {
      expect(typeof l['ts']).toBe('string');
      expect(['debug', 'info', 'warn', 'error']).toContain(l['level']);
      expect(typeof l['event']).toBe('string');
    }
    const finishes = lines.filter((l) => l['event'] === 'node_finish');
    expect(finishes.map((l) => [l['unique_id'], l['status']])).toEqual([
      ['model.t.m', 'success'],
      ['model.t.m', 'success'],
    ]);
    expect(lines.filter((l) => l['event'] === 'node_start').map((l) => l['unique_id'])).toEqual(['model.t.m', 'model.t.m']);
    // SQL is recorded at debug level even for the run without --debug
    const sql = lines.filter((l) => l['event'] === 'sql_statement');
    expect(sql.every((l) => l['level'] === 'debug' && typeof l['duration_ms'] === 'number')).toBe(true);
    const firstRun = lines[0]!['invocation_id'];
    expect(sql.some((l) => l['invocation_id'] === firstRun && String(l['sql']).includes('select 42 as answer'))).toBe(true);
  });

  it('--log-path and the project file log-path choose where strata.log goes', async () => {
    const { dir, schema } = await projectFor(db, { 'models/m.sql': 'select 1 as x', 'strata_project.yml': 'name: t\nprofile: t\nlog-path: out/logs\n' }, uniqueSchema('lp'));
    schemas.push(schema);
    expect((await strata(['compile', '--project-dir', dir])).code).toBe(0);
    expect(existsSync(join(dir, 'out', 'logs', 'strata.log'))).toBe(true);
    expect(existsSync(join(dir, 'logs'))).toBe(false);
    const other = join(dir, 'elsewhere');
    expect((await strata(['compile', '--project-dir', dir, '--log-path', other])).code).toBe(0);
    const lines = logLines(await readFile(join(other, 'strata.log'), 'utf8'));
    expect(lines.some((l) => l['event'] === 'info' && String(l['message']).startsWith('Compiled '))).toBe(true);
  });

  it('source freshness and its old spelling source-freshness run the same check', async () => {
    const { dir, schema } = await projectFor(
      db,
      {
        'models/events.sql': "select now() - interval '2 hours' as loaded_at",
        'models/schema.yml': [
          'version: 2',
          'models:',
          '  - name: events',
          '    config:',
          '      loaded_at_field: loaded_at',
          '      freshness: {warn_after: {count: 1, period: hour}}',
          '',
        ].join('\n'),
      },
      uniqueSchema('fr'),
    );
    schemas.push(schema);
    expect((await strata(['run', '--project-dir', dir])).code).toBe(0);
    for (const spelling of [['source', 'freshness'], ['source-freshness']]) {
      const r = await strata([...spelling, '--project-dir', dir]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/1 of 1 WARN\s+model\.t\.events/);
      const sources = JSON.parse(await readFile(join(dir, 'target', 'sources.json'), 'utf8')) as { results: { unique_id: string; status: string }[] };
      expect(sources.results.map((x) => [x.unique_id, x.status])).toEqual([['model.t.events', 'warn']]);
    }
    const strict = await strata(['source', 'freshness', '--project-dir', dir, '--warn-error']);
    expect(strict.code, strict.stdout + strict.stderr).toBe(1);
    expect(strict.stdout).toMatch(/1 of 1 ERROR\s+model\.t\.events.*--warn-error/);
  });
});

describe('strata parse', () => {
  it('writes target/manifest.json with the models and never connects (the profile points at a closed port)', async () => {
    const dir = await writeTempProject({
      'strata_project.yml': 'name: t\nprofile: t\n',
      // nothing listens on port 1: any connection attempt would fail the command
      'profiles.yml': 't:\n  target: dev\n  outputs:\n    dev: {type: postgres, host: 127.0.0.1, port: 1, user: nobody, dbname: none, schema: s}\n',
      'models/stg.sql': 'select 1 as id',
      'models/orders.sql': "select * from {{ ref('stg') }}",
      'models/schema.yml': 'version: 2\nmodels:\n  - name: orders\n    columns:\n      - name: id\n        data_tests: [not_null]\n',
    });
    const r = await strata(['parse', '--project-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Parsed \d+ nodes .*manifest\.json$/m);
    const manifest = JSON.parse(await readFile(join(dir, 'target', 'manifest.json'), 'utf8')) as {
      nodes: Record<string, { resource_type: string; depends_on: { nodes: string[] } }>;
    };
    expect(manifest.nodes['model.t.orders']?.depends_on.nodes).toEqual(['model.t.stg']);
    expect(manifest.nodes['model.t.stg']?.resource_type).toBe('model');
    expect(Object.values(manifest.nodes).filter((n) => n.resource_type === 'test')).toHaveLength(1);
    expect(existsSync(join(dir, 'target', 'compiled'))).toBe(false);
    const perf = JSON.parse(await readFile(join(dir, 'target', 'perf_info.json'), 'utf8')) as { path_count: number };
    expect(perf.path_count).toBeGreaterThan(0);
    // the same profile makes a connecting command fail: the port really is closed
    const run = await strata(['run', '--project-dir', dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/connection-failed/);
  });

  it('exit 2 with the located error for a broken ref; nothing written', async () => {
    const dir = await writeTempProject({
      'strata_project.yml': 'name: t\nprofile: t\n',
      'profiles.yml': PROFILE,
      'models/orders.sql': "select 1 as id\nfrom {{ ref('stg_order') }}",
      'models/stg_orders.sql': 'select 1 as id',
    });
    const r = await strata(['parse', '--project-dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^models\/orders\.sql:2:\d+: error\[ref-not-found\]/m);
    expect(r.stderr).toMatch(/did you mean 'stg_orders'/);
    expect(existsSync(join(dir, 'target', 'manifest.json'))).toBe(false);
    // the failed command is logged too
    const lines = logLines(await readFile(join(dir, 'logs', 'strata.log'), 'utf8'));
    expect(lines.some((l) => l['event'] === 'diagnostic' && l['code'] === 'ref-not-found' && l['file'] === 'models/orders.sql')).toBe(true);
  });
});
