/**
 * Run-wide state shared by models and tests in one `build`/`test` invocation.
 */
import type { NodeOutcome } from '../executor/dag-runner.js';

export interface QualityRunContext {
  /** Write-audit-publish when a model does not set `audit:` (on for strata projects, off for dbt). */
  readonly auditByDefault: boolean;
  /** Node ids selected for this run: only selected tests audit a model. */
  readonly selected: ReadonlySet<string>;
  /**
   * Outcomes of tests already evaluated while auditing their model (keyed by test id). The test
   * node reports this outcome instead of querying again: the data it checked is what was published
   * (or, when held back, what would have been).
   */
  readonly auditResults: Map<string, NodeOutcome>;
}
