// A first visit: the gallery's first example runs before Keystone and Capstone have arrived (its
// modules and disassembly were prepared at build time), served compressed as `npm start` serves
// the build; the first edit brings the assembler.
import type { Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, newContext, screenshot, watchErrors } from '../../harness/browser/browser.ts';
import { serveBuild, type BuildServer } from '../../web/build/serve.ts';
import type { Browser } from 'playwright-core';
import { readdirSync, readFileSync } from 'node:fs';
import { GuestProcess } from '../../sandbox/process.ts';
import { UnicornSandbox } from '../../sandbox/unicorn/unicorn-sandbox.ts';
import { assembleProgram } from '../../toolchain/program.ts';
import { firstVisit } from '../../harness/browser/first-visit.ts';

let server: BuildServer;
let browser: Browser;

beforeAll(async () => {
  server = await serveBuild({ dir: 'dist' });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function expectedOutput(): Promise<string> {
  const modules = await assembleProgram([{ file: 'pricing.s', text: readFileSync('examples/price-tax/x64/pricing.s', 'utf8') }], 'x64');
  const process = new GuestProcess(new UnicornSandbox('x64'), { modules });
  process.run();
  const output = process.io.text();
  process.close();
  return output;
}

describe('a first visit to the playground', () => {
  it('runs the gallery example while Keystone and Capstone are held back, and assembles after the first edit', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    const errors = watchErrors(page);
    const held: Route[] = [];
    const asked: string[] = [];
    // Context-wide: the lab worker's and the assembler worker's requests too.
    await context.route(/keystone|capstone/, (route) => { asked.push(route.request().url()); held.push(route); });
    await page.goto(server.url);
    await page.waitForSelector('html[data-program="loaded"]', { timeout: 30_000 });
    await expect(page.locator('#example-title').textContent()).resolves.toContain('Price with tax');
    // Its code is listed with its instructions, not as bytes.
    await page.waitForFunction(() => document.querySelectorAll('#disassembly li .mnemonic').length > 5);
    const mnemonics = await page.locator('#disassembly li .mnemonic').allTextContents();
    expect(mnemonics).not.toContain('.byte');
    await page.selectOption('#speed', '0');
    await page.click('#run');
    await page.waitForSelector('html[data-run-state="exited"]', { timeout: 30_000 });
    const output = await page.locator('#output').evaluate((e) => e.textContent ?? '');
    const expected = (await expectedOutput()).trimEnd().split('\n');
    for (const line of expected) expect(output).toContain(line);
    // Nothing of Keystone or Capstone arrived.
    expect(held.length).toBe(asked.length);
    await screenshot(page, 'first-visit-ran-without-toolchain');

    // Let them through; the first edit is assembled by Keystone.
    for (const route of held.splice(0)) await route.continue();
    await context.unroute(/keystone|capstone/);
    await page.waitForSelector('html[data-editor="monaco"]', { timeout: 30_000 });
    await page.evaluate(() => {
      const w = window as unknown as { playground: { store: { state: { files: { name: string; text: string }[] }; update(s: object): void } } };
      const { store } = w.playground;
      store.update({ files: store.state.files.map((f, i) => i === 0 ? { ...f, text: f.text.replace(/; item index\n/, '; item index\n    frobnicate eax, 1\n') } : f) });
    });
    const error = page.locator('[data-testid="assembly-error"]');
    await error.waitFor({ timeout: 30_000 });
    await expect(error.textContent()).resolves.toMatch(/cannot assemble "frobnicate eax, 1": Invalid mnemonic/);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);

  it('can run within 300 KB compressed, with no Keystone, Capstone or Monaco file before', async () => {
    const visit = await firstVisit(server);
    expect(visit.filesUntilRunnable.filter((f) => /keystone|capstone|monaco/.test(f))).toEqual([]);
    expect(visit.bytesUntilRunnable).toBeLessThan(300 * 1024);
    // The service worker's precaching (the whole build) waits until the example has loaded: no
    // sw.js, and none of the files only it asks for (other scenarios, the README), before then.
    expect(visit.filesUntilRunnable.filter((f) => /sw\.js$|README|arm64-|docs-embed/.test(f))).toEqual([]);
    console.log(`first visit: runnable at ${visit.times['program:loaded']!.toFixed(0)} ms after ${(visit.bytesUntilRunnable / 1024).toFixed(1)} KB`);
  }, 120_000);

  it('starts the lab worker from the head, before the page\'s script runs, and the page takes that one over', async () => {
    const asked: string[] = [];
    const record = (request: { url?: string }) => { asked.push(request.url ?? ''); };
    server.server.on('request', record);
    const context = await newContext(browser);
    // Every worker the page starts, and when, against when the page's script says it is there.
    await context.addInitScript(`{
      const Original = Worker;
      window.startedWorkers = [];
      window.Worker = class extends Original {
        constructor(url, options) { super(url, options); window.startedWorkers.push({ url: String(url), name: options && options.name, at: performance.now() }); }
      };
    }`);
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(server.url);
    await page.waitForSelector('html[data-program="loaded"]', { timeout: 30_000 });
    const { workers, shell } = await page.evaluate(() => ({
      workers: (window as unknown as { startedWorkers: { url: string; name: string; at: number }[] }).startedWorkers,
      shell: performance.getEntriesByName('hotpatch:shell:ready')[0]!.startTime,
    }));
    server.server.off('request', record);
    const labs = workers.filter((w) => w.name === 'lab');
    expect(labs).toHaveLength(1);
    // A bootstrap from a blob, which imported the worker's entry: requests reach the worker while
    // the page is still busy drawing itself (web/build/first-visit-head.ts says why).
    expect(labs[0]!.url).toMatch(/^blob:/);
    expect(asked.filter((url) => /\/assets\/lab-worker-[\w-]+\.js$/.test(url))).toHaveLength(1);
    expect(labs[0]!.at).toBeLessThan(shell);
    // The page's script held its rendering back: the first frame shows the page it drew.
    expect(await page.locator('script[type="module"][src*="/main-"]').getAttribute('blocking')).toBe('render');
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  it('runs the example where a policy refuses workers from blobs: the page starts the worker from its entry', async () => {
    const context = await newContext(browser);
    await context.addInitScript(`{
      window.startedWorkers = [];
      const Original = window.Worker;
      window.Worker = class extends Original {
        constructor(url, options) { super(url, options); window.startedWorkers.push(String(url)); }
      };
    }`);
    // The playground's page, as served, with a policy that allows workers from the site only.
    await context.route((url) => url.pathname === '/', async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': "worker-src 'self'" } });
    });
    const page = await context.newPage();
    const refused: string[] = [];
    page.on('console', (message) => { if (/Content Security Policy/i.test(message.text())) refused.push(message.text()); });
    await page.goto(server.url);
    await page.waitForSelector('html[data-program="loaded"]', { timeout: 30_000 });
    const started = await page.evaluate(() => (window as unknown as { startedWorkers: string[] }).startedWorkers);
    // The blob was refused (said on the console); the worker that runs the lab came from the entry's address.
    expect(refused.length).toBeGreaterThan(0);
    expect(started.filter((url) => /\/assets\/lab-worker-[\w-]+\.js$/.test(url))).toHaveLength(1);
    await page.selectOption('#speed', '0');
    await page.click('#run');
    await page.waitForSelector('html[data-run-state="exited"]', { timeout: 30_000 });
    expect(await page.locator('#output').textContent()).toContain((await expectedOutput()).trimEnd().split('\n')[0]);
    await context.close();
  }, 60_000);

  it('says the lab could not be loaded when the worker\'s body does not arrive, instead of loading for ever', async () => {
    const context = await newContext(browser);
    await context.route(/\/assets\/lab-requests-[\w-]+\.js$/, (route) => route.abort('connectionrefused'));
    const page = await context.newPage();
    await page.goto(server.url);
    await page.waitForSelector('html[data-shell="ready"]', { timeout: 30_000 });
    await page.waitForFunction(() => /the lab could not be loaded/.test(document.querySelector('#assembly-status')?.textContent ?? ''),
      null, { timeout: 30_000 }).catch(async () => {
      throw new Error(`the status line says "${await page.locator('#assembly-status').textContent()}"`);
    });
    expect(await page.evaluate(() => document.documentElement.dataset.program)).toBeUndefined();
    await context.close();
  }, 60_000);

  it('asks for the page\'s script first, and for cpu.wasm and engine.wasm once, from the worker\'s bootstrap', async () => {
    const asked: string[] = [];
    const record = (request: { url?: string }) => { asked.push(request.url ?? ''); };
    server.server.on('request', record);
    try {
      const context = await newContext(browser);
      const page = await context.newPage();
      const issued: string[] = [];
      page.on('request', (request) => issued.push(request.url()));
      await page.goto(server.url);
      await page.waitForSelector('html[data-program="loaded"]', { timeout: 30_000 });
      // The page's script is the first request after the page: it takes the connection the page came on.
      const head = await page.evaluate(() => [...document.head.querySelectorAll('script[src], link[href]')].map((e) => e.outerHTML));
      expect(head[0]).toMatch(/^<script blocking="render" type="module" crossorigin="" src="[^"]*\/main-[\w-]+\.js">/);
      expect(head.filter((e) => /rel="preload"/.test(e))).toEqual([]);
      expect(issued[1]).toMatch(/\/main-[\w-]+\.js$/);
      // The bootstrap fetched each once; the worker's loader took those fetches instead of asking again.
      expect(asked.filter((url) => /\/(cpu|engine)-[\w-]+\.wasm$/.test(url))).toHaveLength(2);
      const fetched = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).filter((n) => /\.wasm$/.test(n)));
      expect(fetched).toEqual([]);
      await context.close();
    } finally {
      server.server.off('request', record);
    }
    // Capstone's script (its Emscripten glue, 320 KB) is a chunk of its own, imported when Capstone is first needed.
    // The worker's entry is small; its body is what it imports at once.
    const scripts = readdirSync('dist/assets').filter((f) => /^lab-(worker|requests)-[\w-]+\.js$/.test(f));
    expect(scripts).toHaveLength(2);
    for (const script of scripts) expect(readFileSync(`dist/assets/${script}`, 'utf8')).not.toContain('_cs_open');
    expect(readFileSync(`dist/assets/${scripts.find((f) => f.startsWith('lab-worker-'))!}`).length).toBeLessThan(16 * 1024);
  }, 60_000);

  it('has the worker load the example while the page is still busy drawing itself', async () => {
    const context = await newContext(browser);
    // The page's thread stays busy for 3 s after it asks for the load, as a slow device drawing the page would.
    await context.addInitScript(`{
      const post = Worker.prototype.postMessage;
      Worker.prototype.postMessage = function (message, ...rest) {
        post.call(this, message, ...rest);
        if (message?.request?.type === 'load' && window.busyUntil === undefined) {
          queueMicrotask(() => {
            window.busyUntil = performance.timeOrigin + performance.now() + 3000;
            while (performance.timeOrigin + performance.now() < window.busyUntil) {}
          });
        }
      };
    }`);
    const page = await context.newPage();
    const workers: import('playwright-core').Worker[] = [];
    page.on('worker', (worker) => workers.push(worker));
    await page.goto(server.url);
    await page.waitForSelector('html[data-program="loaded"]', { timeout: 30_000 });
    const busyUntil = await page.evaluate(() => (window as unknown as { busyUntil: number }).busyUntil);
    const loads = await Promise.all(workers.map((worker) => worker.evaluate(() =>
      performance.getEntriesByName('hotpatch:lab:loaded').map((mark) => performance.timeOrigin + mark.startTime)).catch(() => [])));
    const loaded = loads.flat();
    expect(loaded).toHaveLength(1);
    // Posted messages wait for the page's thread to be free; the channel's copy did not.
    expect(loaded[0]!).toBeLessThan(busyUntil);
    await context.close();
  }, 60_000);

  it('makes no Intl call while it starts (the first one loads the locale\'s data)', async () => {
    const context = await newContext(browser);
    await context.addInitScript(`{
      window.intlCalls = [];
      const note = (what) => { if (!performance.getEntriesByName('hotpatch:program:loaded').length) window.intlCalls.push(what); };
      const wrap = (owner, name, what) => {
        const original = owner[name];
        owner[name] = function (...args) { note(what); return original.apply(this, args); };
      };
      wrap(Number.prototype, 'toLocaleString', 'Number.toLocaleString');
      wrap(String.prototype, 'localeCompare', 'String.localeCompare');
      wrap(Date.prototype, 'toLocaleString', 'Date.toLocaleString');
      for (const name of ['NumberFormat', 'Collator', 'DateTimeFormat', 'PluralRules', 'ListFormat', 'Segmenter']) {
        const Original = Intl[name];
        if (Original) Intl[name] = new Proxy(Original, { construct(target, args) { note('Intl.' + name); return Reflect.construct(target, args); },
          apply(target, self, args) { note('Intl.' + name); return Reflect.apply(target, self, args); } });
      }
    }`);
    const page = await context.newPage();
    await page.goto(server.url);
    await page.waitForSelector('html[data-program="loaded"]', { timeout: 30_000 });
    expect(await page.evaluate(() => (window as unknown as { intlCalls: string[] }).intlCalls)).toEqual([]);
    await context.close();
  }, 60_000);
});
