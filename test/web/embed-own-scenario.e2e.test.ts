// <hotpatch-demo> with a scenario of the page's own, from a URL or inline, on a page of another
// origin than the embed's script and assets (served as `npm start` serves the build): it plays the
// scenario to the end and prints what the command line prints.
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { playDemo } from '../../harness/browser/demo-play.ts';
import { launchChromium, screenshot, watchErrors } from '../../harness/browser/browser.ts';
import { serveBuild, type BuildServer } from '../../web/build/serve.ts';
import { buildScenario } from '../../web/build/scenario-builder.ts';
import type { Scenario } from '../../web/src/embed/scenario.ts';

let server: BuildServer;
let browser: Browser;
let scenario: Scenario;

beforeAll(async () => {
  scenario = await buildScenario(resolve('examples'), 'price-tax', 'x64');
  server = await serveBuild({ dir: 'dist' });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Plays the demo to its end (harness/browser/demo-play.ts); its output. */
async function play(page: Page, selector: string): Promise<string> {
  const played = await playDemo(page, selector);
  expect(played.state).toBe('exited');
  return played.output;
}

describe('a demo of a scenario the page brings', () => {
  it('plays a scenario from a URL and one written inline, on a page of another origin than the embed', async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 2400 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    // The host page and its scenario file, from a server of their own: another origin than the build's.
    const json = JSON.stringify({ ...scenario, title: 'Price with tax, from a URL' });
    const inline = JSON.stringify({ ...scenario, title: 'Price with tax, inline' }).replace(/</g, '\\u003c');
    const html = `<!doctype html>
      <meta charset="utf-8"><title>Docs of another site</title>
      <script type="module" src="${server.url}embed/hotpatch-demo.js"></script>
      <h1>Our own scenarios</h1>
      <hotpatch-demo id="from-url" src="price-tax.json"></hotpatch-demo>
      <hotpatch-demo id="inline"><script type="application/json">${inline}</script></hotpatch-demo>
      <hotpatch-demo id="broken" src="missing.json"></hotpatch-demo>`;
    const site = createServer((request, response) => {
      const body = request.url === '/own/page.html' ? html : request.url === '/own/price-tax.json' ? json : undefined;
      response.writeHead(body ? 200 : 404, { 'Content-Type': request.url?.endsWith('.json') ? 'application/json' : 'text/html' });
      response.end(body ?? 'not here');
    });
    await new Promise<void>((done) => site.listen(0, '127.0.0.1', () => done()));
    const host = `http://localhost:${(site.address() as AddressInfo).port}/`;
    await page.goto(`${host}own/page.html`);
    const expected = (JSON.parse(execFileSync('node', ['bin/hotpatch.js', 'run', 'examples/price-tax', '--arch', 'x64', '--json'],
      { encoding: 'utf8' })) as { output: string }).output;
    for (const [selector, title] of [['#from-url', 'Price with tax, from a URL'], ['#inline', 'Price with tax, inline']] as const) {
      await page.waitForFunction((s) => document.querySelector(s)?.shadowRoot?.querySelector('h2')?.textContent, selector);
      expect(await page.locator(selector).evaluate((d) => d.shadowRoot!.querySelector('h2')!.textContent)).toBe(title);
      expect(await play(page, selector), selector).toBe(expected);
    }
    await page.waitForSelector('#broken[data-state="error"]');
    expect(await page.locator('#broken').evaluate((d) => d.shadowRoot!.querySelector('.notice')!.textContent))
      .toMatch(/^The scenario could not be loaded: .*missing\.json: 404/);
    await screenshot(page, 'embed-own-scenarios');
    expect(errors.filter((e) => !e.includes('404'))).toEqual([]);
    await context.close();
    site.close();
  }, 180_000);
});
