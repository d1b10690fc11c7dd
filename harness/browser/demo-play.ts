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

/** The demo at `selector` must be ready (data-state="ready") within the timeout. */
export async function playDemo(page: Page | Frame, selector: string, timeoutMs = 30_000): Promise<DemoPlay> {
  const demo = page.locator(selector);
  const state = () => demo.evaluate((d) => (d as unknown as DemoElement).dataset.state ?? '');
  const snapshot = () => demo.evaluate((d) => {
    const element = d as unknown as DemoElement;
    return { next: element.snapshot?.next?.kind, count: element.snapshot?.transactionCount ?? 0 };
  });
  await page.waitForSelector(`${selector}[data-state="ready"]`, { timeout: timeoutMs });
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
