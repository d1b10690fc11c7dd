// "Embed this" in real headless Chromium: an example's source edited in the playground, the dialog
// opened, both snippets taken and put in plain pages of another origin than the playground's, and
// each plays the edited program (its output differs from the unedited example's in the edited way)
// without loading Keystone, Capstone or Monaco. The dialog fits at phone, tablet and laptop widths.
// And the docs page's own "Embed this" example, made at build time by the same code, plays.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Frame, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { LAPTOP, newContext, PHONE, screenshot, TABLET, type Viewport, watchErrors } from '../../harness/browser/browser.ts';
import { playDemo } from '../../harness/browser/demo-play.ts';
import { loadEmbedPage } from '../../harness/browser/embed-load.ts';
import { embedThisPages } from '../../harness/browser/embed-this-pages.ts';
import { layoutReport } from '../../harness/browser/layout.ts';
import { useServedPage } from '../../harness/browser/served-page.ts';

const served = useServedPage();

const cents = (v: number) => `${Math.floor(v / 100)}.${String(v % 100).padStart(2, '0')}`;
const bug = (net: number) => Math.floor((net * 120 + 100) / 100);
const fixed = (net: number) => Math.floor((net * 120 + 50) / 100);
/** price-tax's story: four prices with the bug, the fix, the rest fixed. */
const storyOutput = (nets: number[]) => nets.map((net, i) => `${cents(net)} -> ${cents(i < 4 ? bug(net) : fixed(net))}\n`).join('');
const NETS = [1000, 1999, 250, 5, 12345, 99, 4200, 1, 777, 100000, 3333, 60];
/** The edit: the first price doubled. */
const EDITED_NETS = [2000, ...NETS.slice(1)];

async function open(viewport: Viewport): Promise<{ page: Page; errors: string[] }> {
  const context = await newContext(served.browser, { viewport });
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${served.server.url}#example=price-tax&arch=x64`);
  await page.waitForSelector('html[data-shell="ready"]');
  await page.waitForSelector('html[data-editor="monaco"]', { timeout: 30_000 });
  await page.waitForSelector('html[data-program="loaded"]', { timeout: 30_000 });
  return { page, errors };
}

/** Replaces the text of the editor tab in view, as a user does: select all, paste. */
async function paste(page: Page, text: string): Promise<void> {
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
  await page.locator('#editor-host').scrollIntoViewIfNeeded();
  const box = (await page.locator('#editor-host').boundingBox())!;
  await page.mouse.click(box.x + 80, box.y + Math.min(60, box.height / 2));
  await page.waitForFunction(() => document.activeElement?.closest('.monaco-editor') !== null, null, { timeout: 5_000 });
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Control+V');
  await page.waitForFunction((t) => (window as unknown as { playground: { store: { state: { files: { text: string }[] } } } })
    .playground.store.state.files.some((f) => f.text === t), text, { timeout: 10_000 });
}

async function openDialog(page: Page): Promise<void> {
  // At phone width the button is in the header's "More" menu.
  if (await page.isVisible('#header-more')) await page.click('#header-more');
  await page.click('#embed-this');
  await page.waitForSelector('#embed-dialog[open]');
  await page.waitForSelector('#embed-dialog[data-state="ready"]', { timeout: 60_000 });
}

/** Plays the demo to its end (harness/browser/demo-play.ts); its output. */
async function play(where: Page | Frame, selector: string): Promise<string> {
  const played = await playDemo(where, selector);
  expect(played.state).toBe('exited');
  return played.output;
}

/** A server of its own (another origin than the playground's) with `pages` at their paths. */
async function hostSite(pages: Record<string, string>): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    if (request.url === '/favicon.ico') { response.writeHead(204).end(); return; }
    const body = pages[request.url ?? ''];
    response.writeHead(body ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(body ?? 'not here');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  // "localhost" for the host, 127.0.0.1 for the playground: two origins.
  return { url: `http://localhost:${(server.address() as AddressInfo).port}/`, server };
}

