// The page's service worker: keeps every file of the build so the playground works offline once
// it has loaded. Filled in by service-worker-manifest.ts at build time.
const VERSION = __VERSION__;
const PRECACHE = __PRECACHE__;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(VERSION).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((name) => name !== VERSION).map((name) => caches.delete(name))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  if (request.mode === 'navigate') {
    // The page itself: the network's copy when there is one (a new build), else the kept one.
    event.respondWith(fetch(request).catch(async () => {
      const cache = await caches.open(VERSION);
      return (await cache.match(request, { ignoreSearch: true, ignoreVary: true })) ?? (await cache.match('./')) ?? Response.error();
    }));
    return;
  }
  // Build files have content hashes in their names: a kept copy is always right.
  event.respondWith(caches.open(VERSION).then((cache) => cache.match(request, { ignoreSearch: true, ignoreVary: true }))
    .then((kept) => kept ?? fetch(request)));
});
