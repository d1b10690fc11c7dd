// A first visit to the playground, measured in Chromium: the times of its milestones (example
// loaded, editor ready, toolchain ready) and what crossed the wire until the example could run.
// Used by the first-visit benchmark and its end-to-end test.
//
// What crossed the wire is counted where it leaves: at the server, every response with its
// headers, finished before the example could run. (The browser's own accounting leaves out the
// worker's script, and counts a response served from the HTTP cache as a request.) The page
// reports the milestones it marks through a binding; no evaluation runs in it while it starts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BuildServer } from '../../web/build/serve.ts';
import type { Browser } from 'playwright-core';
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

/**
 * Run in the page before its own scripts (an init script): once each of `names` has been marked,
 * hands their times and the page's time origin to the harness's binding. Nothing else of the
 * harness runs in the page while it starts: an evaluation would inject Playwright's utility
 * script into the page's thread, which the page's start then waits for.
 */
const REPORT_MARKS = `(names, report) => {
  if (window.top !== window) return;
  const read = () => names.map((name) => performance.getEntriesByName(name)[0]?.startTime);
  const observer = new PerformanceObserver(() => {
    const times = read();
    if (times.some((t) => t === undefined)) return;
    observer.disconnect();
    window[report]({ origin: performance.timeOrigin, times });
  });
  observer.observe({ type: 'mark', buffered: true });
}`;

const BINDING = 'hotpatchFirstVisitMarks';

/**
 * A first visit: in a browser launched for it, or, given `running`, in a new context (empty cache
 * and storage) of a browser already running, as most visitors arrive: the browser's own start (its
 * processes, its first font lookups) is then not counted.
 */
export async function firstVisit(server: BuildServer, running?: Browser): Promise<FirstVisit> {
  const browser = running ?? await launchChromium();
  const recording = recordResponses(server);
  const context = await browser.newContext({ viewport: { width: 1366, height: 850 } });
  try {
    let report!: (marks: { origin: number; times: number[] }) => void;
    const reported = new Promise<{ origin: number; times: number[] }>((resolve) => { report = resolve; });
    await context.exposeBinding(BINDING, (_source, marks: { origin: number; times: number[] }) => report(marks));
    const names = MILESTONES.map((m) => `hotpatch:${m}`);
    await context.addInitScript(`(${REPORT_MARKS})(${JSON.stringify(names)}, ${JSON.stringify(BINDING)})`);
    const page = await context.newPage();
    await page.goto(server.url);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the page did not reach ${MILESTONES.join(', ')} within 60 s`)), 60_000);
    });
    const { origin, times: marks } = await Promise.race([reported, late]).finally(() => clearTimeout(timer));
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
    await context.close();
    if (!running) await browser.close();
  }
}
