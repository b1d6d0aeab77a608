/**
 * Query results as dbt templates see them: agate-like tables (`run_query(...)`,
 * `load_result(name).table`) whose rows and columns answer both by position and by name, and
 * dbt's `Column` (`api.Column`, `adapter.get_columns_in_relation`).
 */
import { PyDatetime } from './datetime.js';
import type { QueryTable } from './types.js';

/** Positional and named access at once (agate's MappedSequence): `cols[0]`, `cols['id']`, `.items()`. */
export class MappedSequence<T> {
  readonly #values: readonly T[];
  readonly #keys: readonly string[];
  [key: string]: unknown;
  constructor(values: readonly T[], keys: readonly string[]) {
    this.#values = values;
    this.#keys = keys;
    values.forEach((v, i) => {
      this[String(i)] = v;
      const k = keys[i];
      if (k !== undefined && !(k in MappedSequence.prototype) && this[k] === undefined) this[k] = v;
    });
  }
  get length(): number {
    return this.#values.length;
  }
  keys(): string[] {
    return [...this.#keys];
  }
  values(): T[] {
    return [...this.#values];
  }
  items(): [string, T][] {
    return this.#keys.map((k, i) => [k, this.#values[i] as T]);
  }
  get(key: unknown, fallback: unknown = null): unknown {
    const i = typeof key === 'number' ? key : this.#keys.indexOf(String(key));
    return i >= 0 && i < this.#values.length ? this.#values[i] : fallback;
  }
  dict(): Record<string, T> {
    return Object.fromEntries(this.items());
  }
  [Symbol.iterator](): Iterator<T> {
    return this.#values[Symbol.iterator]();
  }
  toString(): string {
    return `<agate.${this.constructor.name}: (${this.#values.map(String).join(', ')})>`;
  }
}

/** One result row. */
export class AgateRow extends MappedSequence<unknown> {}

/** One result column: `.name`, `.values()`, `.data_type`. */
export class AgateColumn {
  readonly name: string;
  readonly data_type: string;
  readonly #data: readonly unknown[];
  constructor(name: string, dataType: string, data: readonly unknown[]) {
    this.name = name;
    this.data_type = dataType;
    this.#data = data;
  }
  values(): unknown[] {
    return [...this.#data];
  }
  values_distinct(): unknown[] {
    return [...new Set(this.#data)];
  }
  values_without_nulls(): unknown[] {
    return this.#data.filter((v) => v !== null && v !== undefined);
  }
}

/** An agate-like table. */
export class AgateTable {
  readonly rows: AgateRow[];
  readonly columns: MappedSequence<AgateColumn>;
  readonly column_names: string[];
  readonly column_types: string[];
  constructor(result: QueryTable) {
    const names = result.columns.map((c) => c.name);
    this.column_names = names;
    this.column_types = result.columns.map((c) => typeLabel(c.typeId));
    const data = result.rows.map((r) => r.map((v, i) => templateValue(v, result.columns[i]?.typeId ?? 0)));
    this.rows = data.map((r) => new AgateRow(r, names));
    this.columns = new MappedSequence(
      names.map((n, i) => new AgateColumn(n, this.column_types[i] ?? 'Text', data.map((r) => r[i]))),
      names,
    );
  }
  get length(): number {
    return this.rows.length;
  }
  print_table(): string {
    return '';
  }
  [Symbol.iterator](): Iterator<AgateRow> {
    return this.rows[Symbol.iterator]();
  }
}

const NUMBER_TYPES = new Set([20, 21, 23, 26, 700, 701, 1700]);

function typeLabel(oid: number): string {
  if (NUMBER_TYPES.has(oid)) return 'Number';
  if (oid === 16) return 'Boolean';
  if (oid === 1082) return 'Date';
  if (oid === 1114 || oid === 1184) return 'DateTime';
  return 'Text';
}

/** Driver values as Python would hand them to templates (numbers, datetimes). */
export function templateValue(v: unknown, oid: number): unknown {
  if (v === null || v === undefined) return null;
  if (NUMBER_TYPES.has(oid) && typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return new PyDatetime(v, oid === 1082);
  if (oid === 1082 && typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)) return new PyDatetime(new Date(`${v}T00:00:00Z`), true);
  return v;
}

const STRING_TYPES = new Set(['text', 'character varying', 'character', 'varchar', 'char', 'string']);
const INTEGER_TYPES = new Set(['smallint', 'integer', 'bigint', 'smallserial', 'serial', 'bigserial', 'int2', 'int4', 'int8', 'int']);
const FLOAT_TYPES = new Set(['real', 'float4', 'float', 'double precision', 'float8', 'double']);
const NUMERIC_TYPES = new Set(['numeric', 'decimal']);
const TYPE_LABELS: Record<string, string> = { STRING: 'TEXT' };

/**
 * dbt's Column for PostgreSQL.
 *
 * @example new Column('name', 'character varying', 80).data_type // 'character varying(80)'
 */
export class Column {
  readonly column: string;
  readonly dtype: string;
  readonly char_size: number | null;
  readonly numeric_precision: number | null;
  readonly numeric_scale: number | null;
  constructor(column: string, dtype: string, charSize: number | null = null, precision: number | null = null, scale: number | null = null) {
    this.column = column;
    this.dtype = dtype;
    this.char_size = charSize;
    this.numeric_precision = precision;
    this.numeric_scale = scale;
  }
  static translate_type(dtype: unknown): string {
    const s = String(dtype);
    return TYPE_LABELS[s.toUpperCase()] ?? s;
  }
  static create(name: unknown, labelOrDtype: unknown): Column {
    return new Column(String(name), Column.translate_type(labelOrDtype));
  }
  static string_type(size: unknown): string {
    return `character varying(${String(size)})`;
  }
  static numeric_type(dtype: unknown, precision: unknown, scale: unknown): string {
    if (precision === null || precision === undefined || scale === null || scale === undefined) return String(dtype);
    return `${String(dtype)}(${String(precision)},${String(scale)})`;
  }
  get name(): string {
    return this.column;
  }
  get quoted(): string {
    return `"${this.column.replace(/"/g, '""')}"`;
  }
  get data_type(): string {
    if (this.is_string()) {
      // PostgreSQL keeps text and unbounded varchar as they are
      const t = this.dtype.toLowerCase();
      if (t === 'text' || (t === 'character varying' && this.char_size === null)) return this.dtype;
      return Column.string_type(this.string_size());
    }
    if (this.is_numeric()) return Column.numeric_type(this.dtype, this.numeric_precision, this.numeric_scale);
    return this.dtype;
  }
  is_string(): boolean {
    return STRING_TYPES.has(this.dtype.toLowerCase());
  }
  is_integer(): boolean {
    return INTEGER_TYPES.has(this.dtype.toLowerCase());
  }
  is_float(): boolean {
    return FLOAT_TYPES.has(this.dtype.toLowerCase());
  }
  is_numeric(): boolean {
    return NUMERIC_TYPES.has(this.dtype.toLowerCase());
  }
  is_number(): boolean {
    return this.is_integer() || this.is_float() || this.is_numeric();
  }
  string_size(): number {
    if (!this.is_string()) throw new Error(`Called string_size() on non-string field ${this.column}`);
    return this.char_size ?? 256;
  }
  can_expand_to(other: Column): boolean {
    if (!this.is_string() || !other.is_string()) return false;
    return other.string_size() > this.string_size();
  }
  literal(value: unknown): string {
    return `${String(value)}::${this.data_type}`;
  }
  toString(): string {
    return `<Column ${this.column} (${this.data_type})>`;
  }
}
