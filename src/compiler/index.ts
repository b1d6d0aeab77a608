export * from './types.js';
export * from './build-manifest.js';
export * from './compile-project.js';
export * from './artifacts.js';
export * from './node-config.js';
export { createRenderer } from './jinja/index.js';
