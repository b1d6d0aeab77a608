/**
 * Compile-time checks of the star-schema configs (`dimension`, `fact`, `date_dimension`,
 * snapshots, Citus keys) and the resolution of a fact's `dimensions: [{ref: …}]` into DAG
 * dependencies. Problems are located diagnostics in the user's own file.
 */
import { didYouMean, error, type Diagnostic } from '../diagnostics/index.js';
import {
  defaultSurrogateKey,
  modelingConfigProblems,
  rawFactDimensions,
  readDimensionConfig,
  type ResolvedDimension,
} from '../modeling/config.js';
import type { Draft } from './drafts.js';

/** The parts of a rendered node this check needs. */
export interface ModelingNode {
  readonly draft: Draft;
  readonly config: Readonly<Record<string, unknown>>;
  readonly schema: string;
  readonly alias: string;
}

/** Position of `needle` in the draft's body (for config() values), else the node's own line. */
function locate(d: Draft, needle: string): { file: string; line: number; col: number } {
  // The key's own text when it is written, else the config( call (a missing key), else the node.
  let i = needle ? d.body.indexOf(needle) : -1;
  if (i < 0) i = d.body.search(/\bconfig\s*\(/);
  if (i < 0) return { file: d.file, line: d.loc.line, col: d.loc.col };
  const before = d.body.slice(0, i);
  return { file: d.file, line: before.split('\n').length + d.lineOffset, col: i - before.lastIndexOf('\n') };
}

/**
 * Checks one node's modeling config; for a fact, returns the unique ids of its dimensions (new
 * dependencies) and a config whose `dimensions[i].resolved` describes each dimension.
 *
 * @example checkModelingNode(factNode, byName)
 * // { diagnostics: [], depends: ['model.shop.dim_customer'], config: { …, dimensions: [{ ref: 'dim_customer', …, resolved: { schema: 'analytics', alias: 'dim_customer', surrogate_key: 'customer_key', natural_key: ['customer_id'], scd_type: 2 } }] } }
 */
export function checkModelingNode(
  n: ModelingNode,
  byName: ReadonlyMap<string, ModelingNode>,
): { diagnostics: Diagnostic[]; depends: string[]; config: Readonly<Record<string, unknown>> } {
  const d = n.draft;
  const materialized = String(n.config['materialized'] ?? '');
  const diagnostics: Diagnostic[] = [];
  const kind = d.resourceType === 'snapshot' ? 'snapshot' : `${materialized} model`;
  for (const p of modelingConfigProblems(d.resourceType === 'snapshot' ? 'snapshot' : materialized, d.name, n.config)) {
    const key = p.key.replace(/\[\d+\].*$/, '').replace(/\..*$/, '');
    diagnostics.push(error('config-invalid', `${kind} '${d.name}': config '${p.key}': ${p.message}`, { ...locate(d, key), node: d.id }));
  }
  if (materialized !== 'fact' || diagnostics.length) return { diagnostics, depends: [], config: n.config };

  const raw = rawFactDimensions(n.config);
  if (!raw.ok) return { diagnostics, depends: [], config: n.config };
  const depends: string[] = [];
  const entries = n.config['dimensions'] as unknown[];
  const resolvedEntries = raw.value.map((dim, i) => {
    const target = byName.get(dim.ref);
    const where = { ...locate(d, dim.ref), node: d.id };
    if (!target) {
      const dims = [...byName.values()].filter((x) => x.config['materialized'] === 'dimension').map((x) => x.draft.name);
      diagnostics.push(
        error('ref-not-found', `fact '${d.name}': dimensions[${i}] refers to '${dim.ref}', which does not exist`, {
          ...where,
          hint: didYouMean(dim.ref, dims) ?? (dims.length ? `dimension models: ${dims.join(', ')}` : 'create a model with materialized: dimension'),
        }),
      );
      return entries[i];
    }
    if (target.config['enabled'] === false || target.config['materialized'] !== 'dimension') {
      diagnostics.push(
        error('config-invalid', `fact '${d.name}': dimensions[${i}] refers to '${dim.ref}', which is ${target.config['enabled'] === false ? 'disabled' : `materialized as '${String(target.config['materialized'])}', not 'dimension'`}`, {
          ...where,
          hint: `give '${dim.ref}' materialized: dimension (with natural_key), or remove it from dimensions`,
        }),
      );
      return entries[i];
    }
    const dc = readDimensionConfig(target.draft.name, target.config);
    depends.push(target.draft.id);
    const resolved: ResolvedDimension = {
      schema: target.schema,
      alias: target.alias,
      surrogate_key: dc.ok ? dc.value.surrogateKey : defaultSurrogateKey(target.draft.name),
      natural_key: dc.ok ? dc.value.naturalKey : [],
      scd_type: dc.ok ? dc.value.scdType : 1,
    };
    if (dc.ok && resolved.natural_key.length !== dim.naturalKey.length) {
      diagnostics.push(
        error('config-invalid', `fact '${d.name}': dimensions[${i}].natural_key has ${dim.naturalKey.length} column(s), but '${dim.ref}' has natural_key (${resolved.natural_key.join(', ')})`, where),
      );
    }
    return { ...(entries[i] as Record<string, unknown>), resolved };
  });
  return { diagnostics, depends, config: { ...n.config, dimensions: resolvedEntries } };
}
