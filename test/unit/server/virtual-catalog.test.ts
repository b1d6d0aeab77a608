import { readFileSync } from 'node:fs';
import pg from 'pg';
import { loadModule, parseSync } from 'libpg-query';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogError, VirtualCatalog, type CatalogSurface } from '../../../src/server/wire/catalog/virtual-catalog.js';

/**
 * The virtual catalog answers the catalog queries real clients send (captured from psql 15, the
 * PostgreSQL JDBC driver, SQLAlchemy's inspector and psycopg against a real server; see
 * test/fixtures/catalog-queries/README.md) as PostgreSQL does for the same schema. With
 * STRATA_TEST_DATABASE_URL set, every query also runs on a throwaway database holding that schema
 * and the answers are compared (oid-valued columns excepted).
 */

await loadModule();

interface FixtureQuery {
  sql: string;
  params: (string | null)[];
  /** Columns not compared with PostgreSQL (they show oids, sizes or server-wide lists). */
  ignore?: string[];
  /** Compare only rows whose `column` is one of `values` (catalog-wide listings). */
  only?: { column: string; values: string[] };
  /** Why the answer is not compared with PostgreSQL at all. */
  skip?: string;
}
interface Fixture {
  client: string;
  queries: FixtureQuery[];
}

const FIXTURES = ['psql', 'psql-more', 'jdbc', 'jdbc-sync', 'sqlalchemy', 'psycopg', 'extra'].map((name) => ({
  name,
  ...(JSON.parse(readFileSync(new URL(`../../fixtures/catalog-queries/${name}.json`, import.meta.url), 'utf8')) as Fixture),
}));

const TABLES: CatalogSurface['tables'] = [
  {
    name: 'sales',
    description: 'Sales orders',
    columns: [
      { name: 'region', type: 'text', description: 'dimension sales.region' },
      { name: 'sold_at', type: 'timestamp without time zone', description: '' },
      { name: 'sold_on', type: 'date', description: '' },
      { name: 'revenue', type: 'numeric', description: 'measure sales.revenue (sum): MEASURE(revenue)' },
      { name: 'units', type: 'bigint', description: '' },
      { name: 'is_promo', type: 'boolean', description: '' },
    ],
  },
  {
    name: 'customers',
    description: 'Customers',
    columns: [
      { name: 'id', type: 'integer', description: '' },
      { name: 'name', type: 'text', description: 'Customer name' },
      { name: 'score', type: 'double precision', description: '' },
      { name: 'joined_at', type: 'timestamp with time zone', description: '' },
    ],
  },
];

const surfaceFor = (database: string, user: string): CatalogSurface => ({ database, schema: 'public', user, serverVersion: '15.0', tables: TABLES, settings: {} });

const stmtOf = (sql: string): unknown => {
  const stmts = parseSync(sql).stmts ?? [];
  expect(stmts.length).toBe(1);
  return stmts[0]!.stmt;
};

function run(cat: VirtualCatalog, sql: string, params: readonly (string | null)[] = []): { fields: { name: string; typeOid: number }[]; rows: (string | null)[][] } {
  return cat.execute(stmtOf(sql), params);
}

/** `{{oid:name}}` placeholders → that relation's or type's oid in the given catalog. */
function bind(text: string, oidOf: (name: string) => string): string {
  return text.replace(/\{\{oid:(\w+)\}\}/g, (_m, n: string) => oidOf(n));
}

const virtualOid = (cat: VirtualCatalog) => (name: string): string => run(cat, 'select coalesce(to_regclass($1)::oid, to_regtype($1)::oid, 0)', [name]).rows[0]![0]!;

describe('virtual catalog: captured client queries', () => {
  const cat = new VirtualCatalog(surfaceFor('shop', 'analyst'));
  for (const f of FIXTURES) {
    describe(f.client, () => {
      f.queries.forEach((q, i) => {
        it(`#${i} ${q.sql.replace(/\s+/g, ' ').slice(0, 70)}`, () => {
          const stmt = stmtOf(bind(q.sql, virtualOid(cat)));
          expect(VirtualCatalog.isCatalogQuery(stmt)).toBe(true);
          const r = cat.execute(stmt, q.params.map((p) => (p === null ? null : bind(p, virtualOid(cat)))));
          for (const row of r.rows) expect(row.length).toBe(r.fields.length);
          // Describe runs before the parameters are known: the same columns with null parameters.
          if (q.params.length) expect(cat.execute(stmt, q.params.map(() => null)).fields).toEqual(r.fields);
        });
      });
    });
  }
});

