/**
 * `modules.re`: Python regex functions on top of JS RegExp. Python-only syntax translated:
 * `(?P<name>…)`, `(?P=name)`, `\A`, `\Z`, leading inline flags `(?i)`, `(?#comments)` and
 * VERBOSE patterns; replacement templates `\1`, `\g<name>`. Flags are JS flag letters
 * (`re.I` is `'i'`), so `re.I + re.M` combines them.
 */
import { splitArgs } from './call-args.js';
import { pyStr, pyTuple } from './python-methods.js';

const FLAG_LETTERS: Record<string, string> = { i: 'i', m: 'm', s: 's', x: 'x', a: '', u: '', L: '' };

function translate(pattern: unknown, flags: string): RegExp {
  let src = String(pattern);
  let fl = flags;
  const inline = /^\(\?([aiLmsux]+)\)/.exec(src);
  if (inline) {
    fl += [...(inline[1] ?? '')].map((c) => FLAG_LETTERS[c] ?? '').join('');
    src = src.slice(inline[0].length);
  }
  if (fl.includes('x')) src = src.replace(/\\.|\[(?:\\.|[^\]])*\]|\s+|#.*$/gm, (m) => (/^\s|^#/.test(m) ? '' : m));
  src = src
    .replace(/\(\?#[^)]*\)/g, '')
    .replace(/\(\?P<(\w+)>/g, '(?<$1>')
    .replace(/\(\?P=(\w+)\)/g, '\\k<$1>')
    .replace(/\\A/g, '(?<![\\s\\S])')
    .replace(/\\Z/g, '(?![\\s\\S])');
  // `d` gives group offsets for span()/start()/end()
  const letters = new Set([...fl.replace(/[^imsgy]/g, ''), 'd']);
  return new RegExp(src, [...letters].join(''));
}

function flagsOf(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** Python's re.Match (printing, truthiness and `m[1]` work as in Python). */
class PyMatch {
  readonly string: string;
  readonly pos: number;
  private readonly m: RegExpExecArray;
  [index: number]: unknown;
  constructor(m: RegExpExecArray, string: string) {
    this.m = m;
    this.string = string;
    this.pos = 0;
    m.forEach((g, i) => {
      this[i] = g ?? null;
    });
  }
  private one(g: unknown): string | null {
    const v = typeof g === 'string' ? this.m.groups?.[g] : this.m[Number(g)];
    if (v === undefined && (typeof g === 'string' ? !(g in (this.m.groups ?? {})) : Number(g) >= this.m.length)) {
      throw new Error('IndexError: no such group');
    }
    return v ?? null;
  }
  group(...gs: unknown[]): unknown {
    if (gs.length <= 1) return this.one(gs[0] ?? 0);
    return pyTuple(gs.map((g) => this.one(g)));
  }
  groups(dflt: unknown = null): unknown[] {
    return pyTuple(this.m.slice(1).map((g) => g ?? dflt));
  }
  groupdict(dflt: unknown = null): Record<string, unknown> {
    return Object.fromEntries(Object.entries(this.m.groups ?? {}).map(([k, v]) => [k, v ?? dflt]));
  }
  span(g: unknown = 0): unknown[] {
    const idx = typeof g === 'string' ? this.m.indices?.groups?.[g] : this.m.indices?.[Number(g)];
    return pyTuple(idx === undefined ? [-1, -1] : [idx[0], idx[1]]);
  }
  start(g: unknown = 0): unknown {
    return this.span(g)[0];
  }
  end(g: unknown = 0): unknown {
    return this.span(g)[1];
  }
  get lastindex(): number | null {
    for (let i = this.m.length - 1; i > 0; i--) if (this.m[i] !== undefined) return i;
    return null;
  }
  toString(): string {
    return `<re.Match object; span=(${this.start()}, ${this.end()}), match='${this.m[0]}'>`;
  }
}

function exec(re: RegExp, s: string, mode: 'match' | 'search' | 'fullmatch'): PyMatch | null {
  const src = mode === 'fullmatch' ? new RegExp(`(?:${re.source})(?![\\s\\S])`, re.flags) : re;
  const r = new RegExp(src.source, `${src.flags.replace(/[gy]/g, '')}${mode === 'search' ? '' : 'y'}`);
  const m = r.exec(s);
  return m === null ? null : new PyMatch(m, s);
}

function all(re: RegExp, s: string): RegExpExecArray[] {
  return [...s.matchAll(new RegExp(re.source, `${re.flags.replace(/[gy]/g, '')}g`))];
}

function findall(re: RegExp, s: string): unknown[] {
  // no groups: the matches; one group: its text; several: tuples; unmatched groups are ''
  return all(re, s).map((m) => (m.length === 1 ? m[0] : m.length === 2 ? m[1] ?? '' : pyTuple(m.slice(1).map((g) => g ?? ''))));
}

/** A Python replacement template (`\1`, `\g<1>`, `\g<name>`, `\n`) or callable, applied to a match. */
function replacer(repl: unknown, s: string): (m: RegExpExecArray) => string {
  if (typeof repl === 'function') return (m) => pyStr((repl as (x: PyMatch) => unknown)(new PyMatch(m, s)));
  const t = String(repl);
  const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07', b: '\b', '\\': '\\' };
  return (m) =>
    t.replace(/\\(?:g<(\w+)>|(\d{1,2})|(.))/g, (_x, named: string | undefined, num: string | undefined, ch: string | undefined) => {
      if (named !== undefined) return (/^\d+$/.test(named) ? m[Number(named)] : m.groups?.[named]) ?? '';
      if (num !== undefined) return m[Number(num)] ?? '';
      const e = escapes[ch ?? ''];
      if (e === undefined && /[A-Za-z]/.test(ch ?? '')) throw new Error(`bad escape \\${String(ch)} in replacement`);
      return e ?? `\\${String(ch)}`;
    });
}

function subn(re: RegExp, repl: unknown, s: string, count: unknown): [string, number] {
  const max = typeof count === 'number' && count > 0 ? count : Infinity;
  const fn = replacer(repl, s);
  let out = '';
  let last = 0;
  let n = 0;
  for (const m of all(re, s)) {
    if (n >= max) break;
    out += s.slice(last, m.index) + fn(m);
    last = m.index + m[0].length;
    n++;
  }
  return [out + s.slice(last), n];
}

function split(re: RegExp, s: string, maxsplit: unknown): unknown[] {
  const max = typeof maxsplit === 'number' && maxsplit > 0 ? maxsplit : Infinity;
  const out: unknown[] = [];
  let last = 0;
  for (const m of all(re, s)) {
    if (out.length / m.length >= max) break;
    out.push(s.slice(last, m.index), ...m.slice(1).map((g) => g ?? null));
    last = m.index + m[0].length;
  }
  out.push(s.slice(last));
  return out;
}

/** Python's re.Pattern. */
class PyPattern {
  readonly pattern: string;
  readonly flags: string;
  private readonly re: RegExp;
  constructor(pattern: unknown, flags: string) {
    this.pattern = String(pattern);
    this.flags = flags;
    this.re = translate(pattern, flags);
  }
  match(s: unknown): PyMatch | null { return exec(this.re, String(s), 'match'); }
  search(s: unknown): PyMatch | null { return exec(this.re, String(s), 'search'); }
  fullmatch(s: unknown): PyMatch | null { return exec(this.re, String(s), 'fullmatch'); }
  findall(s: unknown): unknown[] { return findall(this.re, String(s)); }
  finditer(s: unknown): PyMatch[] { return all(this.re, String(s)).map((m) => new PyMatch(m, String(s))); }
  sub(...raw: unknown[]): string {
    const { args, kwargs } = splitArgs(raw);
    return subn(this.re, args[0] ?? kwargs['repl'], String(args[1] ?? kwargs['string']), args[2] ?? kwargs['count'])[0];
  }
  subn(...raw: unknown[]): unknown[] {
    return pyTuple(subn(this.re, ...(splitArgs(raw).args as [unknown, string, unknown])));
  }
  split(...raw: unknown[]): unknown[] {
    const { args, kwargs } = splitArgs(raw);
    return split(this.re, String(args[0] ?? kwargs['string']), args[1] ?? kwargs['maxsplit']);
  }
  toString(): string {
    return `re.compile('${this.pattern}')`;
  }
}

/** `re.fn(pattern, string, ..., flags=...)`: positional or keyword arguments, as in Python. */
function call<T>(names: readonly string[], fn: (p: PyPattern, a: unknown[]) => T): (...raw: unknown[]) => T {
  return (...raw: unknown[]) => {
    const { args, kwargs } = splitArgs(raw);
    const a = names.map((n, i) => args[i] ?? kwargs[n]);
    const flags = a[names.indexOf('flags')];
    const p = a[0] instanceof PyPattern ? a[0] : new PyPattern(a[0], flagsOf(flags));
    return fn(p, a.slice(1));
  };
}

/**
 * @example reModule().sub('[^a-z]', '_', 'a-b') // 'a_b'
 */
export function reModule(): Record<string, unknown> {
  return {
    IGNORECASE: 'i', I: 'i', MULTILINE: 'm', M: 'm', DOTALL: 's', S: 's', VERBOSE: 'x', X: 'x', ASCII: '', A: '', UNICODE: '', U: '',
    match: call(['pattern', 'string', 'flags'], (p, [s]) => p.match(s)),
    search: call(['pattern', 'string', 'flags'], (p, [s]) => p.search(s)),
    fullmatch: call(['pattern', 'string', 'flags'], (p, [s]) => p.fullmatch(s)),
    findall: call(['pattern', 'string', 'flags'], (p, [s]) => p.findall(s)),
    finditer: call(['pattern', 'string', 'flags'], (p, [s]) => p.finditer(s)),
    sub: call(['pattern', 'repl', 'string', 'count', 'flags'], (p, [r, s, n]) => p.sub(r, s, n)),
    subn: call(['pattern', 'repl', 'string', 'count', 'flags'], (p, [r, s, n]) => p.subn(r, s, n)),
    split: call(['pattern', 'string', 'maxsplit', 'flags'], (p, [s, n]) => p.split(s, n)),
    compile: (...raw: unknown[]) => {
      const { args, kwargs } = splitArgs(raw);
      return new PyPattern(args[0] ?? kwargs['pattern'], flagsOf(args[1] ?? kwargs['flags']));
    },
    // Python 3.7+ escapes only regex-special characters
    escape: (s: unknown) => String(s).replace(/[()[\]{}?*+\-|^$\\.&~# \t\n\r\v\f]/g, (c) => `\\${c}`),
  };
}
