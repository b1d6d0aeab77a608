/**
 * Macro libraries shipped with Strata, written for Strata: `dbt` (our implementation of the
 * global macros of dbt-core and dbt-postgres: cross-database utilities, types, naming, relation
 * helpers, the four generic tests) and `strata` (data-quality tests). They live as `.sql` files
 * in `macros/<package>/` beside this module and are internal packages: unqualified names
 * resolve to them after the project's and packages' own macros.
 *
 * @example
 * {{ dbt.dateadd('day', -1, 'now()') }}   -- now() + ((interval '1 day') * (-1))
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export interface BuiltinMacroFile {
  readonly package: string;
  readonly path: string;
  readonly contents: string;
}

/** Internal packages, in lookup order. */
export const INTERNAL_PACKAGES = ['dbt', 'strata'] as const;

function load(): BuiltinMacroFile[] {
  const root = fileURLToPath(new URL('./macros/', import.meta.url));
  const out: BuiltinMacroFile[] = [];
  for (const pkg of INTERNAL_PACKAGES) {
    for (const name of readdirSync(join(root, pkg)).filter((f) => f.endsWith('.sql')).sort()) {
      out.push({ package: pkg, path: `strata:builtin/${pkg}/${name}`, contents: readFileSync(join(root, pkg, name), 'utf8') });
    }
  }
  return out;
}

/** Built-in macro files (read once). */
export const BUILTIN_MACRO_FILES: readonly BuiltinMacroFile[] = load();
