import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDiagnostic, withCodeFrame, type Diagnostic } from '../diagnostics/index.js';

export type LogFormat = 'text' | 'json';

/**
 * Everything the CLI prints goes through here: text for people, one JSON event per line for
 * machines (`--log-format json`). Only `cli/` prints.
 */
export class Reporter {
  constructor(
    readonly format: LogFormat,
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly err: NodeJS.WritableStream = process.stderr,
  ) {}

  /** A progress/info line (stderr in JSON mode so stdout stays machine-readable data). */
  info(message: string, data: Record<string, unknown> = {}): void {
    if (this.format === 'json') this.event('info', { message, ...data });
    else this.out.write(`${message}\n`);
  }

  /** A warning for people (stderr), so it never mixes with a command's data on stdout. */
  warn(message: string, data: Record<string, unknown> = {}): void {
    if (this.format === 'json') this.event('warning', { message, ...data });
    else this.err.write(`warning: ${message}\n`);
  }

  /** Primary output of a command (compiled SQL, ls lines): always plain on stdout. */
  result(text: string): void {
    this.out.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  event(type: string, data: Record<string, unknown>): void {
    this.err.write(`${JSON.stringify({ ts: new Date().toISOString(), type, ...data })}\n`);
  }

  /** Prints diagnostics with code frames read from the project's files. */
  diagnostics(ds: readonly Diagnostic[], projectRoot: string | undefined): void {
    const cache = new Map<string, string | undefined>();
    const read = (file: string): string | undefined => {
      if (!cache.has(file)) {
        try {
          cache.set(file, readFileSync(projectRoot ? join(projectRoot, file) : file, 'utf8'));
        } catch {
          cache.set(file, undefined);
        }
      }
      return cache.get(file);
    };
    for (const d of ds) {
      const full = withCodeFrame(d, read);
      if (this.format === 'json') this.event('diagnostic', { ...full });
      else this.err.write(`${formatDiagnostic(full)}\n\n`);
    }
    const errors = ds.filter((d) => d.severity === 'error').length;
    if (errors && this.format === 'text') this.err.write(`${errors} error(s); nothing was sent to the database.\n`);
  }
}