describe('virtual catalog: answers follow the surface', () => {
  const cat = new VirtualCatalog(surfaceFor('shop', 'analyst'));
  const psql = FIXTURES.find((f) => f.name === 'psql')!.queries;

  it("psql \\dt lists exactly the surface's tables, owned by its user", () => {
    const r = run(cat, psql[0]!.sql);
    expect(r.rows).toEqual(
      TABLES.map((t) => ['public', t.name, 'table', 'analyst']).sort((a, b) => (a[1]! < b[1]! ? -1 : 1)),
    );
  });

  it('psql \\d sales: the oid lookup, then the columns with their SQL types and comments', () => {
    const found = run(cat, psql[2]!.sql);
    expect(found.rows.map((r) => r.slice(1))).toEqual([['public', 'sales']]);
    const oid = found.rows[0]![0]!;
    const cols = run(cat, psql[12]!.sql.replace('{{oid:sales}}', oid));
    const sales = TABLES.find((t) => t.name === 'sales')!;
    expect(cols.rows.map((r) => [r[0], r[1], r[10]])).toEqual(sales.columns.map((c) => [c.name, c.type, c.description || null]));
  });

  it('information_schema.columns and obj_description agree with the surface', () => {
    const r = run(cat, "select table_name, column_name, data_type, ordinal_position from information_schema.columns where table_schema = 'public' order by table_name, ordinal_position");
    const expected = TABLES.flatMap((t) => t.columns.map((c, i) => [t.name, c.name, c.type, String(i + 1)])).sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : Number(a[3]) - Number(b[3])));
    expect(r.rows).toEqual(expected);
    const d = run(cat, "select obj_description('public.customers'::regclass, 'pg_class'), col_description('customers'::regclass, 2)");
    expect(d.rows).toEqual([[TABLES[1]!.description, TABLES[1]!.columns[1]!.description]]);
  });

  it('reports field types with the real oids and text-format values', () => {
    const r = run(cat, "select true as b, 1::int2 as s, 2 as i, 3::int8 as l, 'x'::text as t, 'n'::name as n, 'sales'::regclass as rc, 'int4'::regtype as rt, array['a','b c'] as arr, 1.5::float8 as f, indkey from pg_index right join (select 1) x on false");
    expect(r.fields.map((f) => f.typeOid)).toEqual([16, 21, 23, 20, 25, 19, 2205, 2206, 1009, 701, 22]);
    expect(r.rows).toEqual([['t', '1', '2', '3', 'x', 'n', 'sales', 'integer', '{a,"b c"}', '1.5', null]]);
  });

  it('settings: the session overrides the surface, current_setting and pg_settings agree', () => {
    const c2 = new VirtualCatalog({ ...surfaceFor('shop', 'analyst'), settings: { application_name: 'from-surface' } });
    const q = stmtOf("select current_setting('application_name'), (select setting from pg_settings where name = 'application_name'), current_setting('TimeZone')");
    expect(c2.execute(q, []).rows).toEqual([['from-surface', 'from-surface', 'UTC']]);
    expect(c2.execute(q, [], { application_name: 'psql', TimeZone: 'Europe/Paris' }).rows).toEqual([['psql', 'psql', 'Europe/Paris']]);
  });

  it('params are text, cast as the query says', () => {
    const r = run(cat, 'select c.relname from pg_class c where c.oid = $1::regclass and c.relkind = $2', ['customers', 'r']);
    expect(r.rows).toEqual([['customers']]);
  });

  it('isCatalogQuery: catalog relations, CTEs, catalog functions; not semantic tables or other functions', () => {
    const yes = ['select 1', 'select version()', 'select * from pg_class', 'select * from pg_catalog.pg_type t join pg_namespace n on n.oid = t.typnamespace', 'select * from information_schema.tables', 'with x as (select oid from pg_class) select * from x', "select pg_catalog.current_setting('server_version_num')", 'select current_user, current_schema()', 'select * from generate_series(1, 3)'];
    const no = ['select * from sales', 'select region from public.sales', 'select measure(revenue) from sales', 'select * from pg_class, sales', 'select * from tables', "select nope('x')", 'select * from pg_class where oid in (select 1 from sales)'];
    for (const s of yes) expect([s, VirtualCatalog.isCatalogQuery(stmtOf(s))]).toEqual([s, true]);
    for (const s of no) expect([s, VirtualCatalog.isCatalogQuery(stmtOf(s))]).toEqual([s, false]);
  });
});

