// A first visit to the playground as `npm start` serves it (the build, precompressed, web/build/serve.ts):
// how long until the gallery's first example can run, and how many bytes crossed the wire by then
// (compressed, as sent: headers and bodies). Keystone, Capstone and Monaco arrive after; the
// figures say when. Median of fresh visits (empty cache, new browser each), and of fresh visits in
// a browser already running (empty cache, new context each), as most visitors arrive.
import { type FirstVisit, firstVisit } from '../harness/browser/first-visit.ts';
import { type BuildServer, serveBuild } from '../web/build/serve.ts';
import { launchChromium } from '../harness/browser/browser.ts';
import { figure, median } from './format.ts';

const RUNS = 5;

export async function playgroundFirstVisit(): Promise<string[]> {
  const { build } = await import('vite');
  await build({ configFile: 'vite.config.ts', logLevel: 'silent' });
  const server = await serveBuild({ dir: 'dist' });
  try {
    const visits: FirstVisit[] = [];
    for (let run = 0; run < RUNS; run++) visits.push(await firstVisit(server));
    const warm = await inRunningBrowser(server);
    const time = (m: string) => median(visits.map((v) => v.times[m]!));
    const heavy = visits[0]!.filesUntilRunnable.filter((f) => /keystone|capstone|monaco/.test(f));
    return [
      figure('first visit: gallery example can run (served compressed)', time('program:loaded'), 'ms'),
      figure('first visit in a running browser: gallery example can run', median(warm.map((v) => v.times['program:loaded']!)), 'ms'),
      figure('first visit: transferred until it can run (compressed)', median(visits.map((v) => v.bytesUntilRunnable)) / 1024, 'KB'),
      figure('first visit: requests until it can run', median(visits.map((v) => v.filesUntilRunnable.length)), 'requests'),
      `first visit: Keystone, Capstone or Monaco files before it can run: ${heavy.length === 0 ? 'none' : heavy.join(', ')}`,
      figure('first visit: Monaco editor ready, after', time('editor:monaco'), 'ms'),
      figure('first visit: Keystone and Capstone ready, after', time('toolchain:ready'), 'ms'),
    ];
  } finally {
    await server.close();
  }
}

/** Fresh visits (new context: empty cache and storage) in one browser, after one visit that starts it. */
async function inRunningBrowser(server: BuildServer): Promise<FirstVisit[]> {
  const browser = await launchChromium();
  try {
    await firstVisit(server, browser);
    const visits: FirstVisit[] = [];
    for (let run = 0; run < RUNS; run++) visits.push(await firstVisit(server, browser));
    return visits;
  } finally {
    await browser.close();
  }
}

// `tsx bench/first-visit.ts`: this figure alone, against the build in dist/ as it is.
if (process.argv[1]?.endsWith('first-visit.ts')) {
  const server = await serveBuild({ dir: 'dist' });
  const visits: FirstVisit[] = [];
  for (let run = 0; run < RUNS; run++) visits.push(await firstVisit(server));
  const warm = await inRunningBrowser(server);
  await server.close();
  console.log(JSON.stringify(visits.map((v) => ({ ...v.times, kb: +(v.bytesUntilRunnable / 1024).toFixed(1), files: v.filesUntilRunnable.length }))));
  console.log(`in a running browser: ${JSON.stringify(warm.map((v) => Math.round(v.times['program:loaded']!)))}`);
  console.log(visits[0]!.filesUntilRunnable.join('\n'));
}
