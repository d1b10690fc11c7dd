#!/usr/bin/env node
// Command-line entry point. In a clone of the repository it runs the TypeScript sources through tsx;
// in the installed package (which has no sources), their compiled copy in lib/ (npm run build:package).
import { existsSync } from 'node:fs';

const sources = new URL('../cli/main.ts', import.meta.url);
// The compiled copy's path is a variable: lib/ is build output, outside the layers of the source tree.
const compiled = '../lib/cli/main.js';
let main;
if (existsSync(sources)) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(sources.href));
} else {
  ({ main } = await import(new URL(compiled, import.meta.url).href));
}
process.exitCode = await main(process.argv.slice(2));
