// The documentation names real things: every relative link in README.md and docs/*.md reaches a
// file (and a heading, when it names one), every repository path written in code spans or in a
// code sample's imports exists, every file name written alone is a file somewhere in the tree,
// every `npm run` script is in package.json, and the README links every chapter of docs/.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KNOWN_DIFFERENCES } from '../../harness/oracles/x64-known-differences.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Build output: the documentation may name it, a checkout need not hold it. */
const GENERATED = ['engine/build', 'sandbox/wasm/build', 'dist', 'harness/corpus/build', 'test-results', 'lib', 'embed'];
/** File names of build output, written alone. */
const GENERATED_NAMES = new Set(['engine.wasm', 'cpu.wasm']);
/** Not part of the tree the documentation describes. */
const SKIPPED_DIRS = new Set(['node_modules', '.git', '.scratch', ...GENERATED]);
/** Paths inside the page's build, as a browser asks for them (not repository paths). */
const BUILD_URL_PATHS = new Set(['embed/hotpatch-demo.js']);
/** Package names that read like file names. */
const PACKAGE_NAMES = new Set(['unicorn.js']);

/** What a check sees of the repository. */
interface Tree {
  /** True when `path` (relative to the root, '/'-separated, no trailing slash) exists. */
  exists(path: string): boolean;
  /** Every file name in the tree. */
  names: ReadonlySet<string>;
  /** Text of a file in the tree. */
  read(path: string): string;
  scripts: ReadonlySet<string>;
}

/** A document's text with its fenced code blocks taken out, and the blocks themselves. */
function split(text: string): { prose: string; blocks: string[] } {
  const blocks: string[] = [];
  const prose = text.replace(/^```[^\n]*\n([\s\S]*?)^```[ \t]*$/gm, (_match, body: string) => {
    blocks.push(body);
    return '';
  });
  return { prose, blocks };
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/`/g, '').replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

function headings(text: string): Set<string> {
  const { prose } = split(text);
  return new Set([...prose.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => slug(m[1]!)));
}

/** `a/b/c/` -> `a/b/c`; `./a` -> `a`. */
function normal(path: string): string {
  return posix.normalize(path).replace(/\/$/, '').replace(/^\.\//, '');
}

function isGenerated(path: string): boolean {
  return GENERATED.some((g) => path === g || path.startsWith(`${g}/`));
}

/** Every problem in one document (`file` is its path from the root), as "file: problem". */
function problems(file: string, text: string, tree: Tree): string[] {
  const found: string[] = [];
  const { prose, blocks } = split(text);
  const here = posix.dirname(file);

  // Links: [text](target), relative ones only.
  for (const [, target] of prose.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/i.test(target!)) continue;
    const [pathPart, anchor] = target!.split('#') as [string, string | undefined];
    const path = pathPart === '' ? file : normal(posix.join(here, pathPart));
    if (!tree.exists(path)) { found.push(`${file}: link to ${target}: no such file`); continue; }
    if (anchor !== undefined && path.endsWith('.md') && !headings(tree.read(path)).has(anchor)) {
      found.push(`${file}: link to ${target}: no such heading in ${path}`);
    }
  }

  // Code spans: repository paths and file names.
  for (const [, span] of prose.matchAll(/`([^`\n]+)`/g)) {
    const code = span!.trim();
    if (/\s/.test(code) || /^[a-z]+:/i.test(code) || code.startsWith('/') || BUILD_URL_PATHS.has(code)) continue;
    if (code.includes('/')) {
      // A path: up to the first segment with a wildcard, which must exist as written.
      const segments = normal(code).split('/');
      const wild = segments.findIndex((s) => /[*?]/.test(s));
      const path = (wild < 0 ? segments : segments.slice(0, wild)).join('/');
      if (!/^[\w.@-]+(\/[\w.@-]+)*$/.test(path)) continue;
      if (!tree.exists(segments[0]!)) continue; // not a repository path (an example's x64/, a URL path)
      if (!isGenerated(path) && !tree.exists(path)) found.push(`${file}: \`${code}\`: no such path`);
    } else if (/^[\w.-]+\.(ts|js|json|sh|s|c|h|css|html|wasm)$/.test(code)) {
      if (!tree.names.has(code) && !GENERATED_NAMES.has(code) && !PACKAGE_NAMES.has(code)) found.push(`${file}: \`${code}\`: no file of that name`);
    }
  }

  // Code samples: repository imports (written from the root) and npm scripts.
  for (const block of blocks) {
    for (const [, specifier] of block.matchAll(/\bfrom\s+'(\.\/[^']+)'/g)) {
      if (!tree.exists(normal(specifier!))) found.push(`${file}: import '${specifier}': no such file`);
    }
  }
  for (const [, script] of text.matchAll(/\bnpm run ([\w:-]+)/g)) {
    if (!tree.scripts.has(script!)) found.push(`${file}: npm run ${script}: no such script in package.json`);
  }
  return found;
}

