/**
 * Places pre/post hooks around a node's phases with dbt's semantics: hooks run in the node's
 * transaction unless configured `transaction: false`.
 */
import type { HookConfig } from './model-config.js';
import type { PlanPhase, PlanStep } from './types.js';

function hookSteps(kind: 'pre_hook' | 'post_hook', hooks: readonly HookConfig[]): PlanStep[] {
  return hooks.map((h) => ({ name: kind, sql: h.sql }));
}

/**
 * Pre-hooks go first in the first phase (same session, inside its transaction if it has one);
 * post-hooks last in the last phase when that is transactional, otherwise in their own phase.
 * `transaction: false` hooks get their own phase before / after everything.
 *
 * @example withHooks([{ transactional: true, steps: [merge] }], [{ sql: 'analyze x', transaction: true }], [])
 * // [{ transactional: true, steps: [pre_hook 'analyze x', merge] }]
 */
export function withHooks(phases: readonly PlanPhase[], pre: readonly HookConfig[], post: readonly HookConfig[]): PlanPhase[] {
  const out: { transactional: boolean; steps: PlanStep[]; publish?: true }[] = phases.map((p) => ({
    transactional: p.transactional,
    steps: [...p.steps],
    ...(p.publish ? { publish: p.publish } : {}),
  }));
  const preIn = pre.filter((h) => h.transaction);
  const preOut = pre.filter((h) => !h.transaction);
  const postIn = post.filter((h) => h.transaction);
  const postOut = post.filter((h) => !h.transaction);
  const first = out[0];
  if (preIn.length) {
    if (first) first.steps.unshift(...hookSteps('pre_hook', preIn));
    else out.push({ transactional: true, steps: hookSteps('pre_hook', preIn) });
  }
  const last = out[out.length - 1];
  if (postIn.length) {
    if (last && last.transactional) last.steps.push(...hookSteps('post_hook', postIn));
    else out.push({ transactional: true, steps: hookSteps('post_hook', postIn) });
  }
  if (preOut.length) out.unshift({ transactional: false, steps: hookSteps('pre_hook', preOut) });
  if (postOut.length) out.push({ transactional: false, steps: hookSteps('post_hook', postOut) });
  return out;
}
