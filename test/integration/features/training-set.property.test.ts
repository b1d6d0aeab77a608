import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarehouseAdapter } from '../../../src/adapters/warehouse-adapter.js';
import { buildTrainingSet, type PitApproach } from '../../../src/features/index.js';
import { adapterFor } from '../../helpers/adapter-for.js';
import { testDatabases } from '../../helpers/databases.js';
import { uniqueSchema } from '../../helpers/strata-cli.js';
import { entRows, featRows, loadData, reference, registryFor, type EntRow, type FeatRow } from './fixture.js';

async function trainingRows(db: WarehouseAdapter, schema: string, approach: PitApproach): Promise<Record<string, string | null>[]> {
  const rows: Record<string, string | null>[] = [];
  await buildTrainingSet(
    db,
    registryFor(schema),
    { entities: { kind: 'sql', sql: `select id, k, event_timestamp from "${schema}".ents order by id` }, features: 'fv:a,fv:b', approach, profile: false },
    { kind: 'rows', batchSize: 7, onBatch: (b) => void rows.push(...b) },
  );
  return rows;
}

function expected(feats: readonly FeatRow[], ents: readonly EntRow[]): Record<string, string | null>[] {
  return ents.map((e) => {
    const r = reference(feats, e.k, e.h);
    const s = (v: number | null | undefined): string | null => (v === null || v === undefined ? null : String(v));
    return { a: s(r?.a), b: s(r?.b) };
  });
}

for (const dbInfo of testDatabases()) {
  describe(`point-in-time training sets (${dbInfo.name})`, () => {
    let db: WarehouseAdapter;
    const schema = uniqueSchema('feat');
    beforeAll(async () => {
      db = await adapterFor(dbInfo, schema);
      await db.query(`create schema "${schema}"`);
    });
    afterAll(async () => {
      await db.query(`drop schema if exists "${schema}" cascade`);
      await db.close();
    });

    it('matches a brute-force reference (TTL edges, equal timestamps, missing entities, no future rows)', async () => {
      await fc.assert(
        fc.asyncProperty(featRows, entRows, async (feats, ents) => {
          await loadData(db, schema, feats, ents);
          const got = await trainingRows(db, schema, 'lateral');
          expect(got.map((r) => r['id'])).toEqual(ents.map((e) => String(e.id)));
          expect(got.map((r) => ({ a: r['fv__a'] ?? null, b: r['fv__b'] ?? null }))).toEqual(expected(feats, ents));
        }),
        { numRuns: dbInfo.name === 'pglite' ? 40 : 60 },
      );
    });

    it('the ROW_NUMBER and correlated-subquery formulations give identical results', async () => {
      await fc.assert(
        fc.asyncProperty(featRows, entRows, async (feats, ents) => {
          await loadData(db, schema, feats, ents);
          const lateral = await trainingRows(db, schema, 'lateral');
          expect(await trainingRows(db, schema, 'row_number')).toEqual(lateral);
          expect(await trainingRows(db, schema, 'correlated')).toEqual(lateral);
        }),
        { numRuns: 15 },
      );
    });

    it('never uses a row from after the entity timestamp, even one second after', async () => {
      const feats: FeatRow[] = [{ k: 1, h: 5, a: 1, b: 0 }];
      await loadData(db, schema, feats, [{ id: 0, k: 1, h: 5 }, { id: 1, k: 1, h: 4 }]);
      await db.query(`update "${schema}".ents set event_timestamp = event_timestamp + interval '59 minutes 59 seconds' where id = 1`);
      const got = await trainingRows(db, schema, 'lateral');
      expect(got.map((r) => r['fv__a'])).toEqual(['1', null]);
    });
  });
}
