// The service worker (offline use) is registered once the first program has loaded, or after a few
// seconds at the latest: its precaching downloads the whole build, which must not compete with the
// files a first visit needs to run the gallery's example (bench/first-visit.ts).
const LATEST_MS = 5000;

export function registerServiceWorkerLater(url: string): void {
  let done = false;
  const register = () => {
    if (done) return;
    done = true;
    observer.disconnect();
    clearTimeout(timer);
    navigator.serviceWorker.register(url).catch(() => { /* offline use is a bonus, never an error */ });
  };
  const loaded = () => document.documentElement.dataset.program !== undefined;
  const observer = new MutationObserver(() => { if (loaded()) register(); });
  const timer = setTimeout(register, LATEST_MS);
  if (loaded()) register();
  else observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-program'] });
}
