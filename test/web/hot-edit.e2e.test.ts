// "Hot-apply my edit" in real headless Chromium, on both architectures: the running program's source
// edited in Monaco and Ctrl+S pressed; the diff with every symbol's class, the generated patch's
// relocations, the transaction; a second edit replacing the first; rollback; a rude edit refused
// with a marker on its line; every line the program printed coming from the code live when it was
// printed; an example's edited source printing what its hand-written patch prints; and the lab at
// phone, tablet and laptop widths with the diff shown.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Arch } from '../../core/arch.ts';
import { LAPTOP, PHONE, screenshot, TABLET, type Viewport } from '../../harness/browser/browser.ts';
import { layoutReport } from '../../harness/browser/layout.ts';
import { openPlayground, useServedPage } from '../../harness/browser/served-page.ts';

const served = useServedPage();

function open(hash: string, viewport: Viewport = LAPTOP): Promise<{ page: Page; errors: string[] }> {
  return openPlayground(served, hash, { viewport, clipboard: true, waitFor: ['html[data-editor="monaco"]', 'html[data-program="loaded"]'] });
}

const example = (id: string, arch: Arch, file: string) => readFileSync(`examples/${id}/${arch}/${file}`, 'utf8');
const runState = (page: Page) => page.evaluate(() => document.documentElement.dataset.runState);

/** Puts the focus in the editor with a click near its top left, in the text. */
async function focusEditor(page: Page): Promise<void> {
  await page.locator('#editor-host').scrollIntoViewIfNeeded();
  const box = (await page.locator('#editor-host').boundingBox())!;
  await page.mouse.click(box.x + 80, box.y + Math.min(60, box.height / 2));
  await page.waitForFunction(() => document.activeElement?.closest('.monaco-editor') !== null, null, { timeout: 5_000 });
}

/** Replaces the text of the editor tab in view, as a user does: select all, paste. */
async function paste(page: Page, text: string): Promise<void> {
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
  await focusEditor(page);
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Control+V');
  // The page's state holds the pasted text (Monaco shows only the lines in view).
  await page.waitForFunction((t) => (window as unknown as { playground: { store: { state: { files: { text: string }[] } } } })
    .playground.store.state.files.some((f) => f.text === t), text, { timeout: 10_000 });
}

/** Presses Ctrl+S in the editor and waits for the hot edit's outcome. */
async function hotApply(page: Page, outcome: string): Promise<void> {
  await page.waitForFunction(() => !(document.getElementById('hot-apply') as HTMLButtonElement).disabled, null, { timeout: 10_000 });
  await page.evaluate(() => { delete document.documentElement.dataset.hotEdit; });
  await focusEditor(page);
  await page.keyboard.press('Control+S');
  await page.waitForFunction((wanted) => document.documentElement.dataset.hotEdit === wanted, outcome, { timeout: 20_000 });
}

/** Runs at 200 instructions a second (a line every half second or so) until the program has printed `more` lines more, then pauses. */
async function runForLines(page: Page, more: number): Promise<void> {
  const lines = () => page.evaluate(() => (document.getElementById('output')?.textContent ?? '').split('\n').length - 1);
  const wanted = (await lines()) + more;
  await page.selectOption('#speed', '200');
  await page.click('#run');
  await page.waitForFunction((n) => (document.getElementById('output')?.textContent ?? '').split('\n').length - 1 >= n, wanted, { timeout: 30_000 });
  await page.click('#run');
  await page.waitForFunction(() => document.documentElement.dataset.runState === 'paused', null, { timeout: 10_000 });
}

async function runToEnd(page: Page): Promise<void> {
  await page.selectOption('#speed', '0');
  await page.click('#run');
  await page.waitForFunction(() => document.documentElement.dataset.runState === 'exited', null, { timeout: 30_000 });
}

/** The output as the program printed it, cut where each transaction took effect: [mark label (or null), text]. */
function outputSegments(page: Page): Promise<[string | null, string][]> {
  return page.evaluate(() => {
    const segments: [string | null, string][] = [[null, '']];
    for (const node of document.getElementById('output')!.childNodes) {
      if (node instanceof HTMLElement && node.classList.contains('tx-mark')) segments.push([node.dataset.label ?? '', '']);
      else segments.at(-1)![1] += node.textContent ?? '';
    }
    return segments;
  });
}

