/**
 * The value of `ref(...)`, `source(...)` and `this` in templates. Prints as the placeholder the
 * manifest builder later replaces with the quoted relation name; attributes come from
 * RendererOptions.relationFor (or defaults).
 */
import { splitArgs, arg } from './call-args.js';
import { isPlainObject } from './python-methods.js';
import { refPlaceholder, sourcePlaceholder, type RelationInfo } from './types.js';

export type RelationTarget =
  | { readonly kind: 'ref'; readonly name: string; readonly package: string | null }
  | { readonly kind: 'source'; readonly source: string; readonly table: string }
  | { readonly kind: 'literal' };

function quoteIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

/**
 * A relation as templates see it.
 *
 * @example
 * String(new Relation({ kind: 'ref', name: 'orders', package: null }, info)) // '\u0000ref\u0001\u0001orders\u0000'
 */
export class Relation {
  readonly target: RelationTarget;
  readonly database: string;
  readonly schema: string;
  readonly identifier: string;
  readonly type: string | null;

  constructor(target: RelationTarget, info: RelationInfo, type: string | null = null) {
    this.target = target;
    this.database = info.database;
    this.schema = info.schema;
    this.identifier = info.identifier;
    this.type = type;
  }

  get name(): string {
    return this.identifier;
  }

  get table(): string {
    return this.identifier;
  }

  get is_table(): boolean {
    return this.type === 'table';
  }

  get is_view(): boolean {
    return this.type === 'view';
  }

  render(): string {
    return this.toString();
  }

  toString(): string {
    const t = this.target;
    if (t.kind === 'ref') return refPlaceholder(t.name, t.package);
    if (t.kind === 'source') return sourcePlaceholder(t.source, t.table);
    const parts = [this.database, this.schema, this.identifier].filter((p) => p !== '');
    return parts.map(quoteIdent).join('.');
  }

  /** Placeholders always render fully qualified; include() keeps the same relation. */
  include(): Relation {
    return this;
  }

  quote(): Relation {
    return this;
  }

  /** `incorporate(path={'identifier': x}, type='table')`; a changed path makes a literal relation. */
  incorporate(...raw: unknown[]): Relation {
    const c = splitArgs(raw);
    const path = arg(c, 0, 'path', undefined);
    const type = arg(c, 1, 'type', this.type);
    const info: RelationInfo = {
      database: this.database,
      schema: this.schema,
      identifier: this.identifier,
    };
    let changed = false;
    if (isPlainObject(path)) {
      const next = { ...info };
      for (const k of ['database', 'schema', 'identifier'] as const) {
        const v = path[k];
        if (typeof v === 'string' && v !== info[k]) {
          next[k] = v;
          changed = true;
        }
      }
      return new Relation(changed ? { kind: 'literal' } : this.target, next, typeof type === 'string' ? type : null);
    }
    return new Relation(this.target, info, typeof type === 'string' ? type : null);
  }
}
