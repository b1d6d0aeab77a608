/**
 * The value of `ref(...)`, `source(...)` and `this` in templates. Prints as the placeholder the
 * manifest builder later replaces with the quoted relation name; attributes come from
 * RendererOptions.relationFor (or defaults). A relation with a `limit` (dbt's `--empty` gives
 * ref() and source() limit 0) prints as a subquery reading at most that many rows, aliased
 * `_dbt_limit_subq_<identifier>` as dbt-adapters does, so the query keeps its columns and types.
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
  /** Rows the relation reads when printed (null: all; 0: `--empty`). */
  readonly limit: number | null;

  constructor(target: RelationTarget, info: RelationInfo, type: string | null = null, limit: number | null = null) {
    this.target = target;
    this.database = info.database;
    this.schema = info.schema;
    this.identifier = info.identifier;
    this.type = type;
    this.limit = limit;
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

  get is_materialized_view(): boolean {
    return this.type === 'materialized_view';
  }

  /** Ephemeral models print as CTE names only after placeholders are resolved: never a CTE here. */
  get is_cte(): boolean {
    return false;
  }

  /** dbt relations are mappings; packages test `obj.get('metadata', {}).get('type')` to recognise one. */
  get metadata(): Record<string, unknown> {
    return { type: 'PostgresRelation' };
  }

  get path(): Record<string, unknown> {
    return { database: this.database, schema: this.schema, identifier: this.identifier };
  }

  get(key: unknown, fallback: unknown = null): unknown {
    switch (String(key)) {
      case 'metadata':
        return this.metadata;
      case 'path':
        return this.path;
      case 'database':
      case 'schema':
      case 'identifier':
        return this[String(key) as 'database' | 'schema' | 'identifier'];
      case 'type':
        return this.type;
      default:
        return fallback;
    }
  }

  without_identifier(): Relation {
    return new Relation({ kind: 'literal' }, { database: this.database, schema: this.schema, identifier: '' }, this.type, this.limit);
  }

  render(): string {
    return this.toString();
  }

  toString(): string {
    const name = this.renderName();
    if (this.limit === null) return name;
    const bare = `_dbt_limit_subq_${this.identifier}`;
    const alias = /^[a-z_][a-z0-9_$]*$/.test(bare) ? bare : quoteIdent(bare);
    if (this.limit === 0) return `(select * from ${name} where false limit 0) ${alias}`;
    return `(select * from ${name} limit ${this.limit}) ${alias}`;
  }

  private renderName(): string {
    const t = this.target;
    if (t.kind === 'ref') return refPlaceholder(t.name, t.package);
    if (t.kind === 'source') return sourcePlaceholder(t.source, t.table);
    const parts = [this.database, this.schema, this.identifier].filter((p) => p !== '');
    return parts.map(quoteIdent).join('.');
  }

  /**
   * `include(database=False)`: a literal relation prints without the excluded parts; a
   * ref/source placeholder always resolves fully qualified (valid on PostgreSQL).
   */
  include(...raw: unknown[]): Relation {
    if (this.target.kind !== 'literal') return this;
    const c = splitArgs(raw);
    const keep = (k: 'database' | 'schema' | 'identifier', i: number): string => (arg(c, i, k, true) === false ? '' : this[k]);
    return new Relation({ kind: 'literal' }, { database: keep('database', 0), schema: keep('schema', 1), identifier: keep('identifier', 2) }, this.type, this.limit);
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
        if (!(k in path)) continue;
        const v = path[k] === null || path[k] === undefined ? '' : String(path[k]);
        if (v !== info[k]) {
          next[k] = v;
          changed = true;
        }
      }
      return new Relation(changed ? { kind: 'literal' } : this.target, next, typeof type === 'string' ? type : null, this.limit);
    }
    return new Relation(this.target, info, typeof type === 'string' ? type : null, this.limit);
  }
}
