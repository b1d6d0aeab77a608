/**
 * Turns package-lock.yml entries into pinned packages without any resolution: exact hub versions,
 * exact commits. Transitive packages are already in the lock, so nothing else is read.
 */
import path from 'node:path';
import { CompileError, type Diagnostic } from '../diagnostics/index.js';
import { depsError, fail, redactUrl } from './errors.js';
import type { HubClient } from './hub.js';
import type { LockedPackage } from './lock-file.js';
import { labelFor } from './spec-file.js';
import { readPackageName, type Stager } from './stage.js';
import type { Origin, PinnedPackage } from './types.js';

export interface FromLockContext {
  readonly root: string;
  readonly hub: HubClient;
  readonly stager: Stager;
}

const UPGRADE_HINT = 'run `strata deps --upgrade` to resolve the packages again';

async function pinOne(l: LockedPackage, ctx: FromLockContext): Promise<PinnedPackage> {
  const origin: Origin = { at: l.at, root: l.at };
  const e = l.rendered;
  if ('local' in e) {
    const abs = path.resolve(ctx.root, e.local);
    const label = labelFor(ctx.root, abs);
    const name = e.name ?? (await readPackageName(abs, `local package ${label}`, l.at));
    return { name, kind: 'local', label, lock: l.entry, fetch: { kind: 'local', abs }, origin };
  }
  if ('git' in e) {
    const g = await ctx.stager.git(e.git, e.revision, e.subdirectory, l.at);
    const name = e.name ?? (await readPackageName(g.dir, `git package ${redactUrl(e.git)}`, l.at));
    return {
      name, kind: 'git', label: redactUrl(e.git), version: g.sha, lock: l.entry,
      fetch: { kind: 'git', url: e.git, sha: g.sha, staged: g.dir, ...(e.subdirectory ? { subdirectory: e.subdirectory } : {}) },
      origin,
    };
  }
  if ('tarball' in e) {
    const t = await ctx.stager.tarball(e.tarball, `tarball ${redactUrl(e.tarball)}`, l.at);
    const name = e.name ?? (await readPackageName(t.root, `tarball ${redactUrl(e.tarball)}`, l.at));
    return { name, kind: 'tarball', label: redactUrl(e.tarball), lock: l.entry, fetch: { kind: 'tarball', url: e.tarball, staged: t.root }, origin };
  }
  const pkg = await ctx.hub.get(e.package, origin);
  const v = pkg.versions.get(e.version);
  if (!v) fail('package-not-found', `version ${e.version} of '${e.package}' (pinned in package-lock.yml) is not on the package hub`, l.at, UPGRADE_HINT);
  return {
    name: e.name ?? v.name, kind: 'hub', label: e.package, version: e.version, ...(pkg.latest ? { latest: pkg.latest } : {}), lock: l.entry,
    fetch: { kind: 'hub', url: v.tarball, ...(v.sha1 ? { sha1: v.sha1 } : {}) },
    origin,
  };
}

/**
 * Pins every lock entry (fetching git and tarball packages into staging to do so).
 *
 * @example const pinned = await pinFromLock(lock.packages, { root, hub, stager })
 */
export async function pinFromLock(entries: readonly LockedPackage[], ctx: FromLockContext): Promise<PinnedPackage[]> {
  const out: PinnedPackage[] = [];
  const seen = new Map<string, LockedPackage>();
  const diags: Diagnostic[] = [];
  for (const l of entries) {
    const p = await pinOne(l, ctx);
    const dup = seen.get(p.name);
    if (dup) {
      diags.push(depsError('package-conflict', `package-lock.yml lists package '${p.name}' twice (lines ${dup.at.line ?? '?'} and ${l.at.line ?? '?'})`, l.at, UPGRADE_HINT));
      continue;
    }
    seen.set(p.name, l);
    out.push(p);
  }
  if (diags.length) throw new CompileError(diags);
  return out;
}
