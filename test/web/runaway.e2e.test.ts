// A guest that never ends, in real headless Chromium: it runs in the lab worker, so the page keeps
// painting and answering while it spins, pause stops it where it is, and the budget ends it.
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { newContext, screenshot, watchErrors } from '../../harness/browser/browser.ts';
import { useServedPage } from '../../harness/browser/served-page.ts';
import type { Arch } from '../../core/arch.ts';

const served = useServedPage();

/** main calls tick forever. */
const SPIN: Record<Arch, string> = {
  x64: `.module spin\n.arch x64\n.entry main\n.func main\nforever:\n    call tick\n    jmp forever\n.endfunc\n` +
    `.func tick\n    ret\n.endfunc\n`,
  arm64: `.module spin\n.arch arm64\n.entry main\n.func main\nforever:\n    bl tick\n    b forever\n.endfunc\n` +
    `.func tick\n    ret\n.endfunc\n`,
};

/** A shared link (the page's own #s= format) holding one program and an empty patch. */
function linkTo(arch: Arch, program: string): string {
  const state = { v: 1, a: arch, f: [['spin.s', program]], p: [['patch.s', '']], w: [0, 'program', 0] };
  return '#s=' + deflateRawSync(Buffer.from(JSON.stringify(state))).toString('base64url');
}

/** spin!tick's calls as the page counts them ("3,333,333"). */
const tickCalls = (page: Page) => page.evaluate(() =>
  Number((document.querySelector('#calls tr[data-function="spin!tick"] td.count')?.textContent ?? '-1').replace(/,/g, '')));

/** Counts animation frames the page paints while `during` runs: a page whose thread is blocked paints none. */
async function framesPaintedWhile(page: Page, during: () => Promise<void>): Promise<number> {
  await page.evaluate(() => {
    const w = window as unknown as { frames_: number };
    w.frames_ = 0;
    const count = () => { w.frames_++; requestAnimationFrame(count); };
    requestAnimationFrame(count);
  });
  await during();
  return page.evaluate(() => (window as unknown as { frames_: number }).frames_);
}

describe.each(['x64', 'arm64'] as const)('a guest that never ends (%s)', (arch) => {
  it('spins in the worker while the page paints and answers; pause stops it, and the budget ends it', async () => {
    const context = await newContext(served.browser);
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(served.server.url + linkTo(arch, SPIN[arch]));
    await page.waitForSelector('html[data-program="loaded"]', { timeout: 30_000 });
    await page.selectOption('#speed', '0');
    // A budget counts from the next reset: a large one, so only pause can stop this run.
    await page.fill('#budget', '1000000000000');
    await page.keyboard.press('Shift+F8');
    await page.waitForSelector('html[data-run-state="ready"]', { timeout: 30_000 });
    await page.keyboard.press('F8');
    await page.waitForSelector('html[data-run-state="running"]', { timeout: 30_000 });

    // While the guest spins at full speed, the page paints, and a click on a tab is answered.
    const frames = await framesPaintedWhile(page, async () => {
      const before = await tickCalls(page);
      await page.waitForFunction((n) => Number((document.querySelector('#calls tr[data-function="spin!tick"] td.count')
        ?.textContent ?? '-1').replace(/,/g, '')) > n + 100_000, before, { timeout: 30_000 });
      await page.click('#pane-patch');
      await page.waitForSelector('#pane-patch[aria-selected="true"]');
      await page.click('#pane-program');
    });
    expect(frames).toBeGreaterThan(5);
    await expect(page.evaluate(() => document.documentElement.dataset.runState)).resolves.toBe('running');
    await screenshot(page, `runaway-${arch}-running`);

    // Pause takes effect: the counters stop where the guest stopped.
    await page.keyboard.press('F8');
    await page.waitForSelector('html[data-run-state="paused"]', { timeout: 30_000 });
    const stopped = await tickCalls(page);
    await page.evaluate(() => new Promise((done) => { // ten painted frames later
      let left = 10;
      const next = () => (--left === 0 ? done(null) : requestAnimationFrame(next));
      requestAnimationFrame(next);
    }));
    expect(await tickCalls(page)).toBe(stopped);
    await expect(page.locator('#run-state').textContent()).resolves.toMatch(/spin!(main|tick)/);

    // A budget ends it: reset, give it 50,000 instructions, run; it stops with the budget spent.
    await page.fill('#budget', '50000');
    await page.keyboard.press('Shift+F8');
    await page.waitForSelector('html[data-run-state="ready"]', { timeout: 30_000 });
    await page.keyboard.press('F8');
    await page.waitForFunction(() => document.querySelector('#run-state')?.textContent?.includes('the instruction budget is used up'), null, { timeout: 30_000 });
    await expect(page.locator('#run-state').textContent()).resolves.toContain('50,000 instructions');
    await screenshot(page, `runaway-${arch}-budget-spent`);
    expect(errors).toEqual([]);
    await context.close();
  });
});

/** Writes an 80-byte line forever. */
const PRINT_LOOP = `.module spin\n.arch x64\n.entry main\n.data\nline: .ascii "${'x'.repeat(79)}\\n"\n.text\n.func main\n` +
  `again:\n    mov eax, 1\n    mov edi, 1\n    lea rsi, [rip + line]\n    mov edx, 80\n    syscall\n    jmp again\n.endfunc\n`;

describe('a guest that prints without end', () => {
  it('keeps the page painting, and its output view bounded', async () => {
    const context = await newContext(served.browser);
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(served.server.url + linkTo('x64', PRINT_LOOP));
    await page.waitForSelector('html[data-program="loaded"]', { timeout: 30_000 });
    await page.selectOption('#speed', '0');
    await page.fill('#budget', '1000000000000');
    await page.keyboard.press('Shift+F8');
    await page.waitForSelector('html[data-run-state="ready"]', { timeout: 30_000 });
    // The longest time between two painted frames while the guest prints: a page that freezes has long ones.
    await page.evaluate(() => {
      const w = window as unknown as { gap_: number; last_: number };
      w.gap_ = 0;
      w.last_ = performance.now();
      const frame = (now: number) => { w.gap_ = Math.max(w.gap_, now - w.last_); w.last_ = now; requestAnimationFrame(frame); };
      requestAnimationFrame(frame);
    });
    await page.keyboard.press('F8');
    await page.waitForSelector('html[data-run-state="running"]', { timeout: 30_000 });
    // Until the view has left output out (more than its bound went through it), then a few seconds more.
    await page.waitForFunction(() => document.querySelector('#output .output-gap') !== null, null, { timeout: 60_000 });
    await page.waitForTimeout(3000);
    const gap = await page.evaluate(() => (window as unknown as { gap_: number }).gap_);
    const shown = await page.evaluate(() => document.querySelector('#output')!.textContent!.length);
    await screenshot(page, 'runaway-print-loop');
    await page.keyboard.press('F8');
    await page.waitForSelector('html[data-run-state="paused"]', { timeout: 30_000 });
    // Generous for a loaded machine: a page that redraws all its output each time froze for seconds.
    expect(gap).toBeLessThan(2000);
    expect(shown).toBeLessThan(3 * 64 * 1024 + 200);
    expect(errors).toEqual([]);
    await context.close();
  });
});
