// A first visit to the playground, measured in Chromium: the times of its milestones (example
// loaded, editor ready, toolchain ready) and what crossed the wire until the example could run.
// Used by the first-visit benchmark and its end-to-end test.
//
// What crossed the wire is counted where it leaves: at the server, every response with its
// headers, finished before the example could run. (The browser's own accounting leaves out the
// worker's script, and counts a response served from the HTTP cache as a request.) The page is
// asked once, after it has loaded, for the milestones it marks; nothing runs in it while it starts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BuildServer } from '../../web/build/serve.ts';
import { launchChromium } from './browser.ts';

export interface FirstVisit {
  /** Milliseconds from navigation start to each milestone. */
  times: Record<string, number>;
  /** Bytes the server sent (compressed bodies and headers) until the example could run. */
  bytesUntilRunnable: number;
  /** Files the server sent until the example could run, in the order they were finished. */
  filesUntilRunnable: string[];
}

const MILESTONES = ['program:loaded', 'editor:monaco', 'toolchain:ready'] as const;

interface Sent { path: string; bytes: number; end: number }

/** Records each response `server` finishes: its path, its bytes on the wire, when it finished (epoch ms). */
function recordResponses(server: BuildServer): { sent: Sent[]; stop(): void } {
  const sent: Sent[] = [];
  const onRequest = (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    const before = socket.bytesWritten;
    response.once('finish', () => {
      sent.push({ path: new URL(request.url ?? '/', 'http://localhost').pathname, bytes: socket.bytesWritten - before,
        end: performance.timeOrigin + performance.now() });
    });
  };
  server.server.on('request', onRequest);
  return { sent, stop: () => server.server.off('request', onRequest) };
}

/** Resolves in the page once each of `names` has been marked; then says when, from navigation start. */
const MARKS_WHEN_THERE = `(names) => new Promise((resolve) => {
  const read = () => names.map((name) => performance.getEntriesByName(name)[0]?.startTime);
  const check = () => { const times = read(); if (times.every((t) => t !== undefined)) { observer.disconnect(); resolve(times); } };
  const observer = new PerformanceObserver(check);
  observer.observe({ type: 'mark', buffered: true });
  check();
})`;

export async function firstVisit(server: BuildServer): Promise<FirstVisit> {
  const browser = await launchChromium();
  const recording = recordResponses(server);
  try {
    const context = await browser.newContext({ viewport: { width: 1366, height: 850 } });
    const page = await context.newPage();
    await page.goto(server.url);
    const origin = await page.evaluate(() => performance.timeOrigin);
    // A function given as text: the page runs it as it is, with no helpers of the test's compiler.
    const waited = page.evaluate(`(${MARKS_WHEN_THERE})(${JSON.stringify(MILESTONES.map((m) => `hotpatch:${m}`))})`) as Promise<number[]>;
    const marks = await Promise.race([waited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(
      `the page did not reach ${MILESTONES.join(', ')} within 60 s`)), 60_000))]);
    const times = Object.fromEntries(MILESTONES.map((m, i) => [m, marks[i]!]));
    const runnable = origin + times['program:loaded']!;
    const before = recording.sent.filter((s) => s.end <= runnable);
    return {
      times,
      bytesUntilRunnable: before.reduce((n, s) => n + s.bytes, 0),
      filesUntilRunnable: before.map((s) => s.path),
    };
  } finally {
    recording.stop();
    await browser.close();
  }
}
