// The documentation embeds in real headless Chromium, against the build (dist/) served by vite
// preview: the docs page with its three demos, the iframe form and its postMessage API, the
// isolation from the host page's styles, the size budget. Screenshots go to test-results/screenshots/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Frame, Page } from 'playwright-core';
import { launchChromium, type PageServer, screenshot, servePage, watchErrors } from './browser.ts';
import { loadEmbedPage } from './embed-load.ts';

/** What one demo (its scripts, styles, worker, scenario and WebAssembly) may transfer, gzip-compressed. */
const BUDGET_BYTES = 250 * 1024;

let server: PageServer;
let browser: Browser;

beforeAll(async () => {
  server = await servePage();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** The demo element's state, read through its shadow root. */
function demoState(page: Page | Frame, selector: string) {
  return page.$eval(selector, (demo) => {
    const root = demo.shadowRoot!;
    const text = (css: string) => root.querySelector(css)?.textContent ?? '';
    return {
      state: (demo as HTMLElement).dataset.state,
      title: text('h2'),
      arch: text('.arch'),
      link: root.querySelector<HTMLAnchorElement>('a.open')?.href ?? '',
      code: [...root.querySelectorAll('.disassembly li')].map((li) => li.textContent ?? ''),
      notice: text('.notice'),
      status: text('.status'),
    };
  });
}

/**
 * A page on another origin that frames the embed: the docs page opened as http://localhost:port
 * (the server answers on 127.0.0.1; to the browser these are two origins). It has to come from the
 * server itself: Chromium blocks frames of local addresses in pages it does not know to be local.
 */
async function hostPage(frameUrl: string): Promise<{ page: Page; hostOrigin: string;
  messages: () => Promise<{ origin: string; data: Record<string, unknown> }[]> }> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  const page = await context.newPage();
  const host = server.url.replace('127.0.0.1', 'localhost');
  await page.goto(`${host}docs/`);
  await page.evaluate((src) => {
    const received: unknown[] = [];
    (window as unknown as { received: unknown[] }).received = received;
    addEventListener('message', (event) => {
      if (event.source === document.querySelector<HTMLIFrameElement>('#under-test')?.contentWindow) {
        received.push({ origin: event.origin, data: event.data });
      }
    });
    const frame = document.createElement('iframe');
    frame.id = 'under-test';
    frame.src = src;
    frame.style.cssText = 'position:fixed;top:0;left:0;width:800px;height:700px;border:0;z-index:9';
    document.body.prepend(frame);
  }, frameUrl);
  const messages = () => page.evaluate(() => (window as unknown as { received: { origin: string; data: Record<string, unknown> }[] }).received);
  return { page, hostOrigin: new URL(host).origin, messages };
}

describe('the documentation page', () => {
  it('loads with its three demos, each interactive, all from its own origin, none with Keystone, Monaco or Capstone', async () => {
    const loaded = await loadEmbedPage(browser, `${server.url}docs/`, { demos: 3, viewport: { width: 1000, height: 3000 } });
    const { page } = loaded;
    const errors = watchErrors(page);
    const origin = new URL(server.url).origin;
    expect(loaded.resources.length).toBeGreaterThan(5);
    expect(loaded.resources.filter((r) => new URL(r.url).origin !== origin)).toEqual([]);
    expect(loaded.resources.filter((r) => /keystone|capstone|monaco|editor\.worker|lab-worker/i.test(r.url))).toEqual([]);
    const x64 = await demoState(page, '#demo-replace');
    expect(x64).toMatchObject({ state: 'ready', title: 'Price with tax', arch: 'x86-64' });
    expect(x64.link).toBe(`${server.url}#example=price-tax&arch=x64&pane=patch`);
    // The disassembly comes from the build, matched against the program's bytes.
    expect(x64.code.join('\n')).toContain('push rbx');
    const arm64 = await demoState(page, '#demo-hook');
    expect(arm64).toMatchObject({ state: 'ready', arch: 'ARM64' });
    expect(arm64.code.join('\n')).toMatch(/stp\s*x29, x30/);
    const frame = page.frame({ url: /\/embed\/\?example=price-tax/ })!;
    expect(await demoState(frame, 'hotpatch-demo')).toMatchObject({ state: 'ready', arch: 'x86-64' });
    expect(errors).toEqual([]);
    await loaded.close();
  });

  it('keeps its styles and the demos\' apart', async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 1200 } });
    const page = await context.newPage();
    await page.goto(`${server.url}docs/`);
    await page.waitForSelector('#demo-replace[data-state="ready"]');
    const styles = await page.evaluate(() => {
      const demo = document.querySelector('#demo-replace')!;
      const inner = demo.shadowRoot!.querySelector('button')!;
      const summary = demo.shadowRoot!.querySelector('.summary')!;
      const outer = document.querySelector('#theme')!;
      const pick = (e: Element) => { const s = getComputedStyle(e); return { font: s.fontFamily, style: s.fontStyle, background: s.backgroundColor, align: s.textAlign }; };
      return { inner: pick(inner), summary: pick(summary), outer: pick(outer), paragraph: pick(document.querySelector('.article p')!) };
    });
    // The docs theme (Georgia, italic, beige buttons, justified text) does not reach inside ...
    expect(styles.inner.font).not.toContain('Georgia');
    expect(styles.inner.style).toBe('normal');
    expect(styles.inner.background).not.toBe('rgb(243, 231, 201)');
    expect(styles.summary.align).toBe('left');
    // ... and the demo's styles do not reach out.
    expect(styles.outer).toMatchObject({ style: 'italic', background: 'rgb(243, 231, 201)' });
    expect(styles.outer.font).toContain('Georgia');
    expect(styles.paragraph.align).toBe('justify');
    await context.close();
  });

  it('sizes the iframe demo to the height it reports', async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 3000 } });
    const page = await context.newPage();
    await page.goto(`${server.url}docs/`);
    const frame = await (await page.waitForSelector('#demo-frame')).contentFrame();
    await frame!.waitForSelector('hotpatch-demo[data-state="ready"]');
    await page.waitForFunction(() => document.querySelector<HTMLIFrameElement>('#demo-frame')!.style.height !== '');
    const contentHeight = await frame!.evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height));
    const frameHeight = await page.$eval('#demo-frame', (f) => f.getBoundingClientRect().height);
    expect(frameHeight).toBe(contentHeight);
    // No scroll bar inside: everything is visible.
    expect(await frame!.evaluate(() => document.documentElement.scrollHeight <= innerHeight)).toBe(true);
    await context.close();
  });

  it('is reachable by keyboard: Tab walks into the demo controls, with a visible focus ring', async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 1200 } });
    const page = await context.newPage();
    await page.goto(`${server.url}docs/`);
    await page.waitForSelector('#demo-replace[data-state="ready"]');
    await page.focus('#theme');
    const focused: string[] = [];
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Tab');
      focused.push(await page.evaluate(() => {
        const active = document.activeElement;
        const inner = active?.shadowRoot?.activeElement;
        return inner ? `${active!.id} ${inner.tagName.toLowerCase()}${inner.className ? '.' + inner.className : ''}` : active?.tagName.toLowerCase() ?? '';
      }));
    }
    expect(focused[0]).toBe('demo-replace a.open');
    expect(focused.slice(1).every((f) => f.startsWith('demo-replace '))).toBe(true);
    // Focus is drawn visibly.
    const outline = await page.evaluate(() => getComputedStyle(document.querySelector('#demo-replace')!.shadowRoot!.activeElement!).outlineStyle);
    expect(outline).not.toBe('none');
    await context.close();
  });

  for (const dark of [false, true]) {
    it(`looks right in the ${dark ? 'dark' : 'light'} theme (screenshots)`, async () => {
      const context = await browser.newContext({ viewport: { width: 1000, height: 1400 }, colorScheme: dark ? 'dark' : 'light' });
      const page = await context.newPage();
      await page.goto(`${server.url}docs/`);
      await page.waitForSelector('#demo-replace[data-state="ready"]');
      const background = await page.$eval('#demo-replace', (d) => getComputedStyle(d.shadowRoot!.querySelector('.demo')!).backgroundColor);
      expect(background).toBe(dark ? 'rgb(22, 24, 28)' : 'rgb(247, 247, 245)');
      await page.locator('#demo-replace').screenshot({ path: `test-results/screenshots/embed-element-${dark ? 'dark' : 'light'}.png` });
      await screenshot(page, `embed-docs-${dark ? 'dark' : 'light'}`);
      // The attribute overrides the reader's preference.
      await page.$eval('#demo-replace', (d) => d.setAttribute('theme', 'light'));
      expect(await page.$eval('#demo-replace', (d) => getComputedStyle(d.shadowRoot!.querySelector('.demo')!).backgroundColor))
        .toBe('rgb(247, 247, 245)');
      await context.close();
    });
  }
});

