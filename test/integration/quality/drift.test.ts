import { afterAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../helpers/databases.js';
import { dropSchema, projectFor, queryDb, strata } from '../../helpers/strata-cli.js';
import { runResults } from './helpers.js';

// Baseline: v uniform on 1..1000, cat a/b/c with shares 0.5/0.3/0.2.
// Shifted:  v uniform on 101..1100, cat shares 0.3/0.3/0.4.
const MODEL =
  "{{ config(materialized='table') }}\n" +
  "{% set s = var('shift', false) %}\n" +
  'select cast(g + {{ 100 if s else 0 }} as float8) as v,\n' +
  "  case when g <= {{ 300 if s else 500 }} then 'a' when g <= {{ 600 if s else 800 }} then 'b' else 'c' end as cat\n" +
  'from generate_series(1, 1000) g';

interface ReportColumn {
  column: string;
  drift: { psi: number; ks: number | null; status: string } | null;
}

/**
 * Independent expectations (not from Strata's code):
 * - KS: the CDFs of U{1..1000} and U{101..1100} differ by at most 100/1000 = 0.1 (reached at 100).
 * - PSI over the baseline deciles (edges 100.9, 200.8, …, 900.1 by linear-interpolated
 *   percentiles): baseline shares 0.1 each; shifted shares 0 (smoothed to 1e-4), 0.1 × 8, 0.2.
 *   PSI = (1e-4 − 0.1)·ln(1e-4/0.1) + (0.2 − 0.1)·ln(0.2/0.1).
 * - categorical PSI = (0.3 − 0.5)·ln(0.3/0.5) + 0 + (0.4 − 0.2)·ln(0.4/0.2).
 */
const EXPECTED_PSI_V = (1e-4 - 0.1) * Math.log(1e-4 / 0.1) + (0.2 - 0.1) * Math.log(0.2 / 0.1);
const EXPECTED_PSI_CAT = (0.3 - 0.5) * Math.log(0.3 / 0.5) + (0.4 - 0.2) * Math.log(0.4 / 0.2);
const EXPECTED_KS_V = 0.1;

function report(stdout: string): Map<string, ReportColumn> {
  const line = stdout.split('\n').find((l) => l.startsWith('{'))!;
  const body = JSON.parse(line) as { columns: ReportColumn[] };
  return new Map(body.columns.map((c) => [c.column, c]));
}

for (const db of testDatabases()) {
  describe(`drift baselines on ${db.name}`, () => {
    const schemas: string[] = [];
    afterAll(async () => {
      for (const s of schemas) await dropSchema(db, s);
      if (db.name === 'postgres') {
        for (const s of schemas) await queryDb(db, '', 'delete from strata_meta.quality_baselines where schema_name = $1', [s]).catch(() => undefined);
      }
    });

    it('stores a baseline, computes PSI and KS matching independent values, holds back drifted data', async () => {
      const { dir, schema } = await projectFor(db, {
        'models/feat.sql': MODEL,
        'models/schema.yml': 'version: 2\nmodels:\n  - name: feat\n    tests:\n      - drift: {columns: [v, cat]}\n',
      });
      schemas.push(schema);
      // No baseline yet: a warning that says what to do, not a failure.
      const first = await strata(['build', '--project-dir', dir]);
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/WARN\s+test drift_feat_.*no drift baseline for .*feat: run `strata quality baseline --select feat`/);

      const b = await strata(['quality', 'baseline', 'feat', '--project-dir', dir]);
      expect(b.code).toBe(0);
      expect(b.stdout).toContain(`Baseline stored for ${schema}.feat: 2 columns, 1000 rows`);
      const stored = await queryDb<{ column_name: string; kind: string }>(db, dir, 'select column_name, kind from strata_meta.quality_baselines where schema_name = $1 order by 1', [schema]);
      expect(stored).toEqual([
        { column_name: 'cat', kind: 'categorical' },
        { column_name: 'v', kind: 'numeric' },
      ]);

      const same = report((await strata(['quality', 'report', 'feat', '--project-dir', dir, '--log-format', 'json'])).stdout);
      expect(same.get('v')!.drift).toMatchObject({ psi: 0, ks: 0, status: 'pass' });
      expect(same.get('cat')!.drift).toMatchObject({ psi: 0, ks: null, status: 'pass' });

      // Drifted data is held back by the drift test (write-audit-publish).
      const held = await strata(['build', '--project-dir', dir, '--vars', '{shift: true}']);
      expect(held.code).toBe(1);
      expect(held.stdout).toMatch(/held back by write-audit-publish: 1 of 1 audit test failed \(drift_feat_.*v psi=0\.759 ks=0\.100/);
      expect(await queryDb<{ m: number }>(db, dir, `select max(v) as m from "${schema}".feat`)).toEqual([{ m: 1000 }]);

      // Published without auditing (run), the report and the test see the drift.
      expect((await strata(['run', '--project-dir', dir, '--vars', '{shift: true}'])).code).toBe(0);
      const drifted = report((await strata(['quality', 'report', 'feat', '--project-dir', dir, '--log-format', 'json'])).stdout);
      expect(drifted.get('v')!.drift!.psi).toBeCloseTo(EXPECTED_PSI_V, 9);
      expect(drifted.get('v')!.drift!.ks).toBeCloseTo(EXPECTED_KS_V, 9);
      expect(drifted.get('v')!.drift!.status).toBe('fail');
      expect(drifted.get('cat')!.drift!.psi).toBeCloseTo(EXPECTED_PSI_CAT, 9);
      expect(drifted.get('cat')!.drift!.status).toBe('warn');
      const t = await strata(['test', '--project-dir', dir]);
      expect(t.code).toBe(1);
      const res = await runResults(dir);
      const drift = Object.values(res).find((r) => r.unique_id.startsWith('test.t.drift_feat'))!;
      expect(drift).toMatchObject({ status: 'fail', failures: 2 });

      // Configurable thresholds: psi_error above both values turns the failure into a warning.
      const { writeFile } = await import('node:fs/promises');
      const { join } = await import('node:path');
      await writeFile(join(dir, 'models', 'schema.yml'), 'version: 2\nmodels:\n  - name: feat\n    tests:\n      - drift: {columns: [v, cat], psi_warn: 0.3, psi_error: 0.8}\n');
      const relaxed = await strata(['test', '--project-dir', dir]);
      expect(relaxed.code).toBe(0);
      expect(relaxed.stdout).toMatch(/WARN\s+test drift_feat_.*moderate drift: v psi=0\.759/);
    });

    it('a drift test with psi_warn above psi_error is a located config error (exit 2)', async () => {
      const { dir, schema } = await projectFor(db, {
        'models/feat.sql': MODEL,
        'models/schema.yml': 'version: 2\nmodels:\n  - name: feat\n    columns:\n      - name: v\n        tests:\n          - drift: {psi_warn: 0.5, psi_error: 0.2}\n',
      });
      schemas.push(schema);
      const r = await strata(['build', '--project-dir', dir]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('models/schema.yml:7');
      expect(r.stderr).toContain('drift: psi_warn (0.5) is above psi_error (0.2)');
    });
  });
}
