/**
 * Drafts of nodes declared by resource files other than models: seeds (CSV), snapshots
 * (`{% snapshot %}` blocks and YAML-configured snapshots), plus the index of schema-YAML
 * properties and the duplicate-name check. Split from build-manifest.ts.
 */
import { error, type Diagnostic } from '../diagnostics/index.js';
import { resolveFolderConfig, resourceRelativePath } from '../project/index.js';
import type { NodeProperties, ProjectFiles, SchemaFile } from '../project/types.js';
import { baseConfig, type Draft } from './drafts.js';
import type { Renderer } from './jinja/types.js';

export interface PropsIndex {
  models: Map<string, { props: NodeProperties; file: string }>;
  seeds: Map<string, { props: NodeProperties; file: string }>;
  snapshots: Map<string, { props: NodeProperties; file: string }>;
  sources: { file: string; spec: SchemaFile['sources'][number] }[];
}

export function indexProperties(schemaFiles: readonly SchemaFile[], diagnostics: Diagnostic[]): PropsIndex {
  const idx: PropsIndex = { models: new Map(), seeds: new Map(), snapshots: new Map(), sources: [] };
  const add = (map: PropsIndex['models'], kind: string, p: NodeProperties, file: string): void => {
    const prior = map.get(p.name);
    if (prior) {
      diagnostics.push(
        error('duplicate-node', `${kind} '${p.name}' has properties in two places (also ${prior.file}:${prior.props.loc.line})`, {
          file,
          line: p.loc.line,
          col: p.loc.col,
          hint: 'keep one entry per node across all schema files',
        }),
      );
      return;
    }
    map.set(p.name, { props: p, file });
  };
  for (const sf of schemaFiles) {
    for (const p of sf.models) add(idx.models, 'model', p, sf.path);
    for (const p of sf.seeds) add(idx.seeds, 'seed', p, sf.path);
    for (const p of sf.snapshots) add(idx.snapshots, 'snapshot', p, sf.path);
    for (const s of sf.sources) idx.sources.push({ file: sf.path, spec: s });
  }
  return idx;
}

export function seedDrafts(files: ProjectFiles, props: PropsIndex['seeds']): Draft[] {
  const project = files.config.name;
  return files.seeds.map((s) => {
    const path = resourceRelativePath(s.path, files.config.seedPaths);
    const name = path.split('/').pop()!.replace(/\.csv$/i, '');
    const p = props.get(name);
    return {
      id: `seed.${project}.${name}`,
      resourceType: 'seed' as const,
      name,
      file: s.path,
      fileHash: s.hash,
      body: '',
      lineOffset: 0,
      path,
      fqn: [project, ...path.replace(/\.csv$/i, '').split('/')],
      preConfig: baseConfig('seed', resolveFolderConfig(files.config.seeds, project, path), p?.props.config),
      ...(p ? { props: p.props } : {}),
      patchPath: p ? `${project}://${p.file}` : null,
      loc: { line: 1, col: 1 },
    };
  });
}

export function snapshotFileDrafts(
  files: ProjectFiles,
  props: PropsIndex['snapshots'],
  getRenderer: () => Renderer,
  diagnostics: Diagnostic[],
): Draft[] {
  const project = files.config.name;
  const out: Draft[] = [];
  for (const f of files.snapshots) {
    if (!f.path.endsWith('.sql')) continue;
    const { blocks, diagnostics: d } = getRenderer().snapshotBlocks(f);
    diagnostics.push(...d);
    const path = resourceRelativePath(f.path, files.config.snapshotPaths);
    for (const b of blocks) {
      const p = props.get(b.name);
      out.push({
        id: `snapshot.${project}.${b.name}`,
        resourceType: 'snapshot',
        name: b.name,
        file: f.path,
        fileHash: f.hash,
        body: b.body,
        lineOffset: b.line - 1,
        path,
        fqn: [project, ...path.replace(/\.sql$/, '').split('/').slice(0, -1), b.name],
        preConfig: baseConfig('snapshot', resolveFolderConfig(files.config.snapshots, project, path), p?.props.config),
        ...(p ? { props: p.props } : {}),
        patchPath: p ? `${project}://${p.file}` : null,
        loc: { line: b.line, col: 1 },
      });
    }
  }
  // dbt 1.9 YAML-configured snapshots: `snapshots: [{name, relation: ref('x'), config}]`.
  const inFiles = new Set(out.map((d) => d.name));
  for (const [name, { props: p, file }] of props) {
    const relation = p.extra?.['relation'];
    if (inFiles.has(name) || relation === undefined) continue;
    if (typeof relation !== 'string' || !/^\s*(ref|source)\(.*\)\s*$/.test(relation)) {
      diagnostics.push(error('config-invalid', `snapshot '${name}': relation must be ref('model') or source('source', 'table')`, { file, line: p.loc.line, col: p.loc.col }));
      continue;
    }
    const path = file.replace(/^[^/]+\//, '');
    out.push({
      id: `snapshot.${project}.${name}`,
      resourceType: 'snapshot',
      name,
      file,
      fileHash: '',
      body: `select * from {{ ${relation.trim()} }}`,
      lineOffset: p.loc.line,
      path,
      fqn: [project, ...path.replace(/\.ya?ml$/, '').split('/').slice(0, -1), name],
      preConfig: baseConfig('snapshot', resolveFolderConfig(files.config.snapshots, project, path), p.config),
      props: p,
      patchPath: `${project}://${file}`,
      loc: { line: p.loc.line, col: p.loc.col },
    });
  }
  return out;
}

export function checkDuplicates(drafts: readonly Draft[], diagnostics: Diagnostic[]): void {
  const seen = new Map<string, Draft>();
  for (const d of drafts) {
    // relations share one name space per package (two packages may both have a model 'dates')
    const rel = d.resourceType === 'test' || d.resourceType === 'analysis';
    const key = rel ? d.id : `rel:${d.id.split('.')[1]}.${d.version === undefined ? d.name : `${d.name}.v${d.version}`}`;
    // the latest version of a model also answers to its bare name
    if (!rel && d.version !== undefined && String(d.version) === String(d.latestVersion)) {
      const bare = `rel:${d.id.split('.')[1]}.${d.name}`;
      const plain = seen.get(bare);
      if (plain) diagnostics.push(error('duplicate-node', `model '${d.name}' is versioned, but ${plain.file} also defines an unversioned '${d.name}'`, { file: plain.file, line: 1, col: 1, node: plain.id, hint: `rename ${plain.file}, or make it a version (defined_in)` }));
      else seen.set(bare, d);
    } else if (!rel && d.version === undefined && seen.get(key)?.version !== undefined) {
      const v = seen.get(key)!;
      diagnostics.push(error('duplicate-node', `model '${d.name}' is versioned, but ${d.file} also defines an unversioned '${d.name}'`, { file: d.file, line: 1, col: 1, node: d.id, hint: `rename ${d.file}, or make it a version (defined_in); versions are in ${v.patchPath ?? v.file}` }));
      continue;
    }
    const prior = seen.get(key);
    if (prior) {
      diagnostics.push(
        error('duplicate-node', `two resources are named '${d.name}': ${prior.file} and ${d.file}`, {
          file: d.file,
          line: d.loc.line,
          col: d.loc.col,
          node: d.id,
          hint: 'rename one of them (ref() resolves by name)',
        }),
      );
    } else seen.set(key, d);
  }
}