describe('virtual catalog: speed', () => {
  it("psql's \\d sales sequence (8 statements) evaluates in well under 50 ms", () => {
    const cat = new VirtualCatalog(surfaceFor('shop', 'analyst'));
    const psql = FIXTURES.find((f) => f.name === 'psql')!.queries.slice(2, 10);
    const oid = virtualOid(cat)('sales');
    const stmts = psql.map((q) => stmtOf(bind(q.sql, () => oid)));
    for (let i = 0; i < 5; i++) for (const s of stmts) cat.execute(s, []);
    const runs = 20;
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) for (const s of stmts) cat.execute(s, []);
    const perSequence = (performance.now() - t0) / runs;
    expect(perSequence).toBeLessThan(50);
  });
});

describe('virtual catalog: LIKE', () => {
  const cat = new VirtualCatalog(surfaceFor('shop', 'analyst'));
  it('matches % _ and escapes, and a pattern of many % stays fast on a long text', () => {
    const r = run(cat, "select 'abc' like 'a%', 'abc' like 'a_c', 'ab%c' like 'ab\\%c', 'abxc' like 'ab\\%c', 'ABC' ilike 'a%C', '' like '%', 'x' like '', 'abc' not like '%b'");
    expect(r.rows).toEqual([['t', 't', 't', 'f', 't', 't', 'f', 't']]);
    const t0 = performance.now();
    const long = run(cat, `select $1 like '%a%a%a%a%a%a%a%a%a%a%a%a%a%a%a%a%c'`, ['a'.repeat(5000) + 'b']);
    expect(long.rows).toEqual([['f']]);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe('virtual catalog: errors carry SQLSTATEs', () => {
  const cat = new VirtualCatalog(surfaceFor('shop', 'analyst'));
  const cases: [string, string, RegExp][] = [
    ['select nope(1)', '42883', /function nope\(integer\) does not exist/],
    ['select pg_catalog.nope()', '42883', /pg_catalog\.nope/],
    ['select * from pg_nope', '42P01', /relation "pg_nope" does not exist/],
    ['select * from information_schema.nope', '42P01', /information_schema\.nope/],
    ['select nope from pg_class', '42703', /column "nope" does not exist/],
    ['select c.nope from pg_class c', '42703', /column c\."nope" does not exist/],
    ['select x.relname from pg_class c', '42P01', /missing FROM-clause entry for table "x"/],
    ['select oid from pg_class, pg_type', '42702', /column reference "oid" is ambiguous/],
    ["select 'nope'::regclass", '42P01', /relation "nope" does not exist/],
    ["select 'nope'::regtype", '42704', /type "nope" does not exist/],
    ['select 1::nosuchtype', '42704', /type "nosuchtype" does not exist/],
    ['select $2', '42P02', /there is no parameter \$2/],
    ["select current_setting('nope')", '42704', /unrecognized configuration parameter "nope"/],
    ['select (select oid from pg_class)', '21000', /more than one row/],
    ['select 1/0', '22012', /division by zero/],
    ['select count(*) from pg_class c1, pg_class c2, pg_attribute a', '54000', /more than 200000 rows/],
    ['select * from generate_series(1, 100000000)', '54000', /generate_series/],
    ['with recursive r as (select 1 union all select 1 from r) select * from r', '0A000', /WITH RECURSIVE/],
    ['select * from sales', '0A000', /semantic-layer table/],
    ["select 'abc'::int", '22P02', /invalid input syntax for type integer/],
    ["select 1 where 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!' ~ '(a+)+$'", '2201B', /too complex/],
    ["select 1 where 'a' ~ '('", '2201B', /invalid regular expression/],
    ['select relname from pg_class order by 5', '42P10', /ORDER BY position 5/],
  ];
  for (const [sql, code, msg] of cases) {
    it(`${code}: ${sql}`, () => {
      let err: unknown;
      try {
        run(cat, sql, ['only-one']);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CatalogError);
      expect((err as CatalogError).code).toBe(code);
      expect((err as CatalogError).message).toMatch(msg);
    });
  }
});

describe('virtual catalog: random SELECTs answer or fail with CatalogError', () => {
  const cat = new VirtualCatalog(surfaceFor('shop', 'analyst'));
  // A small deterministic generator (no Math.random: a failure must be reproducible).
  let seed = 20261202;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return Math.floor(seed / 65536) % n;
  };
  const pick = <T,>(xs: readonly T[]): T => xs[rnd(xs.length)]!;
  const big = ['pg_class', 'pg_attribute', 'pg_type', 'pg_proc', 'information_schema.tables', 'information_schema.columns'];
  const small = ['pg_namespace', 'pg_description', 'pg_index', 'pg_constraint', 'pg_roles', 'pg_settings', 'pg_am', 'pg_database', 'pg_collation'];
  const colsOf = new Map<string, string[]>(
    [...big, ...small].map((r) => [r, run(cat, 'select attname from pg_attribute where attrelid = $1::regclass and attnum > 0 order by attnum', [r]).rows.map((x) => x[0]!)]),
  );
  let cols: string[] = [];
  const exprs = (): string => {
    const c = rnd(10) === 0 ? 'nope' : `${pick(['a.', ''])}${pick(cols)}`;
    return pick([
      c,
      `${c} is null`,
      `${c}::text`,
      `${c} = '1'`,
      `${c} ~ '^p'`,
      `${c} in (1, 'a', null)`,
      `coalesce(${c}::text, 'z')`,
      `case when ${c} is not null then 1 else 0 end`,
      `length(${c}::text)`,
      `${c} || 'x'`,
      `${c}[0]`,
      `${c} + 1`,
      `array[${c}]`,
      `(select count(*) from pg_am where amname = ${c}::text)`,
      `exists(select 1 from pg_namespace n where n.oid = ${c})`,
      `pg_catalog.format_type(${c}, null)`,
      `${c}::regclass`,
      `not ${c}`,
      `${c} between 1 and 3`,
      `'${pick(['a', "b'c", '', '{1,2}', '-1', '12'])}'::${pick(['int', 'oid', 'text', 'regtype', 'int2[]', 'bool', 'name'])}`,
    ]);
  };
  const query = (): string => {
    const r1 = pick([...big, ...small, 'pg_nope']);
    cols = colsOf.get(r1) ?? ['x'];
    const other = pick(small);
    const join = rnd(3) === 0 ? ` ${pick(['join', 'left join', 'right join', 'full join'])} ${other} b on ${exprs()}` : rnd(4) === 0 ? `, ${other} c` : '';
    const where = rnd(2) ? ` where ${exprs()}` : '';
    const group = rnd(5) === 0 ? ` group by 1` : '';
    const order = rnd(2) ? ` order by ${pick(['1', '1 desc nulls last', exprs()])}` : '';
    const lim = rnd(3) === 0 ? ` limit ${rnd(5)} offset ${rnd(3)}` : '';
    const target = rnd(6) === 0 ? '*' : group ? `${exprs()}, count(*)` : `${exprs()}, ${exprs()}`;
    const q = `select ${rnd(5) === 0 ? 'distinct ' : ''}${target} from ${r1} a${join}${where}${group}${order}${lim}`;
    switch (rnd(12)) {
      case 0:
        return `${q} union select ${target === '*' ? '*' : `${exprs()}, ${exprs()}`} from ${r1} a`;
      case 1:
        return `with w as (${q}) select * from w order by 1 limit 3`;
      case 2:
        return `select s.*, (select count(*) from ${pick(small)}) from (${q}) s`;
      case 3:
        return `select row_number() over (partition by ${exprs()} order by ${exprs()}), ${exprs()} from ${r1} a`;
      case 4:
        return `select g, ${exprs()} from ${r1} a, generate_series(1, ${rnd(4)}) g${where}`;
      case 5:
        return `select unnest(array[${exprs()}, ${exprs()}]), generate_series(1, 2) from ${r1} a limit 5`;
      case 6:
        return `select ${exprs()} from ${r1} a where ${exprs()} = $1 or $2::text is null`;
      case 7:
        return `select array_agg(${exprs()} order by 1), string_agg(${exprs()}::text, ',') from ${r1} a`;
      default:
        return q;
    }
  };
  it('600 generated queries', () => {
    const outcomes = { answered: 0, refused: 0 };
    for (let i = 0; i < 600; i++) {
      const sql = query();
      let stmt: unknown;
      try {
        stmt = stmtOf(sql);
      } catch {
        continue; // not valid SQL: the parser refuses it before the catalog sees it
      }
      try {
        const r = cat.execute(stmt, ['1', null]);
        for (const row of r.rows) for (const v of row) expect(v === null || typeof v === 'string').toBe(true);
        outcomes.answered++;
      } catch (e) {
        if (!(e instanceof CatalogError)) throw new Error(`${sql}: ${(e as Error).stack}`);
        expect(e.code).toMatch(/^[0-9A-Z]{5}$/);
        expect(e.code).not.toBe('XX000');
        outcomes.refused++;
      }
    }
    expect(outcomes.answered).toBeGreaterThan(50);
    expect(outcomes.refused).toBeGreaterThan(10);
  });
});

const url = process.env['STRATA_TEST_DATABASE_URL'];

describe.skipIf(!url)('virtual catalog: the same answers as PostgreSQL for the same schema', () => {
  const dbName = `strata_catalog_check_${process.pid}_${Date.now() % 100000}`;
  let admin: pg.Client;
  let real: pg.Client;
  let cat: VirtualCatalog;
  const raw = { getTypeParser: () => (v: string) => v } as unknown as pg.CustomTypesConfig;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: url, types: raw });
    await admin.connect();
    // CREATE DATABASE takes no parameters; the name is quoted by format() on the server.
    const create = await admin.query('select format($$create database %I$$, $1::text) as sql', [dbName]);
    await admin.query(create.rows[0].sql);
    const u = new URL(url!);
    u.pathname = `/${dbName}`;
    real = new pg.Client({ connectionString: u.toString(), types: raw });
    await real.connect();
    const user = (await real.query('select current_user as u')).rows[0].u as string;
    await real.query('select 1');
    const ddl = async (template: string, ...args: string[]): Promise<void> => {
      const r = await real.query(`select format(${`$$${template}$$`}${args.map((_a, i) => `, $${i + 1}::text`).join('')}) as sql`, args);
      await real.query(r.rows[0].sql);
    };
    await ddl('alter schema public owner to %I', user);
    for (const t of TABLES) {
      const cols = t.columns.map((c) => `"${c.name}" ${c.type}`).join(', ');
      await ddl(`create table %I (${cols})`, t.name);
      if (t.description) await ddl('comment on table %I is %L', t.name, t.description);
      for (const c of t.columns) if (c.description) await ddl('comment on column %I.%I is %L', t.name, c.name, c.description);
    }
    cat = new VirtualCatalog(surfaceFor(dbName, user));
  });

  afterAll(async () => {
    await real?.end();
    if (admin) {
      const drop = await admin.query('select format($$drop database if exists %I$$, $1::text) as sql', [dbName]);
      await admin.query(drop.rows[0].sql);
      await admin.end();
    }
  });

  const IGNORED_TYPES = new Set([26, 28, 1034, 194]);
  const realOid = async (name: string): Promise<string> => {
    const r = await real.query('select coalesce(to_regclass($1)::oid, to_regtype($1)::oid)::text as o', [name]);
    return r.rows[0].o as string;
  };

  for (const f of FIXTURES) {
    describe(f.client, () => {
      f.queries.forEach((q, i) => {
        it.skipIf(!!q.skip)(`#${i} ${q.sql.replace(/\s+/g, ' ').slice(0, 70)}`, async () => {
          const names = [...new Set([...(q.sql + q.params.join(' ')).matchAll(/\{\{oid:(\w+)\}\}/g)].map((m) => m[1]!))];
          const ro = new Map<string, string>();
          for (const n of names) ro.set(n, await realOid(n));
          const realSql = bind(q.sql, (n) => ro.get(n)!);
          const want = await real.query({ text: realSql, values: q.params.map((p) => (p === null ? null : bind(p, (n) => ro.get(n)!))), rowMode: 'array' });
          const got = run(cat, bind(q.sql, virtualOid(cat)), q.params.map((p) => (p === null ? null : bind(p, virtualOid(cat)))));
          expect(got.fields.map((x) => x.name)).toEqual(want.fields.map((x) => x.name));
          const keep = want.fields.map((x, j) => !IGNORED_TYPES.has(x.dataTypeID) && !(q.ignore ?? []).includes(x.name) && j >= 0);
          expect(got.fields.map((x, j) => (keep[j] ? x.typeOid : 0))).toEqual(want.fields.map((x, j) => (keep[j] ? x.dataTypeID : 0)));
          const onlyIdx = q.only ? want.fields.findIndex((x) => x.name === q.only!.column) : -1;
          const onlyValues = (q.only?.values ?? []).map((x) => (x === '$database' ? dbName : x));
          const shape = (rows: (string | null)[][]): string[] =>
            rows.filter((r) => onlyIdx < 0 || onlyValues.includes(r[onlyIdx] ?? '')).map((r) => JSON.stringify(r.filter((_v, j) => keep[j])));
          const ordered = ((stmtOf(realSql) as { SelectStmt?: { sortClause?: unknown[] } }).SelectStmt?.sortClause?.length ?? 0) > 0;
          const w = shape(want.rows as (string | null)[][]);
          const g = shape(got.rows);
          expect(ordered ? g : [...g].sort()).toEqual(ordered ? w : [...w].sort());
        });
      });
    });
  }
});
