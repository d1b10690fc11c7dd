// The documentation embeds in real headless Chromium, against the build (dist/) served by vite
// preview: the docs page with its three demos, the iframe form and its postMessage API, the
// isolation from the host page's styles, the size budget. Screenshots go to test-results/screenshots/.
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { BrowserContext, BrowserContextOptions, Frame, Page } from 'playwright-core';
import { SCREENSHOTS, screenshot, watchErrors } from '../../harness/browser/browser.ts';
import { useServedPage } from '../../harness/browser/served-page.ts';
import { loadEmbedPage } from '../../harness/browser/embed-load.ts';
import { expectHookDrawing, flowGeometry } from './flow-geometry.ts';

/** The three demos of the documentation page: where each is, and what it shows. */
const DOCS_DEMOS = [
  { name: 'replace', frame: false, selector: '#demo-replace', example: 'price-tax', arch: 'x64' },
  { name: 'hook', frame: false, selector: '#demo-hook', example: 'hook-original', arch: 'arm64' },
  { name: 'iframe', frame: true, selector: 'hotpatch-demo', example: 'cumulative', arch: 'x64' },
] as const;

/** Scripts an embed must never load: the assembler, the disassembler, the editor and the playground's worker. */
const HEAVY = /keystone|capstone|monaco|editor\.worker|lab-worker|lab-requests/i;

/** What one demo (its scripts, styles, worker, scenario and WebAssembly) may transfer, gzip-compressed. */
const BUDGET_BYTES = 250 * 1024;

const served = useServedPage();

/** The docs page in a fresh context (empty cache); with `ready`, once that demo can be used. */
async function openDocs(options: BrowserContextOptions = {}, ready?: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await served.browser.newContext({ viewport: { width: 1000, height: 1400 }, ...options });
  const page = await context.newPage();
  await page.goto(`${served.server.url}docs/`);
  if (ready) await page.waitForSelector(`${ready}[data-state="ready"]`);
  return { context, page };
}

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

/** What the command line prints for the example, run on real Unicorn with its timeline applied. */
async function cliOutput(example: string, arch: string): Promise<{ output: string; events: { name: string; result: { status: string } }[] }> {
  const { stdout } = await promisify(execFile)('node', ['bin/hotpatch.js', 'run', `examples/${example}`, '--arch', arch, '--json']);
  return JSON.parse(stdout) as { output: string; events: { name: string; result: { status: string } }[] };
}

/** Every request of the context (pages, frames and workers), to check where they went. */
function requestLog(context: BrowserContext): string[] {
  const urls: string[] = [];
  context.on('request', (request) => urls.push(request.url()));
  return urls;
}

interface DemoLog { states: string[]; transactions: { action: string; name: string; status: string }[];
  steps: { direction: number; position: number; total: number }[] }

/** Records the demo's events from now on (read back with `readLog`). */
async function recordEvents(scope: Page | Frame, selector: string): Promise<void> {
  await scope.$eval(selector, (demo) => {
    const log = { states: [] as string[], transactions: [] as unknown[], steps: [] as unknown[] };
    (demo as unknown as { eventLog: typeof log }).eventLog = log;
    demo.addEventListener('hotpatch-state', (e) => log.states.push((e as CustomEvent).detail.state));
    demo.addEventListener('hotpatch-transaction', (e) => log.transactions.push((e as CustomEvent).detail));
    demo.addEventListener('hotpatch-step', (e) => log.steps.push((e as CustomEvent).detail));
  });
}

function readLog(scope: Page | Frame, selector: string): Promise<DemoLog> {
  return scope.$eval(selector, (demo) => (demo as unknown as { eventLog: DemoLog }).eventLog);
}

/** Waits until the demo has run (a 'running' state since `from`) and stopped again. */
async function waitUntilStopped(scope: Page | Frame, selector: string, from: number): Promise<string> {
  const handle = await scope.waitForFunction(([sel, n]) => {
    const states = (document.querySelector(sel as string) as unknown as { eventLog: DemoLog }).eventLog.states.slice(n as number);
    const last = states.at(-1);
    return states.includes('running') && last !== 'running' ? last : undefined;
  }, [selector, from] as const, { timeout: 30_000 });
  return (await handle.jsonValue()) as string;
}

