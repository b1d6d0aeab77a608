import { readFileSync } from 'node:fs';
import { CompileError } from '../../diagnostics/index.js';
import type { ProjectFiles } from '../../project/types.js';
import type { SemanticLayer } from '../../semantic/index.js';
import type { StrataServer } from '../../server/index.js';
import { createSqlServer, parseVerifier, scramVerifier, type SqlApiKey } from '../../server/wire/index.js';

interface SqlStartOptions {
  readonly opts: { host: string; sqlTlsCert?: string; sqlTlsKey?: string; sqlInsecure?: boolean; dev?: string | boolean };
  readonly files: ProjectFiles;
  readonly semantic: SemanticLayer;
  readonly http: StrataServer;
  readonly devRole: string | undefined;
  readonly trustDev: boolean;
  readonly port: number;
  readonly maxRows: number;
  readonly maxConnections: number;
}

const bad = (message: string, hint?: string): never => {
  throw new CompileError([{ code: 'config-invalid', severity: 'error', message, ...(hint ? { hint } : {}) }]);
};

/** Starts the PostgreSQL-wire SQL API next to (or instead of) the HTTP API, on the same query service. */
export async function startSqlApi(o: SqlStartOptions): Promise<{ address: string; close: () => Promise<void> }> {
  const { opts } = o;
  if ((opts.sqlTlsCert === undefined) !== (opts.sqlTlsKey === undefined)) bad('--sql-tls-cert and --sql-tls-key go together', 'pass both PEM files, or neither');
  let tls: { cert: Buffer; key: Buffer } | undefined;
  if (opts.sqlTlsCert && opts.sqlTlsKey) {
    try {
      tls = { cert: readFileSync(opts.sqlTlsCert), key: readFileSync(opts.sqlTlsKey) };
    } catch (e) {
      bad(`cannot read the TLS files: ${(e as Error).message}`);
    }
  }
  const roles = o.semantic.access?.roles;
  const apiKeys: SqlApiKey[] = (o.files.target.sqlApiKeys ?? []).map((k) => {
    if (roles && !roles[k.role]) bad(`sql_api_keys: user '${k.user}' names the role '${k.role}', which the access policy does not have`, `roles: ${Object.keys(roles).join(', ')}`);
    const verifier = k.scram !== undefined ? parseVerifier(k.scram) : scramVerifier(k.password!);
    if (!verifier) return bad(`sql_api_keys: user '${k.user}' has an invalid SCRAM verifier`, 'generate one with `strata token --sql-key <key>`');
    return { user: k.user, role: k.role, claims: k.claims, verifier };
  });
  const server = await createSqlServer({
    layer: o.semantic,
    service: o.http.service,
    authenticate: o.http.authenticate,
    ...(o.devRole !== undefined ? { devRole: o.devRole } : {}),
    trustDev: o.trustDev,
    apiKeys,
    ...(tls ? { tls } : {}),
    insecure: opts.sqlInsecure === true,
    database: o.files.config.name,
    maxRows: o.maxRows,
    maxConnections: o.maxConnections,
    log: (level, obj, msg) => o.http.app.log[level](obj, msg),
  });
  let address: string;
  try {
    address = await server.listen(o.port, opts.host);
  } catch (e) {
    return bad(`cannot listen on ${opts.host}:${o.port}: ${(e as Error).message}`, 'pick another --sql-port');
  }
  return { address, close: () => server.close() };
}
