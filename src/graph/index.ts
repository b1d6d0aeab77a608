export * from './project-graph.js';
export * from './selector.js';
export * from './select.js';
export * from './state.js';
export * from './defer.js';
export * from './test-edges.js';
export * from './selectors-file.js';
export * from './state-artifacts.js';
