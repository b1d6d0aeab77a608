/**
 * Values on the wire: PostgreSQL's text and binary formats for the common types, both ways.
 * Results of the semantic layer arrive as API values (numbers, strings, booleans, `YYYY-MM-DD`,
 * ISO timestamps); catalog answers arrive in text format already.
 */

export const OID = {
  bool: 16,
  bytea: 17,
  char: 18,
  name: 19,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  float4: 700,
  float8: 701,
  unknown: 705,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  numeric: 1700,
} as const;

/** pg_type.typlen of the types above (-1 = variable length). */
export function typeSize(oid: number): number {
  switch (oid) {
    case OID.bool:
    case OID.char:
      return 1;
    case OID.int2:
      return 2;
    case OID.int4:
    case OID.oid:
    case OID.float4:
    case OID.date:
      return 4;
    case OID.int8:
    case OID.float8:
    case OID.timestamp:
    case OID.timestamptz:
      return 8;
    case OID.name:
      return 64;
    default:
      return -1;
  }
}

/** The semantic layer's column types → type oids. Truncated time members are dates. */
export function oidForColumn(type: 'string' | 'number' | 'boolean' | 'time', grain: boolean): number {
  switch (type) {
    case 'string':
      return OID.text;
    case 'number':
      return OID.numeric;
    case 'boolean':
      return OID.bool;
    case 'time':
      return grain ? OID.date : OID.timestamp;
  }
}

/** An API value → PostgreSQL text output for the column's type (null stays null). */
export function apiValueToText(v: unknown, oid: number): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : v > 0 ? 'Infinity' : v < 0 ? '-Infinity' : 'NaN';
  const s = typeof v === 'string' ? v : v instanceof Date ? v.toISOString() : JSON.stringify(v);
  if (oid === OID.date) return s.slice(0, 10);
  if (oid === OID.timestamp || oid === OID.timestamptz) {
    const m = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}:\d{2})(\.\d+)?Z?)?$/.exec(s);
    if (!m) return s;
    const frac = m[3] && !/^\.0+$/.test(m[3]) ? m[3].replace(/0+$/, '') : '';
    return `${m[1]} ${m[2] ?? '00:00:00'}${frac}${oid === OID.timestamptz ? '+00' : ''}`;
  }
  return s;
}

const PG_EPOCH_MS = Date.UTC(2000, 0, 1);

/** Does a binary encoder exist for this type? (Otherwise the column is sent as text.) */
export function hasBinary(oid: number): boolean {
  return (
    [OID.bool, OID.int2, OID.int4, OID.int8, OID.oid, OID.float4, OID.float8, OID.text, OID.varchar, OID.name, OID.bpchar, OID.char, OID.unknown, OID.date, OID.timestamp, OID.timestamptz, OID.numeric, OID.bytea] as number[]
  ).includes(oid);
}

/** A value in text format → its binary format for `oid` (only where `hasBinary`). */
export function textToBinary(text: string, oid: number): Buffer {
  switch (oid) {
    case OID.bool:
      return Buffer.from([text === 't' || text === 'true' ? 1 : 0]);
    case OID.int2: {
      const b = Buffer.alloc(2);
      b.writeInt16BE(Number(text));
      return b;
    }
    case OID.int4: {
      const b = Buffer.alloc(4);
      b.writeInt32BE(Number(text));
      return b;
    }
    case OID.oid: {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(Number(text) >>> 0);
      return b;
    }
    case OID.int8: {
      const b = Buffer.alloc(8);
      b.writeBigInt64BE(BigInt(text.includes('.') ? Math.trunc(Number(text)) : text));
      return b;
    }
    case OID.float4: {
      const b = Buffer.alloc(4);
      b.writeFloatBE(Number(text));
      return b;
    }
    case OID.float8: {
      const b = Buffer.alloc(8);
      b.writeDoubleBE(Number(text));
      return b;
    }
    case OID.date: {
      const b = Buffer.alloc(4);
      b.writeInt32BE(Math.round((Date.parse(`${text.slice(0, 10)}T00:00:00Z`) - PG_EPOCH_MS) / 86_400_000));
      return b;
    }
    case OID.timestamp:
    case OID.timestamptz: {
      const iso = `${text.slice(0, 10)}T${text.slice(11, 19) || '00:00:00'}Z`;
      const frac = /\.(\d+)/.exec(text.slice(19))?.[1] ?? '';
      const micros = BigInt(Date.parse(iso) - PG_EPOCH_MS) * 1000n + BigInt((frac + '000000').slice(0, 6));
      const b = Buffer.alloc(8);
      b.writeBigInt64BE(micros);
      return b;
    }
    case OID.numeric:
      return numericToBinary(text);
    case OID.bytea:
      return text.startsWith('\\x') ? Buffer.from(text.slice(2), 'hex') : Buffer.from(text, 'utf8');
    default:
      return Buffer.from(text, 'utf8');
  }
}

