import { loadModule, parseSync } from 'libpg-query';
import { beforeAll, describe, expect, it } from 'vitest';
import { initSqlParser, loadSemanticLayer, type SemanticLayer } from '../../../src/semantic/index.js';
import { buildSurface, SqlError, translateSelect } from '../../../src/server/wire/index.js';
import { bindQuery } from '../../../src/server/wire/translate.js';
import { decodeParam, textToBinary, OID } from '../../../src/server/wire/values.js';
import { formatVerifier, parseVerifier, scramVerifier, ScramExchange } from '../../../src/server/wire/scram.js';
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { starSemanticYaml } from '../../fixtures/semantic/star.js';

let layer: SemanticLayer;
beforeAll(async () => {
  await loadModule();
  await initSqlParser();
  const r = loadSemanticLayer([{ file: 'semantic/star.yml', text: starSemanticYaml('gold') }], { resolveRef: () => undefined, refNames: [] });
  if (!r.layer) throw new Error(JSON.stringify(r.diagnostics));
  layer = r.layer;
});

const sel = (sql: string): Record<string, unknown> => (parseSync(sql).stmts![0]!.stmt as { SelectStmt: Record<string, unknown> }).SelectStmt;
const tr = (sql: string, role: string | null = null) => translateSelect(sel(sql), buildSurface(layer, role ? layer.access!.roles[role]! : null), 'public');
const err = (sql: string, role: string | null = null): SqlError => {
  try {
    tr(sql, role);
  } catch (e) {
    if (e instanceof SqlError) return e;
    throw e;
  }
  throw new Error(`no error for ${sql}`);
};

describe('SQL over the surface → metric query', () => {
  it('maps dimensions, measures, metrics, grains, filters, having, order, limit', () => {
    const t = tr(
      "select region as r, date_trunc('month', sold_at), measure(revenue), aggregate(avg_order_value), count(distinct unique_customers) from sales " +
        "where channel in ('web', 'mobile') and sold_at between '2024-01-01' and '2024-06-30' and country is not null and city ilike '%ber%' and segment <> $1 " +
        'group by 1, 2 having measure(revenue) > 100 order by 3 desc nulls last, r limit 5 offset $2',
    );
    expect(t.query.dimensions).toEqual(['customer.region', 'sales.sold_at.month']);
    expect(t.query.metrics).toEqual(['sales.revenue', 'avg_order_value', 'sales.unique_customers']);
    expect(t.query.filters).toEqual([
      { member: 'sales.channel', op: 'in', values: ['web', 'mobile'] },
      { member: 'sales.sold_at', op: 'gte', values: ['2024-01-01'] },
      { member: 'sales.sold_at', op: 'lte', values: ['2024-06-30'] },
      { member: 'customer.country', op: 'not_null', values: [] },
      { member: 'customer.city', op: 'contains', values: ['ber'] },
      { member: 'customer.segment', op: 'not_equals', values: [{ $param: 1 }] },
      { member: 'sales.revenue', op: 'gt', values: [100] },
    ]);
    expect(t.query.order).toEqual([{ member: 'sales.revenue', desc: true }, { member: 'customer.region', desc: false }]);
    expect(tr('select region, measure(revenue) from sales group by 1 order by 2 desc').query.order).toEqual([{ member: 'sales.revenue', desc: true, nulls_first: true }]);
    expect(t.output.map((o) => [o.name, o.typeOid])).toEqual([['r', OID.text], ['date_trunc', OID.timestamp], ['measure', OID.numeric], ['aggregate', OID.numeric], ['count', OID.numeric]]);
    expect(t.paramTypes).toEqual([OID.text, OID.int8]);
    const q = bindQuery(t, ['SMB', 10]);
    expect(q.filters[5]!.values).toEqual(['SMB']);
    expect(q).toMatchObject({ limit: 5, offset: 10 });
  });

  it('x = a OR x = b is IN; constant false is an empty answer; the metrics table joins conformed dimensions', () => {
    expect(tr("select measure(revenue) from sales where channel = 'web' or channel = 'store'").query.filters).toEqual([{ member: 'sales.channel', op: 'in', values: ['web', 'store'] }]);
    expect(tr('select * from sales where 1 = 0').empty).toBe(true);
    const m = tr('select customer__region, aggregate(revenue) from metrics group by 1');
    expect(m.query).toMatchObject({ dimensions: ['customer.region'], metrics: ['revenue'] });
  });

  it('refuses what has no exact meaning, naming the construct, with SQLSTATE and position', () => {
    const cases: [string, string, RegExp][] = [
      ['select region, measure(revenue) from sales join customer on true group by 1', '0A000', /JOIN/],
      ["select measure(revenue) from sales where region = 'EMEA' or channel = 'web'", '0A000', /OR between different conditions/],
      ['select region, revenue from sales group by 1', '42803', /MEASURE\(revenue\)/],
      ['select region, measure(revenue) from sales', '42803', /GROUP BY/],
      ['select region from sales', '0A000', /DISTINCT/],
      ['select sum(orders) from sales', '42803', /count_distinct measure/],
      ['select nope from sales group by 1', '42703', /column "nope"/],
      ['select region from nowhere group by 1', '42P01', /relation "nowhere"/],
      ["select measure(revenue) from sales where channel like 'w%'", '0A000', /LIKE/],
      ['select upper(region) from sales group by 1', '42883', /upper\(\)/],
      ['select measure(revenue) over () from sales', '0A000', /window functions/],
      ['with x as (select 1) select measure(revenue) from sales', '0A000', /WITH/],
      ["select measure(revenue) from sales where region = 'x' group by rollup(region)", '0A000', /GROUPING SETS/],
    ];
    for (const [sql, code, msg] of cases) {
      const e = err(sql);
      expect([sql, e.code]).toEqual([sql, code]);
      expect(e.message).toMatch(msg);
    }
    expect(err('select nope from sales group by 1').position).toBe(8);
  });

  it("a role's surface has no hidden columns and no unreadable tables", () => {
    expect(err('select email from customer group by 1', 'sales').code).toBe('42703');
    expect(tr('select email from customer group by 1').query.dimensions).toEqual(['customer.email']);
  });
});

