// Plays a <hotpatch-demo> to its end in a page, as a reader would with its buttons: run at full
// speed, and at each moment the demo stops at, apply (or roll back) the patch its timeline has there.
import type { Frame, Page } from 'playwright-core';

export interface DemoPlay {
  /** The output panel's text at the end. */
  output: string;
  /** Transactions made (patches applied and rolled back). */
  transactions: number;
  /** The demo's data-state at the end: "exited" when the program ran to its end. */
  state: string;
}

/** The parts of <hotpatch-demo> read here (this file is compiled without the DOM's types). */
interface DemoElement {
  dataset: Record<string, string | undefined>;
  snapshot?: { next?: { kind: string }; transactionCount?: number };
  shadowRoot: { querySelector(selector: string): { textContent: string | null } | null } | null;
}

/** What a demo that did not become ready shows: its state, status line, notice and place on the page. */
async function demoCondition(page: Page | Frame, selector: string): Promise<string> {
  return page.locator(selector).evaluate((d) => {
    const element = d as unknown as DemoElement & { getBoundingClientRect(): { top: number; bottom: number } };
    const text = (css: string) => element.shadowRoot?.querySelector(css)?.textContent?.trim() ?? '';
    const box = element.getBoundingClientRect();
    return `state "${element.dataset.state ?? ''}", status "${text('.status')}", notice "${text('.notice')}", `
      + `top ${Math.round(box.top)} and bottom ${Math.round(box.bottom)} px in a window ${(globalThis as unknown as { innerHeight: number }).innerHeight} px high`;
  });
}

/**
 * Brings the demo into view, as a reader does before pressing its buttons (a demo starts its worker
 * when it is seen), then waits until it has left "loading" and "preview"; it must then be ready.
 * Otherwise the error says where it stopped and what it shows.
 */
async function waitUntilReady(page: Page | Frame, selector: string, timeoutMs: number): Promise<void> {
  const demo = page.locator(selector);
  await demo.scrollIntoViewIfNeeded({ timeout: timeoutMs });
  const started = `!["loading", "preview"].includes(document.querySelector(${JSON.stringify(selector)})?.dataset.state ?? "loading")`;
  try {
    await page.waitForFunction(started, null, { timeout: timeoutMs });
  } catch {
    throw new Error(`${selector} did not start within ${timeoutMs} ms: ${await demoCondition(page, selector)}`);
  }
  const state = await demo.evaluate((d) => (d as unknown as DemoElement).dataset.state);
  if (state !== 'ready') throw new Error(`${selector} started, but not ready: ${await demoCondition(page, selector)}`);
}

/** The demo at `selector` must be ready (data-state="ready") within the timeout. */
export async function playDemo(page: Page | Frame, selector: string, timeoutMs = 30_000): Promise<DemoPlay> {
  const demo = page.locator(selector);
  const state = () => demo.evaluate((d) => (d as unknown as DemoElement).dataset.state ?? '');
  const snapshot = () => demo.evaluate((d) => {
    const element = d as unknown as DemoElement;
    return { next: element.snapshot?.next?.kind, count: element.snapshot?.transactionCount ?? 0 };
  });
  await waitUntilReady(page, selector, timeoutMs);
  await demo.locator('select').selectOption('0');
  for (let round = 0; round < 10; round++) {
    await demo.locator('button[data-action="run"]').click();
    await page.waitForFunction(`["paused", "exited", "failed"].includes(document.querySelector(${JSON.stringify(selector)})?.dataset.state ?? "")`,
      null, { timeout: timeoutMs });
    if (await state() !== 'paused') break;
    const { next, count } = await snapshot();
    await demo.locator(`button[data-action="${next === 'rollback' ? 'rollback' : 'apply'}"]`).click();
    await page.waitForFunction(`(document.querySelector(${JSON.stringify(selector)})?.snapshot?.transactionCount ?? 0) > ${count}`,
      null, { timeout: timeoutMs });
  }
  return {
    output: await demo.evaluate((d) => (d as unknown as DemoElement).shadowRoot?.querySelector('.output')?.textContent ?? ''),
    transactions: (await snapshot()).count,
    state: await state(),
  };
}
