export * from './types.js';
export * from './query.js';
export * from './load.js';
export * from './plan-query.js';
export { initSqlParser, checkSql, qualifyColumns } from './sql-parser.js';
export { computeJoinPaths } from './join-paths.js';
export * from './from-project.js';
export * from './result.js';
