// The playground plays an example's story (its timeline) and links the sources with the machine
// code: a run stops at each moment and says what is about to happen, Continue does it; breakpoints
// from a disassembly row or an editor line, run to here, the executing line marked in the editor,
// and immediates in the base the source wrote them in. At the sizes the page is used at.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Arch } from '../../core/arch.ts';
import { LAPTOP, PHONE, screenshot, TABLET, type Viewport } from '../../harness/browser/browser.ts';
import { layoutReport } from '../../harness/browser/layout.ts';
import { openPlayground, useServedPage } from '../../harness/browser/served-page.ts';

const served = useServedPage();

function open(hash: string, viewport: Viewport): Promise<{ page: Page; errors: string[] }> {
  return openPlayground(served, hash, { viewport, waitFor: ['html[data-program="loaded"]', '.monaco-host .view-lines'] });
}

const outputLines = (page: Page) => page.$eval('#output', (pre) => (pre.textContent ?? '').trimEnd().split('\n').filter(Boolean));
const waitState = (page: Page, state: string) =>
  page.waitForFunction((s) => document.documentElement.dataset.runState === s, state, { timeout: 30_000 });
/** The disassembly row of the program counter. */
const currentRow = (page: Page) => page.$eval('#disassembly li.current', (li) => ({
  text: li.textContent ?? '', mnemonic: li.querySelector('.mnemonic')?.textContent ?? '',
  line: (li as HTMLElement).dataset.line, address: (li as HTMLElement).dataset.address }));

const LAB_PARTS = ['#editor-host', '#assembly-status', '#run', '#step', '#reset', '#story-bar', '.output-panel', '.pane-tabs'];

const FIRST_PRICES = ['10.00 -> 12.01', '19.99 -> 23.99', '2.50 -> 3.01', '0.05 -> 0.07'];

