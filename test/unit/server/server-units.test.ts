import { describe, expect, it } from 'vitest';
import { initSqlParser, loadSemanticLayer } from '../../../src/semantic/index.js';
import { ApiError, cacheKey, classifyDatabaseError, ConcurrencyLimiter, LruCache, translateCubeQuery } from '../../../src/server/index.js';
import { starSemanticYaml } from '../../fixtures/semantic/star.js';

await initSqlParser();
const layer = loadSemanticLayer([{ file: 's.yml', text: starSemanticYaml('s') }], { resolveRef: () => undefined, refNames: [] }).layer!;

describe('Cube query translation', () => {
  it('maps measures, time dimensions, filters, order and limit', () => {
    const t = translateCubeQuery(layer, {
      measures: ['sales.revenue'],
      dimensions: ['customer.region'],
      timeDimensions: [{ dimension: 'sales.sold_at', granularity: 'month', dateRange: ['2024-01-01T00:00:00.000', '2024-03-31'] }],
      filters: [{ member: 'customer.segment', operator: 'equals', values: ['SMB', 'Enterprise'] }, { and: [{ member: 'sales.channel', operator: 'notEquals', values: ['web'] }, { member: 'customer.email', operator: 'set' }] }],
      order: [['sales.revenue', 'desc']],
      limit: 10,
    });
    expect(t.query).toEqual({
      metrics: ['revenue'],
      dimensions: ['customer.region', 'sales.sold_at.month'],
      filters: [
        { member: 'customer.segment', op: 'in', values: ['SMB', 'Enterprise'] },
        { member: 'sales.channel', op: 'not_equals', values: ['web'] },
        { member: 'customer.email', op: 'not_null', values: [] },
      ],
      segments: [],
      order: [{ member: 'revenue', desc: true }],
      limit: 10,
      time_range: { dimension: 'sales.sold_at', from: '2024-01-01', to: '2024-03-31' },
    });
    expect(t.columns.get('revenue')).toBe('sales.revenue');
    expect(t.timeColumns.get('sales.sold_at.month')).toBe('sales.sold_at');
  });

  it('relative date ranges', () => {
    const now = new Date('2024-05-15T12:00:00Z');
    const r = (dateRange: string): unknown => translateCubeQuery(layer, { measures: ['sales.revenue'], timeDimensions: [{ dimension: 'sales.sold_at', dateRange }] }, now).query.time_range;
    expect(r('last year')).toEqual({ dimension: 'sales.sold_at', from: '2023-01-01', to: '2023-12-31' });
    expect(r('this quarter')).toEqual({ dimension: 'sales.sold_at', from: '2024-04-01', to: '2024-06-30' });
    expect(r('last month')).toEqual({ dimension: 'sales.sold_at', from: '2024-04-01', to: '2024-04-30' });
    expect(r('last 7 days')).toEqual({ dimension: 'sales.sold_at', from: '2024-05-08', to: '2024-05-14' });
    expect(r('this week')).toEqual({ dimension: 'sales.sold_at', from: '2024-05-13', to: '2024-05-19' });
  });

  it('refuses what it cannot answer exactly with 400', () => {
    const status = (q: unknown): number => {
      try {
        translateCubeQuery(layer, q);
        return 200;
      } catch (e) {
        return (e as ApiError).status;
      }
    };
    expect(status({ measures: ['sales.nope'] })).toBe(400);
    expect(status({ measures: ['sales.revenue'], filters: [{ or: [] }] })).toBe(400);
    expect(status({ measures: ['sales.revenue'], offset: 10 })).toBe(200);
    expect(status({ measures: ['sales.revenue'], offset: 10, total: true, timezone: 'Europe/Berlin' })).toBe(200);
    expect(status({ measures: ['sales.revenue'], timezone: 'Mars/Olympus' })).toBe(400);
    expect(status({ measures: ['sales.revenue'], timezone: 'UTC+3' })).toBe(400);
    expect(status({ measures: ['sales.revenue'], timeDimensions: [{ dimension: 'sales.sold_at', granularity: 'hour' }] })).toBe(400);
    expect(status({ measures: ['sales.revenue'], whatever: 1 })).toBe(400);
    expect(status({ measures: ['sales.revenue'], timeDimensions: [{ dimension: 'sales.sold_at', dateRange: 'next decade' }] })).toBe(400);
  });
});

describe('cache key', () => {
  it('differs by role, attributes and build; ignores key order', () => {
    const q = { metrics: ['revenue'], dimensions: [], filters: [], segments: [], order: [] };
    const k = cacheKey(q, 'sales', { region: 'EMEA', team: 'x' }, 'b1');
    expect(cacheKey({ order: [], segments: [], filters: [], dimensions: [], metrics: ['revenue'] }, 'sales', { team: 'x', region: 'EMEA' }, 'b1')).toBe(k);
    expect(cacheKey(q, 'sales', { region: 'APAC', team: 'x' }, 'b1')).not.toBe(k);
    expect(cacheKey(q, 'finance', { region: 'EMEA', team: 'x' }, 'b1')).not.toBe(k);
    expect(cacheKey(q, 'sales', { region: 'EMEA', team: 'x' }, 'b2')).not.toBe(k);
  });
});

