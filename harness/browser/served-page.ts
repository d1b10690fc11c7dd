// For an end-to-end test file: the built page served and Chromium launched before its tests, and
// both closed after them.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium, type PageServer, servePage } from './browser.ts';

export interface ServedPage {
  server: PageServer;
  browser: Browser;
}

export function useServedPage(): ServedPage {
  const served = {} as ServedPage;
  beforeAll(async () => {
    served.server = await servePage();
    served.browser = await launchChromium();
  });
  afterAll(async () => {
    await served.browser?.close();
    await served.server?.close();
  });
  return served;
}
