/** What the virtual catalog describes: one database, one schema of tables, one role. Plain data. */

export type CatalogColumnType =
  | 'text'
  | 'numeric'
  | 'bigint'
  | 'integer'
  | 'double precision'
  | 'boolean'
  | 'date'
  | 'timestamp without time zone'
  | 'timestamp with time zone';

export interface CatalogColumn {
  name: string;
  type: CatalogColumnType;
  /** '' for none (no pg_description row). */
  description: string;
}

export interface CatalogTable {
  name: string;
  description: string;
  columns: CatalogColumn[];
}

export interface CatalogSurface {
  /** current_database(), pg_database's one row. */
  database: string;
  /** The schema every table is in (also the search path after pg_catalog). */
  schema: string;
  /** The one role: current_user, the owner of every object. */
  user: string;
  /** server_version, e.g. '15.0'; version() reports it. */
  serverVersion: string;
  tables: CatalogTable[];
  /** Extra or overriding run-time settings (pg_settings, current_setting, SHOW). */
  settings: Record<string, string>;
}

/** The type oid of each surface column type. */
export const SURFACE_TYPE_OID: Readonly<Record<CatalogColumnType, number>> = Object.freeze({
  text: 25,
  numeric: 1700,
  bigint: 20,
  integer: 23,
  'double precision': 701,
  boolean: 16,
  date: 1082,
  'timestamp without time zone': 1114,
  'timestamp with time zone': 1184,
});
