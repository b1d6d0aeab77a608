/**
 * `incremental`: rebuild like `table` on the first run, under --full-refresh, or when the
 * relation is missing or not a table; otherwise add the new rows in ONE transaction with the
 * configured strategy. `unique_key` columns are matched NULL-safely, so a row whose key has a
 * NULL matches its earlier version instead of being inserted again (dbt-core #7597).
 *
 * Matching is split in two statements on purpose: `t.k = s.k` (hash/index friendly) for keys
 * without NULLs, and `is not distinct from` only for new rows that have a NULL key part. A single
 * `is not distinct from` join cannot use indexes or hash joins and degrades to a nested loop.
 */
import type { ManifestNode } from '../compiler/types.js';
import { asksForCitus, citusBatchSteps } from '../modeling/citus.js';
import { readCitusConfig } from '../modeling/config.js';
import { withHooks } from './hooks.js';
import type { ModelConfig } from './model-config.js';
import { grantSteps } from './physical-design.js';
import { PlanError } from './plan-error.js';
import { bodyOf, planRebuild, targetOf } from './plan-table.js';
import { planSchemaChange } from './schema-change.js';
import { ident, identList, literal, qualified, tempRef } from './sql.js';
import type { NodePlan, PlanOptions, PlanStep, RelationState } from './types.js';

const T = 'strata_target';
const S = 'strata_new';

function col(alias: string, name: string): string {
  return `${alias}.${ident(name)}`;
}

/** `t.a = s.a and t.b = s.b`: matches keys without NULLs. */
function equalKeys(keys: readonly string[]): string {
  return keys.map((k) => `${col(T, k)} = ${col(S, k)}`).join(' and ');
}

/**
 * New rows with a NULL in any key part, matched with `is not distinct from` — except the
 * `strict` columns, matched with `=`: a Citus distribution column (never NULL there) must be
 * joined by equality for Citus to run the statement shard by shard.
 */
function nullKeysMatch(keys: readonly string[], strict: readonly string[] = []): string {
  const anyNull = keys.map((k) => `${col(S, k)} is null`).join(' or ');
  const same = keys.map((k) => `${col(T, k)} ${strict.includes(k) ? '=' : 'is not distinct from'} ${col(S, k)}`).join(' and ');
  return `(${anyNull}) and ${same}`;
}

/**
 * @example planIncremental(node, { existing: { kind: 'table', … }, columns }, opts, cfg)  // strategy merge, unique_key id
 * // transaction: create temporary table "orders__strata_tmp_…" on commit drop as (…);
 * //   check unique key; update … where strata_target."id" = strata_new."id";
 * //   update … where (strata_new."id" is null) and strata_target."id" is not distinct from strata_new."id";
 * //   insert … where not exists (…)
 */
