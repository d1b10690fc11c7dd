// The site's service worker: keeps every file of the build so the playground, the docs page and the
// embed page work offline once the playground (which registers it) has loaded. Filled in by
// service-worker-manifest.ts at build time. Everything is relative to the worker's scope (the
// build's root, under whatever base path the site is served from); two builds served under
// different paths of one origin keep separate caches and never delete each other's.
const PREFIX = `hotpatch ${self.registration.scope} `;
const VERSION = PREFIX + __VERSION__;
const PRECACHE = __PRECACHE__;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(VERSION).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((name) => name.startsWith(PREFIX) && name !== VERSION).map((name) => caches.delete(name))))
    .then(() => self.clients.claim()));
});

/** The kept page for a navigation: "docs/" is kept as "docs/index.html", the scope itself as "./". */
async function keptPage(cache, url) {
  const options = { ignoreSearch: true, ignoreVary: true };
  const candidates = [url.href];
  if (url.pathname.endsWith('/')) candidates.push(new URL('index.html', url).href);
  else candidates.push(`${url.origin}${url.pathname}/index.html`);
  for (const candidate of candidates) {
    const kept = await cache.match(candidate, options);
    if (kept) return kept;
  }
  return undefined;
}

const offlinePage = () => new Response('<!doctype html><meta charset="utf-8"><title>Offline</title>'
  + '<p>You are offline, and this page was not kept for offline use.</p>',
{ status: 503, headers: { 'Content-Type': 'text/html; charset=utf-8' } });

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin || !url.href.startsWith(self.registration.scope)) return;
  if (request.mode === 'navigate') {
    // A page: the network's copy when there is one (a new build), else the kept one.
    event.respondWith(fetch(request).catch(async () => (await keptPage(await caches.open(VERSION), url)) ?? offlinePage()));
    return;
  }
  // Build files have content hashes in their names: a kept copy is always right.
  event.respondWith(caches.open(VERSION).then((cache) => cache.match(request, { ignoreSearch: true, ignoreVary: true }))
    .then((kept) => kept ?? fetch(request)));
});
