import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { DiagnosticBag, didYouMean, error } from '../diagnostics/index.js';
import { renderEnvVars } from './env-var.js';
import type { Env } from './env-var.js';
import type { OnlineStoreConfig, ResolvedTarget, SqlApiKeyConfig } from './types.js';
import { isRecord, required, parseYamlLocated, zodDiagnostics } from './yaml-located.js';
import type { LocatedYaml } from './yaml-located.js';

/** Env var that replaces the whole target with a Postgres URL. */
export const DATABASE_URL_ENV = 'STRATA_DATABASE_URL';
/** Env var that replaces a Redis online store's URL. */
export const REDIS_URL_ENV = 'STRATA_REDIS_URL';

export interface ResolveTargetOptions {
  /** Absolute project root. */
  readonly root: string;
  /** Profile name (project `profile:`, default the project name). */
  readonly profileName: string;
  readonly profilesDir?: string;
  /** `--target`; overrides the profile's `target:`. */
  readonly target?: string;
  readonly env: Env;
}

/** Integers may come as strings (e.g. from env_var without `| as_number`), as dbt allows. */
const intLike = z.preprocess((v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v), z.number().int().positive());

const onlineStoreSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('redis'), url: z.string().optional() }),
  z.looseObject({ type: z.literal('postgres') }),
]);

const sqlApiKeysSchema = z.array(
  z
    .object({
      user: z.string().min(1),
      role: z.string().min(1),
      claims: z.record(z.string(), z.unknown()).default({}),
      scram: z.string().regex(/^SCRAM-SHA-256\$\d+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/, 'a SCRAM-SHA-256 verifier as `strata token --sql-key` prints it').optional(),
      password: z.union([z.string().min(16, 'an API key must be at least 16 characters'), z.number()]).optional(),
    })
    .strict()
    .refine((k) => (k.scram === undefined) !== (k.password === undefined), { message: 'give exactly one of scram (a verifier) or password (the key, e.g. from env_var)' }),
);

const postgresSchema = z.looseObject({
  type: z.literal('postgres'),
  host: z.string({ error: required("'host' is required") }),
  port: intLike.optional(),
  user: z.string({ error: required("'user' is required") }),
  password: z.union([z.string(), z.number()]).optional(),
  pass: z.union([z.string(), z.number()]).optional(),
  dbname: z.string().optional(),
  database: z.string().optional(),
  schema: z.string().optional(),
  threads: intLike.optional(),
  sslmode: z.string().optional(),
  online_store: onlineStoreSchema.optional(),
  sql_api_keys: sqlApiKeysSchema.optional(),
});

const pgliteSchema = z.looseObject({
  type: z.literal('pglite'),
  path: z.string().optional(),
  dbname: z.string().optional(),
  database: z.string().optional(),
  schema: z.string().optional(),
  threads: intLike.optional(),
  online_store: onlineStoreSchema.optional(),
  sql_api_keys: sqlApiKeysSchema.optional(),
});

/**
 * Resolves the target to run against: `STRATA_DATABASE_URL` wins; else the profile
 * from the first `profiles.yml` found in `profilesDir`, the project dir, `~/.strata/`; with no
 * profiles.yml at all, the embedded PGlite database in `<project>/.strata/pglite`.
 *
 * @example
 * await resolveTarget({ root: '/p', profileName: 'shop', env: {} }, bag)
 * // { type: 'pglite', name: 'dev', path: '/p/.strata/pglite', schema: 'public', origin: 'default', ... }
 */
export async function resolveTarget(opts: ResolveTargetOptions, bag: DiagnosticBag): Promise<ResolvedTarget | undefined> {
  const url = opts.env[DATABASE_URL_ENV];
  if (url) {
    // The profile still supplies names, schema, threads and online store when it resolves; its
    // problems are moot because the URL replaces the connection.
    const quiet = new DiagnosticBag();
    const fromProfile = await resolveFromProfiles(opts, quiet);
    return fromUrl(url, opts, fromProfile ?? undefined, bag);
  }
  const fromProfile = await resolveFromProfiles(opts, bag);
  if (fromProfile !== null) return fromProfile;
  return {
    type: 'pglite',
    name: opts.target ?? 'dev',
    profileName: opts.profileName,
    path: path.join(opts.root, '.strata', 'pglite'),
    dbname: 'postgres',
    schema: 'public',
    threads: 1,
    origin: 'default',
  };
}

