// A first visit to the playground, measured in Chromium: the times of its milestones (example
// loaded, editor ready, toolchain ready) and what crossed the wire until the example could run.
// Used by the first-visit benchmark and its end-to-end test.
import type { Request } from 'playwright-core';
import { launchChromium } from './browser.ts';

export interface FirstVisit {
  /** Milliseconds from navigation start to each milestone. */
  times: Record<string, number>;
  /** Bytes received (compressed bodies and headers) until the example could run. */
  bytesUntilRunnable: number;
  /** Files asked for before the example could run. */
  filesUntilRunnable: string[];
}

const MILESTONES = ['program:loaded', 'editor:monaco', 'toolchain:ready'] as const;

export async function firstVisit(url: string): Promise<FirstVisit> {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1366, height: 850 } });
    const page = await context.newPage();
    const finished: { request: Request; end: number }[] = [];
    context.on('requestfinished', (request) => {
      const timing = request.timing();
      finished.push({ request, end: timing.startTime + timing.responseEnd });
    });
    await page.goto(url);
    const times: Record<string, number> = {};
    const origin = await page.evaluate(() => performance.timeOrigin);
    // The example is loaded first; then the page asks for the editor and (for the patches) the toolchain.
    for (const milestone of MILESTONES) {
      await page.waitForFunction((name) => performance.getEntriesByName(name).length > 0, `hotpatch:${milestone}`, { timeout: 60_000 });
      times[milestone] = await page.evaluate((name) => performance.getEntriesByName(name)[0]!.startTime, `hotpatch:${milestone}`);
    }
    const before = finished.filter((f) => f.end <= origin + times['program:loaded']!);
    const sizes = await Promise.all(before.map((f) => f.request.sizes()));
    return {
      times,
      bytesUntilRunnable: sizes.reduce((n, s) => n + s.responseBodySize + s.responseHeadersSize, 0),
      filesUntilRunnable: before.map((f) => new URL(f.request.url()).pathname),
    };
  } finally {
    await browser.close();
  }
}
