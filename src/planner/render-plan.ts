/**
 * Prints a NodePlan as one SQL script (for `target/run/**.sql`, golden tests and `--dry-run`).
 */
import type { NodePlan } from './types.js';

/**
 * @example renderPlan(plan)
 * -- model.p.orders (table) -> "analytics"."orders"
 * -- phase 1
 * -- step: create table
 * create table "analytics"."orders__strata_tmp_…" as (…);
 * -- phase 2 (transaction)
 * begin;
 * …
 * commit;
 */
export function renderPlan(plan: NodePlan): string {
  const rel = plan.relation ? `"${plan.relation.schema}"."${plan.relation.name}"` : '(no relation)';
  const lines = [`-- ${plan.unique_id} (${plan.materialization}) -> ${rel}`];
  if (plan.needsNewColumns) lines.push('-- needs the new query columns before it can be planned');
  if (plan.temporaries.length) lines.push(`-- temporaries: ${plan.temporaries.map((t) => `${t.schema}.${t.name}`).join(', ')}`);
  plan.phases.forEach((phase, i) => {
    lines.push('', `-- phase ${i + 1}${phase.transactional ? ' (transaction)' : ''}`);
    if (phase.transactional) lines.push('begin;');
    for (const step of phase.steps) {
      lines.push(`-- step: ${step.name}${step.countsRows ? ' (rows affected)' : ''}`);
      if (step.params?.length) lines.push(`-- params: ${JSON.stringify(step.params)}`);
      lines.push(`${step.sql};`);
    }
    if (phase.transactional) lines.push('commit;');
  });
  return `${lines.join('\n')}\n`;
}
