#!/usr/bin/env node
// Thin entry point: the CLI lives in dist/cli (built by `npm run build`, run by `npm install`).
import { main } from '../dist/cli/main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 3;
  },
);