const FIX: Record<Arch, [string, string]> = { x64: ['    add eax, 100 ', '    add eax, 50  '], arm64: ['    add w0, w0, #100', '    add w0, w0, #50 '] };
/** The fix, and a new helper that adds prices[3] (5 cents) from the running program's data: a relocation to the base. */
const SECOND: Record<Arch, [string, string]> = {
  x64: ['    div ecx\n    ret\n.endfunc\n', '    div ecx\n    call plus_one\n    ret\n.endfunc\n\n.func plus_one\n' +
    '    lea rdx, [rip + prices]\n    add eax, dword ptr [rdx + 12]\n    ret\n.endfunc\n'],
  arm64: ['    udiv w0, w0, w1\n    ret\n.endfunc\n', '    udiv w0, w0, w1\n    b plus_one\n.endfunc\n\n.func plus_one\n' +
    '    adrp x2, prices\n    add x2, x2, :lo12:prices\n    ldr w3, [x2, #12]\n    add w0, w0, w3\n    ret\n.endfunc\n'],
};
const replaced = (text: string, [from, to]: [string, string]) => {
  expect(text.split(from).length, from).toBe(2);
  return text.replace(from, to);
};
const cents = (v: number) => `${Math.floor(v / 100)}.${String(v % 100).padStart(2, '0')}`;
/** What price_with_tax gives in each version: the bug, the first edit, the second. */
const GROSS = {
  bug: (net: number) => Math.floor((net * 120 + 100) / 100),
  fixed: (net: number) => Math.floor((net * 120 + 50) / 100),
  second: (net: number) => Math.floor((net * 120 + 50) / 100) + 5,
};
const NETS = [1000, 1999, 250, 5, 12345, 99, 4200, 1, 777, 100000, 3333, 60];

