export * from './infer-types.js';
export * from './seed-sql.js';
export * from './load-seed.js';
