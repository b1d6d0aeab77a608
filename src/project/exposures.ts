import { z } from 'zod';
import { error } from '../diagnostics/index.js';
import type { DiagnosticBag } from '../diagnostics/index.js';
import { readConfig, warnUnknownKeys } from './node-properties.js';
import type { ExposureDependency, ExposureSpec } from './types.js';
import { isRecord, required, zodDiagnostics } from './yaml-located.js';
import type { LocatedYaml, YamlPath } from './yaml-located.js';
import { toList } from '../shared/records.js';

export const EXPOSURE_TYPES = ['dashboard', 'notebook', 'analysis', 'ml', 'application'] as const;
const MATURITIES = ['low', 'medium', 'high'] as const;

const exposureSchema = z.looseObject({
  name: z.string({ error: required('an exposure needs a name') }).regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an exposure name may only contain letters, digits and underscores'),
  type: z.enum(EXPOSURE_TYPES, { error: (i) => (i.input === undefined ? 'an exposure needs a type (dashboard, notebook, analysis, ml or application)' : `type must be one of ${EXPOSURE_TYPES.join(', ')}`) }),
  owner: z.looseObject({ name: z.string().nullable().optional(), email: z.string().nullable().optional() }, { error: required('an exposure needs an owner (name and/or email)') }),
  depends_on: z.array(z.string()).nullable().optional(),
  url: z.string().nullable().optional(),
  maturity: z.enum(MATURITIES, { error: () => `maturity must be one of ${MATURITIES.join(', ')}` }).nullable().optional(),
  description: z.string().nullable().optional(),
  label: z.string().nullable().optional(),
  tags: z.union([z.string(), z.array(z.string())]).nullable().optional(),
  meta: z.record(z.string(), z.unknown()).nullable().optional(),
  config: z.record(z.string(), z.unknown()).nullable().optional(),
});
const EXPOSURE_KEYS = ['name', 'type', 'owner', 'depends_on', 'url', 'maturity', 'description', 'label', 'tags', 'meta', 'config'];

/**
 * Reads `exposures:` of a properties file. `depends_on` entries are parsed calls
 * (`ref('m')`, `ref('m', v=2)`, `ref('pkg', 'm')`, `source('s', 't')`, `metric('m')`); whether they
 * exist is checked by the compiler.
 *
 * @example
 * // exposures: [{name: weekly, type: dashboard, owner: {email: a@b.c}, depends_on: ["ref('orders')"]}]
 * parseExposures(doc.exposures, y, bag)
 * // [{ name: 'weekly', type: 'dashboard', dependsOn: [{ kind: 'ref', args: ['orders'], loc }], ... }]
 */
export function parseExposures(raw: unknown, yaml: Pick<LocatedYaml, 'locate'>, bag: DiagnosticBag): ExposureSpec[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    bag.add(error('exposure-invalid', "'exposures' must be a list of entries (each starting with '- name:')", yaml.locate(['exposures'])));
    return [];
  }
  const out: ExposureSpec[] = [];
  raw.forEach((entry, i) => {
    const path: YamlPath = ['exposures', i];
    const r = exposureSchema.safeParse(entry);
    if (!r.success || !isRecord(entry)) {
      const name = isRecord(entry) && typeof entry['name'] === 'string' ? entry['name'] : undefined;
      if (r.success) bag.add(error('exposure-invalid', 'an exposure must be a mapping with a name', yaml.locate(path)));
      else bag.addAll(zodDiagnostics(r.error, yaml, path, 'exposure-invalid', (p) => `exposure${name ? ` '${name}'` : ''}${p.slice(2).map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('')}`));
      return;
    }
    const e = r.data;
    warnUnknownKeys(entry, EXPOSURE_KEYS, `exposure '${e.name}'`, yaml, path, bag);
    if (!e.owner.name && !e.owner.email) {
      bag.add(error('exposure-invalid', `exposure '${e.name}': owner needs a name or an email`, { ...yaml.locate([...path, 'owner']), hint: 'owner: {name: Jane, email: jane@example.com}' }));
      return;
    }
    const dependsOn: ExposureDependency[] = [];
    (e.depends_on ?? []).forEach((text, j) => {
      const loc = yaml.locate([...path, 'depends_on', j]);
      const dep = parseDependency(text);
      if (!dep) {
        bag.add(error('exposure-invalid', `exposure '${e.name}': depends_on entry '${text}' is not ref(...), source(...) or metric(...)`, { ...loc, hint: "write ref('model'), source('source', 'table') or metric('name')" }));
        return;
      }
      dependsOn.push({ ...dep, text, loc });
    });
    const config = readConfig(e.config, yaml, [...path, 'config'], bag);
    const tags = [...new Set([...toList(config['tags']), ...toList(e.tags)].map(String))];
    out.push({
      name: e.name,
      type: e.type,
      owner: { ...(e.owner.name ? { name: e.owner.name } : {}), ...(e.owner.email ? { email: e.owner.email } : {}) },
      dependsOn,
      ...(e.url ? { url: e.url } : {}),
      ...(e.maturity ? { maturity: e.maturity } : {}),
      description: e.description ?? '',
      ...(e.label ? { label: e.label } : {}),
      tags,
      meta: { ...(isRecord(config['meta']) ? config['meta'] : {}), ...(e.meta ?? {}) },
      config,
      loc: yaml.locate(path),
    });
  });
  return out;
}

const CALL_RE = /^\s*(?:\{\{\s*)?(ref|source|metric)\s*\(([^)]*)\)\s*(?:\}\}\s*)?$/;

/** `ref('a')`, `ref('pkg', 'a', v=2)`, `source('s', 't')`, `metric('m')` → parts; undefined otherwise. */
export function parseDependency(text: string): Omit<ExposureDependency, 'text' | 'loc'> | undefined {
  const m = CALL_RE.exec(text);
  if (!m) return undefined;
  const kind = m[1] as ExposureDependency['kind'];
  const args: string[] = [];
  let version: string | number | undefined;
  for (const part of m[2]!.split(',').map((s) => s.trim()).filter(Boolean)) {
    const kw = /^(v|version)\s*=\s*(.+)$/.exec(part);
    if (kw && kind === 'ref') {
      const raw = kw[2]!.trim().replace(/^['"]|['"]$/g, '');
      version = /^-?\d+(\.\d+)?$/.test(raw) && !/^['"]/.test(kw[2]!.trim()) ? Number(raw) : raw;
      continue;
    }
    const s = /^(['"])(.*)\1$/.exec(part);
    if (!s) return undefined;
    args.push(s[2]!);
  }
  const arity = kind === 'source' ? [2] : kind === 'ref' ? [1, 2] : [1];
  if (!arity.includes(args.length)) return undefined;
  return { kind, args, ...(version !== undefined ? { version } : {}) };
}

