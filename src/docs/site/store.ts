import type { DocsDetail, DocsIndex, SearchIndex } from '../docs-data.js';
import { childrenOf } from '../neighbourhood.js';
import { loadScript } from './dom.js';

declare global {
  interface Window {
    __strataDocsIndex?: (d: DocsIndex) => void;
    __strataDocsShard?: (k: number, d: DocsDetail[]) => void;
    __strataDocsSearch?: (d: SearchIndex) => void;
  }
}

/** The loaded index plus lazily loaded detail shards. */
export class DocsStore {
  readonly children: number[][];
  readonly position: Map<string, number>;
  private readonly shards = new Map<number, Promise<DocsDetail[]>>();
  private readonly waiting = new Map<number, (d: DocsDetail[]) => void>();
  private searchIndex: Promise<SearchIndex | null> | null = null;
  /** The full-text index once loaded (null before; names are searched meanwhile). */
  search: SearchIndex | null = null;

  constructor(readonly index: DocsIndex) {
    this.children = childrenOf(index.parents);
    this.position = new Map(index.ids.map((id, i) => [id, i]));
    window.__strataDocsShard = (k, d) => this.waiting.get(k)?.(d);
  }

  /** Loads `data/index.js` and resolves to the store. */
  static async load(): Promise<DocsStore> {
    const index = await new Promise<DocsIndex>((resolve, reject) => {
      window.__strataDocsIndex = resolve;
      loadScript('data/index.js').catch(reject);
    });
    return new DocsStore(index);
  }

  /**
   * Loads `data/search.js` (once). The site is usable before it arrives: the search box matches
   * names until then. Resolves to null when the file is missing (an older generated site).
   */
  loadSearch(): Promise<SearchIndex | null> {
    this.searchIndex ??= new Promise<SearchIndex | null>((resolve) => {
      window.__strataDocsSearch = (d) => resolve((this.search = d));
      loadScript('data/search.js').catch(() => resolve(null));
    });
    return this.searchIndex;
  }

  /** Details of node i (loads its shard on first use). */
  async detail(i: number): Promise<DocsDetail> {
    const k = Math.floor(i / this.index.shardSize);
    let p = this.shards.get(k);
    if (!p) {
      p = new Promise<DocsDetail[]>((resolve, reject) => {
        this.waiting.set(k, resolve);
        loadScript(`data/nodes-${k}.js`).catch(reject);
      });
      this.shards.set(k, p);
    }
    return (await p)[i % this.index.shardSize]!;
  }
}
