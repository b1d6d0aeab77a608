/**
 * `modules.re`: Python regex functions on top of JS RegExp (`(?P<name>...)` is translated;
 * other Python-only syntax is not).
 */

function toJs(pattern: unknown, flags = ''): RegExp {
  const src = String(pattern).replace(/\(\?P<(\w+)>/g, '(?<$1>').replace(/\(\?P=(\w+)\)/g, '\\k<$1>');
  return new RegExp(src, flags);
}

function matchObject(m: RegExpExecArray | null): Record<string, unknown> | null {
  if (m === null) return null;
  return {
    group: (i: unknown = 0) => (typeof i === 'string' ? m.groups?.[i] : m[Number(i)]) ?? null,
    groups: () => m.slice(1).map((g) => g ?? null),
    groupdict: () => ({ ...(m.groups ?? {}) }),
    start: () => m.index,
    end: () => m.index + m[0].length,
  };
}

/**
 * @example reModule().sub('[^a-z]', '_', 'a-b') // 'a_b'
 */
export function reModule(): Record<string, unknown> {
  const I = 'i';
  return {
    IGNORECASE: I,
    I,
    match: (p: unknown, s: unknown, f?: unknown) => {
      const m = toJs(p, typeof f === 'string' ? f : '').exec(String(s));
      return m !== null && m.index === 0 ? matchObject(m) : null;
    },
    fullmatch: (p: unknown, s: unknown, f?: unknown) => {
      const m = toJs(`^(?:${String(p)})$`, typeof f === 'string' ? f : '').exec(String(s));
      return matchObject(m);
    },
    search: (p: unknown, s: unknown, f?: unknown) => matchObject(toJs(p, typeof f === 'string' ? f : '').exec(String(s))),
    findall: (p: unknown, s: unknown, f?: unknown) => {
      const out: unknown[] = [];
      for (const m of String(s).matchAll(toJs(p, `g${typeof f === 'string' ? f : ''}`))) {
        out.push(m.length > 2 ? m.slice(1) : m.length === 2 ? m[1] : m[0]);
      }
      return out;
    },
    sub: (p: unknown, repl: unknown, s: unknown) =>
      String(s).replace(toJs(p, 'g'), String(repl).replace(/\\(\d)/g, '$$$1')),
    split: (p: unknown, s: unknown) => String(s).split(toJs(p)),
    escape: (s: unknown) => String(s).replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    compile: (p: unknown, f?: unknown) => {
      const flags = typeof f === 'string' ? f : '';
      return {
        match: (s: unknown) => {
          const m = toJs(p, flags).exec(String(s));
          return m !== null && m.index === 0 ? matchObject(m) : null;
        },
        search: (s: unknown) => matchObject(toJs(p, flags).exec(String(s))),
        sub: (repl: unknown, s: unknown) => String(s).replace(toJs(p, `g${flags}`), String(repl)),
      };
    },
  };
}
