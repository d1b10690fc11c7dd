// The thread lanes and the consistency models in Chromium: a lane per guest thread with its call
// stack and universe, laid out at phone, tablet and laptop widths; the same program replayed under
// entry (a worker mixes the formats) and per-thread (it never does); a stalled transition reversed
// from the page.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { LAPTOP, PHONE, screenshot, TABLET, type Viewport } from '../../harness/browser/browser.ts';
import { clipped, layoutReport, unreachable } from '../../harness/browser/layout.ts';
import { openPlayground, useServedPage } from '../../harness/browser/served-page.ts';

const served = useServedPage();

function open(hash: string, viewport: Viewport): Promise<{ page: Page; errors: string[] }> {
  return openPlayground(served, hash, { viewport, waitFor: ['html[data-program="loaded"]'] });
}

const LAB_PARTS = ['#editor-host', '#run', '#reset', '#speed', '.output-panel', '.pane-tabs', '.disassembly-panel', '.calls-panel',
  '.registers-panel', '#threads-panel'];

const lanes = (page: Page) => page.$$eval('#thread-lanes li.lane', (all) => all.map((l) => ({
  thread: (l as HTMLElement).dataset.thread, universe: (l as HTMLElement).dataset.universe,
  stack: [...l.querySelectorAll('.lane-stack li')].map((f) => f.textContent) })));
const output = (page: Page) => page.$eval('#output', (e) => e.textContent ?? '');
const transition = (page: Page) => page.$eval('#threads-panel', (e) => (e as HTMLElement).dataset.transition);

/** Runs at 2,000 instructions a second until every thread has started, then applies the example's patch. */
async function runAndApply(page: Page): Promise<void> {
  await page.click('#pane-patch');
  await page.waitForSelector('#apply:not([disabled])', { timeout: 30_000 });
  await page.selectOption('#speed', '2000');
  await page.click('#run');
  await page.waitForFunction(() => document.querySelectorAll('#thread-lanes li.lane').length === 4, null, { timeout: 20_000 });
  await page.click('#apply');
}

async function waitExited(page: Page): Promise<void> {
  await page.waitForFunction(() => document.documentElement.dataset.runState === 'exited', null, { timeout: 30_000 });
}