describe.each(['x64', 'arm64'] as const)('hot-applying edits on the page, %s', (arch) => {
  it('patches the running program with Ctrl+S, shows the diff and the relocations, replaces the edit, rolls back, and refuses a rude edit with a marker', async () => {
    const { page, errors } = await open(`#example=price-tax&arch=${arch}`);
    const base = example('price-tax', arch, 'pricing.s');
    await expect(page.locator('#hot-apply').isDisabled()).resolves.toBe(true);
    await expect(page.locator('#hot-apply kbd').textContent()).resolves.toBe('Ctrl+S');
    // The list of shortcuts has it.
    await page.keyboard.press('?');
    await page.waitForSelector('#shortcuts-dialog[open]');
    expect((await page.locator('#shortcuts-list tr').allTextContents()).some((r) => r.startsWith('Hot-apply my edit') && r.includes('Ctrl+S'))).toBe(true);
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.querySelector('#shortcuts-dialog')?.hasAttribute('open'));
    await runForLines(page, 1);

    // The first edit: the fix, made in the source.
    await paste(page, replaced(base, FIX[arch]));
    await page.waitForFunction(() => document.querySelector('#run-state')?.textContent?.includes('sources edited'), null, { timeout: 10_000 });
    await hotApply(page, 'applied');
    await expect(page.locator('#pane-patch').getAttribute('aria-selected')).resolves.toBe('true');
    const classes = await page.$$eval('#edit-diff .edit-symbol', (items) => Object.fromEntries(items.map((i) => [(i as HTMLElement).dataset.name, (i as HTMLElement).dataset.class])));
    expect(classes).toEqual({ price_with_tax: 'changed', main: 'unchanged', format_cents: 'unchanged', prices: 'unchanged', line: 'unchanged' });
    await expect(page.locator('#edit-diff .edit-symbol[data-name="price_with_tax"] .edit-reason').textContent()).resolves
      .toMatch(/^redirected to its new body \(replace mode\)/);
    await expect(page.locator('#edit-diff .edit-relocations-none').count()).resolves.toBe(1);
    await expect(page.locator('#patch-summary').textContent()).resolves.toMatch(/^Patch pricing\.s \(edit\): \d+ steps; pricing sequence 1 is live\./);
    // The step by step is there as for a written patch.
    expect(await page.locator('#patch-steps li').count()).toBeGreaterThan(3);
    // The guest runs what the editor holds now.
    await expect(page.locator('#run-state').textContent()).resolves.not.toContain('sources edited');
    await expect(page.locator('#hot-apply').isDisabled()).resolves.toBe(true);
    await runForLines(page, 2);

    // The second edit replaces the first: a new helper reading the running program's prices, through a relocation.
    await paste(page, replaced(replaced(base, FIX[arch]), SECOND[arch]));
    await hotApply(page, 'applied');
    await expect(page.locator('#edit-diff .edit-symbol[data-name="plus_one"]').getAttribute('data-class')).resolves.toBe('new');
    await expect(page.locator('#edit-diff .edit-symbol[data-name="prices"] .edit-reason').textContent()).resolves
      .toBe('unchanged; plus_one uses the running program\'s live copy, through a relocation');
    const relocations = await page.locator('#edit-diff .edit-relocation[data-symbol="pricing!prices"]').allTextContents();
    expect(relocations.length).toBe(arch === 'x64' ? 1 : 2);
    for (const r of relocations) expect(r).toMatch(/^code\+0x[0-9a-f]+ R_(X86_64|AARCH64)_\w+ → pricing!prices.* \(the running program's own, at 0x[0-9a-f]+\); field at 0x[0-9a-f]+$/);
    await expect(page.locator('#edit-diff .edit-patch').textContent()).resolves.toContain('pricing sequence 2, cumulative against the running build (it replaces patch 1)');
    await expect(page.locator('#patch-summary').textContent()).resolves.toMatch(/pricing sequence 2 is live, replacing sequence 1\./);
    await screenshot(page, `hot-edit-${arch}-second`);
    await runForLines(page, 2);

    // Rollback: patch 1 (the first edit) is live again; the editor's text is an edit again.
    await page.click('#rollback');
    await page.waitForFunction(() => /back to patch sequence 1/.test(document.getElementById('patch-summary')?.textContent ?? ''), null, { timeout: 10_000 });
    await page.waitForFunction(() => document.querySelector('#run-state')?.textContent?.includes('sources edited'), null, { timeout: 10_000 });

    // A rude edit: a changed initial value is refused, with the sentence, and a marker on its line.
    const rude = replaced(replaced(base, FIX[arch]), ['1000, 1999', '1000, 2999']);
    await paste(page, rude);
    await hotApply(page, 'rude');
    await expect(page.locator('[data-testid="edit-message"]').textContent()).resolves
      .toMatch(/^The running program cannot take this edit\. prices: the initial value of "prices" changed; /);
    await expect(page.locator('#edit-diff .edit-symbol[data-name="prices"]').getAttribute('data-class')).resolves.toBe('rude');
    await expect(page.locator('#patch-summary [data-testid="refusal"]').textContent()).resolves
      .toMatch(/^Patch pricing\.s \(edit\) was refused \(rude-edit\): The running program cannot take this edit\..*Nothing was written/);
    // The marker sits on the line of the changed value (Monaco draws squiggles for lines in view).
    await page.waitForSelector('.monaco-editor .squiggly-error', { timeout: 10_000 });
    const onLine = await page.evaluate(() => {
      const line = [...document.querySelectorAll('.monaco-editor .view-line')].find((l) => (l.textContent ?? '').replace(/\u00a0/g, ' ').includes('1000, 2999'))!;
      const box = line.getBoundingClientRect();
      return [...document.querySelectorAll('.monaco-editor .squiggly-error')].some((s) => {
        const r = s.getBoundingClientRect();
        return r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
      });
    });
    expect(onLine).toBe(true);
    await screenshot(page, `hot-edit-${arch}-rude`);
    // Still patch 1, as the rollback left it; with the first edit back in the editor, the editor holds what runs.
    await expect(page.locator('#rollback').textContent()).resolves.toBe('Roll back pricing patch 1');
    await paste(page, replaced(base, FIX[arch]));
    await page.waitForFunction(() => !document.querySelector('#run-state')?.textContent?.includes('sources edited'), null, { timeout: 10_000 });
    await page.waitForSelector('.monaco-editor .squiggly-error', { state: 'detached', timeout: 10_000 });

    // Every line came from the code live when it was printed.
    await runToEnd(page);
    const segments = await outputSegments(page);
    expect(segments.map(([label]) => label)).toEqual([null, 'pricing.s (edit) applied (pricing sequence 1)',
      'pricing.s (edit) applied (pricing sequence 2)', 'pricing rolled back to patch sequence 1']);
    const versions = [GROSS.bug, GROSS.fixed, GROSS.second, GROSS.fixed];
    // A mark stands where the transaction took effect in the output: the first line after it may have
    // been computed just before (the program paused between the call and the write).
    const lines = segments.flatMap(([, text], i) => text.split('\n').filter(Boolean)
      .map((line, j) => [line, j === 0 && i > 0 ? [versions[i]!, versions[i - 1]!] : [versions[i]!]] as const));
    expect(lines.map(([line]) => line.split(' -> ')[0])).toEqual(NETS.map(cents));
    lines.forEach(([line, grosses], i) => expect(grosses.map((gross) => `${cents(NETS[i]!)} -> ${cents(gross(NETS[i]!))}`)).toContain(line));
    // Each edit printed lines of its own.
    for (const [i, version] of versions.entries()) {
      const own = lines.filter(([line]) => line === `${line.split(' -> ')[0]} -> ${cents(version(NETS[lines.findIndex(([l]) => l === line)]!))}`);
      expect(own.length, `segment ${i}`).toBeGreaterThan(0);
    }
    expect(segments.every(([, text]) => text.length > 0)).toBe(true);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});

/**
 * An example's edited module source, hot-applied on the page, prints exactly what its hand-written
 * patch prints when both go in at the same moment (after the program's first instruction).
 */
describe.each([
  { id: 'price-tax', arch: 'x64' as const, file: 'pricing.s', edit: 'pricing-fixed.s' },
  { id: 'import-module', arch: 'arm64' as const, file: 'report.s', edit: 'report-rounded.s' },
])('$id on $arch, as an edit on the page', ({ id, arch, file, edit }) => {
  it('prints what the hand-written patch prints', async () => {
    const { page, errors } = await open(`#example=${id}&arch=${arch}`);
    const output = async () => (await outputSegments(page)).map(([, text]) => text).join('');
    // The hand-written patch, with Apply.
    await page.click('#step');
    await page.waitForFunction(() => document.documentElement.dataset.runState === 'paused');
    await page.click('#pane-patch');
    await page.click('#apply');
    await page.waitForFunction(() => document.documentElement.dataset.transaction === 'applied', null, { timeout: 20_000 });
    await runToEnd(page);
    await expect.poll(async () => (await output()).length, { timeout: 10_000 }).toBeGreaterThan(0);
    const byHand = await output();
    // The edit, in the module's own tab, with the button.
    await page.click('#reset');
    await page.waitForFunction(() => document.documentElement.dataset.runState === 'ready');
    await page.click('#step');
    await page.waitForFunction(() => document.documentElement.dataset.runState === 'paused');
    await page.click(`#editor-tabs button:text-is("${file}")`);
    await paste(page, example(id, arch, edit));
    await page.waitForFunction(() => !(document.getElementById('hot-apply') as HTMLButtonElement).disabled, null, { timeout: 10_000 });
    await page.evaluate(() => { delete document.documentElement.dataset.hotEdit; });
    await page.click('#hot-apply');
    await page.waitForFunction(() => document.documentElement.dataset.hotEdit === 'applied', null, { timeout: 20_000 });
    await runToEnd(page);
    // The output view draws the run's last output after the run state says exited: wait for it.
    await expect.poll(output, { timeout: 10_000 }).toBe(byHand);
    expect(await runState(page)).toBe('exited');
    expect(errors).toEqual([]);
    await page.context().close();
  });
});

/** The parts of the lab with an edit's diff shown, which must never be drawn over each other. */
const PARTS = ['#editor-host', '.edit-bar', '#assembly-status', '.output-panel', '.pane-tabs', '#edit-diff', '#patch-summary', '#patch-layout'];

describe.each([
  { name: 'a phone', viewport: PHONE }, { name: 'a tablet', viewport: TABLET }, { name: 'a laptop', viewport: LAPTOP },
])('the hot-edit diff on $name ($viewport.width px)', ({ viewport }) => {
  it.each(['x64', 'arm64'] as const)('lays the diff and the relocations out without overlaps or sideways scrolling, on %s', async (arch) => {
    const { page, errors } = await open(`#example=price-tax&arch=${arch}`, viewport);
    await page.click('#step');
    await page.waitForFunction(() => document.documentElement.dataset.runState === 'paused');
    await paste(page, replaced(replaced(example('price-tax', arch, 'pricing.s'), FIX[arch]), SECOND[arch]));
    await hotApply(page, 'applied');
    await page.locator('#edit-diff details summary').click();
    const report = await layoutReport(page, PARTS);
    expect(report.overlaps).toEqual([]);
    expect(report.horizontalOverflow).toBe(0);
    expect(report.pastRightEdge).toEqual([]);
    for (const part of PARTS) expect(report.boxes[part], part).not.toBeNull();
    await screenshot(page, `hot-edit-${viewport.width}-${arch}`);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
