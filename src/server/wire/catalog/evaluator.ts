import { SYSTEM_COLUMNS, type CatalogData } from './catalog-data.js';
import { FUNCTIONS, SRFS, cast, likeMatch, pgRegex, textOf, typeByNames, type FnContext } from './functions.js';
import { CatalogError, Rec, T, arrayOf, compareValues, elemOf, isInteger, isNumeric, isTextual, lowerBound, valueKey, type TV, type Value } from './values.js';

/**
 * A small SELECT evaluator over libpg-query's AST (PostgreSQL's parse tree as JSON), for the
 * virtual catalog's relations. Rows are arrays of values; every expression yields a value and its
 * type oid; joins on equalities are hashed and WHERE conjuncts are applied as soon as their
 * relations are joined, so tools' many-way catalog joins stay small.
 */

type Node = Record<string, unknown>;
type Obj = Record<string, any>;

export interface Col {
  readonly rel: string | null;
  readonly name: string;
  readonly t: number;
  /** A USING column's right-hand copy: found only when qualified. */
  readonly hidden?: boolean;
  /** A system column (tableoid, ctid, …): found by name, left out of `*`. */
  readonly system?: boolean;
}

export interface Rel {
  readonly cols: Col[];
  readonly rows: Value[][];
}

export interface Output {
  readonly cols: { name: string; t: number }[];
  readonly rows: Value[][];
}

interface Env {
  readonly cols: readonly Col[];
  readonly row: readonly Value[];
  readonly parent: Env | null;
  readonly group?: Value[][];
  readonly rowIndex?: number;
  readonly win?: Map<object, Value[]>;
  srf?: Map<object, TV>;
}

interface Cte {
  readonly stmt: Obj;
  readonly colnames: string[];
  rel?: Rel;
  running?: boolean;
}

interface Scope {
  readonly ctes: Map<string, Cte>;
  readonly parent: Scope | null;
}

export interface EvalContext extends FnContext {
  readonly params: readonly (string | null)[];
  /** Rows and row pairs looked at so far; past `limit` the statement fails with 54000. */
  work: number;
  readonly limit: number;
}

const AGGS = new Set(['count', 'min', 'max', 'sum', 'avg', 'array_agg', 'string_agg', 'bool_or', 'bool_and', 'every', 'json_agg', 'jsonb_agg']);
const WINDOWS = new Set(['row_number', 'rank', 'dense_rank']);

const entry = (n: unknown): [string, Obj] => {
  if (!n || typeof n !== 'object') throw new CatalogError('0A000', 'unexpected parse tree node');
  for (const k in n as Obj) return [k, ((n as Obj)[k] ?? {}) as Obj];
  throw new CatalogError('0A000', 'unexpected empty parse tree node');
};
const list = (x: unknown): Node[] => (Array.isArray(x) ? (x as Node[]) : []);
const strOf = (n: unknown): string => {
  const [k, v] = entry(n);
  if (k === 'String') return String(v['sval'] ?? '');
  if (k === 'A_Star') return '*';
  throw new CatalogError('0A000', `unexpected ${k} in a name`);
};
const nameCache = new WeakMap<object, string[]>();
const names = (x: unknown): string[] => {
  if (!Array.isArray(x)) return [];
  let r = nameCache.get(x);
  if (!r) nameCache.set(x, (r = x.map(strOf)));
  return r.slice();
};
/** Hash indexes of row arrays by column (the catalog's cached relations keep theirs). */
const INDEXES = new WeakMap<Value[][], Map<number, Map<string, Value[][]>>>();
/** Resolved column references: the env depth and index, valid while that env has these cols. */
const colCache = new WeakMap<object, { path: (readonly Col[])[]; idx: number }>();

function bump(c: EvalContext, n = 1): void {
  c.work += n;
  if (c.work > c.limit) throw new CatalogError('54000', `the catalog query looks at more than ${c.limit} rows; add conditions that join its relations`);
}

export class Evaluator {
  constructor(
    private readonly data: CatalogData,
    private readonly c: EvalContext,
  ) {}

  run(stmt: Node): Output {
    const [k, v] = entry(stmt);
    if (k !== 'SelectStmt') throw new CatalogError('0A000', `${k} is not supported by the virtual catalog`);
    return this.select(v, null, null);
  }

  // ---------------------------------------------------------------- SELECT

