/**
 * Resolves declared packages and their transitive dependencies to pinned packages, the way dbt
 * does: breadth first; the same package declared twice is merged (hub ranges intersected, git
 * revisions must agree); the highest hub version satisfying every range wins; two sources
 * yielding the same project name are a conflict.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { CompileError, type Diagnostic } from '../diagnostics/index.js';
import { depsError, describeWhere, fail, locationOf, redactUrl } from './errors.js';
import { latestVersion, pickVersion, type HubClient } from './hub.js';
import { hubDependencies, labelFor, readPackagesFile } from './spec-file.js';
import { readPackageName, type Stager } from './stage.js';
import type { DeclaredPackage, Env, PackageSpec, PinnedPackage } from './types.js';

export interface ResolveContext {
  /** Absolute root project directory. */
  readonly root: string;
  readonly rootName: string;
  readonly env: Env;
  /** Project-relative install path (`dbt_packages`), for labels of fetched packages' files. */
  readonly installPath: string;
  readonly hub: HubClient;
  readonly stager: Stager;
}

export interface Resolution {
  readonly packages: readonly PinnedPackage[];
  readonly warnings: readonly Diagnostic[];
}

interface Node {
  readonly key: string;
  readonly declared: DeclaredPackage[];
  spec: PackageSpec;
  pinned?: PinnedPackage;
  /** What the node resolved to last (version, sha): its dependencies are read again only when it changes. */
  fingerprint?: string;
}

interface Resolved {
  readonly pinned: PinnedPackage;
  readonly deps: readonly DeclaredPackage[];
  readonly fingerprint: string;
  readonly warnings: readonly Diagnostic[];
}

/**
 * Identity of a package source: declarations with the same key are the same package.
 *
 * @example keyOf({ kind: 'hub', id: 'dbt-labs/DBT_utils', ranges: [], prerelease: false }) // 'hub:dbt-labs/dbt_utils'
 */
export function keyOf(spec: PackageSpec): string {
  switch (spec.kind) {
    case 'local':
      return `local:${spec.abs}`;
    case 'git':
      return `git:${spec.url}#${spec.subdirectory ?? ''}`;
    case 'tarball':
      return `tarball:${spec.url}`;
    case 'hub':
      return `hub:${spec.id.toLowerCase()}`;
  }
}

/**
 * How messages name a source.
 *
 * @example describeSpec({ kind: 'local', path: '../pkg', abs: '/w/pkg' }, '/w/shop') // 'local ../pkg'
 */
export function describeSpec(spec: PackageSpec, root: string): string {
  switch (spec.kind) {
    case 'hub':
      return spec.id;
    case 'git':
      return `git ${redactUrl(spec.url)}${spec.subdirectory ? ` (subdirectory ${spec.subdirectory})` : ''}`;
    case 'local':
      return `local ${labelFor(root, spec.abs)}`;
    case 'tarball':
      return `tarball ${redactUrl(spec.url)}`;
  }
}

function merge(node: Node, d: DeclaredPackage): PackageSpec {
  const a = node.spec;
  const b = d.spec;
  if (a.kind === 'hub' && b.kind === 'hub') {
    return { ...a, ranges: [...new Set([...a.ranges, ...b.ranges])], prerelease: a.prerelease || b.prerelease };
  }
  if (a.kind === 'git' && b.kind === 'git') {
    if (a.revision !== undefined && b.revision !== undefined && a.revision !== b.revision) {
      const first = node.declared.find((x) => x.spec.kind === 'git' && x.spec.revision === a.revision) ?? node.declared[0];
      fail('package-conflict',
        `git package ${redactUrl(a.url)} is required at two revisions: '${a.revision}' by ${first ? describeWhere(first.origin) : 'an earlier entry'} and '${b.revision}' by ${describeWhere(d.origin)}`,
        locationOf(d.origin), 'require the same revision everywhere (a package can be installed only once)');
    }
    return { ...a, revision: a.revision ?? b.revision, warnUnpinned: a.warnUnpinned && b.warnUnpinned };
  }
  return a;
}

/**
 * Resolves `declared` (the root project's packages) and everything they pull in.
 *
 * @example
 * const r = await resolvePackages(rootFile.declared, ctx);
 * r.packages.map((p) => `${p.label} ${p.version ?? ''}`) // ['dbt-labs/dbt_utils 1.3.0', 'local ../pkg_a ']
 */
