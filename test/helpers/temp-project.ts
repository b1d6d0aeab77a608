import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * Writes a `{path: contents}` map into a fresh temp directory and returns its absolute path.
 * Paths use `/`; parent directories are created. The OS cleans the temp dir; tests need not.
 *
 * @example
 * const dir = await writeTempProject({
 *   'dbt_project.yml': 'name: shop\n',
 *   'models/orders.sql': 'select 1 as id',
 * });
 */
export async function writeTempProject(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'strata-test-'));
  await Promise.all(
    Object.entries(files).map(async ([rel, contents]) => {
      const abs = path.join(dir, ...rel.split('/'));
      await mkdir(path.dirname(abs), { recursive: true });
      await writeFile(abs, contents);
    }),
  );
  return dir;
}
