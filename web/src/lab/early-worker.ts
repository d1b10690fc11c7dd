// The lab worker the page's <head> starts before the page's script arrives (web/build/first-visit-head.ts
// writes that inline script into the built page): LabSession takes it over instead of starting one.
import { EARLY_WORKER_GLOBAL } from './early-worker-global.ts';

interface EarlyWorker extends Worker {
  /** Set when the worker failed before the page's script was there to hear it. */
  earlyError?: string;
  /** The name of the BroadcastChannel the worker also takes the page's first requests by (request-inbox.ts). */
  channel?: string;
}

/** The worker the head started, once (later calls: undefined), or undefined when it started none. */
export function takeEarlyWorker(): { worker: Worker; error?: string; channel?: string } | undefined {
  const scope = globalThis as unknown as Record<string, EarlyWorker | undefined>;
  const worker = scope[EARLY_WORKER_GLOBAL];
  if (!worker) return undefined;
  delete scope[EARLY_WORKER_GLOBAL];
  worker.onerror = null;
  return {
    worker,
    ...(worker.earlyError === undefined ? {} : { error: worker.earlyError }),
    ...(worker.channel === undefined ? {} : { channel: worker.channel }),
  };
}
