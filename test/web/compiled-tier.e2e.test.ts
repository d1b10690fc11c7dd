// The WASM CPU's compiled tier in a browser's Web Worker, where the page runs guests: the worker
// compiles hot loops with the synchronous WebAssembly.Module constructor and calls them through the
// CPU's function table. The CPU is bundled on its own here (no build of the page needed) and served
// from a route of the test's own.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../harness/browser/browser.ts';
import { asm } from '../helpers.ts';

const ORIGIN = 'http://cpu.test';
const CODE = 0x10_0000;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The worker: runs each program it is sent on both tiers and reports counts and results. */
const WORKER = `
import { loadWasmCpu } from './sandbox/wasm/cpu-module.ts';
import { WasmSandbox } from './sandbox/wasm/wasm-sandbox.ts';
self.onmessage = async ({ data }) => {
  await loadWasmCpu();
  const results = [];
  for (const { arch, code, register } of data) {
    for (const compileBlocks of [true, false]) {
      const sandbox = new WasmSandbox(arch, { compileBlocks });
      sandbox.map(${CODE}, 0x1000, 5);
      sandbox.write(${CODE}, new Uint8Array(code));
      const started = performance.now();
      const result = sandbox.start(${CODE}, { until: ${CODE} + code.length - (arch === 'x64' ? 1 : 4) });
      results.push({ arch, compileBlocks, reason: result.reason, value: String(sandbox.readRegister(register)),
        compiled: sandbox.compiledBlocks, failures: sandbox.compileFailures, ms: performance.now() - started });
      sandbox.close();
    }
  }
  self.postMessage(results);
};`;

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe('the compiled tier in a browser worker', () => {
  it('compiles hot loops in a Web Worker and gives the interpreter\'s results', async () => {
    const bundle = await build({
      stdin: { contents: WORKER, resolveDir: ROOT, loader: 'ts' },
      bundle: true, format: 'esm', write: false, platform: 'browser', target: 'es2022',
      define: { 'import.meta.url': JSON.stringify(`${ORIGIN}/sandbox/wasm/cpu-module.js`) },
    });
    const programs = [
      { arch: 'arm64', register: 'x0', code: [...await asm('arm64', 'movz x1, #0x4240\nmovk x1, #0xf, lsl #16\nmov x0, #0\nl: add x0, x0, x1\nsubs x1, x1, #1\nb.ne l\nnop', CODE)] },
      { arch: 'x64', register: 'rax', code: [...await asm('x64', 'mov rcx, 1000000\nl: add rax, rcx\ndec rcx\njnz l\nnop', CODE)] },
    ];
    const context = await browser.newContext();
    await context.route(`${ORIGIN}/**`, (route) => {
      const path = new URL(route.request().url()).pathname;
      if (path === '/worker.js') return route.fulfill({ contentType: 'text/javascript', body: bundle.outputFiles[0]!.text });
      if (path === '/sandbox/wasm/build/cpu.wasm') {
        return route.fulfill({ contentType: 'application/wasm', body: readFileSync(`${ROOT}sandbox/wasm/build/cpu.wasm`) });
      }
      return route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>cpu</title>' });
    });
    const page = await context.newPage();
    await page.goto(`${ORIGIN}/`);
    const results = await page.evaluate((sent) => new Promise<unknown[]>((resolve, reject) => {
      const worker = new Worker('/worker.js', { type: 'module' });
      worker.onmessage = ({ data }) => resolve(data as unknown[]);
      worker.onerror = (event) => reject(new Error(event.message));
      worker.postMessage(sent);
    }), programs) as { arch: string; compileBlocks: boolean; reason: string; value: string; compiled: number; failures: number }[];
    await context.close();
    const sum = String((1_000_000n * 1_000_001n) / 2n);
    for (const arch of ['arm64', 'x64']) {
      const [on, off] = results.filter((r) => r.arch === arch);
      expect(on, arch).toMatchObject({ reason: 'until', value: sum, compiled: 1, failures: 0 });
      expect(off, arch).toMatchObject({ reason: 'until', value: sum, compiled: 0, failures: 0 });
    }
  }, 60_000);
});
