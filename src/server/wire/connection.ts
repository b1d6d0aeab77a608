import { randomInt } from 'node:crypto';
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContextOptions } from 'node:tls';
import { decodeJwt } from 'jose';
import { ApiError } from '../api-error.js';
import type { Caller } from '../query-service.js';
import { defaultSettings, SqlSession, type Field, type Prepared, type RoleView, type SessionOptions } from './engine.js';
import { MessageReader, MessageWriter, PROTOCOL_V3, ProtocolViolation, type ErrorFields, type FrontendMessage, type StartupPacket } from './messages.js';
import { ScramExchange, type ScramVerifier } from './scram.js';
import { SqlError } from './translate.js';
import { decodeParam, hasBinary, OID, textToBinary, typeSize } from './values.js';

/** What a connection needs from its server. */
export interface ConnectionContext {
  /** Verifies a JWT sent as the password. */
  readonly verifyToken: (token: string) => Promise<Caller>;
  /** API keys: user name → SCRAM verifier and the caller it stands for. */
  readonly apiKeys: ReadonlyMap<string, { readonly verifier: ScramVerifier; readonly caller: () => Caller }>;
  /** Anonymous callers (no password) act as this caller: development only. */
  readonly devCaller?: () => Caller;
  /** With --dev and no token verification configured: no password is asked at all. */
  readonly trustDev?: boolean;
  readonly tls?: SecureContextOptions;
  /** Accept cleartext passwords from non-loopback clients without TLS. */
  readonly insecure: boolean;
  readonly viewFor: (caller: Caller) => RoleView;
  readonly session: Omit<SessionOptions, 'caller' | 'view'>;
  readonly database: string;
  readonly serverVersion: string;
  /** Cancel keys of live connections. */
  readonly register: (pid: number, secret: number, conn: SqlConnection) => void;
  readonly unregister: (pid: number) => void;
  readonly cancel: (pid: number, secret: number) => void;
  readonly log: (level: 'warn' | 'error', obj: Record<string, unknown>, msg: string) => void;
  /** Startup must finish within this long. */
  readonly startupTimeoutMs: number;
}

interface Portal {
  readonly prepared: Prepared;
  readonly params: readonly (string | number | boolean | null)[];
  readonly resultFormats: readonly number[];
  /** Rows not yet sent (after an Execute with a row limit, or a Describe that had to run it). */
  pending?: { fields: readonly Field[] | null; rows: readonly (readonly (string | null)[])[]; tag: string; sent: number };
}

type AuthState =
  | { step: 'startup' }
  | { step: 'password'; user: string; params: Readonly<Record<string, string>> }
  | { step: 'sasl-initial'; user: string; params: Readonly<Record<string, string>>; verifier: ScramVerifier; caller: () => Caller }
  | { step: 'sasl-final'; user: string; params: Readonly<Record<string, string>>; exchange: ScramExchange; caller: () => Caller }
  | { step: 'ready' };

/**
 * One client connection: startup (SSL/GSSENC negotiation, authentication), then the simple and
 * extended query protocols, one message at a time, in order.
 */
export class SqlConnection {
  private socket: Socket;
  private readonly reader = new MessageReader();
  private readonly out = new MessageWriter();
  private auth: AuthState = { step: 'startup' };
  private session: SqlSession | undefined;
  private caller: Caller | undefined;
  private tokenExp: number | undefined;
  private readonly statements = new Map<string, Prepared>();
  private readonly portals = new Map<string, Portal>();
  /** After an error in the extended protocol, messages are skipped until Sync. */
  private skipping = false;
  private queue: Promise<void> = Promise.resolve();
  private running: AbortController | undefined;
  private closed = false;
  private pid = 0;
  private startupTimer: NodeJS.Timeout | undefined;

  constructor(
    socket: Socket,
    private readonly ctx: ConnectionContext,
  ) {
    this.socket = socket;
    this.attach(socket);
    this.startupTimer = setTimeout(() => this.fatal('08P01', 'startup took too long'), ctx.startupTimeoutMs);
    this.startupTimer.unref();
  }

