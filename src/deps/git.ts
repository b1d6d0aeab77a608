/** Checks out a `git:` package with the system git (never prompting: deps runs unattended too). */

import { execFile } from 'node:child_process';
import { fail, redactText } from './errors.js';
import type { Env, Where } from './types.js';

export interface GitOptions {
  /** The package, for messages. */
  readonly label: string;
  readonly where: Where;
  /** Relative repository paths resolve against this (the root project). */
  readonly cwd: string;
  readonly env: Env;
  readonly timeoutMs?: number;
}

export interface GitCheckout {
  /** Full commit sha checked out. */
  readonly sha: string;
  /** The branch HEAD is on, when the revision was a branch (or absent: the default branch). */
  readonly branch?: string;
}

interface GitRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const SHA_LIKE = /^[0-9a-f]{7,40}$/i;

async function runGit(args: readonly string[], o: GitOptions, cwd = o.cwd): Promise<GitRun> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.env)) if (v !== undefined) env[k] = v;
  // A missing credential must fail fast instead of waiting for a password nobody will type.
  env['GIT_TERMINAL_PROMPT'] = '0';
  env['GCM_INTERACTIVE'] = 'never';
  env['GIT_SSH_COMMAND'] ??= 'ssh -o BatchMode=yes';
  const run = await new Promise<GitRun & { missing: boolean }>((resolve) => {
    execFile('git', ['-c', 'advice.detachedHead=false', ...args], { cwd, env, timeout: o.timeoutMs ?? 300_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const missing = err !== null && (err as NodeJS.ErrnoException).code === 'ENOENT';
      const killed = err !== null && 'killed' in err && err.killed === true;
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, missing, stdout: String(stdout), stderr: killed ? `timed out after ${Math.round((o.timeoutMs ?? 300_000) / 1000)} s` : String(stderr) });
    });
  });
  if (run.missing) {
    fail('package-fetch-failed', `cannot install ${o.label}: the \`git\` command was not found`, o.where,
      'install git and make sure it is on PATH, or use a `tarball:` or `local:` entry');
  }
  return run;
}

/** git's own explanation, without progress noise or credentials. */
function gitReason(r: GitRun): string {
  const lines = redactText(r.stderr).split('\n').map((l) => l.trim()).filter((l) => l && !/^(warning: --depth is ignored|Cloning into)/.test(l));
  return lines.find((l) => l.startsWith('fatal:'))?.replace(/^fatal:\s*/, '') ?? lines.at(-1) ?? `git exited with code ${r.code}`;
}

/**
 * Clones `url` into `dest` and checks out `revision` (a branch, tag or sha; default: the remote's
 * default branch). Branches and tags are cloned shallow; a sha needs the full history.
 *
 * @example
 * const c = await gitCheckout('https://github.com/dbt-labs/dbt-codegen.git', '0.12.1', '/tmp/x', o)
 * c.sha    // '7e8c…' (40 hex)
 * c.branch // undefined (a tag is pinned)
 */
export async function gitCheckout(url: string, revision: string | undefined, dest: string, o: GitOptions): Promise<GitCheckout> {
  // o.label names the URL already (credentials hidden).
  const unreachable = (r: GitRun): never =>
    fail('package-fetch-failed', `could not clone ${o.label}: ${gitReason(r)}`, o.where,
      'check your network connection, the URL and your access to the repository (a token can come from env_var), or use a `local:` entry');
  const notFound = (r: GitRun): never =>
    fail('package-not-found', `revision '${revision ?? 'HEAD'}' was not found in ${o.label}: ${gitReason(r)}`, o.where,
      'use an existing branch, tag or full commit sha');
  const byRef = revision === undefined || revision === 'HEAD' || !SHA_LIKE.test(revision);
  if (byRef) {
    const branchArgs = revision && revision !== 'HEAD' ? ['--branch', revision] : [];
    const r = await runGit(['clone', '--quiet', '--depth', '1', ...branchArgs, '--', url, dest], o);
    if (r.code !== 0) return /Remote branch .* not found|could not find remote branch/i.test(r.stderr) ? notFound(r) : unreachable(r);
  } else {
    const r = await runGit(['clone', '--quiet', '--no-checkout', '--', url, dest], o);
    if (r.code !== 0) return unreachable(r);
    const c = await runGit(['checkout', '--quiet', revision], o, dest);
    if (c.code !== 0) return notFound(c);
  }
  const head = await runGit(['rev-parse', 'HEAD'], o, dest);
  if (head.code !== 0) return notFound(head);
  const branch = await runGit(['symbolic-ref', '--quiet', '--short', 'HEAD'], o, dest);
  const name = branch.stdout.trim();
  return { sha: head.stdout.trim(), ...(branch.code === 0 && name ? { branch: name } : {}) };
}
