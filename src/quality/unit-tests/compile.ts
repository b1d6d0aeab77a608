/**
 * Compile time of dbt 1.8 unit tests: reads `unit_tests:` from the root project's properties
 * YAML (with locations), checks each against the manifest (the model exists, every `given` is
 * one of its inputs, rows are well-formed), renders the model with the test's `overrides`
 * (macros such as `is_incremental`, vars, env vars) and its inputs pointing at fixture CTEs, and
 * adds one `unit_test` node per test to the manifest. Never touches a database.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { createRenderer } from '../../compiler/jinja/index.js';
import type { RendererOptions, RenderNode, Renderer } from '../../compiler/jinja/types.js';
import { resolvePlaceholders } from '../../compiler/resolve-relations.js';
import type { Manifest, ManifestNode, SourceNode } from '../../compiler/types.js';
import { didYouMean, error, type Diagnostic } from '../../diagnostics/index.js';
import { isRecord, parseYamlLocated, type LocatedYaml, type YamlPath } from '../../project/yaml-located.js';
import type { ProjectFiles } from '../../project/types.js';
import type { Fixture, UnitTestInput, UnitTestSpec } from './types.js';

export interface UnitTestCompileInput {
  readonly files: ProjectFiles;
  readonly manifest: Manifest;
  /** The compile's renderer options (relations known); unit tests render with their overrides on top. */
  readonly rendererOptions: RendererOptions;
  readonly diagnostics: Diagnostic[];
}

const ENTRY_KEYS = ['name', 'model', 'given', 'expect', 'overrides', 'config', 'description', 'versions'];

/** `ref('x')`, `ref('pkg', 'x')`, `source('s', 't')`, `this`. */
function parseInput(text: string): { kind: 'ref'; name: string; pkg: string | null } | { kind: 'source'; source: string; table: string } | { kind: 'this' } | undefined {
  if (text.trim() === 'this') return { kind: 'this' };
  const m = /^\s*(ref|source)\s*\(\s*['"]([^'"]+)['"]\s*(?:,\s*['"]([^'"]+)['"]\s*)?\)\s*$/.exec(text);
  if (!m) return undefined;
  if (m[1] === 'ref') return m[3] ? { kind: 'ref', name: m[3], pkg: m[2]! } : { kind: 'ref', name: m[2]!, pkg: null };
  return m[3] ? { kind: 'source', source: m[2]!, table: m[3] } : undefined;
}

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A Jinja literal for an override value (JSON is valid Nunjucks for scalars, lists and dicts). */
function jinjaLiteral(v: unknown): string {
  return v === undefined ? 'none' : JSON.stringify(v);
}

/**
 * The manifest with the project's unit tests added (`nodes` with resource_type 'unit_test', and
 * `unit_tests` in dbt's shape). Problems are located diagnostics (code `test-invalid`).
 *
 * @example addUnitTests({ files, manifest, rendererOptions, diagnostics }).unit_tests
 * // { 'unit_test.shop.orders.test_totals': { name: 'test_totals', model: 'orders', given: [...], ... } }
 */
