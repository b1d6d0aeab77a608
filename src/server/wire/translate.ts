import type { MetricQuery } from '../../semantic/index.js';
import type { Surface, SurfaceColumn, SurfaceTable } from './surface.js';
import { OID } from './values.js';

/**
 * SQL over the surface → a metric query. The statement is parsed by PostgreSQL's own parser
 * (libpg-query); this maps its tree onto the planner's query, construct by construct. Anything
 * that has no exact meaning in a metric query is refused with a SQL error naming it, never
 * answered differently.
 */

/** A SQL error for the client: SQLSTATE, message, optional hint and 1-based position. */
export class SqlError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly hint?: string,
    readonly position?: number,
  ) {
    super(message);
  }
}

/** A value of the query that comes from a bound parameter ($n), filled in at Bind. */
export interface ParamSlot {
  readonly $param: number;
}
type Value = string | number | boolean | ParamSlot;

export interface OutputColumn {
  readonly name: string;
  /** The result column of the metric query it reads. */
  readonly member: string;
  readonly typeOid: number;
}

export interface TranslatedSql {
  readonly table: SurfaceTable;
  /** The metric query; filter values, limit and offset may be parameter slots. */
  readonly query: Omit<MetricQuery, 'filters' | 'limit' | 'offset'> & {
    readonly filters: { member: string; op: MetricQuery['filters'][number]['op']; values: Value[] }[];
    readonly limit?: number | ParamSlot;
    readonly offset?: number | ParamSlot;
  };
  readonly output: readonly OutputColumn[];
  /** A constant false WHERE (tools ask `where 1 = 0` for the columns): no rows, no database. */
  readonly empty: boolean;
  /** Type oids inferred for $1…$n (0 = unknown). */
  readonly paramTypes: readonly number[];
  /** Rows of a saved query are projected, not re-aggregated. */
  readonly savedQuery: boolean;
}

type Node = Record<string, unknown>;
const GRAINS = new Set(['day', 'week', 'month', 'quarter', 'year']);
const AGGREGATES = new Set(['sum', 'count', 'avg', 'min', 'max']);

function kindOf(n: unknown): [string, Node] {
  if (!n || typeof n !== 'object') return ['', {}];
  const k = Object.keys(n as Node)[0] ?? '';
  return [k, ((n as Node)[k] ?? {}) as Node];
}

function loc(n: Node): number | undefined {
  return typeof n['location'] === 'number' && n['location'] >= 0 ? (n['location'] as number) + 1 : undefined;
}

function unsupported(what: string, at?: Node, hint?: string): never {
  throw new SqlError('0A000', `${what} is not supported by the semantic layer's SQL API`, hint ?? 'query one table: SELECT dimensions, MEASURE(m) / AGGREGATE(metric) … WHERE … GROUP BY … ORDER BY … LIMIT', at ? loc(at) : undefined);
}

function names(list: unknown): string[] {
  return Array.isArray(list) ? list.map((x) => String(((x as Node)['String'] as Node | undefined)?.['sval'] ?? '')) : [];
}

/** A select item or expression as the query understands it. */
type Term =
  | { kind: 'dimension'; col: SurfaceColumn; member: string; typeOid: number; label: string }
  | { kind: 'aggregate'; col: SurfaceColumn; member: string; label: string };

/**
 * Maps one SELECT over the surface onto a metric query.
 *
 * @example
 * translateSelect(stmt, surface, 'public') // select region, measure(revenue) from sales group by 1
 * // { query: { dimensions: ['customer.region'], metrics: ['sales.revenue'], … }, output: [region, measure] }
 */
