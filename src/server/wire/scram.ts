import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * SCRAM-SHA-256 (RFC 5802 / 7677) on the server side, as PostgreSQL does it, for API keys of
 * the SQL API: the key never crosses the wire and the server stores only a verifier.
 */

export interface ScramVerifier {
  readonly iterations: number;
  readonly salt: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
}

const hmac = (key: Buffer, text: string): Buffer => createHmac('sha256', key).update(text).digest();

/** A verifier for a secret (what PostgreSQL stores in pg_authid). */
export function scramVerifier(secret: string, iterations = 4096, salt: Buffer = randomBytes(16)): ScramVerifier {
  const salted = pbkdf2Sync(secret.normalize('NFKC'), salt, iterations, 32, 'sha256');
  const clientKey = hmac(salted, 'Client Key');
  return { iterations, salt, storedKey: createHash('sha256').update(clientKey).digest(), serverKey: hmac(salted, 'Server Key') };
}

/** PostgreSQL's text form: `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`. */
export function formatVerifier(v: ScramVerifier): string {
  return `SCRAM-SHA-256$${v.iterations}:${v.salt.toString('base64')}$${v.storedKey.toString('base64')}:${v.serverKey.toString('base64')}`;
}

/** Parses PostgreSQL's text form; undefined when it is not one. */
export function parseVerifier(text: string): ScramVerifier | undefined {
  const m = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(text.trim());
  if (!m) return undefined;
  const v = { iterations: Number(m[1]), salt: Buffer.from(m[2]!, 'base64'), storedKey: Buffer.from(m[3]!, 'base64'), serverKey: Buffer.from(m[4]!, 'base64') };
  return v.iterations >= 1 && v.storedKey.length === 32 && v.serverKey.length === 32 ? v : undefined;
}

/** One SCRAM exchange: client-first → server-first, client-final → server-final or failure. */
export class ScramExchange {
  private clientFirstBare = '';
  private serverFirst = '';
  private nonce = '';

  constructor(private readonly verifier: ScramVerifier) {}

  /** SASLInitialResponse body → server-first-message; throws on a malformed message. */
  start(mechanism: string, clientFirst: string): string {
    if (mechanism !== 'SCRAM-SHA-256') throw new Error(`unsupported SASL mechanism '${mechanism}'`);
    // gs2 header: n,, (no channel binding) or y,, (client supports it, server did not offer it).
    const m = /^([ny]),(?:a=[^,]*)?,(n=[^,]*,r=([^,]+)(?:,.*)?)$/.exec(clientFirst);
    if (!m) throw new Error('malformed SCRAM client-first-message');
    this.clientFirstBare = m[2]!;
    this.nonce = m[3]! + randomBytes(18).toString('base64');
    this.serverFirst = `r=${this.nonce},s=${this.verifier.salt.toString('base64')},i=${this.verifier.iterations}`;
    return this.serverFirst;
  }

  /** SASLResponse body → server-final-message when the proof is right, else undefined. */
  finish(clientFinal: string): string | undefined {
    const m = /^(c=[^,]*,r=([^,]*)(?:,[^p][^,]*)*),p=([A-Za-z0-9+/=]+)$/.exec(clientFinal);
    if (!m || m[2] !== this.nonce) return undefined;
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${m[1]!}`;
    const proof = Buffer.from(m[3]!, 'base64');
    const signature = hmac(this.verifier.storedKey, authMessage);
    if (proof.length !== signature.length) return undefined;
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i]! ^ signature[i]!;
    const stored = createHash('sha256').update(clientKey).digest();
    if (!timingSafeEqual(stored, this.verifier.storedKey)) return undefined;
    return `v=${hmac(this.verifier.serverKey, authMessage).toString('base64')}`;
  }
}
