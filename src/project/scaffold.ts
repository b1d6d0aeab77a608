import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CompileError, error } from '../diagnostics/index.js';
import { findProjectFile } from './project-file.js';

/**
 * Writes a new, small, valid project for `strata init` and returns the project-relative paths it
 * wrote. Refuses with 'project-invalid' when `dir` already holds a project file, so it never
 * overwrites a user's work. The profile is the embedded PGlite database: `strata build` works
 * right away with no server.
 *
 * @example
 * await scaffoldProject('/tmp/shop', 'shop');
 * // ['strata_project.yml', 'profiles.yml', 'models/example/my_first_model.sql', ...]
 */
export async function scaffoldProject(dir: string, name: string): Promise<string[]> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new CompileError([
      error('project-invalid', `'${name}' is not a valid project name`, {
        hint: 'use letters, digits and underscores, not starting with a digit (e.g. my_project)',
      }),
    ]);
  }
  const existing = await findProjectFile(dir);
  if (existing) {
    throw new CompileError([
      error('project-invalid', `${existing.file} already exists; not overwriting an existing project`, {
        hint: 'choose an empty directory, or run commands in this project directly',
      }),
    ]);
  }
  const files = scaffoldFiles(name);
  files['package.json'] = await packageJson(dir, name);
  for (const [rel, contents] of Object.entries(files)) {
    const abs = path.join(dir, rel);
    await mkdir(path.dirname(abs), { recursive: true });
    // 'wx': never clobber a file that appeared in the meantime (or a pre-existing profiles.yml).
    // package.json is merged above (an existing npm project keeps its own file).
    await writeFile(abs, contents, { flag: rel === 'package.json' ? 'w' : 'wx' }).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
  }
  return Object.keys(files);
}

/** The scaffold's files as a `{path: contents}` map (also handy for tests). */
export function scaffoldFiles(name: string): Record<string, string> {
  return {
    'strata_project.yml': `name: ${name}
version: '1.0.0'
profile: ${name}

model-paths: [models]
seed-paths: [seeds]
macro-paths: [macros]
test-paths: [tests]
semantic-paths: [semantic]

models:
  ${name}:
    +materialized: view
    example:
      +tags: [example]
`,
    'profiles.yml': `${name}:
  target: dev
  outputs:
    # Embedded PostgreSQL (PGlite): no server needed; data lives in .strata/pglite.
    dev:
      type: pglite
      path: .strata/pglite
      schema: public
    # A PostgreSQL server:
    # prod:
    #   type: postgres
    #   host: localhost
    #   port: 5432
    #   user: "{{ env_var('PGUSER', 'postgres') }}"
    #   password: "{{ env_var('PGPASSWORD') }}"
    #   dbname: analytics
    #   schema: analytics
    #   threads: 4
`,
    'models/example/my_first_model.sql': `{{ config(materialized='table') }}

select 1 as id, 'hello' as greeting
union all
select 2 as id, 'world' as greeting
`,
    'models/example/my_second_model.sql': `select id, upper(greeting) as greeting
from {{ ref('my_first_model') }}
where id = 1
`,
    'models/example/schema.yml': `version: 2

models:
  - name: my_first_model
    description: A starter model.
    columns:
      - name: id
        description: The primary key.
        data_tests: [unique, not_null]
  - name: my_second_model
    description: Built from my_first_model.
    columns:
      - name: id
        data_tests:
          - unique
          - relationships:
              to: ref('my_first_model')
              field: id
`,
    'macros/.gitkeep': '',
    'seeds/.gitkeep': '',
    'tests/.gitkeep': '',
    '.gitignore': 'target/\n.strata/\nlogs/\nnode_modules/\ndbt_packages/\n',
  };
}

/** This package's name and version, and its root directory. */
export async function strataPackage(): Promise<{ name: string; version: string; root: string }> {
  // dist/project/scaffold.js and src/project/scaffold.ts are both two levels below the root.
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { name: string; version: string };
  return { name: pkg.name, version: pkg.version, root };
}

interface PackageFile {
  name?: string;
  private?: boolean;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  [k: string]: unknown;
}

async function readPackageFile(file: string): Promise<PackageFile | undefined> {
  try {
    const v = JSON.parse(await readFile(file, 'utf8')) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as PackageFile) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How the new project depends on Strata: the spec of an enclosing npm project that already
 * depends on it (a relative `file:` spec rebased onto `dir`), else a `file:` path to the running
 * installation. Never a bare registry name: the unscoped name `strata` belongs to an unrelated
 * package, and `npx strata` outside a project that installs this one would run it.
 */
export async function strataDependencySpec(dir: string): Promise<string> {
  const self = await strataPackage();
  for (let d = path.dirname(path.resolve(dir)); ; d = path.dirname(d)) {
    const pkg = await readPackageFile(path.join(d, 'package.json'));
    const spec = pkg?.devDependencies?.[self.name] ?? pkg?.dependencies?.[self.name];
    if (spec) {
      const m = /^file:(.*)$/.exec(spec);
      if (!m || path.isAbsolute(m[1]!)) return spec;
      return `file:${path.relative(dir, path.resolve(d, m[1]!)) || '.'}`;
    }
    if (path.dirname(d) === d) break;
  }
  return `file:${self.root}`;
}

/**
 * package.json of the new project: `npm install` installs Strata locally, so `npx strata …`
 * runs this package's bin. An existing package.json keeps everything and gains the dependency
 * and any missing scripts.
 */
async function packageJson(dir: string, name: string): Promise<string> {
  const self = await strataPackage();
  const existing = await readPackageFile(path.join(dir, 'package.json'));
  const pkg: PackageFile = existing ?? { name: name.toLowerCase().replace(/_/g, '-'), version: '0.1.0', private: true };
  pkg.scripts = { build: 'strata build', test: 'strata test', compile: 'strata compile', ...(pkg.scripts ?? {}) };
  if (!pkg.dependencies?.[self.name] && !pkg.devDependencies?.[self.name]) {
    pkg.devDependencies = { ...(pkg.devDependencies ?? {}), [self.name]: await strataDependencySpec(dir) };
  }
  return `${JSON.stringify(pkg, null, 2)}\n`;
}
