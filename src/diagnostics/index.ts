export * from './diagnostic.js';
export * from './closest-match.js';
export * from './code-frame.js';
export * from './warn-error.js';
