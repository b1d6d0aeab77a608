/**
 * Model contracts (dbt 1.5+ `contract: {enforced: true}`): the columns, data types and
 * constraints a model promises. Three pure parts:
 *
 * - `contractFields`: at compile time, the manifest's `contract`, `constraints` and each
 *   column's `constraints` from the YAML properties, with located diagnostics (a contracted
 *   column without `data_type`, a malformed constraint, a foreign key to an unknown model).
 * - `contractMismatches` / `contractMismatchMessage`: the pre-flight check of the query's
 *   columns (introspected without running it) against the contract: missing, extra and
 *   retyped columns, all in one table.
 * - `contractBuildSteps`: how a contracted table is created, as dbt-postgres does it: `create
 *   table` with the declared columns, types and constraints, then `insert … select` in column
 *   order (used by plan-table.ts inside the usual build-into-temporary + swap flow).
 */
import type { ColumnDef, RelationRef } from '../adapters/warehouse-adapter.js';
import type { Manifest, ManifestNode } from '../compiler/types.js';
import type { Diagnostic } from '../diagnostics/index.js';
import { error } from '../diagnostics/index.js';
import type { NodeProperties } from '../project/types.js';
import { textTable } from '../shared/text-table.js';
import { ident, identList, qualified } from './sql.js';
import type { PlanStep } from './types.js';
import { isRecord } from '../shared/records.js';

export const CONSTRAINT_TYPES = ['not_null', 'unique', 'primary_key', 'foreign_key', 'check', 'custom'] as const;
export type ConstraintType = (typeof CONSTRAINT_TYPES)[number];

/** A constraint as the manifest carries it (dbt's keys, plus the resolved `to_relation`). */
export type ContractConstraint = {
  readonly type: ConstraintType;
  readonly name: string | null;
  readonly expression: string | null;
  readonly warn_unenforced: boolean;
  readonly warn_unsupported: boolean;
  /** Foreign keys (dbt 1.9): `ref('x')` / `source('s', 't')` as written. */
  readonly to: string | null;
  readonly to_columns: readonly string[];
  /** Model-level constraints: the columns they cover. */
  readonly columns?: readonly string[];
  /** Strata: the relation `to` resolved at compile time (schema + name), for the DDL. */
  readonly to_relation?: RelationRef | null;
};

export interface ContractColumn {
  readonly name: string;
  readonly dataType: string;
  readonly constraints: readonly ContractConstraint[];
}

/** What an enforced contract requires of a model (read from its manifest node). */
export interface EnforcedContract {
  readonly columns: readonly ContractColumn[];
  readonly constraints: readonly ContractConstraint[];
}

/** `config.contract.enforced` is true (a bare `contract: true` is not dbt syntax and is ignored). */
export function contractEnforced(config: Readonly<Record<string, unknown>>): boolean {
  const c = config['contract'];
  return isRecord(c) && (c['enforced'] === true || c['enforced'] === 'true');
}

/**
 * The enforced contract of a manifest node, or undefined when it has none.
 *
 * @example enforcedContract(node) // { columns: [{ name: 'id', dataType: 'integer', constraints: [{type: 'not_null', …}] }], constraints: [] }
 */
export function enforcedContract(node: ManifestNode): EnforcedContract | undefined {
  if (!contractEnforced(node.config)) return undefined;
  const columns = Object.values(node.columns).map((c) => ({
    name: c.name,
    dataType: c.data_type ?? '',
    constraints: (c.constraints ?? []) as unknown as readonly ContractConstraint[],
  }));
  return { columns, constraints: (node.constraints ?? []) as unknown as readonly ContractConstraint[] };
}

// --- compile time ----------------------------------------------------------------------------

export interface ContractFields {
  readonly contract: { readonly enforced: boolean; readonly alias_types: boolean; readonly checksum: null };
  readonly constraints: readonly ContractConstraint[];
  readonly columnConstraints: Readonly<Record<string, readonly ContractConstraint[]>>;
}

