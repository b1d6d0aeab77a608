/**
 * `modules.pytz` and `modules.itertools` for templates: the parts dbt packages use.
 * Time zones come from the ICU data Node ships (Intl), so every IANA name works.
 */
import { splitArgs } from './call-args.js';
import { toList } from './runtime-python.js';

/** A time zone as `pytz.timezone(name)` returns it. */
export class PyTimezone {
  readonly zone: string;
  constructor(zone: string) {
    this.zone = zone;
  }
  /** Offset from UTC in minutes at instant `d` (negative west of Greenwich). */
  offsetMinutesAt(d: Date): number {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone: this.zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    }).formatToParts(d);
    const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? 0);
    const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
    return Math.round((asUtc - Math.floor(d.getTime() / 1000) * 1000) / 60_000);
  }
  toString(): string {
    return this.zone;
  }
}

function timezone(name: unknown): PyTimezone {
  const zone = String(name);
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new Error(`pytz.timezone(): unknown time zone '${zone}'`);
  }
  return new PyTimezone(zone);
}

function product(...raw: unknown[]): unknown[][] {
  const { args, kwargs } = splitArgs(raw);
  const repeat = typeof kwargs['repeat'] === 'number' ? kwargs['repeat'] : 1;
  const pools: unknown[][] = [];
  for (let r = 0; r < repeat; r++) for (const a of args) pools.push(toList(a));
  let out: unknown[][] = [[]];
  for (const pool of pools) out = out.flatMap((prefix) => pool.map((x) => [...prefix, x]));
  return out;
}

function combinations(iterable: unknown, r: unknown): unknown[][] {
  const pool = toList(iterable);
  const k = Number(r);
  const out: unknown[][] = [];
  const walk = (start: number, acc: unknown[]): void => {
    if (acc.length === k) {
      out.push(acc);
      return;
    }
    for (let i = start; i < pool.length; i++) walk(i + 1, [...acc, pool[i]]);
  };
  walk(0, []);
  return out;
}

/** `itertools.groupby(items, key)`: consecutive runs of equal keys, as [key, items] pairs. */
function groupby(iterable: unknown, key?: unknown): [unknown, unknown[]][] {
  const f = typeof key === 'function' ? (key as (x: unknown) => unknown) : (x: unknown) => x;
  const out: [unknown, unknown[]][] = [];
  for (const x of toList(iterable)) {
    const k = f(x);
    const last = out[out.length - 1];
    if (last && last[0] === k) last[1].push(x);
    else out.push([k, [x]]);
  }
  return out;
}

/** The `pytz` module. */
export function pytzModule(): Record<string, unknown> {
  return { timezone, utc: new PyTimezone('UTC'), UTC: new PyTimezone('UTC') };
}

/** The `itertools` module. */
export function itertoolsModule(): Record<string, unknown> {
  return {
    product,
    combinations,
    groupby,
    chain: (...iterables: unknown[]) => iterables.flatMap((i) => toList(i)),
    permutations: (iterable: unknown, r?: unknown) => {
      const pool = toList(iterable);
      const k = r === undefined || r === null ? pool.length : Number(r);
      const out: unknown[][] = [];
      const walk = (acc: unknown[], used: boolean[]): void => {
        if (acc.length === k) {
          out.push(acc);
          return;
        }
        pool.forEach((x, i) => {
          if (used[i]) return;
          const u = [...used];
          u[i] = true;
          walk([...acc, x], u);
        });
      };
      walk([], []);
      return out;
    },
  };
}
