/**
 * A user-facing problem found by some stage, located in the user's own file.
 *
 * @example
 * const d: Diagnostic = {
 *   code: 'ref-not-found', severity: 'error', file: 'models/orders.sql', line: 3, col: 15,
 *   message: "model 'orders' refers to 'stg_order', which does not exist",
 *   hint: "did you mean 'stg_orders'?",
 * };
 */
export interface Diagnostic {
  /** Stable, kebab-case code (see DIAGNOSTIC_CODES); tests and tools key on it. */
  readonly code: DiagnosticCode;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  /** Path relative to the project root, posix separators. */
  readonly file?: string;
  /** 1-based line and column in `file`. */
  readonly line?: number;
  readonly col?: number;
  /** What to do about it ("did you mean 'stg_orders'?"). */
  readonly hint?: string;
  /** The node the problem belongs to (unique id), when there is one. */
  readonly node?: string;
  /** Source excerpt with a caret, filled in by `withCodeFrame`. */
  readonly frame?: string;
}

/** Every code a Diagnostic can carry; one per error class, never reused for another meaning. */
export const DIAGNOSTIC_CODES = [
  'yaml-syntax',
  'project-not-found',
  'project-invalid',
  'profile-not-found',
  'profile-invalid',
  'target-not-found',
  'config-unknown-key',
  /** A key dbt knows that Strata accepts but does not act on (warning). */
  'config-ignored-key',
  'config-invalid',
  'schema-invalid',
  'exposure-invalid',
  'vars-invalid',
  'var-undefined',
  'env-var-undefined',
  'jinja-syntax',
  'undefined-variable',
  'undefined-macro',
  'macro-error',
  'render-error',
  'ref-not-found',
  'source-not-found',
  'doc-not-found',
  'duplicate-node',
  'duplicate-macro',
  'cycle',
  'test-invalid',
  'selector-invalid',
  'state-invalid',
  'connection-failed',
  'seed-invalid',
  'packages-not-installed',
  'dbt-version-unsupported',
  'packages-outdated',
  'packages-invalid',
  'package-not-found',
  'materialization-unknown',
  'semantic-invalid',
  'unknown-member',
  'ambiguous-join',
  'expression-invalid',
  'query-invalid',
  'query-unanswerable',
  'access-denied',
  'run-locked',
  'feature-invalid',
  'unknown-feature',
  'entities-invalid',
  'package-fetch-failed',
  'package-conflict',
  'package-unpinned',
  'package-deprecated',
  'sql-syntax',
  'database-error',
  /** A malformed global flag value (--warn-error-options, ...). */
  'flags-invalid',
] as const;

export type DiagnosticCode = (typeof DIAGNOSTIC_CODES)[number];

/**
 * Thrown to stop a stage when user input is wrong. Carries every diagnostic collected, so the
 * CLI shows them together and exits with code 2. Bugs throw plain Error instead.
 */
export class CompileError extends Error {
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[]) {
    const first = diagnostics[0];
    super(
      first
        ? `${diagnostics.length} error(s); first: ${first.code}: ${first.message}`
        : 'compile error',
    );
    this.name = 'CompileError';
    this.diagnostics = diagnostics;
  }
}

export function isCompileError(e: unknown): e is CompileError {
  return e instanceof CompileError;
}

/** Convenience constructor for an error diagnostic. */
export function error(
  code: DiagnosticCode,
  message: string,
  where: { file?: string; line?: number; col?: number; hint?: string; node?: string } = {},
): Diagnostic {
  return { code, severity: 'error', message, ...where };
}

/** Collects diagnostics across a stage; `throwIfErrors` raises them all together. */
export class DiagnosticBag {
  private readonly items: Diagnostic[] = [];

  add(d: Diagnostic): void {
    this.items.push(d);
  }

  addAll(ds: readonly Diagnostic[]): void {
    for (const d of ds) this.items.push(d);
  }

  get all(): readonly Diagnostic[] {
    return this.items;
  }

  get errors(): readonly Diagnostic[] {
    return this.items.filter((d) => d.severity === 'error');
  }

  hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }

  throwIfErrors(): void {
    if (this.hasErrors()) throw new CompileError(this.errors);
  }
}
