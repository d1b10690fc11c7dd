import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: 'web',
  build: {
    outDir: '../dist',
    emptyOutDir: true,
  },
  test: {
    root: '.',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Unicorn, Keystone and Capstone are native or large WASM modules: one worker process each file.
    pool: 'forks',
  },
});