/** Candidate profiles.yml locations, in search order. */
export function profilesSearchPath(opts: Pick<ResolveTargetOptions, 'root' | 'profilesDir' | 'env'>): string[] {
  const home = opts.env.HOME || os.homedir();
  // A relative --profiles-dir is relative to the working directory, as in dbt.
  const dirs = [...(opts.profilesDir ? [path.resolve(opts.profilesDir)] : []), opts.root, path.join(home, '.strata')];
  return [...new Set(dirs)].map((d) => path.join(d, 'profiles.yml'));
}

/** null: no profiles.yml anywhere; undefined: found but broken (diagnostics in bag). */
async function resolveFromProfiles(opts: ResolveTargetOptions, bag: DiagnosticBag): Promise<ResolvedTarget | undefined | null> {
  let file: string | undefined;
  let text = '';
  for (const candidate of profilesSearchPath(opts)) {
    try {
      text = await readFile(candidate, 'utf8');
      file = candidate;
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  if (file === undefined) return null;
  // Inside the project: project-relative like every other diagnostic; elsewhere: absolute.
  const shown = file.startsWith(opts.root + path.sep) ? path.relative(opts.root, file).split(path.sep).join('/') : file;
  const yaml = parseYamlLocated(text, shown);
  if (yaml.errors.length) {
    bag.addAll(yaml.errors);
    return undefined;
  }
  const doc = isRecord(yaml.value) ? yaml.value : {};
  const profile = doc[opts.profileName];
  const names = Object.keys(doc).filter((k) => k !== 'config');
  if (!isRecord(profile)) {
    const hint = didYouMean(opts.profileName, names);
    bag.add(
      error('profile-not-found', `profile '${opts.profileName}' is not in ${shown}${names.length ? ` (it has: ${names.join(', ')})` : ''}`, {
        file: shown,
        line: 1,
        col: 1,
        hint: hint ?? `add a '${opts.profileName}:' profile, or set 'profile:' in the project file`,
      }),
    );
    return undefined;
  }
  const outputs = isRecord(profile.outputs) ? profile.outputs : {};
  const outputNames = Object.keys(outputs);
  const defaultTarget = typeof profile.target === 'string' ? profile.target : outputNames.length === 1 ? outputNames[0] : undefined;
  const targetName = opts.target ?? defaultTarget;
  if (targetName === undefined || !isRecord(outputs[targetName])) {
    // Point at the `target:` value that named the missing output, else at the `outputs:` key.
    const at =
      opts.target === undefined && profile.target !== undefined
        ? yaml.locate([opts.profileName, 'target'])
        : yaml.locate([opts.profileName, 'outputs'], { key: true });
    const hint = targetName !== undefined ? didYouMean(targetName, outputNames) : undefined;
    bag.add(
      error(
        'target-not-found',
        targetName === undefined
          ? `profile '${opts.profileName}' has no 'target:' and several outputs (${outputNames.join(', ')})`
          : `target '${targetName}' is not an output of profile '${opts.profileName}'; targets: ${outputNames.join(', ') || '(none)'}`,
        { ...at, hint: hint ?? 'pass --target with one of the listed targets' },
      ),
    );
    return undefined;
  }
  const base = [opts.profileName, 'outputs', targetName];
  const output = renderEnvVars(outputs[targetName], yaml, base, opts.env, bag);
  return buildTarget(output, { file, yaml, base, targetName, opts }, bag);
}

interface BuildContext {
  readonly file: string;
  readonly yaml: LocatedYaml;
  readonly base: (string | number)[];
  readonly targetName: string;
  readonly opts: ResolveTargetOptions;
}

function buildTarget(output: unknown, ctx: BuildContext, bag: DiagnosticBag): ResolvedTarget | undefined {
  const { yaml, base, opts } = ctx;
  const type = isRecord(output) ? output.type : undefined;
  if (type !== 'postgres' && type !== 'pglite') {
    const at = yaml.locate([...base, 'type']);
    bag.add(
      error('profile-invalid', `target '${ctx.targetName}': type ${type === undefined ? 'is missing' : `'${String(type)}' is not supported`}; expected 'postgres' or 'pglite'`, {
        ...at,
        hint: (typeof type === 'string' ? didYouMean(type, ['postgres', 'pglite']) : undefined) ?? "use type: pglite (embedded) or type: postgres",
      }),
    );
    return undefined;
  }
  const common = { name: ctx.targetName, profileName: opts.profileName, origin: ctx.file };
  if (type === 'postgres') {
    const r = postgresSchema.safeParse(output);
    if (!r.success) {
      bag.addAll(zodDiagnostics(r.error, yaml, base, 'profile-invalid'));
      return undefined;
    }
    const o = r.data;
    const dbname = o.dbname ?? o.database;
    if (dbname === undefined) {
      bag.add(error('profile-invalid', `target '${ctx.targetName}': 'dbname' is required`, yaml.locate(base)));
      return undefined;
    }
    const password = o.password ?? o.pass;
    const onlineStore = resolveOnlineStore(o.online_store, ctx, bag);
    return {
      type: 'postgres',
      ...common,
      host: o.host,
      port: o.port ?? 5432,
      user: o.user,
      ...(password !== undefined ? { password: String(password) } : {}),
      dbname,
      schema: o.schema ?? 'public',
      threads: o.threads ?? 4,
      ...(o.sslmode !== undefined ? { sslmode: o.sslmode } : {}),
      ...(onlineStore ? { onlineStore } : {}),
      ...sqlKeys(o.sql_api_keys),
    };
  }
  const r = pgliteSchema.safeParse(output);
  if (!r.success) {
    bag.addAll(zodDiagnostics(r.error, yaml, base, 'profile-invalid'));
    return undefined;
  }
  const o = r.data;
  const onlineStore = resolveOnlineStore(o.online_store, ctx, bag);
  const p = o.path ?? '.strata/pglite';
  return {
    type: 'pglite',
    ...common,
    path: p.startsWith('memory://') ? p : path.resolve(opts.root, p),
    dbname: o.dbname ?? o.database ?? 'postgres',
    schema: o.schema ?? 'public',
    // One embedded connection: a single writer, so no parallelism.
    threads: 1,
    ...(onlineStore ? { onlineStore } : {}),
    ...sqlKeys(o.sql_api_keys),
  };
}

function sqlKeys(raw: z.infer<typeof sqlApiKeysSchema> | undefined): { sqlApiKeys?: SqlApiKeyConfig[] } {
  if (!raw?.length) return {};
  return {
    sqlApiKeys: raw.map((k) => ({
      user: k.user,
      role: k.role,
      claims: k.claims,
      ...(k.scram !== undefined ? { scram: k.scram } : {}),
      ...(k.password !== undefined ? { password: String(k.password) } : {}),
    })),
  };
}

function resolveOnlineStore(
  raw: z.infer<typeof onlineStoreSchema> | undefined,
  ctx: Pick<BuildContext, 'yaml' | 'base' | 'opts' | 'targetName'>,
  bag: DiagnosticBag,
): OnlineStoreConfig | undefined {
  if (!raw) return undefined;
  if (raw.type === 'postgres') return { type: 'postgres' };
  const url = ctx.opts.env[REDIS_URL_ENV] || raw.url;
  if (!url) {
    bag.add(
      error('profile-invalid', `target '${ctx.targetName}': online_store of type redis needs a 'url'`, {
        ...ctx.yaml.locate([...ctx.base, 'online_store']),
        hint: `add url: redis://host:6379/0, or set ${REDIS_URL_ENV}`,
      }),
    );
    return undefined;
  }
  return { type: 'redis', url };
}

/** `postgres://user:pass@host:port/db?schema=x` → a postgres target. */
function fromUrl(url: string, opts: ResolveTargetOptions, profile: ResolvedTarget | undefined, bag: DiagnosticBag): ResolvedTarget | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    u = new URL('invalid:');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    bag.add(
      error('profile-invalid', `${DATABASE_URL_ENV} must look like postgres://user:password@host:5432/dbname?schema=analytics`, {
        hint: 'fix or unset the environment variable',
      }),
    );
    return undefined;
  }
  const password = decodeURIComponent(u.password);
  const sslmode = u.searchParams.get('sslmode');
  const onlineStore = profile?.onlineStore;
  return {
    type: 'postgres',
    name: profile?.name ?? opts.target ?? 'dev',
    profileName: opts.profileName,
    host: decodeURIComponent(u.hostname) || 'localhost',
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username) || 'postgres',
    ...(password ? { password } : {}),
    dbname: decodeURIComponent(u.pathname.replace(/^\//, '')) || 'postgres',
    schema: u.searchParams.get('schema') ?? profile?.schema ?? 'public',
    threads: profile?.type === 'postgres' ? profile.threads : 4,
    ...(sslmode ? { sslmode } : {}),
    origin: `env:${DATABASE_URL_ENV}`,
    ...(onlineStore ? { onlineStore } : {}),
    ...(profile?.sqlApiKeys ? { sqlApiKeys: profile.sqlApiKeys } : {}),
  };
}
