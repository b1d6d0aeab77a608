import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../helpers/databases.js';
import { dropSchema, projectFor, strata } from '../../helpers/strata-cli.js';
import { runResults } from './helpers.js';

// 100 rows with known statistics: id 1..100 (mean 50.5, sample stddev 29.0115), x null on every
// 10th row (null rate 0.1), grp = id % 4 (4 classes), flag true on every 4th row (share 0.25),
// y: 5 outliers (1000) among values 0..9, double_id = 2 * id (correlation 1 with id).
const MODEL =
  "{{ config(materialized='table') }}\n" +
  'select g as id, case when g % 10 = 0 then null else g end as x, g % 4 as grp, (g % 4 = 0) as flag,\n' +
  '  case when g <= 5 then 1000 else g % 10 end as y, 2 * g as double_id\nfrom generate_series(1, 100) g';

const t = (test: string, name: string, args: string): string => `          - {test_name: ${test}, name: ${name}${args ? `, ${args}` : ''}}`;

const SCHEMA_YML = [
  'version: 2',
  'models:',
  '  - name: m',
  '    tests:',
  '      - {test_name: max_correlation, name: corr_fail, columns: [id, double_id], max: 0.9}',
  '      - {test_name: max_correlation, name: corr_pass, columns: [id, grp, y], max: 0.9}',
  '    columns:',
  '      - name: x',
  '        tests:',
  t('null_rate', 'null_rate_pass', 'max: 0.1'),
  t('null_rate', 'null_rate_fail', 'max: 0.05'),
  '      - name: id',
  '        tests:',
  t('values_between', 'between_pass', 'min_value: 1, max_value: 100'),
  t('values_between', 'between_fail', 'min_value: 1, max_value: 50'),
  t('values_between', 'between_exclusive_fail', 'min_value: 1, max_value: 100, inclusive: false'),
  t('mean_between', 'mean_pass', 'min_value: 50, max_value: 51'),
  t('mean_between', 'mean_fail', 'min_value: 60'),
  t('stdev_between', 'stdev_pass', 'min_value: 29, max_value: 29.1'),
  t('stdev_between', 'stdev_fail', 'max_value: 10'),
  t('proportion_unique_between', 'unique_share_pass', 'min_value: 1'),
  '      - name: grp',
  '        tests:',
  t('proportion_unique_between', 'unique_share_fail', 'min_value: 0.5'),
  '      - name: y',
  '        tests:',
  t('outlier_rate', 'iqr_pass', 'method: iqr, max: 0.05'),
  t('outlier_rate', 'iqr_fail', 'method: iqr, max: 0.04'),
  t('outlier_rate', 'zscore_fail', 'method: zscore, threshold: 2, max: 0.01'),
  '      - name: flag',
  '        tests:',
  t('class_balance', 'balance_pass', 'min_share: 0.25'),
  t('class_balance', 'balance_fail', 'min_share: 0.3'),
  '',
].join('\n');

for (const db of testDatabases()) {
  describe(`data-quality tests on ${db.name}`, () => {
    const schemas: string[] = [];
    afterAll(async () => {
      for (const s of schemas) await dropSchema(db, s);
    });

    it('each test passes and fails where it should; strata test exits 1 and writes JUnit XML', async () => {
      const { dir, schema } = await projectFor(db, { 'models/m.sql': MODEL, 'models/schema.yml': SCHEMA_YML });
      schemas.push(schema);
      expect((await strata(['run', '--project-dir', dir])).code).toBe(0);
      const r = await strata(['test', '--project-dir', dir, '--junit-xml', 'target/junit.xml'.replace(/^/, `${dir}/`)]);
      expect(r.code).toBe(1);
      const res = await runResults(dir);
      const status = (name: string): string | undefined => res[`test.t.${name}`]?.status;
      for (const name of ['null_rate', 'between', 'mean', 'stdev', 'unique_share', 'iqr', 'balance', 'corr']) {
        expect([name, status(`${name}_pass`)]).toEqual([name, 'pass']);
        expect([name, status(`${name}_fail`)]).toEqual([name, 'fail']);
      }
      expect(status('between_exclusive_fail')).toBe('fail');
      expect(status('zscore_fail')).toBe('fail');
      // Row-level test: one failing row per value outside the range.
      expect(res['test.t.between_fail']!.failures).toBe(50);
      expect(res['test.t.between_exclusive_fail']!.failures).toBe(2);
      expect(res['test.t.balance_fail']!.failures).toBe(1);
      expect(res['test.t.corr_fail']!.failures).toBe(1);
      expect(Object.values(res).filter((x) => x.unique_id.startsWith('test.'))).toHaveLength(18);
      const xml = await readFile(join(dir, 'target', 'junit.xml'), 'utf8');
      expect(xml).toMatch(/<testsuites name="strata test" tests="18" failures="10" errors="0" skipped="0"/);
      expect(xml).toMatch(/<testcase classname="model\.t\.m" name="mean_fail" file="models\/schema\.yml" time="[\d.]+">\n\s+<failure type="fail" message="1 failing row">/);
      expect(xml).toMatch(/<testcase classname="model\.t\.m" name="mean_pass" file="models\/schema\.yml" time="[\d.]+"\/>/);
    });

    it('bad arguments are located config errors (exit 2, nothing sent to the database)', async () => {
      const { dir, schema } = await projectFor(db, {
        'models/m.sql': MODEL,
        'models/schema.yml': 'version: 2\nmodels:\n  - name: m\n    columns:\n      - name: x\n        tests:\n          - null_rate: {max: lots}\n',
      });
      schemas.push(schema);
      const r = await strata(['test', '--project-dir', dir]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('models/schema.yml:7');
      expect(r.stderr).toContain('test-invalid');
      expect(r.stderr).toContain(`null_rate: 'max' must be a number between 0 and 1, got "lots"`);
    });
  });
}
