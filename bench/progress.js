// Progress of the quick start (issue 15): how long until `strata build` prints its first line,
// and whether the final "Done in" equals the wall clock a user sees. Runs the built binary on
// a copy of the example project in a temporary directory: first build (a new PGlite data
// directory) and second build. The naive figure is the old behaviour: the first line printed
// only after compile and connect, and "Done in" counting only the node runs.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO = join(import.meta.dirname, '..');

function timed(args, cwd) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, [join(REPO, 'bin', 'strata.js'), ...args], { cwd, env: { ...process.env, STRATA_DATABASE_URL: '' } });
    let first;
    let out = '';
    let connected;
    const on = (d) => {
      first ??= performance.now() - t0;
      out += d;
      if (connected === undefined && /Connected to /.test(out)) connected = performance.now() - t0;
    };
    p.stdout.on('data', on);
    p.stderr.on('data', on);
    p.on('error', reject);
    p.on('close', (code) => {
      const wall = (performance.now() - t0) / 1000;
      const done = Number(/Done in ([\d.]+)s/.exec(out)?.[1] ?? NaN);
      const nodes = [...out.matchAll(/\[(\d+\.\d+)s\]/g)].reduce((a, m) => a + Number(m[1]), 0);
      resolve({ code, first, connected, wall, done, nodes });
    });
  });
}

export async function benchProgress() {
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-progress-'));
  try {
    for (const f of ['strata_project.yml', 'profiles.yml', 'models', 'seeds', 'snapshots', 'macros', 'tests', 'semantic']) {
      cpSync(join(REPO, f), join(dir, f), { recursive: true });
    }
    symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
    const first = await timed(['build'], dir);
    const second = await timed(['build'], dir);
    const version = [];
    for (let i = 0; i < 5; i++) version.push((await timed(['--version'], dir)).wall * 1000);
    version.sort((a, b) => a - b);
    return { first, second, versionMs: version[2] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatProgress(r) {
  const line = (name, x) =>
    `  ${name}: exit ${x.code}, first line at ${x.first.toFixed(0)} ms (old: after compile+connect, ${x.connected.toFixed(0)} ms), ` +
    `"Done in" ${x.done.toFixed(1)} s vs wall ${x.wall.toFixed(1)} s (old figure would have been the node runs: ~${x.nodes.toFixed(1)} s summed)`;
  return [`progress of the example build (node start-up + import of the CLI alone: ${r.versionMs.toFixed(0)} ms)`, line('first build (new PGlite dir)', r.first), line('second build', r.second)].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(formatProgress(await benchProgress()));
