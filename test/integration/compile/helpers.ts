import { cp, mkdtemp, readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../../src/cli/main.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the CLI in-process (`main(['node','strata', ...args])`) capturing stdout and stderr.
 * HOME points at an empty dir so a developer's ~/.strata never leaks into a test.
 */
export async function cli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const outWrite = process.stdout.write.bind(process.stdout);
  const errWrite = process.stderr.write.bind(process.stderr);
  const saved: Record<string, string | undefined> = {};
  const allEnv: Record<string, string> = { HOME: path.join(os.tmpdir(), 'strata-no-home'), ...env };
  for (const [k, v] of Object.entries(allEnv)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  process.stdout.write = ((chunk: string | Uint8Array): boolean => {
    stdout += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array): boolean => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await main(['node', 'strata', ...args]);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = outWrite;
    process.stderr.write = errWrite;
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** Copies the repository's own example project (not src/, not target/) into a fresh temp dir. */
export async function copyExampleProject(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'strata-example-'));
  for (const entry of ['strata_project.yml', 'profiles.yml', 'models', 'macros', 'seeds', 'snapshots', 'tests', 'analyses', 'semantic']) {
    await cp(path.join(REPO, entry), path.join(dir, entry), { recursive: true }).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }
  return dir;
}

/** Every file under `dir`, as relative path -> contents. */
export async function readTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string): Promise<void> => {
    for (const e of await readdir(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else out[r] = await readFile(path.join(dir, r), 'utf8');
    }
  };
  await walk('');
  return out;
}

/** Parses the `Compiled N nodes (R rendered, U unchanged, W files written)` line. */
export function compileStats(stdout: string): { nodes: number; rendered: number; unchanged: number; written: number } {
  const m = /Compiled (\d+) nodes \((\d+) rendered, (\d+) unchanged, (\d+) files written\)/.exec(stdout);
  if (!m) throw new Error(`no compile summary in: ${stdout}`);
  return { nodes: Number(m[1]), rendered: Number(m[2]), unchanged: Number(m[3]), written: Number(m[4]) };
}
