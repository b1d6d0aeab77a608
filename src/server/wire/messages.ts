import { BufferReader } from 'pg-protocol/dist/buffer-reader.js';
import { Writer } from 'pg-protocol/dist/buffer-writer.js';

/**
 * PostgreSQL protocol v3 messages, server side: the framing of what clients send and the
 * serialisation of what a server answers, on pg-protocol's reader and writer (the buffers
 * node-postgres itself uses). Only framing lives here; meaning is in `connection.ts`.
 */

export const PROTOCOL_V3 = 196_608;
export const SSL_REQUEST = 80_877_103;
export const GSSENC_REQUEST = 80_877_104;
export const CANCEL_REQUEST = 80_877_102;

/** The first packet of a connection (no type byte). */
export type StartupPacket =
  | { readonly kind: 'startup'; readonly version: number; readonly params: Readonly<Record<string, string>> }
  | { readonly kind: 'ssl' }
  | { readonly kind: 'gssenc' }
  | { readonly kind: 'cancel'; readonly pid: number; readonly secret: number };

export type FrontendMessage =
  | { readonly type: 'query'; readonly sql: string }
  | { readonly type: 'parse'; readonly name: string; readonly sql: string; readonly paramTypes: readonly number[] }
  | {
      readonly type: 'bind';
      readonly portal: string;
      readonly statement: string;
      readonly paramFormats: readonly number[];
      readonly params: readonly (Buffer | null)[];
      readonly resultFormats: readonly number[];
    }
  | { readonly type: 'describe'; readonly target: 'S' | 'P'; readonly name: string }
  | { readonly type: 'execute'; readonly portal: string; readonly maxRows: number }
  | { readonly type: 'close'; readonly target: 'S' | 'P'; readonly name: string }
  | { readonly type: 'sync' }
  | { readonly type: 'flush' }
  | { readonly type: 'terminate' }
  /** PasswordMessage, SASLInitialResponse or SASLResponse: which one depends on the auth step. */
  | { readonly type: 'password'; readonly body: Buffer }
  | { readonly type: 'unknown'; readonly code: number };

/** Largest message accepted (PostgreSQL's own limit for most messages is 1 GB; a metric query needs far less). */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export class ProtocolViolation extends Error {}

/**
 * Splits a byte stream into messages. `startup` mode reads length-prefixed packets without a
 * type byte (the startup, SSL, GSSENC and cancel requests); afterwards every message is a type
 * byte and a length.
 */
export class MessageReader {
  private buf: Buffer = Buffer.alloc(0);
  private readonly reader = new BufferReader();
  startup = true;

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
  }

  /** The next complete packet, or undefined until more bytes arrive. */
  nextStartup(): StartupPacket | undefined {
    if (this.buf.length < 8) return undefined;
    const len = this.buf.readInt32BE(0);
    if (len < 8 || len > 10_000) throw new ProtocolViolation(`invalid startup packet length ${len}`);
    if (this.buf.length < len) return undefined;
    const body = this.buf.subarray(4, len);
    this.buf = this.buf.subarray(len);
    const code = body.readInt32BE(0);
    if (code === SSL_REQUEST) return { kind: 'ssl' };
    if (code === GSSENC_REQUEST) return { kind: 'gssenc' };
    if (code === CANCEL_REQUEST) {
      if (body.length < 12) throw new ProtocolViolation('invalid cancel request');
      return { kind: 'cancel', pid: body.readInt32BE(4), secret: body.readInt32BE(8) };
    }
    const params: Record<string, string> = Object.create(null) as Record<string, string>;
    let rest = body.subarray(4);
    while (rest.length > 1) {
      const k = cstringAt(rest);
      rest = rest.subarray(Buffer.byteLength(k) + 1);
      const v = cstringAt(rest);
      rest = rest.subarray(Buffer.byteLength(v) + 1);
      if (k === '') break;
      params[k] = v;
    }
    return { kind: 'startup', version: code, params };
  }

  /** The next complete message after startup, or undefined until more bytes arrive. */
  next(): FrontendMessage | undefined {
    if (this.buf.length < 5) return undefined;
    const code = this.buf[0]!;
    const len = this.buf.readInt32BE(1);
    if (len < 4 || len > MAX_MESSAGE_BYTES) throw new ProtocolViolation(`invalid message length ${len}`);
    if (this.buf.length < len + 1) return undefined;
    const body = this.buf.subarray(5, len + 1);
    this.buf = this.buf.subarray(len + 1);
    return this.decode(code, body);
  }

  private decode(code: number, body: Buffer): FrontendMessage {
    const r = this.reader;
    r.setBuffer(0, body);
    switch (String.fromCharCode(code)) {
      case 'Q':
        return { type: 'query', sql: r.cstring() };
      case 'P': {
        const name = r.cstring();
        const sql = r.cstring();
        const n = r.int16();
        const paramTypes: number[] = [];
        for (let i = 0; i < n; i++) paramTypes.push(r.uint32());
        return { type: 'parse', name, sql, paramTypes };
      }
      case 'B': {
        const portal = r.cstring();
        const statement = r.cstring();
        const nf = r.int16();
        const paramFormats: number[] = [];
        for (let i = 0; i < nf; i++) paramFormats.push(r.int16());
        const np = r.int16();
        const params: (Buffer | null)[] = [];
        for (let i = 0; i < np; i++) {
          const l = r.int32();
          params.push(l < 0 ? null : Buffer.from(r.bytes(l)));
        }
        const nr = r.int16();
        const resultFormats: number[] = [];
        for (let i = 0; i < nr; i++) resultFormats.push(r.int16());
        return { type: 'bind', portal, statement, paramFormats, params, resultFormats };
      }
      case 'D': {
        const t = String.fromCharCode(r.byte());
        if (t !== 'S' && t !== 'P') throw new ProtocolViolation(`invalid describe target '${t}'`);
        return { type: 'describe', target: t, name: r.cstring() };
      }
      case 'E':
        return { type: 'execute', portal: r.cstring(), maxRows: r.int32() };
      case 'C': {
        const t = String.fromCharCode(r.byte());
        if (t !== 'S' && t !== 'P') throw new ProtocolViolation(`invalid close target '${t}'`);
        return { type: 'close', target: t, name: r.cstring() };
      }
      case 'S':
        return { type: 'sync' };
      case 'H':
        return { type: 'flush' };
      case 'X':
        return { type: 'terminate' };
      case 'p':
        return { type: 'password', body: Buffer.from(body) };
      default:
        return { type: 'unknown', code };
    }
  }
}

