/**
 * `modules.datetime` for templates: a subset of Python's datetime (datetime, date, timedelta;
 * now/utcnow/today, strftime/strptime, isoformat, arithmetic via runtime.pyAdd/pySub). Naive
 * values are UTC; aware ones carry a tzinfo (`pytz.timezone(...)`, `%z`). Instances have
 * `valueOf()` so `<`, `max` and `sort` order them in time.
 */
import { splitArgs } from './call-args.js';

const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTH_NAMES = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
];
const DAY_MS = 86_400_000;

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** A duration in milliseconds, normalised as Python does (days may be negative, seconds not). */
export class PyTimedelta {
  readonly ms: number;
  constructor(ms: number) {
    this.ms = ms;
  }
  get days(): number {
    return Math.floor(this.ms / DAY_MS);
  }
  get seconds(): number {
    return Math.floor((this.ms - this.days * DAY_MS) / 1000);
  }
  get microseconds(): number {
    return Math.round((this.ms - this.days * DAY_MS - this.seconds * 1000) * 1000);
  }
  total_seconds(): number {
    return this.ms / 1000;
  }
  valueOf(): number {
    return this.ms;
  }
  toString(): string {
    const d = this.days;
    const s = this.seconds;
    const us = this.microseconds;
    const hms = `${Math.floor(s / 3600)}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}${us ? `.${pad(us, 6)}` : ''}`;
    return d === 0 ? hms : `${d} day${Math.abs(d) === 1 ? '' : 's'}, ${hms}`;
  }
}

/** ISO 8601 week-numbering year, week and weekday (Monday = 1), as date.isocalendar(). */
function isoCalendar(y: number, m: number, d: number): [number, number, number] {
  const t = Date.UTC(y, m - 1, d);
  const wd = ((new Date(t).getUTCDay() + 6) % 7) + 1;
  const thursday = new Date(t + (4 - wd) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / DAY_MS / 7) + 1;
  return [year, week, wd];
}

