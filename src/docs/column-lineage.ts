import { parseSync } from 'libpg-query';

/** An upstream column: a relation (manifest unique id, or the relation text when unknown) and a column. */
export interface ColumnSource {
  readonly node: string;
  readonly column: string;
}

export interface ColumnLineage {
  readonly column: string;
  /** Upstream columns the value is computed from (empty for constants). */
  readonly sources: readonly ColumnSource[];
  /**
   * `resolved`: every column reference was traced to a relation column. `partial`: some were not.
   * `unresolved`: none could be traced (reason says why). Unresolvable cases are marked, never guessed.
   */
  readonly status: 'resolved' | 'partial' | 'unresolved';
  /** True when the value is a column passed through unchanged (not an expression). */
  readonly direct: boolean;
  readonly reason?: string;
}

/** What the lineage walker knows about a relation named in FROM. */
export interface RelationInfo {
  /** Manifest unique id (or a stable label for unknown relations). */
  readonly id: string;
  /** Its columns in order, when known (catalog, YAML or its own lineage); undefined = unknown. */
  readonly columns?: readonly string[];
  /**
   * True when `columns` may be incomplete (materializations that add columns, e.g. a dimension's
   * surrogate key and validity range): a qualified reference to an unlisted column is still
   * attributed to this relation.
   */
  readonly open?: boolean;
}

export type RelationResolver = (parts: { catalog?: string; schema?: string; name: string }) => RelationInfo | undefined;

interface OutCol {
  name: string;
  sources: ColumnSource[];
  unresolved: string[];
  direct: boolean;
}

/** A FROM item in scope: its alias and output columns (undefined = unknown columns). */
interface Scope {
  alias: string;
  columns: OutCol[] | undefined;
  label: string;
  /** Columns merged into the left side by JOIN … USING: not candidates when unqualified. */
  usingHidden?: Set<string>;
  /** Columns may be incomplete (see RelationInfo.open). */
  open?: boolean;
}

type Node = Record<string, unknown>;

/**
 * Column-level lineage of one SELECT (a model's compiled SQL), parsed with PostgreSQL's own
 * parser (libpg-query; call `initSqlParser()` first). Follows CTEs, subqueries, joins (incl.
 * USING), aliases, set operations and `*` (expanded from what `resolve` knows about relations).
 *
 * @example
 * columnLineage('select o.id, o.amount * 2 as double from "db"."s"."orders" o', resolve)
 * // [{column: 'id', sources: [{node: 'model.shop.orders', column: 'id'}], status: 'resolved', direct: true},
 * //  {column: 'double', sources: [{node: 'model.shop.orders', column: 'amount'}], status: 'resolved', direct: false}]
 */
export function columnLineage(sql: string, resolve: RelationResolver): { columns: ColumnLineage[]; error?: string } {
  let tree: { stmts?: { stmt?: Node }[] };
  try {
    tree = parseSync(sql) as typeof tree;
  } catch (e) {
    return { columns: [], error: e instanceof Error ? e.message : String(e) };
  }
  const stmts = tree.stmts ?? [];
  const last = stmts[stmts.length - 1]?.stmt;
  const select = last?.['SelectStmt'] as Node | undefined;
  if (!select) return { columns: [], error: 'not a SELECT statement' };
  const out = selectColumns(select, new Map(), resolve);
  if (!out) return { columns: [], error: 'the query returns columns that cannot be determined (e.g. * over an unknown relation)' };
  return {
    columns: out.map((c) => ({
      column: c.name,
      sources: dedupe(c.sources),
      direct: c.direct,
      status: c.unresolved.length === 0 ? 'resolved' : c.sources.length ? 'partial' : 'unresolved',
      ...(c.unresolved.length ? { reason: [...new Set(c.unresolved)].join('; ') } : {}),
    })),
  };
}

