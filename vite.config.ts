import { defineConfig, type Plugin } from 'vitest/config';
import { serviceWorkerManifest } from './web/build/service-worker-manifest.ts';

/**
 * Keystone's and Capstone's Emscripten scripts `require("node:fs")` (and Keystone "node:crypto") in a
 * branch that runs only under Node; in the page those imports resolve to an empty module.
 */
function emptyNodeBuiltins(): Plugin {
  const EMPTY = '\0empty-node-builtin';
  return {
    name: 'empty-node-builtins',
    enforce: 'pre',
    // Page builds only: tests run the same scripts under Node, where these modules are real.
    apply: () => !process.env.VITEST,
    resolveId(id) {
      return id === 'node:fs' || id === 'node:crypto' ? EMPTY : null;
    },
    load(id) {
      return id === EMPTY ? 'export default {};' : null;
    },
  };
}

export default defineConfig({
  root: 'web',
  base: './',
  plugins: [emptyNodeBuiltins(), serviceWorkerManifest()],
  worker: { format: 'es', plugins: () => [emptyNodeBuiltins()] },
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    target: 'es2022',
    // keystone.wasm and capstone.wasm are large by nature; they load lazily, in the lab worker.
    chunkSizeWarningLimit: 4000,
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
