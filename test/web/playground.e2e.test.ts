// The playground in real headless Chromium, against the built page (dist/) served by vite preview.
// Screenshots of the main states go to test-results/screenshots/.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, newContext, type PageServer, screenshot, servePage, watchErrors } from './browser.ts';
import { GuestProcess } from '../../sandbox/process.ts';
import type { Arch } from '../../sandbox/sandbox.ts';
import { UnicornSandbox } from '../../sandbox/unicorn/unicorn-sandbox.ts';
import { assembleProgram } from '../../toolchain/program.ts';

let server: PageServer;
let browser: Browser;

beforeAll(async () => {
  server = await servePage();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function open(hash = '', options: { dark?: boolean } = {}): Promise<{ page: Page; errors: string[] }> {
  const context = await newContext(browser, options);
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(server.url + hash);
  await page.waitForSelector('html[data-shell="ready"]');
  return { page, errors };
}

async function editorReady(page: Page): Promise<void> {
  await page.waitForSelector('html[data-editor="monaco"]', { timeout: 30_000 });
  await page.waitForSelector('html[data-program="loaded"]', { timeout: 30_000 });
}

/** Waits until the editor shows a line with exactly this text (Monaco renders on its own schedule). */
async function waitForLine(page: Page, text: string): Promise<void> {
  await page.waitForFunction((wanted) => [...document.querySelectorAll('.monaco-editor .view-line')]
    .some((l) => (l.textContent ?? '').replace(/\u00a0/g, ' ') === wanted), text, { timeout: 10_000 });
}

describe('the playground page', () => {
  it('paints the examples gallery with x86-64 and ARM64 side by side, and can be edited before Monaco loads', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    const errors = watchErrors(page);
    // Hold Monaco back until the plain editor has been used.
    let release = () => {};
    const held = new Promise<void>((resolve) => { release = resolve; });
    await page.route('**/assets/monaco-bundle-*.js', async (route) => { await held; await route.continue(); });
    await page.goto(server.url);
    await page.waitForSelector('html[data-shell="ready"]');
    const card = page.locator('.card[data-example="price-tax"]');
    await expect(card.locator('h3').textContent()).resolves.toBe('Price with tax');
    const arches = await card.locator('.card-arch button').allTextContents();
    expect(arches).toEqual(['Open x86-64', 'Open ARM64']);
    const plain = page.locator('[data-testid="plain-editor"]');
    await expect(plain.inputValue()).resolves.toContain('.module pricing');
    await screenshot(page, 'playground-first-paint');
    await plain.press('Control+Home');
    await plain.type('; typed before the editor loaded\n');
    release();
    await editorReady(page);
    await waitForLine(page, '; typed before the editor loaded');
    await screenshot(page, 'playground-loaded');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('opens an example for ARM64: Monaco with highlighting, assembled, disassembly of the entry', async () => {
    const { page, errors } = await open();
    await editorReady(page);
    await page.click('.card[data-example="price-tax"] button[data-arch="arm64"]');
    await page.waitForFunction(() => document.querySelector('#example-title')?.textContent?.includes('ARM64'));
    await expect(page.locator('#gallery').isHidden()).resolves.toBe(true);
    await page.waitForFunction(() => document.querySelector('#assembly-status')?.textContent?.includes('Assembled pricing'));
    await waitForLine(page, '.arch arm64');
    // Our directives, mnemonics and registers are coloured differently from each other.
    // Monaco tokenizes in the background: wait until the word is a token of its own.
    const colour = async (text: string) => (await page.waitForFunction((wanted) => {
      const token = [...document.querySelectorAll('.monaco-editor .view-line span span')].find((s) => s.textContent === wanted);
      return token ? getComputedStyle(token).color : null;
    }, text, { timeout: 10_000 })).jsonValue();
    const directive = await colour('.module');
    const mnemonic = await colour('stp');
    const register = await colour('x29');
    expect(new Set([directive, mnemonic, register]).size).toBe(3);
    await page.waitForFunction(() => document.querySelector('#disassembly')?.textContent?.includes('stp'));
    await expect(page.locator('#disassembly .label-line').first().textContent()).resolves.toBe('pricing!main:');
    await expect(page.locator('#disassembly li.current .mnemonic').textContent()).resolves.toBe('stp');
    await expect(page.locator('#memory-at option:checked').textContent()).resolves.toMatch(/^pricing!price_with_tax/);
    await screenshot(page, 'playground-arm64-example');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('marks a bad instruction on its line and names it under the editor', async () => {
    const { page } = await open('#example=price-tax&arch=x64');
    await editorReady(page);
    // The new line goes after the one that ends in "; item index".
    const source = readFileSync('examples/price-tax/x64/pricing.s', 'utf8').split('\n');
    const badLine = source.findIndex((l) => l.endsWith('; item index')) + 2;
    expect(badLine).toBeGreaterThan(2);
    // Click the line, go to its end, and add a line Keystone cannot assemble.
    const line = page.locator('.monaco-editor .view-line', { hasText: 'item index' });
    await line.click();
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('frobnicate eax, 1');
    const error = page.locator('[data-testid="assembly-error"]');
    await error.waitFor({ timeout: 15_000 });
    await expect(error.textContent()).resolves.toBe(`pricing.s line ${badLine}: cannot assemble "frobnicate eax, 1": Invalid mnemonic (KS_ERR_ASM_MNEMONICFAIL)`);
    // The squiggle sits on the line with the bad instruction.
    const squiggle = page.locator('.monaco-editor .squiggly-error');
    await squiggle.waitFor();
    const bad = page.locator('.monaco-editor .view-line', { hasText: 'frobnicate' });
    const [squiggleBox, badBox] = [await squiggle.boundingBox(), await bad.boundingBox()];
    expect(Math.abs(squiggleBox!.y - badBox!.y)).toBeLessThan(4);
    await expect(page.locator('#editor-tabs button.has-error').textContent()).resolves.toBe('pricing.s');
    await screenshot(page, 'playground-assembler-error');
    // Removing it clears the marker.
    await page.keyboard.press('Control+z');
    await page.waitForFunction(() => !document.querySelector('.monaco-editor .squiggly-error'), null, { timeout: 15_000 });
    await page.waitForFunction(() => document.querySelector('#assembly-status')?.textContent?.includes('Assembled pricing'));
    await page.context().close();
  });

  it('copies a link that reproduces the sources, architecture and view in a fresh browser', async () => {
    const context = await newContext(browser);
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    const page = await context.newPage();
    await page.goto(server.url + '#example=price-tax&arch=arm64');
    await editorReady(page);
    await page.locator('.monaco-editor .view-line', { hasText: '.entry main' }).click();
    await page.keyboard.press('End');
    await page.keyboard.type('  // shared edit');
    await page.click('#pane-patch');
    await page.click('#share');
    await page.waitForFunction(() => document.querySelector('#share-status')?.textContent === 'Link copied');
    const link = await page.evaluate(() => navigator.clipboard.readText());
    expect(link).toMatch(/#s=[\w-]+$/);
    await context.close();

    const { page: other, errors } = await open(link.slice(link.indexOf('#')));
    await editorReady(other);
    await waitForLine(other, '.entry main  // shared edit');
    await expect(other.locator('#arch-arm64').getAttribute('aria-checked')).resolves.toBe('true');
    await expect(other.locator('#pane-patch').getAttribute('aria-selected')).resolves.toBe('true');
    await expect(other.locator('#example-title').textContent()).resolves.toBe('Price with tax · ARM64 · edited');
    await screenshot(other, 'playground-shared-link');
    expect(errors).toEqual([]);
    await other.context().close();
  });

  it('keeps edits per architecture when switching back and forth', async () => {
    const { page } = await open('#example=price-tax&arch=x64');
    await editorReady(page);
    await page.locator('.monaco-editor .view-line', { hasText: '.entry main' }).click();
    await page.keyboard.press('End');
    await page.keyboard.type(' ; mine');
    await page.click('#arch-arm64');
    await page.waitForFunction(() => document.querySelector('#example-title')?.textContent === 'Price with tax · ARM64');
    await waitForLine(page, '.arch arm64');
    await page.click('#arch-x64');
    await page.waitForFunction(() => document.querySelector('#example-title')?.textContent?.includes('x86-64 · edited'));
    await waitForLine(page, '.entry main ; mine');
    await page.context().close();
  });

  it('builds a patch written in the patch tab, and marks the line of a bad directive', async () => {
    const { page, errors } = await open('#example=price-tax&arch=x64');
    await editorReady(page);
    // The example's own patch tab (fix-rounding.s, from its timeline), rewritten here.
    await page.click('#editor-tabs button[data-key="patch:0"]');
    await page.locator('.monaco-editor .view-line').first().click();
    await page.keyboard.press('Control+a');
    await page.keyboard.insertText([
      '; round to the nearest cent', '.patch pricing', '.sequence 1', '.redirect price_with_tax -> fixed', '',
      // The editor indents new lines like the one before; the instructions get their indentation from it.
      '.func fixed', '    imul eax, edi, 120', 'add eax, 50', 'xor edx, edx', 'mov ecx, 100', 'div ecx', 'ret',
      '.endfunc', ''].join('\n'));
    await page.waitForFunction(() => document.querySelector('#assembly-status')?.textContent?.startsWith('Patch fix-rounding.s builds: for pricing, sequence 1, 1 new function (fixed)'));
    await expect(page.locator('#assembly-status').textContent()).resolves
      .toMatch(/^Patch fix-rounding\.s builds: for pricing, sequence 1, 1 new function \(fixed\), \d+ bytes of code$/);
    // Directives of the patch header are highlighted like the module's.
    // Monaco tokenizes in the background: wait until the word is a token of its own.
    const colour = async (text: string) => (await page.waitForFunction((wanted) => {
      const token = [...document.querySelectorAll('.monaco-editor .view-line span span')].find((s) => s.textContent === wanted);
      return token ? getComputedStyle(token).color : null;
    }, text, { timeout: 10_000 })).jsonValue();
    expect(await colour('.redirect')).toBe(await colour('.func'));
    // A redirect to a function the patch does not define is refused on its line.
    await page.locator('.monaco-editor .view-line', { hasText: '.redirect' }).click();
    await page.keyboard.press('End');
    await page.keyboard.type('_missing');
    const error = page.locator('[data-testid="assembly-error"]');
    await error.waitFor({ timeout: 15_000 });
    await expect(error.textContent()).resolves.toMatch(/^fix-rounding\.s line 4: the new function "fixed_missing" is not defined in the patch/);
    await page.locator('.monaco-editor .squiggly-error').waitFor();
    await expect(page.locator('#editor-tabs button.has-error').textContent()).resolves.toBe('patch: fix-rounding.s');
    await screenshot(page, 'playground-patch-error');
    // x86-64 guests run in the browser too, so the patch pane offers to apply.
    await page.click('#pane-patch');
    await expect(page.locator('#apply').isDisabled()).resolves.toBe(false);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('runs an x86-64 program on the in-browser CPU and prints what Unicorn prints', async () => {
    const expected = await unicornOutput('x64', readFileSync('examples/price-tax/x64/pricing.s', 'utf8'));
    const { page, errors } = await open('#example=price-tax&arch=x64');
    await editorReady(page);
    await expect(page.locator('#run').isDisabled()).resolves.toBe(false);
    await page.selectOption('#speed', '0');
    await page.keyboard.press('F8');
    await page.waitForSelector('html[data-run-state="exited"]', { timeout: 30_000 });
    expect(await outputLines(page)).toEqual(expected);
    await expect(page.locator('#calls tr[data-function="pricing!price_with_tax"] td.count').textContent()).resolves.toBe('12');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('tells the reader when the browser has no WebAssembly', async () => {
    const context = await newContext(browser);
    // As in a browser where WebAssembly is switched off: the global is not there.
    await context.addInitScript(() => { Reflect.deleteProperty(globalThis, 'WebAssembly'); });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(server.url + '#example=price-tax&arch=x64');
    await page.waitForSelector('html[data-shell="ready"]');
    await expect(page.locator('#notice').textContent()).resolves.toMatch(/does not run WebAssembly/);
    await expect(page.locator('#assembly-status').textContent()).resolves.toMatch(/WebAssembly is not available/);
    await expect(page.locator('#run').isDisabled()).resolves.toBe(true);
    // Reading and editing the sources still works.
    await page.waitForSelector('html[data-editor="monaco"]', { timeout: 30_000 });
    await waitForLine(page, '.module pricing');
    await expect(page.evaluate(() => document.documentElement.dataset.toolchain)).resolves.toBeUndefined();
    await screenshot(page, 'playground-no-webassembly');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('works offline once loaded', async () => {
    const { page, errors } = await open('#example=price-tax&arch=arm64');
    await editorReady(page);
    // The service worker has kept every file of the build.
    await page.waitForFunction(async () => {
      const registration = await navigator.serviceWorker.ready;
      return registration.active?.state === 'activated';
    }, null, { timeout: 60_000 });
    await page.waitForFunction(async () => {
      const names = await caches.keys();
      const cache = names[0] ? await caches.open(names[0]) : undefined;
      return cache ? (await cache.keys()).length > 5 : false;
    }, null, { timeout: 60_000 });
    await page.context().setOffline(true);
    await page.reload();
    await editorReady(page);
    await page.waitForFunction(() => document.querySelector('#assembly-status')?.textContent?.includes('Assembled pricing'));
    await screenshot(page, 'playground-offline');
    expect(errors.filter((e) => !e.includes('ERR_INTERNET_DISCONNECTED'))).toEqual([]);
    await page.context().close();
  });
});

/** The program's output when run straight through on Unicorn in Node: the oracle for the page. */
async function unicornOutput(arch: Arch, text: string): Promise<string[]> {
  const modules = await assembleProgram([{ file: 'pricing.s', text }], arch);
  const process = new GuestProcess(new UnicornSandbox(arch), { modules });
  process.run();
  const output = process.io.text();
  process.close();
  return output.trimEnd().split('\n');
}

const ARM64_FIX = ['// round to the nearest cent', '.patch pricing', '.sequence 1', '.redirect price_with_tax -> fixed', '',
  '.func fixed', 'mov w1, #120', 'mul w0, w0, w1', 'add w0, w0, #50', 'mov w1, #100', 'udiv w0, w0, w1', 'ret', '.endfunc', ''];

async function writePatch(page: Page, lines: string[]): Promise<void> {
  await page.click('#editor-tabs button[data-key="patch:0"]');
  await page.locator('.monaco-editor .view-line').first().click();
  await page.keyboard.press('Control+a');
  await page.keyboard.insertText(lines.join('\n'));
  // The example's patch tab holds its own fix-rounding.s; wait for the rewritten patch's build.
  await page.waitForFunction(() => document.querySelector('#assembly-status')?.textContent
    ?.startsWith('Patch fix-rounding.s builds: for pricing, sequence 1, 1 new function (fixed)'), null, { timeout: 15_000 });
}

const outputLines = (page: Page) => page.evaluate(() => (document.querySelector('#output')?.textContent ?? '').trimEnd().split('\n').filter(Boolean));

describe('running and patching ARM64 programs on the in-browser CPU', () => {
  const source = readFileSync('examples/price-tax/arm64/pricing.s', 'utf8');
  let buggy: string[];
  let fixed: string[];

  beforeAll(async () => {
    buggy = await unicornOutput('arm64', source);
    fixed = await unicornOutput('arm64', source.replace('add w0, w0, #100', 'add w0, w0, #50'));
    expect(fixed).not.toEqual(buggy);
  });

  it('runs, steps with changed registers marked, steps over a call, and prints what Unicorn prints', async () => {
    const { page, errors } = await open('#example=price-tax&arch=arm64');
    await editorReady(page);
    await expect(page.locator('#run').isDisabled()).resolves.toBe(false);
    await page.keyboard.press('F11');
    await page.waitForFunction(() => document.querySelector('#run-state')?.textContent?.includes('1 instructions'));
    await expect(page.locator('#registers .changed .name').allTextContents()).resolves.toEqual(['sp', 'pc']);
    // Step until the call to price_with_tax, then over it.
    for (let i = 0; i < 40; i++) {
      const current = await page.locator('#disassembly li.current .mnemonic').textContent();
      if (current === 'bl') break;
      await page.click('#step');
      await page.waitForFunction((n) => document.querySelector('#run-state')?.textContent?.includes(`${n} instructions`), i + 2);
    }
    await expect(page.locator('#disassembly li.current').textContent()).resolves.toContain('<pricing!price_with_tax>');
    await page.keyboard.press('F10');
    await page.waitForFunction(() => document.querySelector('#run-state')?.textContent?.startsWith('stepped over bl'));
    await expect(page.locator('#registers .changed .name').allTextContents()).resolves.toContain('x0');
    await screenshot(page, 'playground-stepped');
    await page.selectOption('#speed', '0');
    await page.keyboard.press('F8');
    await page.waitForSelector('html[data-run-state="exited"]', { timeout: 30_000 });
    expect(await outputLines(page)).toEqual(buggy);
    await expect(page.locator('#calls tr[data-function="pricing!price_with_tax"] td.count').textContent()).resolves.toBe('12');
    await screenshot(page, 'playground-run-exited');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('applies a patch while the program runs: later prices come out right, calls move to the new function', async () => {
    const { page, errors } = await open('#example=price-tax&arch=arm64');
    await editorReady(page);
    await writePatch(page, ARM64_FIX);
    await page.selectOption('#speed', '200');
    await page.keyboard.press('F8');
    await page.waitForFunction(() => (document.querySelector('#output')?.textContent ?? '').split('\n').length > 3, null, { timeout: 30_000 });
    await page.keyboard.press('F6');
    await page.waitForSelector('html[data-transaction="applied"]', { timeout: 30_000 });
    await expect(page.locator('#patch-summary').textContent()).resolves.toMatch(/^Patch fix-rounding\.s: \d+ steps; pricing sequence 1 is live\./);
    await expect(page.locator('#patch-steps li').allTextContents()).resolves.toEqual(expect.arrayContaining(['4. Write the jump over the entry']));
    await expect(page.locator('#patch-detail h3').textContent()).resolves.toMatch(/Write the jump over the entry/);
    await expect(page.locator('#patch-detail .code-diff li.changed .mnemonic').first().textContent()).resolves.toBe('b');
    await expect(page.locator('#patch-diagram svg').getAttribute('aria-label')).resolves
      .toBe('pricing!price_with_tax redirected to pricing patch 1!fixed');
    await screenshot(page, 'playground-patch-applied');
    // The run goes on after the transaction.
    await page.selectOption('#speed', '0');
    await page.waitForSelector('html[data-run-state="exited"]', { timeout: 30_000 });
    const lines = await outputLines(page);
    await page.click('#pane-program');
    const count = (name: string) => page.locator(`#calls tr[data-function="${name}"] td.count`).textContent();
    // The counters say how many calls ran before the switch (some prices are the same either way,
    // so the output alone cannot tell); the output must agree with them.
    const [, before, after] = /^(\d+) \+(\d+) \u2192$/.exec((await count('pricing!price_with_tax')) ?? '') ?? [];
    const switchedAt = Number(before);
    expect(switchedAt).toBeGreaterThanOrEqual(3);
    expect(Number(after)).toBe(12 - switchedAt);
    expect(lines).toEqual([...buggy.slice(0, switchedAt), ...fixed.slice(switchedAt)]);
    await expect(count('pricing patch 1!fixed')).resolves.toBe(String(12 - switchedAt));
    await screenshot(page, 'playground-patched-run');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('steps through a transaction and back, rolls back, and shows a refusal', async () => {
    const { page, errors } = await open('#example=price-tax&arch=arm64');
    await editorReady(page);
    await writePatch(page, ARM64_FIX);
    await page.selectOption('#memory-at', { label: 'pricing!price_with_tax (0x400100)' }).catch(() => undefined);
    for (let i = 0; i < 5; i++) await page.keyboard.press('F11');
    await page.click('#pane-patch');
    await page.click('#apply-stepwise');
    await page.waitForSelector('html[data-transaction="applied"]', { timeout: 30_000 });
    await expect(page.locator('#patch-summary').textContent()).resolves.toContain('0 of');
    await expect(page.locator('#patch-steps li.done').count()).resolves.toBe(0);
    // The program waits while the transaction is half replayed.
    await expect(page.locator('#run').isDisabled()).resolves.toBe(true);
    const changedBytes = () => page.locator('#memory .byte.changed').count();
    expect(await changedBytes()).toBe(0);
    const total = await page.locator('#patch-steps li').count();
    for (let i = 1; i <= total; i++) {
      await page.keyboard.press('F7');
      await page.waitForFunction((n) => document.querySelectorAll('#patch-steps li.done').length === n, i);
      const stage = await page.locator('#patch-steps li.selected').getAttribute('data-stage');
      if (stage === 'entry-jump') {
        await page.waitForFunction(() => document.querySelectorAll('#memory .byte.changed').length > 0);
        await expect(page.locator('#patch-detail .badge').textContent()).resolves.toBe('in effect');
        await screenshot(page, 'playground-transaction-step');
        await page.keyboard.press('Shift+F7');
        await page.waitForFunction((n) => document.querySelectorAll('#patch-steps li.done').length === n, i - 1);
        await page.waitForFunction(() => document.querySelectorAll('#memory .byte.changed').length === 0);
        await page.keyboard.press('F7');
        await page.waitForFunction((n) => document.querySelectorAll('#patch-steps li.done').length === n, i);
      }
    }
    expect(await changedBytes()).toBe(4);
    await expect(page.locator('#run').isDisabled()).resolves.toBe(false);
    // The same sequence again is refused, and nothing changes.
    await page.click('#apply');
    await page.waitForSelector('html[data-transaction="refused"]');
    await expect(page.locator('[data-testid="refusal"]').textContent()).resolves
      .toMatch(/^Patch fix-rounding\.s was refused \(stale-sequence\): patch sequence 1 for pricing is not newer than the active patch/);
    await screenshot(page, 'playground-refusal');
    expect(await changedBytes()).toBe(4);
    await page.click('#rollback');
    await page.waitForSelector('html[data-transaction="applied"]');
    await expect(page.locator('#patch-summary').textContent()).resolves.toMatch(/^Rollback of pricing: \d+ steps; pricing is back to its original code\./);
    await page.waitForFunction(() => document.querySelectorAll('#memory .byte.changed').length === 0);
    await screenshot(page, 'playground-rolled-back');
    await page.selectOption('#speed', '0');
    await page.keyboard.press('F8');
    await page.waitForSelector('html[data-run-state="exited"]', { timeout: 30_000 });
    expect(await outputLines(page)).toEqual(buggy);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
