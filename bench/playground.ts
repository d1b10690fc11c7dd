// The playground page in headless Chromium: how long until it can be used and how many bytes
// (gzip) it fetched by then, for a first visit and for a link to an example. Each figure is the
// median of fresh visits (empty cache); references measured in the same run: the
// page with scripts off for time, the whole build for bytes.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import { launchChromium, navigationDuration, servePage } from '../harness/browser/browser.ts';
import { figure, median } from './format.ts';

const RUNS = 5;
const DIST = 'dist';

interface Visit {
  /** Milliseconds from navigation start to each milestone mark. */
  times: Record<string, number>;
  /** Build files whose responses had ended when each milestone was reached. */
  files: Record<string, Set<string>>;
}

function gzipSize(file: string): number {
  return gzipSync(readFileSync(join(DIST, file))).length;
}

function allFiles(dir = DIST, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => statSync(join(dir, name)).isDirectory()
    ? allFiles(join(dir, name), `${prefix}${name}/`) : [`${prefix}${name}`]);
}

const kb = (bytes: number) => bytes / 1024;

async function visit(url: string, milestones: string[]): Promise<Visit> {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 960 } });
    const page = await context.newPage();
    /** Each build file fetched, and when its response ended (epoch milliseconds). */
    const fetched: { file: string; end: number }[] = [];
    const base = new URL(url);
    page.on('requestfinished', (request) => {
      const path = new URL(request.url()).pathname.slice(base.pathname.length);
      const timing = request.timing();
      fetched.push({ file: path === '' ? 'index.html' : path, end: timing.startTime + timing.responseEnd });
    });
    await page.goto(url);
    const result: Visit = { times: {}, files: {} };
    for (const milestone of milestones) {
      await page.waitForFunction((name) => performance.getEntriesByName(name).length > 0, `hotpatch:${milestone}`, { timeout: 60_000 });
      const [at, origin] = await page.evaluate((name) => [performance.getEntriesByName(name)[0]!.startTime, performance.timeOrigin],
        `hotpatch:${milestone}`);
      result.times[milestone] = at!;
      result.files[milestone] = new Set(fetched.filter((f) => f.end <= origin! + at!).map((f) => f.file));
    }
    result.times['first-contentful-paint'] = await page.evaluate(() =>
      performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN);
    return result;
  } finally {
    await browser.close();
  }
}

/** The same page with scripts off (its HTML and CSS only), in a fresh browser: the floor of any visit. */
async function withoutScripts(url: string): Promise<number> {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 960 } });
    const page = await context.newPage();
    // The page's own script is refused; the browser still measures its navigation.
    await page.route('**/assets/*.js', (route) => route.abort());
    await page.goto(url, { waitUntil: 'load' });
    return await navigationDuration(page);
  } finally {
    await browser.close();
  }
}

export async function playgroundLoading(): Promise<string[]> {
  await build({ configFile: 'vite.config.ts', logLevel: 'silent' });
  const whole = allFiles().filter((f) => f !== 'sw.js').reduce((n, f) => n + gzipSize(f), 0);
  const server = await servePage();
  try {
    const milestones = ['shell:ready', 'editor:monaco', 'program:loaded'];
    const visits = { first: [] as Visit[], example: [] as Visit[] };
    const bare: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      visits.first.push(await visit(server.url, milestones));
      visits.example.push(await visit(`${server.url}#example=price-tax&arch=arm64`, milestones));
      bare.push(await withoutScripts(server.url));
    }
    const reference = { name: 'HTML and CSS alone', value: median(bare) };
    const bytes = (v: Visit[], m: string) => kb([...v[0]!.files[m]!].filter((f) => f !== 'sw.js').reduce((n, f) => n + gzipSize(f), 0));
    const time = (v: Visit[], m: string) => median(v.map((x) => x.times[m]!));
    const wholeBuild = { name: 'the whole build', value: kb(whole) };
    return [
      figure('playground HTML and CSS alone, scripts off (reference)', reference.value, 'ms'),
      figure('playground interactive (gallery, plain editors)', time(visits.first, 'shell:ready'), 'ms', reference),
      figure('playground transferred until interactive', bytes(visits.first, 'shell:ready'), 'KB gzip', wholeBuild),
      figure('playground Monaco editor ready', time(visits.first, 'editor:monaco'), 'ms', reference),
      figure('playground first program assembled (Keystone, Capstone, CPU)', time(visits.first, 'program:loaded'), 'ms', reference),
      figure('playground transferred until assembled', bytes(visits.first, 'program:loaded'), 'KB gzip', wholeBuild),
      figure('example link first contentful paint', median(visits.example.map((v) => v.times['first-contentful-paint']!)), 'ms', reference),
      figure('example link source shown and usable', time(visits.example, 'shell:ready'), 'ms', reference),
      figure('example link transferred until its source is shown', bytes(visits.example, 'shell:ready'), 'KB gzip', wholeBuild),
      figure('example link assembled, ready to run', time(visits.example, 'program:loaded'), 'ms', reference),
      figure('playground whole build', kb(whole), 'KB gzip'),
    ];
  } finally {
    await server.close();
  }
}
