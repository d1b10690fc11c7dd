// Where the page's <head> leaves the lab worker it starts (web/build/first-visit-head.ts writes that
// script; early-worker.ts takes the worker over). No DOM types here: the build imports this too.
export const EARLY_WORKER_GLOBAL = 'hotpatchLabWorker';

/**
 * Where the lab worker's bootstrap (the head's, from a blob) keeps the page's requests that arrive
 * before the worker's entry script has loaded; the entry (lab-worker.ts) takes them over in order.
 */
export const EARLY_REQUESTS_GLOBAL = 'hotpatchEarlyRequests';

/**
 * Where the lab worker's bootstrap keeps the BroadcastChannel the page's first requests also come
 * by (request-inbox.ts says why); the page's head gives the worker it starts the channel's name as
 * its `channel` property.
 */
export const EARLY_CHANNEL_GLOBAL = 'hotpatchEarlyChannel';