export function addUnitTests(input: UnitTestCompileInput): Manifest {
  const { files, manifest, diagnostics } = input;
  const project = files.config.name;
  const schemaFiles = files.schemaFiles.filter((f) => f.other['unit_tests'] !== undefined);
  if (schemaFiles.length === 0) return manifest;
  const nodes: Record<string, ManifestNode> = { ...manifest.nodes };
  const unitTests: Record<string, Record<string, unknown>> = { ...(manifest.unit_tests ?? {}) };
  const parentMap: Record<string, readonly string[]> = { ...manifest.parent_map };
  const childMap: Record<string, string[]> = Object.fromEntries(Object.entries(manifest.child_map).map(([k, v]) => [k, [...v]]));
  const models = Object.values(manifest.nodes).filter((n) => n.resource_type === 'model');
  let plain: Renderer | undefined;
  const rendererFor = (o: UnitTestSpec['overrides'], file: string): Renderer => {
    const none = Object.keys(o.macros).length + Object.keys(o.vars).length + Object.keys(o.env_vars).length === 0;
    // is_incremental() is false in a unit test unless overridden, as in dbt.
    const base: RendererOptions = { ...input.rendererOptions, relationExists: () => false };
    if (none) return (plain ??= createRenderer(base));
    const macros = Object.entries(o.macros)
      .map(([name, v]) => `{% macro ${name}() %}{{ return(${jinjaLiteral(v)}) }}{% endmacro %}`)
      .join('\n');
    const env: Record<string, string | undefined> = { ...(base.env ?? process.env) };
    for (const [k, v] of Object.entries(o.env_vars)) env[k] = v === null || v === undefined ? undefined : String(v);
    return createRenderer({
      ...base,
      // First: the override wins over a project macro of the same name (reported as a duplicate, ignored).
      macroFiles: [{ path: `${file}#overrides`, contents: macros, hash: sha(macros) }, ...base.macroFiles],
      cliVars: { ...base.cliVars, ...o.vars },
      env,
    });
  };

  for (const sf of schemaFiles) {
    let yaml: LocatedYaml;
    try {
      yaml = parseYamlLocated(readFileSync(join(files.root, sf.path), 'utf8'), sf.path);
    } catch {
      continue;
    }
    const doc = yaml.value;
    if (!isRecord(doc)) continue;
    const list = doc['unit_tests'];
    if (!Array.isArray(list)) {
      diagnostics.push(error('test-invalid', "'unit_tests' must be a list of entries (each starting with '- name:')", yaml.locate(['unit_tests'])));
      continue;
    }
    list.forEach((entry, i) => {
      const path: YamlPath = ['unit_tests', i];
      const at = (p: YamlPath, key = false): { file: string; line: number; col: number } => yaml.locate([...path, ...p], { key });
      const bad = (message: string, p: YamlPath, hint?: string): void => {
        diagnostics.push(error('test-invalid', message, { ...at(p), ...(hint ? { hint } : {}) }));
      };
      if (!isRecord(entry)) return bad('a unit test must be a mapping with name, model, given and expect', []);
      const name = entry['name'];
      if (typeof name !== 'string' || name === '') return bad('a unit test needs a name', []);
      for (const k of Object.keys(entry)) {
        if (!ENTRY_KEYS.includes(k)) {
          const hint = didYouMean(k, ENTRY_KEYS);
          diagnostics.push({ code: 'config-unknown-key', severity: 'warning', message: `unknown key '${k}' in unit test '${name}'`, ...at([k], true), ...(hint ? { hint } : {}) });
        }
      }
      const modelName = entry['model'];
      if (typeof modelName !== 'string') return bad(`unit test '${name}' needs model: <model name>`, []);
      const model = models.find((m) => m.name === modelName && m.package_name === project) ?? models.find((m) => m.name === modelName);
      if (!model) {
        const hint = didYouMean(modelName, models.map((m) => m.name));
        return bad(`unit test '${name}' tests model '${modelName}', which does not exist`, ['model'], hint);
      }
      const config = isRecord(entry['config']) ? entry['config'] : {};
      if (config['enabled'] === false) return;
      const id = `unit_test.${model.package_name}.${model.name}.${name}`;
      if (nodes[id]) return bad(`unit test '${name}' of model '${modelName}' is defined twice`, ['name'], 'give each unit test of a model its own name');

      const overrides = readOverrides(entry['overrides'], bad);
      const givenRaw = entry['given'] ?? [];
      if (!Array.isArray(givenRaw)) return bad(`given of unit test '${name}' must be a list of inputs`, ['given']);
      if (!isRecord(entry['expect'])) return bad(`unit test '${name}' needs expect: {rows: [...]}`, entry['expect'] === undefined ? [] : ['expect']);

      // The model's inputs: its refs and sources (each replaced by a fixture CTE).
      const inputs = new Map<string, UnitTestInput>();
      const refNode = (pkg: string | null, n: string): ManifestNode | undefined =>
        model.depends_on.nodes.map((x) => manifest.nodes[x]).find((p) => p !== undefined && p.name === n && (pkg === null || p.package_name === pkg));
      const srcNode = (s: string, t: string): SourceNode | undefined =>
        model.depends_on.nodes.map((x) => manifest.sources[x]).find((p) => p !== undefined && p.source_name === s && p.name === t);
      const keyOf = (x: { kind: 'ref'; name: string } | { kind: 'source'; source: string; table: string } | { kind: 'this' }): string =>
        x.kind === 'ref' ? `ref:${x.name}` : x.kind === 'source' ? `src:${x.source}.${x.table}` : 'this';
      const inputFor = (key: string): UnitTestInput | undefined => {
        const known = inputs.get(key);
        if (known) return known;
        let made: UnitTestInput | undefined;
        if (key.startsWith('ref:')) {
          const p = refNode(null, key.slice(4));
          if (p) {
            const eph = p.config.materialized === 'ephemeral';
            made = { input: `ref('${p.name}')`, cte: p.name, relation: eph ? null : { schema: p.schema, name: p.alias }, ephemeralSql: eph ? p.compiled_code : null, fixture: null };
          }
        } else if (key.startsWith('src:')) {
          const [s, t] = key.slice(4).split('.') as [string, string];
          const p = srcNode(s, t);
          if (p) made = { input: `source('${s}', '${t}')`, cte: `${s}__${t}`, relation: { schema: p.schema, name: p.identifier }, ephemeralSql: null, fixture: null };
        } else if (key === 'this') {
          made = { input: 'this', cte: 'this', relation: { schema: model.schema, name: model.alias }, ephemeralSql: null, fixture: null };
        }
        if (made) inputs.set(key, made);
        return made;
      };
      let ok = true;
      givenRaw.forEach((g, j) => {
        const gp: YamlPath = ['given', j];
        if (!isRecord(g) || typeof g['input'] !== 'string') {
          ok = false;
          return bad(`given ${j + 1} of unit test '${name}' needs input: ref('...') or source('...', '...')`, gp);
        }
        const parsed = parseInput(g['input']);
        const parent = parsed ? inputFor(keyOf(parsed)) : undefined;
        if (!parsed || !parent) {
          ok = false;
          const parents = [...model.refs.map((r) => `ref('${r.name}')`), ...model.sources.map(([s, t]) => `source('${s}', '${t}')`)];
          return bad(
            `input ${g['input']} of unit test '${name}' is not ${parsed ? 'an input' : 'a ref(), source() or this'} of model '${model.name}'`,
            [...gp, 'input'],
            parents.length ? `the model reads ${parents.join(', ')}` : `model '${model.name}' has no refs or sources`,
          );
        }
        const fixture = readFixture(g, [...path, ...gp], yaml, files, bad, gp, `given ${g['input']}`);
        if (!fixture) {
          ok = false;
          return;
        }
        inputs.set(keyOf(parsed), { ...parent, fixture });
      });
      const expect = readFixture(entry['expect'], [...path, 'expect'], yaml, files, bad, ['expect'], 'expect');
      if (!ok || !expect) return;

      // Render the model with the overrides; every ref/source becomes its fixture CTE.
      const rn: RenderNode = {
        unique_id: model.unique_id,
        name: model.name,
        resource_type: 'model',
        package_name: model.package_name,
        original_file_path: model.original_file_path,
        database: model.database,
        schema: model.schema,
        alias: model.alias,
        config: model.config as unknown as Record<string, unknown>,
      };
      const outcome = rendererFor(overrides, sf.path).render(rn, model.raw_code);
      if (!outcome.ok) {
        diagnostics.push(...outcome.diagnostics.map((d) => ({ ...d, message: `in unit test '${name}' (${sf.path}:${at([]).line}): ${d.message}` })));
        return;
      }
      let sql = resolvePlaceholders(outcome.result.sql, (kind, a, b) => {
        const x = inputFor(kind === 'ref' ? `ref:${b}` : `src:${a}.${b}`);
        return x ? { kind: 'ephemeral', name: x.cte, id: x.cte } : undefined;
      });
      const self = inputs.get('this');
      if (self && model.relation_name) sql = sql.split(model.relation_name).join(`"__dbt__cte__${self.cte}"`);
      const spec: UnitTestSpec = { model: model.unique_id, sql, inputs: [...inputs.values()], expect, overrides };
      const tags = [...new Set([...(Array.isArray(config['tags']) ? config['tags'].map(String) : typeof config['tags'] === 'string' ? [config['tags']] : [])])];
      const meta = isRecord(config['meta']) ? config['meta'] : {};
      const description = typeof entry['description'] === 'string' ? entry['description'] : '';
      const dir = sf.path.split('/').slice(1, -1);
      const fqn = [model.package_name, ...dir, model.name, name];
      const loc = at([]);
      nodes[id] = {
        unique_id: id,
        resource_type: 'unit_test',
        name,
        package_name: model.package_name,
        path: sf.path.split('/').slice(1).join('/'),
        original_file_path: sf.path,
        fqn,
        database: model.database,
        schema: model.schema,
        alias: name,
        relation_name: null,
        config: { enabled: true, materialized: 'unit_test', tags, meta },
        tags,
        description,
        columns: {},
        meta,
        raw_code: '',
        compiled_code: null,
        // Upstream of the model: the test runs once they are built (their columns type the rows).
        depends_on: { nodes: [...model.depends_on.nodes], macros: [...model.depends_on.macros] },
        refs: model.refs,
        sources: model.sources,
        checksum: { name: 'sha256', checksum: sha(JSON.stringify(entry)) },
        strata: { config_hash: sha(JSON.stringify(config)), macros_hash: '', inputs_hash: sha(JSON.stringify(overrides)), vars_read: [], env_read: [], reads_target: false },
        patch_path: null,
        attached_node: model.unique_id,
        loc: { line: loc.line, col: loc.col },
        unit_test: spec,
      };
      unitTests[id] = {
        unique_id: id,
        resource_type: 'unit_test',
        name,
        package_name: model.package_name,
        path: nodes[id]!.path,
        original_file_path: sf.path,
        fqn,
        model: model.name,
        given: givenRaw,
        expect: entry['expect'],
        overrides: entry['overrides'] ?? null,
        description,
        config: { tags, meta, enabled: true },
        depends_on: { macros: [...model.depends_on.macros], nodes: [model.unique_id] },
        checksum: nodes[id]!.checksum.checksum,
      };
      parentMap[id] = [...model.depends_on.nodes];
      for (const p of model.depends_on.nodes) (childMap[p] ??= []).push(id);
      childMap[id] = [];
    });
  }
  return { ...manifest, nodes, unit_tests: unitTests, parent_map: parentMap, child_map: childMap };
}