describe.each([
  { name: 'a phone', viewport: PHONE, shot: 'threads-390' },
  { name: 'a tablet', viewport: TABLET, shot: 'threads-768' },
  { name: 'a laptop', viewport: LAPTOP, shot: 'threads-1366' },
])('the thread lanes on $name ($viewport.width px wide)', ({ viewport, shot }) => {
  it('show a lane per thread with its call stack, without overlaps or sideways scrolling', async () => {
    const { page, errors } = await open('#example=pair-change&arch=x64', viewport);
    expect(await page.isVisible('#threads-panel')).toBe(true);
    expect(await page.$eval('#consistency-model', (s) => (s as HTMLSelectElement).value)).toBe('per-thread');
    await page.selectOption('#speed', '2000');
    await page.click('#run');
    // Every thread has started: a worker in transfer(), the third thread in serve().
    await page.waitForFunction(() => {
      const stacks = [...document.querySelectorAll('#thread-lanes .lane-stack')].map((s) => s.textContent ?? '');
      return stacks.some((s) => /records!transfer/.test(s)) && stacks.some((s) => /records!serve/.test(s));
    }, null, { timeout: 20_000 });
    await page.click('#run'); // pause
    await page.waitForFunction(() => document.documentElement.dataset.runState === 'paused');
    const shown = await lanes(page);
    expect(shown.map((l) => l.thread)).toEqual(['main', 't1', 't2', 't3']);
    expect(shown.every((l) => l.universe === 'old')).toBe(true);
    expect(shown.find((l) => l.thread === 't3')!.stack).toEqual(['records!serve']);
    const report = await layoutReport(page, LAB_PARTS);
    expect(report.overlaps).toEqual([]);
    expect(report.horizontalOverflow).toBe(0);
    expect(report.pastRightEdge).toEqual([]);
    for (const part of LAB_PARTS) expect(report.boxes[part], part).not.toBeNull();
    expect(await clipped(page, ['.registers-panel'])).toEqual([]);
    await page.$eval('#threads-panel', (e) => e.scrollIntoView({ block: 'start' }));
    await screenshot(page, shot);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});

describe('consistency models on the page', () => {
  it('replays the pair change under entry (MIXED) and per thread (never), with each thread\'s switch among the steps', async () => {
    const { page, errors } = await open('#example=pair-change&arch=x64', LAPTOP);
    await page.selectOption('#consistency-model', 'entry');
    await runAndApply(page);
    await waitExited(page);
    expect(await output(page)).toContain('MIXED');
    expect(await transition(page)).toBe('none');

    await page.selectOption('#consistency-model', 'per-thread');
    await page.click('#reset');
    await page.waitForFunction(() => document.documentElement.dataset.runState === 'ready');
    await runAndApply(page);
    // Right after the transaction: the threads with a patched function on their stacks are switching.
    await page.waitForFunction(() => document.querySelector('#threads-panel')?.getAttribute('data-transition') !== 'none', null, { timeout: 20_000 });
    await waitExited(page);
    expect(await output(page)).toBe('every record came back as it was sent\n');
    expect(await transition(page)).toBe('complete');
    const switches = await page.$$eval('#transition-switches li', (all) => all.map((l) => l.textContent ?? ''));
    expect(switches.some((s) => /^thread t[12] → new at instruction [\d,]+, at a (slice end|system call)$/.test(s))).toBe(true);
    // The journal's steps end with the threads that switched at the transaction's moment.
    expect(await page.$$eval('#patch-steps li', (all) => all.some((l) => /switches universe/i.test(l.textContent ?? '')))).toBe(true);
    await page.$eval('#threads-panel', (e) => e.scrollIntoView({ block: 'start' }));
    await screenshot(page, 'threads-1366-per-thread');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('reverses a stalled transition from the page: every thread back to the old code, the patch removed', async () => {
    const { page, errors } = await open('#example=stalled-transition&arch=arm64', LAPTOP);
    expect(await page.$eval('#on-stall', (s) => (s as HTMLSelectElement).value)).toBe('reverse');
    await page.selectOption('#on-stall', 'report');
    // Stalled within half a second of the transaction, well before the workers are done (and serve() with them).
    await page.fill('#stall-after', '1000');
    await runAndApply(page);
    await page.waitForFunction(() => document.querySelector('#threads-panel')?.getAttribute('data-transition') === 'stalled', null, { timeout: 20_000 });
    expect(await page.textContent('#transition-status')).toMatch(/stalled: .*thread t3 is still in the old universe: records!serve is on its stack/);
    expect((await lanes(page)).find((l) => l.thread === 't3')!.universe).toBe('switching');
    await page.$eval('#threads-panel', (e) => e.scrollIntoView({ block: 'start' }));
    await screenshot(page, 'threads-1366-stalled');
    expect(await page.isEnabled('#transition-reverse')).toBe(true);
    await page.click('#transition-reverse');
    await page.waitForFunction(() => document.querySelector('#threads-panel')?.getAttribute('data-transition') === 'removed', null, { timeout: 20_000 });
    await waitExited(page);
    expect(await output(page)).toBe('every record came back as it was sent\n');
    expect(await page.isEnabled('#transition-reverse')).toBe(false);
    const switches = await page.$$eval('#transition-switches li', (all) => all.map((l) => l.textContent ?? ''));
    expect(switches.some((s) => /→ old/.test(s))).toBe(true);
    // The patch view, with its journal, stays in its own box above the threads panel (it once ran under it).
    const layout = await layoutReport(page, ['#patch-pane', '#threads-panel', '.output-panel', '#editor-host']);
    expect(layout.overlaps).toEqual([]);
    expect(await unreachable(page, ['#transition-reverse', '#transition-status', '#consistency-model',
      '.lane[data-thread="t1"] .lane-stack'])).toEqual([]);
    await screenshot(page, 'threads-1366-reversed');
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
