import { readFile } from 'node:fs/promises';
import { createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { SecurityContext, SemanticLayer } from '../semantic/index.js';
import { nullRecord } from '../shared/records.js';
import { ApiError } from './api-error.js';

/** How tokens are verified. Exactly one of `secret` / `jwks`, unless `dev` allows anonymous. */
export interface AuthOptions {
  /** HS256 shared secret (STRATA_API_SECRET). */
  readonly secret?: string;
  /** RS256/ES256 keys: a JWKS file path or an https URL. */
  readonly jwks?: string;
  /** Anonymous requests (no Authorization header) act as this role. Development only. */
  readonly devRole?: string;
  /** Required `iss` (`--jwt-issuer`). */
  readonly issuer?: string;
  /** Required `aud` (`--jwt-audience`). */
  readonly audience?: string;
  /** Refuse tokens without `exp` (default true; `--no-jwt-require-exp`). */
  readonly requireExp?: boolean;
}

/** Verifies a request's bearer token and maps it to a SecurityContext. */
export type Authenticator = (authorization: string | undefined) => Promise<SecurityContext & { readonly roleName: string }>;

/** Registered JWT claims: not user attributes. */
const REGISTERED = new Set(['role', 'iat', 'exp', 'nbf', 'iss', 'aud', 'jti']);
/** Claim names that would reach JavaScript's object machinery: a token carrying one is refused. */
const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);

/** JWKS over https only; plain http only on the loopback interface (a local identity provider). */
function jwksUrl(text: string): URL {
  const url = new URL(text);
  const loopback = ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new Error(`--jwks ${text}: keys must be fetched over https (plain http is allowed only from localhost)`);
  }
  return url;
}

/**
 * Builds the verifier: HS256 with a secret, or RS256/ES256 from a JWKS. `alg: none`, any other
 * algorithm, a wrong key, an expired or not-yet-valid token → ApiError 401. The `role` claim
 * picks the access role (unknown → the layer's default_role; 'none' → 403); every other claim
 * becomes a user attribute (`{{ user.region }}`).
 *
 * @example
 * const auth = await createAuthenticator(layer, { secret: process.env.STRATA_API_SECRET });
 * const ctx = await auth('Bearer eyJ…'); // { roleName: 'sales', role: {…}, user: { region: 'EMEA' } }
 */
export async function createAuthenticator(layer: SemanticLayer, opts: AuthOptions): Promise<Authenticator> {
  let key: Uint8Array | JWTVerifyGetKey | undefined;
  let algorithms: string[] = [];
  if (opts.secret !== undefined && opts.jwks !== undefined) throw new Error('configure either an HS256 secret or a JWKS, not both');
  if (opts.secret !== undefined) {
    if (opts.secret.length < 32) throw new Error('STRATA_API_SECRET must be at least 32 characters (HS256 needs a 256-bit key)');
    key = new TextEncoder().encode(opts.secret);
    algorithms = ['HS256'];
  } else if (opts.jwks !== undefined) {
    key = /^[a-z][a-z0-9+.-]*:\/\//i.test(opts.jwks)
      ? createRemoteJWKSet(jwksUrl(opts.jwks), { timeoutDuration: 5_000 })
      : createLocalJWKSet(JSON.parse(await readFile(opts.jwks, 'utf8')) as JSONWebKeySet);
    algorithms = ['RS256', 'ES256'];
  } else if (opts.devRole === undefined) {
    throw new Error('no token verification configured: set STRATA_API_SECRET, pass --jwks, or run with --dev');
  }
  const verify = async (token: string): Promise<JWTPayload> => {
    if (!key) throw new ApiError(401, 'unauthorized', 'this server accepts no tokens (started with --dev and no secret)');
    const options = {
      algorithms,
      ...(opts.issuer ? { issuer: opts.issuer } : {}),
      ...(opts.audience ? { audience: opts.audience } : {}),
      ...(opts.requireExp !== false ? { requiredClaims: ['exp'] } : {}),
    };
    try {
      const r = key instanceof Uint8Array ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options);
      return r.payload;
    } catch (e) {
      throw new ApiError(401, 'unauthorized', tokenProblem(e));
    }
  };
  return async (authorization) => {
    if (authorization === undefined || authorization.trim() === '') {
      if (opts.devRole !== undefined) return contextFor(layer, opts.devRole, {});
      throw new ApiError(401, 'unauthorized', 'missing Authorization: Bearer <token>');
    }
    // Cube's clients send the bare token; everyone else `Bearer <token>`.
    const m = /^(?:Bearer\s+)?([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*\.[A-Za-z0-9_\-]*)$/.exec(authorization.trim());
    if (!m) throw new ApiError(401, 'unauthorized', 'malformed Authorization header');
    const payload = await verify(m[1]!);
    // A null-prototype record: a claim can never become the object's prototype.
    const user = nullRecord<unknown>();
    for (const [k, v] of Object.entries(payload)) {
      if (RESERVED.has(k)) throw new ApiError(401, 'unauthorized', `invalid token: claim name '${k}' is reserved`);
      if (!REGISTERED.has(k)) user[k] = v;
    }
    return contextFor(layer, typeof payload['role'] === 'string' ? payload['role'] : '', user);
  };
}

/** What a caller is told about a refused token: the rule it broke, never the key material. */
function tokenProblem(e: unknown): string {
  if (e instanceof joseErrors.JWTExpired) return 'token expired';
  if (e instanceof joseErrors.JWTClaimValidationFailed) {
    if (e.claim === 'exp' && e.reason === 'missing') return 'invalid token: it has no expiry (exp); mint tokens with an expiry';
    if (e.claim === 'aud') return 'invalid token: wrong or missing audience (aud)';
    if (e.claim === 'iss') return 'invalid token: wrong or missing issuer (iss)';
    return `invalid token: claim '${e.claim}' ${e.reason === 'missing' ? 'is missing' : 'is not valid'}`;
  }
  return 'invalid token';
}

/** Role name + claims → SecurityContext; unknown roles fall back to default_role. */
export function contextFor(layer: SemanticLayer, roleName: string, user: Readonly<Record<string, unknown>>): SecurityContext & { readonly roleName: string } {
  const access = layer.access;
  // No access policy in the layer: every authenticated caller sees everything.
  if (!access) return { role: null, user, roleName: roleName || 'default' };
  const role = access.roles[roleName] ?? (access.defaultRole !== 'none' ? access.roles[access.defaultRole] : undefined);
  if (!role) throw new ApiError(403, 'forbidden', roleName ? `role '${roleName}' has no access` : 'the token names no role and there is no default_role');
  return { role, user, roleName: role.name };
}
