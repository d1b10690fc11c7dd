// Shared by the x86-64 redirect tests: applying a plan to a sandbox and reading its outcome.
import { expect } from 'vitest';
import { bytesToHex, hex } from '../../../core/hex.ts';
import type { PlanResult, RedirectPlan, RedirectRefusal } from '../../../engine/host/plan.ts';
import type { Sandbox } from '../../../sandbox/sandbox.ts';

/** Writes the plan's steps in order, checking first that memory holds each step's `before` bytes. */
export function applyPlan(sandbox: Sandbox, plan: RedirectPlan): void {
  for (const step of plan.steps) {
    expect(bytesToHex(sandbox.read(step.address, step.before.length)), `${step.kind} at ${hex(step.address)}`)
      .toBe(bytesToHex(step.before));
    sandbox.write(step.address, step.after);
  }
}

export function planOf(result: PlanResult): RedirectPlan {
  if (!result.ok) throw new Error(`refused (${result.refusal.code}): ${result.refusal.message}`);
  return result.plan;
}

export function refusalOf(result: PlanResult): RedirectRefusal {
  if (result.ok) throw new Error(`planned (${result.plan.form}) where a refusal was expected`);
  return result.refusal;
}

export function readU64(sandbox: Sandbox, address: number): bigint {
  const bytes = sandbox.read(address, 8);
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
}

export { hookReplacement, replaceReplacement } from '../../../harness/fuzz/x64-replacements.ts';
