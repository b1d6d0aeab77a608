export * from './warehouse-adapter.js';
export * from './open-adapter.js';
export * from './database-error.js';
export { toBlobCopy } from './pglite-adapter.js';
export * from './statement-events.js';
