import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { CompileError } from '../../diagnostics/index.js';
import { addProjectOptions, reporterFor, type CommonOptions } from '../common.js';
import type { Reporter } from '../reporter.js';
import { compileAndSelect } from './compile.js';
import { openTargetAdapter } from './execute.js';

export interface ServeOptions extends CommonOptions {
  port: string;
  host: string;
  dev?: string | boolean;
  jwks?: string;
  cache?: string;
  cacheTtl: string;
  statementTimeout: string;
  maxConcurrent?: string;
  maxPerRole?: string;
  cors?: string;
  metaSchema?: string;
  jwtAudience?: string;
  jwtIssuer?: string;
  /** false with --no-jwt-require-exp */
  jwtRequireExp: boolean;
  queueTimeout: string;
  rowLimit: string;
  maxRows: string;
  sqlPort?: string;
  sqlTlsCert?: string;
  sqlTlsKey?: string;
  sqlInsecure?: boolean;
  sqlMaxConnections: string;
  /** `strata serve-sql`: the SQL API only. */
  sqlOnly?: boolean;
  /**
   * `strata docs serve`: the generated site at `/` (and `/docs/`) next to the API; it must have
   * been generated; without a semantic layer only the site is served.
   */
  docsAtRoot?: boolean;
}

/** `strata serve`: the metric HTTP API over the project's semantic layer. */
export function registerServe(program: Command, run: (r: Reporter, f: () => Promise<number>) => Promise<number>): void {
  const cmd = program
    .command('serve')
    .description('serve the semantic layer over HTTP (metric API, Cube-compatible endpoints)')
    .option('--port <n>', 'port to listen on', '4000')
    .option('--dev [role]', 'allow anonymous requests as this role (development only)')
    .option('--cors <origins>', "comma-separated allowed origins, or '*'");
  addServingOptions(addSqlOptions(addHttpApiOptions(cmd))).option('--sql-port <n>', 'also serve the PostgreSQL-wire SQL API on this port (e.g. 5433)');
  addProjectOptions(cmd).action(async (opts: ServeOptions) => {
    const reporter = reporterFor(opts);
    await run(reporter, () => serve(opts, reporter));
  });
  // The SQL API alone: BI tools connect with their PostgreSQL driver.
  const sql = program
    .command('serve-sql')
    .description('serve the semantic layer over the PostgreSQL wire protocol only (BI tools, psql, JDBC)')
    .option('--port <n>', 'port to listen on', '5433')
    .option('--dev [role]', 'allow connections without a password as this role (development only)')
    .option('--cache <where>', "result cache: 'memory' (default), 'off' or redis://host:port/db")
    .option('--statement-timeout <ms>', 'cancel a database query after this long', '30000')
    .option('--queue-timeout <ms>', 'how long a query waits for a free database connection', '5000')
    .option('--max-rows <n>', 'the most rows a statement returns (more is an error asking for LIMIT)', '100000');
  addProjectOptions(addServingOptions(addSqlOptions(sql))).action(async (opts: ServeOptions) => {
    const reporter = reporterFor(opts);
    await run(reporter, () => serve({ ...opts, sqlOnly: true, sqlPort: opts.port, rowLimit: opts.maxRows }, reporter));
  });
}

/** Flags of the HTTP metric API (`serve`, `docs serve`): result cache, timeouts, row limits. */
export function addHttpApiOptions(cmd: Command): Command {
  return cmd
    .option('--cache <where>', "result cache: 'memory' (default), 'off' or redis://host:port/db (default: STRATA_REDIS_URL or the profile's online_store)")
    .option('--statement-timeout <ms>', 'cancel a database query after this long (PGlite too: see README "Serving from the embedded database")', '30000')
    .option('--queue-timeout <ms>', 'how long a request waits for a free database connection before a 503', '5000')
    .option('--row-limit <n>', 'rows returned when a query sets no limit (meta.truncated says when rows were left out)', '10000')
    .option('--max-rows <n>', 'the largest limit a query may ask for (more is a 400)', '100000');
}

