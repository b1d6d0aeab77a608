/**
 * A node's configuration cannot be planned (bad `indexes`, `on_schema_change: fail` tripped, ...).
 * The executor reports it as the node's error; `code` is stable for tests and tooling.
 */
export class PlanError extends Error {
  override readonly name = 'PlanError';

  /**
   * @example throw new PlanError('schema-change', 'model.p.orders', "columns added: 'note'")
   */
  constructor(
    readonly code: 'config-invalid' | 'schema-change' | 'unsupported',
    readonly uniqueId: string,
    message: string,
  ) {
    super(`${uniqueId}: ${message}`);
  }
}
