import { resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vitest/config';
import { embedScenarios } from './web/build/embed-scenarios.ts';
import { docsEmbed } from './web/build/docs-embed.ts';
import { siteLinks } from './web/build/site-links.ts';
import { precompress } from './web/build/precompress.ts';
import { firstVisitHead } from './web/build/first-visit-head.ts';
import { checkedManifests } from './web/build/checked-manifests.ts';
import { serviceWorkerManifest } from './web/build/service-worker-manifest.ts';

/** The custom element's script, at a stable address documentation sites can load. */
const EMBED_ELEMENT = 'hotpatch-demo';

/**
 * Keystone's and Capstone's Emscripten scripts require Node's modules (`require("node:fs")`,
 * "node:crypto") in branches that only run under Node; in the page they resolve to an empty module.
 */
const NODE_ONLY = new Set(['node:fs', 'node:crypto']);

function emptyNodeBuiltins(): Plugin {
  const EMPTY = '\0empty-node-builtin:';
  return {
    name: 'empty-node-builtins',
    enforce: 'pre',
    // Page builds only: tests run the same scripts under Node, where these modules are real.
    apply: () => !process.env.VITEST,
    resolveId(id) {
      return NODE_ONLY.has(id) ? EMPTY + id : null;
    },
    load(id) {
      return id.startsWith(EMPTY) ? 'export default {};' : null;
    },
  };
}

export default defineConfig({
  root: 'web',
  // Relative addresses: the build works from any path of any static host as it is. A site that wants
  // absolute ones builds with `npm run build:web -- --base /sub/path/` (and serves with the same --base).
  base: './',
  plugins: [emptyNodeBuiltins(), checkedManifests(), serviceWorkerManifest(), embedScenarios(), docsEmbed(), siteLinks(), firstVisitHead(), precompress()],
  worker: { format: 'es', plugins: () => [emptyNodeBuiltins()] },
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    target: 'es2022',
    // Every browser the page supports follows <link rel="modulepreload"> itself: no polyfill script
    // (one more request, and a script to run, before a first visit's example can run).
    modulePreload: { polyfill: false },
    // keystone.wasm and capstone.wasm are large by nature; they load lazily, in the lab worker.
    chunkSizeWarningLimit: 4000,
    rolldownOptions: {
      // Pages: the playground, the iframe embed, the documentation page; and the embed's element script.
      input: {
        main: resolve('web/index.html'),
        embed: resolve('web/embed/index.html'),
        docs: resolve('web/docs/index.html'),
        [EMBED_ELEMENT]: resolve('web/src/embed/element.ts'),
      },
      output: {
        entryFileNames: (chunk) => chunk.name === EMBED_ELEMENT ? `embed/${EMBED_ELEMENT}.js` : 'assets/[name]-[hash].js',
      },
    },
  },
  preview: { host: '0.0.0.0', port: 5173 },
  test: {
    root: '.',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Unicorn, Keystone and Capstone are native or large WASM modules: one worker process each file.
    pool: 'forks',
  },
});
