import { z } from 'zod';
import type { DiagnosticBag } from '../diagnostics/index.js';
import { parseColumn, readConfig, warnUnknownKeys } from './node-properties.js';
import { parseTestList } from './test-spec.js';
import type { ColumnSpec, SourceTableSpec } from './types.js';
import { isRecord, required, zodDiagnostics } from './yaml-located.js';
import type { LocatedYaml, YamlPath } from './yaml-located.js';

const record = z.record(z.string(), z.unknown());
const text = z.string().nullable().optional();
const tags = z.union([z.string(), z.array(z.string())]).nullable().optional();

const after = z.looseObject({
  count: z.number().int().positive().nullable().optional(),
  period: z.enum(['minute', 'hour', 'day']).nullable().optional(),
}).nullable().optional();

/** `freshness:` block; `null` explicitly disables freshness checks (dbt). */
const freshnessSchema = z.looseObject({ warn_after: after, error_after: after, filter: text }).nullable();

const tableSchema = z.looseObject({
  name: z.string({ error: required('a source table needs a name') }),
  identifier: text,
  description: text,
  columns: z.array(z.unknown()).nullable().optional(),
  loaded_at_field: text,
  freshness: freshnessSchema.optional(),
  meta: record.nullable().optional(),
  tags,
  config: record.nullable().optional(),
});

const sourceSchema = z.looseObject({
  name: z.string({ error: required('a source needs a name') }),
  description: text,
  database: text,
  schema: text,
  loader: text,
  loaded_at_field: text,
  freshness: freshnessSchema.optional(),
  meta: record.nullable().optional(),
  tags,
  config: record.nullable().optional(),
  tables: z.array(z.unknown()).nullable().optional(),
});

const SOURCE_KEYS = ['name', 'description', 'database', 'schema', 'loader', 'loaded_at_field', 'loaded_at_query', 'freshness', 'meta', 'tags', 'config', 'tables', 'quoting', 'overrides'];
const TABLE_KEYS = ['name', 'identifier', 'description', 'columns', 'tests', 'data_tests', 'loaded_at_field', 'loaded_at_query', 'freshness', 'meta', 'tags', 'config', 'quoting', 'external', 'docs'];

/**
 * Reads one `sources:` entry into one SourceTableSpec per table. Tables inherit the source's
 * schema (default: the source name), database, loader, `loaded_at_field`, `freshness`, meta, tags
 * and config; a table's own `freshness: null` switches freshness off for that table.
 *
 * @example
 * // sources:
 * //   - name: raw
 * //     freshness: { warn_after: { count: 12, period: hour } }
 * //     loaded_at_field: _loaded_at
 * //     tables: [{ name: orders }, { name: events, freshness: null }]
 * parseSource(raw.sources[0], y, ['sources', 0], bag)
 * // [{ sourceName: 'raw', name: 'orders', schema: 'raw', freshness: { warn_after: ... }, ... },
 * //  { sourceName: 'raw', name: 'events', freshness: null, ... }]
 */
export function parseSource(
  raw: unknown,
  yaml: Pick<LocatedYaml, 'locate'>,
  path: YamlPath,
  bag: DiagnosticBag,
): SourceTableSpec[] {
  const r = sourceSchema.safeParse(raw);
  if (!r.success || !isRecord(raw)) {
    if (!r.success) bag.addAll(zodDiagnostics(r.error, yaml, path, 'schema-invalid'));
    return [];
  }
  const s = r.data;
  warnUnknownKeys(raw, SOURCE_KEYS, `source '${s.name}'`, yaml, path, bag);
  const sourceConfig = readConfig(s.config, yaml, [...path, 'config'], bag);
  const out: SourceTableSpec[] = [];
  (s.tables ?? []).forEach((t, i) => {
    const tpath = [...path, 'tables', i];
    const tr = tableSchema.safeParse(t);
    if (!tr.success || !isRecord(t)) {
      if (!tr.success) bag.addAll(zodDiagnostics(tr.error, yaml, tpath, 'schema-invalid'));
      return;
    }
    const tb = tr.data;
    warnUnknownKeys(t, TABLE_KEYS, `source table '${s.name}.${tb.name}'`, yaml, tpath, bag);
    const columns: ColumnSpec[] = [];
    (tb.columns ?? []).forEach((c, ci) => {
      const col = parseColumn(c, yaml, [...tpath, 'columns', ci], bag);
      if (col) columns.push(col);
    });
    const loadedAtField = tb.loaded_at_field ?? s.loaded_at_field ?? undefined;
    // `'freshness' in t` distinguishes "not given" (inherit) from `freshness: null` (disabled).
    const freshness = 'freshness' in t ? tb.freshness : s.freshness;
    const database = s.database ?? undefined;
    out.push({
      sourceName: s.name,
      name: tb.name,
      identifier: tb.identifier ?? tb.name,
      schema: s.schema ?? s.name,
      ...(database ? { database } : {}),
      description: tb.description ?? '',
      sourceDescription: s.description ?? '',
      ...(s.loader ? { loader: s.loader } : {}),
      ...(loadedAtField ? { loadedAtField } : {}),
      ...(freshness !== undefined ? { freshness } : {}),
      columns,
      tests: [...parseTestList(t.tests, yaml, [...tpath, 'tests'], bag), ...parseTestList(t.data_tests, yaml, [...tpath, 'data_tests'], bag)],
      meta: { ...(s.meta ?? {}), ...(tb.meta ?? {}) },
      tags: [...new Set([...toList(s.tags), ...toList(tb.tags)])],
      config: { ...sourceConfig, ...readConfig(tb.config, yaml, [...tpath, 'config'], bag) },
      loc: yaml.locate(tpath),
    });
  });
  return out;
}

function toList(v: string | string[] | null | undefined): string[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}