function readOverrides(raw: unknown, bad: (m: string, p: YamlPath, hint?: string) => void): UnitTestSpec['overrides'] {
  const empty = { macros: {}, vars: {}, env_vars: {} };
  if (raw === undefined || raw === null) return empty;
  if (!isRecord(raw)) {
    bad('overrides must be a mapping of macros, vars and env_vars', ['overrides']);
    return empty;
  }
  const part = (k: string): Record<string, unknown> => {
    const v = raw[k];
    if (v === undefined || v === null) return {};
    if (isRecord(v)) return v;
    bad(`overrides.${k} must be a mapping`, ['overrides', k]);
    return {};
  };
  for (const name of Object.keys(part('macros'))) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) bad(`overrides.macros: '${name}' is not a macro name`, ['overrides', 'macros', name]);
  }
  return { macros: part('macros'), vars: part('vars'), env_vars: part('env_vars') };
}

/**
 * Rows of a `given` / `expect`: `rows` as a list of dicts (default), `format: csv` with `rows`
 * as CSV text or `fixture:` (a file under <test-path>/fixtures/), or `format: sql`.
 */
function readFixture(
  raw: Record<string, unknown>,
  yamlPath: YamlPath,
  yaml: LocatedYaml,
  files: ProjectFiles,
  bad: (m: string, p: YamlPath, hint?: string) => void,
  rel: YamlPath,
  what: string,
): Fixture | undefined {
  const format = raw['format'] ?? 'dict';
  if (format !== 'dict' && format !== 'csv' && format !== 'sql') {
    bad(`${what}: format must be dict, csv or sql, not '${String(format)}'`, [...rel, 'format']);
    return undefined;
  }
  const line = yaml.locate(yamlPath).line;
  let text: string | undefined;
  let file = yaml.file;
  let startLine = yaml.locate([...yamlPath, 'rows']).line;
  if (raw['fixture'] !== undefined) {
    if (format === 'dict') {
      bad(`${what}: a fixture file needs format: csv or format: sql`, [...rel, 'fixture']);
      return undefined;
    }
    const name = String(raw['fixture']);
    const ext = format === 'csv' ? '.csv' : '.sql';
    const candidates = files.config.testPaths.map((t) => join(t, 'fixtures', name.endsWith(ext) ? name : `${name}${ext}`));
    const found = candidates.find((c) => existsSync(join(files.root, c)));
    if (!found) {
      bad(`${what}: fixture '${name}' not found`, [...rel, 'fixture'], `looked for ${candidates.join(', ')}`);
      return undefined;
    }
    text = readFileSync(join(files.root, found), 'utf8');
    file = found;
    startLine = 1;
  }
  const rows = text ?? raw['rows'];
  if (format === 'sql') {
    if (typeof rows !== 'string' || rows.trim() === '') {
      bad(`${what}: format sql needs rows: <a select statement> or fixture: <file>`, [...rel, 'rows']);
      return undefined;
    }
    return { format, rows: null, sql: rows.replace(/[\s;]+$/u, ''), file, line };
  }
  if (format === 'csv') {
    if (typeof rows !== 'string') {
      bad(`${what}: format csv needs rows: as CSV text (a header line, then rows) or fixture: <file>`, [...rel, 'rows']);
      return undefined;
    }
    try {
      const parsed = parseCsv(rows, { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
      const out = parsed.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === '' || v.toLowerCase() === 'null' ? null : v])));
      return { format, rows: out, sql: null, file, line };
    } catch (e) {
      const m = /line (\d+)/.exec(e instanceof Error ? e.message : '');
      const at = m ? startLine + Number(m[1]) - (text ? 1 : 0) : startLine;
      if (text) bad(`${what}: invalid CSV in ${file}:${at}: ${e instanceof Error ? e.message : String(e)}`, [...rel, 'fixture']);
      else bad(`${what}: invalid CSV rows: ${e instanceof Error ? e.message : String(e)}`, [...rel, 'rows']);
      return undefined;
    }
  }
  if (rows === undefined || rows === null) return { format, rows: [], sql: null, file, line };
  if (!Array.isArray(rows)) {
    bad(`${what}: rows must be a list of mappings (- {column: value, ...})`, [...rel, 'rows']);
    return undefined;
  }
  for (let k = 0; k < rows.length; k++) {
    if (!isRecord(rows[k])) {
      bad(`${what}: row ${k + 1} must be a mapping of column: value`, [...rel, 'rows', k]);
      return undefined;
    }
  }
  return { format, rows: rows as Record<string, unknown>[], sql: null, file, line };
}
