import { createHash, hash } from 'node:crypto';
import { BUILTIN_MACRO_FILES } from './jinja/builtin-macros.js';
import type { DocBlock, MacroInfo, RenderResult } from './jinja/types.js';
import { stableJson } from './node-config.js';

/**
 * Per-file render results kept between compiles (`target/strata_compile_cache.json`).
 * An entry is reused when its key (file content + pre-render config + identity) matches AND
 * every var, env var, target field and macro it read still has the same value.
 */
export interface RenderCacheEntry {
  readonly key: string;
  readonly result: RenderResult;
  /** var name -> signature of its inputs when rendered. */
  readonly vars: Readonly<Record<string, string>>;
  readonly target: string | null;
  /** macro unique name -> content hash when rendered. */
  readonly macros: Readonly<Record<string, string>>;
  /** sha256 of the node's final config (pre-render config is in `key`, config() in `result`). */
  readonly configHash?: string;
}

export interface RenderCacheData {
  readonly version: string;
  /** macro and docs file path -> hash, and what they defined, so warm runs skip parsing them. */
  readonly libraryFiles: Readonly<Record<string, string>>;
  readonly library: Library;
  readonly entries: Readonly<Record<string, RenderCacheEntry>>;
  /**
   * unique id -> short hash of the compiled SQL last written to `target/compiled/`, so a warm
   * compile rewrites only changed files without reading the previous 50 MB manifest.json.
   */
  readonly compiled?: Readonly<Record<string, string>>;
  /**
   * Hash of everything the manifest is built from (every render key, schema/seed file hashes,
   * library, target). Equal fingerprints with nothing re-rendered mean manifest.json is current.
   */
  readonly fingerprint?: string;
}

export const RENDER_CACHE_VERSION = `5:${createHash('sha256').update(BUILTIN_MACRO_FILES.map((f) => f.contents).join('\u0000')).digest('hex').slice(0, 16)}`;

/** Macros and doc blocks of the project (parsed from macro and docs files). */
export interface Library {
  readonly macros: readonly MacroInfo[];
  readonly docs: Readonly<Record<string, DocBlock>>;
}

/** What decides whether a cached render is still valid. */
export interface RenderInputs {
  readonly varSignature: (name: string) => string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly targetHash: string;
  readonly macroHash: (uniqueName: string) => string | undefined;
}

/**
 * Key of one render: a hash of everything the template sees besides vars/env/target/macros
 * (those are checked value by value in isEntryValid).
 *
 * @example cacheKey(['<file hash>', 120, 0, renderNode]) // 'a3f1…' (40 hex chars)
 */
export function cacheKey(parts: readonly unknown[]): string {
  return hash('sha1', stableJson(parts));
}

/** Short content hash of compiled SQL (change detection only, not security). */
export function codeHash(text: string): string {
  return hash('sha1', text);
}

export function isEntryValid(e: RenderCacheEntry, key: string, inputs: RenderInputs): boolean {
  if (e.key !== key) return false;
  for (const [name, sig] of Object.entries(e.vars)) if (inputs.varSignature(name) !== sig) return false;
  for (const [name, val] of Object.entries(e.result.envRead)) if ((inputs.env[name] ?? null) !== val) return false;
  if (e.target !== null && e.target !== inputs.targetHash) return false;
  for (const [m, h] of Object.entries(e.macros)) if (inputs.macroHash(m) !== h) return false;
  return true;
}

export function makeEntry(key: string, result: RenderResult, inputs: RenderInputs): RenderCacheEntry {
  const vars: Record<string, string> = {};
  for (const name of Object.keys(result.varsRead)) vars[name] = inputs.varSignature(name);
  const macros: Record<string, string> = {};
  for (const m of result.macros) macros[m] = inputs.macroHash(m) ?? '';
  return { key, result, vars, target: result.readsTarget ? inputs.targetHash : null, macros };
}