export function translateSelect(select: Node, surface: Surface, schema: string): TranslatedSql {
  for (const key of ['withClause', 'intoClause', 'lockingClause', 'windowClause', 'valuesLists']) {
    if (select[key]) unsupported(key === 'withClause' ? 'WITH' : key === 'intoClause' ? 'SELECT INTO' : key === 'lockingClause' ? 'FOR UPDATE/SHARE' : key === 'windowClause' ? 'WINDOW' : 'VALUES');
  }
  if (select['op'] && select['op'] !== 'SETOP_NONE') unsupported('UNION / INTERSECT / EXCEPT');
  const from = (select['fromClause'] as unknown[] | undefined) ?? [];
  if (from.length !== 1) unsupported(from.length === 0 ? 'a SELECT without FROM over the semantic layer' : 'a FROM list of several tables', undefined, 'dimensions of joined models are columns of the table: select customer__region, measure(revenue) from sales');
  const [fk, fv] = kindOf(from[0]);
  if (fk !== 'RangeVar') unsupported(fk === 'JoinExpr' ? 'JOIN' : fk === 'RangeSubselect' ? 'a subquery in FROM' : `FROM ${fk}`, fv, 'dimensions of joined models are already columns of the table (customer__region)');
  const rel = String(fv['relname'] ?? '');
  const relSchema = fv['schemaname'] as string | undefined;
  if (relSchema !== undefined && relSchema !== schema) throw new SqlError('42P01', `relation "${relSchema}.${rel}" does not exist`, `tables are in schema "${schema}"`, loc(fv));
  const table = surface.tables.get(rel);
  if (!table) throw new SqlError('42P01', `relation "${rel}" does not exist`, tableHint(surface, rel), loc(fv));
  const alias = ((fv['alias'] as Node | undefined)?.['aliasname'] as string | undefined) ?? rel;
  const params: number[] = [];
  const noteParam = (n: number, oid: number): void => {
    params[n - 1] = params[n - 1] || oid;
  };

  const column = (ref: Node): SurfaceColumn => {
    const parts = (ref['fields'] as unknown[]).map((f) => {
      const [k, v] = kindOf(f);
      if (k === 'A_Star') return '*';
      return String(v['sval'] ?? '');
    });
    const name = parts[parts.length - 1]!;
    const qual = parts.slice(0, -1);
    if (qual.length && !(qual[qual.length - 1] === alias || qual[qual.length - 1] === rel)) {
      throw new SqlError('42P01', `missing FROM-clause entry for table "${qual.join('.')}"`, undefined, loc(ref));
    }
    const col = table.columns.find((c) => c.name === name);
    if (!col) throw new SqlError('42703', `column "${name}" does not exist in "${rel}"`, columnHint(table, name), loc(ref));
    return col;
  };
  const timeTypeOid = (member: string): number => (member.split('.').length === 3 ? OID.date : OID.timestamp);
  const dimTerm = (col: SurfaceColumn, label: string): Term => {
    if (col.kind !== 'dimension') {
      const fn = col.kind === 'metric' ? 'AGGREGATE' : 'MEASURE';
      throw new SqlError('42803', `"${col.name}" is a ${col.kind}: aggregate it with ${fn}(${col.name})${col.agg ? ` or ${col.agg === 'count_distinct' ? 'COUNT(DISTINCT' : col.agg.toUpperCase() + '('}${col.name})` : ''}`);
    }
    const typeOid = col.type === 'time' ? timeTypeOid(col.member) : col.type === 'number' ? OID.numeric : col.type === 'boolean' ? OID.bool : OID.text;
    return { kind: 'dimension', col, member: col.member, typeOid, label };
  };
  const grainTerm = (col: SurfaceColumn, grain: string, at: Node, label: string, typeOid: number): Term => {
    if (col.kind !== 'dimension' || col.type !== 'time') throw new SqlError('42883', `date_trunc needs a time dimension; "${col.name}" is not one`, undefined, loc(at));
    if (col.member.split('.').length === 3) throw new SqlError('0A000', `"${col.name}" is already truncated to ${col.member.split('.')[2]}`, undefined, loc(at));
    if (!GRAINS.has(grain) || (col.granularities.length && !col.granularities.includes(grain))) {
      throw new SqlError('22023', `"${col.name}" has no granularity '${grain}'`, `granularities: ${col.granularities.join(', ') || [...GRAINS].join(', ')}`, loc(at));
    }
    return { kind: 'dimension', col, member: `${col.member}.${grain}`, typeOid, label };
  };

  /** An expression in the select list, GROUP BY, ORDER BY or HAVING. */
  const term = (n: unknown, label?: string): Term => {
    const [k, v] = kindOf(n);
    if (k === 'ColumnRef') {
      const col = column(v);
      return dimTerm(col, label ?? col.name);
    }
    if (k === 'TypeCast') {
      const type = names((v['typeName'] as Node)['names']).filter((x) => x !== 'pg_catalog').join('.');
      const [ik, iv] = kindOf(v['arg']);
      if (ik === 'ColumnRef') {
        const col = column(iv);
        if (col.kind === 'dimension' && col.type === 'time' && type === 'date') return grainTerm(col, 'day', v, label ?? col.name, OID.date);
        if (col.kind === 'dimension' && (type === 'text' || type === 'varchar') && col.type === 'string') return dimTerm(col, label ?? col.name);
        if (col.kind === 'dimension' && type.startsWith('timestamp') && col.type === 'time') return dimTerm(col, label ?? col.name);
      }
      if (ik === 'FuncCall') {
        const t = term(v['arg'], label);
        if (t.kind === 'aggregate' && ['numeric', 'float8', 'int8', 'int4', 'bigint', 'integer', 'double precision'].includes(type)) return t;
      }
      unsupported(`the cast ::${type}`, v);
    }
    if (k === 'FuncCall') {
      const fname = names(v['funcname']).filter((x) => x !== 'pg_catalog').join('.').toLowerCase();
      const args = (v['args'] as unknown[] | undefined) ?? [];
      if (v['over']) unsupported('window functions (OVER)', v);
      if (v['agg_filter']) unsupported('FILTER (WHERE …) on an aggregate', v);
      if (fname === 'date_trunc') {
        const [gk, gv] = kindOf(args[0]);
        const grain = gk === 'A_Const' ? ((gv['sval'] as Node | undefined)?.['sval'] as string | undefined) : undefined;
        const [ck, cv] = kindOf(args[1]);
        if (!grain || ck !== 'ColumnRef' || args.length !== 2) unsupported("date_trunc other than date_trunc('<grain>', <time dimension>)", v);
        const col = column(cv);
        return grainTerm(col, grain.toLowerCase(), v, label ?? 'date_trunc', OID.timestamp);
      }
      if (fname === 'measure' || fname === 'aggregate') {
        const [ak, av] = kindOf(args[0]);
        if (args.length !== 1 || ak !== 'ColumnRef') throw new SqlError('42883', `${fname.toUpperCase()}() takes one column`, undefined, loc(v));
        const name = String(((av['fields'] as unknown[]).at(-1) as Node)['String'] ? (((av['fields'] as unknown[]).at(-1) as Node)['String'] as Node)['sval'] : '');
        const col = table.columns.find((c) => c.name === name);
        if (col && col.kind !== 'dimension') return { kind: 'aggregate', col, member: col.member, label: label ?? fname };
        if (fname === 'aggregate' && table.kind === 'model') {
          const metric = surface.tables.get('metrics')?.columns.find((c) => c.kind === 'metric' && c.name === name);
          if (metric) return { kind: 'aggregate', col: metric, member: metric.member, label: label ?? fname };
        }
        if (col) throw new SqlError('42803', `"${name}" is a dimension, not a ${fname === 'measure' ? 'measure' : 'metric'}`, `group by it instead`, loc(av));
        throw new SqlError('42703', `${fname === 'measure' ? 'measure' : 'metric'} "${name}" does not exist in "${rel}"`, columnHint(table, name), loc(av));
      }
      if (AGGREGATES.has(fname)) {
        if (fname === 'count' && v['agg_star']) {
          const c = table.columns.find((x) => x.kind === 'measure' && x.agg === 'count') ?? (table.kind === 'model' ? countColumn(table) : undefined);
          if (!c) unsupported('COUNT(*) on a table without a count measure', v, `use MEASURE(<measure>); measures: ${measureNames(table)}`);
          return { kind: 'aggregate', col: c, member: c.member, label: label ?? 'count' };
        }
        const [ak, av] = kindOf(args[0]);
        if (args.length !== 1 || ak !== 'ColumnRef') unsupported(`${fname}() over an expression`, v, 'aggregate a measure column: SUM(revenue), or MEASURE(revenue)');
        const col = column(av);
        if (col.kind === 'dimension') unsupported(`${fname.toUpperCase()}() of the dimension "${col.name}"`, v, `aggregates apply to measures: ${measureNames(table)}`);
        if (col.kind === 'metric') throw new SqlError('42803', `"${col.name}" is a metric: write AGGREGATE(${col.name})`, undefined, loc(v));
        const want = v['agg_distinct'] ? (fname === 'count' ? 'count_distinct' : `${fname}_distinct`) : fname;
        if (col.agg !== want) {
          throw new SqlError('42803', `"${col.name}" is a ${col.agg} measure; ${want.toUpperCase()}() would be a different number`, `write MEASURE(${col.name})`, loc(v));
        }
        return { kind: 'aggregate', col, member: col.member, label: label ?? fname };
      }
      throw new SqlError('42883', `function ${fname}() is not supported by the semantic layer's SQL API`, 'supported: MEASURE(), AGGREGATE(), SUM/COUNT/AVG/MIN/MAX of a measure with that aggregation, date_trunc(), and casts of time dimensions to date', loc(v));
    }
    return unsupported(`the expression ${k.replace(/_/g, ' ')}`, v);
  };

  // Select list.
  const terms: Term[] = [];
  for (const t of (select['targetList'] as unknown[] | undefined) ?? []) {
    const rt = (t as Node)['ResTarget'] as Node;
    const [vk, vv] = kindOf(rt['val']);
    if (vk === 'ColumnRef' && (vv['fields'] as unknown[]).some((f) => kindOf(f)[0] === 'A_Star')) {
      const fields = vv['fields'] as unknown[];
      if (fields.length > 1) {
        const q = String((kindOf(fields[fields.length - 2])[1] as Node)['sval'] ?? '');
        if (q !== alias && q !== rel) throw new SqlError('42P01', `missing FROM-clause entry for table "${q}"`, undefined, loc(vv));
      }
      if (table.kind === 'saved_query') {
        for (const c of table.columns) terms.push(c.kind === 'dimension' ? dimTerm(c, c.name) : { kind: 'aggregate', col: c, member: c.member, label: c.name });
      } else {
        // `*`: the table's own dimensions and measures (or every metric), grouped by the dimensions.
        const own = table.columns.filter((c) => !c.name.includes('__') && (c.kind !== 'dimension' || c.member.startsWith(`${rel}.`) || table.kind !== 'model'));
        for (const c of own) terms.push(c.kind === 'dimension' ? dimTerm(c, c.name) : { kind: 'aggregate', col: c, member: c.member, label: c.name });
      }
      continue;
    }
    terms.push(term(rt['val'], rt['name'] as string | undefined));
  }
  if (terms.length === 0) unsupported('an empty select list');
  const star = ((select['targetList'] as unknown[]) ?? []).some((t) => {
    const [vk, vv] = kindOf(((t as Node)['ResTarget'] as Node)['val']);
    return vk === 'ColumnRef' && (vv['fields'] as unknown[]).some((f) => kindOf(f)[0] === 'A_Star');
  });

  /** GROUP BY / ORDER BY item: an ordinal, an output name, or an expression. */
  const refTerm = (n: unknown, outputFirst: boolean): Term => {
    const [k, v] = kindOf(n);
    if (k === 'A_Const' && v['ival'] !== undefined) {
      const i = Number((v['ival'] as Node)['ival'] ?? 0);
      const t = terms[i - 1];
      if (!t) throw new SqlError('42P10', `position ${i} is not in select list`, undefined, loc(v));
      return t;
    }
    if (k === 'ColumnRef' && (v['fields'] as unknown[]).length === 1) {
      const name = String(((v['fields'] as unknown[])[0] as Node)['String'] ? (((v['fields'] as unknown[])[0] as Node)['String'] as Node)['sval'] : '');
      const byLabel = terms.find((t) => t.label === name);
      // ORDER BY prefers output names; GROUP BY prefers the table's columns (as PostgreSQL does).
      if (byLabel && (outputFirst || !table.columns.some((c) => c.name === name))) return byLabel;
    }
    return term(n);
  };

  const dims: Term[] = [];
  const metrics: Term[] = [];
  const addDim = (t: Term): void => {
    if (!dims.some((d) => d.member === t.member)) dims.push(t);
  };
  const addMetric = (t: Term): void => {
    if (!metrics.some((d) => d.member === t.member)) metrics.push(t);
  };
  for (const t of terms) (t.kind === 'dimension' ? addDim : addMetric)(t);

  const groupClause = (select['groupClause'] as unknown[] | undefined) ?? [];
  const grouped = new Set<string>();
  for (const g of groupClause) {
    const [gk, gv] = kindOf(g);
    if (gk === 'GroupingSet') unsupported('GROUPING SETS / ROLLUP / CUBE', gv);
    const t = refTerm(g, false);
    if (t.kind !== 'dimension') throw new SqlError('42803', `aggregate functions are not allowed in GROUP BY`, undefined, loc(gv));
    grouped.add(t.member);
    addDim(t);
  }
  const distinct = Array.isArray(select['distinctClause']);
  if (distinct && (select['distinctClause'] as unknown[]).some((x) => x && Object.keys(x as Node).length)) unsupported('DISTINCT ON');
  if (table.kind === 'saved_query') {
    if (groupClause.length) unsupported('GROUP BY over a saved query (its rows are already aggregated)', undefined, 'select its columns, filter, order and limit them');
  } else if (metrics.length > 0) {
    if (!star) {
      for (const t of terms) {
        if (t.kind === 'dimension' && !grouped.has(t.member)) {
          throw new SqlError('42803', `column "${t.label}" must appear in the GROUP BY clause or be used in an aggregate function`, `add GROUP BY ${t.label}`);
        }
      }
    }
  } else if (!distinct && groupClause.length === 0 && !star) {
    throw new SqlError('0A000', 'a query of dimensions only returns their distinct values: write SELECT DISTINCT … or GROUP BY', `select distinct ${terms.map((t) => t.label).join(', ')} from ${rel}`);
  }

  // WHERE: dimension filters; HAVING: filters on aggregates.
  const filters: TranslatedSql['query']['filters'] = [];
  let empty = false;
  const value = (n: unknown, forCol: SurfaceColumn | undefined): Value => {
    const [k, v] = kindOf(n);
    if (k === 'A_Const') {
      if (v['isnull']) throw new SqlError('0A000', 'comparing with NULL is never true: write IS NULL', undefined, loc(v));
      if (v['sval']) return String((v['sval'] as Node)['sval'] ?? '');
      if (v['ival']) return Number((v['ival'] as Node)['ival'] ?? 0);
      if (v['fval']) return Number((v['fval'] as Node)['fval']);
      if (v['boolval']) return Boolean((v['boolval'] as Node)['boolval']);
    }
    if (k === 'ParamRef') {
      const n2 = Number(v['number']);
      noteParam(n2, forCol ? (forCol.type === 'number' ? OID.numeric : forCol.type === 'boolean' ? OID.bool : forCol.type === 'time' ? (forCol.member.split('.').length === 3 ? OID.date : OID.timestamp) : OID.text) : OID.text);
      return { $param: n2 };
    }
    if (k === 'TypeCast') {
      const inner = value(v['arg'], forCol);
      return inner;
    }
    if (k === 'A_Expr' && v['kind'] === 'AEXPR_OP' && names(v['name'])[0] === '-' && !v['lexpr']) {
      const x = value(v['rexpr'], forCol);
      if (typeof x === 'number') return -x;
    }
    return unsupported(`the value expression ${k.replace(/_/g, ' ')}`, v, 'compare with constants or $n parameters');
  };
  const constant = (n: unknown): string | number | boolean | undefined => {
    const [k, v] = kindOf(n);
    if (k !== 'A_Const' || v['isnull']) return undefined;
    return value(n, undefined) as string | number | boolean;
  };
  const OPS: Record<string, MetricQuery['filters'][number]['op']> = { '=': 'equals', '<>': 'not_equals', '!=': 'not_equals', '<': 'lt', '<=': 'lte', '>': 'gt', '>=': 'gte' };
  const FLIP: Record<string, string> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '=': '=', '<>': '<>', '!=': '!=' };
  const predicate = (n: unknown, having: boolean): void => {
    const [k, v] = kindOf(n);
    const subject = (x: unknown): Term => {
      const t = term(x);
      if (having && t.kind !== 'aggregate') throw new SqlError('0A000', `HAVING on the dimension "${t.label}": filter dimensions in WHERE`, undefined, loc(v));
      if (!having && t.kind === 'aggregate') throw new SqlError('42803', 'aggregate functions are not allowed in WHERE', 'filter aggregates in HAVING', loc(v));
      return t;
    };
    const push = (t: Term, op: MetricQuery['filters'][number]['op'], values: Value[]): void => {
      filters.push({ member: t.member, op, values });
    };
    if (k === 'BoolExpr') {
      const args = (v['args'] as unknown[]) ?? [];
      if (v['boolop'] === 'AND_EXPR') {
        for (const a of args) predicate(a, having);
        return;
      }
      if (v['boolop'] === 'OR_EXPR') {
        // `x = a OR x = b` is `x IN (a, b)`; any other OR has no equivalent.
        const eq = args.map((a) => {
          const [ak, av] = kindOf(a);
          return ak === 'A_Expr' && av['kind'] === 'AEXPR_OP' && names(av['name'])[0] === '=' ? av : undefined;
        });
        if (eq.every(Boolean)) {
          const ts = eq.map((e) => subject(e!['lexpr']));
          if (ts.every((t) => t.member === ts[0]!.member)) {
            push(ts[0]!, 'in', eq.map((e, i) => value(e!['rexpr'], ts[i]!.col)));
            return;
          }
        }
        unsupported('OR between different conditions', v, 'run one query per condition, or use IN (…) on one column');
      }
      if (v['boolop'] === 'NOT_EXPR') {
        const [ak, av] = kindOf(args[0]);
        if (ak === 'A_Expr' && av['kind'] === 'AEXPR_IN') {
          const t = subject(av['lexpr']);
          push(t, names(av['name'])[0] === '=' ? 'not_in' : 'in', ((av['rexpr'] as Node)['List'] as Node)['items'] ? (((av['rexpr'] as Node)['List'] as Node)['items'] as unknown[]).map((x) => value(x, t.col)) : []);
          return;
        }
        if (ak === 'A_Expr' && av['kind'] === 'AEXPR_OP' && (names(av['name'])[0] === '=' || names(av['name'])[0] === '<>')) {
          const t = subject(av['lexpr']);
          push(t, names(av['name'])[0] === '=' ? 'not_equals' : 'equals', [value(av['rexpr'], t.col)]);
          return;
        }
        if (ak === 'NullTest') {
          push(subject(av['arg']), av['nulltesttype'] === 'IS_NULL' ? 'not_null' : 'is_null', []);
          return;
        }
        unsupported('NOT of this condition', v);
      }
    }
    if (k === 'A_Const') {
      const c = constant(n);
      if (c === true) return;
      if (c === false) {
        empty = true;
        return;
      }
    }
    if (k === 'A_Expr') {
      const op = names(v['name'])[0] ?? '';
      const kind = v['kind'];
      if (kind === 'AEXPR_OP' && OPS[op]) {
        const l = constant(v['lexpr']);
        const r = constant(v['rexpr']);
        if (l !== undefined && r !== undefined) {
          // `where 1 = 0` / `where 1 = 1`: constant conditions tools add.
          const holds = op === '=' ? l === r : op === '<>' || op === '!=' ? l !== r : op === '<' ? l < r : op === '<=' ? l <= r : op === '>' ? l > r : l >= r;
          if (!holds) empty = true;
          return;
        }
        const [lk] = kindOf(v['lexpr']);
        const columnLeft = lk === 'ColumnRef' || lk === 'FuncCall' || lk === 'TypeCast' && kindOf((kindOf(v['lexpr'])[1] as Node)['arg'])[0] === 'ColumnRef';
        const t = subject(columnLeft ? v['lexpr'] : v['rexpr']);
        const o = columnLeft ? op : FLIP[op]!;
        push(t, OPS[o]!, [value(columnLeft ? v['rexpr'] : v['lexpr'], t.col)]);
        return;
      }
      if (kind === 'AEXPR_IN') {
        const t = subject(v['lexpr']);
        const items = (((v['rexpr'] as Node)['List'] as Node | undefined)?.['items'] as unknown[] | undefined) ?? [];
        if (!items.length) unsupported('IN with a subquery', v);
        push(t, op === '=' ? 'in' : 'not_in', items.map((x) => value(x, t.col)));
        return;
      }
      if (kind === 'AEXPR_BETWEEN') {
        const t = subject(v['lexpr']);
        const [a, b] = ((v['rexpr'] as Node)['List'] as Node)['items'] as unknown[];
        push(t, 'gte', [value(a, t.col)]);
        push(t, 'lte', [value(b, t.col)]);
        return;
      }
      if (kind === 'AEXPR_LIKE' || kind === 'AEXPR_ILIKE') {
        const t = subject(v['lexpr']);
        if (t.col.type !== 'string') unsupported(`LIKE on the ${t.col.type} dimension "${t.label}"`, v);
        const pattern = constant(v['rexpr']);
        const m = typeof pattern === 'string' ? /^%([^%_\\]*)%$/.exec(pattern) : null;
        if (!m || op.startsWith('!')) unsupported(`${op.startsWith('!') ? 'NOT ' : ''}${kind === 'AEXPR_ILIKE' ? 'ILIKE' : 'LIKE'} other than '%text%' (contains)`, v);
        if (kind === 'AEXPR_LIKE') unsupported("case-sensitive LIKE: the layer's contains filter ignores case; write ILIKE '%text%'", v);
        push(t, 'contains', [m[1]!]);
        return;
      }
      unsupported(`the operator ${op || String(kind)}`, v);
    }
    if (k === 'NullTest') {
      push(subject(v['arg']), v['nulltesttype'] === 'IS_NULL' ? 'is_null' : 'not_null', []);
      return;
    }
    if (k === 'ColumnRef') {
      const t = subject(n);
      if (t.col.type === 'boolean') {
        push(t, 'equals', [true]);
        return;
      }
    }
    if (k === 'BooleanTest') {
      const t = subject(v['arg']);
      const bt = String(v['booltesttype']);
      if (t.col.type === 'boolean' && (bt === 'IS_TRUE' || bt === 'IS_FALSE')) {
        push(t, 'equals', [bt === 'IS_TRUE']);
        return;
      }
    }
    unsupported(`the condition ${k.replace(/_/g, ' ')}`, v);
  };
  if (select['whereClause']) predicate(select['whereClause'], false);
  if (select['havingClause']) predicate(select['havingClause'], true);


  // ORDER BY, LIMIT, OFFSET.
  const order: { member: string; desc: boolean; nulls_first?: boolean }[] = [];
  for (const s of (select['sortClause'] as unknown[] | undefined) ?? []) {
    const sb = (s as Node)['SortBy'] as Node;
    const t = refTerm(sb['node'], true);
    const desc = sb['sortby_dir'] === 'SORTBY_DESC';
    if (sb['sortby_dir'] === 'SORTBY_USING') unsupported('ORDER BY … USING', sb);
    // PostgreSQL's default: NULLs last ascending, first descending.
    const nulls = sb['sortby_nulls'];
    const nullsFirst = nulls === 'SORTBY_NULLS_FIRST' || (desc && nulls !== 'SORTBY_NULLS_LAST');
    if (t.kind === 'dimension') addDim(t);
    else addMetric(t);
    order.push({ member: t.member, desc, ...(nullsFirst ? { nulls_first: true } : {}) });
  }
  const limitOf = (n: unknown, what: string): number | ParamSlot | undefined => {
    if (!n) return undefined;
    const [k, v] = kindOf(n);
    if (k === 'A_Const' && v['isnull']) return undefined;
    if (k === 'ParamRef') {
      noteParam(Number(v['number']), OID.int8);
      return { $param: Number(v['number']) };
    }
    const c = constant(n);
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 0) throw new SqlError('22023', `${what} must be a non-negative integer`, undefined, loc(v));
    return c;
  };
  if (select['limitOption'] === 'LIMIT_OPTION_WITH_TIES') unsupported('FETCH … WITH TIES');
  const limit = limitOf(select['limitCount'], 'LIMIT');
  const offset = limitOf(select['limitOffset'], 'OFFSET');
  if (limit === 0) empty = true;

  const query: TranslatedSql['query'] =
    table.kind === 'saved_query'
      ? {
          // The planner runs the saved query (its own filters and access rules included).
          saved_query: table.name,
          metrics: [],
          dimensions: [],
          filters,
          segments: [],
          order,
          ...(limit !== undefined && limit !== 0 ? { limit } : {}),
          ...(offset !== undefined && offset !== 0 ? { offset } : {}),
        }
      : {
          metrics: metrics.map((m) => m.member),
          dimensions: dims.map((d) => d.member),
          filters,
          segments: [],
          order,
          ...(limit !== undefined && limit !== 0 ? { limit } : {}),
          ...(offset !== undefined && offset !== 0 ? { offset } : {}),
        };
  const output = terms.map((t) => ({ name: t.label, member: t.member, typeOid: t.kind === 'aggregate' ? OID.numeric : t.typeOid }));
  return { table, query, output, empty, paramTypes: Array.from(params, (x) => x ?? 0), savedQuery: table.kind === 'saved_query' };
}

