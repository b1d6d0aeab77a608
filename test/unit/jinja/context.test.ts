import { describe, expect, it } from 'vitest';
import { file, makeRenderer, node, ok, sql, table } from './helpers.js';

describe('var / env_var', () => {
  it('cli vars override project vars; package-scoped vars apply to their package', () => {
    const r = makeRenderer({ projectVars: { a: 1, b: 'top', shop: { b: 'scoped', c: [1, 2] }, other: { d: 1 } }, cliVars: { a: 9 } });
    const res = ok(r, "{{ var('a') }} {{ var('b') }} {{ var('c') }} {{ var('d', 'dflt') }} {{ var('e', default=none) }}");
    expect(res.sql).toBe('9 scoped [1, 2] dflt None');
    expect(res.varsRead).toEqual({ a: 9, b: 'scoped', c: [1, 2], d: 'dflt', e: null });
  });

  it('missing var without default is var-undefined at the call', () => {
    const out = makeRenderer().render(node(), "select 1\nwhere x > {{ var('start_date') }}");
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.diagnostics).toHaveLength(1);
      expect(out.diagnostics[0]).toMatchObject({ code: 'var-undefined', file: 'models/orders.sql', line: 2, col: 14 });
      expect(out.diagnostics[0]?.message).toContain("'start_date'");
    }
  });

  it('env_var reads env, defaults, records reads', () => {
    const r = makeRenderer({ env: { SCHEMA_X: 'sx' } });
    const res = ok(r, "{{ env_var('SCHEMA_X') }} {{ env_var('MISSING', 'd') }}");
    expect(res.sql).toBe('sx d');
    expect(res.envRead).toEqual({ SCHEMA_X: 'sx', MISSING: null });
    const out = r.render(node(), "\n\n  {{ env_var('NOPE') }}");
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.diagnostics[0]).toMatchObject({ code: 'env-var-undefined', line: 3, col: 6 });
  });
});

describe('target, flags, execute, model', () => {
  const r = makeRenderer({ flags: { fullRefresh: true, which: 'run' } });

  it('target is readable and marks readsTarget', () => {
    const res = ok(r, '{{ target.name }}:{{ target.schema }}:{{ target.type }}');
    expect(res.sql).toBe('dev:analytics:postgres');
    expect(res.readsTarget).toBe(true);
    expect(ok(r, 'select 1').readsTarget).toBe(false);
  });

  it('flags, execute, project_name, model', () => {
    expect(sql(r, '{{ flags.FULL_REFRESH }} {{ flags.WHICH }} {{ execute }} {{ project_name }} {{ model.unique_id }} {{ model.config.materialized }}', node({ config: { materialized: 'view' } }))).toBe(
      'True run False shop model.shop.orders view',
    );
  });

  it('execute is false while parsing and true at execution time; reading it makes the render dynamic', () => {
    const parsed = ok(r, '{% if execute %}live{% else %}parse{% endif %}');
    expect(parsed.sql).toBe('parse');
    expect(parsed.dynamic).toBe(true);
    expect(ok(r, 'select 1').dynamic).toBeUndefined();
    const live = makeRenderer({ execute: true });
    expect(sql(live, '{% if execute %}live{% else %}parse{% endif %}')).toBe('live');
  });

  it('invocation_id and run_started_at exist', () => {
    expect(sql(r, '{{ invocation_id | length }} {{ run_started_at.year > 2000 }}')).toBe('36 True');
  });
});

describe('modules and serialisation helpers', () => {
  const r = makeRenderer();
  it('modules.datetime', () => {
    expect(
      sql(r, "{% set d = modules.datetime.datetime(2024, 3, 5, 7, 8, 9) %}{{ d.strftime('%Y-%m-%d %H:%M:%S') }} {{ d.isoformat() }} {{ (d - modules.datetime.timedelta(days=5)).strftime('%Y%m%d') }} {{ modules.datetime.date(2024, 1, 31).isoformat() }}"),
    ).toBe('2024-03-05 07:08:09 2024-03-05T07:08:09 20240229 2024-01-31');
    expect(sql(r, '{{ modules.datetime.datetime.now().year >= 2024 }}')).toBe('True');
  });
  it('modules.re', () => {
    expect(sql(r, "{{ modules.re.sub('[^a-z]+', '_', 'a-b c') }} {{ modules.re.match('(\\\\d+)', '42x').group(1) }} {{ modules.re.search('z', 'abc') is none }}")).toBe('a_b_c 42 True');
  });
  it('fromjson / tojson / fromyaml / toyaml', () => {
    expect(sql(r, '{{ fromjson(\'{"a": [1, 2]}\').a[1] }} {{ tojson({"k": [1, none]}) }} {{ fromyaml("x: 3").x }}')).toBe('2 {"k":[1,null]} 3');
    expect(sql(r, "{{ toyaml({'a': 1}) }}")).toBe('a: 1'); // Jinja drops the template's trailing newline
  });
  it('log and print render empty and are recorded', () => {
    const res = ok(r, "a{{ log('hello', info=True) }}b{{ print('p') }}");
    expect(res.sql).toBe('ab');
    expect(res.logs).toEqual([{ message: 'hello', info: true }, { message: 'p', info: false }]);
  });
});

describe('adapter, run_query, statement, doc', () => {
  it('without a connection: get_relation is none, columns empty, run_query an empty table', () => {
    const r = makeRenderer();
    expect(sql(r, "{{ adapter.get_relation(database='d', schema='s', identifier='t') is none }} {{ adapter.get_columns_in_relation(this) | length }} {{ run_query('select 1').rows | length }} {{ run_query('select 1').columns | length }} {{ adapter.quote('a\"b') }}")).toBe(
      'True 0 0 0 "a""b"',
    );
  });

  it('with a queryRunner: run_query, statement + load_result, get_columns_in_relation', () => {
    const seen: string[] = [];
    const r = makeRenderer({
      queryRunner: (q) => {
        seen.push(q);
        if (q.includes('information_schema.columns')) return table(['column_name', 'data_type'], [['id', 'integer'], ['name', 'text']]);
        return table(['n'], [[1], [2]]);
      },
    });
    expect(sql(r, "{% set t = run_query('select n') %}{{ t.columns[0].values() }} {{ t.rows[1][0] }} {{ t.rows[0].n }}")).toBe('[1, 2] 2 1');
    expect(sql(r, "{% call statement('q', fetch_result=True) %}select n from x{% endcall %}{{ load_result('q')['data'] }} {{ load_result('q').table.columns[0].values() }}")).toBe('[[1], [2]] [1, 2]');
    expect(seen).toContain('select n from x');
    expect(sql(r, '{% for c in adapter.get_columns_in_relation(this) %}{{ c.name }}:{{ c.data_type }} {% endfor %}')).toBe('id:integer name:text ');
  });

  it('doc() returns docs block contents, records it, and fails with doc-not-found', () => {
    const r = makeRenderer({ docFiles: [file('models/docs.md', '# x\n{% docs orders_doc %}\nAll **orders**.\n{% enddocs %}\n')] });
    expect(r.docs['orders_doc']).toEqual({ name: 'orders_doc', contents: 'All **orders**.', original_file_path: 'models/docs.md', line: 2 });
    const res = ok(r, "{{ doc('orders_doc') }}");
    expect(res.sql).toBe('All **orders**.');
    expect(res.docs).toEqual(['orders_doc']);
    const out = r.render(node(), "{{ doc('order_doc') }}");
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.diagnostics[0]).toMatchObject({ code: 'doc-not-found', line: 1, hint: "did you mean 'orders_doc'?" });
  });
});
