// Copies non-TypeScript assets of src/ (the built-in macro libraries) into dist/ after tsc.
import { cpSync, rmSync } from 'node:fs';

rmSync('dist/compiler/jinja/macros', { recursive: true, force: true });
cpSync('src/compiler/jinja/macros', 'dist/compiler/jinja/macros', { recursive: true });
