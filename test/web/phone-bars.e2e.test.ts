// At 390x844 the run controls and the story bar stay short enough that code and output get the
// screen: from the top of the run controls to the top of the editor's tabs is at most 300 px, with
// a program loaded and while its story stands at a moment; checked by element boxes.
import { describe, expect, it } from 'vitest';
import { newContext, PHONE, screenshot, watchErrors } from '../../harness/browser/browser.ts';
import { layoutReport } from '../../harness/browser/layout.ts';
import { useServedPage } from '../../harness/browser/served-page.ts';

const served = useServedPage();
const MAX_BARS = 300;

describe('the run controls and the story bar on a phone', () => {
  it('take at most 300 px above the code, loaded and at a moment of the story', async () => {
    const context = await newContext(served.browser, { viewport: PHONE });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${served.server.url}#example=price-tax&arch=x64`);
    await page.waitForSelector('html[data-program="loaded"]', { timeout: 30_000 });
    const bars = async (parts: string[]) => {
      const report = await layoutReport(page, ['#run-bar', '#editor-tabs', ...parts]);
      const top = report.boxes['#run-bar']!.y;
      const code = report.boxes['#editor-tabs']!.y;
      expect(report.horizontalOverflow).toBe(0);
      expect(report.pastRightEdge).toEqual([]);
      return { height: code - top, report };
    };
    const loaded = await bars(['#run', '#reset', '#story-play']);
    expect(loaded.height).toBeLessThanOrEqual(MAX_BARS);
    await page.click('#story-play');
    await page.waitForFunction(() => document.documentElement.dataset.story === 'moment', null, { timeout: 30_000 });
    const parts = ['#run', '#step', '#step-over', '#reset', '#speed', '#budget', '#story-play', '#story-sentence', '#story-continue', '#story-stop'];
    const story = await bars(parts);
    for (const part of parts) expect(story.report.boxes[part], part).not.toBeNull();
    // Only the run bar contains the others: every other pair must not overlap.
    expect(story.report.overlaps.filter((o) => !o.startsWith('#run-bar x '))).toEqual([]);
    expect(story.height).toBeLessThanOrEqual(MAX_BARS);
    // The editor's code starts on the first screen, with room to read it.
    const editor = story.report.boxes['#editor-tabs']!;
    expect(editor.y + 200).toBeLessThan(PHONE.height);
    await screenshot(page, 'phone-story-bars');
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);
});
