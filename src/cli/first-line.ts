/**
 * The first line of a command that loads a project, printed before the CLI's modules load
 * (node start-up plus ~250 ms of imports would otherwise be silent). `bin/strata.js` imports
 * only this module, calls `announceFromArgv`, then imports the CLI; the command's own
 * `announceLoading` call is then a no-op. This module must stay free of imports but node's.
 */
import { resolve } from 'node:path';

/** Commands whose first step is loading the project. */
const LOADING = new Set(['run', 'build', 'seed', 'snapshot', 'test', 'retry']);

let announced = false;

/** Called by `main()` per invocation: whether the binary already printed the line. */
export function setAnnounced(value: boolean): void {
  announced = value;
}

/** `Loading project <dir>…`, once per process. Returns false when it was printed already. */
export function announceLoading(dir: string, write: (line: string) => void): boolean {
  if (announced) return false;
  announced = true;
  write(`Loading project ${resolve(dir)}…`);
  return true;
}

/**
 * From the binary, before anything else loads: prints the loading line for `strata <command>`
 * when the command loads a project and the output is text (not `--log-format json`, `--help`).
 */
export function announceFromArgv(argv: readonly string[]): boolean {
  const args = argv.slice(2);
  if (!LOADING.has(args[0] ?? '')) return false;
  if (args.some((a) => a === '--help' || a === '-h' || a === '--log-format=json')) return false;
  const value = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    if (i >= 0) return args[i + 1];
    return args.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
  };
  if (value('--log-format') === 'json') return false;
  return announceLoading(value('--project-dir') ?? '.', (line) => process.stdout.write(`${line}\n`));
}