function fileNames(dir = ''): string[] {
  const names: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const path = dir ? `${dir}/${name}` : name;
    if (SKIPPED_DIRS.has(name) || SKIPPED_DIRS.has(path)) continue;
    if (statSync(join(ROOT, path)).isDirectory()) names.push(...fileNames(path));
    else names.push(name);
  }
  return names;
}

function repository(): Tree {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  return {
    exists: (path) => existsSync(join(ROOT, path)),
    names: new Set(fileNames()),
    read: (path) => readFileSync(join(ROOT, path), 'utf8'),
    scripts: new Set(Object.keys(scripts)),
  };
}

const CHAPTERS = readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`);
const DOCUMENTS = ['README.md', ...CHAPTERS];

describe('the documentation check', () => {
  const tree: Tree = {
    exists: (path) => ['docs', 'docs/a.md', 'docs/b.md', 'core', 'core/module.ts', 'engine', 'engine/build'].includes(path),
    names: new Set(['a.md', 'b.md', 'module.ts']),
    read: (path) => (path === 'docs/b.md' ? '# Two words\n\n## `--json`\n' : ''),
    scripts: new Set(['bench']),
  };

  it('finds broken links, paths, file names, imports and scripts, and passes the rest', () => {
    const text = [
      '# A', 'See [b](b.md), [words](b.md#two-words), [json](b.md#--json), [site](https://example.org/x.md).',
      'Broken: [gone](gone.md) and [b](b.md#no-heading).',
      '`core/module.ts`, `core/`, `engine/build/engine.wasm`, `engine.wasm`, `x64/`, `/docs/`, `a b/c`.',
      'Missing: `core/gone.ts`, `moved.ts`.',
      '```ts', "import { x } from './core/module.ts';", "import { y } from './core/gone.ts';", '```',
      '`npm run bench`, `npm run nothing`.',
    ].join('\n');
    expect(problems('docs/a.md', text, tree)).toEqual([
      'docs/a.md: link to gone.md: no such file',
      'docs/a.md: link to b.md#no-heading: no such heading in docs/b.md',
      'docs/a.md: `core/gone.ts`: no such path',
      'docs/a.md: `moved.ts`: no file of that name',
      "docs/a.md: import './core/gone.ts': no such file",
      'docs/a.md: npm run nothing: no such script in package.json',
    ]);
  });

  it('makes anchors as GitHub does', () => {
    expect(slug('Safe points and the consistency model')).toBe('safe-points-and-the-consistency-model');
    expect(slug('Layout (version 1)')).toBe('layout-version-1');
    expect(slug('The x86-64 decoder')).toBe('the-x86-64-decoder');
  });
});

describe('the documentation', () => {
  const tree = repository();

  it.each(DOCUMENTS)('%s names only what exists', (file) => {
    expect(problems(file, readFileSync(join(ROOT, file), 'utf8'), tree)).toEqual([]);
  });

  it('the README links every chapter of docs/', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(CHAPTERS.filter((chapter) => !readme.includes(`](${chapter})`))).toEqual([]);
  });

  it("lists exactly the x86-64 decoder's deliberate differences from Capstone", () => {
    const engine = readFileSync(join(ROOT, 'docs', 'engine.md'), 'utf8');
    const table = engine.slice(engine.indexOf('Deliberate differences from Capstone'));
    const ids = [...table.matchAll(/^\| `([\w-]+)` \|/gm)].map((m) => m[1]);
    expect(ids).toEqual(KNOWN_DIFFERENCES.map((d) => d.id));
  });
});
