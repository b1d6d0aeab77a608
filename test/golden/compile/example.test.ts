// Golden compiled SQL for the repository's example project. UPDATE_GOLDEN=1 regenerates.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, copyExampleProject, readTree, REPO } from '../../integration/compile/helpers.js';

const GOLDEN = path.join(REPO, 'test/golden/compile/example');

describe('example project golden SQL', () => {
  let compiled: Record<string, string>;
  beforeAll(async () => {
    const dir = await copyExampleProject();
    const r = await cli(['compile', '--project-dir', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    compiled = await readTree(path.join(dir, 'target/compiled/shop'));
    if (process.env['UPDATE_GOLDEN']) {
      await rm(GOLDEN, { recursive: true, force: true });
      for (const [rel, sql] of Object.entries(compiled)) {
        await mkdir(path.dirname(path.join(GOLDEN, rel)), { recursive: true });
        await writeFile(path.join(GOLDEN, rel), sql);
      }
    }
  });

  it('compiles exactly the golden file set', async () => {
    const golden = await readTree(GOLDEN);
    expect(Object.keys(compiled).sort()).toEqual(Object.keys(golden).sort());
    expect(Object.keys(golden).length).toBeGreaterThan(20);
  });

  it('every compiled file equals its golden file byte for byte', async () => {
    const golden = await readTree(GOLDEN);
    for (const [rel, sql] of Object.entries(golden)) expect(compiled[rel], rel).toBe(sql);
  });
});
