/**
 * dbt model versions. A versioned model `m` with `versions: [{v: 1}, {v: 2}]` is one node per
 * version, `model.<pkg>.m.v1` and `model.<pkg>.m.v2`, read from `m_v1.sql` / `m_v2.sql` (or the
 * version's `defined_in`; the latest version may also live in `m.sql`), built as `m_v1` / `m_v2`.
 * Inside the compiler a version is addressed by its ref key `m.v2` (model names have no dots);
 * `ref('m')` finds the latest version under the key `m`.
 */
import { error, type Diagnostic } from '../diagnostics/index.js';
import type { NodeProperties } from '../project/types.js';
import { baseConfig, type Draft } from './drafts.js';
import { resolveFolderConfig } from '../project/index.js';
import type { ProjectFiles } from '../project/types.js';

/** `m` for an unversioned node, `m.v2` for version 2 of `m`. */
export function refKey(d: { readonly name: string; readonly version?: string | number | undefined }): string {
  return d.version === undefined ? d.name : `${d.name}.v${d.version}`;
}

/** The relation name a node builds without an `alias` config: `m_v2` for version 2 of `m`. */
export function defaultAlias(d: { readonly name: string; readonly version?: string | number | undefined }): string {
  return d.version === undefined ? d.name : `${d.name}_v${d.version}`;
}

/** Inverse of refKey: `m.v2` → {name: 'm', version: '2'}. */
export function splitRefKey(key: string): { name: string; version?: string } {
  const i = key.indexOf('.v');
  return i < 0 ? { name: key } : { name: key.slice(0, i), version: key.slice(i + 2) };
}

/**
 * Replaces the drafts of version files by versioned model drafts (id, version, merged config and
 * properties, fqn ending in `v<v>`). A version whose file is missing is a located error at its
 * `- v:` entry.
 */
export function applyModelVersions(
  files: ProjectFiles,
  drafts: Draft[],
  models: ReadonlyMap<string, { props: NodeProperties; file: string }>,
  diagnostics: Diagnostic[],
): Draft[] {
  const project = files.config.name;
  const versioned = [...models.values()].filter((m) => m.props.versions?.length);
  if (versioned.length === 0) return drafts;
  const byName = new Map(drafts.filter((d) => d.resourceType === 'model').map((d) => [d.name, d]));
  const replaced = new Map<Draft, Draft>();
  for (const { props, file } of versioned) {
    for (const ver of props.versions!) {
      const wanted = ver.definedIn ?? `${props.name}_v${ver.v}`;
      let src = byName.get(wanted);
      if (!src && ver.definedIn === undefined && String(ver.v) === String(props.latestVersion)) {
        const plain = byName.get(props.name);
        if (plain && !replaced.has(plain)) src = plain;
      }
      if (!src || replaced.has(src)) {
        diagnostics.push(
          error('schema-invalid', `version ${ver.v} of model '${props.name}' has no SQL file: expected ${wanted}.sql in a model path`, {
            file,
            line: ver.loc.line,
            col: ver.loc.col,
            hint: ver.definedIn ? 'fix defined_in, or create the file' : `create ${wanted}.sql, or point defined_in at the file that defines it`,
          }),
        );
        continue;
      }
      const folderPath = src.path.split('/').slice(0, -1);
      const folder = resolveFolderConfig(files.config.models, project, src.path);
      replaced.set(src, {
        ...src,
        id: `model.${project}.${props.name}.v${ver.v}`,
        name: props.name,
        fqn: [project, ...folderPath, props.name, `v${ver.v}`],
        preConfig: baseConfig('model', folder, ver.props.config),
        props: ver.props,
        patchPath: `${project}://${file}`,
        version: ver.v,
        ...(props.latestVersion !== undefined ? { latestVersion: props.latestVersion } : {}),
      });
    }
  }
  return drafts.map((d) => replaced.get(d) ?? d);
}
