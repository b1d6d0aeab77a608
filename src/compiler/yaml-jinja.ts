/**
 * Jinja inside YAML and the project file, rendered where dbt renders it: node configs (from
 * folder `+config`, properties files and test entries: `enabled`, `severity`, `tags`,
 * `materialized`, `column_types`, `schema`, `alias`, `where`, `warn_if`, `error_if`, ...) and
 * source `database` / `schema` / `identifier` / `loaded_at_field`. Like dbt's native rendering,
 * a value that is one whole template becomes a native value: `"{{ target.type != 'bigquery' }}"`
 * is the boolean true, `"{{ 3 }}"` the number 3. Hooks are templates rendered with the node.
 */
import type { Diagnostic } from '../diagnostics/index.js';
import type { ProjectFiles, SchemaFile } from '../project/types.js';
import type { RenderNode, Renderer } from './jinja/types.js';

const HOOK_KEYS = new Set(['pre_hook', 'post_hook', 'pre-hook', 'post-hook']);

function isTemplate(s: string): boolean {
  return s.includes('{{') || s.includes('{%');
}

/** True when a (nested) value holds a template string outside hooks. */
export function hasJinja(v: unknown): boolean {
  if (typeof v === 'string') return isTemplate(v);
  if (Array.isArray(v)) return v.some(hasJinja);
  if (typeof v === 'object' && v !== null) {
    return Object.entries(v).some(([k, x]) => !HOOK_KEYS.has(k) && hasJinja(x));
  }
  return false;
}

/**
 * The native value of rendered text, as dbt's native renderer reads it.
 *
 * @example nativeValue('True') // true
 * @example nativeValue('42') // 42
 * @example nativeValue('analytics') // 'analytics'
 */
export function nativeValue(text: string): unknown {
  const t = text.trim();
  if (t === 'True' || t === 'true') return true;
  if (t === 'False' || t === 'false') return false;
  if (t === 'None' || t === 'none') return null;
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  if ((t.startsWith('[') && t.endsWith(']')) || (t.startsWith('{') && t.endsWith('}'))) {
    try {
      return JSON.parse(t.replace(/'/g, '"').replace(/\bTrue\b/g, 'true').replace(/\bFalse\b/g, 'false').replace(/\bNone\b/g, 'null')) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

type RenderText = (text: string) => { ok: true; text: string } | { ok: false; diagnostics: readonly Diagnostic[] };

function renderValue(v: unknown, render: RenderText, diagnostics: Diagnostic[], key?: string): unknown {
  if (key !== undefined && HOOK_KEYS.has(key)) return v;
  if (typeof v === 'string') {
    if (!isTemplate(v)) return v;
    const out = render(v);
    if (!out.ok) {
      diagnostics.push(...out.diagnostics);
      return v;
    }
    const whole = /^\s*\{\{[\s\S]*\}\}\s*$/.test(v) && !/\}\}[\s\S]*\{\{/.test(v);
    return whole ? nativeValue(out.text) : out.text;
  }
  if (Array.isArray(v)) return v.map((x) => renderValue(x, render, diagnostics));
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, renderValue(x, render, diagnostics, k)]));
  }
  return v;
}

/** Render every template in a config object in the context of `node`. */
export function renderConfigJinja(
  config: Readonly<Record<string, unknown>>,
  node: RenderNode,
  renderer: Renderer,
  diagnostics: Diagnostic[],
): Record<string, unknown> {
  const render: RenderText = (text) => {
    const o = renderer.render(node, text);
    return o.ok ? { ok: true, text: o.result.sql } : { ok: false, diagnostics: o.diagnostics.map((d) => ({ ...d, file: d.file ?? node.original_file_path })) };
  };
  return renderValue(config, render, diagnostics) as Record<string, unknown>;
}

/** Sources with their `database`, `schema`, `identifier`, `loaded_at_field` and config rendered. */
export function renderSourceJinja(files: ProjectFiles, getRenderer: () => Renderer, diagnostics: Diagnostic[]): ProjectFiles {
  const touched = files.schemaFiles.some((f) =>
    f.sources.some((s) => hasJinja([s.schema, s.database ?? '', s.identifier, s.loadedAtField ?? '', s.config])),
  );
  if (!touched) return files;
  const project = files.config.name;
  const schemaFiles: SchemaFile[] = files.schemaFiles.map((f) => ({
    ...f,
    sources: f.sources.map((s) => {
      if (!hasJinja([s.schema, s.database ?? '', s.identifier, s.loadedAtField ?? '', s.config])) return s;
      const node: RenderNode = {
        unique_id: `source.${project}.${s.sourceName}.${s.name}`,
        name: s.name,
        resource_type: 'model',
        package_name: project,
        original_file_path: f.path,
        database: files.target.dbname,
        schema: files.target.schema,
        alias: s.identifier,
        config: {},
        lineOffset: s.loc.line,
      };
      const local: Diagnostic[] = [];
      const r = (v: unknown): unknown => renderConfigJinja({ v }, node, getRenderer(), local)['v'];
      const text = (v: string | undefined): string | undefined => (v === undefined ? undefined : String(r(v)));
      const database = text(s.database);
      const loadedAtField = text(s.loadedAtField);
      const out = {
        ...s,
        schema: String(r(s.schema)),
        identifier: String(r(s.identifier)),
        ...(database !== undefined ? { database } : {}),
        ...(loadedAtField !== undefined ? { loadedAtField } : {}),
        config: renderConfigJinja(s.config, node, getRenderer(), local),
      };
      diagnostics.push(...local.map((d) => ({ ...d, file: f.path, line: s.loc.line, col: s.loc.col })));
      return out;
    }),
  }));
  return { ...files, schemaFiles };
}
