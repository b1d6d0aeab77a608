import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StatementEvent } from '../adapters/statement-events.js';
import {
  applyWarnError,
  CompileError,
  formatDiagnostic,
  NO_WARN_ERROR,
  promotes,
  withCodeFrame,
  type Diagnostic,
  type WarnErrorPolicy,
} from '../diagnostics/index.js';

export type LogFormat = 'text' | 'json';

/** Global flags that shape what a reporter shows and records (see common.ts `globalSettings`). */
export interface ReporterSettings {
  /** `--debug`: debug lines (phase timings, every SQL statement) on stderr. */
  readonly debug?: boolean;
  /** `--warn-error` / `--warn-error-options`. */
  readonly warnError?: WarnErrorPolicy;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** `reporter.warn(…, {event})` names that are warnings in the warn-error sense (see WARNING_EVENTS). */
const WARN_EVENTS: Readonly<Record<string, string>> = { empty_selection: 'empty-selection' };

/**
 * Everything the CLI prints goes through here: text for people, one JSON event per line for
 * machines (`--log-format json`). Only `cli/` prints. Every line is also recorded, as a JSON
 * line with its level, in `<log-path>/strata.log` once `attachLog` names the directory (debug
 * lines and SQL statements are recorded even without `--debug`).
 */
export class Reporter {
  readonly invocationId = randomUUID();
  readonly policy: WarnErrorPolicy;
  readonly debugEnabled: boolean;
  private logFile: string | undefined;
  /** Lines recorded before the project (and so the log directory) is known. */
  private pending: string[] | undefined = [];
  private logBroken = false;

  constructor(
    readonly format: LogFormat,
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly err: NodeJS.WritableStream = process.stderr,
    settings: ReporterSettings = {},
  ) {
    this.policy = settings.warnError ?? NO_WARN_ERROR;
    this.debugEnabled = settings.debug ?? false;
  }

  /** A progress/info line (stderr in JSON mode so stdout stays machine-readable data). */
  info(message: string, data: Record<string, unknown> = {}): void {
    this.record('info', 'info', { message, ...data });
    if (this.format === 'json') this.print('info', { message, ...data });
    else this.out.write(`${message}\n`);
  }

  /**
   * A warning for people (stderr), so it never mixes with a command's data on stdout. A warning
   * whose `data.event` is a warn-error name (`empty_selection`) the policy promotes is an error.
   */
  warn(message: string, data: Record<string, unknown> = {}): void {
    const name = typeof data['event'] === 'string' ? WARN_EVENTS[data['event']] : undefined;
    if (name && promotes(this.policy, name)) {
      throw new CompileError([{ code: 'selector-invalid', severity: 'error', message: `${message} (warning treated as an error: --warn-error)` }]);
    }
    this.record('warn', 'warning', { message, ...data });
    if (this.format === 'json') this.print('warning', { message, ...data });
    else this.err.write(`warning: ${message}\n`);
  }

  /** `--debug` lines (stderr); always recorded in the log file at level debug. */
  debug(message: string, data: Record<string, unknown> = {}): void {
    this.record('debug', typeof data['event'] === 'string' ? data['event'] : 'debug', { message, ...data });
    if (!this.debugEnabled) return;
    if (this.format === 'json') this.print('debug', { message, ...data });
    else this.err.write(`debug: ${message}\n`);
  }

  /** A statement an adapter sent (statement-events.ts): a debug line with its duration. */
  readonly statement = (e: StatementEvent): void => {
    const ms = Math.round(e.durationMs * 10) / 10;
    const sql = e.sql.trim();
    this.debug(`SQL ${e.error ? 'failed' : 'ok'} in ${ms} ms${e.rowCount !== undefined ? ` (${e.rowCount} rows)` : ''}: ${sql}${e.error ? `\n  error: ${e.error}` : ''}`, {
      event: 'sql_statement',
      sql,
      duration_ms: ms,
      params: e.params,
      ...(e.rowCount !== undefined ? { rows: e.rowCount } : {}),
      ...(e.error ? { error: e.error } : {}),
    });
  };