async function waitForTransactions(scope: Page | Frame, selector: string, count: number): Promise<void> {
  await scope.waitForFunction(([sel, n]) =>
    (document.querySelector(sel as string) as unknown as { eventLog: DemoLog }).eventLog.transactions.length >= (n as number),
  [selector, count] as const, { timeout: 30_000 });
}

/**
 * Plays the demo the way a reader would, with its buttons: Run, which pauses where the example's
 * next patch goes in; the button for that event (apply or roll back); Run again, to the end.
 */
async function playWithButtons(scope: Page | Frame, selector: string): Promise<{ output: string; log: DemoLog }> {
  await recordEvents(scope, selector);
  const button = (action: string) => scope.locator(`${selector} button[data-action="${action}"]`);
  await scope.locator(`${selector} select`).selectOption('0');
  for (let round = 0; round < 10; round++) {
    const from = (await readLog(scope, selector)).states.length;
    await button('run').click();
    const state = await waitUntilStopped(scope, selector, from);
    if (state !== 'paused') break;
    const snapshot = await scope.$eval(selector, (d) => {
      const s = (d as HTMLElementTagNameMap['hotpatch-demo']).snapshot!;
      return { note: s.note, next: s.next };
    });
    expect(snapshot.note).toMatch(/^paused after/);
    const transactions = (await readLog(scope, selector)).transactions.length;
    await button(snapshot.next!.kind === 'apply' ? 'apply' : 'rollback').click();
    await waitForTransactions(scope, selector, transactions + 1);
  }
  const output = await scope.$eval(selector, (d) => d.shadowRoot!.querySelector('.output')!.textContent ?? '');
  return { output, log: await readLog(scope, selector) };
}

/**
 * A page on another origin that frames the embed: the docs page opened as http://localhost:port
 * (the server answers on 127.0.0.1; to the browser these are two origins). It has to come from the
 * server itself: Chromium blocks frames of local addresses in pages it does not know to be local.
 */