/** How a foreign key's `to:` is resolved to a relation (a model, seed, snapshot or source). */
export type RelationResolver = (kind: 'ref' | 'source', a: string, b?: string) => RelationRef | undefined;

/**
 * The manifest fields of a model's contract, read from its YAML properties and effective config.
 * Diagnostics (code `config-invalid`, at the user's YAML) for a contracted column without
 * `data_type`, an unknown constraint type, a check without `expression`, a model-level
 * constraint without `columns`, a foreign key to something that does not exist. Constraints on
 * a view are not applied: a warning, as dbt gives.
 */
export function contractFields(
  node: { readonly unique_id: string; readonly name: string; readonly file: string; readonly loc: { readonly line: number; readonly col: number } },
  config: Readonly<Record<string, unknown>>,
  props: NodeProperties | undefined,
  resolve: RelationResolver,
  diagnostics: Diagnostic[],
): ContractFields {
  const raw = isRecord(config['contract']) ? config['contract'] : {};
  const enforced = contractEnforced(config);
  const contract = { enforced, alias_types: raw['alias_types'] !== false, checksum: null };
  const at = (loc: { line: number; col: number; file?: string } | undefined): { file: string; line: number; col: number; node: string } => ({
    file: loc?.file ?? node.file,
    line: loc?.line ?? node.loc.line,
    col: loc?.col ?? node.loc.col,
    node: node.unique_id,
  });
  const columnConstraints: Record<string, ContractConstraint[]> = {};
  for (const c of props?.columns ?? []) {
    columnConstraints[c.name] = c.constraints.flatMap((x, i) => parseConstraint(x, `column '${c.name}' constraint ${i + 1}`, false, resolve, at(c.loc), diagnostics));
    if (enforced && !c.dataType) {
      diagnostics.push(
        error('config-invalid', `model '${node.name}' has an enforced contract but column '${c.name}' has no data_type`, {
          ...at(c.loc),
          hint: `add data_type to column '${c.name}' (e.g. data_type: integer), or remove it from the contract`,
        }),
      );
    }
  }
  const modelLevel = props?.extra?.['constraints'];
  const constraints: ContractConstraint[] = [];
  if (Array.isArray(modelLevel)) {
    modelLevel.forEach((x, i) => constraints.push(...parseConstraint(x, `model constraint ${i + 1}`, true, resolve, at(props?.loc), diagnostics)));
  } else if (modelLevel !== undefined && modelLevel !== null) {
    diagnostics.push(error('config-invalid', `constraints of model '${node.name}' must be a list`, at(props?.loc)));
  }
  if (enforced && (props?.columns.length ?? 0) === 0) {
    diagnostics.push(
      error('config-invalid', `model '${node.name}' has an enforced contract but declares no columns`, {
        ...at(props?.loc),
        hint: 'list every column the model returns under columns:, each with a data_type',
      }),
    );
  }
  const hasConstraints = constraints.length > 0 || Object.values(columnConstraints).some((l) => l.length > 0);
  if (enforced && hasConstraints && config['materialized'] === 'view') {
    diagnostics.push({
      code: 'config-invalid',
      severity: 'warning',
      message: `model '${node.name}' is a view: its contract's column types are checked, but constraints are not applied to views`,
      ...at(props?.loc),
    });
  }
  if (enforced && config['materialized'] === 'ephemeral') {
    diagnostics.push(error('config-invalid', `model '${node.name}' is ephemeral: contracts cannot be enforced on ephemeral models`, at(props?.loc)));
  }
  return { contract, constraints, columnConstraints };
}

