// The playground in real headless Chromium, against the built page (dist/) served by vite preview.
// Screenshots of the main states go to test-results/screenshots/.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { expectHookDrawing, flowGeometry } from './flow-geometry.ts';
import { newContext, screenshot, watchErrors } from '../../harness/browser/browser.ts';
import { openPlayground, useServedPage } from '../../harness/browser/served-page.ts';
import { waitForOfflineCopy } from '../../harness/browser/offline.ts';
import { GuestProcess } from '../../sandbox/process.ts';
import type { Arch } from '../../core/arch.ts';
import { UnicornSandbox } from '../../sandbox/unicorn/unicorn-sandbox.ts';
import { exampleFilePath } from '../../toolchain/example-manifest.ts';
import { assembleProgram } from '../../toolchain/program.ts';
import { encodeState } from '../../web/src/state/share.ts';

const served = useServedPage();

function open(hash = '', options: { dark?: boolean } = {}): Promise<{ page: Page; errors: string[] }> {
  return openPlayground(served, hash, { dark: options.dark });
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
    const context = await newContext(served.browser);
    const page = await context.newPage();
    const errors = watchErrors(page);
    // Hold Monaco back until the plain editor has been used.
    let release = () => {};
    const held = new Promise<void>((resolve) => { release = resolve; });
    await page.route('**/assets/monaco-bundle-*.js', async (route) => { await held; await route.continue(); });
    await page.goto(served.server.url);
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

  it.each([
    { arch: 'x64', comment: '; item index', bad: 'frobnicate eax, 1', shot: 'playground-assembler-error' },
    { arch: 'arm64', comment: '// item index', bad: 'frobnicate x0, #1', shot: 'playground-arm64-assembler-error' },
  ])('marks a bad $arch instruction on its line and names it under the editor', async ({ arch, comment, bad: typed, shot }) => {
    const { page, errors } = await open(`#example=price-tax&arch=${arch}`);
    await editorReady(page);
    // The new line goes after the one that ends in the "item index" comment.
    const source = readFileSync(`examples/price-tax/${arch}/pricing.s`, 'utf8').split('\n');
    const badLine = source.findIndex((l) => l.endsWith(comment)) + 2;
    expect(badLine).toBeGreaterThan(2);
    // Click the line, go to its end, and add a line Keystone cannot assemble.
    const line = page.locator('.monaco-editor .view-line', { hasText: 'item index' });
    await line.click();
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.keyboard.type(typed);
    const error = page.locator('[data-testid="assembly-error"]');
    await error.waitFor({ timeout: 15_000 });
    await expect(error.textContent()).resolves.toBe(`pricing.s line ${badLine}: cannot assemble "${typed}": Invalid mnemonic (KS_ERR_ASM_MNEMONICFAIL)`);
    // The squiggle sits on the line with the bad instruction.
    const squiggle = page.locator('.monaco-editor .squiggly-error');
    await squiggle.waitFor();
    const bad = page.locator('.monaco-editor .view-line', { hasText: 'frobnicate' });
    const [squiggleBox, badBox] = [await squiggle.boundingBox(), await bad.boundingBox()];
    expect(Math.abs(squiggleBox!.y - badBox!.y)).toBeLessThan(4);
    await expect(page.locator('#editor-tabs button.has-error').textContent()).resolves.toBe('pricing.s');
    // The program cannot run until it assembles.
    await expect(page.locator('#run').isDisabled()).resolves.toBe(true);
    await screenshot(page, shot);
    // Removing it clears the marker. (The whole line: one undo leaves "frobnicate eax,", which is an
    // error of its own, not a line that assembles to nothing.)
    await page.keyboard.press('Control+Shift+K');
    await page.waitForFunction(() => !document.querySelector('.monaco-editor .squiggly-error'), null, { timeout: 15_000 });
    await page.waitForFunction(() => document.querySelector('#assembly-status')?.textContent?.includes('Assembled pricing'));
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('copies a link that reproduces the sources, architecture and view in a fresh browser', async () => {
    const context = await newContext(served.browser);
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    const page = await context.newPage();
    await page.goto(served.server.url + '#example=price-tax&arch=arm64');
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

  it('follows a link pasted into an open tab, and says in words why a bad one cannot be read', async () => {
    const { page, errors } = await open('#example=price-tax&arch=x64');
    await editorReady(page);
    const text = '// followed link\n' + readFileSync('examples/price-tax/arm64/pricing.s', 'utf8');
    const hash = await encodeState({ arch: 'arm64', files: [{ name: 'pricing.s', text }], patches: [{ name: 'patch.s', text: '' }],
      view: { editor: 0, pane: 'program', gallery: false } });
    await page.evaluate((h) => { location.hash = h; }, hash);
    await waitForLine(page, '// followed link');
    await expect(page.locator('#arch-arm64').getAttribute('aria-checked')).resolves.toBe('true');
    await page.waitForFunction(() => document.querySelector('#assembly-status')?.textContent?.includes('Assembled pricing'));
    // A link that inflates to 50 MB, and one that is not base64: the page stays as it was.
    const bomb = deflateRawSync(Buffer.from(JSON.stringify({ v: 1, a: 'x64', f: [['a.s', 'n'.repeat(50_000_000)]], p: [['p.s', '']] })),
      { level: 9 }).toString('base64url');
    const notice = page.locator('#notice');
    for (const [link, words] of [[`s=${bomb}`, 'holds more than 1 MiB'], ['s=@@@', 'has characters a playground link never has']] as const) {
      await page.evaluate((h) => { location.hash = h; }, link);
      await page.waitForFunction((w) => document.querySelector('#notice')?.textContent?.includes(w), words, { timeout: 10_000 });
      await expect(notice.textContent()).resolves.toMatch(/^The link .*; the page is as it was\.$/);
      await expect(notice.textContent()).resolves.not.toMatch(/Failed|atob/);
    }
    await waitForLine(page, '// followed link');
    expect(errors).toEqual([]);
    await page.context().close();
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
    const context = await newContext(served.browser);
    // As in a browser where WebAssembly is switched off: the global is not there.
    await context.addInitScript(() => { Reflect.deleteProperty(globalThis, 'WebAssembly'); });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(served.server.url + '#example=price-tax&arch=x64');
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

  it('works offline once loaded, and so do the docs page and the embed page', async () => {
    const { page, errors } = await open('#example=price-tax&arch=arm64');
    await editorReady(page);
    // The service worker has kept every file of the build, and controls the page.
    await waitForOfflineCopy(page);
    await page.context().setOffline(true);
    await page.reload();
    await editorReady(page);
    await page.waitForFunction(() => document.querySelector('#assembly-status')?.textContent?.includes('Assembled pricing'));
    await screenshot(page, 'playground-offline');
    // The docs page and the embed page were kept too: offline, each is itself, with its demos.
    const failed: string[] = [];
    page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText}`));
    await page.goto(`${served.server.url}docs/`);
    await expect(page.title()).resolves.toBe('Hotpatching, explained · Hotpatch Playground docs');
    await page.waitForFunction(() => performance.getEntriesByName('hotpatch-demo-interactive').length > 0, null, { timeout: 30_000 })
      .catch((error: unknown) => { throw new Error(`no demo of the docs page became interactive offline; failed: ${failed.join(', ')} (${String(error)})`); });
    await page.goto(`${served.server.url}embed/?example=cumulative&arch=x64`);
    await expect(page.title()).resolves.toBe('Hotpatch demo');
    await page.waitForFunction(() => performance.getEntriesByName('hotpatch-demo-interactive').length > 0, null, { timeout: 30_000 });
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

const outputLines = (page: Page) => page.evaluate(() => (document.querySelector('#output')?.textContent ?? '').trimEnd().split('\n').filter(Boolean));

/** A function's call counter as the page shows it: its own runs, and entries sent on to new code. */
async function counter(page: Page, name: string): Promise<{ calls: number; redirected: number }> {
  const text = (await page.locator(`#calls tr[data-function="${name}"] td.count`).textContent()) ?? '';
  const [, calls, redirected] = /^(\d+)(?: \+(\d+) \u2192)?$/.exec(text) ?? [];
  if (calls === undefined) throw new Error(`no counter for ${name}: "${text}"`);
  return { calls: Number(calls), redirected: Number(redirected ?? 0) };
}

/** Waits until a function's own runs reach `at least`, as the page reports them while the guest runs. */
async function waitForCalls(page: Page, name: string, atLeast: number): Promise<void> {
  await page.waitForFunction(([fn, n]) => {
    const text = document.querySelector(`#calls tr[data-function="${fn}"] td.count`)?.textContent ?? '';
    return Number(/^\d+/.exec(text)?.[0] ?? -1) >= n;
  }, [name, atLeast] as const, { timeout: 30_000 });
}

async function pause(page: Page): Promise<void> {
  await page.keyboard.press('F8');
  await page.waitForSelector('html[data-run-state="paused"]', { timeout: 30_000 });
}

/** Full speed to the end: a running guest takes the new speed at once; a stopped one is continued with F8. */
async function runToExit(page: Page, state: 'running' | 'stopped'): Promise<void> {
  await page.selectOption('#speed', '0');
  if (state === 'stopped') {
    await expect(page.evaluate(() => document.documentElement.dataset.runState)).resolves.toMatch(/^(paused|ready)$/);
    await page.keyboard.press('F8');
  }
  await page.waitForSelector('html[data-run-state="exited"]', { timeout: 30_000 });
}

const changedBytes = (page: Page) => page.locator('#memory .byte.changed').count();
const memoryText = (page: Page) => page.locator('#memory').textContent();

/** Source edits that fix the examples' bugs in the programs themselves: the oracles' inputs. */
const FIX_ROUNDING: Record<Arch, [string, string]> = { x64: ['add eax, 100 ', 'add eax, 50  '], arm64: ['add w0, w0, #100', 'add w0, w0, #50'] };
const FIX_SHIPPING: Record<Arch, [string, string]> = { x64: ['ja free_shipping ', 'jae free_shipping'], arm64: ['b.hi free_shipping', 'b.hs free_shipping'] };
const fixIn = (text: string, [from, to]: [string, string]) => {
  expect(text).toContain(from);
  return text.replace(from, to);
};

describe.each(['x64', 'arm64'] as const)('patching a running %s program on the in-browser CPU', (arch) => {
  const source = readFileSync(`examples/price-tax/${arch}/pricing.s`, 'utf8');
  let buggy: string[];
  let fixed: string[];

  beforeAll(async () => {
    buggy = await unicornOutput(arch, source);
    fixed = await unicornOutput(arch, fixIn(source, FIX_ROUNDING[arch]));
    expect(fixed).not.toEqual(buggy);
  });

  it('applies the example\'s patch while the program runs: later prices come out right, calls move to the new function', async () => {
    const { page, errors } = await open(`#example=price-tax&arch=${arch}`);
    await editorReady(page);
    await page.selectOption('#speed', '200');
    await page.keyboard.press('F8');
    await page.waitForFunction(() => (document.querySelector('#output')?.textContent ?? '').split('\n').length > 3, null, { timeout: 30_000 });
    await screenshot(page, `playground-${arch}-running`);
    await page.keyboard.press('F6');
    await page.waitForSelector('html[data-transaction="applied"]', { timeout: 30_000 });
    await expect(page.locator('#patch-summary').textContent()).resolves.toMatch(/^Patch fix-rounding\.s: \d+ steps; pricing sequence 1 is live\./);
    await expect(page.locator('#patch-steps li').allTextContents()).resolves.toEqual(expect.arrayContaining(['4. Write the jump over the entry']));
    await expect(page.locator('#patch-detail h3').textContent()).resolves.toMatch(/Write the jump over the entry/);
    await expect(page.locator('#patch-detail .story').textContent()).resolves.toMatch(/^This is the moment the patch takes effect/);
    await expect(page.locator('#patch-detail .code-diff li.changed .mnemonic').first().textContent()).resolves.toBe(arch === 'x64' ? 'jmp' : 'b');
    await expect(page.locator('#patch-diagram svg').getAttribute('aria-label')).resolves
      .toBe('pricing!price_with_tax redirected to pricing patch 1!price_with_tax_fixed');
    await screenshot(page, `playground-${arch}-patch-applied`);
    // The run goes on after the transaction.
    await runToExit(page, 'running');
    const lines = await outputLines(page);
    await page.click('#pane-program');
    // The counters say how many calls ran before the switch (some prices are the same either way,
    // so the output alone cannot tell); the output must agree with them.
    const old = await counter(page, 'pricing!price_with_tax');
    expect(old.calls).toBeGreaterThanOrEqual(3);
    expect(old.redirected).toBe(12 - old.calls);
    expect(lines).toEqual([...buggy.slice(0, old.calls), ...fixed.slice(old.calls)]);
    await expect(counter(page, 'pricing patch 1!price_with_tax_fixed')).resolves.toEqual({ calls: 12 - old.calls, redirected: 0 });
    await expect(page.locator('#calls caption').textContent()).resolves
      .toBe(`pricing!price_with_tax: ${old.calls} calls ran its own code; +${12 - old.calls} \u2192 reached its entry while it was redirected, and ran the new code.`);
    await screenshot(page, `playground-${arch}-patched-run`);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});

describe('the ARM64 price list on the in-browser CPU', () => {
  const source = readFileSync('examples/price-tax/arm64/pricing.s', 'utf8');
  let buggy: string[];
  let fixed: string[];

  beforeAll(async () => {
    buggy = await unicornOutput('arm64', source);
    fixed = await unicornOutput('arm64', fixIn(source, FIX_ROUNDING.arm64));
  });

  it('runs, steps with changed registers marked, steps over a call, and prints what Unicorn prints', async () => {
    const { page, errors } = await open('#example=price-tax&arch=arm64');
    await editorReady(page);
    // Every shortcut is shown on its button, and tested below (F6 and F7 in the patch tests, Ctrl+S in hot-edit.e2e.test.ts).
    const shortcuts = await page.locator('button[aria-keyshortcuts]').evaluateAll((buttons) =>
      buttons.map((b) => [b.id, b.getAttribute('aria-keyshortcuts'), b.querySelector('kbd')?.textContent]));
    // Each also has a Ctrl/Cmd or Alt combination (the keyboard tests in playground-newcomer.e2e.test.ts use them).
    expect(shortcuts).toEqual([['run', 'F8 Control+Enter', 'F8'], ['step', "F11 Control+'", 'F11'], ['step-over', 'F10 Control+;', 'F10'],
      ['reset', 'Shift+F8 Control+Shift+Enter', '\u21E7F8'], ['hot-apply', 'Control+S', 'Ctrl+S'], ['apply', 'F6 Alt+Enter', 'F6'], ['patch-back', 'Shift+F7 Alt+[', '\u21E7F7'],
      ['patch-forward', 'F7 Alt+]', 'F7']]);
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
    const before = await counter(page, 'pricing!price_with_tax');
    await page.keyboard.press('F10');
    await page.waitForFunction(() => document.querySelector('#run-state')?.textContent?.startsWith('stepped over bl'));
    // One key press ran the whole call: the counter moved by one, the result is in x0, and we are after the call.
    await expect(counter(page, 'pricing!price_with_tax')).resolves.toEqual({ calls: before.calls + 1, redirected: 0 });
    await expect(page.locator('#registers .changed .name').allTextContents()).resolves.toContain('x0');
    await expect(page.locator('#disassembly li.current .mnemonic').textContent()).resolves.toBe('mov');
    await screenshot(page, 'playground-stepped');
    await runToExit(page, 'stopped');
    expect(await outputLines(page)).toEqual(buggy);
    await expect(counter(page, 'pricing!price_with_tax')).resolves.toEqual({ calls: 12, redirected: 0 });
    await screenshot(page, 'playground-run-exited');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('stops at the instruction budget, resets with Shift+F8, and runs at the chosen speed', async () => {
    const { page, errors } = await open('#example=price-tax&arch=arm64');
    await editorReady(page);
    await page.keyboard.press('F11');
    await page.waitForFunction(() => document.querySelector('#run-state')?.textContent?.includes('1 instructions'));
    // A new budget counts from the next reset.
    await page.fill('#budget', '100');
    await page.keyboard.press('Shift+F8');
    await page.waitForFunction(() => document.querySelector('#run-state')?.textContent === 'ready at pricing!main');
    await page.selectOption('#speed', '0');
    await page.keyboard.press('F8');
    await page.waitForFunction(() => document.querySelector('#run-state')?.textContent?.startsWith('stopped: the instruction budget is used up'), null, { timeout: 30_000 });
    await expect(page.locator('#run-state').textContent()).resolves.toContain(' · 100 instructions · Reset (\u21E7F8) starts over with a new budget');
    await expect(page.locator('#run').isDisabled()).resolves.toBe(true);
    await expect(page.locator('#step').isDisabled()).resolves.toBe(true);
    expect((await outputLines(page)).length).toBeLessThan(buggy.length);
    await screenshot(page, 'playground-budget-used-up');

    // At 10 instructions a second the guest goes one instruction at a time, and the page sees each one.
    await page.fill('#budget', '10000000');
    await page.keyboard.press('Shift+F8');
    await page.waitForFunction(() => document.querySelector('#run-state')?.textContent === 'ready at pricing!main');
    const seen = async (speed: string, distinct: number): Promise<number[]> => {
      await page.evaluate(() => {
        const counts: number[] = [];
        (window as unknown as { seenCounts: number[] }).seenCounts = counts;
        new MutationObserver(() => {
          const match = /^running · ([\d,]+) instructions$/.exec(document.querySelector('#run-state')?.textContent ?? '');
          if (match) counts.push(Number(match[1]!.replace(/,/g, '')));
        }).observe(document.querySelector('#run-state')!, { childList: true, characterData: true, subtree: true });
      });
      await page.selectOption('#speed', speed);
      await page.keyboard.press('F8');
      await page.waitForFunction((n) => new Set((window as unknown as { seenCounts: number[] }).seenCounts).size >= n, distinct, { timeout: 30_000 });
      await pause(page);
      return [...new Set(await page.evaluate(() => (window as unknown as { seenCounts: number[] }).seenCounts))];
    };
    const slow = await seen('10', 4);
    slow.forEach((count, i) => { if (i > 0) expect(count - slow[i - 1]!).toBe(1); });
    await page.keyboard.press('Shift+F8');
    await page.waitForFunction(() => document.querySelector('#run-state')?.textContent === 'ready at pricing!main');
    // At 2,000 a second it runs slices of 100 instructions, 20 a second.
    const fast = await seen('2000', 3);
    for (const count of fast) expect(count % 100).toBe(0);
    expect(fast[0]).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('refuses the same sequence again, then rolls back: later calls go back to the old function', async () => {
    const { page, errors } = await open('#example=price-tax&arch=arm64');
    await editorReady(page);
    await page.selectOption('#speed', '200');
    await page.keyboard.press('F8');
    await waitForCalls(page, 'pricing!price_with_tax', 2);
    await page.keyboard.press('F6');
    await page.waitForSelector('html[data-transaction="applied"]', { timeout: 30_000 });
    await waitForCalls(page, 'pricing patch 1!price_with_tax_fixed', 2);
    await pause(page);
    const before = (await counter(page, 'pricing!price_with_tax')).calls;
    const patched = (await counter(page, 'pricing patch 1!price_with_tax_fixed')).calls;
    await page.click('#pane-program');
    const memory = await memoryText(page);
    expect(await changedBytes(page)).toBe(4);
    // The same sequence again is refused, and nothing changes.
    await page.click('#pane-patch');
    await page.click('#apply');
    await page.waitForSelector('html[data-transaction="refused"]');
    await expect(page.locator('[data-testid="refusal"]').textContent()).resolves
      .toMatch(/^Patch fix-rounding\.s was refused \(stale-sequence\): patch sequence 1 for pricing is not newer than the active patch/);
    await expect(page.locator('#patch-detail .story').textContent()).resolves.toMatch(/nothing was written/);
    await expect(page.locator('#patch-steps').isVisible()).resolves.toBe(false);
    await screenshot(page, 'playground-refusal-stale-sequence');
    expect(await memoryText(page)).toBe(memory);
    await page.click('#rollback');
    await page.waitForFunction(() => document.querySelector('#patch-summary')?.textContent?.startsWith('Rollback of pricing'));
    await expect(page.locator('#patch-summary').textContent()).resolves.toMatch(/^Rollback of pricing: \d+ steps; pricing is back to its original code\./);
    await expect(page.locator('#patch-diagram svg').getAttribute('aria-label')).resolves
      .toBe('pricing!price_with_tax back to its original code; the redirect to pricing patch 1!price_with_tax_fixed is removed');
    await page.waitForFunction(() => document.querySelectorAll('#memory .byte.changed').length === 0);
    await screenshot(page, 'playground-rolled-back');
    await runToExit(page, 'stopped');
    // Old code before the patch, new code while it was live, old code again after the rollback.
    expect(await outputLines(page)).toEqual([...buggy.slice(0, before), ...fixed.slice(before, before + patched), ...buggy.slice(before + patched)]);
    await expect(counter(page, 'pricing!price_with_tax')).resolves.toEqual({ calls: 12 - patched, redirected: patched });
    await expect(counter(page, 'pricing patch 1!price_with_tax_fixed')).resolves.toEqual({ calls: patched, redirected: 0 });
    await page.click('#pane-program');
    await screenshot(page, 'playground-rolled-back-run');
    expect(errors).toEqual([]);
    await page.context().close();
  });
});

describe.each(['x64', 'arm64'] as const)('a %s transaction, step by step', (arch) => {
  let fixed: string[];

  beforeAll(async () => {
    fixed = await unicornOutput(arch, fixIn(readFileSync(`examples/price-tax/${arch}/pricing.s`, 'utf8'), FIX_ROUNDING[arch]));
  });

  it('steps through a transaction forwards and all the way back, with a diagram and an explanation for each step', async () => {
    const { page, errors } = await open(`#example=price-tax&arch=${arch}`);
    await editorReady(page);
    for (let i = 1; i <= 5; i++) {
      await page.keyboard.press('F11');
      await page.waitForFunction((n) => document.querySelector('#run-state')?.textContent?.includes(`${n} instructions`), i);
    }
    await page.click('#pane-patch');
    await expect(page.locator('#patch-detail .story').textContent()).resolves.toMatch(/^A hotpatch replaces a function while the program keeps running/);
    await page.click('#apply-stepwise');
    await page.waitForSelector('html[data-transaction="applied"]', { timeout: 30_000 });
    await expect(page.locator('#patch-summary').textContent()).resolves.toContain('0 of');
    await expect(page.locator('#patch-steps li.done').count()).resolves.toBe(0);
    // The program waits while the transaction is half replayed.
    await expect(page.locator('#run').isDisabled()).resolves.toBe(true);
    const memoryBefore = await memoryText(page);
    expect(await changedBytes(page)).toBe(0);
    const stages = await page.locator('#patch-steps li').evaluateAll((items) => items.map((li) => li.getAttribute('data-stage')));
    // ARM64 needs cache maintenance after each write; x86-64 keeps instruction fetch coherent by itself.
    expect(stages).toEqual(['identity', 'safe-point', 'map-code', 'entry-jump', ...(arch === 'arm64' ? ['flush-icache'] : [])]);
    const diagram = () => page.locator('#patch-diagram svg text').allTextContents();
    expect(await diagram()).toContain('not yet');
    for (let i = 1; i <= stages.length; i++) {
      await page.keyboard.press('F7');
      await page.waitForFunction((n) => document.querySelectorAll('#patch-steps li.done').length === n, i);
      await expect(page.locator('#patch-steps li.selected').getAttribute('data-stage')).resolves.toBe(stages[i - 1]);
      await expect(page.locator('#patch-detail h3').textContent()).resolves.toMatch(new RegExp(`^Step ${i} of ${stages.length}: .*in effect$`));
      expect((await page.locator('#patch-detail .story').textContent())!.length).toBeGreaterThan(60);
      // The jump is drawn, and in memory, from the entry-jump step on.
      const jumped = i >= stages.indexOf('entry-jump') + 1;
      await page.waitForFunction((n) => (document.querySelectorAll('#memory .byte.changed').length > 0) === n, jumped);
      expect(await diagram()).toContain(jumped ? 'jump' : 'not yet');
      await screenshot(page, `playground-${arch}-transaction-step-${i}-${stages[i - 1]}`);
    }
    // The entry jump: one b on ARM64, a jmp rel32 on x86-64.
    expect(await changedBytes(page)).toBe(arch === 'arm64' ? 4 : 5);
    // And all the way back: every step undone, memory as loaded.
    for (let i = stages.length - 1; i >= 0; i--) {
      await page.keyboard.press('Shift+F7');
      await page.waitForFunction((n) => document.querySelectorAll('#patch-steps li.done').length === n, i);
    }
    await page.waitForFunction(() => document.querySelectorAll('#memory .byte.changed').length === 0);
    expect(await memoryText(page)).toBe(memoryBefore);
    expect(await diagram()).toContain('not yet');
    await expect(page.locator('#patch-back').isDisabled()).resolves.toBe(true);
    await screenshot(page, `playground-${arch}-transaction-stepped-back`);
    // Finish puts every step in at once, and the program may go on.
    await page.click('#patch-finish');
    await page.waitForFunction((n) => document.querySelectorAll('#patch-steps li.done').length === n, stages.length);
    await expect(page.locator('#run').isDisabled()).resolves.toBe(false);
    await runToExit(page, 'stopped');
    // Patched before its first call: every price comes from the new function.
    expect(await outputLines(page)).toEqual(fixed);
    await expect(counter(page, 'pricing!price_with_tax')).resolves.toEqual({ calls: 0, redirected: 12 });
    expect(errors).toEqual([]);
    await page.context().close();
  });
});

/** What `hotpatch run --json` reports for an example: the oracle for the page's run of the same timeline. */
interface CliRun {
  output: string;
  events: {
    at: { afterCalls: number; of: string; thenInstructions?: number };
    name: string;
    reached: { instructions: number; pc: number; where: string };
    wait?: { message: string; steppedInstructions: number; resumedAt: string };
  }[];
}

function cliRun(example: string, arch: Arch): CliRun {
  return JSON.parse(execFileSync(process.execPath, ['bin/hotpatch.js', 'run', `examples/${example}`, '--arch', arch, '--json'],
    { encoding: 'utf8' })) as CliRun;
}

/** The instruction count the run state shows (0 before the first step). */
const shownInstructions = async (page: Page) =>
  Number(/([\d,]+) instructions$/.exec((await page.locator('#run-state').textContent()) ?? '')?.[1]?.replace(/,/g, '') ?? 0);

/** One step (F11) or step over a call (F10), waiting until the page shows the guest paused further on. */
async function stepOnce(page: Page, key: 'F10' | 'F11'): Promise<void> {
  const before = await shownInstructions(page);
  await page.keyboard.press(key);
  await page.waitForFunction((n) => {
    const match = /([\d,]+) instructions$/.exec(document.querySelector('#run-state')?.textContent ?? '');
    return document.documentElement.dataset.runState === 'paused' && match !== null && Number(match[1]!.replace(/,/g, '')) > n;
  }, before, { timeout: 30_000 });
}

/** Entries of a function so far: its own runs and those sent on to new code (no row yet: none). */
async function entries(page: Page, name: string): Promise<number> {
  if (await page.locator(`#calls tr[data-function="${name}"]`).count() === 0) return 0;
  const { calls, redirected } = await counter(page, name);
  return calls + redirected;
}

/** Steps the guest to a timeline moment: over calls until `of` has been entered `afterCalls` times, into the next one, then on. */
async function stepToMoment(page: Page, at: CliRun['events'][number]['at']): Promise<void> {
  for (let reached = false; !reached;) {
    const current = page.locator('#disassembly li.current');
    const mnemonic = await current.locator('.mnemonic').textContent();
    const call = mnemonic === 'call' || mnemonic === 'bl';
    reached = call && ((await current.textContent()) ?? '').includes(`<${at.of}>`) && await entries(page, at.of) === at.afterCalls;
    await stepOnce(page, call && !reached ? 'F10' : 'F11');
  }
  for (let i = 0; i < (at.thenInstructions ?? 0); i++) await stepOnce(page, 'F11');
}

/**
 * The page says where the guest is as the command line does ("pricing!price_with_tax+0x3"), except in
 * a patch's code, which the page names by the patch function there rather than "pricing patch 1 code+0x0".
 */
async function expectSamePlace(page: Page, cliWhere: string): Promise<void> {
  const where = (await page.locator('#where').textContent()) ?? '';
  const patchCode = /^(.+ patch \d+) code\+0x[0-9a-f]+$/.exec(cliWhere);
  if (patchCode) expect(where).toMatch(new RegExp(`^${patchCode[1]}!\\w+`));
  else expect(where).toBe(cliWhere);
}

describe.each(['x64', 'arm64'] as const)('a patch that must wait for a thread, on %s', (arch) => {
  it('stops where the timeline does, waits for a safe point, says how long, and prints what the command line prints', async () => {
    const cli = cliRun('wait-for-thread', arch);
    expect(cli.events.some((e) => e.wait)).toBe(true);
    const { page, errors } = await open(`#example=wait-for-thread&arch=${arch}`);
    await editorReady(page);
    for (const [i, event] of cli.events.entries()) {
      await page.click('#pane-program');
      await stepToMoment(page, event.at);
      // The same moment as the command line's run: as many instructions, the same place.
      expect(await shownInstructions(page)).toBe(event.reached.instructions);
      await expect(page.locator('#disassembly li.current').getAttribute('data-address').then(Number)).resolves.toBe(event.reached.pc);
      await expectSamePlace(page, event.reached.where);
      if (event.wait) await screenshot(page, `playground-${arch}-wait-for-thread-moment`);
      await page.click('#pane-patch');
      await page.selectOption('#patch-choice', { label: event.name });
      await page.click('#apply');
      await page.waitForFunction((name) => (document.querySelector('#patch-summary')?.textContent ?? '').startsWith(`Patch ${name}: `),
        event.name, { timeout: 30_000 });
      await expect(page.locator('#patch-summary').textContent()).resolves.toContain(`sequence ${i + 1} is live`);
      // The page shows the entry jump's step; over a live patch it replaces that patch's jump, not the original instruction.
      await expect(page.locator('#patch-detail .story').textContent()).resolves.toContain(i === 0
        ? 'The first instruction of price_with_tax is overwritten with a jump to'
        : `The entry of price_with_tax gets a jump to price_with_tax_madd, in place of what patch ${i} left there.`);
      const wait = page.locator('#patch-summary .wait');
      if (event.wait) {
        const n = event.wait.steppedInstructions;
        await expect(wait.textContent()).resolves
          .toBe(`Waited ${n} instruction${n === 1 ? '' : 's'} for a safe point: ${event.wait.message}.`);
        await expectSamePlace(page, event.wait.resumedAt);
        await screenshot(page, `playground-${arch}-wait-for-thread-applied`);
      } else {
        await expect(wait.count()).resolves.toBe(0);
      }
    }
    await runToExit(page, 'stopped');
    expect(await outputLines(page)).toEqual(cli.output.trimEnd().split('\n'));
    await expect(entries(page, 'pricing!price_with_tax')).resolves.toBe(12);
    await page.click('#pane-program');
    await screenshot(page, `playground-${arch}-wait-for-thread-run`);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});

describe('two patches in a row on x86-64, then a rollback to the first', () => {
  it('applies patch 2 over patch 1 while the program runs, and rolling patch 2 back makes patch 1 live again', async () => {
    const source = readFileSync('examples/cumulative/x64/checkout.s', 'utf8');
    const rounding = fixIn(source, FIX_ROUNDING.x64);
    const [buggy, roundingFixed, bothFixed] = await Promise.all([unicornOutput('x64', source), unicornOutput('x64', rounding),
      unicornOutput('x64', fixIn(rounding, FIX_SHIPPING.x64))]);
    expect(new Set([buggy, roundingFixed, bothFixed].map((o) => o.join())).size).toBe(3);
    const { page, errors } = await open('#example=cumulative&arch=x64');
    await editorReady(page);
    await page.selectOption('#speed', '200');
    const runUntil = async (name: string, calls: number) => {
      await page.keyboard.press('F8');
      await waitForCalls(page, name, calls);
      await pause(page);
      return (await counter(page, name)).calls;
    };
    const apply = async (choice: string, summary: RegExp) => {
      await page.click('#pane-patch');
      await page.selectOption('#patch-choice', choice);
      await page.click('#apply');
      await page.waitForFunction((pattern) => new RegExp(pattern).test(document.querySelector('#patch-summary')?.textContent ?? ''),
        summary.source, { timeout: 30_000 });
    };
    const old = await runUntil('checkout!price_with_tax', 2);
    await apply('0', /^Patch fix-rounding\.s: \d+ steps; checkout sequence 1 is live\./);
    const first = await runUntil('checkout patch 1!price_with_tax_fixed', 2);
    await apply('1', /^Patch fix-rounding-and-shipping\.s: \d+ steps; checkout sequence 2 is live, replacing sequence 1\./);
    await expect(page.locator('#patch-diagram svg').evaluateAll((svgs) => svgs.map((s) => s.getAttribute('aria-label')))).resolves.toEqual([
      'checkout!price_with_tax redirected to checkout patch 2!price_with_tax_fixed',
      'checkout!shipping redirected to checkout patch 2!shipping_fixed',
    ]);
    await screenshot(page, 'playground-second-patch');
    const second = await runUntil('checkout patch 2!price_with_tax_fixed', 2);
    await page.click('#rollback');
    await page.waitForFunction(() => /^Rollback of checkout: \d+ steps; checkout is back to patch sequence 1\./
      .test(document.querySelector('#patch-summary')?.textContent ?? ''), null, { timeout: 30_000 });
    await expect(page.locator('#patch-diagram svg').evaluateAll((svgs) => svgs.map((s) => s.getAttribute('aria-label')))).resolves.toEqual([
      'checkout!price_with_tax redirected to checkout patch 1!price_with_tax_fixed',
      'checkout!shipping back to its original code; the redirect to checkout patch 2!shipping_fixed is removed',
    ]);
    await screenshot(page, 'playground-rollback-to-first-patch');
    await runToExit(page, 'stopped');
    expect(await outputLines(page)).toEqual([
      ...buggy.slice(0, old),
      ...roundingFixed.slice(old, old + first),
      ...bothFixed.slice(old + first, old + first + second),
      ...roundingFixed.slice(old + first + second),
    ]);
    await expect(counter(page, 'checkout!price_with_tax')).resolves.toEqual({ calls: old, redirected: 12 - old });
    await expect(counter(page, 'checkout patch 1!price_with_tax_fixed')).resolves.toEqual({ calls: 12 - old - second, redirected: 0 });
    await expect(counter(page, 'checkout patch 2!price_with_tax_fixed')).resolves.toEqual({ calls: second, redirected: 0 });
    await expect(counter(page, 'checkout patch 2!shipping_fixed')).resolves.toEqual({ calls: second, redirected: 0 });
    await page.click('#pane-program');
    await screenshot(page, 'playground-second-patch-run');
    expect(errors).toEqual([]);
    await page.context().close();
  });
});

describe.each(['x64', 'arm64'] as const)('bad patches on %s', (arch) => {
  it('refuses a patch built for another build of the module, and one that does not build; memory stays as it was', async () => {
    const [program] = (JSON.parse(readFileSync('examples/wrong-base/example.json', 'utf8')) as { modules: string[] }).modules;
    const expected = await unicornOutput(arch, readFileSync(`examples/${exampleFilePath('wrong-base', arch, program!)}`, 'utf8'));
    const { page, errors } = await open(`#example=wrong-base&arch=${arch}`);
    await editorReady(page);
    await page.click('#editor-tabs button[data-key="patch:0"]');
    await page.waitForFunction(() => document.querySelector('#assembly-status')?.textContent
      ?.includes('Built against pricing-1.0.s, another build of pricing than the one loaded'), null, { timeout: 15_000 });
    await page.selectOption('#speed', '200');
    await page.keyboard.press('F8');
    await waitForCalls(page, 'pricing!price_with_tax', 2);
    await pause(page);
    const memory = await memoryText(page);
    await page.click('#pane-patch');
    await page.click('#apply');
    await page.waitForSelector('html[data-transaction="refused"]');
    await expect(page.locator('[data-testid="refusal"]').textContent()).resolves.toMatch(new RegExp('^Patch fix-rounding\\.s was refused \\(wrong-base\\): ' +
      'the patch was built for pricing sha256:[0-9a-f]{64}, but the running pricing is sha256:[0-9a-f]{64}: it belongs to another build and nothing was written'));
    await expect(page.locator('#rollback').isDisabled()).resolves.toBe(true);
    await screenshot(page, `playground-${arch}-refusal-wrong-build`);
    // A link keeps what the patch is built against (checked at the end: opened elsewhere, it is refused the same way).
    await page.click('#share');
    await page.waitForFunction(() => document.querySelector('#share')?.getAttribute('data-link')?.includes('#s='));
    const link = (await page.locator('#share').getAttribute('data-link'))!;
    // A patch that does not assemble is refused too, with the line that is wrong.
    await page.locator('.monaco-editor .view-line', { hasText: /^\s*ret\b/ }).first().click();
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('frobnicate');
    await page.locator('[data-testid="assembly-error"]').waitFor({ timeout: 15_000 });
    await page.keyboard.press('F6');
    await page.waitForSelector('html[data-transaction="not-built"]', { timeout: 15_000 });
    await expect(page.locator('[data-testid="refusal"]').textContent()).resolves
      .toMatch(/^Patch fix-rounding\.s does not build: fix-rounding\.s line \d+: cannot assemble "frobnicate"/);
    await screenshot(page, `playground-${arch}-refusal-not-built`);
    await page.click('#pane-program');
    expect(await memoryText(page)).toBe(memory);
    expect(await changedBytes(page)).toBe(0);
    await runToExit(page, 'stopped');
    expect(await outputLines(page)).toEqual(expected);
    await expect(counter(page, 'pricing!price_with_tax')).resolves.toEqual({ calls: 12, redirected: 0 });
    expect(errors).toEqual([]);
    await page.context().close();
    const { page: other, errors: otherErrors } = await open(link.slice(link.indexOf('#')));
    await editorReady(other);
    await other.click('#editor-tabs button[data-key="patch:0"]');
    await other.waitForFunction(() => document.querySelector('#assembly-status')?.textContent
      ?.includes('Built against pricing-1.0.s, another build of pricing than the one loaded'), null, { timeout: 15_000 });
    await other.click('#pane-patch');
    await other.click('#apply');
    await other.waitForSelector('html[data-transaction="refused"]');
    await expect(other.locator('[data-testid="refusal"]').textContent()).resolves.toMatch(/^Patch fix-rounding\.s was refused \(wrong-base\)/);
    expect(otherErrors).toEqual([]);
    await other.context().close();
  });
});

describe('a hook on x86-64', () => {
  it('draws the trampoline back into the original, and the hooked calls still run the original code', async () => {
    const { page, errors } = await open('#example=hook-original&arch=x64');
    await editorReady(page);
    await page.selectOption('#speed', '200');
    await page.keyboard.press('F8');
    await waitForCalls(page, 'discounts!discounted', 2);
    await pause(page);
    const before = (await counter(page, 'discounts!discounted')).calls;
    await page.click('#pane-patch');
    await page.click('#apply');
    await page.waitForSelector('html[data-transaction="applied"]', { timeout: 30_000 });
    await expect(page.locator('#patch-diagram svg').getAttribute('aria-label')).resolves.toMatch(/^discounts!discounted redirected to discounts patch 1!\w+ with a trampoline back to the original$/);
    await expect(page.locator('#patch-steps li').evaluateAll((items) => items.map((li) => li.getAttribute('data-stage')))).resolves.toContain('trampoline');
    const drawing = await page.locator('#patch-diagram svg').evaluate(flowGeometry);
    expectHookDrawing(drawing);
    // The body line is where the trampoline's last jump goes, as Capstone reads the trampoline: past every
    // displaced instruction, which on x86-64 may end beyond the 5 bytes of the entry jump.
    await page.click('#patch-steps li[data-stage="trampoline"] button');
    await page.waitForFunction(() => document.querySelector('#patch-detail h3')?.textContent?.includes('trampoline'));
    const trampoline = await page.locator('#patch-detail .code-diff li').allTextContents();
    const jumpBack = trampoline.map((line) => /jmp (0x[0-9a-f]+)$/.exec(line)?.[1]).filter(Boolean).at(-1);
    expect(drawing.targetLines[3]?.text).toBe(`${jumpBack}: rest of the body`);
    // The trampoline goes into fresh memory: there is no code before it to show.
    await expect(page.locator('#patch-detail .code-diff h4').allTextContents()).resolves.toEqual(['After']);
    await page.click('#patch-steps li[data-stage="entry-jump"] button');
    await screenshot(page, 'playground-hook-applied');
    await runToExit(page, 'stopped');
    // Every later entry is sent on to the hook, which calls the original through the trampoline.
    const after = await counter(page, 'discounts!discounted');
    expect(after.redirected).toBeGreaterThan(0);
    expect(after.calls).toBe(before + after.redirected);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
