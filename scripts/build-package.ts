// Builds lib/, the compiled part of the npm package (npm run build:package; npm pack runs it): tsc
// compiles the command line and the library's entry points (tsconfig.package.json) to JavaScript with
// declarations, then the files tsc does not emit are copied beside them: the engine's and the CPU's
// WASM builds (with the engine's generated bindings) and the plain JavaScript Keystone worker.
// Declarations name their imports as the sources do (".ts"); they are rewritten to ".js", and every
// relative import of lib/ is checked to name a file that is there. Declarations that name WebAssembly's
// types reference lib/types/webassembly.d.ts, which declares them as empty interfaces: TypeScript
// declares WebAssembly only in its DOM library, and empty interfaces merge with that one where a
// project has it. Last, the embed is built into embed/ (web/build/embed-package.ts): the element for
// documentation sites, as plain ES modules a site serves as they are or takes in with its bundler.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildEmbedPackage } from '../web/build/embed-package.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const LIB = join(ROOT, 'lib');

/** Files copied as they are, from the tree into the same place under lib/. */
const COPIED = [
  'engine/build/engine.wasm', 'engine/build/engine.js', 'engine/build/engine.d.ts',
  'sandbox/wasm/build/cpu.wasm',
  'toolchain/keystone-core.js', 'toolchain/keystone-core.d.ts', 'toolchain/keystone-thread.mjs',
];

function fail(message: string): never {
  process.stderr.write(`build-package: ${message}\n`);
  process.exit(1);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/** Relative specifiers of imports and re-exports (static and `import()`). */
const RELATIVE_IMPORT = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]+)\2/g;

for (const file of COPIED) {
  if (!existsSync(join(ROOT, file))) fail(`${file} is missing: run "npm run build:engine && npm run build:cpu" first`);
}
rmSync(LIB, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.package.json')], { stdio: 'inherit' });
if (compiled.status !== 0) fail('tsc failed');

for (const file of COPIED) {
  mkdirSync(dirname(join(LIB, file)), { recursive: true });
  copyFileSync(join(ROOT, file), join(LIB, file));
}

const WEBASSEMBLY_TYPES = join(LIB, 'types', 'webassembly.d.ts');
mkdirSync(dirname(WEBASSEMBLY_TYPES), { recursive: true });
writeFileSync(WEBASSEMBLY_TYPES, `// The WebAssembly types this package's declarations name, for projects without the DOM library
// (where TypeScript declares them); empty interfaces merge with the DOM's where it is present.
declare namespace WebAssembly {
  interface Module {}
  interface Memory {}
}
`);

const files = filesUnder(LIB);
const present = new Set(files);
const missing: string[] = [];
for (const file of files) {
  if (!/\.(d\.ts|js|mjs)$/.test(file)) continue;
  const text = readFileSync(file, 'utf8');
  let rewritten = file.endsWith('.d.ts')
    ? text.replace(RELATIVE_IMPORT, (_, lead: string, quote: string, path: string) => `${lead}${quote}${path.replace(/\.ts$/, '.js')}${quote}`)
    : text;
  if (file.endsWith('.d.ts') && file !== WEBASSEMBLY_TYPES && /\bWebAssembly\./.test(rewritten)) {
    rewritten = `/// <reference path="${relative(dirname(file), WEBASSEMBLY_TYPES)}" />\n${rewritten}`;
  }
  if (rewritten !== text) writeFileSync(file, rewritten);
  for (const [, , , specifier] of rewritten.matchAll(RELATIVE_IMPORT)) {
    const target = join(dirname(file), specifier!);
    const found = present.has(target) || (file.endsWith('.d.ts') && present.has(target.replace(/\.js$/, '.d.ts')));
    if (!found) missing.push(`${relative(ROOT, file)} -> ${specifier}`);
  }
}
if (missing.length > 0) fail(`imports of lib/ that name no file:\n  ${missing.join('\n  ')}`);
const bytes = files.reduce((sum, file) => sum + readFileSync(file).length, 0);
process.stdout.write(`build-package: lib/ holds ${files.length} files, ${(bytes / 1024).toFixed(0)} KiB\n`);

const EMBED = join(ROOT, 'embed');
const embed = await buildEmbedPackage(EMBED);
const embedBytes = embed.files.reduce((sum, file) => sum + readFileSync(join(EMBED, file)).length, 0);
process.stdout.write(`build-package: embed/ holds ${embed.files.length} files, ${(embedBytes / 1024).toFixed(0)} KiB\n`);