async function hostPage(frameUrl: string): Promise<{ page: Page; hostOrigin: string;
  messages: () => Promise<{ origin: string; data: Record<string, unknown> }[]> }> {
  const context = await served.browser.newContext({ viewport: { width: 1000, height: 900 } });
  const page = await context.newPage();
  const host = served.server.url.replace('127.0.0.1', 'localhost');
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
    const loaded = await loadEmbedPage(served.browser, `${served.server.url}docs/`, { demos: 3, viewport: { width: 1000, height: 3000 } });
    const { page } = loaded;
    const errors = watchErrors(page);
    const origin = new URL(served.server.url).origin;
    expect(loaded.resources.length).toBeGreaterThan(5);
    expect(loaded.resources.filter((r) => new URL(r.url).origin !== origin)).toEqual([]);
    expect(loaded.resources.filter((r) => HEAVY.test(r.url))).toEqual([]);
    const x64 = await demoState(page, '#demo-replace');
    expect(x64).toMatchObject({ state: 'ready', title: 'Price with tax', arch: 'x86-64' });
    expect(x64.link).toBe(`${served.server.url}#example=price-tax&arch=x64&pane=patch`);
    // The disassembly comes from the build, matched against the program's bytes.
    expect(x64.code.join('\n')).toContain('push rbx');
    const arm64 = await demoState(page, '#demo-hook');
    expect(arm64).toMatchObject({ state: 'ready', title: 'Hook that calls the original', arch: 'ARM64' });
    expect(arm64.code.join('\n')).toMatch(/stp\s*x29, x30/);
    const frame = page.frame({ url: /\/embed\/\?example=cumulative/ })!;
    expect(await demoState(frame, 'hotpatch-demo')).toMatchObject({ state: 'ready', title: 'Two cumulative patches, then a rollback',
      arch: 'x86-64' });
    expect(errors).toEqual([]);
    await loaded.close();
  });

  it('runs each demo to the end with its patches applied, printing what the command line prints on Unicorn', async () => {
    const context = await served.browser.newContext({ viewport: { width: 1000, height: 3000 } });
    const requests = requestLog(context);
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${served.server.url}docs/`);
    for (const demo of DOCS_DEMOS) {
      const scope = demo.frame ? (await (await page.waitForSelector('#demo-frame')).contentFrame())! : page;
      await scope.waitForSelector(`${demo.selector}[data-state="ready"]`);
      const expected = await cliOutput(demo.example, demo.arch);
      const { output, log } = await playWithButtons(scope, demo.selector);
      expect(output, demo.name).toBe(expected.output);
      // One transaction per timeline event, with the outcome the command line had, each step announced.
      expect(log.transactions.map((t) => [t.name, t.status]), demo.name)
        .toEqual(expected.events.map((e) => [e.name, e.result.status]));
      expect(log.steps.length).toBeGreaterThan(log.transactions.length * 3);
      expect(log.steps.every((s) => s.direction === 1)).toBe(true);
      expect(log.states.at(-1)).toBe('exited');
      // The patch view shows the last transaction, its steps and the redirection diagram.
      const patch = await scope.$eval(demo.selector, (d) => ({
        steps: d.shadowRoot!.querySelectorAll('.steps li.done').length,
        diagrams: d.shadowRoot!.querySelectorAll('.diagram svg').length,
        misses: (d as HTMLElementTagNameMap['hotpatch-demo']).snapshot!.listingMisses,
      }));
      expect(patch.steps, demo.name).toBeGreaterThan(0);
      // A rollback draws no redirection: it takes one out.
      expect(patch.diagrams, demo.name).toBe(log.transactions.at(-1)!.action === 'apply' ? 1 : 0);
      // Every listing shown came from the build-time disassembly.
      expect(patch.misses).toBe(0);
      // The same diagram as the playground's: a hook's jump back lands in the original's body.
      if (demo.example === 'hook-original') expectHookDrawing(await scope.locator(`${demo.selector} .diagram svg`).evaluate(flowGeometry));
      await scope.locator(demo.selector).screenshot({ path: `${SCREENSHOTS}/embed-played-${demo.name}.png` });
    }
    // Running and patching loaded nothing from elsewhere, and neither the assembler nor the disassembler.
    expect(requests.filter((url) => !url.startsWith(new URL(served.server.url).origin) && !url.startsWith('data:') && !url.startsWith('blob:')))
      .toEqual([]);
    expect(requests.filter((url) => HEAVY.test(url))).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('opens the same scenario in the playground from its link', async () => {
    const { context, page } = await openDocs({ viewport: { width: 1440, height: 960 } });
    const frameElement = await page.waitForSelector('#demo-frame');
    await frameElement.scrollIntoViewIfNeeded();
    const frame = (await frameElement.contentFrame())!;
    await frame.waitForSelector('hotpatch-demo[data-state="ready"]');
    const [playground] = await Promise.all([context.waitForEvent('page'), frame.locator('hotpatch-demo a.open').click()]);
    await playground!.waitForFunction(() => document.querySelector('#example-title')?.textContent === 'Two cumulative patches, then a rollback · x86-64');
    expect(await playground!.getAttribute('#arch-x64', 'aria-checked')).toBe('true');
    expect(await playground!.getAttribute('#pane-patch', 'aria-selected')).toBe('true');
    // An example whose program and patch are another example's files (wrong-base uses price-tax's).
    await page.goto(`${served.server.url}embed/?example=wrong-base&arch=arm64`);
    await page.waitForSelector('hotpatch-demo[data-state="ready"]');
    const [shared] = await Promise.all([context.waitForEvent('page'), page.locator('hotpatch-demo a.open').click()]);
    await shared!.waitForFunction(() => document.querySelector('#example-title')?.textContent === 'Patch refused: built for another build · ARM64');
    await shared!.waitForFunction(() => document.querySelector('#patch-choice')?.textContent === 'fix-rounding.s');
    expect(await shared!.$eval('#editor-tabs', (tabs) => tabs.textContent)).toContain('pricing.s');
    await context.close();
  });

  it('keeps its styles and the demos\' apart', async () => {
    const { context, page } = await openDocs({ viewport: { width: 1000, height: 1200 } }, '#demo-replace');
    // The page's style sheets are its own: the demos added none to the document.
    expect(await page.evaluate(() => [[...document.styleSheets].map((sheet) => new URL(sheet.href ?? 'inline:', location.href).pathname),
      document.adoptedStyleSheets.length, document.querySelectorAll('style').length]))
      .toEqual([[expect.stringMatching(/\/assets\/docs-[\w-]+\.css$/)], 0, 0]);
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
    const { context, page } = await openDocs({ viewport: { width: 1000, height: 3000 } });
    const frame = await (await page.waitForSelector('#demo-frame')).contentFrame();
    await frame!.waitForSelector('hotpatch-demo[data-state="ready"]');
    await page.waitForFunction(() => document.querySelector<HTMLIFrameElement>('#demo-frame')!.style.height !== '');
    const contentHeight = await frame!.evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height));
    const frameHeight = await page.$eval('#demo-frame', (f) => f.getBoundingClientRect().height);
    expect(frameHeight).toBe(contentHeight);
    // No scroll bar inside: everything is visible.
    expect(await frame!.evaluate(() => document.documentElement.scrollHeight <= innerHeight)).toBe(true);
    // Applying a patch adds its steps and diagram: the frame grows with its content.
    await frame!.locator('hotpatch-demo button[data-action="apply"]').click();
    await frame!.waitForFunction(() => document.querySelector('hotpatch-demo')!.shadowRoot!.querySelector('.diagram svg') !== null);
    await page.waitForFunction((before) => {
      const frame = document.querySelector<HTMLIFrameElement>('#demo-frame')!;
      const content = Math.ceil(frame.contentDocument!.documentElement.getBoundingClientRect().height);
      return content > before + 100 && frame.getBoundingClientRect().height === content;
    }, frameHeight);
    expect(await frame!.evaluate(() => document.documentElement.scrollHeight <= innerHeight)).toBe(true);
    await context.close();
  });

  it('is reachable by keyboard: Tab walks into the demo controls, with a visible focus ring', async () => {
    const { context, page } = await openDocs({ viewport: { width: 1000, height: 1200 } }, '#demo-replace');
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

  it('runs, steps through the patch, and rolls it back from the keyboard, with keys heard only inside the demo', async () => {
    const { context, page } = await openDocs({ viewport: { width: 1000, height: 1400 } });
    const demo = '#demo-replace';
    await page.waitForSelector(`${demo}[data-state="ready"]`);
    await recordEvents(page, demo);
    // Outside the demo its keys are the page's: nothing happens.
    await page.focus('#theme');
    await page.keyboard.press('r');
    await page.keyboard.press('a');
    // Inside, from the first control the Tab key reaches.
    await page.locator(`${demo} button[data-action="run"]`).focus();
    await page.keyboard.press('i');
    await page.waitForFunction((sel) => document.querySelector(sel)!.getAttribute('data-state') === 'paused', demo);
    expect((await readLog(page, demo)).states).toEqual(['paused']);
    expect(await page.$eval(demo, (d) => (d as HTMLElementTagNameMap['hotpatch-demo']).snapshot!.instructions)).toBe(1);
    await page.keyboard.press('r');
    expect(await waitUntilStopped(page, demo, 1)).toBe('paused');
    expect(await page.$eval(demo, (d) => (d as HTMLElementTagNameMap['hotpatch-demo']).snapshot!.note)).toMatch(/^paused after 4 calls/);
    const stepsSoFar = async (n: number) => page.waitForFunction(([sel, count]) =>
      (document.querySelector(sel as string) as unknown as { eventLog: DemoLog }).eventLog.steps.length >= (count as number), [demo, n] as const);
    await page.keyboard.press('s'); // a stepwise transaction, nothing written yet
    await waitForTransactions(page, demo, 1);
    await page.keyboard.press('s');
    await stepsSoFar(1);
    await page.keyboard.press('s');
    await stepsSoFar(2);
    // The status line follows the transaction while the program waits for it.
    await page.waitForFunction((sel) => document.querySelector(sel)!.shadowRoot!.querySelector('.status')?.textContent
      ?.match(/^fix-rounding\.s going in step by step: 2 of \d+ steps in · the program waits at pricing!/), demo);
    await page.keyboard.press('b');
    await stepsSoFar(3);
    await page.keyboard.press('f');
    const total = await page.$eval(demo, (d) => (d as HTMLElementTagNameMap['hotpatch-demo']).snapshot!.transaction!.steps.length);
    await stepsSoFar(3 + total - 1);
    const steps = (await readLog(page, demo)).steps;
    expect(steps.slice(0, 3).map((s) => [s.direction, s.position])).toEqual([[1, 1], [1, 2], [-1, 1]]);
    expect(steps.at(-1)).toMatchObject({ direction: 1, position: total });
    // The focus is still on the control it was on, drawn visibly.
    expect(await page.evaluate(() => document.activeElement?.shadowRoot?.activeElement?.getAttribute('data-action'))).toBe('run');
    await page.keyboard.press('u');
    await waitForTransactions(page, demo, 2);
    expect((await readLog(page, demo)).transactions.map((t) => [t.action, t.status])).toEqual([['apply', 'applied'], ['rollback', 'applied']]);
    await context.close();
  });

  it('is not changed by a hostile host stylesheet', async () => {
    const { context, page } = await openDocs({ viewport: { width: 1000, height: 1400 } }, '#demo-replace');
    const inside = () => page.$eval('#demo-replace', (demo) => {
      const properties = ['font-family', 'font-size', 'font-style', 'font-weight', 'letter-spacing', 'word-spacing', 'text-transform',
        'color', 'background-color', 'line-height', 'text-align', 'text-shadow', 'visibility', 'direction', 'cursor', 'display',
        'border-top-width', 'padding-top', 'box-sizing'];
      const root = demo.shadowRoot!;
      return ['.demo', 'h2', '.summary', 'button.primary', 'select', '.disassembly li', '.output', 'a.open', 'kbd', '.calls td']
        .map((css) => { const style = getComputedStyle(root.querySelector(css)!); return [css, ...properties.map((p) => style.getPropertyValue(p))]; });
    });
    const before = await inside();
    await page.addStyleTag({ content: `
      *, *::before, *::after { font: italic 700 31px/3 fantasy !important; letter-spacing: 5px !important; word-spacing: 9px !important;
        text-transform: uppercase !important; color: red !important; background: yellow !important; text-align: right !important;
        text-shadow: 2px 2px blue !important; cursor: wait !important; direction: rtl !important; box-sizing: content-box !important;
        --bg: red; --text: lime; --panel: pink; --accent: blue; --line: red; --muted: red; --code: fantasy; --focus: red; }
      hotpatch-demo { font-size: 40px !important; color: green !important; visibility: visible !important; all: unset; }
      button, select, h2, p, li, pre, table, td, a, kbd, div, ol { display: none !important; border: 5px solid red !important; padding: 20px !important; }
      :root { color-scheme: dark !important; }` });
    // The host page's rules took hold outside ...
    expect(await page.$eval('#theme', (b) => getComputedStyle(b).display)).toBe('none');
    // ... and nothing changed inside.
    expect(await inside()).toEqual(before);
    await context.close();
  });

  it('fits a phone: no sideways scrolling, panels stacked (screenshots)', async () => {
    for (const dark of [false, true]) {
      const { context, page } = await openDocs({ viewport: { width: 390, height: 844 }, colorScheme: dark ? 'dark' : 'light', isMobile: true, hasTouch: true });
      const demo = '#demo-hook';
      await page.locator(demo).scrollIntoViewIfNeeded();
      await page.waitForSelector(`${demo}[data-state="ready"]`);
      await recordEvents(page, demo);
      await page.locator(`${demo} button[data-action="apply-stepwise"]`).tap();
      await waitForTransactions(page, demo, 1);
      for (let i = 0; i < 5; i++) await page.locator(`${demo} button[data-action="transaction-forward"]`).tap();
      await page.waitForFunction((sel) => (document.querySelector(sel) as HTMLElementTagNameMap['hotpatch-demo']).snapshot?.transaction?.position === 5, demo);
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth)).toBe(true);
      const layout = await page.$eval(demo, (d) => {
        const root = d.shadowRoot!;
        const box = (css: string) => root.querySelector(css)!.getBoundingClientRect();
        return { demo: box('.demo').right, panels: [...root.querySelectorAll('.panels > .panel, .side > .panel')].map((p) => p.getBoundingClientRect().left),
          steps: box('.steps').bottom, detail: box('.detail').top };
      });
      expect(layout.demo).toBeLessThanOrEqual(390);
      // One column: every panel starts at the same left edge, the step detail below the step list.
      expect(new Set(layout.panels).size).toBe(1);
      expect(layout.detail).toBeGreaterThanOrEqual(layout.steps);
      await page.locator(demo).screenshot({ path: `${SCREENSHOTS}/embed-phone-${dark ? 'dark' : 'light'}.png` });
      await context.close();
    }
  });

  for (const dark of [false, true]) {
    it(`looks right in the ${dark ? 'dark' : 'light'} theme (screenshots)`, async () => {
      const { context, page } = await openDocs({ viewport: { width: 1000, height: 1400 }, colorScheme: dark ? 'dark' : 'light' }, '#demo-replace');
      const background = await page.$eval('#demo-replace', (d) => getComputedStyle(d.shadowRoot!.querySelector('.demo')!).backgroundColor);
      expect(background).toBe(dark ? 'rgb(22, 24, 28)' : 'rgb(247, 247, 245)');
      await page.locator('#demo-replace').screenshot({ path: `test-results/screenshots/embed-element-${dark ? 'dark' : 'light'}.png` });
      await screenshot(page, `embed-docs-${dark ? 'dark' : 'light'}`);
      // The attribute overrides the reader's preference, and so does the iframe's URL parameter.
      await page.$eval('#demo-replace', (d, other) => d.setAttribute('theme', other), dark ? 'light' : 'dark');
      expect(await page.$eval('#demo-replace', (d) => getComputedStyle(d.shadowRoot!.querySelector('.demo')!).backgroundColor))
        .toBe(dark ? 'rgb(247, 247, 245)' : 'rgb(22, 24, 28)');
      await page.goto(`${served.server.url}embed/?example=price-tax&arch=x64&theme=${dark ? 'light' : 'dark'}&playground=https%3A%2F%2Fplay.example%2Flab%2F`);
      await page.waitForSelector('hotpatch-demo[data-state="ready"]');
      expect(await page.$eval('hotpatch-demo', (d) => getComputedStyle(d.shadowRoot!.querySelector('.demo')!).backgroundColor))
        .toBe(dark ? 'rgb(247, 247, 245)' : 'rgb(22, 24, 28)');
      // The playground parameter moves the link.
      expect((await demoState(page, 'hotpatch-demo')).link).toBe('https://play.example/lab/#example=price-tax&arch=x64&pane=patch');
      await page.$eval('hotpatch-demo', (d) => d.setAttribute('playground', 'https://play.example/v2/'));
      expect((await demoState(page, 'hotpatch-demo')).link).toBe('https://play.example/v2/#example=price-tax&arch=x64&pane=patch');
      await context.close();
    });
  }
});

describe('the element on a documentation site of another origin', () => {
  it('starts its worker and fetches everything from its own origin, and patches', async () => {
    // A site of its own (another port, another origin) with one page; the demo's files come from the server.
    const siteServer = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(`<!doctype html><meta charset="utf-8"><title>A guide elsewhere</title>
        <script type="module" src="${served.server.url}embed/hotpatch-demo.js"></script>
        <h1>Guide</h1><hotpatch-demo id="elsewhere" example="price-tax" arch="x64"></hotpatch-demo>`);
    });
    await new Promise<void>((resolve) => siteServer.listen(0, 'localhost', resolve));
    const site = `http://localhost:${(siteServer.address() as AddressInfo).port}`;
    const context = await served.browser.newContext({ viewport: { width: 1000, height: 1400 } });
    const requests = requestLog(context);
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${site}/guide.html`);
    await page.waitForSelector('#elsewhere[data-state="ready"]');
    const { output } = await playWithButtons(page, '#elsewhere');
    expect(output).toBe((await cliOutput('price-tax', 'x64')).output);
    expect((await demoState(page, '#elsewhere')).link).toBe(`${served.server.url}#example=price-tax&arch=x64&pane=patch`);
    const own = new URL(served.server.url).origin;
    expect(requests.filter((url) => !url.startsWith(`${site}/`) && !url.startsWith(`${own}/`) && !url.startsWith('blob:'))).toEqual([]);
    expect(requests.some((url) => url.startsWith(`${own}/`) && url.includes('demo-worker'))).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
    await new Promise((resolve) => siteServer.close(resolve));
  });
});

