// The playground deployed under a sub-path: built with --base, precompressed, served by the server
// behind `npm start` (web/build/serve.ts) under that path, and used in Chromium, online and then
// offline (playground, docs page and embed page, all from the service worker).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, newContext, screenshot, watchErrors } from '../../harness/browser/browser.ts';
import { waitForOfflineCopy } from '../../harness/browser/offline.ts';
import { type BuildServer, serveBuild } from '../../web/build/serve.ts';

const BASE = '/tools/hotpatch/';
let dir: string;
let server: BuildServer;
let browser: Browser;

/**
 * `npm run build:web -- --base <base>`, in a process of its own: built inside Vitest (NODE_ENV=test),
 * Vite makes a build that is not the production one (import.meta.env.PROD is false, so the page
 * never registers its service worker) and the page build's plugins take Vitest's settings.
 */
function buildForDeployment(base: string, outDir: string): void {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of Object.keys(env)) if (name === 'NODE_ENV' || name.startsWith('VITEST')) delete env[name];
  execFileSync(process.execPath, [join('node_modules', 'vite', 'bin', 'vite.js'), 'build', '--base', base, '--outDir', outDir,
    '--emptyOutDir', '--logLevel', 'error'], { env, stdio: ['ignore', 'ignore', 'inherit'], timeout: 240_000 });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hotpatch-deploy-'));
  buildForDeployment(BASE, dir);
  server = await serveBuild({ dir, base: BASE });
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Raw { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }

/** A request sent as written: no client-side normalisation of "..". */
function raw(path: string, headers: Record<string, string> = {}): Promise<Raw> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

function files(root: string, prefix = ''): string[] {
  return readdirSync(join(root, prefix), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(root, `${prefix}${e.name}/`) : [`${prefix}${e.name}`]);
}

