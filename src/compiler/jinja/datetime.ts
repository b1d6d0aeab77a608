/**
 * `modules.datetime` for templates: a small, UTC-only subset of Python's datetime
 * (datetime, date, timedelta; now/utcnow/today, strftime, isoformat, arithmetic via runtime.pyAdd/pySub).
 */
import { splitArgs } from './call-args.js';

const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTH_NAMES = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
];

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** A duration in milliseconds. */
export class PyTimedelta {
  readonly ms: number;
  constructor(ms: number) {
    this.ms = ms;
  }
  get days(): number {
    return Math.floor(this.ms / 86_400_000);
  }
  get seconds(): number {
    return Math.floor((this.ms % 86_400_000) / 1000);
  }
  total_seconds(): number {
    return this.ms / 1000;
  }
  toString(): string {
    const d = this.days;
    const s = this.seconds;
    const hms = `${Math.floor(s / 3600)}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
    return d === 0 ? hms : `${d} day${Math.abs(d) === 1 ? '' : 's'}, ${hms}`;
  }
}

/** A UTC instant; `dateOnly` makes it behave as a Python `date`. */
export class PyDatetime {
  readonly d: Date;
  readonly dateOnly: boolean;
  constructor(d: Date, dateOnly = false) {
    this.d = d;
    this.dateOnly = dateOnly;
  }
  get year(): number { return this.d.getUTCFullYear(); }
  get month(): number { return this.d.getUTCMonth() + 1; }
  get day(): number { return this.d.getUTCDate(); }
  get hour(): number { return this.dateOnly ? 0 : this.d.getUTCHours(); }
  get minute(): number { return this.dateOnly ? 0 : this.d.getUTCMinutes(); }
  get second(): number { return this.dateOnly ? 0 : this.d.getUTCSeconds(); }
  get microsecond(): number { return this.dateOnly ? 0 : this.d.getUTCMilliseconds() * 1000; }
  date(): PyDatetime {
    return new PyDatetime(new Date(Date.UTC(this.year, this.month - 1, this.day)), true);
  }
  weekday(): number {
    return (this.d.getUTCDay() + 6) % 7;
  }
  isoweekday(): number {
    return this.weekday() + 1;
  }
  timestamp(): number {
    return this.d.getTime() / 1000;
  }
  replace(...raw: unknown[]): PyDatetime {
    const { kwargs } = splitArgs(raw);
    const n = (k: string, cur: number): number => (typeof kwargs[k] === 'number' ? (kwargs[k] as number) : cur);
    return new PyDatetime(
      new Date(Date.UTC(n('year', this.year), n('month', this.month) - 1, n('day', this.day),
        n('hour', this.hour), n('minute', this.minute), n('second', this.second))),
      this.dateOnly,
    );
  }
  isoformat(sep = 'T'): string {
    const date = `${pad(this.year, 4)}-${pad(this.month)}-${pad(this.day)}`;
    if (this.dateOnly) return date;
    const us = this.microsecond;
    return `${date}${sep}${pad(this.hour)}:${pad(this.minute)}:${pad(this.second)}${us ? `.${pad(us, 6)}` : ''}`;
  }
  strftime(fmt: string): string {
    return fmt.replace(/%([a-zA-Z%])/g, (m, c: string) => {
      switch (c) {
        case 'Y': return pad(this.year, 4);
        case 'y': return pad(this.year % 100);
        case 'm': return pad(this.month);
        case 'd': return pad(this.day);
        case 'H': return pad(this.hour);
        case 'I': return pad(((this.hour + 11) % 12) + 1);
        case 'p': return this.hour < 12 ? 'AM' : 'PM';
        case 'M': return pad(this.minute);
        case 'S': return pad(this.second);
        case 'f': return pad(this.microsecond, 6);
        case 'j': return pad(Math.floor((Date.UTC(this.year, this.month - 1, this.day) - Date.UTC(this.year, 0, 1)) / 86_400_000) + 1, 3);
        case 'A': return DAY_NAMES[this.d.getUTCDay()] ?? '';
        case 'a': return (DAY_NAMES[this.d.getUTCDay()] ?? '').slice(0, 3);
        case 'B': return MONTH_NAMES[this.month - 1] ?? '';
        case 'b': return (MONTH_NAMES[this.month - 1] ?? '').slice(0, 3);
        case 'w': return String(this.d.getUTCDay());
        case 'z': return '+0000';
        case 'Z': return 'UTC';
        case '%': return '%';
        default: return m;
      }
    });
  }
  toString(): string {
    return this.isoformat(' ');
  }
}

/** `a + b` / `a - b` for dates and timedeltas; undefined when neither side is one. */
export function dateArithmetic(a: unknown, b: unknown, sign: 1 | -1): unknown {
  if (a instanceof PyDatetime && b instanceof PyTimedelta) {
    return new PyDatetime(new Date(a.d.getTime() + sign * b.ms), a.dateOnly);
  }
  if (sign === 1 && a instanceof PyTimedelta && b instanceof PyDatetime) return dateArithmetic(b, a, 1);
  if (a instanceof PyTimedelta && b instanceof PyTimedelta) return new PyTimedelta(a.ms + sign * b.ms);
  if (sign === -1 && a instanceof PyDatetime && b instanceof PyDatetime) return new PyTimedelta(a.d.getTime() - b.d.getTime());
  return undefined;
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

function parseIso(s: string): Date {
  const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(s) || s.length <= 10 ? s : `${s}Z`);
  if (Number.isNaN(d.getTime())) throw new Error(`Invalid isoformat string: '${s}'`);
  return d;
}

/** Build the `modules.datetime` namespace; `now` is injectable for tests. */
export function datetimeModule(now: () => Date = () => new Date()): Record<string, unknown> {
  const datetime = Object.assign(
    (...raw: unknown[]) => {
      const { args } = splitArgs(raw);
      const [y, mo, d, h, mi, s] = args.map(num);
      return new PyDatetime(new Date(Date.UTC(y ?? 1970, (mo ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0, s ?? 0)));
    },
    {
      now: () => new PyDatetime(now()),
      utcnow: () => new PyDatetime(now()),
      today: () => new PyDatetime(now()),
      fromisoformat: (s: unknown) => new PyDatetime(parseIso(String(s))),
      strptime: (s: unknown) => new PyDatetime(parseIso(String(s))),
    },
  );
  const date = Object.assign(
    (...raw: unknown[]) => {
      const [y, mo, d] = splitArgs(raw).args.map(num);
      return new PyDatetime(new Date(Date.UTC(y ?? 1970, (mo ?? 1) - 1, d ?? 1)), true);
    },
    {
      today: () => new PyDatetime(now(), false).date(),
      fromisoformat: (s: unknown) => new PyDatetime(parseIso(String(s)), true),
    },
  );
  const timedelta = (...raw: unknown[]): PyTimedelta => {
    const { args, kwargs } = splitArgs(raw);
    const g = (i: number, k: string): number => num(args[i] ?? kwargs[k]);
    const ms =
      g(0, 'days') * 86_400_000 + g(1, 'seconds') * 1000 + g(2, 'microseconds') / 1000 +
      g(3, 'milliseconds') + g(4, 'minutes') * 60_000 + g(5, 'hours') * 3_600_000 + g(6, 'weeks') * 604_800_000;
    return new PyTimedelta(ms);
  };
  return { datetime, date, timedelta };
}