  /** Primary output of a command (compiled SQL, ls lines): always plain on stdout. */
  result(text: string): void {
    this.out.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** A machine event (JSON on stderr) — `--log-format json` only; recorded in the log file too. */
  event(type: string, data: Record<string, unknown>): void {
    this.record(type === 'warning' ? 'warn' : 'info', type, data);
    this.print(type, data);
  }

  /** Records an event in the log file only (node starts and finishes in text mode). */
  log(level: LogLevel, type: string, data: Record<string, unknown>): void {
    this.record(level, type, data);
  }

  /** True when the warn-error policy turns this warning name (`test-warn`, …) into an error. */
  promotes(name: string): boolean {
    return promotes(this.policy, name);
  }

  /**
   * Prints diagnostics with code frames read from the project's files. Warnings the warn-error
   * policy promotes are thrown as a CompileError (the CLI prints them and exits 2) after the
   * remaining warnings are printed; silenced warnings are not printed.
   */
  diagnostics(ds: readonly Diagnostic[], projectRoot: string | undefined): void {
    const applied = applyWarnError(this.policy, ds);
    const promoted = !ds.some((d) => d.severity === 'error') && applied.some((d) => d.severity === 'error');
    const shown = promoted ? applied.filter((d) => d.severity !== 'error') : applied;
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
    for (const d of shown) {
      const full = withCodeFrame(d, read);
      this.record(d.severity === 'error' ? 'error' : 'warn', 'diagnostic', { ...full });
      if (this.format === 'json') this.print('diagnostic', { ...full });
      else this.err.write(`${formatDiagnostic(full)}\n\n`);
    }
    if (promoted) throw new CompileError(applied.filter((d) => d.severity === 'error'));
    const errors = ds.filter((d) => d.severity === 'error').length;
    if (errors && this.format === 'text') this.err.write(`${errors} error(s); nothing was sent to the database.\n`);
  }

  /**
   * From now on lines are appended to `<dir>/strata.log` (created if needed); lines recorded
   * before are written first. Later calls are ignored: one command, one log file.
   */
  attachLog(dir: string): void {
    if (this.logFile || this.logBroken || this.logOff) return;
    this.logFile = join(dir, 'strata.log');
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      this.logFailed(e);
      return;
    }
    const lines = this.pending ?? [];
    this.pending = undefined;
    this.append(lines.join(''));
  }

  /**
   * This command writes no log file (`strata clean`: the log directory is usually one of the
   * clean targets, and writing would create it again).
   */
  noLogFile(): void {
    this.logOff = true;
    this.pending = undefined;
  }

  private logOff = false;

  /** Where the log is written, once known. */
  get logPath(): string | undefined {
    return this.logBroken || this.logOff ? undefined : this.logFile;
  }

  private print(type: string, data: Record<string, unknown>): void {
    this.err.write(`${JSON.stringify({ ts: new Date().toISOString(), type, ...data })}\n`);
  }

  private record(level: LogLevel, type: string, data: Record<string, unknown>): void {
    if (this.logBroken) return;
    const line = `${JSON.stringify({ ts: new Date().toISOString(), level, event: type, invocation_id: this.invocationId, ...data })}\n`;
    if (this.pending) {
      // before the project is known; a command that never finds one records nothing
      if (this.pending.length < 10_000) this.pending.push(line);
      return;
    }
    this.append(line);
  }

  private append(text: string): void {
    if (!text || !this.logFile) return;
    try {
      appendFileSync(this.logFile, text);
    } catch (e) {
      this.logFailed(e);
    }
  }

  private logFailed(e: unknown): void {
    this.logBroken = true;
    this.pending = undefined;
    this.err.write(`warning: cannot write the log file ${this.logFile}: ${e instanceof Error ? e.message : String(e)}\n`);
  }
}
