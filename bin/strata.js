#!/usr/bin/env node
// Thin entry point: the CLI lives in dist/cli (built by `npm run build`, run by `npm install`).
import { main } from '../dist/cli/main.js';

// startedAt 0: "Done in" counts from process start, as the wall clock does.
main(process.argv, { startedAt: 0 }).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 3;
  },
);
