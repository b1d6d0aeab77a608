import { isCompileError } from '../../../src/diagnostics/index.js';
import type { Diagnostic } from '../../../src/diagnostics/index.js';
import { loadProject } from '../../../src/project/index.js';
import type { LoadProjectOptions, ProjectFiles } from '../../../src/project/index.js';
import { writeTempProject } from '../../helpers/temp-project.js';

type Opts = Partial<Omit<LoadProjectOptions, 'projectDir'>>;

/** Loads a project written from a file map; HOME points at an empty dir so ~/.strata is not read. */
export async function loadFiles(files: Record<string, string>, opts: Opts = {}): Promise<ProjectFiles> {
  const dir = await writeTempProject(files);
  return loadProject({ projectDir: dir, ...opts, env: { HOME: dir + '/no-home', ...(opts.env ?? {}) } });
}

/** Loads and expects a CompileError; returns its diagnostics. */
export async function loadErrors(files: Record<string, string>, opts: Opts = {}): Promise<readonly Diagnostic[]> {
  try {
    await loadFiles(files, opts);
  } catch (e) {
    if (isCompileError(e)) return e.diagnostics;
    throw e;
  }
  throw new Error('expected loadProject to fail');
}
