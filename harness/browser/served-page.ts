// For an end-to-end test file: the built page served and Chromium launched before its tests, and
// both closed after them.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium, newContext, type PageServer, servePage, type Viewport, watchErrors } from './browser.ts';

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

export interface OpenOptions {
  viewport?: Viewport;
  dark?: boolean;
  /** Lets the page read and write the clipboard (copy buttons). */
  clipboard?: boolean;
  /** Selectors to wait for after the shell is ready, e.g. 'html[data-program="loaded"]'. */
  waitFor?: string[];
}

/** The served playground at `hash` in a fresh context, once its shell is ready; errors it logs are collected. */
export async function openPlayground(served: ServedPage, hash: string, options: OpenOptions = {}): Promise<{ page: Page; errors: string[] }> {
  const context = await newContext(served.browser, { viewport: options.viewport, dark: options.dark });
  if (options.clipboard) await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(served.server.url + hash);
  await page.waitForSelector('html[data-shell="ready"]');
  for (const selector of options.waitFor ?? []) await page.waitForSelector(selector, { timeout: 30_000 });
  return { page, errors };
}