/** Flags `serve`, `serve-sql` and `docs serve` take: binding, token verification, cache lifetime, admission, metadata. */
export function addServingOptions(cmd: Command): Command {
  return cmd
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--jwks <file-or-url>', 'verify RS256/ES256 tokens with this JWKS (default: HS256 with STRATA_API_SECRET)')
    .option('--jwt-audience <aud>', 'tokens must carry this audience (aud)')
    .option('--jwt-issuer <iss>', 'tokens must carry this issuer (iss)')
    .option('--no-jwt-require-exp', 'accept tokens without an expiry (exp); by default they are refused')
    .option('--cache-ttl <seconds>', 'how long a cached result is served', '300')
    .option('--max-concurrent <n>', 'database queries at once, all roles (past it: 503)')
    .option('--max-per-role <n>', 'database queries at once per role (past it: 429)')
    .option('--meta-schema <schema>', 'schema of strata_meta.builds / rollups', 'strata_meta');
}

function addSqlOptions(cmd: Command): Command {
  return cmd
    .option('--sql-tls-cert <file>', 'PEM certificate for TLS on the SQL port (clients: sslmode=require)')
    .option('--sql-tls-key <file>', 'PEM private key for --sql-tls-cert')
    .option('--sql-insecure', 'accept tokens from non-loopback clients without TLS (trusted networks only)')
    .option('--sql-max-connections <n>', 'SQL connections at once (past it: "too many clients")', '1000');
}

/** Anonymous access (`--dev`) must never be reachable from another machine. */
function refuseAnonymousOffLoopback(host: string): void {
  if (!['127.0.0.1', '::1', 'localhost'].includes(host)) {
    throw new CompileError([{ code: 'config-invalid', severity: 'error', message: `--dev serves anonymous requests, so it only binds to loopback (got --host ${host})`, hint: 'drop --host, or use tokens (STRATA_API_SECRET / --jwks) to listen on other addresses' }]);
  }
}

/**
 * `strata serve` (and `serve-sql`, `docs serve` through `sqlOnly` / `docsAtRoot`): compiles the
 * project, opens the target database and serves until SIGINT/SIGTERM.
 */