  /** A CancelRequest for this connection: stops the statement running now, if any. */
  cancelRunning(): void {
    this.running?.abort();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.startupTimer);
    this.running?.abort();
    if (this.pid) this.ctx.unregister(this.pid);
    // end() flushes what was written (a FATAL error) before closing.
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  private attach(socket: Socket): void {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  private onData(chunk: Buffer): void {
    this.reader.push(chunk);
    this.queue = this.queue.then(() => this.drain()).catch((e: unknown) => {
      if (e instanceof ProtocolViolation) return this.fatal('08P01', e.message);
      this.ctx.log('error', { err: e instanceof Error ? e.message : String(e) }, 'sql connection failed');
      this.fatal('XX000', 'internal error');
    });
  }

  private async drain(): Promise<void> {
    while (!this.closed) {
      if (this.reader.startup) {
        const p = this.reader.nextStartup();
        if (!p) return;
        await this.onStartup(p);
      } else {
        const m = this.reader.next();
        if (!m) return;
        await this.onMessage(m);
      }
    }
  }

  private send(...buffers: Buffer[]): void {
    if (this.closed) return;
    for (const b of buffers) this.socket.write(b);
  }

  private fatal(code: string, message: string, hint?: string): void {
    this.send(this.out.error({ severity: 'FATAL', code, message, ...(hint ? { hint } : {}) }));
    this.close();
  }

  private async onStartup(p: StartupPacket): Promise<void> {
    if (p.kind === 'cancel') {
      this.ctx.cancel(p.pid, p.secret);
      this.close();
      return;
    }
    if (p.kind === 'gssenc') {
      this.send(Buffer.from('N'));
      return;
    }
    if (p.kind === 'ssl') {
      if (!this.ctx.tls || this.socket instanceof TLSSocket) {
        this.send(Buffer.from('N'));
        return;
      }
      this.send(Buffer.from('S'));
      await this.upgrade();
      return;
    }
    if (p.version !== PROTOCOL_V3) {
      this.fatal('0A000', `unsupported frontend protocol ${p.version >> 16}.${p.version & 0xffff}: the server supports 3.0`);
      return;
    }
    this.reader.startup = false;
    const user = p.params['user'] ?? '';
    const key = this.ctx.apiKeys.get(user);
    if (key) {
      this.auth = { step: 'sasl-initial', user, params: p.params, verifier: key.verifier, caller: key.caller };
      this.send(this.out.authSasl(['SCRAM-SHA-256']));
      return;
    }
    if (this.ctx.devCaller && this.ctx.trustDev) {
      return this.ready(this.ctx.devCaller(), p.params, user);
    }
    const remote = this.socket.remoteAddress ?? '';
    const loopback = remote === '127.0.0.1' || remote === '::1' || remote === '::ffff:127.0.0.1';
    if (!(this.socket instanceof TLSSocket) && !loopback && !this.ctx.insecure) {
      this.fatal('28000', 'the password (a token) would cross the network unencrypted: connect with sslmode=require', this.ctx.tls ? 'set sslmode=require in the connection' : 'start the server with --sql-tls-cert and --sql-tls-key, or --sql-insecure on a trusted network');
      return;
    }
    this.auth = { step: 'password', user, params: p.params };
    this.send(this.out.authCleartext());
  }

  private async upgrade(): Promise<void> {
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    plain.removeAllListeners('error');
    const tls = new TLSSocket(plain, { isServer: true, ...this.ctx.tls });
    this.socket = tls;
    await new Promise<void>((resolve) => {
      tls.once('secure', () => resolve());
      tls.once('error', () => {
        this.close();
        resolve();
      });
    });
    if (!this.closed) this.attach(tls);
  }

  private async onMessage(m: FrontendMessage): Promise<void> {
    switch (this.auth.step) {
      case 'startup':
        return this.fatal('08P01', 'expected a startup message');
      case 'password':
        return this.onPassword(m, this.auth);
      case 'sasl-initial':
      case 'sasl-final':
        return this.onSasl(m, this.auth);
      case 'ready':
        return this.onQueryMessage(m);
    }
  }

  private async onPassword(m: FrontendMessage, a: Extract<AuthState, { step: 'password' }>): Promise<void> {
    if (m.type !== 'password') return this.fatal('08P01', 'expected a password message');
    const password = m.body.toString('utf8').replace(/\0+$/, '');
    if (password === '' && this.ctx.devCaller) return this.ready(this.ctx.devCaller(), a.params, a.user);
    let caller: Caller;
    try {
      caller = await this.ctx.verifyToken(password);
    } catch (e) {
      const why = e instanceof ApiError ? e.message : 'invalid token';
      return this.fatal(e instanceof ApiError && e.status === 403 ? '42501' : '28P01', `password authentication failed for user "${a.user}": ${why}`, 'the password is a token from `strata token` or your identity provider');
    }
    try {
      const exp = decodeJwt(password).exp;
      if (typeof exp === 'number') this.tokenExp = exp * 1000;
    } catch {
      // Verified above; a token without a readable exp simply has none.
    }
    return this.ready(caller, a.params, a.user);
  }

  private async onSasl(m: FrontendMessage, a: Extract<AuthState, { step: 'sasl-initial' | 'sasl-final' }>): Promise<void> {
    if (m.type !== 'password') return this.fatal('08P01', 'expected a SASL response');
    const fail = (): void => this.fatal('28P01', `password authentication failed for user "${a.user}"`);
    if (a.step === 'sasl-initial') {
      const body = m.body;
      const end = body.indexOf(0);
      if (end < 0 || body.length < end + 5) return fail();
      const mechanism = body.toString('utf8', 0, end);
      const len = body.readInt32BE(end + 1);
      const first = body.toString('utf8', end + 5, end + 5 + Math.max(0, len));
      const exchange = new ScramExchange(a.verifier);
      let serverFirst: string;
      try {
        serverFirst = exchange.start(mechanism, first);
      } catch {
        return fail();
      }
      this.auth = { step: 'sasl-final', user: a.user, params: a.params, exchange, caller: a.caller };
      this.send(this.out.authSaslContinue(serverFirst));
      return;
    }
    const final = a.exchange.finish(m.body.toString('utf8'));
    if (!final) return fail();
    this.send(this.out.authSaslFinal(final));
    let caller: Caller;
    try {
      caller = a.caller();
    } catch (e) {
      return this.fatal('42501', e instanceof ApiError ? e.message : 'no access');
    }
    return this.ready(caller, a.params, a.user);
  }

  private ready(caller: Caller, params: Readonly<Record<string, string>>, user: string): void {
    clearTimeout(this.startupTimer);
    let view: RoleView;
    try {
      view = this.ctx.viewFor(caller);
    } catch (e) {
      return this.fatal('42501', e instanceof ApiError ? e.message : 'no access');
    }
    this.caller = caller;
    const settings = defaultSettings(this.ctx.serverVersion, user, this.ctx.database, params['application_name'] ?? '');
    for (const [k, v] of Object.entries(params)) {
      const key = k.toLowerCase();
      if (['user', 'database', 'options', 'replication'].includes(key)) continue;
      if (key === 'timezone' || key === 'datestyle' || key === 'client_encoding' || key === 'application_name' || key === 'extra_float_digits' || key === 'search_path') settings[key] = v;
    }
    this.session = new SqlSession({ ...this.ctx.session, caller, view }, settings);
    this.auth = { step: 'ready' };
    this.pid = randomInt(1, 2 ** 31 - 1);
    const secret = randomInt(1, 2 ** 31 - 1);
    this.ctx.register(this.pid, secret, this);
    const reported = ['server_version', 'server_encoding', 'client_encoding', 'application_name', 'datestyle', 'intervalstyle', 'timezone', 'integer_datetimes', 'standard_conforming_strings', 'is_superuser', 'session_authorization', 'in_hot_standby', 'default_transaction_read_only'];
    const names: Record<string, string> = { datestyle: 'DateStyle', intervalstyle: 'IntervalStyle', timezone: 'TimeZone' };
    this.send(this.out.authOk(), ...reported.map((k) => this.out.parameterStatus(names[k] ?? k, settings[k] ?? '')), this.out.backendKeyData(this.pid, secret), this.out.readyForQuery('I'));
  }

  private async onQueryMessage(m: FrontendMessage): Promise<void> {
    const s = this.session!;
    if (this.tokenExp !== undefined && Date.now() >= this.tokenExp && m.type !== 'terminate') {
      return this.fatal('28000', 'the token of this session has expired', 'reconnect with a new token');
    }
    if (m.type === 'terminate') return this.close();
    if (m.type === 'sync') {
      this.skipping = false;
      if (s.txStatus === 'I') for (const k of [...this.portals.keys()]) this.portals.delete(k);
      this.send(this.out.readyForQuery(s.txStatus));
      return;
    }
    if (m.type === 'flush') return;
    if (m.type === 'query') return this.simpleQuery(m.sql);
    if (this.skipping) return;
    try {
      await this.extended(m);
    } catch (e) {
      this.skipping = true;
      this.sendError(e);
    }
  }

  private async simpleQuery(sql: string): Promise<void> {
    const s = this.session!;
    try {
      const stmts = s.parseMany(sql);
      if (stmts.length === 1 && stmts[0]!.stmt === undefined) {
        this.send(this.out.emptyQuery());
      } else {
        for (const { stmt } of stmts) {
          const p = s.classify(stmt);
          const r = await this.run(p, []);
          if (r.fields) this.send(this.out.rowDescription(r.fields.map((f) => field(f, 0))));
          for (const row of r.rows) this.send(this.out.dataRow(row.map((v) => (v === null ? null : Buffer.from(v, 'utf8')))));
          this.send(this.out.commandComplete(r.tag));
        }
      }
    } catch (e) {
      this.sendError(e);
    }
    this.send(this.out.readyForQuery(s.txStatus));
  }

  /** Runs with a cancel handle; an error inside a transaction block fails the block. */
  private async run(p: Prepared, params: readonly (string | number | boolean | null)[]): Promise<{ fields: readonly Field[] | null; rows: readonly (readonly (string | null)[])[]; tag: string }> {
    const s = this.session!;
    const ac = new AbortController();
    this.running = ac;
    try {
      return await s.execute(p, params, ac.signal);
    } catch (e) {
      if (ac.signal.aborted && !(e instanceof SqlError && e.code === '57014')) throw new SqlError('57014', 'canceling statement due to user request');
      throw e;
    } finally {
      if (this.running === ac) this.running = undefined;
    }
  }

  private async extended(m: FrontendMessage): Promise<void> {
    const s = this.session!;
    switch (m.type) {
      case 'parse': {
        if (m.name !== '' && this.statements.has(m.name)) throw new SqlError('42P05', `prepared statement "${m.name}" already exists`);
        this.statements.set(m.name, s.prepare(m.sql, m.paramTypes));
        this.send(this.out.parseComplete());
        return;
      }
      case 'bind': {
        const p = this.statements.get(m.statement);
        if (!p) throw new SqlError('26000', `prepared statement "${m.statement}" does not exist`);
        if (m.params.length !== p.paramTypes.length && !(p.kind === 'catalog' && m.params.length >= p.paramTypes.length)) {
          throw new SqlError('08P01', `bind message supplies ${m.params.length} parameters, but prepared statement "${m.statement}" requires ${p.paramTypes.length}`);
        }
        const params = m.params.map((raw, i) => {
          const format = m.paramFormats.length === 1 ? m.paramFormats[0]! : (m.paramFormats[i] ?? 0);
          try {
            return decodeParam(raw, format, p.paramTypes[i] ?? 0);
          } catch (e) {
            throw new SqlError('22P03', e instanceof Error ? e.message : 'invalid binary parameter');
          }
        });
        if (m.portal !== '' && this.portals.has(m.portal)) throw new SqlError('42P03', `cursor "${m.portal}" already exists`);
        this.portals.set(m.portal, { prepared: p, params, resultFormats: m.resultFormats });
        this.send(this.out.bindComplete());
        return;
      }
      case 'describe': {
        if (m.target === 'S') {
          const p = this.statements.get(m.name);
          if (!p) throw new SqlError('26000', `prepared statement "${m.name}" does not exist`);
          this.send(this.out.parameterDescription(p.paramTypes.map((t) => t || OID.text)));
          const fields = s.describe(p, undefined);
          this.send(fields ? this.out.rowDescription(fields.map((f) => field(f, 0))) : this.out.noData());
          return;
        }
        const portal = this.portals.get(m.name);
        if (!portal) throw new SqlError('34000', `portal "${m.name}" does not exist`);
        let fields: readonly Field[] | null;
        if (portal.prepared.kind === 'catalog' || (portal.prepared.kind === 'session' && !portal.pending)) {
          // Catalog answers are computed to know their columns; Execute sends the rows.
          const r = await this.run(portal.prepared, portal.params);
          portal.pending = { ...r, sent: 0 };
          fields = r.fields;
        } else fields = s.describe(portal.prepared, portal.params);
        this.send(fields ? this.out.rowDescription(fields.map((f, i) => field(f, formatOf(portal.resultFormats, i)))) : this.out.noData());
        return;
      }
      case 'execute': {
        const portal = this.portals.get(m.portal);
        if (!portal) throw new SqlError('34000', `portal "${m.portal}" does not exist`);
        if (!portal.pending) portal.pending = { ...(await this.run(portal.prepared, portal.params)), sent: 0 };
        const pend = portal.pending;
        if (portal.prepared.kind === 'empty') {
          this.send(this.out.emptyQuery());
          return;
        }
        const end = m.maxRows > 0 ? Math.min(pend.rows.length, pend.sent + m.maxRows) : pend.rows.length;
        const fields = pend.fields ?? [];
        for (let i = pend.sent; i < end; i++) {
          const row = pend.rows[i]!;
          this.send(this.out.dataRow(row.map((v, c) => encode(v, fields[c]?.typeOid ?? OID.text, formatOf(portal.resultFormats, c)))));
        }
        pend.sent = end;
        if (end < pend.rows.length) this.send(this.out.portalSuspended());
        else this.send(this.out.commandComplete(pend.tag));
        return;
      }
      case 'close': {
        if (m.target === 'S') this.statements.delete(m.name);
        else this.portals.delete(m.name);
        this.send(this.out.closeComplete());
        return;
      }
      case 'password':
        throw new SqlError('08P01', 'unexpected password message');
      default:
        throw new SqlError('08P01', `unsupported message type ${m.type === 'unknown' ? String.fromCharCode(m.code) : m.type}`);
    }
  }

  private sendError(e: unknown): void {
    // Any error inside a transaction block fails the block, as in PostgreSQL.
    if (this.session?.txStatus === 'T') this.session.txStatus = 'E';
    let f: ErrorFields;
    if (e instanceof SqlError) {
      f = { severity: 'ERROR', code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}), ...(e.position !== undefined ? { position: e.position } : {}) };
    } else {
      this.ctx.log('error', { err: e instanceof Error ? { message: e.message, stack: e.stack } : String(e) }, 'sql statement failed');
      f = { severity: 'ERROR', code: 'XX000', message: 'internal error' };
    }
    this.send(this.out.error(f));
  }
}

function formatOf(formats: readonly number[], i: number): number {
  return formats.length === 0 ? 0 : formats.length === 1 ? formats[0]! : (formats[i] ?? 0);
}

/** A RowDescription field; binary only where there is a binary encoder (else text, and it says so). */
function field(f: Field, format: number): { name: string; typeOid: number; typeSize: number; format: number } {
  return { name: f.name, typeOid: f.typeOid, typeSize: typeSize(f.typeOid), format: format === 1 && hasBinary(f.typeOid) ? 1 : 0 };
}

function encode(v: string | null, oid: number, format: number): Buffer | null {
  if (v === null) return null;
  return format === 1 && hasBinary(oid) ? textToBinary(v, oid) : Buffer.from(v, 'utf8');
}
