// The disassembly from the keyboard, in Chromium: Tab reaches the rows, the arrow keys move between
// them, B sets and clears a breakpoint where the run then stops, R runs to a row, the focus stays on
// the rows while the list is drawn again, the window does not scroll, and the list of shortcuts has
// the keys.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { LAPTOP, newContext, watchErrors } from '../../harness/browser/browser.ts';
import { useServedPage } from '../../harness/browser/served-page.ts';

const served = useServedPage();

const focusedRow = (page: Page) => page.evaluate(() => {
  const row = document.activeElement?.closest<HTMLElement>('#disassembly li[data-address]');
  return row ? Number(row.dataset.address) : undefined;
});
const pc = (page: Page) => page.evaluate(() => (window as unknown as { playground: { session: { lastSnapshot: { pc: number } } } })
  .playground.session.lastSnapshot.pc);
const instructions = (page: Page) => page.evaluate(() => (window as unknown as { playground: { session: { lastSnapshot: { instructions: number } } } })
  .playground.session.lastSnapshot.instructions);
/** Presses `key` and waits until the program has run and paused again. */
async function runWith(page: Page, key: string): Promise<void> {
  const before = await instructions(page);
  await page.keyboard.press(key);
  await page.waitForFunction((n) => document.documentElement.dataset.runState === 'paused'
    && (window as unknown as { playground: { session: { lastSnapshot: { instructions: number } } } }).playground.session.lastSnapshot.instructions > n,
  before, { timeout: 20_000 });
}

describe('disassembly rows from the keyboard', () => {
  it('reaches the rows with Tab, moves with the arrows, sets a breakpoint with B, runs to a row with R', async () => {
    const context = await newContext(served.browser, { viewport: LAPTOP });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${served.server.url}#example=price-tax&arch=x64`);
    await page.waitForSelector('html[data-program="loaded"]', { timeout: 30_000 });
    await page.waitForSelector('#disassembly li[data-address]');
    // Exactly one row is a tab stop.
    expect(await page.locator('#disassembly li[tabindex="0"]').count()).toBe(1);
    await page.focus('#pane-program');
    for (let i = 0; i < 10 && (await focusedRow(page)) === undefined; i++) await page.keyboard.press('Tab');
    const first = await focusedRow(page);
    expect(first).toBeDefined();
    const scrollY = await page.evaluate(() => window.scrollY);
    // Down to the fifth row: the call in the loop (main runs it for every price).
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowDown');
    const target = (await focusedRow(page))!;
    expect(target).toBeGreaterThan(first!);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowDown');
    expect(await focusedRow(page)).toBe(target);
    await page.keyboard.press('b');
    const row = page.locator(`#disassembly li[data-address="0x${target.toString(16)}"]`);
    await expect(row.getAttribute('class')).resolves.toMatch(/\bbreakpoint\b/);
    await expect(row.locator('.addr').getAttribute('aria-pressed')).resolves.toBe('true');
    // Run (F8): it stops at the breakpoint; the list was drawn again and a row still has the focus.
    await runWith(page, 'F8');
    expect(await pc(page)).toBe(target);
    await page.waitForFunction((a) => document.activeElement?.closest('#disassembly li[data-address]') !== null
      && (document.activeElement as HTMLElement).dataset.address === `0x${a.toString(16)}`, target, { timeout: 5_000 });
    // Run on: the loop comes back to it.
    await runWith(page, 'F8');
    expect(await pc(page)).toBe(target);
    await page.waitForFunction(() => document.activeElement?.closest('#disassembly li[data-address]') !== null, null, { timeout: 5_000 });
    // B again clears it; two rows on, R runs there.
    await page.keyboard.press('B');
    await expect(page.locator(`#disassembly li[data-address="0x${target.toString(16)}"]`).getAttribute('class')).resolves.not.toMatch(/\bbreakpoint\b/);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    const later = (await focusedRow(page))!;
    expect(later).toBeGreaterThan(target);
    await runWith(page, 'r');
    expect(await pc(page)).toBe(later);
    expect(await page.evaluate(() => window.scrollY)).toBe(scrollY);
    // The list of shortcuts says so.
    await page.keyboard.press('?');
    await page.waitForSelector('#shortcuts-dialog[open]');
    const rows = await page.locator('#shortcuts-list tr').allTextContents();
    expect(rows.some((r) => r.includes('breakpoint on the row') && r.includes('B') && r.includes('F9'))).toBe(true);
    expect(rows.some((r) => r.includes('run to the row') && r.includes('R'))).toBe(true);
    expect(rows.some((r) => r.includes('previous or next row'))).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);
});
