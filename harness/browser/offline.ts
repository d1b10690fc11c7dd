// Waiting until a page can be used offline: its service worker installed (every file of the build
// kept), active, and in control of the page. Polled with page.evaluate, which awaits the page's
// promises; page.waitForFunction does not (an async predicate returns a promise, which is truthy, so
// it "passes" at once, before the worker has kept anything).
import type { Page } from 'playwright-core';

export interface OfflineState {
  registered: boolean;
  installing?: string;
  waiting?: string;
  active?: string;
  controlled: boolean;
  /** Entries of the fullest cache of this origin. */
  kept: number;
}

/** Evaluated in the page, as text: this file is compiled without the DOM's types. */
const STATE = `(async () => {
  const registration = await navigator.serviceWorker.getRegistration();
  let kept = 0;
  for (const name of await caches.keys()) kept = Math.max(kept, (await (await caches.open(name)).keys()).length);
  const state = { registered: registration !== undefined, controlled: navigator.serviceWorker.controller !== null, kept };
  if (registration?.installing) state.installing = registration.installing.state;
  if (registration?.waiting) state.waiting = registration.waiting.state;
  if (registration?.active) state.active = registration.active.state;
  return state;
})()`;

export async function offlineState(page: Page): Promise<OfflineState> {
  return await page.evaluate(STATE) as OfflineState;
}

/** Resolves when the service worker is activated, controls the page and keeps more than `minKept` files. */
export async function waitForOfflineCopy(page: Page, options: { minKept?: number; timeoutMs?: number } = {}): Promise<OfflineState> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const state = await offlineState(page);
    if (state.active === 'activated' && state.controlled && state.kept > (options.minKept ?? 5)) return state;
    if (Date.now() > deadline) throw new Error(`the service worker did not become ready for offline use: ${JSON.stringify(state)}`);
    await page.waitForTimeout(250);
  }
}
