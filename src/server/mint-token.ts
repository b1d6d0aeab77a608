import { SignJWT } from 'jose';

/**
 * Signs a development token (HS256): `role` plus user attributes as claims, expiring after
 * `ttl` ('1h', '30m', '7d' — jose's time span syntax).
 *
 * @example await mintToken({ secret, role: 'sales', attributes: { region: 'EMEA' }, ttl: '1h' }) // 'eyJhbGciOiJIUzI1NiJ9…'
 */
export async function mintToken(o: { readonly secret: string; readonly role: string; readonly attributes?: Readonly<Record<string, unknown>>; readonly ttl?: string }): Promise<string> {
  return new SignJWT({ ...o.attributes, role: o.role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(o.ttl ?? '1h')
    .sign(new TextEncoder().encode(o.secret));
}
