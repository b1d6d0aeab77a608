import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { SecureContextOptions } from 'node:tls';
import { timingSafeEqual } from 'node:crypto';
import { initSqlParser, type SemanticLayer } from '../../semantic/index.js';
import { contextFor, type Authenticator } from '../auth.js';
import type { Caller, QueryService } from '../query-service.js';
import { VirtualCatalog } from './catalog/virtual-catalog.js';
import type { CatalogSurface, CatalogTable } from './catalog/virtual-catalog.js';
import { SqlConnection, type ConnectionContext } from './connection.js';
import type { RoleView } from './engine.js';
import type { ScramVerifier } from './scram.js';
import { buildSurface, type Surface } from './surface.js';

/** An API key: a user name whose password is checked with SCRAM-SHA-256, standing for a role. */
export interface SqlApiKey {
  readonly user: string;
  readonly verifier: ScramVerifier;
  readonly role: string;
  readonly claims: Readonly<Record<string, unknown>>;
}

export interface SqlServerOptions {
  readonly layer: SemanticLayer;
  readonly service: QueryService;
  readonly authenticate: Authenticator;
  /** `--dev`: connections without a password act as this role. */
  readonly devRole?: string;
  /** No token verification configured (dev only): no password is asked. */
  readonly trustDev?: boolean;
  readonly apiKeys?: readonly SqlApiKey[];
  readonly tls?: SecureContextOptions;
  readonly insecure?: boolean;
  /** current_database() and the catalog's database name. */
  readonly database: string;
  /** The schema the tables are in (default public). */
  readonly schema?: string;
  /** Rows one statement may return without LIMIT (the HTTP server's --max-rows). */
  readonly maxRows: number;
  readonly maxConnections?: number;
  readonly serverVersion?: string;
  readonly log: (level: 'warn' | 'error', obj: Record<string, unknown>, msg: string) => void;
}

export interface SqlServer {
  readonly server: Server;
  listen(port: number, host: string): Promise<string>;
  /** Connections open now. */
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * The PostgreSQL-wire SQL API: BI tools connect with their Postgres driver; each semantic model
 * is a table. Authentication and access rules are HTTP's: a JWT as the password (or an API key
 * over SCRAM-SHA-256), the same planner and the same query service.
 *
 * @example
 * const sql = await createSqlServer({ layer, service: http.service, authenticate: http.authenticate, database: 'shop', maxRows: 100_000, log });
 * await sql.listen(5433, '127.0.0.1'); // psql "host=127.0.0.1 port=5433 user=me password=<token>"
 */
export async function createSqlServer(o: SqlServerOptions): Promise<SqlServer> {
  await initSqlParser();
  const schema = o.schema ?? 'public';
  const serverVersion = o.serverVersion ?? '15.0';
  const views = new Map<string, RoleView>();
  const live = new Map<number, { secret: number; conn: SqlConnection }>();
  const sockets = new Set<Socket>();
  let requests = 0;
  const viewFor = (caller: Caller): RoleView => {
    const key = caller.role ? caller.roleName : '\u0000all';
    let v = views.get(key);
    if (!v) {
      const surface = buildSurface(o.layer, caller.role);
      const catalogSurface = toCatalogSurface(surface, o.database, schema, caller.roleName, serverVersion);
      v = { surface, catalogSurface, catalog: new VirtualCatalog(catalogSurface) };
      views.set(key, v);
    }
    return v;
  };
  const keys = new Map((o.apiKeys ?? []).map((k) => [k.user, { verifier: k.verifier, caller: () => contextFor(o.layer, k.role, k.claims) }]));
  const ctx: ConnectionContext = {
    verifyToken: (token) => o.authenticate(`Bearer ${token}`),
    apiKeys: keys,
    ...(o.devRole !== undefined ? { devCaller: () => contextFor(o.layer, o.devRole!, {}) } : {}),
    ...(o.trustDev ? { trustDev: true } : {}),
    ...(o.tls ? { tls: o.tls } : {}),
    insecure: o.insecure ?? false,
    viewFor,
    session: { service: o.service, schema, maxRows: o.maxRows, requestId: () => `sql-${++requests}` },
    database: o.database,
    serverVersion,
    register: (pid, secret, conn) => live.set(pid, { secret, conn }),
    unregister: (pid) => live.delete(pid),
    cancel: (pid, secret) => {
      const c = live.get(pid);
      if (!c) return;
      const a = Buffer.alloc(4);
      const b = Buffer.alloc(4);
      a.writeInt32BE(c.secret);
      b.writeInt32BE(secret);
      if (timingSafeEqual(a, b)) c.conn.cancelRunning();
    },
    log: o.log,
    startupTimeoutMs: 10_000,
  };
  const max = o.maxConnections ?? 1000;
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    if (sockets.size > max) {
      socket.end(tooMany());
      return;
    }
    new SqlConnection(socket, ctx);
  });
  return {
    server,
    get connections() {
      return sockets.size;
    },
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const a = server.address() as AddressInfo;
          resolve(`${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

/** FATAL 53300, sent before startup like PostgreSQL's "too many clients". */
function tooMany(): Buffer {
  const text = Buffer.from('SFATAL\0C53300\0Msorry, too many clients already\0\0', 'utf8');
  const b = Buffer.alloc(5 + text.length);
  b.write('E', 0);
  b.writeInt32BE(4 + text.length, 1);
  text.copy(b, 5);
  return b;
}

function toCatalogSurface(surface: Surface, database: string, schema: string, user: string, serverVersion: string): CatalogSurface {
  const tables: CatalogTable[] = [...surface.tables.values()].map((t) => ({
    name: t.name,
    description: t.description,
    columns: t.columns.map((c) => ({
      name: c.name,
      type: c.type === 'string' ? 'text' : c.type === 'boolean' ? 'boolean' : c.type === 'time' ? (c.member.split('.').length === 3 ? 'date' : 'timestamp without time zone') : 'numeric',
      description: c.description || (c.kind === 'dimension' ? `dimension ${c.member}` : c.kind === 'measure' ? `measure ${c.member} (${c.agg}): MEASURE(${c.name})` : `metric ${c.member}: AGGREGATE(${c.name})`),
    })),
  }));
  return { database, schema, user, serverVersion, tables, settings: {} };
}
