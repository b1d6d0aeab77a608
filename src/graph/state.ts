import type { Manifest, ManifestNode, SourceNode } from '../compiler/types.js';
import type { Diagnostic } from '../diagnostics/index.js';

export type StateCheck =
  | 'new'
  | 'old'
  | 'modified'
  | 'unmodified'
  | 'modified.body'
  | 'modified.configs'
  | 'modified.macros'
  | 'modified.vars'
  | 'modified.relation';

const CHECKS: readonly string[] = [
  'new',
  'old',
  'modified',
  'unmodified',
  'modified.body',
  'modified.configs',
  'modified.macros',
  'modified.vars',
  'modified.relation',
];

/**
 * Nodes whose definition differs from the `--state` manifest, dbt's `state:` method. Checksums
 * cover the SQL body, effective config, the macros the node called (transitively, by content)
 * and the vars/env/target values it read.
 *
 * @example modifiedNodes(current, previous, 'modified') // ['model.shop.stg_orders']
 */
export function modifiedNodes(
  current: Manifest,
  state: Manifest,
  check: StateCheck,
  diagnostics: Diagnostic[],
): string[] {
  if (!CHECKS.includes(check)) {
    diagnostics.push({
      code: 'selector-invalid',
      severity: 'error',
      message: `unknown state selector 'state:${check}'`,
      hint: `use one of ${CHECKS.map((c) => `state:${c}`).join(', ')}`,
    });
    return [];
  }
  const out: string[] = [];
  const consider = (id: string, now: ManifestNode | SourceNode, before: ManifestNode | SourceNode | undefined): void => {
    const isNew = before === undefined;
    if (check === 'new') return void (isNew && out.push(id));
    if (check === 'old') return void (!isNew && out.push(id));
    if (isNew) {
      if (check === 'modified' || check.startsWith('modified.')) out.push(id);
      return;
    }
    const diff = differences(now, before);
    const any = diff.body || diff.configs || diff.macros || diff.vars || diff.relation;
    const hit =
      check === 'modified'
        ? any
        : check === 'unmodified'
          ? !any
          : diff[check.slice('modified.'.length) as keyof typeof diff];
    if (hit) out.push(id);
  };
  for (const [id, n] of Object.entries(current.nodes)) consider(id, n, state.nodes[id]);
  for (const [id, n] of Object.entries(current.sources)) consider(id, n, state.sources[id]);
  return out;
}

function differences(
  now: ManifestNode | SourceNode,
  before: ManifestNode | SourceNode,
): { body: boolean; configs: boolean; macros: boolean; vars: boolean; relation: boolean } {
  if (now.resource_type === 'source' || before.resource_type === 'source') {
    const a = JSON.stringify(now);
    const b = JSON.stringify(before);
    return { body: false, configs: a !== b, macros: false, vars: false, relation: false };
  }
  return {
    body: now.checksum.checksum !== before.checksum.checksum,
    configs: now.strata.config_hash !== before.strata.config_hash,
    macros: now.strata.macros_hash !== before.strata.macros_hash,
    vars: now.strata.inputs_hash !== before.strata.inputs_hash,
    // dbt semantics: the relation changed when its configured database/schema/alias did, not
    // because the manifest was compiled for another target (CI schema vs production).
    relation:
      now.alias !== before.alias ||
      (now.config.schema ?? null) !== (before.config.schema ?? null) ||
      (now.config.database ?? null) !== (before.config.database ?? null),
  };
}