export async function resolvePackages(declared: readonly DeclaredPackage[], ctx: ResolveContext): Promise<Resolution> {
  const nodes = new Map<string, Node>();
  const warnings: Diagnostic[] = [];
  let pending: readonly DeclaredPackage[] = declared;
  for (let round = 0; pending.length > 0; round++) {
    // Ranges only narrow and each round needs a changed pick, so this is a guard against bugs.
    if (round > 1000) throw new Error('deps: resolution did not converge');
    const next: DeclaredPackage[] = [];
    for (const d of pending) {
      const key = keyOf(d.spec);
      const existing = nodes.get(key);
      const spec = existing ? merge(existing, d) : d.spec;
      if (existing) existing.declared.push(d);
      if (existing && JSON.stringify(spec) === JSON.stringify(existing.spec)) continue;
      const node: Node = existing ?? { key, declared: [d], spec };
      node.spec = spec;
      const r = await resolveNode(node, ctx);
      node.pinned = r.pinned;
      nodes.set(key, node);
      if (node.fingerprint !== r.fingerprint) {
        node.fingerprint = r.fingerprint;
        warnings.push(...r.warnings);
        next.push(...r.deps);
      }
    }
    pending = next;
  }
  const packages = [...nodes.values()].flatMap((n) => (n.pinned ? [n.pinned] : []));
  checkDuplicateNames([...nodes.values()], ctx);
  return { packages, warnings };
}

function checkDuplicateNames(nodes: readonly Node[], ctx: ResolveContext): void {
  const byName = new Map<string, Node>();
  const diags: Diagnostic[] = [];
  for (const n of nodes) {
    const name = n.pinned?.name;
    const first = n.declared[0];
    if (!name || !first) continue;
    if (name === ctx.rootName) {
      diags.push(depsError('package-conflict', `${describeSpec(n.spec, ctx.root)} (required by ${describeWhere(first.origin)}) is named '${name}', like the root project`, locationOf(first.origin),
        'a project cannot depend on itself: remove the entry'));
      continue;
    }
    const other = byName.get(name);
    if (!other) {
      byName.set(name, n);
      continue;
    }
    const o = other.declared[0];
    diags.push(depsError('package-conflict',
      `package '${name}' is required from two different sources: ${describeSpec(other.spec, ctx.root)} (${o ? describeWhere(o.origin) : '?'}) and ${describeSpec(n.spec, ctx.root)} (${describeWhere(first.origin)})`,
      locationOf(first.origin), `install '${name}' from one source only: change or remove one of the two entries`));
  }
  if (diags.length) throw new CompileError(diags);
}

async function resolveNode(node: Node, ctx: ResolveContext): Promise<Resolved> {
  const spec = node.spec;
  const first = node.declared[0];
  if (!first) throw new Error('deps: a node without a declaration');
  const origin = first.origin;
  const where = locationOf(origin);
  const label = describeSpec(spec, ctx.root);
  const depsOf = (dir: string, name: string, localBase?: string): Promise<readonly DeclaredPackage[]> =>
    readPackagesFile(dir, { root: ctx.root, env: ctx.env, via: name, rootWhere: origin.root, ...(localBase ? { localBase, labelBase: `${ctx.installPath}/${name}` } : {}) }).then((f) => f.declared);
  switch (spec.kind) {
    case 'local': {
      if (!existsSync(spec.abs)) fail('package-not-found', `local package directory ${labelFor(ctx.root, spec.abs)} does not exist`, where, `the path is relative to ${origin.via ? `the package that lists it (${origin.via})` : 'the project directory'}`);
      const name = await readPackageName(spec.abs, label, where);
      const lockPath = origin.via === undefined && typeof first.raw['local'] === 'string' ? first.raw['local'] : labelFor(ctx.root, spec.abs);
      return {
        pinned: { name, kind: 'local', label: labelFor(ctx.root, spec.abs), lock: { local: lockPath, name }, fetch: { kind: 'local', abs: spec.abs }, origin },
        deps: await depsOf(spec.abs, name),
        fingerprint: spec.abs,
        warnings: [],
      };
    }
    case 'git': {
      const g = await ctx.stager.git(spec.url, spec.revision, spec.subdirectory, where);
      const name = await readPackageName(g.dir, label, where);
      const warnings: Diagnostic[] = [];
      const unpinned = spec.revision === undefined || spec.revision === 'HEAD' || g.branch !== undefined;
      if (unpinned && spec.warnUnpinned) {
        const how = spec.revision === undefined || spec.revision === 'HEAD' ? 'is not pinned, using HEAD (default branch)' : `is pinned to the "${spec.revision}" branch`;
        warnings.push({ code: 'package-unpinned', severity: 'warning', message: `the git package "${redactUrl(spec.url)}" ${how}; this can introduce breaking changes into your project without warning`,
          ...where, hint: 'pin a tag or commit sha with `revision:` (package-lock.yml pins the commit meanwhile), or set `warn-unpinned: false`' });
      }
      const lockUrl = typeof first.raw['git'] === 'string' ? first.raw['git'] : spec.url;
      return {
        pinned: {
          name, kind: 'git', label: redactUrl(spec.url), version: g.sha, ...(spec.revision !== undefined ? { revision: spec.revision } : {}),
          lock: { git: lockUrl, revision: g.sha, ...(spec.subdirectory ? { subdirectory: spec.subdirectory } : {}), name },
          fetch: { kind: 'git', url: spec.url, sha: g.sha, staged: g.dir, ...(spec.subdirectory ? { subdirectory: spec.subdirectory } : {}) },
          origin,
        },
        deps: await depsOf(g.dir, name, path.join(ctx.root, ctx.installPath, name)),
        fingerprint: g.sha,
        warnings,
      };
    }
    case 'tarball': {
      const t = await ctx.stager.tarball(spec.url, label, where);
      const name = spec.name ?? (await readPackageName(t.root, label, where));
      const lockUrl = typeof first.raw['tarball'] === 'string' ? first.raw['tarball'] : spec.url;
      return {
        pinned: { name, kind: 'tarball', label: redactUrl(spec.url), lock: { tarball: lockUrl, name }, fetch: { kind: 'tarball', url: spec.url, staged: t.root }, origin },
        deps: await depsOf(t.root, name, path.join(ctx.root, ctx.installPath, name)),
        fingerprint: spec.url,
        warnings: [],
      };
    }
    case 'hub':
      return resolveHub(node, spec, ctx);
  }
}