describe('the iframe form and its postMessage API', () => {
  it('ignores commands from an origin it was not told to trust, and tells it nothing', async () => {
    const { page, messages } = await hostPage(`${server.url}embed/?example=price-tax&arch=x64`);
    const frame = await (await page.waitForSelector('#under-test')).contentFrame();
    await frame!.waitForSelector('hotpatch-demo[data-state="ready"]');
    await page.evaluate((target) => {
      const frame = document.querySelector<HTMLIFrameElement>('#under-test')!.contentWindow!;
      frame.postMessage({ hotpatch: 1, command: 'load', example: 'price-tax', arch: 'arm64', id: 1 }, target);
      frame.postMessage({ hotpatch: 1, command: 'theme', theme: 'dark', id: 2 }, target);
    }, new URL(server.url).origin);
    await frame!.waitForFunction(() => document.documentElement.dataset.ignoredMessages === '2');
    expect(await demoState(frame!, 'hotpatch-demo')).toMatchObject({ arch: 'x86-64' });
    expect(await frame!.$eval('hotpatch-demo', (d) => d.getAttribute('theme'))).toBeNull();
    expect(await messages()).toEqual([]);
    await page.context().close();
  });

  it('takes commands from a trusted origin and answers it with events', async () => {
    const parent = server.url.replace('127.0.0.1', 'localhost');
    const { page, messages } = await hostPage(`${server.url}embed/?example=price-tax&arch=x64&parent=${encodeURIComponent(parent)}`);
    const frame = await (await page.waitForSelector('#under-test')).contentFrame();
    await frame!.waitForSelector('hotpatch-demo[data-state="ready"]');
    const origin = new URL(server.url).origin;
    const send = (message: object) => page.evaluate(([m, target]) =>
      document.querySelector<HTMLIFrameElement>('#under-test')!.contentWindow!.postMessage(m, target as string), [message, origin] as const);
    const waitFor = (predicate: (data: Record<string, unknown>) => boolean) => expect.poll(async () =>
      (await messages()).some((m) => predicate(m.data)), { timeout: 15_000 }).toBe(true);

    await waitFor((d) => d.event === 'ready');
    await waitFor((d) => d.event === 'resize');
    const all = await messages();
    expect(all.every((m) => m.origin === origin && m.data.hotpatch === 1)).toBe(true);
    expect(all.find((m) => m.data.event === 'ready')!.data.detail).toMatchObject({ example: 'price-tax', arch: 'x64' });

    await send({ hotpatch: 1, command: 'load', example: 'price-tax', arch: 'arm64', id: 11 });
    await waitFor((d) => d.event === 'done' && d.id === 11);
    await waitFor((d) => d.event === 'ready' && (d.detail as { arch?: string }).arch === 'arm64');
    expect(await demoState(frame!, 'hotpatch-demo')).toMatchObject({ arch: 'ARM64' });

    await send({ hotpatch: 1, command: 'theme', theme: 'dark', id: 12 });
    await waitFor((d) => d.event === 'done' && d.id === 12);
    expect(await frame!.$eval('hotpatch-demo', (d) => d.getAttribute('theme'))).toBe('dark');
    await frame!.locator('hotpatch-demo').screenshot({ path: 'test-results/screenshots/embed-iframe-dark.png' });

    await send({ hotpatch: 1, command: 'load', example: 'no-such-example', id: 13 });
    await waitFor((d) => d.event === 'error' && (d.detail as { message?: string }).message === 'unknown scenario');
    await send({ hotpatch: 1, command: 'format-disk', id: 14 });
    await waitFor((d) => d.event === 'error' && (d.detail as { message?: string }).message === 'unknown command "format-disk"');
    expect(await frame!.evaluate(() => document.documentElement.dataset.ignoredMessages)).toBeUndefined();
    await page.context().close();
  });
});

describe('size and speed', () => {
  it(`transfers less than ${BUDGET_BYTES / 1024} KB (gzip) for one demo, everything included`, async () => {
    const loaded = await loadEmbedPage(browser, `${server.url}embed/?example=price-tax&arch=arm64`);
    const total = loaded.gzipBytes;
    expect(loaded.resources.some((r) => r.url.includes('demo-worker'))).toBe(true);
    expect(total).toBeGreaterThan(10 * 1024);
    expect(total).toBeLessThan(BUDGET_BYTES);
    await loaded.close();
  });
});
