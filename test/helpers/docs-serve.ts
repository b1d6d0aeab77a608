import type { ChildProcess } from 'node:child_process';
import { spawnStrata } from './strata-cli.js';

export interface Served {
  readonly base: string;
  readonly output: () => string;
  stop(): Promise<void>;
}

/** `strata docs serve --port 0` as a child process; resolves once it prints its URL. */
export async function docsServe(dir: string, flags: readonly string[], env: NodeJS.ProcessEnv): Promise<Served> {
  const child: ChildProcess = spawnStrata(['docs', 'serve', '--project-dir', dir, '--port', '0', ...flags], env);
  let out = '';
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`docs serve did not start:\n${out}`)), 60_000);
    const on = (d: Buffer): void => {
      out += d.toString();
      const m = /(?:Docs and metric explorer:|Docs at) (http:\/\/\S+?)\/ /.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`docs serve exited ${code}:\n${out}`));
    });
  });
  return {
    base,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('close', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

