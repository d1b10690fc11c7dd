// The playground as a newcomer meets it, at the sizes it is used at: a phone (390x844), a tablet
// (768 wide) and a laptop (1366x850). Layout is checked from element boxes (overlaps, sideways
// scrolling, what a tap at a control's centre reaches, panels that cut their content), state from
// what the page says while a program runs, is switched, patched, reset and rolled back.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { LAPTOP, newContext, PHONE, screenshot, TABLET, type Viewport, watchErrors } from '../../harness/browser/browser.ts';
import { clipped, layoutReport, unreachable } from '../../harness/browser/layout.ts';
import { openPlayground, useServedPage } from '../../harness/browser/served-page.ts';

const served = useServedPage();

function open(hash: string, viewport: Viewport): Promise<{ page: Page; errors: string[] }> {
  return openPlayground(served, hash, { viewport });
}

async function loaded(page: Page): Promise<void> {
  await page.waitForSelector('html[data-program="loaded"]', { timeout: 30_000 });
}

const runState = (page: Page) => page.evaluate(() => document.documentElement.dataset.runState);

/** The parts of the lab that must never be drawn over each other. */
const LAB_PARTS = ['#editor-host', '#assembly-status', '#run', '#step', '#step-over', '#reset', '#speed', '#budget',
  '.output-panel', '.pane-tabs', '.disassembly-panel', '.calls-panel', '.registers-panel', '.memory-panel'];

async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const cards = await page.$$eval('.card', (all) => all.map((c, i) => `.card:nth-child(${i + 1})`));
  const report = await layoutReport(page, ['header.top', 'main.lab', '#gallery', ...cards]);
  expect(report.horizontalOverflow).toBe(0);
  expect(report.pastRightEdge).toEqual([]);
}

