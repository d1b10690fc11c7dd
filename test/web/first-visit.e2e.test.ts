// A first visit: the gallery's first example runs before Keystone and Capstone have arrived (its
// modules and disassembly were prepared at build time), served compressed as `npm start` serves
// the build; the first edit brings the assembler.
import type { Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, newContext, screenshot, watchErrors } from '../../harness/browser/browser.ts';
import { serveBuild, type BuildServer } from '../../web/build/serve.ts';
import type { Browser } from 'playwright-core';
import { readFileSync } from 'node:fs';
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
    const visit = await firstVisit(server.url);
    expect(visit.filesUntilRunnable.filter((f) => /keystone|capstone|monaco/.test(f))).toEqual([]);
    expect(visit.bytesUntilRunnable).toBeLessThan(300 * 1024);
    // The service worker's precaching (the whole build) waits until the example has loaded: no
    // sw.js, and none of the files only it asks for (other scenarios, the README), before then.
    expect(visit.filesUntilRunnable.filter((f) => /sw\.js$|README|arm64-|docs-embed/.test(f))).toEqual([]);
    console.log(`first visit: runnable at ${visit.times['program:loaded']!.toFixed(0)} ms after ${(visit.bytesUntilRunnable / 1024).toFixed(1)} KB`);
  }, 120_000);
});