describe('LRU cache', () => {
  it('evicts the least recently used and expires by TTL', async () => {
    const c = new LruCache(2);
    await c.set('a', '1', 60_000);
    await c.set('b', '2', 60_000);
    expect(await c.get('a')).toBe('1');
    await c.set('c', '3', 60_000);
    expect(await c.get('b')).toBeUndefined();
    expect(await c.get('a')).toBe('1');
    await c.set('d', '4', -1);
    expect(await c.get('d')).toBeUndefined();
  });
});

describe('concurrency limiter', () => {
  it('queues past the limits and serves roles in turn, so a flooding role cannot starve another', async () => {
    const l = new ConcurrencyLimiter({ maxConcurrent: 2, maxPerRole: 2, queueTimeoutMs: 5_000 });
    const a1 = await l.acquire('a');
    const a2 = await l.acquire('a');
    const order: string[] = [];
    const waiting = [l.acquire('a').then((r) => (order.push('a3'), r)), l.acquire('a').then((r) => (order.push('a4'), r)), l.acquire('b').then((r) => (order.push('b1'), r))];
    expect(l.inFlight).toBe(2);
    expect(l.waiting).toBe(3);
    a1();
    await new Promise((r) => setTimeout(r, 0));
    // b waited less long than a's second query but gets the slot first: roles take turns.
    a2();
    const releases = await Promise.all(waiting.slice(0, 1).concat(waiting.slice(2)));
    expect(order).toEqual(['a3', 'b1']);
    for (const r of releases) r();
    (await waiting[1]!)();
    expect(l.inFlight).toBe(0);
    expect(l.waiting).toBe(0);
  });

  it('a full queue refuses at once: 429 for the role, 503 overall; a wait past the timeout is 503', async () => {
    const l = new ConcurrencyLimiter({ maxConcurrent: 1, maxPerRole: 1, maxQueued: 2, maxQueuedPerRole: 1, queueTimeoutMs: 50 });
    const r1 = await l.acquire('a');
    const queued = l.acquire('a');
    await expect(l.acquire('a')).rejects.toMatchObject({ status: 429 });
    const b = l.acquire('b');
    expect(l.saturated).toBe(true);
    await expect(l.acquire('c')).rejects.toMatchObject({ status: 503, code: 'overloaded' });
    await expect(queued).rejects.toMatchObject({ status: 503, code: 'queue_timeout' });
    await expect(b).rejects.toMatchObject({ status: 503, code: 'queue_timeout' });
    r1();
    r1();
    expect(l.inFlight).toBe(0);
  });

  it('an aborted request leaves the queue and its slot goes to the next one', async () => {
    const l = new ConcurrencyLimiter({ maxConcurrent: 1, maxPerRole: 1 });
    const r1 = await l.acquire('a');
    const c = new AbortController();
    const gone = l.acquire('b', c.signal);
    const next = l.acquire('c');
    c.abort();
    await expect(gone).rejects.toMatchObject({ code: 'client_closed' });
    expect(l.waiting).toBe(1);
    r1();
    (await next)();
    expect(l.inFlight).toBe(0);
  });
});

describe('database failures', () => {
  it('timeouts and lost connections are 503, bad values 400, the rest 500', () => {
    const e = (code: string, message = 'x'): Error => Object.assign(new Error(message), { code });
    expect(classifyDatabaseError(e('57014')).status).toBe(503);
    expect(classifyDatabaseError(e('57P01')).status).toBe(503);
    expect(classifyDatabaseError(e('ECONNREFUSED')).status).toBe(503);
    expect(classifyDatabaseError(new Error('Connection terminated unexpectedly')).status).toBe(503);
    expect(classifyDatabaseError(e('22P02')).status).toBe(400);
    expect(classifyDatabaseError(e('42P01', 'relation "secret_table" does not exist'))).toEqual({ status: 500, code: 'internal', message: 'internal error' });
  });
});

describe('rollup declarations', () => {
  const load = (extra: string): string[] =>
    loadSemanticLayer([{ file: 's.yml', text: starSemanticYaml('s') + extra }], { resolveRef: () => undefined, refNames: [] }).diagnostics.map((d) => `${d.line}: ${d.message}`);
  it('are validated at their YAML line', () => {
    expect(load('rollups:\n  - { name: r, model: sales, measures: [revenue], dimensions: [customer.region], time_dimension: sales.sold_at, granularity: month }\n')).toEqual([]);
    const lines = starSemanticYaml('s').split('\n').length;
    expect(load('rollups:\n  - { name: r, model: sales, measures: [revenu], dimensions: [orders.status] }\n')).toEqual([
      `${lines + 1}: rollup 'r': model 'sales' has no measure 'revenu'`,
      `${lines + 1}: rollup 'r': dimension 'orders.status' is not reachable from 'sales' through many-to-one joins`,
    ]);
    expect(load('rollups:\n  - { name: r, measures: [revenue] }\n')[0]).toContain('needs model');
    expect(load('rollups:\n  - { name: r, model: sales, measures: [revenue], dimensions: [sales.sold_at.month] }\n')[0]).toContain('time member');
  });
});
