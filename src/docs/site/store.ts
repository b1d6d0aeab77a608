import type { DocsDetail, DocsIndex } from '../docs-data.js';
import { childrenOf } from '../neighbourhood.js';
import { loadScript } from './dom.js';

declare global {
  interface Window {
    __strataDocsIndex?: (d: DocsIndex) => void;
    __strataDocsShard?: (k: number, d: DocsDetail[]) => void;
  }
}

/** The loaded index plus lazily loaded detail shards. */
export class DocsStore {
  readonly children: number[][];
  readonly position: Map<string, number>;
  private readonly shards = new Map<number, Promise<DocsDetail[]>>();
  private readonly waiting = new Map<number, (d: DocsDetail[]) => void>();

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