function dedupe(xs: readonly ColumnSource[]): ColumnSource[] {
  const seen = new Set<string>();
  return xs.filter((x) => {
    const k = `${x.node}\u0000${x.column}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Output columns of a SelectStmt body; undefined when they cannot be known. */
function selectColumns(sel: Node, ctesIn: ReadonlyMap<string, OutCol[] | undefined>, resolve: RelationResolver): OutCol[] | undefined {
  const ctes = new Map(ctesIn);
  const withClause = sel['withClause'] as Node | undefined;
  for (const c of (withClause?.['ctes'] as Node[] | undefined) ?? []) {
    const cte = c['CommonTableExpr'] as Node;
    const q = (cte['ctequery'] as Node)['SelectStmt'] as Node | undefined;
    const cols = q ? selectColumns(q, ctes, resolve) : undefined;
    const names = (cte['aliascolnames'] as Node[] | undefined)?.map(str);
    ctes.set(String(cte['ctename']), cols && names ? cols.map((col, i) => ({ ...col, name: names[i] ?? col.name })) : cols);
  }
  const op = sel['op'];
  if (op && op !== 'SETOP_NONE') {
    const l = selectColumns(sel['larg'] as Node, ctes, resolve);
    const r = selectColumns(sel['rarg'] as Node, ctes, resolve);
    if (!l) return undefined;
    return l.map((c, i) => {
      const rc = r?.[i];
      return {
        name: c.name,
        sources: [...c.sources, ...(rc?.sources ?? [])],
        unresolved: [...c.unresolved, ...(rc ? rc.unresolved : ['the other branch of the set operation is unknown'])],
        direct: c.direct && (rc?.direct ?? false),
      };
    });
  }
  if (sel['valuesLists']) return undefined;
  const scopes: Scope[] = [];
  for (const item of (sel['fromClause'] as Node[] | undefined) ?? []) addFromItem(item, scopes, ctes, resolve);
  const out: OutCol[] = [];
  for (const t of (sel['targetList'] as Node[] | undefined) ?? []) {
    const rt = t['ResTarget'] as Node;
    const val = rt['val'] as Node;
    const colRef = val['ColumnRef'] as Node | undefined;
    const fields = (colRef?.['fields'] as Node[] | undefined) ?? [];
    if (colRef && fields.some((f) => 'A_Star' in f)) {
      const qualifier = fields.length > 1 ? str(fields[0]!) : undefined;
      const targets = qualifier ? scopes.filter((s) => s.alias === qualifier) : scopes;
      for (const s of targets) {
        // `*` over something whose columns we don't (fully) know: the output can't be listed.
        if (!s.columns || s.open) return undefined;
        out.push(...s.columns.map((c) => ({ ...c })));
      }
      continue;
    }
    const refs: OutCol = { name: outputName(rt, val), sources: [], unresolved: [], direct: Boolean(colRef) };
    collectRefs(val, scopes, refs, ctes, resolve);
    out.push(refs);
  }
  return out;
}

function addFromItem(item: Node, scopes: Scope[], ctes: ReadonlyMap<string, OutCol[] | undefined>, resolve: RelationResolver): void {
  if (item['RangeVar']) {
    const rv = item['RangeVar'] as Node;
    const name = String(rv['relname']);
    const alias = ((rv['alias'] as Node | undefined)?.['aliasname'] as string | undefined) ?? name;
    if (!rv['schemaname'] && ctes.has(name)) {
      scopes.push({ alias, columns: ctes.get(name), label: `CTE ${name}` });
      return;
    }
    const info = resolve({
      ...(rv['catalogname'] ? { catalog: String(rv['catalogname']) } : {}),
      ...(rv['schemaname'] ? { schema: String(rv['schemaname']) } : {}),
      name,
    });
    const id = info?.id ?? [rv['catalogname'], rv['schemaname'], name].filter(Boolean).join('.');
    scopes.push({
      alias,
      label: id,
      columns: info?.columns?.map((c) => ({ name: c, sources: [{ node: id, column: c }], unresolved: [], direct: true })),
      ...(info?.open ? { open: true } : {}),
    });
    if (!info?.columns) scopes[scopes.length - 1] = { ...scopes[scopes.length - 1]!, columns: undefined, label: id };
    return;
  }
  if (item['RangeSubselect']) {
    const rs = item['RangeSubselect'] as Node;
    const alias = String((rs['alias'] as Node | undefined)?.['aliasname'] ?? 'subquery');
    const q = (rs['subquery'] as Node)['SelectStmt'] as Node;
    const cols = selectColumns(q, ctes, resolve);
    const names = ((rs['alias'] as Node | undefined)?.['colnames'] as Node[] | undefined)?.map(str);
    scopes.push({ alias, label: `subquery ${alias}`, columns: cols && names ? cols.map((c, i) => ({ ...c, name: names[i] ?? c.name })) : cols });
    return;
  }
  if (item['JoinExpr']) {
    const j = item['JoinExpr'] as Node;
    addFromItem(j['larg'] as Node, scopes, ctes, resolve);
    const before = scopes.length;
    addFromItem(j['rarg'] as Node, scopes, ctes, resolve);
    const using = (j['usingClause'] as Node[] | undefined)?.map(str);
    if (using?.length) for (const sc of scopes.slice(before)) sc.usingHidden = new Set(using);
    return;
  }
  // Functions (generate_series, unnest, …) produce columns we don't trace.
  const alias = String(((Object.values(item)[0] as Node | undefined)?.['alias'] as Node | undefined)?.['aliasname'] ?? 'function');
  scopes.push({ alias, label: `function ${alias}`, columns: undefined });
}

/** Walks an expression, resolving every column reference against the FROM scopes. */
function collectRefs(node: unknown, scopes: readonly Scope[], into: OutCol, ctes: ReadonlyMap<string, OutCol[] | undefined>, resolve: RelationResolver): void {
  if (Array.isArray(node)) {
    for (const n of node) collectRefs(n, scopes, into, ctes, resolve);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const n = node as Node;
  if (n['ColumnRef']) {
    const fields = ((n['ColumnRef'] as Node)['fields'] as Node[]).map((f) => ('A_Star' in f ? '*' : str(f)));
    const column = fields[fields.length - 1]!;
    const qualifier = fields.length > 1 ? fields[fields.length - 2] : undefined;
    const candidates = qualifier
      ? scopes.filter((s) => s.alias === qualifier)
      : scopes.filter((s) => !s.usingHidden?.has(column) && (!s.columns || s.open || s.columns.some((c) => c.name === column)));
    const known = candidates.filter((s) => s.columns?.some((c) => c.name === column));
    if (known.length === 1 && (qualifier || candidates.length === 1)) {
      const c = known[0]!.columns!.find((x) => x.name === column)!;
      into.sources.push(...c.sources);
      into.unresolved.push(...c.unresolved);
      if (!c.direct) into.direct = false;
    } else if (candidates.length === 1 && candidates[0]!.label.startsWith('function ')) {
      into.unresolved.push(`'${column}' comes from ${candidates[0]!.label}, not a relation`);
    } else if (candidates.length === 1 && (!candidates[0]!.columns || candidates[0]!.open)) {
      // The relation is known but (all) its columns are not: the column surely comes from it.
      into.sources.push({ node: candidates[0]!.label, column });
    } else if (qualifier && candidates.length === 1) {
      into.unresolved.push(`'${fields.join('.')}' is not a known column of ${candidates[0]!.label}`);
    } else if (candidates.length === 0) {
      into.unresolved.push(`'${fields.join('.')}' matches no relation in FROM`);
    } else {
      into.unresolved.push(`'${column}' could come from ${candidates.map((s) => s.alias).join(' or ')}`);
    }
    return;
  }
  if (n['SubLink']) {
    // A scalar subquery's result column feeds this expression.
    const sub = ((n['SubLink'] as Node)['subselect'] as Node)['SelectStmt'] as Node | undefined;
    const cols = sub ? selectColumns(sub, ctes, resolve) : undefined;
    into.direct = false;
    if (!cols) into.unresolved.push('a subquery whose columns cannot be determined');
    else for (const c of cols) (into.sources.push(...c.sources), into.unresolved.push(...c.unresolved));
    return;
  }
  for (const [k, v] of Object.entries(n)) if (k !== 'location') collectRefs(v, scopes, into, ctes, resolve);
}

/** The column name PostgreSQL gives a select-list item. */
function outputName(rt: Node, val: Node): string {
  if (typeof rt['name'] === 'string') return rt['name'];
  if (val['ColumnRef']) {
    const f = ((val['ColumnRef'] as Node)['fields'] as Node[]).at(-1)!;
    return str(f);
  }
  if (val['FuncCall']) return str(((val['FuncCall'] as Node)['funcname'] as Node[]).at(-1)!);
  if (val['TypeCast']) return outputName({}, (val['TypeCast'] as Node)['arg'] as Node);
  return '?column?';
}

function str(n: Node): string {
  const s = n['String'] as Node | undefined;
  return String(s?.['sval'] ?? '');
}
