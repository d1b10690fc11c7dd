// Test helper: writes a redirect plan's steps into a sandbox, and takes them back out.
// (The transaction layer does this for the product, with its journal.)
import type { RedirectPlan } from '../../engine/host/plan.ts';
import type { Sandbox } from '../../sandbox/sandbox.ts';

/** Writes every step that writes bytes, in order; flush-icache steps need nothing on the sandbox. */
export function applyPlan(sandbox: Sandbox, plan: RedirectPlan): void {
  for (const step of plan.steps) {
    if (step.kind === 'flush-icache') continue;
    sandbox.write(step.address, step.after);
  }
}

/** Restores the bytes every step found, last step first. */
export function revertPlan(sandbox: Sandbox, plan: RedirectPlan): void {
  for (const step of [...plan.steps].reverse()) {
    if (step.kind === 'flush-icache') continue;
    sandbox.write(step.address, step.before);
  }
}
