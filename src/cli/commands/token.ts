import type { Command } from 'commander';
import { CompileError } from '../../diagnostics/index.js';
import { reporterFor, type CommonOptions } from '../common.js';
import type { Reporter } from '../reporter.js';

interface TokenOptions extends CommonOptions {
  role?: string;
  attr?: string[];
  sqlKey?: string;
  ttl: string;
}

/** `strata token --role sales --attr region=EMEA --ttl 1h`: an HS256 development token. */
export function registerToken(program: Command, run: (r: Reporter, f: () => Promise<number>) => Promise<number>): void {
  program
    .command('token')
    .description('mint a development JWT (HS256, signed with STRATA_API_SECRET) for strata serve')
    .option('--role <role>', 'the access role (claim "role")')
    .option('--sql-key <key>', "print the SCRAM-SHA-256 verifier of an SQL API key (for a profile's sql_api_keys: scram:) instead of a token")
    .option('--attr <key=value...>', 'user attributes as claims, e.g. region=EMEA')
    .option('--ttl <span>', 'lifetime, e.g. 30m, 1h, 7d', '1h')
    .option('--log-format <format>', 'text or json', 'text')
    .action(async (opts: TokenOptions) => {
      const reporter = reporterFor(opts);
      await run(reporter, async () => {
        if (opts.sqlKey !== undefined) {
          if (opts.sqlKey.length < 16) throw new CompileError([{ code: 'config-invalid', severity: 'error', message: 'an SQL API key must be at least 16 characters', hint: 'e.g. openssl rand -base64 24' }]);
          const { formatVerifier, scramVerifier } = await import('../../server/wire/scram.js');
          reporter.result(formatVerifier(scramVerifier(opts.sqlKey)));
          return 0;
        }
        if (opts.role === undefined) throw new CompileError([{ code: 'config-invalid', severity: 'error', message: "required option '--role <role>' not specified", hint: 'strata token --role sales --attr region=EMEA' }]);
        const secret = process.env['STRATA_API_SECRET'];
        const fail = (message: string, hint?: string): never => {
          throw new CompileError([{ code: 'config-invalid', severity: 'error', message, ...(hint ? { hint } : {}) }]);
        };
        if (!secret) fail('STRATA_API_SECRET is not set', 'export STRATA_API_SECRET=<at least 32 characters>, the same value strata serve uses');
        if (secret!.length < 32) fail('STRATA_API_SECRET must be at least 32 characters');
        if (!/^\d+\s*(s|sec|m|min|h|hr|hour|d|day|w|week)s?$/.test(opts.ttl)) fail(`--ttl '${opts.ttl}' must look like 30m, 1h or 7d`);
        const attributes: Record<string, string> = {};
        for (const a of opts.attr ?? []) {
          const eq = a.indexOf('=');
          if (eq <= 0) fail(`--attr '${a}' must be key=value`);
          attributes[a.slice(0, eq)] = a.slice(eq + 1);
        }
        const { mintToken } = await import('../../server/mint-token.js');
        reporter.result(await mintToken({ secret: secret!, role: opts.role!, attributes, ttl: opts.ttl }));
        return 0;
      });
    });
}