describe('failures', () => {
  it('says in the demo when its worker cannot start, and names an unknown scenario', async () => {
    const context = await served.browser.newContext({ viewport: { width: 1000, height: 1400 } });
    await context.route('**/assets/demo-worker-*.js', (route) => route.abort());
    const page = await context.newPage();
    await page.goto(`${served.server.url}embed/?example=price-tax&arch=arm64`);
    await page.waitForSelector('hotpatch-demo[data-state="error"]');
    expect((await demoState(page, 'hotpatch-demo')).notice).toBe('The demo could not start: the demo worker failed to start');
    await page.goto(`${served.server.url}embed/?example=no-such-example`);
    await page.waitForSelector('hotpatch-demo[data-state="error"]');
    expect((await demoState(page, 'hotpatch-demo')).notice).toMatch(/^There is no scenario "no-such-example"; the scenarios are: base-global, cumulative, /);
    await context.close();
  });
});

describe('the iframe form and its postMessage API', () => {
  it('ignores commands from an origin it was not told to trust, and tells it nothing', async () => {
    const { page, messages } = await hostPage(`${served.server.url}embed/?example=price-tax&arch=x64`);
    const frame = await (await page.waitForSelector('#under-test')).contentFrame();
    await frame!.waitForSelector('hotpatch-demo[data-state="ready"]');
    await page.evaluate((target) => {
      const frame = document.querySelector<HTMLIFrameElement>('#under-test')!.contentWindow!;
      frame.postMessage({ hotpatch: 1, command: 'load', example: 'price-tax', arch: 'arm64', id: 1 }, target);
      frame.postMessage({ hotpatch: 1, command: 'theme', theme: 'dark', id: 2 }, target);
    }, new URL(served.server.url).origin);
    await frame!.waitForFunction(() => document.documentElement.dataset.ignoredMessages === '2');
    expect(await demoState(frame!, 'hotpatch-demo')).toMatchObject({ arch: 'x86-64' });
    expect(await frame!.$eval('hotpatch-demo', (d) => d.getAttribute('theme'))).toBeNull();
    expect(await messages()).toEqual([]);
    await page.context().close();
  });

  it('takes commands from a trusted origin and answers it with events', async () => {
    const parent = served.server.url.replace('127.0.0.1', 'localhost');
    const { page, messages } = await hostPage(`${served.server.url}embed/?example=price-tax&arch=x64&parent=${encodeURIComponent(parent)}`);
    const frame = await (await page.waitForSelector('#under-test')).contentFrame();
    await frame!.waitForSelector('hotpatch-demo[data-state="ready"]');
    const origin = new URL(served.server.url).origin;
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

    // The API drives a patch: run to its moment, step through it, back, finish, roll back, apply again.
    const count = async (predicate: (data: Record<string, unknown>) => boolean) => (await messages()).filter((m) => predicate(m.data)).length;
    await send({ hotpatch: 1, command: 'run', id: 20 });
    await waitFor((d) => d.event === 'state' && (d.detail as { state?: string }).state === 'paused');
    await send({ hotpatch: 1, command: 'step', id: 21 });
    await waitFor((d) => d.event === 'transaction' && (d.detail as { action?: string }).action === 'apply');
    await send({ hotpatch: 1, command: 'step', id: 22 });
    await send({ hotpatch: 1, command: 'step', id: 23 });
    await send({ hotpatch: 1, command: 'back', id: 24 });
    await send({ hotpatch: 1, command: 'finish', id: 25 });
    await waitFor((d) => d.event === 'done' && d.id === 25);
    const steps = (await messages()).filter((m) => m.data.event === 'step').map((m) => m.data.detail as { direction: number; position: number; total: number });
    expect(steps.slice(0, 3).map((s) => [s.direction, s.position])).toEqual([[1, 1], [1, 2], [-1, 1]]);
    expect(steps.at(-1)).toMatchObject({ direction: 1, position: steps[0]!.total });
    await send({ hotpatch: 1, command: 'rollback', id: 26 });
    await waitFor((d) => d.event === 'transaction' && (d.detail as { action?: string }).action === 'rollback');
    await send({ hotpatch: 1, command: 'apply', patch: 'fix-rounding.s', id: 27 });
    await waitFor((d) => d.event === 'done' && d.id === 27);
    const transactions = (await messages()).filter((m) => m.data.event === 'transaction').map((m) => m.data.detail as { action: string; status: string });
    expect(transactions.map((t) => [t.action, t.status])).toEqual([['apply', 'applied'], ['rollback', 'applied'], ['apply', 'applied']]);
    expect(await count((d) => d.event === 'error')).toBe(0);

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
    const loaded = await loadEmbedPage(served.browser, `${served.server.url}embed/?example=price-tax&arch=arm64`);
    const total = loaded.gzipBytes;
    expect(loaded.resources.some((r) => r.url.includes('demo-worker'))).toBe(true);
    expect(total).toBeGreaterThan(10 * 1024);
    expect(total).toBeLessThan(BUDGET_BYTES);
    await loaded.close();
  });
});
