/** Plain data shared by the `deps` stages: declared specs, pinned packages, lock entries, results. */

import type { Diagnostic } from '../diagnostics/index.js';

export type { Env } from '../project/env-var.js';

/** A position in a file, for diagnostics. `line` is absent for entries read from hub metadata. */
export interface Where {
  readonly file: string;
  readonly line?: number;
  readonly col?: number;
}

/**
 * Where a declared package comes from: its own entry (`at`), who declared it (`via`, absent for
 * the root project) and the root packages-file entry the chain started from (`root`), so every
 * error can point at a line the user owns.
 */
export interface Origin {
  readonly at: Where;
  readonly via?: string;
  readonly root: Where;
}

/** One entry of a packages file, validated and with `{{ env_var() }}` rendered. */
export type PackageSpec =
  | { readonly kind: 'local'; readonly path: string; readonly abs: string }
  | {
      readonly kind: 'git';
      readonly url: string;
      readonly revision?: string;
      readonly subdirectory?: string;
      readonly warnUnpinned: boolean;
    }
  | { readonly kind: 'tarball'; readonly url: string; readonly name?: string }
  | {
      readonly kind: 'hub';
      /** `org/name`, as written. */
      readonly id: string;
      readonly ranges: readonly string[];
      readonly prerelease: boolean;
    };

/** A spec plus where it was declared and its entry as written (unrendered, for the lock file). */
export interface DeclaredPackage {
  readonly spec: PackageSpec;
  /** The entry exactly as in the file, env_var templates kept (secrets never reach the lock). */
  readonly raw: Readonly<Record<string, unknown>>;
  readonly origin: Origin;
}

/**
 * One entry of package-lock.yml: exactly one source, pinned. `name` is always written; it may be
 * missing in a lock written by an older dbt, and is then read from the fetched package.
 */
export type LockEntry =
  | { readonly local: string; readonly name?: string }
  | { readonly git: string; readonly revision: string; readonly subdirectory?: string; readonly name?: string }
  | { readonly tarball: string; readonly name?: string }
  | { readonly package: string; readonly version: string; readonly name?: string };

/** A package ready to install: fully pinned, its project name known. */
export interface PinnedPackage {
  /** Project name: the directory under the install path. */
  readonly name: string;
  readonly kind: PackageSpec['kind'];
  /** Human label: `dbt-labs/dbt_utils`, the git URL (credentials hidden), the local path. */
  readonly label: string;
  /** Exact version (hub), full commit sha (git); absent for local and tarball. */
  readonly version?: string;
  /** The revision as written (`v1`, `main`), for git. */
  readonly revision?: string;
  /** Newest version on the hub, to tell the user an update exists. */
  readonly latest?: string;
  readonly lock: LockEntry;
  /** Rendered source to fetch from at install time. */
  readonly fetch: PinnedSource;
  readonly origin: Origin;
}

/** What the installer fetches; `staged` is a directory already fetched during resolution. */
export type PinnedSource =
  | { readonly kind: 'local'; readonly abs: string }
  | { readonly kind: 'git'; readonly url: string; readonly sha: string; readonly subdirectory?: string; readonly staged?: string }
  | { readonly kind: 'tarball'; readonly url: string; readonly staged?: string }
  | { readonly kind: 'hub'; readonly url: string; readonly sha1?: string };

/** What `runDeps` did, for the CLI to print. */
export interface DepsResult {
  /** Every resolved package, in resolution order. */
  readonly packages: readonly PinnedPackage[];
  /** True when the packages were written to the install path (false with `--lock`). */
  readonly installed: boolean;
  /** Project-relative install path, e.g. `dbt_packages`. */
  readonly installPath: string;
  /** Where the packages came from: the lock file, or a fresh resolution. */
  readonly from: 'lock' | 'resolution' | 'none';
  /** Why the lock was not used, when it existed. */
  readonly lockIgnored?: 'upgrade' | 'hash-mismatch';
  /** Project-relative path of the lock file written, if one was. */
  readonly lockWritten?: string;
  /** Directories removed from the install path because nothing lists them any more. */
  readonly removed: readonly string[];
  /** The packages file changed by `--add-package`, and the entry written. */
  readonly added?: { readonly file: string; readonly entry: Readonly<Record<string, string>> };
  /** Unpinned git packages, deprecated hub packages. */
  readonly warnings: readonly Diagnostic[];
  /** The packages file read (`packages.yml` / `dependencies.yml`), if any. */
  readonly packagesFile?: string;
}