describe.each([
  { name: 'a phone', viewport: PHONE, arch: 'x64' as Arch },
  { name: 'a tablet', viewport: TABLET, arch: 'arm64' as Arch },
  { name: 'a laptop', viewport: LAPTOP, arch: 'x64' as Arch },
])('playing the story of price-tax on $name, $arch', ({ viewport, arch }) => {
  it('stops after four prices saying the fix goes in now, and from the fifth price on the output is right', async () => {
    const { page, errors } = await open(`#example=price-tax&arch=${arch}`, viewport);
    await page.selectOption('#speed', '0');
    await page.click('#story-play');
    await page.waitForSelector('html[data-story="moment"]', { timeout: 30_000 });
    await expect(page.locator('#story-sentence').textContent()).resolves.toBe('Paused after 4 calls of pricing!price_with_tax: '
      + 'here the example applies fix-rounding.s. The fix goes live between two iterations of the hot loop; the fifth call already runs the new code.');
    expect(await outputLines(page)).toEqual(FIRST_PRICES);
    // The program stands at the entry of price_with_tax: the editor marks that line.
    const executing = await page.evaluate(() => document.documentElement.dataset.executingLine);
    expect(executing).toMatch(/^pricing\.s:\d+$/);
    await page.waitForSelector('.monaco-host .exec-line');
    const layout = await layoutReport(page, LAB_PARTS);
    expect(layout.overlaps).toEqual([]);
    expect(layout.horizontalOverflow).toBe(0);
    await screenshot(page, `story-moment-${viewport.width}`);

    await page.click('#story-continue');
    await waitState(page, 'exited');
    const lines = await outputLines(page);
    expect(lines.slice(0, 4)).toEqual(FIRST_PRICES);
    expect(lines[4]).toBe('123.45 -> 148.14');
    await expect(page.locator('#story-sentence').textContent()).resolves.toMatch(/^Fix-rounding\.s went in after 4 calls of pricing!price_with_tax\. The program has ended/);
    // The patch's new code in the transaction's steps, in the base its source wrote: 50, not 0x32.
    await page.click('#patch-steps li[data-stage="map-code"] button');
    const mapped = await page.textContent('#patch-pane .code-diff');
    expect(mapped).toContain(arch === 'x64' ? 'add eax, 50' : 'add w0, w0, #50');
    expect(mapped).not.toMatch(/#?0x32\b/);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});

describe.each(['x64', 'arm64'] as Arch[])('the story of the patch that must wait for a thread, %s', (arch) => {
  it('stops at each awkward moment and the transaction waits there without single steps by hand', async () => {
    const { page, errors } = await open(`#example=wait-for-thread&arch=${arch}`, LAPTOP);
    await page.selectOption('#speed', '0');
    await page.click('#story-play');
    const moments = arch === 'x64' ? ['after 4 calls of pricing!price_with_tax and 1 instruction']
      : ['after 2 calls of pricing!price_with_tax', 'after 4 calls of pricing!price_with_tax and 1 instruction'];
    for (const moment of moments) {
      // At full speed the run may reach the next moment before a snapshot shows it running: wait for its sentence.
      await page.waitForFunction((m) => document.documentElement.dataset.story === 'moment'
        && (document.querySelector('#story-sentence')?.textContent ?? '').startsWith(`Paused ${m}: here the example applies`), moment, { timeout: 30_000 });
      await page.click('#story-continue');
    }
    await waitState(page, 'exited');
    // The last transaction had to wait for the thread to leave the bytes it rewrites.
    await expect(page.locator('#patch-summary .wait').textContent()).resolves.toMatch(/^Waited \d+ instructions? for a safe point/);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});

describe.each([
  { viewport: TABLET, arch: 'x64' as Arch },
  { viewport: LAPTOP, arch: 'arm64' as Arch },
])('breakpoints and run to here, $arch at $viewport.width px', ({ viewport, arch }) => {
  it('stops at a breakpoint set on a disassembly row and on an editor line, runs to a row and to a line, and links both ways', async () => {
    const { page, errors } = await open(`#example=price-tax&arch=${arch}`, viewport);
    await page.selectOption('#speed', '0');
    const call = arch === 'x64' ? 'call' : 'bl';
    const rounding = arch === 'x64' ? 'add eax, 100' : 'add w0, w0, #100';
    // A breakpoint on the row that calls price_with_tax, from the row's address.
    const callRow = page.locator('#disassembly li[data-address]', { hasText: new RegExp(`${call}\\s+.*price_with_tax`) }).first();
    await callRow.locator('.addr').click();
    await expect(callRow.getAttribute('class')).resolves.toContain('breakpoint');
    await page.click('#run');
    await waitState(page, 'paused');
    await expect(page.locator('#run-state').textContent()).resolves.toMatch(/stopped at the breakpoint at pricing!main\+0x/);
    const stopped = await currentRow(page);
    expect(stopped.mnemonic).toBe(call);
    // The executing line is the call's line, marked in the editor.
    await expect(page.evaluate(() => document.documentElement.dataset.executingLine)).resolves.toBe(`pricing.s:${stopped.line}`);
    await page.waitForSelector('.monaco-host .exec-line');
    await page.locator('#disassembly li.current .addr').click();
    await expect(page.locator('#disassembly li.breakpoint').count()).resolves.toBe(0);

    // Into price_with_tax: the rounding row shows its immediate in decimal, as the source wrote it.
    await page.click('#step');
    await page.waitForFunction(() => /price_with_tax/.test(document.querySelector('#where')?.textContent ?? ''));
    const roundRow = page.locator('#disassembly li[data-address]', { hasText: rounding });
    await expect(roundRow.count()).resolves.toBe(1);
    await expect(page.locator('#disassembly').textContent()).resolves.not.toMatch(/#?0x64\b/);
    // Clicking the row brings its line into view in the editor, marked.
    await roundRow.click();
    const roundLine = Number(await roundRow.getAttribute('data-line'));
    const linked = page.locator('.monaco-host .view-overlays .linked-line');
    await linked.waitFor();
    // Coordinates in the editor: the window scrolled so that the editor is in the middle of it first.
    const centred = () => page.evaluate(() => document.querySelector('#editor-host')!.scrollIntoView({ block: 'center' }));
    const middle = (box: { y: number; height: number }) => box.y + box.height / 2;
    const glyphAt = async (y: number) => {
      const margin = (await page.locator('.monaco-host .glyph-margin').boundingBox())!;
      await page.mouse.click(margin.x + margin.width / 2, y);
    };
    // A breakpoint on that line from the editor's glyph margin: the row has it too, and the run stops there.
    await centred();
    await glyphAt(middle((await linked.boundingBox())!));
    await page.waitForSelector('.monaco-host .bp-glyph');
    await expect(roundRow.getAttribute('class')).resolves.toContain('breakpoint');
    await page.click('#run');
    await page.waitForFunction(() => /stopped at the breakpoint at pricing!price_with_tax/.test(document.querySelector('#run-state')?.textContent ?? ''));
    const atRound = await currentRow(page);
    expect(Number(atRound.line)).toBe(roundLine);
    expect(atRound.text).toContain(rounding);
    await expect(page.evaluate(() => document.documentElement.dataset.executingLine)).resolves.toBe(`pricing.s:${roundLine}`);

    // Run to here, from a row: the ret of price_with_tax.
    await page.locator('#disassembly li[data-address]').filter({ has: page.locator('.mnemonic', { hasText: /^ret$/ }) }).first().click();
    await page.click('#run-to-here');
    await page.waitForFunction(() => /^ran to pricing!price_with_tax\+0x/.test(document.querySelector('#run-state')?.textContent ?? ''));
    expect((await currentRow(page)).mnemonic).toBe('ret');

    // The breakpoint off again (glyph margin), then run to here from the editor's cursor line: the line after
    // the rounding one, reached in the next call. The cursor's line marks its rows.
    await centred();
    const dot = (await page.locator('.monaco-host .bp-glyph').boundingBox())!;
    const lineHeight = (await page.locator('.monaco-host .view-lines .view-line').first().boundingBox())!.height;
    const text = (await page.locator('.monaco-host .view-lines').boundingBox())!;
    await glyphAt(middle(dot));
    await page.waitForFunction(() => document.querySelectorAll('.monaco-host .bp-glyph').length === 0);
    await page.mouse.click(text.x + 60, middle(dot) + lineHeight);
    await page.waitForSelector('#disassembly li.linked');
    await expect(page.locator('#disassembly li.linked').getAttribute('data-line')).resolves.toBe(String(roundLine + 1));
    await page.click('#run-to-here');
    await page.waitForFunction(() => /^ran to pricing!price_with_tax\+0x/.test(document.querySelector('#run-state')?.textContent ?? '')
      && document.querySelector('#disassembly li.current')?.classList.contains('linked'));
    expect(Number((await currentRow(page)).line)).toBe(roundLine + 1);
    await expect(page.locator('#output').textContent()).resolves.toContain('12.01');
    await screenshot(page, `breakpoints-${viewport.width}-${arch}`);
    const layout = await layoutReport(page, [...LAB_PARTS.filter((p) => p !== '#story-bar'), '.disassembly-panel']);
    expect(layout.overlaps).toEqual([]);
    expect(layout.horizontalOverflow).toBe(0);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
