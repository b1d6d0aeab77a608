import type { Command } from 'commander';
import type { Reporter } from '../reporter.js';
import { registerExecute } from './execute.js';

/**
 * `strata test`: runs the selected tests (generic, singular, data-quality, drift) against what
 * is built, and dbt unit tests (`-s test_type:unit`, `-s <unit test>`, `-s <model>` brings its
 * unit tests); exit 1 when an error-severity test or a unit test fails.
 *
 * @example strata test --select orders --junit-xml target/junit.xml
 */
export function registerTest(program: Command, run: (r: Reporter, f: () => Promise<number>) => Promise<number>): void {
  registerExecute(program, run, 'test', 'run the selected tests and unit tests (exit 1 when an error-severity test fails)', ['test', 'unit_test']);
}