function parseConstraint(
  raw: unknown,
  what: string,
  modelLevel: boolean,
  resolve: RelationResolver,
  at: { file: string; line: number; col: number; node: string },
  diagnostics: Diagnostic[],
): ContractConstraint[] {
  const bad = (message: string, hint?: string): [] => {
    diagnostics.push(error('config-invalid', `${what}: ${message}`, { ...at, ...(hint ? { hint } : {}) }));
    return [];
  };
  if (!isRecord(raw)) return bad('must be a mapping with a type', "e.g. - type: not_null");
  const type = String(raw['type'] ?? '');
  if (!(CONSTRAINT_TYPES as readonly string[]).includes(type)) {
    return bad(`unknown constraint type '${type}'`, `one of ${CONSTRAINT_TYPES.join(', ')}`);
  }
  const expression = typeof raw['expression'] === 'string' ? raw['expression'] : null;
  if ((type === 'check' || type === 'custom') && !expression) return bad(`a ${type} constraint needs an expression`);
  const columns = Array.isArray(raw['columns']) ? raw['columns'].map(String) : typeof raw['columns'] === 'string' ? [raw['columns']] : undefined;
  if (modelLevel && type !== 'check' && type !== 'custom' && (!columns || columns.length === 0)) {
    return bad(`a model-level ${type} constraint needs columns: [..]`);
  }
  const to = typeof raw['to'] === 'string' ? raw['to'] : null;
  const toColumns = Array.isArray(raw['to_columns']) ? raw['to_columns'].map(String) : [];
  let toRelation: RelationRef | null = null;
  if (type === 'foreign_key') {
    if (to) {
      const m = /^\s*(ref|source)\s*\(\s*['"]([^'"]+)['"]\s*(?:,\s*['"]([^'"]+)['"]\s*)?\)\s*$/.exec(to);
      if (!m) return bad(`foreign key 'to: ${to}' must be ref('model') or source('source', 'table')`);
      const kind = m[1] as 'ref' | 'source';
      const found = kind === 'ref' ? resolve('ref', m[3] ? m[2]! : '', m[3] ?? m[2]!) : resolve('source', m[2]!, m[3]);
      if (!found) return bad(`foreign key refers to ${to}, which does not exist`);
      if (toColumns.length === 0) return bad('a foreign key with to: needs to_columns: [..]');
      toRelation = found;
    } else if (!expression) {
      return bad('a foreign key needs to: + to_columns: or an expression', "e.g. to: ref('customers'), to_columns: [id]");
    }
  }
  return [
    {
      type: type as ConstraintType,
      name: typeof raw['name'] === 'string' ? raw['name'] : null,
      expression,
      warn_unenforced: raw['warn_unenforced'] !== false,
      warn_unsupported: raw['warn_unsupported'] !== false,
      to,
      to_columns: toColumns,
      ...(columns ? { columns } : {}),
      ...(type === 'foreign_key' ? { to_relation: toRelation } : {}),
    },
  ];
}

// --- pre-flight ------------------------------------------------------------------------------

const ALIASES: Readonly<Record<string, string>> = {
  int: 'integer',
  int4: 'integer',
  integer: 'integer',
  serial: 'integer',
  int8: 'bigint',
  bigint: 'bigint',
  bigserial: 'bigint',
  int2: 'smallint',
  smallint: 'smallint',
  bool: 'boolean',
  boolean: 'boolean',
  float: 'double precision',
  float8: 'double precision',
  'double precision': 'double precision',
  float4: 'real',
  real: 'real',
  decimal: 'numeric',
  numeric: 'numeric',
  varchar: 'character varying',
  'character varying': 'character varying',
  char: 'character',
  character: 'character',
  bpchar: 'character',
  string: 'text',
  text: 'text',
  timestamp: 'timestamp without time zone',
  'timestamp without time zone': 'timestamp without time zone',
  timestamptz: 'timestamp with time zone',
  'timestamp with time zone': 'timestamp with time zone',
  time: 'time without time zone',
  'time without time zone': 'time without time zone',
  timetz: 'time with time zone',
  'time with time zone': 'time with time zone',
};

/**
 * A type name for comparison: lower case, PostgreSQL aliases folded, size / precision / scale
 * dropped (dbt does not compare them), array brackets kept.
 *
 * @example normalizeType('VARCHAR(20)') // 'character varying'
 * @example normalizeType('numeric(10,2)') // 'numeric'
 * @example normalizeType('timestamp(3) without time zone') // 'timestamp without time zone'
 */
