// Builds the embed as the npm package ships it (embed/, by scripts/build-package.ts): plain ES
// modules and their files, in one folder, that work two ways.
//   - Dropped in: the folder copied to any path of any site, `<script type="module"
//     src=".../hotpatch-demo.js">`. Every file is found relative to the script, as the browser resolves
//     `import()` and `new URL('./x', import.meta.url)`.
//   - Taken in by a site's bundler (`import 'hotpatch-playground/embed'`): the same relative forms are
//     the ones bundlers follow, so the worker, its WASM files and the scenarios become the site's
//     own assets. The worker is created as `new Worker(new URL('./demo-worker.js', import.meta.url),
//     { type: 'module' })` word for word (demo-client.ts), which is what Vite looks for.
// Layout:
//   hotpatch-demo.js          the element (registers <hotpatch-demo>)
//   hotpatch-demo.d.ts        its types
//   demo-worker.js            the worker: CPU, engine, the scenario's guest (one file)
//   cpu.wasm, engine.wasm     found by the worker next to itself
//   scenarios/<example>-<arch>.js   one module per built-in scenario, loaded when a demo shows it
// Built with Rolldown (Vite's bundler) directly, not with Vite: Vite would rewrite the relative
// `new URL(…)`s into its own forms, which another bundler then no longer follows.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'rolldown';
import { embedScenarios } from './embed-scenarios.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const EMBED = join(ROOT, 'web', 'src', 'embed');
const SCENARIO = '\0virtual:hotpatch-scenario/';