function countColumn(table: SurfaceTable): SurfaceColumn {
  return { name: 'count', kind: 'measure', member: `${table.name}.count`, type: 'number', granularities: [], agg: 'count', description: 'rows' };
}

function measureNames(table: SurfaceTable): string {
  return table.columns.filter((c) => c.kind !== 'dimension').map((c) => c.name).join(', ') || '(none)';
}

function columnHint(table: SurfaceTable, name: string): string {
  const near = table.columns.map((c) => c.name).filter((c) => c.includes(name) || name.includes(c)).slice(0, 5);
  return near.length ? `did you mean ${near.map((x) => `"${x}"`).join(', ')}?` : `columns: ${table.columns.slice(0, 20).map((c) => c.name).join(', ')}${table.columns.length > 20 ? ', …' : ''}`;
}

function tableHint(surface: Surface, name: string): string {
  const all = [...surface.tables.keys()];
  const near = all.filter((t) => t.includes(name) || name.includes(t));
  return near.length ? `did you mean ${near.map((x) => `"${x}"`).join(', ')}?` : `tables: ${all.join(', ')}`;
}

/** Fills parameter slots with the values bound for this execution. */
export function bindQuery(t: TranslatedSql, values: readonly (string | number | boolean | null)[]): MetricQuery {
  const get = (v: Value): string | number | boolean => {
    if (typeof v !== 'object') return v;
    const x = values[v.$param - 1];
    if (x === undefined) throw new SqlError('08P01', `there is no parameter $${v.$param}`);
    if (x === null) throw new SqlError('0A000', `parameter $${v.$param} is NULL: comparing with NULL is never true (write IS NULL)`);
    return x;
  };
  const int = (v: number | ParamSlot | undefined, what: string): number | undefined => {
    if (v === undefined) return undefined;
    const x = typeof v === 'object' ? Number(get(v)) : v;
    if (!Number.isInteger(x) || x < 0) throw new SqlError('22023', `${what} must be a non-negative integer`);
    return x;
  };
  const limit = int(t.query.limit, 'LIMIT');
  const offset = int(t.query.offset, 'OFFSET');
  return {
    ...t.query,
    filters: t.query.filters.map((f) => ({ ...f, values: f.values.map(get) })),
    ...(limit !== undefined ? { limit } : {}),
    ...(offset !== undefined && offset > 0 ? { offset } : {}),
  } as MetricQuery;
}
