/**
 * `on_schema_change` for incremental models: compares the target's columns with the new query's
 * and yields the ALTER steps plus the column list the insert/merge should use.
 */
import type { ColumnDef, RelationRef } from '../adapters/warehouse-adapter.js';
import type { OnSchemaChange } from './model-config.js';
import { PlanError } from './plan-error.js';
import type { PlanStep } from './types.js';
import { ident, qualified } from './sql.js';

export interface SchemaChange {
  readonly steps: readonly PlanStep[];
  /** Columns to write, in the target's order (new ones last). */
  readonly columns: readonly string[];
}

function names(cols: readonly ColumnDef[]): string {
  return cols.map((c) => `'${c.name}'`).join(', ');
}

/**
 * @example
 * planSchemaChange('model.p.o', target, [{name:'id',dataType:'integer'}], [{name:'id',dataType:'integer'},{name:'note',dataType:'text'}], 'append_new_columns')
 * // steps: alter table "s"."o" add column "note" text; columns: ['id', 'note']
 */
export function planSchemaChange(
  uniqueId: string,
  target: RelationRef,
  existing: readonly ColumnDef[],
  incoming: readonly ColumnDef[] | undefined,
  mode: OnSchemaChange,
): SchemaChange {
  if (mode === 'ignore' || !incoming) return { steps: [], columns: existing.map((c) => c.name) };
  const before = new Map(existing.map((c) => [c.name, c]));
  const after = new Map(incoming.map((c) => [c.name, c]));
  const added = incoming.filter((c) => !before.has(c.name));
  const removed = existing.filter((c) => !after.has(c.name));
  const changed = incoming.filter((c) => {
    const old = before.get(c.name);
    return old !== undefined && old.dataType !== c.dataType;
  });

  if (mode === 'fail') {
    if (added.length + removed.length + changed.length === 0) return { steps: [], columns: existing.map((c) => c.name) };
    const parts = [
      added.length ? `added ${names(added)}` : '',
      removed.length ? `removed ${names(removed)}` : '',
      changed.length ? `changed type of ${changed.map((c) => `'${c.name}' (${before.get(c.name)?.dataType} -> ${c.dataType})`).join(', ')}` : '',
    ].filter(Boolean);
    throw new PlanError(
      'schema-change',
      uniqueId,
      `on_schema_change is 'fail' and the query's columns differ from ${qualified(target)}: ${parts.join('; ')}. ` +
        `Use --full-refresh, or set on_schema_change to append_new_columns or sync_all_columns.`,
    );
  }

  const steps: PlanStep[] = added.map((c) => ({
    name: 'add column',
    sql: `alter table ${qualified(target)} add column ${ident(c.name)} ${c.dataType}`,
  }));
  if (mode === 'append_new_columns') {
    // Columns the query no longer produces stay in the table and get NULL in new rows.
    return { steps, columns: [...existing.filter((c) => after.has(c.name)).map((c) => c.name), ...added.map((c) => c.name)] };
  }
  for (const c of removed) steps.push({ name: 'drop column', sql: `alter table ${qualified(target)} drop column ${ident(c.name)}` });
  for (const c of changed) {
    steps.push({
      name: 'alter column type',
      sql: `alter table ${qualified(target)} alter column ${ident(c.name)} type ${c.dataType} using ${ident(c.name)}::${c.dataType}`,
    });
  }
  return { steps, columns: [...existing.filter((c) => after.has(c.name)).map((c) => c.name), ...added.map((c) => c.name)] };
}
