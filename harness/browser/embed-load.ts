// Loads a page with embeds in headless Chromium and measures it: every request (to check they all
// stay on the page's origin and stay small) and when the first demo became interactive. Used by
// the end-to-end tests and by `npm run bench`.
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';

export interface LoadedResource {
  url: string;
  /** Bytes of the body as served. */
  bytes: number;
  /** The same body gzip-compressed, as a server that compresses would send it. */
  gzipBytes: number;
}

export interface EmbedLoad {
  page: Page;
  resources: LoadedResource[];
  gzipBytes: number;
  /** Milliseconds from navigation start to the first demo's hotpatch-demo-interactive mark. */
  interactiveMs: number;
  close(): Promise<void>;
}

/** Opens `url` in a fresh context (empty cache) and waits until `demos` demos are interactive. */
export async function loadEmbedPage(browser: Browser, url: string, options: { dark?: boolean; demos?: number;
  viewport?: { width: number; height: number } } = {}): Promise<EmbedLoad> {
  const context = await browser.newContext({ colorScheme: options.dark ? 'dark' : 'light',
    viewport: options.viewport ?? { width: 900, height: 1000 } });
  const page = await context.newPage();
  const pending: Promise<LoadedResource | undefined>[] = [];
  // Context-wide, so requests of iframes and workers are counted too.
  context.on('requestfinished', (request) => {
    pending.push(request.response().then(async (response) => {
      if (!response) return undefined;
      const body = await response.body().catch(() => Buffer.alloc(0));
      return { url: request.url(), bytes: body.length, gzipBytes: gzipSync(body).length };
    }));
  });
  await page.goto(url);
  const frames = () => page.frames();
  const wanted = options.demos ?? 1;
  const deadline = Date.now() + 30_000;
  let interactiveMs = Number.NaN;
  for (;;) {
    const marks = await Promise.all(frames().map((frame) => frame.evaluate(() =>
      performance.getEntriesByName('hotpatch-demo-interactive').map((m) => m.startTime + performance.timeOrigin)).catch(() => [] as number[])));
    const all = marks.flat().sort((a, b) => a - b);
    if (all.length >= wanted) {
      const origin = await page.evaluate(() => performance.timeOrigin);
      interactiveMs = all[0]! - origin;
      break;
    }
    if (Date.now() > deadline) throw new Error(`only ${all.length} of ${wanted} demos became interactive at ${url}`);
    await page.waitForTimeout(25);
  }
  await page.waitForLoadState('networkidle');
  const resources = (await Promise.all(pending)).filter((r): r is LoadedResource => r !== undefined);
  return {
    page, resources, interactiveMs,
    gzipBytes: resources.reduce((sum, r) => sum + r.gzipBytes, 0),
    close: () => context.close(),
  };
}