export function normalizeType(t: string): string {
  let s = t.trim().toLowerCase().replace(/\s+/g, ' ');
  let array = '';
  const arr = /(\[\])+$/.exec(s);
  if (arr) {
    array = arr[0];
    s = s.slice(0, -array.length).trim();
  }
  s = s.replace(/\s*\([^)]*\)/g, '').replace(/^"(.*)"$/, '$1').trim();
  if (s.startsWith('pg_catalog.')) s = s.slice('pg_catalog.'.length);
  return (ALIASES[s] ?? s) + array;
}

export interface ContractMismatch {
  readonly column: string;
  readonly definitionType: string | null;
  readonly contractType: string | null;
  readonly reason: 'data type mismatch' | 'missing in definition' | 'missing in contract';
}

/**
 * Compares the query's columns with the contract (names case-sensitively as Postgres reports
 * them, types normalised). Empty when they agree.
 *
 * @example contractMismatches(contract, [{ name: 'id', dataType: 'text' }])
 * // [{ column: 'id', definitionType: 'text', contractType: 'integer', reason: 'data type mismatch' }]
 */
export function contractMismatches(contract: EnforcedContract, query: readonly ColumnDef[]): ContractMismatch[] {
  const out: ContractMismatch[] = [];
  const got = new Map(query.map((c) => [c.name, c]));
  const declared = new Set(contract.columns.map((c) => c.name));
  for (const c of contract.columns) {
    const q = got.get(c.name);
    if (!q) out.push({ column: c.name, definitionType: null, contractType: c.dataType, reason: 'missing in definition' });
    else if (normalizeType(q.dataType) !== normalizeType(c.dataType)) {
      out.push({ column: c.name, definitionType: q.dataType, contractType: c.dataType, reason: 'data type mismatch' });
    }
  }
  for (const q of query) if (!declared.has(q.name)) out.push({ column: q.name, definitionType: q.dataType, contractType: null, reason: 'missing in contract' });
  return out;
}

/**
 * The error a failed contract check reports: one table row per column, like dbt's.
 *
 * @example contractMismatchMessage('model.p.orders', mismatches)
 * // This model has an enforced contract that failed: …
 * // | column_name | definition_type | contract_type | mismatch_reason    |
 * // | id          | text            | integer       | data type mismatch |
 */
export function contractMismatchMessage(uniqueId: string, mismatches: readonly ContractMismatch[]): string {
  const table = textTable([['column_name', 'definition_type', 'contract_type', 'mismatch_reason'], ...mismatches.map((m) => [m.column, m.definitionType ?? '', m.contractType ?? '', m.reason])]);
  return (
    `${uniqueId} has an enforced contract that failed: the name, data_type and number of its columns must match the model's query ` +
    `(the existing relation was not changed).\n${table}`
  );
}

// --- DDL -------------------------------------------------------------------------------------

function constraintClause(c: ContractConstraint, columns: readonly string[] | undefined): string {
  const named = c.name ? `constraint ${ident(c.name)} ` : '';
  const cols = columns && columns.length ? ` (${identList(columns)})` : '';
  const references = (): string =>
    c.to_relation ? `references ${qualified(c.to_relation)} (${identList(c.to_columns)})` : `references ${c.expression ?? ''}`;
  switch (c.type) {
    case 'not_null':
      return `${named}not null`;
    case 'unique':
      return `${named}unique${cols}`;
    case 'primary_key':
      return `${named}primary key${cols}`;
    case 'check':
      return `${named}check (${c.expression ?? ''})`;
    case 'foreign_key':
      return columns ? `${named}foreign key${cols} ${references()}` : `${named}${references()}`;
    case 'custom':
      return `${named}${c.expression ?? ''}`;
  }
}

/**
 * The build steps of a contracted table: an empty table with the contract's columns, types and
 * constraints, then the query's rows inserted in the contract's column order (a constraint the
 * rows violate fails the insert, so the temporary table is dropped and nothing is published).
 *
 * @example contractBuildSteps(contract, { schema: 's', name: 'orders__strata_tmp_1a2b3c4d' }, 'select 1 as id')
 * // create table "s"."orders__strata_tmp_1a2b3c4d" ("id" integer not null primary key);
 * // insert into "s"."orders__strata_tmp_1a2b3c4d" ("id") select "id" from (select 1 as id) as strata_contract
 */
