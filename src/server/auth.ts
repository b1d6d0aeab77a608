import { readFile } from 'node:fs/promises';
import { createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { SecurityContext, SemanticLayer } from '../semantic/index.js';
import { ApiError } from './api-error.js';

/** How tokens are verified. Exactly one of `secret` / `jwks`, unless `dev` allows anonymous. */
export interface AuthOptions {
  /** HS256 shared secret (STRATA_API_SECRET). */
  readonly secret?: string;
  /** RS256/ES256 keys: a JWKS file path or an https URL. */
  readonly jwks?: string;
  /** Anonymous requests (no Authorization header) act as this role. Development only. */
  readonly devRole?: string;
  readonly issuer?: string;
  readonly audience?: string;
}

/** Verifies a request's bearer token and maps it to a SecurityContext. */
export type Authenticator = (authorization: string | undefined) => Promise<SecurityContext & { readonly roleName: string }>;

/** Registered JWT claims: not user attributes. */
const REGISTERED = new Set(['role', 'iat', 'exp', 'nbf', 'iss', 'aud', 'jti']);

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
    key = /^https?:\/\//.test(opts.jwks)
      ? createRemoteJWKSet(new URL(opts.jwks))
      : createLocalJWKSet(JSON.parse(await readFile(opts.jwks, 'utf8')) as JSONWebKeySet);
    algorithms = ['RS256', 'ES256'];
  } else if (opts.devRole === undefined) {
    throw new Error('no token verification configured: set STRATA_API_SECRET, pass --jwks, or run with --dev');
  }
  const verify = async (token: string): Promise<JWTPayload> => {
    if (!key) throw new ApiError(401, 'unauthorized', 'this server accepts no tokens (started with --dev and no secret)');
    try {
      const r =
        key instanceof Uint8Array
          ? await jwtVerify(token, key, { algorithms, ...(opts.issuer ? { issuer: opts.issuer } : {}), ...(opts.audience ? { audience: opts.audience } : {}) })
          : await jwtVerify(token, key, { algorithms, ...(opts.issuer ? { issuer: opts.issuer } : {}), ...(opts.audience ? { audience: opts.audience } : {}) });
      return r.payload;
    } catch (e) {
      throw new ApiError(401, 'unauthorized', e instanceof joseErrors.JWTExpired ? 'token expired' : 'invalid token');
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
    const user: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(payload)) if (!REGISTERED.has(k)) user[k] = v;
    return contextFor(layer, typeof payload['role'] === 'string' ? payload['role'] : '', user);
  };
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
