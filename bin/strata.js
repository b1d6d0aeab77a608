#!/usr/bin/env node
// Thin entry point: the CLI lives in dist/cli (built by `npm run build`, run by `npm install`).
import { announceFromArgv } from '../dist/cli/first-line.js';

// The first line before the CLI's modules load (see src/cli/first-line.ts).
const announced = announceFromArgv(process.argv);
const { main } = await import('../dist/cli/main.js');

// startedAt 0: "Done in" counts from process start, as the wall clock does.
main(process.argv, { startedAt: 0, announced }).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 3;
  },
);