/** Date.UTC for a valid Python date and time (JS would roll Jan 32 over into February). */
function utc(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number {
  if (mo < 1 || mo > 12) throw new Error('ValueError: month must be in 1..12');
  if (d < 1 || d > new Date(Date.UTC(y, mo, 0)).getUTCDate()) throw new Error('ValueError: day is out of range for month');
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59) throw new Error('ValueError: time field out of range');
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

/** A tzinfo: `pytz.timezone(...)` objects (py-modules.ts) or a fixed offset from `strptime('%z')`. */
export interface TzInfo {
  readonly zone: string;
  offsetMinutesAt(d: Date): number;
}

const isTz = (v: unknown): v is TzInfo => typeof (v as Partial<TzInfo> | null)?.offsetMinutesAt === 'function';

function fixedOffset(minutes: number): TzInfo {
  const a = Math.abs(minutes);
  const zone = minutes === 0 ? 'UTC' : `UTC${minutes < 0 ? '-' : '+'}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
  return { zone, offsetMinutesAt: () => minutes };
}

function offsetText(minutes: number, colon: boolean): string {
  const a = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${pad(Math.floor(a / 60))}${colon ? ':' : ''}${pad(a % 60)}`;
}

/**
 * An instant `d` (+ `us` microseconds, as JS dates hold milliseconds); `dateOnly` makes it a
 * Python `date`. Naive values are UTC; with `tzinfo` the fields are that zone's wall clock.
 */
export class PyDatetime {
  readonly d: Date;
  readonly dateOnly: boolean;
  readonly us: number;
  readonly tzinfo: TzInfo | null;
  constructor(d: Date, dateOnly = false, us = 0, tzinfo: TzInfo | null = null) {
    this.d = d;
    this.dateOnly = dateOnly;
    this.us = us;
    this.tzinfo = dateOnly ? null : tzinfo;
  }
  /** From microseconds since the epoch. */
  static fromMicros(total: number, dateOnly = false, tz: TzInfo | null = null): PyDatetime {
    const ms = Math.floor(total / 1000);
    return new PyDatetime(new Date(ms), dateOnly, Math.round(total - ms * 1000), tz);
  }
  /** From wall-clock microseconds in `tz` (naive when tz is null). */
  static local(wall: number, dateOnly: boolean, tz: TzInfo | null): PyDatetime {
    if (tz === null) return PyDatetime.fromMicros(wall, dateOnly);
    const first = tz.offsetMinutesAt(new Date(wall / 1000));
    const second = tz.offsetMinutesAt(new Date(wall / 1000 - first * 60_000));
    return PyDatetime.fromMicros(wall - second * 60_000_000, dateOnly, tz);
  }
  get micros(): number {
    return this.d.getTime() * 1000 + this.us;
  }
  private get offset(): number {
    return this.tzinfo?.offsetMinutesAt(this.d) ?? 0;
  }
  /** Wall-clock microseconds (UTC fields of this are the local fields). */
  get wallMicros(): number {
    return this.micros + this.offset * 60_000_000;
  }
  private get w(): Date {
    return this.tzinfo === null ? this.d : new Date(this.d.getTime() + this.offset * 60_000);
  }
  get year(): number { return this.w.getUTCFullYear(); }
  get month(): number { return this.w.getUTCMonth() + 1; }
  get day(): number { return this.w.getUTCDate(); }
  get hour(): number { return this.dateOnly ? 0 : this.w.getUTCHours(); }
  get minute(): number { return this.dateOnly ? 0 : this.w.getUTCMinutes(); }
  get second(): number { return this.dateOnly ? 0 : this.w.getUTCSeconds(); }
  get microsecond(): number { return this.dateOnly ? 0 : this.w.getUTCMilliseconds() * 1000 + this.us; }
  date(): PyDatetime {
    return new PyDatetime(new Date(Date.UTC(this.year, this.month - 1, this.day)), true);
  }
  weekday(): number {
    return (this.w.getUTCDay() + 6) % 7;
  }
  isoweekday(): number {
    return this.weekday() + 1;
  }
  isocalendar(): number[] {
    return isoCalendar(this.year, this.month, this.day);
  }
  toordinal(): number {
    return Math.floor(Date.UTC(this.year, this.month - 1, this.day) / DAY_MS) + 719_163;
  }
  timestamp(): number {
    return this.micros / 1_000_000;
  }
  valueOf(): number {
    return this.micros / 1000;
  }
  utcoffset(): PyTimedelta | null {
    return this.tzinfo === null ? null : new PyTimedelta(this.offset * 60_000);
  }
  tzname(): string | null {
    const tz = this.tzinfo;
    if (tz === null) return null;
    if (/^UTC([+-]|$)/.test(tz.zone)) return tz.zone;
    try {
      const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz.zone, timeZoneName: 'short' }).formatToParts(this.d);
      return parts.find((p) => p.type === 'timeZoneName')?.value ?? tz.zone;
    } catch {
      return tz.zone;
    }
  }
  /** The same instant on `tz`'s wall clock (a naive value is taken as UTC). */
  astimezone(tz?: unknown): PyDatetime {
    return new PyDatetime(this.d, false, this.us, isTz(tz) ? tz : fixedOffset(0));
  }
  replace(...raw: unknown[]): PyDatetime {
    const { kwargs } = splitArgs(raw);
    const n = (k: string, cur: number): number => (typeof kwargs[k] === 'number' ? (kwargs[k] as number) : cur);
    const at = utc(n('year', this.year), n('month', this.month), n('day', this.day), n('hour', this.hour), n('minute', this.minute), n('second', this.second));
    const tz = 'tzinfo' in kwargs ? (isTz(kwargs['tzinfo']) ? kwargs['tzinfo'] : null) : this.tzinfo;
    return PyDatetime.local(at * 1000 + n('microsecond', this.microsecond), this.dateOnly, tz);
  }
  isoformat(sep = 'T'): string {
    const date = `${pad(this.year, 4)}-${pad(this.month)}-${pad(this.day)}`;
    if (this.dateOnly) return date;
    const us = this.microsecond;
    const tz = this.tzinfo === null ? '' : offsetText(this.offset, true);
    return `${date}${sep}${pad(this.hour)}:${pad(this.minute)}:${pad(this.second)}${us ? `.${pad(us, 6)}` : ''}${tz}`;
  }
  private directive(c: string): string | undefined {
    const yday = Math.floor((Date.UTC(this.year, this.month - 1, this.day) - Date.UTC(this.year, 0, 1)) / DAY_MS);
    const wday = this.w.getUTCDay();
    const day = DAY_NAMES[wday] ?? '';
    const month = MONTH_NAMES[this.month - 1] ?? '';
    switch (c) {
      case 'Y': return pad(this.year, 4);
      case 'y': return pad(this.year % 100);
      case 'C': return pad(Math.floor(this.year / 100));
      case 'm': return pad(this.month);
      case 'd': return pad(this.day);
      case 'e': return String(this.day).padStart(2, ' ');
      case 'H': return pad(this.hour);
      case 'I': return pad(((this.hour + 11) % 12) + 1);
      case 'p': return this.hour < 12 ? 'AM' : 'PM';
      case 'M': return pad(this.minute);
      case 'S': return pad(this.second);
      case 'f': return pad(this.microsecond, 6);
      case 'j': return pad(yday + 1, 3);
      case 'A': return day;
      case 'a': return day.slice(0, 3);
      case 'B': return month;
      case 'b': case 'h': return month.slice(0, 3);
      case 'w': return String(wday);
      case 'u': return String(this.isoweekday());
      // week of the year, weeks starting on Sunday (%U) or Monday (%W); days before the first are week 0
      case 'U': return pad(Math.floor((yday + 7 - wday) / 7));
      case 'W': return pad(Math.floor((yday + 7 - ((wday + 6) % 7)) / 7));
      case 'V': return pad(this.isocalendar()[1] ?? 0);
      case 'G': return pad(this.isocalendar()[0] ?? 0, 4);
      case 'c': return `${day.slice(0, 3)} ${month.slice(0, 3)} ${String(this.day).padStart(2, ' ')} ${this.strftime('%H:%M:%S %Y')}`;
      case 'x': return this.strftime('%m/%d/%y');
      case 'X': case 'T': return this.strftime('%H:%M:%S');
      case 'D': return this.strftime('%m/%d/%y');
      case 'F': return this.strftime('%Y-%m-%d');
      case 'R': return this.strftime('%H:%M');
      case 's': return String(Math.floor(this.timestamp()));
      case 'z': return this.tzinfo === null ? '' : offsetText(this.offset, false);
      case 'Z': return this.tzname() ?? '';
      case '%': return '%';
      default: return undefined;
    }
  }
  strftime(fmt: string): string {
    // `%-d` (glibc, as on dbt's usual Linux hosts) drops the zero padding
    return String(fmt).replace(/%(-?)([a-zA-Z%])/g, (m, dash: string, c: string) => {
      const v = this.directive(c);
      if (v === undefined) return m;
      return dash === '-' ? v.replace(/^[0 ]+(?=.)/, '') : v;
    });
  }
  toString(): string {
    return this.isoformat(' ');
  }
}

