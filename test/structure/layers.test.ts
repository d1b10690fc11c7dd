// The import graph keeps to the stack: core/ and isa/ at the bottom, then sandbox/, engine/,
// toolchain/, the programs (cli/, web/, bin/), harness/ and the example data, and the commands
// over them (test/, bench/, scripts/). A file may import from its own level or below, never above;
// and code that runs in the page never imports Node's built-in modules.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Each top-level folder (or root file) and its level; a folder missing here fails the check. */
const LEVELS: Record<string, number> = {
  'core': 0, 'isa': 0, 'types': 0,
  'sandbox': 1,
  'engine': 2,
  'toolchain': 3,
  'cli': 4, 'web': 4, 'bin': 4,
  'harness': 5, 'examples': 5,
  'test': 6, 'bench': 6, 'scripts': 6, 'vite.config.ts': 6,
};
/** Commands over harness/: none of them imports another's helpers. */
const COMMANDS = new Set(['test', 'bench', 'scripts']);

/** Folders of build output and installed packages, not source. */
const SKIPPED = new Set(['node_modules', 'dist', 'lib', 'embed', '.git', 'engine/build', 'sandbox/wasm/build', 'harness/corpus/build',
  'test-results', '.scratch']);
/** Where the page's scripts start: everything they reach runs in a browser. */
const BROWSER_ROOTS = ['web/src', 'web/docs', 'web/embed'];
/** Packages that only work in Node (besides its built-in modules). */
const NODE_ONLY_PACKAGES = new Set(['koffi']);

const CODE = /\.(ts|js|mjs)$/;
/** What an import links in: code, and the WASM modules built from it. */
const LINKED = /\.(ts|js|mjs|wasm)$/;

interface Edge { from: string; to: string }

/**
 * Every module a file names: static and type-only imports, re-exports, `import()` calls and types,
 * and `new URL(..., import.meta.url)` (workers, WASM files).
 */
function importSpecifiers(text: string, fileName = 'file.ts'): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument && ts.isStringLiteralLike(argument)) found.push(argument.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push(node.argument.literal.text);
    } else if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'URL') {
      const [url, base] = node.arguments ?? [];
      if (url && ts.isStringLiteralLike(url) && base?.getText(source) === 'import.meta.url') found.push(url.text);
    }
    ts.forEachChild(node, visit);
  };
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  visit(source);
  return found;
}

/**
 * The repository path a relative specifier names: the file itself if it exists, else with `.ts`
 * added (AssemblyScript imports name no extension) or in place of `.js`.
 */
function resolveRelative(from: string, specifier: string, exists: (path: string) => boolean): string {
  const bare = specifier.replace(/[?#].*$/, '');
  const target = join(dirname(from), bare).split(sep).join('/');
  for (const candidate of [target, `${target}.ts`, target.replace(/\.js$/, '.ts'), `${target}/index.ts`]) {
    if (exists(candidate)) return candidate;
  }
  return target;
}

function levelOf(path: string): { folder: string; level: number | undefined } {
  const folder = path.includes('/') ? path.slice(0, path.indexOf('/')) : path;
  return { folder, level: LEVELS[folder] };
}

/** Edges that go up the stack, or across from one command folder to another; and files with no level. */
function backEdges(edges: readonly Edge[]): string[] {
  const problems: string[] = [];
  for (const { from, to } of edges) {
    const source = levelOf(from);
    const target = levelOf(to);
    if (source.level === undefined) problems.push(`${from}: folder ${source.folder}/ has no level`);
    else if (target.level === undefined) problems.push(`${from} -> ${to}: folder ${target.folder}/ has no level`);
    else if (target.level > source.level) problems.push(`${from} -> ${to}`);
    else if (COMMANDS.has(source.folder) && COMMANDS.has(target.folder) && source.folder !== target.folder) {
      problems.push(`${from} -> ${to}`);
    }
  }
  return [...new Set(problems)];
}

/** The Node-only imports of every file the roots reach through relative imports, as "file -> module". */
interface FileImports { relative: string[]; other: string[] }

function nodeImportsReached(roots: readonly string[], imports: ReadonlyMap<string, FileImports>): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const entry = imports.get(file);
    if (!entry) continue;
    for (const specifier of entry.other) if (isNodeOnly(specifier)) problems.push(`${file} -> ${specifier}`);
    queue.push(...entry.relative);
  }
  return problems;
}

function isNodeOnly(specifier: string): boolean {
  return specifier.startsWith('node:') || builtinModules.includes(specifier) || NODE_ONLY_PACKAGES.has(specifier.split('/')[0]!);
}

function sourceFiles(dir = ''): string[] {
  const files: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const path = dir ? `${dir}/${name}` : name;
    if (SKIPPED.has(name) || SKIPPED.has(path)) continue;
    if (statSync(join(ROOT, path)).isDirectory()) files.push(...sourceFiles(path));
    else if (CODE.test(name)) files.push(path);
  }
  return files;
}

