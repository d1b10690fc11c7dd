// What the playground is known by outside itself, in Chromium on the build as `npm start` serves it:
// link-preview tags (og:title, og:description; og:image only with a configured site address, which
// this build has not), and links from the page to the docs page and to the README shipped with the
// build, whose links to docs/*.md lead to files that are there.
import { describe, expect, it } from 'vitest';
import { LAPTOP, newContext, PHONE, watchErrors } from '../../harness/browser/browser.ts';
import { layoutReport } from '../../harness/browser/layout.ts';
import { useServedPage } from '../../harness/browser/served-page.ts';

const served = useServedPage();

describe('the playground\'s links and preview tags', () => {
  it('has preview tags, and links to the docs page and the README, which are served', async () => {
    const context = await newContext(served.browser, { viewport: LAPTOP });
    const page = await context.newPage();
    const errors = watchErrors(page);
    const missing: string[] = [];
    page.on('response', (response) => { if (response.status() >= 400) missing.push(new URL(response.url()).pathname); });
    await page.goto(served.server.url);
    await page.waitForSelector('html[data-shell="ready"]');
    const meta = (property: string) => page.evaluate((p) => document.querySelector(`meta[property="${p}"]`)?.getAttribute('content') ?? null, property);
    expect(await meta('og:title')).toBe('Hotpatch Playground');
    expect(await meta('og:description')).toMatch(/hotpatched without a restart/);
    // No site address was configured for this build: an og:image would have to be absolute, so there is none.
    expect(await meta('og:image')).toBeNull();
    const links = await page.locator('.top-links a').evaluateAll((as) => as.map((a) => [a.textContent, (a as HTMLAnchorElement).href]));
    const docs = links.find(([text]) => text === 'Docs')?.[1];
    const readme = links.find(([text]) => text === 'README')?.[1];
    expect(docs).toBe(`${served.server.url}docs/`);
    expect(readme).toBe(`${served.server.url}README.md`);
    // package.json names no repository: there is no source link, the README stands for it.
    expect(links.map(([text]) => text)).not.toContain('Source');
    await page.click('.top-links a:text-is("README")');
    await page.waitForURL(readme!);
    const text = await page.evaluate(() => document.body.textContent ?? '');
    expect(text).toMatch(/^# /);
    for (const target of new Set([...text.matchAll(/\]\((docs\/[\w-]+\.md)/g)].map((m) => m[1]!))) {
      const response = await page.request.get(`${served.server.url}${target}`);
      expect(response.status(), target).toBe(200);
    }
    await page.goBack();
    await page.click('.top-links a:text-is("Docs")');
    await page.waitForURL(docs!);
    expect(await page.title()).toMatch(/Hotpatch/);
    expect(await page.request.get(`${served.server.url}og-image.png`).then((r) => r.status())).toBe(200);
    // A text file has no icon of its own: the browser asks for /favicon.ico, which the build has none of.
    expect(missing.filter((path) => path !== '/favicon.ico')).toEqual([]);
    expect(errors.filter((e) => !e.includes('404'))).toEqual([]);
    await context.close();
  }, 60_000);

  it('keeps the header in the phone\'s width with its links', async () => {
    const context = await newContext(served.browser, { viewport: PHONE });
    const page = await context.newPage();
    await page.goto(served.server.url);
    await page.waitForSelector('html[data-shell="ready"]');
    // At phone width the links are in the header's "More" menu (phone-header.e2e.test.ts checks the menu itself).
    await page.click('#header-more');
    const parts = ['.top-links a[href="./docs/"]', '.top-links a[href="./README.md"]', '#shortcuts-button', '#theme', '#share', '#embed-this'];
    const report = await layoutReport(page, parts);
    for (const part of parts) expect(report.boxes[part], part).not.toBeNull();
    expect(report.overlaps).toEqual([]);
    expect(report.horizontalOverflow).toBe(0);
    expect(report.pastRightEdge).toEqual([]);
    await context.close();
  }, 60_000);
});