function cstringAt(b: Buffer): string {
  const end = b.indexOf(0);
  if (end < 0) throw new ProtocolViolation('unterminated string');
  return b.toString('utf8', 0, end);
}

/** A field of a RowDescription. */
export interface FieldDescription {
  readonly name: string;
  readonly typeOid: number;
  /** pg_type.typlen: -1 variable, else bytes. */
  readonly typeSize: number;
  /** 0 text, 1 binary. */
  readonly format: number;
}

/** The fields of an ErrorResponse / NoticeResponse. */
export interface ErrorFields {
  readonly severity: 'ERROR' | 'FATAL' | 'WARNING' | 'NOTICE';
  readonly code: string;
  readonly message: string;
  readonly detail?: string;
  readonly hint?: string;
  /** 1-based character position in the query text. */
  readonly position?: number;
}

/** Serialises backend messages. One instance per connection (its buffer is reused). */
export class MessageWriter {
  private readonly w = new Writer();

  authOk(): Buffer {
    return this.w.addInt32(0).flush(0x52);
  }

  authCleartext(): Buffer {
    return this.w.addInt32(3).flush(0x52);
  }

  authSasl(mechanisms: readonly string[]): Buffer {
    this.w.addInt32(10);
    for (const m of mechanisms) this.w.addCString(m);
    return this.w.addCString('').flush(0x52);
  }

  authSaslContinue(data: string): Buffer {
    return this.w.addInt32(11).addString(data).flush(0x52);
  }

  authSaslFinal(data: string): Buffer {
    return this.w.addInt32(12).addString(data).flush(0x52);
  }

  parameterStatus(name: string, value: string): Buffer {
    return this.w.addCString(name).addCString(value).flush(0x53);
  }

  backendKeyData(pid: number, secret: number): Buffer {
    return this.w.addInt32(pid).addInt32(secret).flush(0x4b);
  }

  readyForQuery(status: 'I' | 'T' | 'E'): Buffer {
    return this.w.add(Buffer.from(status)).flush(0x5a);
  }

  rowDescription(fields: readonly FieldDescription[]): Buffer {
    this.w.addInt16(fields.length);
    for (const f of fields) {
      this.w.addCString(f.name).addInt32(0).addInt16(0).addInt32(f.typeOid).addInt16(f.typeSize).addInt32(-1).addInt16(f.format);
    }
    return this.w.flush(0x54);
  }

  dataRow(values: readonly (Buffer | null)[]): Buffer {
    this.w.addInt16(values.length);
    for (const v of values) {
      if (v === null) this.w.addInt32(-1);
      else this.w.addInt32(v.length).add(v);
    }
    return this.w.flush(0x44);
  }

  commandComplete(tag: string): Buffer {
    return this.w.addCString(tag).flush(0x43);
  }

  emptyQuery(): Buffer {
    return this.w.flush(0x49);
  }

  parseComplete(): Buffer {
    return this.w.flush(0x31);
  }

  bindComplete(): Buffer {
    return this.w.flush(0x32);
  }

  closeComplete(): Buffer {
    return this.w.flush(0x33);
  }

  noData(): Buffer {
    return this.w.flush(0x6e);
  }

  portalSuspended(): Buffer {
    return this.w.flush(0x73);
  }

  parameterDescription(oids: readonly number[]): Buffer {
    this.w.addInt16(oids.length);
    for (const o of oids) this.w.addInt32(o | 0);
    return this.w.flush(0x74);
  }

  error(f: ErrorFields): Buffer {
    return this.fields(f, 0x45);
  }

  notice(f: ErrorFields): Buffer {
    return this.fields(f, 0x4e);
  }

  private fields(f: ErrorFields, code: number): Buffer {
    const add = (t: string, v: string): void => {
      this.w.add(Buffer.from(t)).addCString(v);
    };
    add('S', f.severity);
    add('V', f.severity);
    add('C', f.code);
    add('M', f.message);
    if (f.detail) add('D', f.detail);
    if (f.hint) add('H', f.hint);
    if (f.position !== undefined) add('P', String(f.position));
    this.w.add(Buffer.from([0]));
    return this.w.flush(code);
  }
}
