/**
 * An installed package seen as a project of its own, for the draft builders: its name, its
 * resource paths (relative to the root project), its files, and its folder configs with the root
 * project's `models: <package>:` / `seeds: <package>:` blocks laid over them (the root project
 * wins, as in dbt). The draft builders then give its nodes ids like `model.<package>.<name>`.
 */
import { mergeConfigs } from '../project/folder-config.js';
import type { FolderConfigTree, PackageFiles, ProjectFiles } from '../project/types.js';

/** `b` over `a`: configs merged level by level (b wins), sub-folders combined. */
function overlay(a: FolderConfigTree | undefined, b: FolderConfigTree | undefined): FolderConfigTree {
  const children: Record<string, FolderConfigTree> = {};
  for (const k of new Set([...Object.keys(a?.children ?? {}), ...Object.keys(b?.children ?? {})])) {
    children[k] = overlay(a?.children[k], b?.children[k]);
  }
  return { config: mergeConfigs([a?.config, b?.config]), children };
}

/** The ProjectFiles a package's drafts are built from. */
export function packageView(root: ProjectFiles, pkg: PackageFiles): ProjectFiles {
  const at = (dirs: readonly string[]): string[] => dirs.map((d) => (d === '.' ? pkg.dir : `${pkg.dir}/${d}`));
  return {
    ...root,
    config: {
      ...pkg.config,
      modelPaths: at(pkg.config.modelPaths),
      seedPaths: at(pkg.config.seedPaths),
      snapshotPaths: at(pkg.config.snapshotPaths),
      testPaths: at(pkg.config.testPaths),
      analysisPaths: at(pkg.config.analysisPaths),
      macroPaths: at(pkg.config.macroPaths),
      models: overlay(pkg.config.models, root.config.models),
      seeds: overlay(pkg.config.seeds, root.config.seeds),
      tests: overlay(pkg.config.tests, root.config.tests),
      snapshots: overlay(pkg.config.snapshots, root.config.snapshots),
      targetPath: root.config.targetPath,
    },
    models: pkg.models,
    seeds: pkg.seeds,
    macros: pkg.macros,
    docs: pkg.docs,
    snapshots: [],
    tests: [],
    analyses: [],
    schemaFiles: pkg.schemaFiles,
  };
}
