// Shared helpers for benchmark scripts: run a whole `strata` process and measure it.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const STRATA = join(ROOT, 'bin', 'strata.js');

/**
 * Runs `node bin/strata.js ...args` under /usr/bin/time and returns wall ms and peak RSS MB.
 * Throws when the command fails, so a broken build never produces a figure.
 */
export function timeStrata(args, { cwd = ROOT, env = process.env } = {}) {
  const started = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, STRATA, ...args], {
    cwd,
    env,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) {
    throw new Error(`strata ${args.join(' ')} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  }
  const lines = r.stderr.trim().split('\n');
  const kb = Number(lines[lines.length - 1]);
  return { ms, rssMb: kb / 1024, stdout: r.stdout, stderr: r.stderr };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export function fmt(ms) {
  return `${ms.toFixed(0)} ms`;
}
