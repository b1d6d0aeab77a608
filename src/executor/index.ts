export * from './dag-runner.js';
export * from './run-node.js';
export * from './run-project.js';
export * from './run-artifacts.js';
export * from './execute-plan.js';
export * from './stop-on-abort.js';