export function contractBuildSteps(contract: EnforcedContract, into: RelationRef, body: string): PlanStep[] {
  const defs = contract.columns.map((c) =>
    [`${ident(c.name)} ${c.dataType}`, ...c.constraints.map((x) => constraintClause(x, undefined))].join(' '),
  );
  for (const c of contract.constraints) {
    if (c.type === 'not_null') {
      // A model-level not_null is a not-null on each of its columns.
      continue;
    }
    defs.push(constraintClause(c, c.columns));
  }
  const alter = contract.constraints
    .filter((c) => c.type === 'not_null')
    .flatMap((c) => (c.columns ?? []).map((col) => `alter table ${qualified(into)} alter column ${ident(col)} set not null`));
  const names = contract.columns.map((c) => c.name);
  return [
    { name: 'create contracted table', sql: `create table ${qualified(into)} (\n  ${defs.join(',\n  ')}\n)` },
    ...alter.map((sql) => ({ name: 'set not null', sql })),
    {
      name: 'insert',
      sql: `insert into ${qualified(into)} (${identList(names)})\nselect ${identList(names)} from (\n${body}\n) as strata_contract`,
      countsRows: true,
    },
  ];
}

/** True when the contract declares a primary key or unique constraint (indexes to rename after the swap). */
export function contractHasIndexes(contract: EnforcedContract): boolean {
  const all = [...contract.constraints, ...contract.columns.flatMap((c) => c.constraints)];
  return all.some((c) => c.type === 'primary_key' || c.type === 'unique');
}

/**
 * The manifest with each model's contract fields filled in from its YAML properties (see
 * `contractFields`): `contract`, model-level `constraints`, columns' `constraints`.
 */
export function attachContracts(
  manifest: Manifest,
  models: readonly { readonly id: string; readonly file: string; readonly props: NodeProperties | undefined }[],
  resolve: RelationResolver,
  diagnostics: Diagnostic[],
): Manifest {
  const nodes: Record<string, ManifestNode> = { ...manifest.nodes };
  const parentMap: Record<string, readonly string[]> = { ...manifest.parent_map };
  const childMap: Record<string, readonly string[]> = { ...manifest.child_map };
  for (const m of models) {
    const n = nodes[m.id];
    if (!n || n.resource_type !== 'model') continue;
    const f = contractFields({ unique_id: n.unique_id, name: n.name, file: m.props ? m.props.loc.file : m.file, loc: m.props?.loc ?? n.loc }, n.config, m.props, resolve, diagnostics);
    const columns = Object.fromEntries(Object.entries(n.columns).map(([k, c]) => [k, { ...c, constraints: f.columnConstraints[k] ?? [] }]));
    // A foreign key's parent is built first (dbt 1.9 adds `to:` to depends_on).
    const parents = [...f.constraints, ...Object.values(f.columnConstraints).flat()]
      .flatMap((c) => (c.to_relation ? [c.to_relation] : []))
      .flatMap((rel) => Object.values(manifest.nodes).filter((p) => p.relation_name !== null && p.schema === rel.schema && p.alias === rel.name && p.unique_id !== n.unique_id))
      .map((p) => p.unique_id)
      .filter((id) => !n.depends_on.nodes.includes(id));
    const depends_on = parents.length ? { ...n.depends_on, nodes: [...n.depends_on.nodes, ...new Set(parents)] } : n.depends_on;
    for (const p of new Set(parents)) {
      parentMap[n.unique_id] = [...(parentMap[n.unique_id] ?? []), p];
      childMap[p] = [...(childMap[p] ?? []), n.unique_id];
    }
    nodes[m.id] = { ...n, contract: f.contract, constraints: f.constraints, columns, depends_on };
  }
  return { ...manifest, nodes, parent_map: parentMap, child_map: childMap };
}
