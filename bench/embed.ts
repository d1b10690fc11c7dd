// The documentation embeds in headless Chromium: what one demo transfers (gzip) and how long until
// it can be used, on a fresh visit (empty cache). Each time is the median of fresh visits; the
// references are measured in the same run: the same page with scripts off for time, the whole
// build for bytes. The aim is under 250 KB and under one second.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import { launchChromium, navigationDuration, servePage } from '../harness/browser/browser.ts';
import { loadEmbedPage } from '../harness/browser/embed-load.ts';
import { embedThisPages } from '../harness/browser/embed-this-pages.ts';
import { figure, median } from './format.ts';

const RUNS = 5;
const DIST = 'dist';
const ONE_DEMO = 'embed/?example=price-tax&arch=arm64';

function buildFiles(dir = DIST): string[] {
  return readdirSync(dir).flatMap((name) => statSync(join(dir, name)).isDirectory() ? buildFiles(join(dir, name)) : [join(dir, name)]);
}

const kb = (bytes: number) => bytes / 1024;

/** The page's own navigation with every script refused: its HTML and CSS alone. */
async function withoutScripts(url: string): Promise<number> {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 900, height: 1000 }, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(url, { waitUntil: 'load' });
    return await navigationDuration(page);
  } finally {
    await browser.close();
  }
}

export async function embedLoading(): Promise<string[]> {
  await build({ configFile: 'vite.config.ts', logLevel: 'silent' });
  const whole = buildFiles().filter((f) => !f.endsWith('sw.js')).reduce((n, f) => n + gzipSync(readFileSync(f)).length, 0);
  const server = await servePage();
  const browser = await launchChromium();
  const own = await embedThisPages(server.url);
  try {
    const bare: number[] = [];
    const demo: number[] = [];
    const docs: number[] = [];
    const made: number[] = [];
    let madeBytes = 0;
    let bytes = 0;
    let heavy = 0;
    for (let run = 0; run < RUNS; run++) {
      bare.push(await withoutScripts(`${server.url}${ONE_DEMO}`));
      const one = await loadEmbedPage(browser, `${server.url}${ONE_DEMO}`);
      demo.push(one.interactiveMs);
      bytes = one.gzipBytes;
      heavy += one.resources.filter((r) => /keystone|capstone|monaco/i.test(r.url)).length;
      await one.close();
      // A scenario made by "Embed this" (the docs page's, made in Node as the build makes it), as its element snippet on a page of its own.
      const mine = await loadEmbedPage(browser, own.elementUrl);
      made.push(mine.interactiveMs);
      madeBytes = mine.gzipBytes;
      heavy += mine.resources.filter((r) => /keystone|capstone|monaco/i.test(r.url)).length;
      await mine.close();
      const page = await loadEmbedPage(browser, `${server.url}docs/`, { demos: 3, viewport: { width: 1000, height: 3000 } });
      docs.push(page.interactiveMs);
      await page.close();
    }
    if (heavy > 0) throw new Error('an embed loaded Keystone, Capstone or Monaco');
    const reference = { name: 'HTML and CSS alone', value: median(bare) };
    return [
      figure('embed HTML and CSS alone, scripts off (reference)', reference.value, 'ms'),
      figure('embed interactive, one demo (aim: under 1000 ms)', median(demo), 'ms', reference),
      figure('embed interactive, one demo of a scenario made by "Embed this" (aim: under 1000 ms)', median(made), 'ms', reference),
      figure('embed transferred, one demo of a scenario made by "Embed this" with its snippet (aim: under 250 KB)', kb(madeBytes), 'KB gzip',
        { name: 'the whole build', value: kb(whole) }),
      figure('embed docs page, first of three demos interactive', median(docs), 'ms', reference),
      figure('embed transferred, one demo with its worker, CPU and engine (aim: under 250 KB)', kb(bytes), 'KB gzip',
        { name: 'the whole build', value: kb(whole) }),
    ];
  } finally {
    await own.close();
    await browser.close();
    await server.close();
  }
}