describe('wire values', () => {
  it('binary numeric, dates and timestamps round-trip through decodeParam', () => {
    for (const n of ['0', '1', '-1', '12345.678', '0.0001', '-98765432109876.5', '10000', '1e3']) {
      expect(Number(decodeParam(textToBinary(n, OID.numeric), 1, OID.numeric))).toBe(Number(n));
    }
    expect(decodeParam(textToBinary('2024-03-01', OID.date), 1, OID.date)).toBe('2024-03-01');
    expect(decodeParam(textToBinary('2024-03-01 12:34:56.5', OID.timestamp), 1, OID.timestamp)).toBe('2024-03-01T12:34:56.500');
    expect(decodeParam(textToBinary('42', OID.int8), 1, OID.int8)).toBe(42);
    expect(() => decodeParam(Buffer.from([1, 2]), 1, 600)).toThrow(/not supported/);
  });
});

describe('SCRAM-SHA-256', () => {
  it('accepts the proof a client computes from the key and refuses a wrong one', () => {
    const v = scramVerifier('the-api-key-of-a-bi-tool', 4096);
    expect(parseVerifier(formatVerifier(v))).toEqual(v);
    const client = (key: string): string | undefined => {
      const x = new ScramExchange(v);
      const nonce = 'rOprNGfwEbeRWgbNEkqO';
      const first = x.start('SCRAM-SHA-256', `n,,n=,r=${nonce}`);
      const [r, s, i] = first.split(',').map((p) => p.slice(2));
      const salted = pbkdf2Sync(key, Buffer.from(s!, 'base64'), Number(i), 32, 'sha256');
      const clientKey = createHmac('sha256', salted).update('Client Key').digest();
      const stored = createHash('sha256').update(clientKey).digest();
      const finalNoProof = `c=biws,r=${r}`;
      const auth = `n=,r=${nonce},${first},${finalNoProof}`;
      const sig = createHmac('sha256', stored).update(auth).digest();
      const proof = Buffer.from(clientKey.map((b, k) => b ^ sig[k]!));
      return x.finish(`${finalNoProof},p=${proof.toString('base64')}`);
    };
    expect(client('the-api-key-of-a-bi-tool')).toMatch(/^v=/);
    expect(client('another-key')).toBeUndefined();
  });
});