describe('Embed this', () => {
  it('makes snippets of an edited example that play its edited behaviour on a page of another origin, without the toolchain or the editor', async () => {
    const { page, errors } = await open(LAPTOP);
    const source = readFileSync('examples/price-tax/x64/pricing.s', 'utf8');
    expect(source).toContain('.long 1000, 1999,');
    await paste(page, source.replace('.long 1000, 1999,', '.long 2000, 1999,'));
    await openDialog(page);
    // The example's story is the timeline a program without a paused run gets; the sizes are shown.
    expect(await page.locator('#embed-timeline').inputValue()).toBe('story');
    expect(await page.locator('#embed-title').inputValue()).toBe('Price with tax (edited)');
    for (const form of ['element', 'iframe']) {
      expect(await page.locator(`#embed-${form}-size`).textContent()).toMatch(/^\d+\.\d KB \(\d+\.\d KB gzip\)$/);
    }
    expect(await page.locator('#embed-download').getAttribute('href')).toMatch(/^blob:/);
    expect(await page.locator('#embed-download').getAttribute('download')).toBe('price-tax-x64.json');
    const element = await page.locator('#embed-element').inputValue();
    const iframe = await page.locator('#embed-iframe').inputValue();
    expect(element).toMatch(new RegExp(`^<script type="module" src="${served.server.url}embed/hotpatch-demo\\.js"></script>\\n<hotpatch-demo>`));
    expect(iframe).toMatch(new RegExp(`^<iframe src="${served.server.url}embed/#scenario=[\\w-]+" `));
    expect(iframe).toMatch(/<\/iframe>\n<script>[^<]+<\/script>\n$/);
    // Copy puts the snippet on the clipboard as it is shown.
    await page.click('#embed-copy-element');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(element);
    await screenshot(page, 'embed-this-laptop');
    expect(errors).toEqual([]);
    await page.context().close();

    // The snippets in plain pages of another origin and path.
    const site = await hostSite({
      '/blog/post.html': `<!doctype html><meta charset="utf-8"><title>A post</title><h1>A post</h1>\n${element}<p>After the demo.</p>`,
      '/blog/framed.html': `<!doctype html><meta charset="utf-8"><title>Framed</title><h1>Framed</h1>\n${iframe}`,
    });
    try {
      const context = await newContext(served.browser, { viewport: { width: 1000, height: 2400 } });
      const host = await context.newPage();
      const hostErrors = watchErrors(host);
      const requests: string[] = [];
      context.on('request', (request) => requests.push(request.url()));
      await host.goto(`${site.url}blog/post.html`);
      const edited = storyOutput(EDITED_NETS);
      expect(edited).not.toBe(storyOutput(NETS));
      expect(await play(host, 'hotpatch-demo')).toBe(edited);
      expect(await host.locator('hotpatch-demo').evaluate((d) => d.shadowRoot!.querySelector('h2')!.textContent)).toBe('Price with tax (edited)');
      // The diagram names x86-64's call instruction, not both architectures'.
      const drawn = await host.locator('hotpatch-demo').evaluate((d) => [...d.shadowRoot!.querySelectorAll('svg text')].map((t) => t.textContent).join('|'));
      expect(drawn).toContain('call price_with_tax');
      expect(drawn).not.toContain('bl/call');
      // "Open in playground" opens the program as it was embedded, the edit included, not the example as shipped.
      const link = await host.locator('hotpatch-demo').evaluate((d) => d.shadowRoot!.querySelector<HTMLAnchorElement>('a.open')!.href);
      expect(link.startsWith(`${served.server.url}#s=`)).toBe(true);
      // In a context of its own: the playground assembles the edited program (Keystone, Capstone), and the
      // demos' requests below must stay apart from its.
      const elsewhere = await newContext(served.browser);
      const opened = await elsewhere.newPage();
      await opened.goto(link);
      await opened.waitForSelector('html[data-shell="ready"]');
      const files = await opened.evaluate(() => (window as unknown as { playground: { store: { state: { example?: string; files: { text: string }[] } } } })
        .playground.store.state);
      expect(files.example).toBe('price-tax');
      expect(files.files.map((f) => f.text)).toContain(source.replace('.long 1000, 1999,', '.long 2000, 1999,'));
      await elsewhere.close();
      await host.goto(`${site.url}blog/framed.html`);
      await host.waitForFunction(() => document.querySelector('iframe')?.contentDocument !== undefined);
      const frame = await (await host.waitForSelector('iframe')).contentFrame();
      expect(frame).not.toBeNull();
      expect(await play(frame!, 'hotpatch-demo')).toBe(edited);
      // The iframe fits the demo as it stands (its patch shown): its height is the content's, no scroll bar inside.
      const fits = async () => await host.$eval('iframe', (f) => f.getBoundingClientRect().height)
        === await frame!.evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height));
      await expect.poll(fits, { timeout: 10_000 }).toBe(true);
      expect(await frame!.evaluate(() => document.documentElement.scrollHeight <= innerHeight)).toBe(true);
      expect(await host.$eval('iframe', (f) => f.getBoundingClientRect().height)).not.toBe(640);
      await screenshot(host, 'embed-this-framed');
      expect(requests.filter((url) => /keystone|capstone|monaco/i.test(url))).toEqual([]);
      expect(hostErrors).toEqual([]);
      await context.close();
    } finally {
      site.server.close();
    }
  }, 240_000);

  it.each([['phone', PHONE], ['tablet', TABLET], ['laptop', LAPTOP]] as const)('fits the dialog at %s width', async (name, viewport) => {
    const { page, errors } = await open(viewport);
    // A paused run: the chosen patch at the moment the program stands.
    await page.selectOption('#speed', '200');
    await page.click('#run');
    await page.waitForFunction(() => (document.getElementById('output')?.textContent ?? '').split('\n').length > 2, null, { timeout: 30_000 });
    await page.click('#run');
    await page.waitForFunction(() => document.documentElement.dataset.runState === 'paused', null, { timeout: 10_000 });
    const instructions = await page.evaluate(() => (window as unknown as { playground: { session: { lastSnapshot: { instructions: number } } } })
      .playground.session.lastSnapshot.instructions);
    await openDialog(page);
    expect(await page.locator('#embed-timeline').inputValue()).toBe('patch:0');
    expect(Number(await page.locator('#embed-moment').inputValue())).toBe(instructions);
    const parts = ['#embed-dialog h2', '.embed-choices', '#embed-element', '#embed-iframe', '#embed-copy-element', '#embed-copy-iframe',
      '.embed-file', '.embed-actions button'];
    const report = await layoutReport(page, parts);
    for (const part of parts) expect(report.boxes[part], part).not.toBeNull();
    expect(report.overlaps).toEqual([]);
    expect(report.horizontalOverflow).toBe(0);
    expect(report.pastRightEdge).toEqual([]);
    const dialog = (await page.locator('#embed-dialog').boundingBox())!;
    expect(dialog.x).toBeGreaterThanOrEqual(0);
    expect(dialog.x + dialog.width).toBeLessThanOrEqual(viewport.width);
    expect(dialog.height).toBeLessThanOrEqual(viewport.height);
    await screenshot(page, `embed-this-${name}`);
    expect(errors).toEqual([]);
    await page.context().close();
  }, 120_000);

  it('the docs page explains it with a snippet made by the same code at build time, which plays', async () => {
    const context = await newContext(served.browser, { viewport: { width: 1000, height: 2400 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${served.server.url}docs/#embed-this`);
    await page.waitForSelector('#demo-embedded');
    const snippet = await page.locator('#embed-this-snippet').textContent();
    expect(snippet).toMatch(/^<script type="module" src="[^"]+\/embed\/hotpatch-demo\.js"><\/script>\n<hotpatch-demo>\n<script type="application\/json">\{/);
    const nets = Array.from({ length: 12 }, (_, i) => i + 1);
    expect(await play(page, '#demo-embedded')).toBe(storyOutput(nets));
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);

  it('keeps a made scenario within the embeds\' budget: under 250 KB gzip for one demo with its snippet, none of the toolchain', async () => {
    const own = await embedThisPages(served.server.url);
    try {
      for (const url of [own.elementUrl, own.iframeUrl]) {
        const load = await loadEmbedPage(served.browser, url);
        expect(load.gzipBytes, url).toBeLessThan(250 * 1024);
        expect(load.resources.filter((r) => /keystone|capstone|monaco/i.test(r.url))).toEqual([]);
        // Interactive under a second on an idle machine (bench/embed.ts measures it); here only bounded, as tests share the machine.
        expect(load.interactiveMs).toBeLessThan(10_000);
        await load.close();
      }
    } finally {
      await own.close();
    }
  }, 120_000);
});