export function planIncremental(node: ManifestNode, state: RelationState, opts: PlanOptions, cfg: ModelConfig): NodePlan {
  const fullRefresh = cfg.fullRefresh ?? opts.fullRefresh;
  const kind = state.existing?.kind;
  if (fullRefresh || (kind !== 'table' && kind !== 'partitioned_table')) return planRebuild(node, state, opts, cfg, 'table');

  const target = targetOf(node);
  const base = { unique_id: node.unique_id, materialization: 'incremental', relation: target, temporaries: [] };
  if (cfg.onSchemaChange !== 'ignore' && !state.newColumns) return { ...base, phases: [], needsNewColumns: true };
  if (cfg.strategy === 'delete+insert' && cfg.uniqueKey.length === 0) {
    throw new PlanError('config-invalid', node.unique_id, "incremental_strategy 'delete+insert' needs a unique_key");
  }

  const change = planSchemaChange(node.unique_id, target, state.columns, state.newColumns, cfg.onSchemaChange);
  const cols = change.columns;
  const into = cols.length ? `${qualified(target)} (${identList(cols)})` : qualified(target);
  const pick = cols.length ? identList(cols) : '*';
  const body = bodyOf(node);
  const steps: PlanStep[] = [...change.steps];
  const strategy = cfg.uniqueKey.length === 0 ? 'append' : cfg.strategy;

  if (strategy === 'append') {
    steps.push({ name: 'insert', sql: `insert into ${into}\nselect ${pick} from (\n${body}\n) as ${S}`, countsRows: true });
  } else {
    // A session temporary table: the server drops it at commit or when the connection dies,
    // so it is never left behind and needs no entry in `temporaries`.
    const batch = tempRef(target, opts.runId).name;
    const staged = `pg_temp.${ident(batch)}`;
    const keys = cfg.uniqueKey;
    // On Citus the new rows must sit in a Citus table like the target to be joined with it.
    const citus = asksForCitus(node.config) ? citusBatchSteps(target, batch, keys, node.unique_id) : undefined;
    const citusCfg = readCitusConfig(node.config);
    const strict = citusCfg.ok && citusCfg.value.distributedBy !== undefined ? [citusCfg.value.distributedBy] : [];
    const nullKeys = (k: readonly string[]): string => nullKeysMatch(k, strict);
    steps.unshift({ name: 'stage new rows', sql: `create temporary table ${ident(batch)} on commit drop as (\n${body}\n)` }, ...(citus ? [citus.promote] : []));
    if (strategy === 'merge') {
      steps.push(duplicateKeyCheck(node.unique_id, staged, keys));
      const exclude = new Set([...keys, ...cfg.mergeExcludeColumns]);
      const update = (cfg.mergeUpdateColumns ?? cols).filter((c) => !exclude.has(c));
      if (update.length > 0) {
        const set = update.map((c) => `${ident(c)} = ${col(S, c)}`).join(', ');
        const head = `update ${qualified(target)} as ${T}\nset ${set}\nfrom ${staged} as ${S}\nwhere `;
        steps.push(
          { name: 'update matched', sql: head + equalKeys(keys), countsRows: true },
          { name: 'update matched (null keys)', sql: head + nullKeys(keys), countsRows: true },
        );
      }
      steps.push({
        name: 'insert unmatched',
        sql:
          `insert into ${into}\nselect ${pick} from ${staged} as ${S}\n` +
          `where not exists (select 1 from ${qualified(target)} as ${T} where ${equalKeys(keys)})\n` +
          `  and not exists (select 1 from ${qualified(target)} as ${T} where ${nullKeys(keys)})`,
        countsRows: true,
      });
    } else {
      const head = `delete from ${qualified(target)} as ${T}\nusing ${staged} as ${S}\nwhere `;
      steps.push(
        { name: 'delete matched', sql: head + equalKeys(keys) },
        { name: 'delete matched (null keys)', sql: head + nullKeys(keys) },
        { name: 'insert', sql: `insert into ${into}\nselect ${pick} from ${staged}`, countsRows: true },
      );
    }
    if (citus) steps.push(citus.release);
  }
  steps.push(...grantSteps(target, cfg.grants));
  return { ...base, phases: withHooks([{ transactional: true, steps, publish: true }], cfg.preHooks, cfg.postHooks) };
}

/**
 * MERGE semantics: one target row may be matched by one new row only. Two new rows with the same
 * key (NULLs count as equal) would make the result depend on row order, so refuse clearly.
 */
function duplicateKeyCheck(uniqueId: string, staged: string, keys: readonly string[]): PlanStep {
  const list = identList(keys);
  return {
    name: 'check unique key',
    sql: `do $strata$
declare
  dup text;
  n bigint;
begin
  select row(${list})::text, count(*) into dup, n from ${staged} group by ${list} having count(*) > 1 limit 1;
  if found then
    raise exception 'strata: % has % new rows with unique_key (%) = %', ${literal(uniqueId)}, n, ${literal(keys.join(', '))}, dup
      using hint = 'unique_key must identify one row of the model''s query; deduplicate it or change unique_key.';
  end if;
end
$strata$`,
  };
}