/** `new URL('<relative>.wasm' | './demo-worker.ts', import.meta.url)`. */
const RELATIVE_URL = /new URL\((['"])(\.{1,2}\/[^'"]+)\1,\s*import\.meta\.url\)/g;

/**
 * The files the modules name by `new URL(…, import.meta.url)`: each WASM file is emitted beside the
 * scripts and named `./<file>.wasm`; the worker's source is named by its built file.
 */
function relativeFiles(): Plugin {
  return {
    name: 'embed-relative-files',
    transform(code, id) {
      if (!code.includes('import.meta.url')) return null;
      let changed = false;
      const out = code.replace(RELATIVE_URL, (whole, quote: string, path: string) => {
        // (A comment may show the form with a made-up file: only files that exist are taken.)
        if (path.endsWith('.wasm') && existsSync(resolve(dirname(id), path))) {
          const file = basename(path);
          this.emitFile({ type: 'asset', fileName: file, source: readFileSync(resolve(dirname(id), path)) });
          changed = true;
          return `new URL(${quote}./${file}${quote}, import.meta.url)`;
        }
        if (path === './demo-worker.ts' && dirname(id) === EMBED) {
          changed = true;
          return `new URL(${quote}./demo-worker.js${quote}, import.meta.url)`;
        }
        // Anything else (a comment's example) stays; the built files are checked at the end.
        return whole;
      });
      return changed ? { code: out } : null;
    },
  };
}

/** `import css from './x.css?inline'`: the stylesheet's text. */
function inlineCss(): Plugin {
  return {
    name: 'embed-inline-css',
    resolveId(source, importer) {
      return source.endsWith('.css?inline') && importer ? `${resolve(dirname(importer), source.slice(0, -'?inline'.length))}?inline` : null;
    },
    load(id) {
      return id.endsWith('.css?inline') ? `export default ${JSON.stringify(readFileSync(id.slice(0, -'?inline'.length), 'utf8'))};` : null;
    },
  };
}

/** Keystone's and Capstone's Node-only modules (see vite.config.ts); the embed loads neither, but says so. */
function noNodeModules(): Plugin {
  return {
    name: 'embed-no-node-modules',
    resolveId(source) {
      if (source.startsWith('node:')) this.error(`the embed must not import ${source}`);
      return null;
    },
  };
}

const DEFINE = {
  'import.meta.env.DEV': 'false',
  'import.meta.env.PROD': 'true',
  'import.meta.env.HOTPATCH_EMBED_PACKAGE': 'true',
};

const TYPES = `// <hotpatch-demo>: importing this module (or loading it with <script type="module">) registers the
// element. See docs/embeds.md for its attributes, methods and events.
export interface HotpatchDemoElement extends HTMLElement {
  /** Shows another built-in scenario (the attributes follow). */
  load(example: string, arch?: 'x64' | 'arm64'): Promise<void>;
  run(): Promise<void>;
  pause(): Promise<void>;
  reset(): Promise<void>;
  stepInstruction(): Promise<void>;
  /** Applies the next patch of the scenario (or the named one), at once or ready to step through. */
  apply(options?: { patch?: string; stepwise?: boolean }): Promise<void>;
  /** One step of the transaction being stepped through; with none, starts the next one step by step. */
  step(): Promise<void>;
  back(): Promise<void>;
  finish(): Promise<void>;
  rollback(options?: { stepwise?: boolean }): Promise<void>;
  /** The id of the scenario shown ("price-tax/x64"). */
  readonly scenarioId: string | undefined;
}

declare global {
  interface HTMLElementTagNameMap { 'hotpatch-demo': HotpatchDemoElement }
}
`;

export interface EmbedPackageResult {
  files: string[];
}

/** Builds the embed package into `outDir` (emptied first), from the examples under `examplesDir`. */
export async function buildEmbedPackage(outDir: string, examplesDir = join(ROOT, 'examples')): Promise<EmbedPackageResult> {
  rmSync(outDir, { recursive: true, force: true });
  const common = {
    platform: 'browser' as const,
    logLevel: 'warn' as const,
    transform: { define: DEFINE, target: 'es2022' },
    // The scenarios are played at build time, which takes seconds: not worth a warning.
    checks: { pluginTimings: false },
    onLog(level: string, log: { message: string }) {
      throw new Error(`embed package: ${level}: ${log.message}`);
    },
  };
  const files: string[] = [];
  const worker = await build({
    ...common,
    input: join(EMBED, 'demo-worker.ts'),
    plugins: [noNodeModules(), relativeFiles()],
    output: { dir: outDir, format: 'es', entryFileNames: 'demo-worker.js', codeSplitting: false, minify: true },
  });
  const element = await build({
    ...common,
    input: { 'hotpatch-demo': join(EMBED, 'element.ts') },
    plugins: [noNodeModules(), relativeFiles(), inlineCss(), embedScenarios(examplesDir)],
    output: {
      dir: outDir, format: 'es', entryFileNames: '[name].js',
      // Not minified: a minifier would rename the `Worker` parameter that bundlers recognise the worker by.
      minify: 'dce-only',
      chunkFileNames: (chunk) => chunk.facadeModuleId?.startsWith(SCENARIO)
        ? `scenarios/${chunk.facadeModuleId.slice(SCENARIO.length).replace('/', '-')}.js` : 'chunks/[name]-[hash].js',
    },
  });
  for (const output of [worker, element]) for (const item of output.output) files.push(item.fileName);
  // Every relative address the scripts name is a file of the folder; nothing names Vite's forms.
  for (const file of files.filter((f) => f.endsWith('.js'))) {
    const code = readFileSync(join(outDir, file), 'utf8');
    for (const [, , path] of code.matchAll(RELATIVE_URL)) {
      if (!existsSync(join(outDir, dirname(file), path!))) throw new Error(`embed package: ${file} names ${path}, which is not built`);
    }
    for (const bad of [/\bimport\.meta\.env\b/, /["'`]virtual:/, /\?inline["'`]/, /(\bfrom|\bimport\s*\()\s*["'`]node:/, /\brequire\(/]) {
      if (bad.test(code)) throw new Error(`embed package: ${file} still holds ${String(bad)}`);
    }
  }
  writeFileSync(join(outDir, 'hotpatch-demo.d.ts'), TYPES);
  files.push('hotpatch-demo.d.ts');
  return { files: [...new Set(files)].sort() };
}