describe.each([
  { name: 'a phone', viewport: PHONE, shot: 'playground-390' },
  { name: 'a tablet', viewport: TABLET, shot: 'playground-768' },
  { name: 'a laptop', viewport: LAPTOP, shot: 'playground-1366' },
])('the lab on $name ($viewport.width px wide)', ({ viewport, shot }) => {
  it('lays every control and panel out without overlaps or sideways scrolling, and a tap on Run runs the program', async () => {
    const { page, errors } = await open('#example=price-tax&arch=x64', viewport);
    await loaded(page);
    await expectNoSidewaysScroll(page);
    const before = await layoutReport(page, LAB_PARTS);
    expect(before.overlaps).toEqual([]);
    for (const part of LAB_PARTS) expect(before.boxes[part], part).not.toBeNull();
    expect(await unreachable(page, ['#run', '#step', '#step-over', '#reset', '#assembly-status', '#speed', '#budget'])).toEqual([]);
    // A real pointer click, where the editor once lay over the button.
    await page.selectOption('#speed', '0');
    await page.click('#run');
    await page.waitForFunction(() => document.documentElement.dataset.runState === 'exited', null, { timeout: 30_000 });
    const after = await layoutReport(page, LAB_PARTS);
    expect(after.overlaps).toEqual([]);
    expect(after.horizontalOverflow).toBe(0);
    // The output shows at least a dozen lines, and the registers are not cut.
    const lines = await page.$eval('#output', (pre) => pre.clientHeight / parseFloat(getComputedStyle(pre).lineHeight));
    expect(lines).toBeGreaterThanOrEqual(12);
    expect(await clipped(page, ['.registers-panel', '.output-panel'])).toEqual([]);
    await screenshot(page, shot);
    // With the gallery open too, nothing sticks out sideways.
    await page.click('#gallery-toggle');
    await page.waitForSelector('#gallery:not([hidden])');
    await expectNoSidewaysScroll(page);
    await screenshot(page, `${shot}-gallery`);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});

describe('the window stays where the reader put it', () => {
  it('does not scroll by itself when the program loads or while it runs; the disassembly panel follows the program counter', async () => {
    // A first visit: the gallery is open above the lab.
    const { page, errors } = await open('', LAPTOP);
    await loaded(page);
    await page.waitForTimeout(500);
    expect(await page.evaluate(() => scrollY)).toBe(0);
    await page.selectOption('#speed', '10');
    await page.click('#run');
    await page.waitForFunction(() => document.documentElement.dataset.runState === 'running');
    await page.evaluate(() => scrollTo(0, 600));
    const count = () => page.evaluate(() => Number(/running · ([\d,]+)/.exec(document.querySelector('#run-state')?.textContent ?? '')?.[1]?.replace(/,/g, '') ?? 0));
    const start = await count();
    await page.waitForFunction((n) => Number(/running · ([\d,]+)/.exec(document.querySelector('#run-state')?.textContent ?? '')?.[1]?.replace(/,/g, '') ?? 0) >= n + 5, start, { timeout: 10_000 });
    expect(await page.evaluate(() => scrollY)).toBe(600);
    // The current row is inside the disassembly panel's box.
    const inside = await page.evaluate(() => {
      const row = document.querySelector('#disassembly li.current')!.getBoundingClientRect();
      const panel = document.querySelector('.disassembly-panel')!.getBoundingClientRect();
      return row.top >= panel.top - 1 && row.bottom <= panel.bottom + 1;
    });
    expect(inside).toBe(true);
    expect(await runState(page)).toBe('running');
    expect(errors).toEqual([]);
    await page.context().close();
  });
});

const label = (page: Page, selector: string) => page.$eval(selector, (e) => (e.querySelector('.label') ?? e).textContent?.trim());

/** A disabled control says why: a tooltip, and an element on the page that describes it. */
async function expectReason(page: Page, selector: string, words: RegExp): Promise<void> {
  const { disabled, title, described } = await page.$eval(selector, (e) => ({
    disabled: (e as HTMLButtonElement).disabled, title: e.getAttribute('title') ?? '',
    described: document.getElementById(e.getAttribute('aria-describedby') ?? '')?.textContent ?? '' }));
  expect(disabled).toBe(true);
  expect(title).toMatch(words);
  expect(described).toMatch(words);
}

describe('switching programs while one runs', () => {
  it('stops the old run and loads the new program at once, for another architecture and another example', async () => {
    const { page, errors } = await open('#example=price-tax&arch=x64', LAPTOP);
    await loaded(page);
    await page.selectOption('#speed', '10');
    await page.click('#run');
    await page.waitForFunction(() => /running · [1-9]/.test(document.querySelector('#run-state')?.textContent ?? ''));
    await page.click('#arch-arm64');
    await page.waitForFunction(() => document.documentElement.dataset.runState === 'ready'
      && document.querySelector('#registers [data-register="x0"]') !== null, null, { timeout: 5_000 });
    await expect(page.locator('#where').textContent()).resolves.toMatch(/^pricing!main/);
    await expect(page.locator('#registers [data-register="rax"]').count()).resolves.toBe(0);
    await expect(page.locator('#output').textContent()).resolves.toBe('');
    expect(await label(page, '#run')).toBe('Run');
    await expect(page.locator('#apply').isEnabled()).resolves.toBe(true);
    // The old guest is gone: nothing moves any more.
    const where = await page.locator('#where').textContent();
    await page.waitForTimeout(600);
    await expect(page.locator('#where').textContent()).resolves.toBe(where);
    expect(await runState(page)).toBe('ready');

    // An edit while the program runs is not loaded until Reset: the page says so, and Run still pauses.
    await page.click('#run');
    await page.waitForFunction(() => document.documentElement.dataset.runState === 'running');
    await page.waitForSelector('html[data-editor="monaco"]', { timeout: 30_000 });
    await page.locator('.monaco-editor .view-line', { hasText: '.entry main' }).click();
    await page.keyboard.press('End');
    await page.keyboard.type(' // edited');
    await page.waitForFunction(() => document.querySelector('#run-state')?.textContent?.includes('sources edited'), null, { timeout: 10_000 });
    expect(await label(page, '#run')).toBe('Pause');
    await expectReason(page, '#apply', /sources changed/);

    // An example picked from the gallery replaces the running program too.
    await page.click('#gallery-toggle');
    await page.click('.card[data-example="hook-original"] button[data-arch="x64"]');
    await page.waitForFunction(() => document.documentElement.dataset.runState === 'ready'
      && document.querySelector('#registers [data-register="rax"]') !== null
      && (document.querySelector('#where')?.textContent ?? '').startsWith('discounts!main'), null, { timeout: 5_000 });
    await expect(page.locator('#output').textContent()).resolves.toBe('');
    expect(await label(page, '#run')).toBe('Run');
    await expect(page.locator('#run-state').textContent()).resolves.not.toContain('sources edited');
    await expect(page.locator('#apply').isEnabled()).resolves.toBe(true);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});

describe('the patch view follows the running program', () => {
  it('forgets a patch when Reset starts the program again, refuses one after the program ended, and says a rollback is a rollback', async () => {
    const { page, errors } = await open('#example=price-tax&arch=x64', LAPTOP);
    await loaded(page);
    await page.click('#pane-patch');
    await page.click('#apply');
    await page.waitForFunction(() => document.querySelector('#patch-summary')?.textContent?.includes('is live'), null, { timeout: 30_000 });
    await expect(page.locator('#patch-diagram svg').count()).resolves.toBe(1);
    await page.click('#reset');
    await page.waitForFunction(() => !document.querySelector('#patch-summary')?.textContent?.includes('is live'), null, { timeout: 10_000 });
    await expect(page.locator('[data-testid="patch-dropped"]').textContent()).resolves.toMatch(/earlier run/);
    await expect(page.locator('#patch-diagram svg').count()).resolves.toBe(0);
    await expect(page.locator('#rollback').isDisabled()).resolves.toBe(true);
    await expect(page.locator('#rollback').getAttribute('title')).resolves.toMatch(/no patch is live/i);

    // An ended program runs no patch: Apply says so instead of claiming one is live.
    await page.selectOption('#speed', '0');
    await page.click('#run');
    await page.waitForFunction(() => document.documentElement.dataset.runState === 'exited', null, { timeout: 30_000 });
    await expectReason(page, '#apply', /program has ended/);

    // Reset, one step, apply, roll back: the status line speaks of the rollback.
    await page.click('#reset');
    await page.waitForFunction(() => document.querySelector('#run-state')?.textContent?.startsWith('ready at'));
    await page.click('#step');
    await page.waitForFunction(() => document.querySelector('#run-state')?.textContent?.includes('1 instructions'));
    await page.click('#apply');
    await page.waitForFunction(() => document.querySelector('#patch-summary')?.textContent?.includes('is live'), null, { timeout: 30_000 });
    await page.click('#rollback');
    await page.waitForFunction(() => /back to its original code/.test(document.querySelector('#patch-summary')?.textContent ?? ''), null, { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelector('#run-state')?.textContent?.includes('rolled back'), null, { timeout: 10_000 });
    await expect(page.locator('#run-state').textContent()).resolves.not.toMatch(/applied/);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});

describe('the output beside the patch view', () => {
  it('stays in view while the patch view is open, shows a dozen lines, and marks where each transaction took effect', async () => {
    const { page, errors } = await open('#example=price-tax&arch=x64', LAPTOP);
    await loaded(page);
    // Applied at the entry: the mark comes before the first line.
    await page.keyboard.press('F6');
    await page.waitForSelector('html[data-transaction="applied"]', { timeout: 30_000 });
    await expect(page.locator('#patch-pane').isVisible()).resolves.toBe(true);
    await page.selectOption('#speed', '0');
    await page.click('#run');
    await page.waitForFunction(() => document.documentElement.dataset.runState === 'exited', null, { timeout: 30_000 });
    const output = await page.$eval('#output', (pre) => {
      const box = pre.getBoundingClientRect();
      return { top: box.top, bottom: box.bottom, height: box.height, lines: pre.clientHeight / parseFloat(getComputedStyle(pre).lineHeight),
        firstIsMark: (pre.firstChild as Element | null)?.classList?.contains('tx-mark') ?? false,
        text: pre.textContent ?? '' };
    });
    expect(output.height).toBeGreaterThan(0);
    expect(output.top).toBeGreaterThanOrEqual(0);
    expect(output.bottom).toBeLessThanOrEqual(LAPTOP.height);
    expect(output.lines).toBeGreaterThanOrEqual(12);
    expect(output.firstIsMark).toBe(true);
    await expect(page.locator('#output .tx-mark').count()).resolves.toBe(1);
    await expect(page.locator('#output .tx-mark').getAttribute('data-label')).resolves.toBe('fix-rounding.s applied (pricing sequence 1)');
    // The marks are drawn, not written: the text is what the program printed.
    expect(output.text.trimEnd().split('\n')).toHaveLength(12);
    await screenshot(page, 'playground-1366-output-marked');
    expect(errors).toEqual([]);
    await page.context().close();
  });
});

describe('assembler errors', () => {
  it('shows every error of a paste, brings the first into view, and tells ARM64 readers how comments start', async () => {
    const context = await newContext(served.browser, { viewport: LAPTOP });
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(served.server.url + '#example=price-tax&arch=x64');
    await page.waitForSelector('html[data-editor="monaco"]', { timeout: 30_000 });
    await loaded(page);
    const block = ['    frobnicate eax, 1', ...Array.from({ length: 25 }, () => '    nop'), '    mov eax, ebx, ecx',
      ...Array.from({ length: 35 }, () => '    nop')].join('\n') + '\n';
    await page.evaluate((text) => navigator.clipboard.writeText(text), block);
    // The cursor goes to the end of line 21 ("xor ebx, ebx ; item index") by keys.
    await page.locator('.monaco-editor .view-line', { hasText: '.entry main' }).click();
    await page.keyboard.press('Control+Home');
    for (let i = 1; i < 21; i++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Control+V');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="assembly-error"]').length >= 2, null, { timeout: 15_000 });
    const shown = await page.locator('[data-testid="assembly-error"]').allTextContents();
    expect(shown.map((e) => /^pricing\.s line (\d+):/.exec(e)?.[1])).toEqual(['22', '48']);
    // The first error's squiggle is drawn inside the editor's box (Monaco draws only the lines in view).
    await page.waitForSelector('.monaco-editor .squiggly-error', { timeout: 10_000 });
    const inside = await page.evaluate(() => {
      const editor = document.querySelector('.monaco-editor')!.getBoundingClientRect();
      return [...document.querySelectorAll('.monaco-editor .squiggly-error')].some((s) => {
        const r = s.getBoundingClientRect();
        return r.top >= editor.top && r.bottom <= editor.bottom;
      });
    });
    expect(inside).toBe(true);
    await screenshot(page, 'playground-1366-errors');

    await page.goto(served.server.url + '#example=price-tax&arch=arm64');
    await page.reload();
    await page.waitForSelector('html[data-editor="monaco"]', { timeout: 30_000 });
    await loaded(page);
    // Line 22 ("item index") may be below the editor's visible lines: the cursor gets there by keys.
    await page.locator('.monaco-editor .view-line').first().click();
    await page.keyboard.press('Control+Home');
    for (let i = 1; i < 22; i++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('mov x9, #1 ; scratch');
    const error = page.locator('[data-testid="assembly-error"]').first();
    await error.waitFor({ timeout: 15_000 });
    await expect(error.textContent()).resolves.toContain('//');
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe('the keyboard', () => {
  it('reaches the run controls before the editor, leaves the editor with Ctrl+M and Tab, runs with Ctrl+Enter, and lists the shortcuts', async () => {
    const { page, errors } = await open('#example=price-tax&arch=x64', LAPTOP);
    await page.waitForSelector('html[data-editor="monaco"]', { timeout: 30_000 });
    await loaded(page);
    const focus = () => page.evaluate(() => {
      const active = document.activeElement;
      return active?.closest('.monaco-editor') ? 'editor' : active?.id || active?.tagName || '';
    });
    let reached = '';
    for (let i = 0; i < 30 && reached !== 'run' && reached !== 'editor'; i++) {
      await page.keyboard.press('Tab');
      reached = await focus();
    }
    expect(reached).toBe('run');

    // "?" outside the editor lists every shortcut.
    await page.keyboard.press('?');
    await page.waitForSelector('#shortcuts-dialog[open]');
    const rows = await page.locator('#shortcuts-list tr').allTextContents();
    for (const words of ['Run', 'Step one instruction', 'Step over', 'Reset', 'Apply', 'Next step', 'back']) {
      expect(rows.some((r) => r.includes(words)), words).toBe(true);
    }
    expect(rows.some((r) => r.includes('Ctrl+Enter'))).toBe(true);
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.querySelector('#shortcuts-dialog')?.hasAttribute('open'));

    // In the editor Tab indents; after Ctrl+M it moves the focus on.
    await page.locator('.monaco-editor .view-line', { hasText: '.entry main' }).click();
    expect(await focus()).toBe('editor');
    await page.keyboard.press('Control+M');
    await page.keyboard.press('Tab');
    expect(await focus()).not.toBe('editor');

    // Ctrl+Enter runs, with the focus in the editor too.
    await page.locator('.monaco-editor .view-line', { hasText: '.entry main' }).click();
    await page.selectOption('#speed', '10');
    await page.locator('.monaco-editor .view-line', { hasText: '.entry main' }).click();
    await page.keyboard.press('Control+Enter');
    await page.waitForFunction(() => document.documentElement.dataset.runState === 'running', null, { timeout: 10_000 });
    expect(errors).toEqual([]);
    await page.context().close();
  });
});

describe('small things', () => {
  it('says what stopped a run and refuses a budget that is not a number of instructions', async () => {
    const { page, errors } = await open('#example=price-tax&arch=x64', LAPTOP);
    await loaded(page);
    await page.fill('#budget', '100');
    await page.click('#reset');
    await page.waitForFunction(() => document.querySelector('#run-state')?.textContent?.startsWith('ready at'));
    await page.selectOption('#speed', '0');
    await page.click('#run');
    await page.waitForFunction(() => document.querySelector('#run-state')?.textContent?.startsWith('stopped: the instruction budget is used up'), null, { timeout: 30_000 });
    expect(await label(page, '#run')).not.toBe('Continue');
    await expectReason(page, '#run', /budget is used up/);
    for (const bad of ['0', '-5', '', '1.5']) {
      await page.fill('#budget', bad);
      await expectReason(page, '#run', /whole number/);
      await expect(page.locator('#budget-problem').textContent()).resolves.toMatch(/whole number/);
    }
    await page.fill('#budget', '10000000');
    await expect(page.locator('#budget-problem').textContent()).resolves.toBe('');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('shows the hooked function in the memory view and on its card, and names the x86-64 call in the diagram', async () => {
    const { page, errors } = await open('#example=hook-original&arch=x64', LAPTOP);
    await loaded(page);
    await expect(page.locator('#memory-at option:checked').textContent()).resolves.toMatch(/^discounts!discounted /);
    await page.click('#gallery-toggle');
    await expect(page.locator('.card[data-example="hook-original"] .card-arch pre').first().textContent()).resolves.toMatch(/^\.func discounted\b/);
    await page.click('#gallery-toggle');
    await page.click('#pane-patch');
    await page.click('#apply');
    await page.waitForSelector('html[data-transaction="applied"]', { timeout: 30_000 });
    const drawn = await page.locator('#patch-diagram svg').first().textContent();
    expect(drawn).toContain('call discounted');
    expect(drawn).not.toContain('bl/call');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('switches between light and dark and keeps the choice; links to the docs; has link-preview tags', async () => {
    const { page, errors } = await open('#example=price-tax&arch=x64', LAPTOP);
    await page.waitForSelector('html[data-editor="monaco"]', { timeout: 30_000 });
    const look = () => page.evaluate(() => ({ background: getComputedStyle(document.body).backgroundColor,
      monacoDark: document.querySelector('.monaco-editor')?.classList.contains('vs-dark') ?? false }));
    const light = await look();
    expect(light.monacoDark).toBe(false);
    await page.click('#theme');
    await expect(page.locator('#theme').textContent()).resolves.toBe('Theme: light');
    await page.click('#theme');
    await expect(page.locator('#theme').textContent()).resolves.toBe('Theme: dark');
    const dark = await look();
    expect(dark.background).not.toBe(light.background);
    expect(dark.monacoDark).toBe(true);
    await page.reload();
    await page.waitForSelector('html[data-editor="monaco"]', { timeout: 30_000 });
    expect(await look()).toEqual(dark);
    await expect(page.locator('header a[href$="docs/"]').count()).resolves.toBe(1);
    await expect(page.locator('meta[property="og:title"]').getAttribute('content')).resolves.toBe('Hotpatch Playground');
    await expect(page.locator('meta[property="og:description"]').count()).resolves.toBe(1);
    await expect(page.locator('meta[name="twitter:card"]').count()).resolves.toBe(1);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
