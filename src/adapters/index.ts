export * from './warehouse-adapter.js';
export * from './open-adapter.js';
