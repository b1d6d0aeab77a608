import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { mkdtemp, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../../helpers/strata-cli.js';

/**
 * A new user's path from the README: install the packed package into an empty npm project,
 * `strata init`, `npm install`, `strata build`. `npm install` may fetch Strata's dependencies
 * (`--prefer-offline`), but every `npx` call runs with `--offline`, so `npx strata` can only
 * resolve to the locally installed bin: were it to reach for the registry's unrelated package
 * called `strata`, the call would fail instead.
 */
describe('installing the packed package into a fresh project', () => {
  it('init writes a project whose npm install + npx strata build work offline', { timeout: 600_000 }, async () => {
    expect(existsSync(join(REPO, 'dist', 'cli', 'main.js')), 'run `npm run build` first: the package ships dist/').toBe(true);
    const work = await mkdtemp(join(tmpdir(), 'strata-pack-'));
    const env: NodeJS.ProcessEnv = { ...process.env, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
    delete env['STRATA_DATABASE_URL'];
    const sh = (cmd: string, args: string[], cwd: string): string => execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const install = (args: string[], cwd: string): string => sh('npm', ['install', '--prefer-offline', '--offline=false', '--ignore-scripts', ...args], cwd);

    // dist is built by the build step; packing must not rebuild it
    sh('npm', ['pack', '--ignore-scripts', '--pack-destination', work], REPO);
    const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'));
    expect(tgz).toMatch(/^strata-sql-\d+\.\d+\.\d+\.tgz$/);

    const app = join(work, 'app');
    await mkdir(app);
    sh('npm', ['init', '-y'], app);
    install(['--save-dev', `../${tgz!}`], app);
    const bin = realpathSync(join(app, 'node_modules', '.bin', 'strata'));
    expect(bin).toBe(realpathSync(join(app, 'node_modules', 'strata-sql', 'bin', 'strata.js')));

    const version = sh('npx', ['strata', '--version'], app).trim();
    expect(version).toBe(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version);

    const init = sh('npx', ['strata', 'init', 'my_project'], app);
    expect(init).toContain('Next: cd ');
    expect(init).toContain('npm install && npx strata build');
    const project = join(app, 'my_project');
    const pkg = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'));
    expect(pkg.devDependencies).toEqual({ 'strata-sql': `file:../../${tgz!}` });
    expect(readFileSync(join(project, '.gitignore'), 'utf8')).toContain('node_modules/');

    install([], project);
    const build = spawnSync('npx', ['strata', 'build'], { cwd: project, env, encoding: 'utf8' });
    expect(build.stderr).not.toMatch(/npm (error|ERR)/);
    expect(build.status, build.stdout + build.stderr).toBe(0);
    expect(build.stdout).toMatch(/Done in [\d.]+s: \d+ ok, 0 warn, 0 error, 0 fail, 0 skipped/);
    expect(build.stdout).toContain('model my_second_model');
  });
});
