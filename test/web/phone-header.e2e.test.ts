// The page's header at phone, tablet and laptop widths: at most two rows, nothing over anything
// else, nothing past the right edge. At phone width the links, the theme, Copy link and Embed this
// are behind "More", whose menu opens below the header, inside the screen, reachable by keyboard,
// and closes with Escape (focus back on "More") or a tap elsewhere. Checked by element boxes.
import { describe, expect, it } from 'vitest';
import { LAPTOP, PHONE, screenshot, TABLET } from '../../harness/browser/browser.ts';
import { layoutReport } from '../../harness/browser/layout.ts';
import { openPlayground, useServedPage } from '../../harness/browser/served-page.ts';

const served = useServedPage();
const TOOLS = ['.top-links a[href="./docs/"]', '.top-links a[href="./README.md"]', '#shortcuts-button', '#theme', '#share', '#embed-this'];
const ROWS = ['.top h1', '#gallery-toggle', '.arch-switch', '#example-title'];
/** Two rows of 30 px buttons, their gap and the header's padding. */
const TWO_ROWS = 2 * 30 + 12 + 2 * 8 + 2;

describe('the header', () => {
  it.each([['tablet', TABLET], ['laptop', LAPTOP]] as const)('at %s width shows every tool in at most two rows, without "More"', async (name, viewport) => {
    const { page, errors } = await openPlayground(served, '#example=price-tax&arch=x64', { viewport });
    const report = await layoutReport(page, ['.top', '#header-more', ...ROWS, ...TOOLS]);
    expect(report.boxes['#header-more']).toBeNull();
    for (const part of [...ROWS, ...TOOLS]) expect(report.boxes[part], part).not.toBeNull();
    expect(report.boxes['.top']!.height).toBeLessThanOrEqual(TWO_ROWS);
    expect(report.overlaps.filter((o) => !o.startsWith('.top x '))).toEqual([]);
    expect(report.horizontalOverflow).toBe(0);
    expect(report.pastRightEdge).toEqual([]);
    await screenshot(page, `header-${name}`);
    expect(errors).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('at phone width is two rows, with the other tools in a menu that opens below it and closes again', async () => {
    const { page, errors } = await openPlayground(served, '#example=price-tax&arch=x64', { viewport: PHONE });
    const closed = await layoutReport(page, ['.top', '#header-more', '#run-bar', ...ROWS, ...TOOLS]);
    for (const part of ['#header-more', ...ROWS]) expect(closed.boxes[part], part).not.toBeNull();
    for (const part of TOOLS) expect(closed.boxes[part], part).toBeNull();
    expect(closed.boxes['.top']!.height).toBeLessThanOrEqual(TWO_ROWS);
    expect(closed.overlaps.filter((o) => !o.startsWith('.top x '))).toEqual([]);
    expect(closed.horizontalOverflow).toBe(0);
    expect(closed.pastRightEdge).toEqual([]);
    await screenshot(page, 'header-phone');

    await page.click('#header-more');
    expect(await page.getAttribute('#header-more', 'aria-expanded')).toBe('true');
    // The menu's first tool has the focus; every tool is in the screen, none over another.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('href'))).toBe('./docs/');
    const open = await layoutReport(page, ['#header-tools', ...TOOLS]);
    for (const part of TOOLS) {
      const box = open.boxes[part];
      expect(box, part).not.toBeNull();
      expect(box!.x, part).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width, part).toBeLessThanOrEqual(PHONE.width);
    }
    expect(open.overlaps.filter((o) => !o.startsWith('#header-tools x '))).toEqual([]);
    expect(open.horizontalOverflow).toBe(0);
    // Below the header, not over its rows.
    expect(open.boxes['#header-tools']!.y).toBeGreaterThanOrEqual(closed.boxes['.top']!.y + closed.boxes['.top']!.height - 1);
    await screenshot(page, 'header-phone-more');

    await page.keyboard.press('Escape');
    expect(await page.getAttribute('#header-more', 'aria-expanded')).toBe('false');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('header-more');
    expect(await page.isVisible('#theme')).toBe(false);

    // A tap elsewhere closes it; a tool in it works (the theme switches).
    await page.click('#header-more');
    await page.click('#theme');
    expect(await page.textContent('#theme')).not.toBe('Theme: system');
    await page.mouse.click(200, 600);
    expect(await page.getAttribute('#header-more', 'aria-expanded')).toBe('false');
    // Embed this opens its dialog from the menu, and the menu closes behind it.
    await page.click('#header-more');
    await page.click('#embed-this');
    await page.waitForSelector('#embed-dialog[open]');
    expect(await page.getAttribute('#header-more', 'aria-expanded')).toBe('false');
    expect(errors).toEqual([]);
    await page.context().close();
  }, 60_000);
});