/** `a + b` / `a - b` for dates and timedeltas; undefined when neither side is one. */
export function dateArithmetic(a: unknown, b: unknown, sign: 1 | -1): unknown {
  // on the wall clock, then the zone's offset for the result (Python's zoneinfo semantics)
  if (a instanceof PyDatetime && b instanceof PyTimedelta) return PyDatetime.local(a.wallMicros + sign * Math.round(b.ms * 1000), a.dateOnly, a.tzinfo);
  if (sign === 1 && a instanceof PyTimedelta && b instanceof PyDatetime) return dateArithmetic(b, a, 1);
  if (a instanceof PyTimedelta && b instanceof PyTimedelta) return new PyTimedelta(a.ms + sign * b.ms);
  if (sign === -1 && a instanceof PyDatetime && b instanceof PyDatetime) {
    // Python subtracts wall clocks when both share one tzinfo, instants otherwise
    const same = a.tzinfo !== null && a.tzinfo === b.tzinfo;
    return new PyTimedelta(((same ? a.wallMicros : a.micros) - (same ? b.wallMicros : b.micros)) / 1000);
  }
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

const names = (xs: string[]): string => [...xs, ...xs.map((x) => x.slice(0, 3))].join('|');

/** Python's _strptime regexes per directive. */
const STRPTIME: Record<string, string> = {
  Y: '(?<Y>\\d\\d\\d\\d)', y: '(?<y>\\d\\d)', m: '(?<m>1[0-2]|0[1-9]|[1-9])', d: '(?<d>3[01]|[12]\\d|0[1-9]|[1-9]| [1-9])',
  H: '(?<H>2[0-3]|[0-1]\\d|\\d)', I: '(?<I>1[0-2]|0[1-9]|[1-9])', M: '(?<M>[0-5]\\d|\\d)', S: '(?<S>6[0-1]|[0-5]\\d|\\d)',
  f: '(?<f>\\d{1,6})', p: '(?<p>am|pm)', j: '(?<j>36[0-6]|3[0-5]\\d|[12]\\d\\d|0[1-9]\\d|00[1-9]|[1-9]\\d|0[1-9]|[1-9])',
  B: `(?<B>${MONTH_NAMES.join('|')})`, b: `(?<b>${MONTH_NAMES.map((x) => x.slice(0, 3)).join('|')})`,
  A: `(?:${names(DAY_NAMES)})`, a: `(?:${names(DAY_NAMES)})`, w: '(?:[0-6])', u: '(?:[1-7])',
  z: '(?<z>[+-]\\d\\d:?[0-5]\\d(?::?[0-5]\\d)?|Z)', Z: '(?:UTC|GMT)', '%': '%',
};

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `datetime.strptime(text, format)`; the whole text must match, as in Python. */
export function strptime(text: string, format: string): PyDatetime {
  const src = format.replace(/%([a-zA-Z%])|(\s+)|([^%\s]+)/g, (_m, d: string | undefined, ws: string | undefined, lit: string | undefined) => {
    if (ws !== undefined) return '\\s+';
    if (lit !== undefined) return escapeRe(lit);
    const re = STRPTIME[d ?? ''];
    if (re === undefined) throw new Error(`ValueError: '${String(d)}' is a bad directive in format '${format}'`);
    return re;
  });
  const m = new RegExp(`^${src}`, 'i').exec(text);
  if (m === null) throw new Error(`ValueError: time data '${text}' does not match format '${format}'`);
  if (m[0].length < text.length) throw new Error(`ValueError: unconverted data remains: ${text.slice(m[0].length)}`);
  const g = m.groups ?? {};
  const int = (k: string, dflt: number): number => (g[k] === undefined ? dflt : Number(g[k]));
  const monthName = (g['B'] ?? g['b'])?.toLowerCase();
  const month = monthName === undefined ? int('m', 1) : MONTH_NAMES.findIndex((x) => x.toLowerCase().startsWith(monthName)) + 1;
  // %y: 69–99 are 1969–1999, 00–68 are 2000–2068 (POSIX)
  const year = g['Y'] !== undefined ? int('Y', 1900) : g['y'] !== undefined ? int('y', 0) + (int('y', 0) < 69 ? 2000 : 1900) : 1900;
  let hour = int('H', 0);
  if (g['I'] !== undefined) hour = (int('I', 12) % 12) + (g['p']?.toLowerCase() === 'pm' ? 12 : 0);
  const us = g['f'] === undefined ? 0 : Number(g['f'].padEnd(6, '0'));
  let t = utc(year, month, int('d', 1), hour, int('M', 0), Math.min(int('S', 0), 59));
  if (g['j'] !== undefined && g['d'] === undefined && g['m'] === undefined) t = Date.UTC(year, 0, int('j', 1), hour, int('M', 0), int('S', 0));
  const z = g['z'];
  if (z === undefined) return PyDatetime.fromMicros(t * 1000 + us);
  // %z makes an aware value with a fixed offset, as Python does
  const [, sign, hh = '0', mm = '0'] = /^([+-])(\d\d):?(\d\d)/.exec(z) ?? [];
  return PyDatetime.local(t * 1000 + us, false, fixedOffset((sign === '-' ? -1 : 1) * (Number(hh) * 60 + Number(mm))));
}

/** Build the `modules.datetime` namespace; `now` is injectable for tests. */
export function datetimeModule(now: () => Date = () => new Date()): Record<string, unknown> {
  const datetime = Object.assign(
    (...raw: unknown[]) => {
      const { args, kwargs } = splitArgs(raw);
      const keys = ['year', 'month', 'day', 'hour', 'minute', 'second', 'microsecond'];
      const [y, mo, d, h, mi, s, us] = keys.map((k, i) => num(args[i] ?? kwargs[k] ?? (i < 3 ? 1 : 0)));
      const tz = args[7] ?? kwargs['tzinfo'];
      return PyDatetime.local(utc(y ?? 1970, mo ?? 1, d ?? 1, h, mi, s) * 1000 + (us ?? 0), false, isTz(tz) ? tz : null);
    },
    {
      now: (tz?: unknown) => new PyDatetime(now(), false, 0, isTz(tz) ? tz : null),
      utcnow: () => new PyDatetime(now()),
      today: () => new PyDatetime(now()),
      fromisoformat: (s: unknown) => new PyDatetime(parseIso(String(s))),
      fromtimestamp: (ts: unknown) => new PyDatetime(new Date(num(ts) * 1000)),
      utcfromtimestamp: (ts: unknown) => new PyDatetime(new Date(num(ts) * 1000)),
      // without a format (not valid Python) an ISO string is still accepted
      strptime: (s: unknown, fmt?: unknown) => (fmt === undefined ? new PyDatetime(parseIso(String(s))) : strptime(String(s), String(fmt))),
      combine: (d: unknown) => (d instanceof PyDatetime ? new PyDatetime(d.d) : d),
    },
  );
  const date = Object.assign(
    (...raw: unknown[]) => {
      const { args, kwargs } = splitArgs(raw);
      const [y, mo, d] = ['year', 'month', 'day'].map((k, i) => num(args[i] ?? kwargs[k] ?? 1));
      return new PyDatetime(new Date(utc(y ?? 1970, mo ?? 1, d ?? 1)), true);
    },
    {
      today: () => new PyDatetime(now(), false).date(),
      fromisoformat: (s: unknown) => new PyDatetime(parseIso(String(s)), true),
      fromtimestamp: (ts: unknown) => new PyDatetime(new Date(num(ts) * 1000)).date(),
    },
  );
  const timedelta = (...raw: unknown[]): PyTimedelta => {
    const { args, kwargs } = splitArgs(raw);
    const g = (i: number, k: string): number => num(args[i] ?? kwargs[k]);
    const ms =
      g(0, 'days') * DAY_MS + g(1, 'seconds') * 1000 + g(2, 'microseconds') / 1000 +
      g(3, 'milliseconds') + g(4, 'minutes') * 60_000 + g(5, 'hours') * 3_600_000 + g(6, 'weeks') * 604_800_000;
    return new PyTimedelta(ms);
  };
  return { datetime, date, timedelta };
}