/** PostgreSQL's binary numeric: ndigits, weight, sign, dscale, then base-10000 digits. */
function numericToBinary(text: string): Buffer {
  const t = text.trim();
  if (/^nan$/i.test(t)) return header(0, 0, 0xc000, 0, []);
  const m = /^([+-])?(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(t);
  if (!m) throw new Error(`invalid numeric '${text}'`);
  let int = m[2] || '0';
  let frac = m[3] ?? '';
  const exp = m[4] ? Number(m[4]) : 0;
  if (exp > 0) {
    frac = frac.padEnd(exp, '0');
    int += frac.slice(0, exp);
    frac = frac.slice(exp);
  } else if (exp < 0) {
    int = int.padStart(-exp + 1, '0');
    frac = int.slice(int.length + exp) + frac;
    int = int.slice(0, int.length + exp);
  }
  int = int.replace(/^0+/, '');
  const dscale = frac.length;
  const intGroups: number[] = [];
  for (let end = int.length; end > 0; end -= 4) intGroups.unshift(Number(int.slice(Math.max(0, end - 4), end)));
  const fracGroups: number[] = [];
  for (let i = 0; i < frac.length; i += 4) fracGroups.push(Number(frac.slice(i, i + 4).padEnd(4, '0')));
  let digits = [...intGroups, ...fracGroups];
  let weight = intGroups.length - 1;
  while (digits.length && digits[0] === 0) {
    digits.shift();
    weight--;
  }
  while (digits.length && digits[digits.length - 1] === 0) digits.pop();
  if (digits.length === 0) weight = 0;
  return header(digits.length, weight, m[1] === '-' && digits.length ? 0x4000 : 0, dscale, digits);
}

function header(ndigits: number, weight: number, sign: number, dscale: number, digits: readonly number[]): Buffer {
  const b = Buffer.alloc(8 + 2 * digits.length);
  b.writeInt16BE(ndigits, 0);
  b.writeInt16BE(weight, 2);
  b.writeUInt16BE(sign, 4);
  b.writeInt16BE(dscale, 6);
  digits.forEach((d, i) => b.writeInt16BE(d, 8 + 2 * i));
  return b;
}

/**
 * A bound parameter → a JavaScript value for the metric query: text format as the string the
 * client sent; binary format decoded by the declared type (unknown types must be text).
 */
export function decodeParam(raw: Buffer | null, format: number, oid: number): string | number | boolean | null {
  if (raw === null) return null;
  if (format === 0) return raw.toString('utf8');
  switch (oid) {
    case OID.bool:
      return raw[0] === 1;
    case OID.int2:
      return raw.readInt16BE(0);
    case OID.int4:
      return raw.readInt32BE(0);
    case OID.oid:
      return raw.readUInt32BE(0);
    case OID.int8:
      return Number(raw.readBigInt64BE(0));
    case OID.float4:
      return raw.readFloatBE(0);
    case OID.float8:
      return raw.readDoubleBE(0);
    case OID.date:
      return new Date(PG_EPOCH_MS + raw.readInt32BE(0) * 86_400_000).toISOString().slice(0, 10);
    case OID.timestamp:
    case OID.timestamptz: {
      const micros = raw.readBigInt64BE(0);
      const ms = Number(micros / 1000n);
      return new Date(PG_EPOCH_MS + ms).toISOString().replace('Z', '');
    }
    case OID.numeric:
      return binaryNumericToText(raw);
    case OID.text:
    case OID.varchar:
    case OID.bpchar:
    case OID.name:
    case OID.unknown:
      return raw.toString('utf8');
    default:
      throw new Error(`binary parameters of type oid ${oid} are not supported; send them in text format`);
  }
}

function binaryNumericToText(b: Buffer): string {
  const n = b.readInt16BE(0);
  const weight = b.readInt16BE(2);
  const sign = b.readUInt16BE(4);
  const dscale = b.readInt16BE(6);
  if (sign === 0xc000) return 'NaN';
  const digits: number[] = [];
  for (let i = 0; i < n; i++) digits.push(b.readInt16BE(8 + 2 * i));
  let int = '';
  for (let w = 0; w <= weight; w++) int += String(digits[w] ?? 0).padStart(w === 0 ? 1 : 4, '0');
  let frac = '';
  for (let i = Math.max(0, weight + 1); i < n; i++) frac += String(digits[i]).padStart(4, '0');
  if (weight < -1) frac = '0000'.repeat(-weight - 1) + frac;
  frac = frac.padEnd(dscale, '0').slice(0, dscale);
  return `${sign === 0x4000 ? '-' : ''}${int || '0'}${dscale > 0 ? `.${frac}` : ''}`;
}