  private select(s: Obj, outer: Env | null, scope: Scope | null): Output {
    if (s['intoClause']) throw new CatalogError('0A000', 'SELECT INTO is not supported by the virtual catalog');
    let sc = scope;
    const w = s['withClause'] as Obj | undefined;
    if (w) {
      if (w['recursive']) throw new CatalogError('0A000', 'WITH RECURSIVE is not supported by the virtual catalog');
      const ctes = new Map<string, Cte>();
      sc = { ctes, parent: scope };
      for (const n of list(w['ctes'])) {
        const [, cte] = entry(n);
        const [qk, q] = entry(cte['ctequery']);
        if (qk !== 'SelectStmt') throw new CatalogError('0A000', `${qk} in WITH is not supported by the virtual catalog`);
        ctes.set(String(cte['ctename']), { stmt: q, colnames: names(cte['aliascolnames']) });
      }
    }
    const op = s['op'] as string | undefined;
    if (op && op !== 'SETOP_NONE') return this.setOp(s, op, outer, sc);
    if (s['valuesLists']) return this.finish(s, this.values(s, outer, sc), outer, sc);

    const from = this.fromWhere(list(s['fromClause']), s['whereClause'] as Node | undefined, outer, sc);
    const targets = list(s['targetList']);
    const groupClause = list(s['groupClause']);
    const having = s['havingClause'] as Node | undefined;
    const grouped = groupClause.length > 0 || having !== undefined || targets.some((t) => hasAgg(entry(t)[1]['val'])) || list(s['sortClause']).some((x) => hasAgg(entry(x)[1]['node']));

    // Window functions over the input rows.
    const win = new Map<object, Value[]>();
    for (const t of targets) for (const f of findWindows(entry(t)[1]['val'])) win.set(f, this.window(f, from, outer, sc));

    // Environments the target list is evaluated in: one per input row, or one per group.
    let envs: Env[];
    if (grouped) {
      const keyed = new Map<string, Value[][]>();
      const groupExprs = groupClause.map((g) => this.resolveTargetRef(g, targets));
      bump(this.c, from.rows.length);
      for (let i = 0; i < from.rows.length; i++) {
        const env: Env = { cols: from.cols, row: from.rows[i]!, parent: outer };
        const key = groupExprs.map((g) => valueKey(this.expr(g, env, sc).v)).join('\u0002');
        let g = keyed.get(key);
        if (!g) keyed.set(key, (g = []));
        g.push(from.rows[i]!);
      }
      if (keyed.size === 0 && groupClause.length === 0) keyed.set('', []);
      envs = [...keyed.values()].map((rows) => ({ cols: from.cols, row: rows[0] ?? from.cols.map(() => null), parent: outer, group: rows }));
      if (having) envs = envs.filter((e) => this.expr(having, e, sc).v === true);
    } else {
      envs = from.rows.map((row, i) => ({ cols: from.cols, row, parent: outer, rowIndex: i, win }));
    }

    // Projection (with set-returning functions in the list run in lockstep).
    const out: { row: Value[]; env: Env }[] = [];
    const expanded = this.expandTargets(targets, from.cols);
    const srfs = expanded.flatMap((t) => findSrfs(t.val));
    bump(this.c, envs.length);
    for (const env of envs) {
      if (srfs.length === 0) {
        out.push({ row: expanded.map((t) => this.expr(t.val, env, sc).v), env });
        continue;
      }
      const sets = srfs.map((f) => this.srfCall(f, env, sc));
      const n = Math.max(0, ...sets.map((x) => x.rows.length));
      for (let i = 0; i < n; i++) {
        bump(this.c);
        const m = new Map<object, TV>();
        srfs.forEach((f, j) => {
          const set = sets[j]!;
          const r = set.rows[i];
          m.set(f, set.cols.length === 1 ? { t: set.cols[0]!.t, v: r ? r[0]! : null } : { t: T.record, v: r ? new Rec(set.cols.map((x) => x.name), set.cols.map((x) => x.t), r) : null });
        });
        const e: Env = { ...env, srf: m };
        out.push({ row: expanded.map((t) => this.expr(t.val, e, sc).v), env: e });
      }
    }
    const probe: Env = envs[0] ?? { cols: from.cols, row: from.cols.map(() => null), parent: outer, group: grouped ? [] : undefined, win };
    const firstEnv = out[0]?.env;
    const cols = expanded.map((t) => ({ name: t.name, t: this.outType(t.val, probe, sc, firstEnv) }));

    // DISTINCT, ORDER BY, LIMIT.
    let rows = out;
    const distinct = s['distinctClause'] as Node[] | undefined;
    const sortClause = list(s['sortClause']);
    if (sortClause.length) rows = this.sort(rows, sortClause, cols, targets, sc);
    if (distinct) {
      const on = distinct.filter((d) => d && Object.keys(d).length > 0);
      const seen = new Set<string>();
      rows = rows.filter((r) => {
        const key = on.length ? on.map((d) => valueKey(this.sortValue(d, r, cols, targets, sc))).join('\u0002') : r.row.map(valueKey).join('\u0002');
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    }
    return { cols, rows: this.limit(s, rows.map((r) => r.row), outer, sc) };
  }

  private finish(s: Obj, o: Output, outer: Env | null, sc: Scope | null): Output {
    let rows = o.rows.map((row) => ({ row, env: { cols: o.cols.map((c) => ({ rel: null, name: c.name, t: c.t })), row, parent: outer } as Env }));
    const sortClause = list(s['sortClause']);
    if (sortClause.length) rows = this.sort(rows, sortClause, o.cols, [], sc);
    return { cols: o.cols, rows: this.limit(s, rows.map((r) => r.row), outer, sc) };
  }

  private limit(s: Obj, rows: Value[][], outer: Env | null, sc: Scope | null): Value[][] {
    const empty: Env = { cols: [], row: [], parent: outer };
    const off = s['limitOffset'] ? Number(this.expr(s['limitOffset'] as Node, empty, sc).v ?? 0) : 0;
    const cnt = s['limitCount'] ? this.expr(s['limitCount'] as Node, empty, sc).v : null;
    if (!Number.isFinite(off) || off < 0) throw new CatalogError('2201X', 'OFFSET must not be negative');
    const start = Math.floor(off);
    if (cnt === null || cnt === undefined) return start ? rows.slice(start) : rows;
    const n = Number(cnt);
    if (!Number.isFinite(n) || n < 0) throw new CatalogError('2201W', 'LIMIT must not be negative');
    return rows.slice(start, start + Math.floor(n));
  }

  private values(s: Obj, outer: Env | null, sc: Scope | null): Output {
    const lists = list(s['valuesLists']).map((l) => list(entry(l)[1]['items']));
    const empty: Env = { cols: [], row: [], parent: outer };
    const tvs = lists.map((items) => items.map((it) => this.expr(it, empty, sc)));
    const width = tvs[0]?.length ?? 0;
    if (tvs.some((r) => r.length !== width)) throw new CatalogError('42601', 'VALUES lists must all be the same length');
    const cols = Array.from({ length: width }, (_x, i) => {
      const t = tvs.map((r) => r[i]!.t).find((x) => x !== T.unknown) ?? T.unknown;
      return { name: `column${i + 1}`, t: t === T.unknown ? T.text : t };
    });
    return { cols, rows: tvs.map((r) => r.map((tv, i) => (tv.t === T.unknown && cols[i]!.t !== T.text ? cast(this.c, tv, cols[i]!.t).v : tv.v))) };
  }

  private setOp(s: Obj, op: string, outer: Env | null, sc: Scope | null): Output {
    const l = this.select(entry({ SelectStmt: s['larg'] })[1], outer, sc);
    const r = this.select(entry({ SelectStmt: s['rarg'] })[1], outer, sc);
    if (l.cols.length !== r.cols.length) throw new CatalogError('42601', 'each UNION query must have the same number of columns');
    const cols = l.cols.map((c, i) => ({ name: c.name, t: c.t === T.text && r.cols[i]!.t !== T.text ? r.cols[i]!.t : c.t }));
    const key = (row: Value[]): string => row.map(valueKey).join('\u0002');
    let rows: Value[][];
    const all = s['all'] === true;
    if (op === 'SETOP_UNION') {
      rows = [...l.rows, ...r.rows];
      if (!all) {
        const seen = new Set<string>();
        rows = rows.filter((x) => (seen.has(key(x)) ? false : (seen.add(key(x)), true)));
      }
    } else if (op === 'SETOP_INTERSECT') {
      const rk = new Set(r.rows.map(key));
      const seen = new Set<string>();
      rows = l.rows.filter((x) => rk.has(key(x)) && (all || (!seen.has(key(x)) && (seen.add(key(x)), true))));
    } else {
      const rk = new Set(r.rows.map(key));
      const seen = new Set<string>();
      rows = l.rows.filter((x) => !rk.has(key(x)) && (all || (!seen.has(key(x)) && (seen.add(key(x)), true))));
    }
    return this.finish(s, { cols, rows }, outer, sc);
  }

  private sort(rows: { row: Value[]; env: Env }[], sortClause: Node[], cols: { name: string; t: number }[], targets: Node[], sc: Scope | null): { row: Value[]; env: Env }[] {
    const specs = sortClause.map((n) => entry(n)[1]);
    const keyed = rows.map((r) => ({ r, keys: specs.map((sp) => this.sortValue(sp['node'] as Node, r, cols, targets, sc)) }));
    keyed.sort((a, b) => {
      for (let i = 0; i < specs.length; i++) {
        const desc = specs[i]!['sortby_dir'] === 'SORTBY_DESC';
        const nulls = specs[i]!['sortby_nulls'] as string;
        const nullsFirst = nulls === 'SORTBY_NULLS_FIRST' || (nulls !== 'SORTBY_NULLS_LAST' && desc);
        const x = a.keys[i] ?? null;
        const y = b.keys[i] ?? null;
        if (x === null || y === null) {
          if (x === y) continue;
          return (x === null) === nullsFirst ? -1 : 1;
        }
        const cmp = compareValues(x, y);
        if (cmp) return desc ? -cmp : cmp;
      }
      return 0;
    });
    return keyed.map((k) => k.r);
  }

  private sortValue(node: Node, r: { row: Value[]; env: Env }, cols: { name: string; t: number }[], targets: Node[], sc: Scope | null): Value {
    const [k, v] = entry(node);
    if (k === 'A_Const' && v['ival'] !== undefined) {
      const i = Number((v['ival'] as Obj)['ival'] ?? 0);
      if (i < 1 || i > cols.length) throw new CatalogError('42P10', `ORDER BY position ${i} is not in select list`);
      return r.row[i - 1] ?? null;
    }
    if (k === 'ColumnRef') {
      const f = names(v['fields']);
      if (f.length === 1) {
        const idx = cols.findIndex((c) => c.name === f[0]);
        if (idx >= 0 && (targets.length === 0 || !this.hasInputCol(r.env, f[0]!) || cols.filter((c) => c.name === f[0]).length === 1)) return r.row[idx] ?? null;
      }
    }
    if (targets.length === 0) {
      const env: Env = { cols: cols.map((c) => ({ rel: null, name: c.name, t: c.t })), row: r.row, parent: r.env.parent };
      return this.expr(node, env, sc).v;
    }
    return this.expr(node, r.env, sc).v;
  }

  private hasInputCol(env: Env, name: string): boolean {
    return env.cols.some((c) => c.name === name);
  }

  /** GROUP BY items: ordinals and output names stand for the select list's expressions. */
  private resolveTargetRef(g: Node, targets: Node[]): Node {
    const [k, v] = entry(g);
    if (k === 'A_Const' && v['ival'] !== undefined) {
      const i = Number((v['ival'] as Obj)['ival'] ?? 0);
      const t = targets[i - 1];
      if (!t) throw new CatalogError('42P10', `GROUP BY position ${i} is not in select list`);
      return entry(t)[1]['val'] as Node;
    }
    return g;
  }

  private expandTargets(targets: Node[], cols: Col[]): { name: string; val: Node }[] {
    const out: { name: string; val: Node }[] = [];
    for (const t of targets) {
      const [, rt] = entry(t);
      const val = rt['val'] as Node;
      const [k, v] = entry(val);
      if (k === 'ColumnRef') {
        const f = names(v['fields']);
        if (f[f.length - 1] === '*') {
          const rel = f.length >= 2 ? f[f.length - 2]! : null;
          const picked = cols.map((c, i) => ({ c, i })).filter(({ c }) => !c.system && (rel === null ? !c.hidden : c.rel === rel));
          if (rel !== null && picked.length === 0) throw new CatalogError('42P01', `missing FROM-clause entry for table "${rel}"`);
          for (const { c, i } of picked) out.push({ name: c.name, val: { __col: i } as unknown as Node });
          continue;
        }
      }
      out.push({ name: (rt['name'] as string | undefined) ?? this.nameOf(val), val });
    }
    return out;
  }

  private nameOf(n: Node): string {
    return this.colname(n)[0];
  }

  /** PostgreSQL's output column name of an expression, with how strongly it names it (0–2). */
  private colname(n: Node): [string, number] {
    const [k, v] = entry(n);
    switch (k) {
      case 'ColumnRef': {
        const f = names(v['fields']);
        return [f[f.length - 1]!, 2];
      }
      case 'FuncCall':
        return [names(v['funcname']).pop()!, 2];
      case 'TypeCast': {
        const inner = this.colname(v['arg'] as Node);
        if (inner[1] > 1) return inner;
        const tn = names((v['typeName'] as Obj)['names']);
        return [tn[tn.length - 1]!, 1];
      }
      case 'A_Indirection': {
        const ind = list(v['indirection']);
        const last = ind[ind.length - 1];
        return last && entry(last)[0] === 'String' ? [strOf(last), 2] : this.colname(v['arg'] as Node);
      }
      case 'CaseExpr': {
        const d = v['defresult'] ? this.colname(v['defresult'] as Node) : (['?column?', 0] as [string, number]);
        return d[1] > 1 ? d : ['case', 1];
      }
      case 'CoalesceExpr':
        return ['coalesce', 2];
      case 'MinMaxExpr':
        return [v['op'] === 'IS_GREATEST' ? 'greatest' : 'least', 2];
      case 'A_ArrayExpr':
        return ['array', 2];
      case 'RowExpr':
        return ['row', 2];
      case 'GroupingFunc':
        return ['grouping', 2];
      case 'CollateClause':
        return this.colname(v['arg'] as Node);
      case 'A_Expr':
        return v['kind'] === 'AEXPR_NULLIF' ? ['nullif', 2] : ['?column?', 0];
      case 'SQLValueFunction':
        return [String(v['op']).replace(/^SVFOP_/, '').toLowerCase().replace(/_n$/, ''), 2];
      case 'SubLink': {
        if (v['subLinkType'] === 'EXISTS_SUBLINK') return ['exists', 2];
        if (v['subLinkType'] === 'ARRAY_SUBLINK') return ['array', 2];
        if (v['subLinkType'] === 'EXPR_SUBLINK') {
          const [, sel] = entry(v['subselect']);
          const first = list(sel['targetList'])[0];
          if (first) {
            const [, rt] = entry(first);
            return rt['name'] ? [String(rt['name']), 2] : this.colname(rt['val'] as Node);
          }
        }
        return ['?column?', 0];
      }
      default:
        return ['?column?', 0];
    }
  }

  /** An output column's type: the expression's, else the first row's value's, else text. */
  private outType(val: Node, probe: Env, sc: Scope | null, first: Env | undefined): number {
    if ((val as Obj)['__col'] !== undefined) return probe.cols[(val as Obj)['__col'] as number]!.t;
    let t: number = T.unknown;
    try {
      t = this.staticType(val, probe, sc);
    } catch {
      t = T.unknown;
    }
    if (t === T.unknown && first) {
      try {
        t = this.expr(val, first, sc).t;
      } catch {
        t = T.unknown;
      }
    }
    return t === T.unknown || t === 0 ? T.text : t;
  }

  /** The type of an expression without rows: evaluates it over a row of nulls. */
  private staticType(n: Node, env: Env, sc: Scope | null): number {
    const [k, v] = entry(n);
    switch (k) {
      case 'CaseExpr': {
        for (const w of list(v['args'])) {
          const t = this.staticType(entry(w)[1]['result'] as Node, env, sc);
          if (t !== T.unknown) return t;
        }
        return v['defresult'] ? this.staticType(v['defresult'] as Node, env, sc) : T.unknown;
      }
      case 'CoalesceExpr':
      case 'MinMaxExpr': {
        for (const a of list(v['args'])) {
          const t = this.staticType(a, env, sc);
          if (t !== T.unknown) return t;
        }
        return T.unknown;
      }
      case 'SubLink':
        if (v['subLinkType'] === 'EXPR_SUBLINK' || v['subLinkType'] === 'ARRAY_SUBLINK') {
          const sub = this.select(entry(v['subselect'])[1], env, sc);
          const t = sub.cols[0]?.t ?? T.text;
          return v['subLinkType'] === 'ARRAY_SUBLINK' ? arrayOf(t, (o) => this.data.types.get(o)) : t;
        }
        return T.bool;
      case 'FuncCall': {
        const srf = SRFS.get(names(v['funcname']).pop()!);
        if (!srf || v['over']) return this.expr(n, { ...env, row: env.row.map(() => null) }, sc).t;
        const cols = srf.cols(list(v['args']).map((a) => this.staticType(a, env, sc)));
        return cols.length === 1 ? cols[0]!.t : T.record;
      }
      case 'A_Indirection': {
        const [ak, av] = entry(v['arg']);
        const ind = list(v['indirection']);
        const srf = ak === 'FuncCall' ? SRFS.get(names(av['funcname']).pop()!) : undefined;
        if (srf && ind.length === 1 && entry(ind[0])[0] === 'String') {
          const cols = srf.cols(list(av['args']).map((a) => this.staticType(a, env, sc)));
          const c = cols.find((x) => x.name === strOf(ind[0]));
          if (c) return c.t;
        }
        return this.expr(n, { ...env, row: env.row.map(() => null) }, sc).t;
      }
      default: {
        const nullEnv: Env = { ...env, row: env.row.map(() => null) };
        return this.expr(n, nullEnv, sc).t;
      }
    }
  }

  private window(f: Obj, from: Rel, outer: Env | null, sc: Scope | null): Value[] {
    const name = names(f['funcname']).pop()!;
    if (!WINDOWS.has(name)) throw new CatalogError('0A000', `window function ${name} is not supported by the virtual catalog`);
    const over = f['over'] as Obj;
    const parts = list(over['partitionClause']);
    const order = list(over['orderClause']).map((x) => entry(x)[1]);
    const envs = from.rows.map((row) => ({ cols: from.cols, row, parent: outer }) as Env);
    const pkeys = envs.map((e) => parts.map((p) => valueKey(this.expr(p, e, sc).v)).join('\u0002'));
    const okeys = envs.map((e) => order.map((o) => this.expr(o['node'] as Node, e, sc).v));
    const idx = from.rows.map((_r, i) => i);
    const cmpOrder = (a: number, b: number): number => {
      for (let i = 0; i < order.length; i++) {
        const x = okeys[a]![i] ?? null;
        const y = okeys[b]![i] ?? null;
        const desc = order[i]!['sortby_dir'] === 'SORTBY_DESC';
        if (x === null || y === null) {
          if (x === y) continue;
          return (x === null) === desc ? -1 : 1;
        }
        const c = compareValues(x, y);
        if (c) return desc ? -c : c;
      }
      return 0;
    };
    idx.sort((a, b) => (pkeys[a]! < pkeys[b]! ? -1 : pkeys[a]! > pkeys[b]! ? 1 : cmpOrder(a, b) || a - b));
    const out: Value[] = new Array(from.rows.length).fill(null);
    let prev = -1;
    let n = 0;
    let rank = 0;
    let dense = 0;
    for (const i of idx) {
      const newPart = prev < 0 || pkeys[prev] !== pkeys[i];
      if (newPart) {
        n = 0;
        rank = 0;
        dense = 0;
      }
      n++;
      const tie = !newPart && cmpOrder(prev, i) === 0;
      if (!tie) {
        rank = n;
        dense++;
      }
      out[i] = name === 'row_number' ? n : name === 'rank' ? rank : dense;
      prev = i;
    }
    return out;
  }

  // ---------------------------------------------------------------- FROM / WHERE

  private fromWhere(items: Node[], where: Node | undefined, outer: Env | null, sc: Scope | null): Rel {
    const conj = where ? splitAnd(where) : [];
    if (items.length === 0) {
      const rel: Rel = { cols: [], rows: [[]] };
      return this.filter(rel, conj, outer, sc);
    }
    const sources: Rel[] = [];
    const laterals: boolean[] = [];
    const push: Push = { list: conj.map((n) => ({ n, done: false })), aliases: fromAliases(items) };
    for (const it of items) {
      const [k, v] = entry(it);
      const lateral = (k === 'RangeSubselect' && v['lateral'] === true) || (k === 'RangeFunction' && sources.length > 0 && this.refsEarlier(it, sources));
      laterals.push(lateral);
      sources.push(lateral ? { cols: [], rows: [] } : this.fromItem(it, outer, sc, push));
    }
    const pending = push.list.filter((p) => !p.done).map((p) => ({ n: p.n, refs: this.refs(p.n, sources), done: false }));
    // Conjuncts over one relation filter it before it is joined.
    sources.forEach((src, i) => {
      if (laterals[i]) return;
      const mine = pending.filter((p) => !p.done && p.refs !== null && p.refs.size === 1 && p.refs.has(i));
      if (mine.length) {
        sources[i] = this.filter(src, mine.map((p) => p.n), outer, sc);
        for (const p of mine) p.done = true;
      }
    });
    // An inner join with an empty relation is empty.
    if (sources.some((src, i) => !laterals[i] && src.rows.length === 0)) {
      if (!laterals.some(Boolean)) return { cols: sources.flatMap((src) => src.cols), rows: [] };
    }
    let acc = sources[0]!;
    for (let i = 1; i < sources.length; i++) {
      if (laterals[i]) {
        const rows: Value[][] = [];
        let cols: Col[] | null = null;
        for (const row of acc.rows) {
          const env: Env = { cols: acc.cols, row, parent: outer };
          const r = this.fromItem(items[i]!, env, sc);
          cols ??= r.cols;
          for (const rr of r.rows) {
            bump(this.c);
            rows.push([...row, ...rr]);
          }
        }
        if (!cols) cols = this.fromItem(items[i]!, { cols: acc.cols, row: acc.cols.map(() => null), parent: outer }, sc).cols;
        acc = { cols: [...acc.cols, ...cols], rows };
        continue;
      }
      const ready = pending.filter((p) => !p.done && p.refs !== null && p.refs.has(i) && [...p.refs].every((x) => x <= i));
      for (const p of ready) p.done = true;
      acc = this.join(acc, sources[i]!, ready.map((p) => p.n), 'inner', outer, sc);
    }
    const rest = pending.filter((p) => !p.done).map((p) => p.n);
    return this.filter(acc, rest, outer, sc);
  }

  private refsEarlier(item: Node, sources: Rel[]): boolean {
    const r = this.refs(item, sources);
    return r === null || r.size > 0;
  }

  /** Which of `sources` an expression's column references point into; null when it cannot tell. */
  private refs(n: unknown, sources: readonly Rel[]): Set<number> | null {
    const out = new Set<number>();
    let unknown = false;
    const visit = (x: unknown): void => {
      if (unknown || !x || typeof x !== 'object') return;
      if (Array.isArray(x)) {
        x.forEach(visit);
        return;
      }
      const o = x as Obj;
      if (o['SubLink'] || o['SelectStmt']) {
        unknown = true;
        return;
      }
      if (o['ColumnRef']) {
        const f = names(o['ColumnRef']['fields']);
        if (f[f.length - 1] === '*') {
          unknown = true;
          return;
        }
        const found: number[] = [];
        sources.forEach((s, i) => {
          if (findCol(s.cols, f) >= 0 || (f.length === 1 && s.cols.some((c) => c.rel === f[0]))) found.push(i);
        });
        if (found.length > 1) unknown = true;
        else if (found.length === 1) out.add(found[0]!);
        return;
      }
      for (const v of Object.values(o)) visit(v);
    };
    visit(n);
    return unknown ? null : out;
  }

  private filter(rel: Rel, conds: Node[], outer: Env | null, sc: Scope | null): Rel {
    if (conds.length === 0) return rel;
    let candidates = rel.rows;
    // `column = value` with a value that does not depend on the row: look the rows up by it.
    if (rel.rows.length > 32) {
      for (const n of conds) {
        const hit = this.lookup(rel, n, outer, sc);
        if (hit) {
          candidates = hit;
          break;
        }
      }
    }
    const rows = candidates.filter((row) => {
      bump(this.c);
      const env: Env = { cols: rel.cols, row, parent: outer };
      return conds.every((n) => this.expr(n, env, sc).v === true);
    });
    return { cols: rel.cols, rows };
  }

  /** Rows of `rel` whose column equals a row-independent value, through a cached hash index. */
  private lookup(rel: Rel, n: Node, outer: Env | null, sc: Scope | null): Value[][] | null {
    const [k, v] = entry(n);
    if (k !== 'A_Expr' || v['kind'] !== 'AEXPR_OP' || names(v['name']).pop() !== '=' || !v['lexpr'] || !v['rexpr']) return null;
    for (const [a, b] of [
      [v['lexpr'], v['rexpr']],
      [v['rexpr'], v['lexpr']],
    ] as [Node, Node][]) {
      const [ak, av] = entry(a);
      if (ak !== 'ColumnRef') continue;
      const idx = findCol(rel.cols, names(av['fields']));
      if (idx < 0) continue;
      const refs = this.refs(b, [rel]);
      if (!refs || refs.size > 0 || !readyFor(b, [], new Set())) continue;
      const col = rel.cols[idx]!;
      let val = this.expr(b, { cols: [], row: [], parent: outer }, sc);
      if (val.t === T.unknown) val = cast(this.c, val, col.t);
      const kind = (t: number): string => (isNumeric(t) ? 'n' : isTextual(t) ? 's' : t === T.bool ? 'b' : 'x');
      if (kind(val.t) !== kind(col.t) || kind(col.t) === 'x') continue;
      if (val.v === null) return [];
      let byCol = INDEXES.get(rel.rows);
      if (!byCol) INDEXES.set(rel.rows, (byCol = new Map()));
      let index = byCol.get(idx);
      if (!index) {
        index = new Map();
        for (const row of rel.rows) {
          const x = row[idx] ?? null;
          if (x === null) continue;
          const key = valueKey(x);
          let bucket = index.get(key);
          if (!bucket) index.set(key, (bucket = []));
          bucket.push(row);
        }
        byCol.set(idx, index);
      }
      return index.get(valueKey(val.v)) ?? [];
    }
    return null;
  }

  private join(left: Rel, right: Rel, conds: Node[], type: 'inner' | 'left' | 'right' | 'full', outer: Env | null, sc: Scope | null): Rel {
    const cols = [...left.cols, ...right.cols];
    const sides = [left, right];
    const keysL: Node[] = [];
    const keysR: Node[] = [];
    const residual: Node[] = [];
    let l = left;
    let r = right;
    for (const n of conds) {
      const refs = this.refs(n, sides);
      if (refs && refs.size === 1 && refs.has(1) && (type === 'inner' || type === 'left')) {
        r = this.filter(r, [n], outer, sc);
        continue;
      }
      if (refs && refs.size === 1 && refs.has(0) && (type === 'inner' || type === 'right')) {
        l = this.filter(l, [n], outer, sc);
        continue;
      }
      const eq = this.equiKey(n, sides, outer, sc);
      if (eq) {
        keysL.push(eq[0]);
        keysR.push(eq[1]);
      } else residual.push(n);
    }
    const index = new Map<string, number[]>();
    if (keysR.length) {
      r.rows.forEach((row, i) => {
        const env: Env = { cols: r.cols, row, parent: outer };
        const ks = keysR.map((k) => this.expr(k, env, sc).v);
        if (ks.some((x) => x === null)) return;
        const key = ks.map(valueKey).join('\u0002');
        let b = index.get(key);
        if (!b) index.set(key, (b = []));
        b.push(i);
      });
    }
    const all = r.rows.map((_x, i) => i);
    const matchedR = new Set<number>();
    const rows: Value[][] = [];
    const nullR = r.cols.map(() => null);
    const nullL = l.cols.map(() => null);
    for (const lrow of l.rows) {
      let cand = all;
      if (keysL.length) {
        const env: Env = { cols: l.cols, row: lrow, parent: outer };
        const ks = keysL.map((k) => this.expr(k, env, sc).v);
        cand = ks.some((x) => x === null) ? [] : (index.get(ks.map(valueKey).join('\u0002')) ?? []);
      }
      let matched = false;
      for (const j of cand) {
        bump(this.c);
        const row = [...lrow, ...r.rows[j]!];
        if (residual.length) {
          const env: Env = { cols, row, parent: outer };
          if (!residual.every((n) => this.expr(n, env, sc).v === true)) continue;
        }
        matched = true;
        matchedR.add(j);
        rows.push(row);
      }
      if (!matched && (type === 'left' || type === 'full')) rows.push([...lrow, ...nullR]);
    }
    if (type === 'right' || type === 'full') r.rows.forEach((row, j) => !matchedR.has(j) && rows.push([...nullL, ...row]));
    return { cols, rows };
  }

  /** `a = b` with `a` over the left side only and `b` over the right only (or reversed): a hash key. */
  private equiKey(n: Node, sides: Rel[], outer: Env | null, sc: Scope | null): [Node, Node] | null {
    const [k, v] = entry(n);
    if (k !== 'A_Expr' || v['kind'] !== 'AEXPR_OP' || names(v['name']).pop() !== '=' || !v['lexpr'] || !v['rexpr']) return null;
    const a = v['lexpr'] as Node;
    const b = v['rexpr'] as Node;
    const ra = this.refs(a, sides);
    const rb = this.refs(b, sides);
    if (!ra || !rb || ra.size !== 1 || rb.size !== 1) return null;
    let pair: [Node, Node] | null = null;
    if (ra.has(0) && rb.has(1)) pair = [a, b];
    else if (ra.has(1) && rb.has(0)) pair = [b, a];
    if (!pair) return null;
    // Only when both sides have the same kind of value (numbers with numbers, text with text).
    try {
      const tl = this.staticType(pair[0], { cols: sides[0]!.cols, row: sides[0]!.cols.map(() => null), parent: outer }, sc);
      const tr = this.staticType(pair[1], { cols: sides[1]!.cols, row: sides[1]!.cols.map(() => null), parent: outer }, sc);
      const kind = (t: number): string => (isNumeric(t) ? 'n' : isTextual(t) ? 's' : String(t));
      return kind(tl) === kind(tr) && tl !== T.unknown && tr !== T.unknown ? pair : null;
    } catch {
      return null;
    }
  }

  /** A FROM item; WHERE conjuncts in `push` that only need its columns filter it right away. */
  private fromItem(n: Node, outer: Env | null, sc: Scope | null, push?: Push): Rel {
    const rel = this.fromItemRaw(n, outer, sc, push);
    if (!push) return rel;
    const ready = push.list.filter((p) => !p.done && readyFor(p.n, rel.cols, push.aliases));
    for (const p of ready) p.done = true;
    return this.filter(rel, ready.map((p) => p.n), outer, sc);
  }

  private fromItemRaw(n: Node, outer: Env | null, sc: Scope | null, push?: Push): Rel {
    const [k, v] = entry(n);
    switch (k) {
      case 'RangeVar':
        return this.rangeVar(v, sc);
      case 'RangeSubselect': {
        const alias = v['alias'] as Obj | undefined;
        const [sk, sub] = entry(v['subquery']);
        if (sk !== 'SelectStmt') throw new CatalogError('0A000', `${sk} in FROM is not supported by the virtual catalog`);
        const o = this.select(sub, outer, sc);
        return aliased(o, alias ? String(alias['aliasname']) : null, alias ? names(alias['colnames']) : []);
      }
      case 'RangeFunction':
        return this.rangeFunction(v, outer, sc);
      case 'JoinExpr':
        return this.joinExpr(v, outer, sc, push);
      default:
        throw new CatalogError('0A000', `${k} in FROM is not supported by the virtual catalog`);
    }
  }

  private rangeVar(v: Obj, sc: Scope | null): Rel {
    const schema = (v['schemaname'] as string | undefined) ?? null;
    const name = String(v['relname']);
    const alias = v['alias'] as Obj | undefined;
    const aname = alias ? String(alias['aliasname']) : name;
    const colnames = alias ? names(alias['colnames']) : [];
    if (schema === null) {
      for (let s = sc; s; s = s.parent) {
        const cte = s.ctes.get(name);
        if (cte) {
          if (cte.running) throw new CatalogError('0A000', `recursive reference to query "${name}" is not supported by the virtual catalog`);
          if (!cte.rel) {
            cte.running = true;
            try {
              const o = this.select(cte.stmt, null, s.parent ? { ctes: new Map([...s.ctes].filter(([n]) => n !== name)), parent: s.parent } : s);
              cte.rel = aliased(o, name, cte.colnames);
            } finally {
              cte.running = false;
            }
          }
          return aliased({ cols: cte.rel.cols.map((c) => ({ name: c.name, t: c.t })), rows: cte.rel.rows }, aname, colnames);
        }
      }
    }
    if (v['catalogname'] && v['catalogname'] !== this.data.surface.database) throw new CatalogError('0A000', `cross-database references are not implemented: ${v['catalogname']}.${schema}.${name}`);
    const def = this.data.rel(schema, name);
    if (!def) throw new CatalogError('42P01', `relation "${schema ? `${schema}.` : ''}${name}" does not exist`);
    if (def.user) throw new CatalogError('0A000', `relation "${def.schema}.${def.name}" is a semantic-layer table; it cannot be joined with catalog relations`);
    // Cached rows are not copied; the work is counted where rows are filtered, joined or projected.
    const rows = this.data.rows(def, this.c);
    const rel = aliased({ cols: def.cols.map((c) => ({ name: c.name, t: c.t })), rows }, aname, colnames);
    if (def.kind !== 'r') return rel;
    return { cols: [...rel.cols, ...SYSTEM_COLUMNS.map((c) => ({ rel: aname, name: c.name, t: c.t, system: true }))], rows };
  }

  private rangeFunction(v: Obj, outer: Env | null, sc: Scope | null): Rel {
    const fns = list(v['functions']);
    if (fns.length !== 1) throw new CatalogError('0A000', 'ROWS FROM with several functions is not supported by the virtual catalog');
    const [fcall] = list(entry(fns[0])[1]['items']);
    const [fk, f] = entry(fcall);
    if (fk !== 'FuncCall') throw new CatalogError('0A000', `${fk} in FROM is not supported by the virtual catalog`);
    const env: Env = outer ?? { cols: [], row: [], parent: null };
    const set = this.srfCall(f, env, sc, true);
    const alias = v['alias'] as Obj | undefined;
    const aname = alias ? String(alias['aliasname']) : set.name;
    let cols = set.cols.map((c) => ({ name: c.name, t: c.t }));
    if (cols.length === 1 && alias) cols = [{ name: aname, t: cols[0]!.t }];
    let rows = set.rows;
    if (v['ordinality']) {
      cols = [...cols, { name: 'ordinality', t: T.int8 }];
      rows = rows.map((r, i) => [...r, i + 1]);
    }
    return aliased({ cols, rows }, aname, alias ? names(alias['colnames']) : []);
  }

  private joinExpr(v: Obj, outer: Env | null, sc: Scope | null, push?: Push): Rel {
    const jt = String(v['jointype'] ?? 'JOIN_INNER');
    const type = jt === 'JOIN_LEFT' ? 'left' : jt === 'JOIN_RIGHT' ? 'right' : jt === 'JOIN_FULL' ? 'full' : 'inner';
    // WHERE conjuncts may filter only the sides whose rows the join keeps.
    const l = this.fromItem(v['larg'] as Node, outer, sc, type === 'inner' || type === 'left' ? push : undefined);
    const r = this.fromItem(v['rarg'] as Node, outer, sc, type === 'inner' || type === 'right' ? push : undefined);
    const using = names(v['usingClause']);
    let rel: Rel;
    if (using.length || v['isNatural']) {
      const cols = using.length ? using : l.cols.filter((c) => !c.system && r.cols.some((d) => !d.system && d.name === c.name)).map((c) => c.name);
      const li = cols.map((c) => {
        const i = findCol(l.cols, [c]);
        if (i < 0) throw new CatalogError('42703', `column "${c}" specified in USING clause does not exist in left table`);
        return i;
      });
      const ri = cols.map((c) => {
        const i = findCol(r.cols, [c]);
        if (i < 0) throw new CatalogError('42703', `column "${c}" specified in USING clause does not exist in right table`);
        return i;
      });
      const conds: Node[] = cols.map((_c, k) => ({
        A_Expr: { kind: 'AEXPR_OP', name: [{ String: { sval: '=' } }], lexpr: { __col: li[k] }, rexpr: { __col: l.cols.length + ri[k]! } },
      }));
      const filtered = this.joinWith(l, r, conds, type, outer, sc);
      const hiddenCols = new Set(ri.map((i) => l.cols.length + i));
      rel = {
        cols: filtered.cols.map((c, i) => (hiddenCols.has(i) ? { ...c, hidden: true } : c)),
        rows: filtered.rows.map((row) => {
          const out = [...row];
          li.forEach((i, k) => {
            if (out[i] === null) out[i] = out[l.cols.length + ri[k]!] ?? null;
          });
          return out;
        }),
      };
    } else {
      const quals = v['quals'] ? splitAnd(v['quals'] as Node) : [];
      rel = this.join(l, r, quals, type, outer, sc);
    }
    const alias = v['alias'] as Obj | undefined;
    return alias ? aliased({ cols: rel.cols.map((c) => ({ name: c.name, t: c.t })), rows: rel.rows }, String(alias['aliasname']), names(alias['colnames'])) : rel;
  }

  /** USING joins: compares column positions directly (nested loop over the cross product, bounded). */
  private joinWith(l: Rel, r: Rel, conds: Node[], type: 'inner' | 'left' | 'right' | 'full', outer: Env | null, sc: Scope | null): Rel {
    const cols = [...l.cols, ...r.cols];
    const rows: Value[][] = [];
    const matchedR = new Set<number>();
    for (const lrow of l.rows) {
      let matched = false;
      r.rows.forEach((rrow, j) => {
        bump(this.c);
        const row = [...lrow, ...rrow];
        const env: Env = { cols, row, parent: outer };
        if (conds.every((n) => this.expr(n, env, sc).v === true)) {
          matched = true;
          matchedR.add(j);
          rows.push(row);
        }
      });
      if (!matched && (type === 'left' || type === 'full')) rows.push([...lrow, ...r.cols.map(() => null)]);
    }
    if (type === 'right' || type === 'full') r.rows.forEach((row, j) => !matchedR.has(j) && rows.push([...l.cols.map(() => null), ...row]));
    return { cols, rows };
  }

  private srfCall(f: Obj, env: Env, sc: Scope | null, inFrom = false): { name: string; cols: { name: string; t: number }[]; rows: Value[][] } {
    const fn = names(f['funcname']);
    const name = fn[fn.length - 1]!;
    const srf = SRFS.get(name);
    const args = list(f['args']).map((a) => this.expr(a, env, sc));
    if (!srf) {
      if (inFrom && FUNCTIONS.has(name)) {
        const tv = this.call(fn, f, env, sc);
        return { name, cols: [{ name, t: tv.t }], rows: [[tv.v]] };
      }
      throw new CatalogError('42883', `function ${fn.join('.')}(${args.map((a) => this.data.typeName(a.t)).join(', ')}) does not exist`);
    }
    const rows = srf.rows(this.c, args);
    bump(this.c, rows.length);
    return { name, cols: srf.cols(args.map((a) => a.t)), rows };
  }

  // ---------------------------------------------------------------- expressions

  expr(n: Node, env: Env, sc: Scope | null): TV {
    const o = n as Obj;
    if (o['__col'] !== undefined) {
      const i = o['__col'] as number;
      return { t: env.cols[i]?.t ?? T.text, v: env.row[i] ?? null };
    }
    const [k, v] = entry(n);
    switch (k) {
      case 'A_Const':
        return constant(v);
      case 'ColumnRef': {
        const hit = colCache.get(v);
        if (hit) {
          let e: Env | null = env;
          let d = 0;
          for (; e && d < hit.path.length - 1 && e.cols === hit.path[d]; d++) e = e.parent;
          if (e && d === hit.path.length - 1 && e.cols === hit.path[d]) return { t: e.cols[hit.idx]!.t, v: e.row[hit.idx] ?? null };
        }
        return this.columnRef(names(v['fields']), env, v);
      }
      case 'ParamRef': {
        const i = Number(v['number'] ?? 0);
        if (i < 1 || i > this.c.params.length) throw new CatalogError('42P02', `there is no parameter $${i}`);
        return { t: T.unknown, v: this.c.params[i - 1] ?? null };
      }
      case 'TypeCast': {
        const target = this.typeOf(v['typeName'] as Obj);
        return cast(this.c, this.expr(v['arg'] as Node, env, sc), target);
      }
      case 'CollateClause':
        return this.expr(v['arg'] as Node, env, sc);
      case 'A_Expr':
        return this.aExpr(v, env, sc);
      case 'BoolExpr':
        return this.boolExpr(v, env, sc);
      case 'NullTest': {
        const x = this.expr(v['arg'] as Node, env, sc).v;
        const isNull = x === null || (x instanceof Rec && x.values.every((y) => y === null));
        return { t: T.bool, v: v['nulltesttype'] === 'IS_NOT_NULL' ? !isNull && x !== null : isNull };
      }
      case 'BooleanTest': {
        const x = this.expr(v['arg'] as Node, env, sc).v;
        const t = String(v['booltesttype']);
        const r = t === 'IS_TRUE' ? x === true : t === 'IS_NOT_TRUE' ? x !== true : t === 'IS_FALSE' ? x === false : t === 'IS_NOT_FALSE' ? x !== false : t === 'IS_UNKNOWN' ? x === null : x !== null;
        return { t: T.bool, v: r };
      }
      case 'CaseExpr':
        return this.caseExpr(v, env, sc);
      case 'CoalesceExpr': {
        const args = list(v['args']);
        let t: number = T.unknown;
        for (const a of args) {
          const x = this.expr(a, env, sc);
          if (t === T.unknown) t = x.t;
          if (x.v !== null) return t !== x.t && x.t === T.unknown ? cast(this.c, x, t) : x;
        }
        return { t, v: null };
      }
      case 'MinMaxExpr': {
        const xs = list(v['args']).map((a) => this.expr(a, env, sc));
        const t = xs.find((x) => x.t !== T.unknown)?.t ?? T.text;
        const vals = xs.map((x) => (x.t === T.unknown ? cast(this.c, x, t) : x).v).filter((x) => x !== null);
        const pick = vals.reduce<Value>((m, x) => (m === null || (v['op'] === 'IS_GREATEST' ? compareValues(x, m) > 0 : compareValues(x, m) < 0) ? x : m), null);
        return { t, v: pick };
      }
      case 'FuncCall':
        return this.funcCall(v, env, sc);
      case 'SQLValueFunction':
        return this.sqlValue(String(v['op']));
      case 'SubLink':
        return this.subLink(v, env, sc);
      case 'A_ArrayExpr': {
        const xs = list(v['elements']).map((e) => this.expr(e, env, sc));
        const et = xs.find((x) => x.t !== T.unknown)?.t ?? T.text;
        const isArr = elemOf(et, (o) => this.data.types.get(o)) !== 0;
        return { t: isArr ? et : arrayOf(et, (o) => this.data.types.get(o)), v: xs.map((x) => (x.t === T.unknown && et !== T.unknown ? cast(this.c, x, et) : x).v) };
      }
      case 'A_Indirection':
        return this.indirection(v, env, sc);
      case 'RowExpr': {
        const xs = list(v['args']).map((a) => this.expr(a, env, sc));
        return { t: T.record, v: new Rec(xs.map((_x, i) => `f${i + 1}`), xs.map((x) => x.t), xs.map((x) => x.v)) };
      }
      case 'GroupingFunc':
        return { t: T.int4, v: 0 };
      case 'SetToDefault':
        throw new CatalogError('0A000', 'DEFAULT is not supported by the virtual catalog');
      default:
        throw new CatalogError('0A000', `${k} expressions are not supported by the virtual catalog`);
    }
  }

  private typeOf(tn: Obj): number {
    const ns = names(tn['names']);
    const bounds = list(tn['arrayBounds']).length;
    let parts = ns;
    if (ns.length === 2 && ns[0] === 'pg_catalog') parts = [ns[1]!];
    const t = typeByNames(this.c, parts.length === 1 && ns[0] === 'pg_catalog' ? ['pg_catalog', parts[0]!] : parts, bounds);
    if (t === undefined) throw new CatalogError('42704', `type "${ns.join('.')}" does not exist`);
    return t;
  }

  private columnRef(f: string[], env: Env, node?: Obj): TV {
    if (f[f.length - 1] === '*') throw new CatalogError('0A000', 'a * reference is only supported in the select list');
    const path: (readonly Col[])[] = [];
    for (let e: Env | null = env; e; e = e.parent) {
      path.push(e.cols);
      const i = findCol(e.cols, f);
      if (i === -2) throw new CatalogError('42702', `column reference "${f.join('.')}" is ambiguous`);
      if (i >= 0) {
        if (node) colCache.set(node, { path, idx: i });
        return { t: e.cols[i]!.t, v: e.row[i] ?? null };
      }
      // A whole-row reference to a FROM item.
      if (f.length === 1) {
        const idx = e.cols.map((c, j) => ({ c, j })).filter(({ c }) => c.rel === f[0] && !c.system);
        if (idx.length) return { t: T.record, v: new Rec(idx.map((x) => x.c.name), idx.map((x) => x.c.t), idx.map((x) => e.row[x.j] ?? null)) };
      }
    }
    if (f.length > 1 && !env.cols.some((c) => c.rel === f[f.length - 2]) && !hasRelUp(env, f[f.length - 2]!)) throw new CatalogError('42P01', `missing FROM-clause entry for table "${f[f.length - 2]}"`);
    throw new CatalogError('42703', `column ${f.map((x) => (x === f[f.length - 1] ? `"${x}"` : x)).join('.')} does not exist`.replace(/^column (\w+)\."/, 'column $1."'));
  }

  private indirection(v: Obj, env: Env, sc: Scope | null): TV {
    let cur = this.expr(v['arg'] as Node, env, sc);
    for (const ind of list(v['indirection'])) {
      const [k, x] = entry(ind);
      if (k === 'String') {
        const field = String(x['sval']);
        if (!(cur.v instanceof Rec)) {
          if (cur.v === null) return { t: T.unknown, v: null };
          throw new CatalogError('42809', `column notation .${field} applied to a value that is not a record`);
        }
        const i = cur.v.names.indexOf(field);
        if (i < 0) throw new CatalogError('42703', `could not identify column "${field}" in record data type`);
        cur = { t: cur.v.types[i]!, v: cur.v.values[i] ?? null };
      } else if (k === 'A_Indices') {
        const et = elemOf(cur.t, (o) => this.data.types.get(o)) || T.text;
        if (x['is_slice']) {
          const arr = Array.isArray(cur.v) ? cur.v : null;
          const lb = lowerBound(cur.t);
          const lo = x['lidx'] ? Number(this.expr(x['lidx'] as Node, env, sc).v) : lb;
          const hi = x['uidx'] ? Number(this.expr(x['uidx'] as Node, env, sc).v) : lb + (arr?.length ?? 0) - 1;
          cur = { t: cur.t === T.int2vector ? T._int2 : cur.t === T.oidvector ? T._oid : cur.t, v: arr ? arr.slice(Math.max(0, lo - lb), Math.max(0, hi - lb + 1)) : null };
        } else {
          const i = this.expr(x['uidx'] as Node, env, sc).v;
          const arr = Array.isArray(cur.v) ? cur.v : null;
          cur = { t: et, v: arr && typeof i === 'number' ? (arr[i - lowerBound(cur.t)] ?? null) : null };
          if (cur.v !== null && typeof i !== 'number' && i !== null) throw new CatalogError('42804', 'array subscript must have type integer');
        }
      } else if (k === 'A_Star') {
        throw new CatalogError('0A000', '(record).* is not supported by the virtual catalog');
      }
    }
    return cur;
  }

  private sqlValue(op: string): TV {
    const s = this.data.surface;
    switch (op) {
      case 'SVFOP_CURRENT_USER':
      case 'SVFOP_CURRENT_ROLE':
      case 'SVFOP_SESSION_USER':
      case 'SVFOP_USER':
        return { t: T.name, v: s.user };
      case 'SVFOP_CURRENT_CATALOG':
        return { t: T.name, v: s.database };
      case 'SVFOP_CURRENT_SCHEMA':
        return { t: T.name, v: s.schema };
      case 'SVFOP_CURRENT_DATE':
        return { t: T.date, v: new Date().toISOString().slice(0, 10) };
      case 'SVFOP_CURRENT_TIMESTAMP':
      case 'SVFOP_CURRENT_TIMESTAMP_N':
        return { t: T.timestamptz, v: new Date().toISOString().replace('T', ' ').replace('Z', '+00') };
      case 'SVFOP_LOCALTIMESTAMP':
      case 'SVFOP_LOCALTIMESTAMP_N':
        return { t: T.timestamp, v: new Date().toISOString().replace('T', ' ').replace('Z', '') };
      default:
        throw new CatalogError('0A000', `${op.replace(/^SVFOP_/, '').toLowerCase()} is not supported by the virtual catalog`);
    }
  }

  private caseExpr(v: Obj, env: Env, sc: Scope | null): TV {
    const arg = v['arg'] ? this.expr(v['arg'] as Node, env, sc) : null;
    const whens = list(v['args']).map((w) => entry(w)[1]);
    let t: number = T.unknown;
    for (const w of whens) {
      const rt = this.staticTypeQuick(w['result'] as Node);
      if (rt !== T.unknown) {
        t = rt;
        break;
      }
    }
    let hit: TV | null = null;
    for (const w of whens) {
      const cond = this.expr(w['expr'] as Node, env, sc);
      const ok = arg ? this.compare('=', arg, cond).v === true : cond.v === true;
      if (ok) {
        hit = this.expr(w['result'] as Node, env, sc);
        break;
      }
    }
    if (!hit) hit = v['defresult'] ? this.expr(v['defresult'] as Node, env, sc) : { t, v: null };
    if (t === T.unknown) t = hit.t;
    return hit.t === t || hit.v === null ? { t, v: hit.v } : hit.t === T.unknown ? cast(this.c, hit, t) : { t: hit.t, v: hit.v };
  }

  /** The type of constants and casts, without evaluating. */
  private staticTypeQuick(n: Node): number {
    const [k, v] = entry(n);
    if (k === 'A_Const') return constant(v).t;
    if (k === 'TypeCast') {
      try {
        return this.typeOf(v['typeName'] as Obj);
      } catch {
        return T.unknown;
      }
    }
    return T.unknown;
  }

  private boolExpr(v: Obj, env: Env, sc: Scope | null): TV {
    const args = list(v['args']);
    const op = v['boolop'];
    if (op === 'NOT_EXPR') {
      const x = this.expr(args[0]!, env, sc).v;
      return { t: T.bool, v: x === null ? null : !truthy(x) };
    }
    let sawNull = false;
    for (const a of args) {
      const x = this.expr(a, env, sc).v;
      if (x === null) sawNull = true;
      else if (op === 'AND_EXPR' && !truthy(x)) return { t: T.bool, v: false };
      else if (op === 'OR_EXPR' && truthy(x)) return { t: T.bool, v: true };
    }
    return { t: T.bool, v: sawNull ? null : op === 'AND_EXPR' };
  }

  private aExpr(v: Obj, env: Env, sc: Scope | null): TV {
    const kind = String(v['kind']);
    const op = names(v['name']).pop() ?? '';
    const L = v['lexpr'] as Node | undefined;
    const R = v['rexpr'] as Node | undefined;
    switch (kind) {
      case 'AEXPR_OP': {
        if (!L) return this.unary(op, this.expr(R!, env, sc));
        return this.binary(op, this.expr(L, env, sc), this.expr(R!, env, sc));
      }
      case 'AEXPR_OP_ANY':
      case 'AEXPR_OP_ALL': {
        const l = this.expr(L!, env, sc);
        const r = this.expr(R!, env, sc);
        let arr: Value[] | null;
        if (r.v === null) return { t: T.bool, v: null };
        let et: number = elemOf(r.t, (o) => this.data.types.get(o));
        if (Array.isArray(r.v)) arr = r.v;
        else if (typeof r.v === 'string') {
          const c = cast(this.c, r, arrayOf(l.t === T.unknown ? T.text : l.t, (o) => this.data.types.get(o)));
          arr = c.v as Value[];
          et = elemOf(c.t, (o) => this.data.types.get(o));
        } else throw new CatalogError('42809', `op ${kind === 'AEXPR_OP_ANY' ? 'ANY' : 'ALL'} requires array on right side`);
        return this.quantified(op, l, arr, et || T.unknown, kind === 'AEXPR_OP_ANY');
      }
      case 'AEXPR_IN': {
        const l = this.expr(L!, env, sc);
        const items = list(entry(R!)[1]['items'] ?? (Array.isArray(R) ? R : [])).map((x) => this.expr(x, env, sc));
        const any = op === '=';
        let sawNull = false;
        for (const it of items) {
          const r = this.compare('=', l, it).v;
          if (r === null) sawNull = true;
          else if (r === true) return { t: T.bool, v: any };
        }
        return { t: T.bool, v: sawNull ? null : !any };
      }
      case 'AEXPR_LIKE':
      case 'AEXPR_ILIKE': {
        const l = this.expr(L!, env, sc);
        const r = this.expr(R!, env, sc);
        if (l.v === null || r.v === null) return { t: T.bool, v: null };
        const neg = op.startsWith('!');
        const m = likeMatch(textOf(this.c, l)!, textOf(this.c, r)!, kind === 'AEXPR_ILIKE');
        return { t: T.bool, v: neg ? !m : m };
      }
      case 'AEXPR_SIMILAR':
        throw new CatalogError('0A000', 'SIMILAR TO is not supported by the virtual catalog');
      case 'AEXPR_DISTINCT':
      case 'AEXPR_NOT_DISTINCT': {
        const l = this.expr(L!, env, sc);
        const r = this.expr(R!, env, sc);
        let same: boolean;
        if (l.v === null || r.v === null) same = l.v === r.v;
        else same = this.compare('=', l, r).v === true;
        return { t: T.bool, v: kind === 'AEXPR_DISTINCT' ? !same : same };
      }
      case 'AEXPR_NULLIF': {
        const l = this.expr(L!, env, sc);
        const r = this.expr(R!, env, sc);
        return this.compare('=', l, r).v === true ? { t: l.t, v: null } : l;
      }
      case 'AEXPR_BETWEEN':
      case 'AEXPR_NOT_BETWEEN':
      case 'AEXPR_BETWEEN_SYM':
      case 'AEXPR_NOT_BETWEEN_SYM': {
        const x = this.expr(L!, env, sc);
        const [a, b] = list(entry(R!)[1]['items']).map((y) => this.expr(y, env, sc));
        let lo = a!;
        let hi = b!;
        if (kind.endsWith('_SYM') && lo.v !== null && hi.v !== null && this.compare('>', lo, hi).v === true) [lo, hi] = [hi, lo];
        const r = and3(this.compare('>=', x, lo).v, this.compare('<=', x, hi).v);
        return { t: T.bool, v: kind.includes('NOT') ? (r === null ? null : !r) : r };
      }
      default:
        throw new CatalogError('0A000', `operator kind ${kind} is not supported by the virtual catalog`);
    }
  }

  private quantified(op: string, l: TV, arr: Value[], et: number, any: boolean): TV {
    let sawNull = false;
    for (const x of arr) {
      const r = this.binary(op, l, { t: et, v: x }).v;
      if (r === null) sawNull = true;
      else if (any && r === true) return { t: T.bool, v: true };
      else if (!any && r === false) return { t: T.bool, v: false };
    }
    return { t: T.bool, v: sawNull ? null : !any };
  }

  private unify(l: TV, r: TV): [TV, TV] {
    if (l.t === T.unknown && r.t !== T.unknown) return [cast(this.c, l, r.t), r];
    if (r.t === T.unknown && l.t !== T.unknown) return [l, cast(this.c, r, l.t)];
    if (isNumeric(l.t) && typeof r.v === 'string' && isTextual(r.t)) return [{ t: T.text, v: textOf(this.c, l) }, r];
    if (isNumeric(r.t) && typeof l.v === 'string' && isTextual(l.t)) return [l, { t: T.text, v: textOf(this.c, r) }];
    return [l, r];
  }

  private compare(op: string, a: TV, b: TV): TV {
    if (a.v === null || b.v === null) return { t: T.bool, v: null };
    const [l, r] = this.unify(a, b);
    if (l.v === null || r.v === null) return { t: T.bool, v: null };
    const c = compareValues(l.v, r.v);
    const v = op === '=' ? c === 0 : op === '<>' || op === '!=' ? c !== 0 : op === '<' ? c < 0 : op === '>' ? c > 0 : op === '<=' ? c <= 0 : c >= 0;
    return { t: T.bool, v };
  }

  private unary(op: string, x: TV): TV {
    if (x.v === null) return { t: x.t === T.unknown ? T.int4 : x.t, v: null };
    const n = typeof x.v === 'number' ? x.v : Number(cast(this.c, x, T.numeric).v);
    if (op === '-') return { t: x.t === T.unknown ? T.numeric : x.t, v: -n };
    if (op === '+') return { t: x.t === T.unknown ? T.numeric : x.t, v: n };
    if (op === '~') return { t: x.t, v: ~n };
    throw new CatalogError('42883', `operator does not exist: ${op} ${this.data.typeName(x.t)}`);
  }

  private binary(op: string, a: TV, b: TV): TV {
    switch (op) {
      case '=':
      case '<>':
      case '!=':
      case '<':
      case '>':
      case '<=':
      case '>=':
        return this.compare(op, a, b);
      case '~':
      case '!~':
      case '~*':
      case '!~*':
      case '~~':
      case '!~~':
      case '~~*':
      case '!~~*': {
        if (a.v === null || b.v === null) return { t: T.bool, v: null };
        const s = textOf(this.c, a)!;
        const p = textOf(this.c, b)!;
        const ci = op.endsWith('*');
        const m = op.includes('~~') ? likeMatch(s, p, ci) : pgRegex(p, ci ? 'i' : '').test(s);
        return { t: T.bool, v: op.startsWith('!') ? !m : m };
      }
      case '||': {
        const aa = elemOf(a.t, (o) => this.data.types.get(o));
        const ba = elemOf(b.t, (o) => this.data.types.get(o));
        if (aa || ba) {
          const t = aa ? a.t : b.t;
          const la = aa ? (a.v as Value[] | null) : a.v === null ? [null] : [cast(this.c, a, ba).v];
          const ra = ba ? (b.v as Value[] | null) : b.v === null ? [null] : [cast(this.c, b, aa).v];
          if (la === null) return { t, v: ra };
          if (ra === null) return { t, v: la };
          return { t: t === T.int2vector ? T._int2 : t === T.oidvector ? T._oid : t, v: [...la, ...ra] };
        }
        if (a.v === null || b.v === null) return { t: T.text, v: null };
        return { t: T.text, v: textOf(this.c, a)! + textOf(this.c, b)! };
      }
      case '+':
      case '-':
      case '*':
      case '/':
      case '%':
      case '&':
      case '|':
      case '#':
      case '<<':
      case '>>':
      case '^': {
        const t = arithType(a.t, b.t);
        if (a.v === null || b.v === null) return { t, v: null };
        const x = typeof a.v === 'number' ? a.v : Number(cast(this.c, a, T.numeric).v);
        const y = typeof b.v === 'number' ? b.v : Number(cast(this.c, b, T.numeric).v);
        const ints = isInteger(t);
        let r: number;
        switch (op) {
          case '+':
            r = x + y;
            break;
          case '-':
            r = x - y;
            break;
          case '*':
            r = x * y;
            break;
          case '/':
            if (y === 0) throw new CatalogError('22012', 'division by zero');
            r = ints ? Math.trunc(x / y) : x / y;
            break;
          case '%':
            if (y === 0) throw new CatalogError('22012', 'division by zero');
            r = x % y;
            break;
          case '&':
            r = x & y;
            break;
          case '|':
            r = x | y;
            break;
          case '#':
            r = x ^ y;
            break;
          case '<<':
            r = x << y;
            break;
          case '>>':
            r = x >> y;
            break;
          default:
            r = x ** y;
        }
        return { t, v: r };
      }
      case '@>':
      case '<@':
      case '&&': {
        if (a.v === null || b.v === null) return { t: T.bool, v: null };
        const la = Array.isArray(a.v) ? a.v : (cast(this.c, a, b.t).v as Value[]);
        const ra = Array.isArray(b.v) ? b.v : (cast(this.c, b, a.t).v as Value[]);
        const has = (xs: Value[], y: Value): boolean => xs.some((x) => x !== null && y !== null && compareValues(x, y) === 0);
        const v = op === '@>' ? ra.every((y) => has(la, y)) : op === '<@' ? la.every((y) => has(ra, y)) : la.some((y) => has(ra, y));
        return { t: T.bool, v };
      }
      default:
        throw new CatalogError('42883', `operator does not exist: ${this.data.typeName(a.t === T.unknown ? T.text : a.t)} ${op} ${this.data.typeName(b.t === T.unknown ? T.text : b.t)}`);
    }
  }

  private subLink(v: Obj, env: Env, sc: Scope | null): TV {
    const type = String(v['subLinkType']);
    const [sk, sub] = entry(v['subselect']);
    if (sk !== 'SelectStmt') throw new CatalogError('0A000', `${sk} in a subquery is not supported by the virtual catalog`);
    const o = this.select(sub, env, sc);
    switch (type) {
      case 'EXISTS_SUBLINK':
        return { t: T.bool, v: o.rows.length > 0 };
      case 'EXPR_SUBLINK': {
        if (o.cols.length !== 1) throw new CatalogError('42601', 'subquery must return only one column');
        if (o.rows.length > 1) throw new CatalogError('21000', 'more than one row returned by a subquery used as an expression');
        return { t: o.cols[0]!.t, v: o.rows[0]?.[0] ?? null };
      }
      case 'ARRAY_SUBLINK': {
        if (o.cols.length !== 1) throw new CatalogError('42601', 'subquery must return only one column');
        return { t: arrayOf(o.cols[0]!.t, (x) => this.data.types.get(x)), v: o.rows.map((r) => r[0] ?? null) };
      }
      case 'ANY_SUBLINK':
      case 'ALL_SUBLINK': {
        const l = this.expr(v['testexpr'] as Node, env, sc);
        const op = names(v['operName']).pop() ?? '=';
        if (o.cols.length !== 1) throw new CatalogError('0A000', 'row comparisons with subqueries are not supported by the virtual catalog');
        return this.quantified(op, l, o.rows.map((r) => r[0] ?? null), o.cols[0]!.t, type === 'ANY_SUBLINK');
      }
      default:
        throw new CatalogError('0A000', `${type} subqueries are not supported by the virtual catalog`);
    }
  }

  private funcCall(v: Obj, env: Env, sc: Scope | null): TV {
    const fn = names(v['funcname']);
    const name = fn[fn.length - 1]!;
    if (fn.length > 2 || (fn.length === 2 && fn[0] !== 'pg_catalog' && fn[0] !== 'information_schema')) {
      throw new CatalogError('42883', `function ${fn.join('.')}() does not exist`);
    }
    if (v['over']) {
      const vals = env.win?.get(v);
      if (!vals || env.rowIndex === undefined) throw new CatalogError('42P20', `window function ${name} is not allowed here`);
      return { t: T.int8, v: vals[env.rowIndex] ?? null };
    }
    if (AGGS.has(name) && fn.length <= 2) return this.aggregate(name, v, env, sc);
    if (SRFS.has(name)) {
      const got = env.srf?.get(v);
      if (got) return got;
      throw new CatalogError('0A000', `set-returning function ${name}() is only supported in FROM and in the select list`);
    }
    return this.call(fn, v, env, sc);
  }

  private call(fn: string[], v: Obj, env: Env, sc: Scope | null): TV {
    const name = fn[fn.length - 1]!;
    const def = FUNCTIONS.get(name);
    const args = list(v['args']).map((a) => this.expr(a, env, sc));
    if (!def) throw new CatalogError('42883', `function ${fn.join('.')}(${args.map((a) => this.data.typeName(a.t === T.unknown ? T.unknown : a.t)).join(', ')}) does not exist`);
    const ret = typeof def.ret === 'number' ? def.ret : def.ret(args.map((a) => a.t));
    if (def.strict && args.some((a) => a.v === null)) return { t: ret, v: null };
    return { t: ret, v: def.fn(this.c, args) };
  }

  private aggregate(name: string, v: Obj, env: Env, sc: Scope | null): TV {
    const rows = env.group;
    if (!rows) throw new CatalogError('42803', `aggregate function ${name} is not allowed here`);
    const args = list(v['args']);
    const star = v['agg_star'] === true;
    const distinct = v['agg_distinct'] === true;
    const order = list(v['agg_order']).map((x) => entry(x)[1]);
    const filter = v['agg_filter'] as Node | undefined;
    let items: { args: TV[]; keys: Value[] }[] = [];
    for (const row of rows) {
      const e: Env = { cols: env.cols, row, parent: env.parent };
      if (filter && this.expr(filter, e, sc).v !== true) continue;
      items.push({ args: args.map((a) => this.expr(a, e, sc)), keys: order.map((o) => this.expr(o['node'] as Node, e, sc).v) });
    }
    const probe = args.length ? this.staticType(args[0]!, { ...env, row: env.row.map(() => null) }, sc) : T.int8;
    if (order.length) {
      items.sort((a, b) => {
        for (let i = 0; i < order.length; i++) {
          const x = a.keys[i] ?? null;
          const y = b.keys[i] ?? null;
          const desc = order[i]!['sortby_dir'] === 'SORTBY_DESC';
          if (x === null || y === null) {
            if (x === y) continue;
            return (x === null) === desc ? -1 : 1;
          }
          const c = compareValues(x, y);
          if (c) return desc ? -c : c;
        }
        return 0;
      });
    }
    if (distinct) {
      const seen = new Set<string>();
      items = items.filter((it) => {
        const k = it.args.map((a) => valueKey(a.v)).join('\u0002');
        return seen.has(k) ? false : (seen.add(k), true);
      });
    }
    const vals = items.map((it) => it.args[0]?.v ?? null);
    const nonNull = vals.filter((x) => x !== null);
    const t0 = probe === T.unknown ? T.text : probe;
    switch (name) {
      case 'count':
        return { t: T.int8, v: star ? items.length : nonNull.length };
      case 'min':
      case 'max':
        return { t: t0 === T.name || t0 === T.char ? T.text : t0, v: nonNull.reduce<Value>((m, x) => (m === null || (name === 'min' ? compareValues(x, m) < 0 : compareValues(x, m) > 0) ? x : m), null) };
      case 'sum':
        return { t: isInteger(t0) ? (t0 === T.int8 ? T.numeric : T.int8) : t0 === T.float8 || t0 === T.float4 ? T.float8 : T.numeric, v: nonNull.length ? nonNull.reduce<number>((s, x) => s + Number(x), 0) : null };
      case 'avg':
        return { t: t0 === T.float8 || t0 === T.float4 ? T.float8 : T.numeric, v: nonNull.length ? nonNull.reduce<number>((s, x) => s + Number(x), 0) / nonNull.length : null };
      case 'array_agg':
        return { t: arrayOf(t0, (o) => this.data.types.get(o)), v: items.length ? vals : null };
      case 'string_agg': {
        const parts = items.filter((it) => it.args[0]!.v !== null);
        if (!parts.length) return { t: T.text, v: null };
        return { t: T.text, v: parts.map((it, i) => (i ? (textOf(this.c, it.args[1] ?? { t: T.text, v: '' }) ?? '') : '') + textOf(this.c, it.args[0]!)).join('') };
      }
      case 'bool_or':
        return { t: T.bool, v: nonNull.length ? nonNull.some((x) => x === true) : null };
      case 'bool_and':
      case 'every':
        return { t: T.bool, v: nonNull.length ? nonNull.every((x) => x === true) : null };
      default:
        throw new CatalogError('0A000', `aggregate ${name} is not supported by the virtual catalog`);
    }
  }
}

// ---------------------------------------------------------------- helpers

/** WHERE conjuncts not applied yet, and every relation name of the FROM list. */
interface Push {
  readonly list: { n: Node; done: boolean }[];
  readonly aliases: ReadonlySet<string>;
}

function fromAliases(items: Node[]): Set<string> {
  const out = new Set<string>();
  const visit = (n: Node): void => {
    const [k, v] = entry(n);
    const alias = v['alias'] as Obj | undefined;
    if (alias) out.add(String(alias['aliasname']));
    if (k === 'RangeVar' && !alias) out.add(String(v['relname']));
    if (k === 'RangeFunction' && !alias) {
      for (const f of list(v['functions'])) for (const it of list(entry(f)[1]['items'])) if (it && (it as Obj)['FuncCall']) out.add(names((it as Obj)['FuncCall']['funcname']).pop()!);
    }
    if (k === 'JoinExpr') {
      visit(v['larg'] as Node);
      visit(v['rarg'] as Node);
    }
  };
  items.forEach(visit);
  return out;
}

/** Whether every column `n` names is in `cols` or belongs to an enclosing query (no subqueries). */
function readyFor(n: Node, cols: readonly Col[], aliases: ReadonlySet<string>): boolean {
  let ok = true;
  const visit = (x: unknown): void => {
    if (!ok || !x || typeof x !== 'object') return;
    if (Array.isArray(x)) {
      x.forEach(visit);
      return;
    }
    const o = x as Obj;
    if (o['SubLink'] || o['SelectStmt'] || o['__col'] !== undefined) {
      ok = false;
      return;
    }
    if (o['FuncCall'] && (o['FuncCall']['over'] || AGGS.has(names(o['FuncCall']['funcname']).pop()!))) {
      ok = false;
      return;
    }
    if (o['ColumnRef']) {
      const f = names(o['ColumnRef']['fields']);
      if (f[f.length - 1] === '*') ok = false;
      else if (findCol(cols, f) >= 0) return;
      else if (f.length >= 2 && !aliases.has(f[f.length - 2]!)) return;
      else ok = false;
      return;
    }
    for (const v of Object.values(o)) visit(v);
  };
  visit(n);
  return ok;
}

function constant(v: Obj): TV {
  if (v['isnull']) return { t: T.unknown, v: null };
  if (v['ival'] !== undefined) {
    const n = Number((v['ival'] as Obj)['ival'] ?? 0);
    return { t: Math.abs(n) > 2147483647 ? T.int8 : T.int4, v: n };
  }
  if (v['fval'] !== undefined) {
    const s = String((v['fval'] as Obj)['fval'] ?? '0');
    const n = Number(s);
    return { t: /^-?\d+$/.test(s) ? T.int8 : T.numeric, v: n };
  }
  if (v['sval'] !== undefined) return { t: T.unknown, v: String((v['sval'] as Obj)['sval'] ?? '') };
  if (v['boolval'] !== undefined) return { t: T.bool, v: (v['boolval'] as Obj)['boolval'] === true };
  if (v['bsval'] !== undefined) return { t: T.text, v: String((v['bsval'] as Obj)['bsval'] ?? '') };
  return { t: T.unknown, v: null };
}

function truthy(x: Value): boolean {
  if (typeof x === 'boolean') return x;
  throw new CatalogError('42804', 'argument of a boolean condition must be type boolean');
}

function and3(a: Value, b: Value): boolean | null {
  if (a === false || b === false) return false;
  if (a === null || b === null) return null;
  return true;
}

function arithType(a: number, b: number): number {
  const x = a === T.unknown ? b : a;
  const y = b === T.unknown ? a : b;
  if (x === T.float8 || y === T.float8 || x === T.float4 || y === T.float4) return T.float8;
  if (x === T.numeric || y === T.numeric || x === T.unknown) return T.numeric;
  if (x === T.int8 || y === T.int8) return T.int8;
  if (x === T.int2 && y === T.int2) return T.int2;
  if (isInteger(x) && isInteger(y)) return T.int4;
  return T.numeric;
}

function splitAnd(n: Node): Node[] {
  const [k, v] = entry(n);
  if (k === 'BoolExpr' && v['boolop'] === 'AND_EXPR') return list(v['args']).flatMap(splitAnd);
  return [n];
}

/** Index of the column `f` names in `cols`; -1 none, -2 ambiguous. */
function findCol(cols: readonly Col[], f: string[]): number {
  const name = f[f.length - 1]!;
  const rel = f.length >= 2 ? f[f.length - 2]! : null;
  let found = -1;
  for (let i = 0; i < cols.length; i++) {
    const c = cols[i]!;
    if (c.name !== name) continue;
    if (rel === null ? c.hidden : c.rel !== rel) continue;
    if (found >= 0) return -2;
    found = i;
  }
  return found;
}

function hasRelUp(env: Env | null, rel: string): boolean {
  for (let e = env; e; e = e.parent) if (e.cols.some((c) => c.rel === rel)) return true;
  return false;
}

function aliased(o: { cols: { name: string; t: number }[]; rows: Value[][] }, rel: string | null, colnames: string[]): Rel {
  return { cols: o.cols.map((c, i) => ({ rel, name: colnames[i] ?? c.name, t: c.t })), rows: o.rows };
}

function walk(n: unknown, visit: (o: Obj, kind: string) => boolean): void {
  if (!n || typeof n !== 'object') return;
  if (Array.isArray(n)) {
    for (const x of n) walk(x, visit);
    return;
  }
  for (const [k, v] of Object.entries(n as Obj)) {
    if (k === 'SubLink' || k === 'SelectStmt') continue;
    if (v && typeof v === 'object' && !Array.isArray(v) && /^[A-Z]/.test(k)) {
      if (!visit(v as Obj, k)) continue;
    }
    walk(v, visit);
  }
}

function hasAgg(n: unknown): boolean {
  let found = false;
  walk(n, (o, k) => {
    if (k === 'FuncCall' && !o['over'] && AGGS.has(names(o['funcname']).pop()!)) found = true;
    return !found;
  });
  return found;
}

function findWindows(n: unknown): Obj[] {
  const out: Obj[] = [];
  walk(n, (o, k) => {
    if (k === 'FuncCall' && o['over']) out.push(o);
    return true;
  });
  return out;
}

function findSrfs(n: unknown): Obj[] {
  const out: Obj[] = [];
  walk(n, (o, k) => {
    if (k === 'FuncCall' && !o['over'] && SRFS.has(names(o['funcname']).pop()!)) {
      out.push(o);
      return false;
    }
    return true;
  });
  return out;
}

export { AGGS as AGGREGATES, WINDOWS as WINDOW_FUNCTIONS, entry, list, names, walk };
