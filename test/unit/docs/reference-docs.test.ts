import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The reference pages under docs/ must not go stale silently: every relative link resolves to a
// file of the repository, and every STRATA_* variable the code reads is documented.
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const DOCS = path.join(REPO, 'docs');

function markdownFiles(): string[] {
  const pages = readdirSync(DOCS)
    .filter((f) => f.endsWith('.md'))
    .map((f) => path.join(DOCS, f));
  return [path.join(REPO, 'README.md'), ...pages];
}

/** Relative link targets of a Markdown text (`file` or `file#anchor`); URLs, code spans and blocks skipped. */
export function relativeLinks(markdown: string): { file: string; anchor?: string }[] {
  const text = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  const out: { file: string; anchor?: string }[] = [];
  for (const m of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = m[1]!;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
    const [file, anchor] = target.split('#');
    out.push({ file: decodeURIComponent(file!), ...(anchor ? { anchor } : {}) });
  }
  return out;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
export function headingAnchors(markdown: string): Set<string> {
  const text = markdown.replace(/```[\s\S]*?```/g, '');
  const out = new Set<string>();
  for (const m of text.matchAll(/^#{1,6}\s+(.+?)\s*$/gm)) {
    out.add(m[1]!.toLowerCase().replace(/[^a-z0-9 _-]/g, '').replace(/ /g, '-'));
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const p = path.join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|js|mjs)$/.test(entry)) out.push(p);
  }
  return out;
}

describe('reference docs', () => {
  it('finds links in Markdown, ignoring URLs, anchors and code', () => {
    expect(relativeLinks('[a](docs/x.md#y) [b](https://e.com) [c](#top) `[d](no.md)`\n```\n[e](no2.md)\n```')).toEqual([{ file: 'docs/x.md', anchor: 'y' }]);
    expect([...headingAnchors('## The CLI: `strata query`\n### Audit (write-audit-publish)\n')]).toEqual(['the-cli-strata-query', 'audit-write-audit-publish']);
  });

  it('has the index and every reference page', () => {
    for (const page of ['README.md', 'project-format.md', 'semantic-yaml.md', 'query-json.md', 'feature-yaml.md', 'environment.md', 'exit-codes.md', 'commands.md']) {
      expect(existsSync(path.join(DOCS, page)), `docs/${page}`).toBe(true);
    }
  });

  it('every relative link in README.md and docs/*.md resolves to a file in the repository (and heading)', () => {
    const broken: string[] = [];
    for (const file of markdownFiles()) {
      for (const link of relativeLinks(readFileSync(file, 'utf8'))) {
        const target = path.resolve(path.dirname(file), link.file);
        const inside = target === REPO || target.startsWith(REPO + path.sep);
        const shown = `${path.relative(REPO, file)} -> ${link.file}${link.anchor ? `#${link.anchor}` : ''}`;
        if (!inside || !existsSync(target)) broken.push(shown);
        else if (link.anchor && target.endsWith('.md') && !headingAnchors(readFileSync(target, 'utf8')).has(link.anchor)) broken.push(shown);
      }
    }
    expect(broken).toEqual([]);
  });

  it('every STRATA_* variable read in src/ and bin/ is documented in docs/environment.md', () => {
    const used = new Set<string>();
    for (const file of [...sourceFiles(path.join(REPO, 'src')), ...sourceFiles(path.join(REPO, 'bin'))]) {
      for (const m of readFileSync(file, 'utf8').matchAll(/STRATA_[A-Z0-9_]+/g)) used.add(m[0]);
    }
    expect(used.size).toBeGreaterThan(0);
    const page = readFileSync(path.join(DOCS, 'environment.md'), 'utf8');
    const documented = new Set([...page.matchAll(/`(STRATA_[A-Z0-9_]+)`/g)].map((m) => m[1]!));
    expect([...used].filter((v) => !documented.has(v)).sort()).toEqual([]);
  });
});
