/** dbt-compatible Jinja rendering (Nunjucks-based). See README.md. */
export * from './types.js';
export { createRenderer } from './renderer.js';
export { Relation } from './relation.js';
