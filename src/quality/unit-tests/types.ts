/**
 * A compiled unit test (dbt 1.8 `unit_tests:`), as plain data on its manifest node
 * (`node.unit_test`). Produced at compile time by `compile.ts`, run by `run.ts`.
 */
import type { RelationRef } from '../../adapters/warehouse-adapter.js';

export type FixtureFormat = 'dict' | 'csv' | 'sql';

/** Rows of a `given` or `expect`: parsed rows (dict / csv) or a SQL query (sql). */
export interface Fixture {
  readonly format: FixtureFormat;
  /** dict and csv: the rows; csv values are strings (empty = NULL), cast to the column types. */
  readonly rows: readonly Readonly<Record<string, unknown>>[] | null;
  /** sql: a query returning the rows. */
  readonly sql: string | null;
  /** Where the fixture is declared (the YAML, or the fixture file). */
  readonly file: string;
  readonly line: number;
}

/** One input of the model under test, replaced by a CTE named `__dbt__cte__<cte>`. */
export interface UnitTestInput {
  /** As written: `ref('x')`, `source('s', 't')`, `this`. */
  readonly input: string;
  readonly cte: string;
  /** The real upstream relation (its column types type the rows), null for an ephemeral. */
  readonly relation: RelationRef | null;
  /** The upstream node's compiled SQL when it is ephemeral (its columns type the rows). */
  readonly ephemeralSql: string | null;
  /** The rows, or null for an input the test does not give (empty, typed like the upstream). */
  readonly fixture: Fixture | null;
}

export interface UnitTestSpec {
  /** unique_id of the model under test. */
  readonly model: string;
  /** The model rendered with the overrides, inputs pointing at the fixture CTEs (not injected yet). */
  readonly sql: string;
  readonly inputs: readonly UnitTestInput[];
  readonly expect: Fixture;
  readonly overrides: {
    readonly macros: Readonly<Record<string, unknown>>;
    readonly vars: Readonly<Record<string, unknown>>;
    readonly env_vars: Readonly<Record<string, unknown>>;
  };
}
