import { describe, expect, it } from 'vitest';
import { runDag, type NodeOutcome } from '../../../src/executor/dag-runner.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// a -> b -> d ; a -> c -> d ; e (independent) ; f <- e
const PARENTS: Record<string, string[]> = { a: [], b: ['a'], c: ['a'], d: ['b', 'c'], e: [], f: ['e'] };
const parents = (id: string): string[] => PARENTS[id] ?? [];

describe('runDag', () => {
  it('starts a node only after all its parents succeeded', async () => {
    const finished: string[] = [];
    const results = await runDag({
      ids: Object.keys(PARENTS),
      parents,
      threads: 4,
      runNode: async (id) => {
        for (const p of parents(id)) expect(finished).toContain(p);
        await sleep(5);
        finished.push(id);
        return { status: 'success' };
      },
    });
    expect(results.map((r) => r.status)).toEqual(Array(6).fill('success'));
    expect(finished.indexOf('d')).toBeGreaterThan(finished.indexOf('b'));
  });

  it('runs up to `threads` nodes at once and no more', async () => {
    let now = 0;
    let peak = 0;
    const ids = Array.from({ length: 12 }, (_, i) => `n${i}`);
    await runDag({
      ids,
      parents: () => [],
      threads: 3,
      runNode: async () => {
        now++;
        peak = Math.max(peak, now);
        await sleep(10);
        now--;
        return { status: 'success' };
      },
    });
    expect(peak).toBe(3);
  });

  it('a failure skips only its descendants', async () => {
    const results = await runDag({
      ids: Object.keys(PARENTS),
      parents,
      threads: 2,
      runNode: async (id): Promise<NodeOutcome> => {
        if (id === 'b') throw new Error('division by zero');
        return { status: 'success' };
      },
    });
    const by = Object.fromEntries(results.map((r) => [r.id, r]));
    expect(by['b']!.status).toBe('error');
    expect(by['b']!.message).toBe('division by zero');
    expect(by['d']!.status).toBe('skipped');
    expect(by['d']!.message).toContain('upstream b failed');
    expect(by['c']!.status).toBe('success');
    expect(by['e']!.status).toBe('success');
    expect(by['f']!.status).toBe('success');
  });

  it('fail-fast stops scheduling and aborts running nodes', async () => {
    const aborted: string[] = [];
    const results = await runDag({
      ids: ['slow', 'bad', 'later'],
      parents: (id) => (id === 'later' ? ['slow'] : []),
      threads: 2,
      failFast: true,
      runNode: async (id, signal) => {
        if (id === 'bad') {
          await sleep(5);
          return { status: 'error', message: 'boom' };
        }
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 2000);
          signal.addEventListener('abort', () => {
            clearTimeout(t);
            aborted.push(id);
            resolve();
          });
        });
        return { status: signal.aborted ? 'error' : 'success', message: 'cancelled' };
      },
    });
    const by = Object.fromEntries(results.map((r) => [r.id, r.status]));
    expect(aborted).toEqual(['slow']);
    expect(by).toEqual({ bad: 'error', slow: 'error', later: 'skipped' });
  });

  it('ignores parents outside the selection and treats warn as ok', async () => {
    const results = await runDag({
      ids: ['b', 'd'],
      parents,
      threads: 1,
      runNode: async (id) => ({ status: id === 'b' ? 'warn' : 'success' }),
    });
    expect(results.map((r) => `${r.id}:${r.status}`)).toEqual(['b:warn', 'd:success']);
  });
});