async function resolveHub(node: Node, spec: Extract<PackageSpec, { kind: 'hub' }>, ctx: ResolveContext): Promise<Resolved> {
  const first = node.declared[0];
  if (!first) throw new Error('deps: a node without a declaration');
  const pkg = await ctx.hub.get(spec.id, first.origin);
  const version = pickVersion(pkg.versions.keys(), spec.ranges, spec.prerelease);
  const available = [...pkg.versions.keys()].sort(semver.compare).slice(-12).join(', ') || 'none';
  if (version === undefined) {
    const requirements = node.declared.filter((d) => d.spec.kind === 'hub');
    const own = requirements.find((d) => d.origin.at.line !== undefined) ?? first;
    if (requirements.length <= 1) {
      fail('package-not-found', `no version of '${spec.id}' matches ${spec.ranges.map((r) => `'${r}'`).join(' and ')} (available: ${available})`, locationOf(own.origin),
        spec.prerelease ? 'widen the version range' : 'widen the version range, or set `install-prerelease: true` to consider prereleases');
    }
    const parts = requirements.map((d) => `${d.spec.kind === 'hub' ? d.spec.ranges.map((r) => `'${r}'`).join(', ') : '?'} (${describeWhere(d.origin)})`);
    fail('package-conflict', `no version of '${spec.id}' satisfies every requirement: ${parts.join(' and ')}; available: ${available}`, locationOf(own.origin),
      'change one of the version ranges so they overlap (upgrading the package that requires the older range often helps)');
  }
  const v = pkg.versions.get(version);
  if (!v) throw new Error(`deps: picked version ${version} missing`);
  const warnings: Diagnostic[] = pkg.redirect
    ? [{ code: 'package-deprecated', severity: 'warning', message: `package '${spec.id}' is deprecated on the package hub; it was renamed to '${pkg.redirect}'`, ...locationOf(first.origin), hint: `replace it with \`package: ${pkg.redirect}\`` }]
    : [];
  const latest = latestVersion(pkg);
  const lockId = typeof first.raw['package'] === 'string' ? first.raw['package'] : spec.id;
  return {
    pinned: {
      name: v.name, kind: 'hub', label: spec.id, version, ...(latest ? { latest } : {}),
      lock: { package: lockId, version, name: v.name },
      fetch: { kind: 'hub', url: v.tarball, ...(v.sha1 ? { sha1: v.sha1 } : {}) },
      origin: first.origin,
    },
    deps: hubDependencies(v.packages, pkg.url, `${spec.id} ${version}`, first.origin.root),
    fingerprint: version,
    warnings,
  };
}