function repositoryGraph() {
  const exists = (path: string) => existsSync(join(ROOT, path)) && statSync(join(ROOT, path)).isFile();
  const files = sourceFiles();
  const imports = new Map<string, FileImports>();
  const edges: Edge[] = [];
  for (const file of files) {
    const entry: FileImports = { relative: [], other: [] };
    for (const specifier of importSpecifiers(readFileSync(join(ROOT, file), 'utf8'), file)) {
      if (!specifier.startsWith('.')) { entry.other.push(specifier); continue; }
      const to = resolveRelative(file, specifier, exists);
      if (!LINKED.test(to)) continue; // data: JSON, assembly source, a folder of examples
      entry.relative.push(to);
      edges.push({ from: file, to });
    }
    imports.set(file, entry);
  }
  return { files, imports, edges };
}

describe('the layer check', () => {
  it('finds imports in every form a file can take them', () => {
    const text = [
      "import { a } from '../core/a.ts';",
      "import type { B } from '../core/b.ts';",
      "export { c } from './c.ts';",
      "import './side-effect.ts';",
      "const d = await import('../engine/d.ts');",
      "const e = new URL('./build/e.wasm', import.meta.url);",
      "import {\n  f,\n  g,\n} from '../core/fg';",
      "// import { h } from '../cli/h.ts';",
      "import { readFile } from 'node:fs/promises';",
      "let fs: typeof import('node:fs') | undefined;",
      "const glob = '../examples/*/**/*.s'; /* import { i } from '../cli/i.ts'; */",
    ].join('\n');
    expect(importSpecifiers(text)).toEqual(['../core/a.ts', '../core/b.ts', './c.ts', './side-effect.ts', '../engine/d.ts',
      './build/e.wasm', '../core/fg', 'node:fs/promises', 'node:fs']);
  });

  it('resolves a specifier to the file it names', () => {
    const files = new Set(['isa/x64/decoder.ts', 'engine/build/engine.js', 'web/src/lab/lab-worker.ts']);
    const exists = (path: string) => files.has(path);
    expect(resolveRelative('sandbox/wasm/assembly/x64/lower.ts', '../../../../isa/x64/decoder', exists))
      .toBe('isa/x64/decoder.ts');
    expect(resolveRelative('engine/host/engine.ts', '../build/engine.js', exists)).toBe('engine/build/engine.js');
    expect(resolveRelative('web/src/lab/lab-session.ts', './lab-worker.ts?worker', exists)).toBe('web/src/lab/lab-worker.ts');
    expect(resolveRelative('web/src/app.ts', '../../core/gone.ts', exists)).toBe('core/gone.ts');
  });

  it('fails on an edge up the stack, across commands, or into a folder with no level', () => {
    const edges: Edge[] = [
      { from: 'engine/host/a.ts', to: 'core/arch.ts' },
      { from: 'sandbox/process.ts', to: 'toolchain/patch.ts' },
      { from: 'core/hex.ts', to: 'sandbox/sandbox.ts' },
      { from: 'bench/run.ts', to: 'harness/corpus/corpus.ts' },
      { from: 'bench/run.ts', to: 'test/helpers.ts' },
      { from: 'web/src/app.ts', to: 'cli/run.ts' },
      { from: 'newfolder/x.ts', to: 'core/arch.ts' },
    ];
    expect(backEdges(edges)).toEqual(['sandbox/process.ts -> toolchain/patch.ts', 'core/hex.ts -> sandbox/sandbox.ts',
      'bench/run.ts -> test/helpers.ts', 'newfolder/x.ts: folder newfolder/ has no level']);
  });

  it('fails on a Node module anywhere page code reaches', () => {
    const imports = new Map([
      ['web/src/main.ts', { relative: ['core/a.ts'], other: ['monaco-editor'] }],
      ['core/a.ts', { relative: ['toolchain/b.ts'], other: [] }],
      ['toolchain/b.ts', { relative: [], other: ['node:fs', 'path'] }],
      ['cli/run.ts', { relative: [], other: ['node:util', 'koffi'] }],
    ]);
    expect(nodeImportsReached(['web/src/main.ts'], imports)).toEqual(['toolchain/b.ts -> node:fs', 'toolchain/b.ts -> path']);
    expect(nodeImportsReached(['cli/run.ts'], imports)).toEqual(['cli/run.ts -> node:util', 'cli/run.ts -> koffi']);
  });
});

describe('the repository', () => {
  const { files, imports, edges } = repositoryGraph();

  it('is read whole', () => {
    for (const folder of ['core', 'isa', 'sandbox', 'engine', 'toolchain', 'cli', 'web', 'harness', 'test', 'bench', 'scripts']) {
      expect(files.some((file) => file.startsWith(`${folder}/`)), folder).toBe(true);
    }
    expect(edges.length).toBeGreaterThan(500);
  });

  it('has no import up the stack', () => {
    expect(backEdges(edges)).toEqual([]);
  });

  it('keeps Node modules out of code the page runs', () => {
    const roots = files.filter((file) => BROWSER_ROOTS.some((root) => file.startsWith(`${root}/`)));
    expect(roots.length).toBeGreaterThan(40);
    expect(nodeImportsReached(roots, imports)).toEqual([]);
  });
});