export async function serve(opts: ServeOptions, reporter: Reporter): Promise<number> {
  const { cache: _cache, docsAtRoot: _docs, ...common } = opts;
  const { files, semantic, compiled } = await compileAndSelect({ ...common, select: [] });
  const docsDir = join(files.root, files.config.targetPath, 'docs');
  if (opts.docsAtRoot) {
    if (!existsSync(join(docsDir, 'index.html'))) {
      throw new CompileError([{ code: 'config-invalid', severity: 'error', message: `the docs site has not been generated (${relative(process.cwd(), join(docsDir, 'index.html')) || 'index.html'} is missing)`, hint: 'run `strata docs generate` first' }]);
    }
    if (!semantic) return serveDocsOnly(opts, docsDir, reporter);
  }
  if (!semantic) {
    throw new CompileError([{ code: 'semantic-invalid', severity: 'error', message: 'this project has no semantic layer to serve', hint: 'declare semantic_models: and metrics: in semantic/*.yml' }]);
  }
  const secret = process.env['STRATA_API_SECRET'];
  const devRole = opts.dev === undefined ? undefined : typeof opts.dev === 'string' ? opts.dev : (semantic.access?.defaultRole !== 'none' ? semantic.access?.defaultRole : undefined) ?? Object.keys(semantic.access?.roles ?? {})[0] ?? 'dev';
  if (devRole !== undefined) {
    refuseAnonymousOffLoopback(opts.host);
    if (semantic.access && !semantic.access.roles[devRole]) {
      throw new CompileError([{ code: 'config-invalid', severity: 'error', message: `--dev role '${devRole}' is not a role of the access policy`, hint: `roles: ${Object.keys(semantic.access.roles).join(', ')}` }]);
    }
  }
  if (!secret && !opts.jwks && devRole === undefined) {
    throw new CompileError([{ code: 'config-invalid', severity: 'error', message: 'no token verification configured', hint: 'set STRATA_API_SECRET (HS256), pass --jwks <file|url>, or --dev [role] for local development' }]);
  }
  const int = (v: string | undefined, name: string): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new CompileError([{ code: 'config-invalid', severity: 'error', message: `--${name} '${v}' must be a non-negative integer` }]);
    return n;
  };
  const statementTimeoutMs = int(opts.statementTimeout, 'statement-timeout') ?? 30_000;
  const queueTimeoutMs = int(opts.queueTimeout, 'queue-timeout') ?? 5_000;
  const maxConcurrent = int(opts.maxConcurrent, 'max-concurrent');
  const maxPerRole = int(opts.maxPerRole, 'max-per-role');
  const cacheTtlMs = (int(opts.cacheTtl, 'cache-ttl') ?? 300) * 1000;
  const port = int(opts.port, 'port') ?? 4000;
  const server = await import('../../server/index.js');
  // The feature store, when the project declares one, is served behind the same authentication.
  const featureStore = await import('../../features/index.js');
  const loaded = await featureStore.loadProjectFeatures(files, compiled.manifest);
  if (!loaded.registry && loaded.diagnostics.length) throw new CompileError(loaded.diagnostics);
  // PGlite: the server holds the data directory while it runs and lends it to run/build/query/…
  // on request (they ask over loopback; requests get 503 meanwhile); it reopens it afterwards.
  const { adapter, close: closeAdapter } = await openTargetAdapter(files.target, reporter, {
    command: 'serve',
    lend: true,
    ...(statementTimeoutMs > 0 ? { statementTimeoutMs } : {}),
    ...(queueTimeoutMs > 0 ? { queueTimeoutMs } : {}),
  });
  const cleanup: (() => Promise<void>)[] = [closeAdapter];
  try {
    const registry = loaded.registry ? await featureStore.writeFeatureRegistry(featureStore.registryPath(files), loaded.registry) : undefined;
    const store = registry ? featureStore.openOnlineStore(files.target, adapter, registry.namespace) : undefined;
    if (store) cleanup.unshift(() => store.close());
    const cacheUrl = opts.cache || process.env['STRATA_REDIS_URL'] || (files.target.onlineStore?.type === 'redis' ? files.target.onlineStore.url : undefined) || 'memory';
    const cache =
      cacheUrl === 'off'
        ? new server.NoCache()
        : cacheUrl === 'memory'
          ? new server.LruCache(10_000)
          : new server.RedisCache(cacheUrl, (e) => reporter.info(`redis cache: ${e.message}`, { event: 'cache_error' }));
    let closeCache: (() => Promise<void>) | undefined = () => cache.close();
    cleanup.unshift(async () => closeCache?.());
    const s = await server.createServer({
      layer: semantic,
      adapter,
      auth: {
        ...(secret && !opts.jwks ? { secret } : {}),
        ...(opts.jwks ? { jwks: opts.jwks } : {}),
        ...(devRole !== undefined ? { devRole } : {}),
        ...(opts.jwtAudience ? { audience: opts.jwtAudience } : {}),
        ...(opts.jwtIssuer ? { issuer: opts.jwtIssuer } : {}),
        requireExp: opts.jwtRequireExp !== false,
      },
      cache,
      cacheTtlMs,
      statementTimeoutMs,
      rowLimits: { default: int(opts.rowLimit, 'row-limit') ?? 10_000, max: int(opts.maxRows, 'max-rows') ?? 100_000 },
      limits: { ...(maxConcurrent !== undefined ? { maxConcurrent } : {}), ...(maxPerRole !== undefined ? { maxPerRole } : {}), queueTimeoutMs },
      targetSchema: files.target.schema,
      metaSchema: opts.metaSchema ?? 'strata_meta',
      corsOrigins: opts.cors ? opts.cors.split(',').map((x) => x.trim()) : [],
      logger: { level: 'warn' },
      docsDir,
      ...(opts.docsAtRoot ? { docsAtRoot: true } : {}),
      ...(registry && store ? { features: { registry, store } } : {}),
    });
    // From here the server closes the cache.
    closeCache = undefined;
    cleanup.unshift(() => s.close());
    const sqlPort = int(opts.sqlPort, 'sql-port');
    let sqlAddress: string | undefined;
    if (sqlPort !== undefined) {
      const { startSqlApi } = await import('./serve-sql.js');
      const sql = await startSqlApi({ opts, files, semantic, http: s, devRole, trustDev: devRole !== undefined && !secret && !opts.jwks, port: sqlPort, maxRows: int(opts.maxRows, 'max-rows') ?? 100_000, maxConnections: int(opts.sqlMaxConnections, 'sql-max-connections') ?? 1000 });
      cleanup.unshift(() => sql.close());
      sqlAddress = sql.address;
      reporter.info(`SQL API (PostgreSQL protocol) at ${sql.address}: psql "host=${opts.host} port=${sqlPort} user=<name> password=<token>"`, { event: 'serve_sql', address: sql.address });
    }
    if (opts.sqlOnly) {
      if (devRole !== undefined) reporter.info(`!!! DEVELOPMENT MODE: connections WITHOUT A PASSWORD are served as role '${devRole}'.`, { event: 'dev_mode', role: devRole });
      reporter.info(`Serving ${Object.keys(semantic.metrics).length} metrics over SQL at ${sqlAddress}`, { event: 'serve', address: sqlAddress, cache: cache.kind });
      await waitForStop(reporter);
      return 0;
    }
    const address = await s.app.listen({ port, host: opts.host });
    if (devRole !== undefined) {
      reporter.info('');
      reporter.info('!!! DEVELOPMENT MODE: requests WITHOUT A TOKEN are served as role', { event: 'dev_mode', role: devRole });
      reporter.info(`!!!   '${devRole}'. Never expose this server beyond your machine.`);
      reporter.info('');
    }
    const docsUrl = opts.docsAtRoot ? `${address}/` : `${address}/docs/`;
    reporter.info(`Docs and metric explorer: ${docsUrl} (strata docs generate refreshes the catalog)`, { event: 'docs', url: docsUrl });
    if (devRole === undefined) reporter.info('The metric explorer needs a token: `strata token --role <role>`, pasted into its token field');
    reporter.info(`Serving ${Object.keys(semantic.metrics).length} metrics at ${address} (cache: ${cache.kind}, rollups built: ${Object.keys(s.service.builtRollups).join(', ') || 'none'})`, { event: 'serve', address, cache: cache.kind });
    await waitForStop(reporter);
  } finally {
    // Server (waits for in-flight requests), online store, cache if the server never took it, database.
    for (const f of cleanup) await f().catch(() => undefined);
  }
  return 0;
}

/** `strata docs serve` of a project without a semantic layer: the static site only. */
async function serveDocsOnly(opts: ServeOptions, docsDir: string, reporter: Reporter): Promise<number> {
  if (opts.dev !== undefined) refuseAnonymousOffLoopback(opts.host);
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0) throw new CompileError([{ code: 'config-invalid', severity: 'error', message: `--port '${opts.port}' must be a non-negative integer` }]);
  const { createDocsServer } = await import('../../server/index.js');
  const s = await createDocsServer(docsDir, { level: 'warn' });
  try {
    const address = await s.app.listen({ port, host: opts.host });
    reporter.info(`Docs at ${address}/ (no semantic layer: the metric explorer has nothing to query)`, { event: 'docs', url: `${address}/`, api: false });
    await waitForStop(reporter);
  } finally {
    await s.close();
  }
  return 0;
}

function waitForStop(reporter: Reporter): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      reporter.info('Shutting down: finishing in-flight requests');
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
