// Where the page's <head> leaves the lab worker it starts (web/build/first-visit-head.ts writes that
// script; early-worker.ts takes the worker over). No DOM types here: the build imports this too.
export const EARLY_WORKER_GLOBAL = 'hotpatchLabWorker';
