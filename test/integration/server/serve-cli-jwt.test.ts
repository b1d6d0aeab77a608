/**
 * `strata serve --jwt-audience/--jwt-issuer/--no-jwt-require-exp` reach the token verification
 * (the built binary, a real PGlite project).
 */
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { projectFor, runStrataSync, spawnStrata } from '../../helpers/strata-cli.js';

const SECRET = 'serve-cli-jwt-secret-of-at-least-32-characters';
const FILES: Record<string, string> = {
  'models/fact_sales.sql': "{{ config(materialized='table') }}\nselect g as sale_id, (g * 10)::float8 as amount from generate_series(1, 4) g",
  'semantic/sales.yml': `semantic_models:
  - name: sales
    model: ref('fact_sales')
    measures:
      - { name: revenue, agg: sum, expr: amount }
metrics:
  - { name: revenue, type: simple, measure: sales.revenue }
`,
};

async function sign(claims: Record<string, unknown>, o: { aud?: string; iss?: string; exp?: boolean }): Promise<string> {
  let j = new SignJWT({ role: 'analyst', ...claims }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  if (o.aud) j = j.setAudience(o.aud);
  if (o.iss) j = j.setIssuer(o.iss);
  if (o.exp !== false) j = j.setExpirationTime('1h');
  return j.sign(new TextEncoder().encode(SECRET));
}

async function serve(dir: string, flags: string[]): Promise<{ base: string; stop: () => Promise<void> }> {
  const child = spawnStrata(['serve', '--project-dir', dir, '--port', '0', ...flags], { STRATA_API_SECRET: SECRET, STRATA_DATABASE_URL: '', STRATA_REDIS_URL: '', NO_COLOR: '1' });
  let out = '';
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${out}`)), 30_000);
    const on = (d: Buffer): void => {
      out += d.toString();
      const m = /Serving \d+ metrics at (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
  });
  return {
    base,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('close', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function status(base: string, token: string): Promise<number> {
  const res = await fetch(`${base}/api/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ metrics: ['revenue'] }) });
  await res.arrayBuffer();
  return res.status;
}

describe('strata serve JWT flags', () => {
  it('--jwt-audience and --jwt-issuer are required claims; exp is required unless --no-jwt-require-exp', async () => {
    const { dir } = await projectFor({ name: 'pglite' }, FILES);
    expect(runStrataSync(['build', '--project-dir', dir], { STRATA_DATABASE_URL: '' }).code).toBe(0);
    const strict = await serve(dir, ['--jwt-audience', 'bi', '--jwt-issuer', 'https://idp.example']);
    try {
      expect(await status(strict.base, await sign({}, { aud: 'bi', iss: 'https://idp.example' }))).toBe(200);
      expect(await status(strict.base, await sign({}, { aud: 'other', iss: 'https://idp.example' }))).toBe(401);
      expect(await status(strict.base, await sign({}, { aud: 'bi', iss: 'https://evil.example' }))).toBe(401);
      expect(await status(strict.base, await sign({}, { aud: 'bi', iss: 'https://idp.example', exp: false }))).toBe(401);
    } finally {
      await strict.stop();
    }
    const lax = await serve(dir, ['--no-jwt-require-exp']);
    try {
      expect(await status(lax.base, await sign({}, { exp: false }))).toBe(200);
    } finally {
      await lax.stop();
    }
  }, 90_000);
});
