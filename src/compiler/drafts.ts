import { basename } from 'node:path/posix';
import type { NodeProperties, ProjectFiles, SourceFile, TestSpec } from '../project/types.js';
import { resolveFolderConfig, resourceRelativePath } from '../project/index.js';
import type { RenderNode } from './jinja/types.js';
import { generateSchemaName, mergeConfig } from './node-config.js';
import { genericTestNames, testUniqueId } from './test-names.js';

/** A node before rendering: identity, file and pre-render config. Internal to the compiler. */
export interface Draft {
  readonly id: string;
  readonly resourceType: 'model' | 'seed' | 'snapshot' | 'test' | 'analysis';
  readonly name: string;
  readonly file: string;
  readonly fileHash: string;
  /** Template text to render ('' for seeds). */
  readonly body: string;
  readonly lineOffset: number;
  /** Path within its resource folder (models/staging/a.sql -> staging/a.sql). */
  readonly path: string;
  readonly fqn: readonly string[];
  readonly preConfig: Readonly<Record<string, unknown>>;
  readonly props?: NodeProperties;
  readonly patchPath: string | null;
  readonly loc: { readonly line: number; readonly col: number };
  readonly generic?: GenericTestDraft;
  /** A dbt model version (`versions:`): its `v` and the model's latest version. */
  readonly version?: string | number;
  readonly latestVersion?: string | number;
}

export interface GenericTestDraft {
  readonly testName: string;
  readonly namespace: string | null;
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly model: { readonly kind: 'ref'; readonly name: string; readonly package?: string } | { readonly kind: 'source'; readonly source: string; readonly table: string };
  readonly attachedTo: string;
  readonly columnName: string | null;
  readonly spec: TestSpec;
}

const DEFAULT_MATERIALIZED: Readonly<Record<Draft['resourceType'], string>> = {
  model: 'view',
  seed: 'seed',
  snapshot: 'snapshot',
  test: 'test',
  analysis: 'view',
};

export function stripExt(p: string): string {
  return p.replace(/\.[^./]+$/, '');
}

export function baseConfig(
  type: Draft['resourceType'],
  ...levels: (Readonly<Record<string, unknown>> | undefined)[]
): Record<string, unknown> {
  return mergeConfig(
    { enabled: true, materialized: DEFAULT_MATERIALIZED[type], tags: [], meta: {} },
    ...levels,
  );
}

/** The RenderNode a draft renders as, with schema/alias computed from its pre-render config. */
export function renderNodeFor(d: Draft, files: ProjectFiles): RenderNode {
  const t = files.target;
  const c = d.preConfig;
  const schema =
    d.resourceType === 'snapshot' && typeof c['target_schema'] === 'string'
      ? c['target_schema']
      : generateSchemaName(t.schema, c['schema']);
  return {
    unique_id: d.id,
    name: d.name,
    resource_type: d.resourceType,
    // ids are `<type>.<package>.<name>`: a package's nodes render in their package's context
    package_name: d.id.split('.')[1] ?? files.config.name,
    original_file_path: d.file,
    database: typeof c['database'] === 'string' ? c['database'] : t.dbname,
    schema,
    alias: typeof c['alias'] === 'string' ? c['alias'] : d.version !== undefined ? `${d.name}_v${d.version}` : d.name, // model-versions.ts defaultAlias
    config: c,
    // RenderNode.lineOffset is the 1-based line where the body starts; Draft.lineOffset counts
    // the lines before it (0 for whole files). Passing 0 through put every error one line up.
    lineOffset: d.lineOffset + 1,
  };
}

/** Drafts for model, analysis and singular test files. */
export function fileDrafts(
  files: ProjectFiles,
  list: readonly SourceFile[],
  type: 'model' | 'analysis' | 'test',
  dirs: readonly string[],
  propsByName: ReadonlyMap<string, { props: NodeProperties; file: string }>,
): Draft[] {
  const project = files.config.name;
  const tree = type === 'test' ? files.config.tests : files.config.models;
  return list
    .filter((f) => f.path.endsWith('.sql'))
    .map((f) => {
      const path = resourceRelativePath(f.path, dirs);
      const name = stripExt(basename(f.path));
      const p = propsByName.get(name);
      const folder = resolveFolderConfig(tree, project, path);
      return {
        id: `${type}.${project}.${name}`,
        resourceType: type,
        name,
        file: f.path,
        fileHash: f.hash,
        body: f.contents,
        lineOffset: 0,
        path,
        fqn: [project, ...stripExt(path).split('/')],
        preConfig: baseConfig(type, folder, p?.props.config),
        ...(p ? { props: p.props } : {}),
        patchPath: p ? `${project}://${p.file}` : null,
        loc: { line: 1, col: 1 },
      };
    });
}

/** Test drafts for every generic test declared on a node or its columns in schema YAML. */
export function genericTestDrafts(
  files: ProjectFiles,
  target: { kind: 'ref'; name: string; package?: string } | { kind: 'source'; source: string; table: string },
  attachedTo: string,
  targetName: string,
  ymlFile: string,
  nodeTests: readonly TestSpec[],
  columns: readonly { name: string; tests: readonly TestSpec[] }[],
): Draft[] {
  const project = files.config.name;
  const out: Draft[] = [];
  const add = (spec: TestSpec, columnName: string | null): void => {
    const dot = spec.name.lastIndexOf('.');
    const namespace = dot > 0 ? spec.name.slice(0, dot) : null;
    const testName = dot > 0 ? spec.name.slice(dot + 1) : spec.name;
    const kwargs: Record<string, unknown> = { ...spec.args };
    if (columnName !== null && kwargs['column_name'] === undefined) kwargs['column_name'] = columnName;
    const names = spec.customName ? { full: spec.customName, short: spec.customName } : genericTestNames(testName, namespace, targetName, kwargs);
    const name = names.full;
    const folder = resolveFolderConfig(files.config.tests, project, ymlFile);
    // dbt: a truncated name becomes the alias (unless the test sets one) and the file name.
    const alias = names.short !== names.full && spec.config?.['alias'] === undefined ? { alias: names.short } : undefined;
    out.push({
      id: testUniqueId(project, name, attachedTo, ymlFile),
      resourceType: 'test',
      name,
      file: ymlFile,
      fileHash: '',
      body: '',
      lineOffset: 0,
      path: `${names.short}.sql`,
      fqn: [project, ...stripExt(ymlFile).split('/').slice(1, -1), name],
      preConfig: baseConfig('test', { severity: 'ERROR' }, folder, spec.config, alias),
      patchPath: null,
      loc: { line: spec.loc.line, col: spec.loc.col },
      generic: { testName, namespace, kwargs, model: target, attachedTo, columnName, spec },
    });
  };
  for (const t of nodeTests) add(t, null);
  for (const c of columns) for (const t of c.tests) add(t, c.name);
  return out;
}