describe('the build, under a sub-path', () => {
  it('addresses every file under the base or relatively, and has a .gz and a .br beside each big file', () => {
    const all = files(dir);
    for (const page of ['index.html', 'docs/index.html', 'embed/index.html']) {
      const html = readFileSync(join(dir, page), 'utf8');
      const addresses = [...html.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
      expect(addresses.length).toBeGreaterThan(2);
      for (const address of addresses) expect(address, `${page}: ${address}`).toMatch(/^(\.\.?\/|#|data:|\/tools\/hotpatch\/)/);
    }
    // No script or stylesheet asks for a file at the host's root.
    for (const file of all.filter((f) => /\.(js|css|html)$/.test(f))) {
      expect(readFileSync(join(dir, file), 'utf8'), file).not.toMatch(/["'(]\/assets\//);
    }
    const big = all.filter((f) => /\.(js|css|wasm|html)$/.test(f) && readFileSync(join(dir, f)).length > 4096);
    expect(big.some((f) => f.endsWith('.wasm'))).toBe(true);
    for (const file of big) {
      expect(all, file).toContain(`${file}.gz`);
      expect(all, file).toContain(`${file}.br`);
      const original = readFileSync(join(dir, file));
      expect(gunzipSync(readFileSync(join(dir, `${file}.gz`))).equals(original)).toBe(true);
      expect(brotliDecompressSync(readFileSync(join(dir, `${file}.br`))).equals(original)).toBe(true);
    }
  });

  it('is served compressed as the browser accepts, and nothing outside the build is served', async () => {
    const wasm = files(dir).find((f) => /^assets\/cpu-.*\.wasm$/.test(f))!;
    const original = readFileSync(join(dir, wasm));
    const br = await raw(`${BASE}${wasm}`, { 'Accept-Encoding': 'gzip, deflate, br' });
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toBe('application/wasm');
    expect(br.headers.vary).toBe('Accept-Encoding');
    expect(brotliDecompressSync(br.body).equals(original)).toBe(true);
    const gz = await raw(`${BASE}${wasm}`, { 'Accept-Encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).equals(original)).toBe(true);
    const plain = await raw(`${BASE}${wasm}`);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.equals(original)).toBe(true);
    const page = await raw(BASE, { 'Accept-Encoding': 'br' });
    expect(page.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(page.body).toString()).toContain('<title>Hotpatch Playground</title>');
    expect((await raw(`${BASE}docs`)).headers.location).toBe(`${BASE}docs/`);
    expect((await raw(BASE.slice(0, -1))).headers.location).toBe(BASE);
    // Outside the build: by "..", encoded or not, by a backslash, or outside the base.
    for (const path of [`${BASE}../../package.json`, `${BASE}%2e%2e/%2e%2e/package.json`, `${BASE}..%2f..%2fpackage.json`,
      `${BASE}..%5c..%5cpackage.json`, '/package.json', `${BASE}%00`, `${BASE}assets/..%2f..%2f..%2fetc%2fpasswd`]) {
      const response = await raw(path);
      expect([400, 403, 404], path).toContain(response.status);
      expect(response.body.toString(), path).not.toContain('"name"');
    }
  });
});

async function playgroundRuns(page: Page): Promise<void> {
  await page.waitForSelector('html[data-shell="ready"]');
  await page.waitForSelector('html[data-program="loaded"]', { timeout: 60_000 });
  await page.selectOption('#speed', '0');
  await page.click('#run');
  await page.waitForSelector('html[data-run-state="exited"]', { timeout: 30_000 });
  expect(await page.locator('#output').textContent()).toMatch(/\d/);
}

describe('the playground served under a sub-path, in Chromium', () => {
  it('runs an example, every request under the sub-path and scripts compressed, and the service worker takes control', async () => {
    const context = await newContext(browser);
    let page = await context.newPage();
    let errors = watchErrors(page);
    const failed: string[] = [];
    const served: { url: string; encoding: string | undefined }[] = [];
    page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText}`));
    page.on('response', (r) => served.push({ url: r.url(), encoding: r.headers()['content-encoding'] }));
    await page.goto(`${server.url}#example=price-tax&arch=x64`);
    await playgroundRuns(page);
    await waitForOfflineCopy(page);

    // Every request stayed under the base, and the page and its scripts came compressed.
    const origin = new URL(server.url).origin;
    for (const { url } of served) if (url.startsWith(origin)) expect(url.startsWith(server.url), url).toBe(true);
    // (Files under 1 KB have no compressed copies.)
    const scripts = served.filter((r) => r.url.startsWith(server.url) && /\.(js|wasm)$/.test(new URL(r.url).pathname)
      && existsSync(join(dir, `${decodeURIComponent(new URL(r.url).pathname.slice(BASE.length))}.br`)));
    expect(scripts.length).toBeGreaterThan(2);
    for (const script of scripts) expect(script.encoding, script.url).toMatch(/^(br|gzip)$/);
    expect(failed).toEqual([]);

    await context.close();
  }, 240_000);

  it('after an offline reload, the playground, the docs page and the embed page all work', async () => {
    const context = await newContext(browser);
    let page = await context.newPage();
    let errors = watchErrors(page);
    const failed: string[] = [];
    page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText}`));
    await page.goto(`${server.url}#example=price-tax&arch=x64`);
    await playgroundRuns(page);
    await waitForOfflineCopy(page);
    await context.setOffline(true);
    // A fresh tab, offline: everything comes from the service worker.
    await page.close();
    page = await context.newPage();
    errors = watchErrors(page);
    page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText}`));
    await page.goto(`${server.url}#example=price-tax&arch=x64`);
    await playgroundRuns(page);
    await page.waitForSelector('html[data-editor="monaco"]', { timeout: 30_000 });
    await screenshot(page, 'deploy-offline-playground');

    await page.goto(`${server.url}docs/`);
    await expect(page.title()).resolves.toBe('Hotpatching, explained · Hotpatch Playground docs');
    // A demo starts when it comes into view: the first at once, the second once scrolled to.
    await page.waitForFunction(() => performance.getEntriesByName('hotpatch-demo-interactive').length >= 1, null, { timeout: 30_000 });
    await page.locator('hotpatch-demo').nth(1).scrollIntoViewIfNeeded();
    await page.waitForFunction(() => performance.getEntriesByName('hotpatch-demo-interactive').length >= 2, null, { timeout: 30_000 });
    await screenshot(page, 'deploy-offline-docs');

    await page.goto(`${server.url}embed/?example=cumulative&arch=x64`);
    await expect(page.title()).resolves.toBe('Hotpatch demo');
    await page.waitForFunction(() => performance.getEntriesByName('hotpatch-demo-interactive').length > 0, null, { timeout: 30_000 });
    await screenshot(page, 'deploy-offline-embed');

    expect(failed).toEqual([]);
    expect(errors.filter((e) => !e.includes('ERR_INTERNET_DISCONNECTED'))).toEqual([]);

    // A page the build does not have says it is offline (503, which the console reports); it is not the playground's HTML.
    const missing = await page.goto(`${server.url}nowhere/`);
    expect(missing?.status()).toBe(503);
    expect(await page.textContent('body')).toContain('You are offline');
    await context.close();
  }, 240_000);
});
