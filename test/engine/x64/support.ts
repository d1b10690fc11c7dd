// Shared by the x86-64 redirect tests: applying a plan to a sandbox, and replacement functions
// assembled by Keystone that count their calls and call the original through the trampoline.
import { expect } from 'vitest';
import type { PlanResult, RedirectPlan, RedirectRefusal } from '../../../engine/host/plan.ts';
import type { Sandbox } from '../../../sandbox/sandbox.ts';
import { asm } from '../../helpers.ts';

/** Writes the plan's steps in order, checking first that memory holds each step's `before` bytes. */
export function applyPlan(sandbox: Sandbox, plan: RedirectPlan): void {
  for (const step of plan.steps) {
    expect(hex(sandbox.read(step.address, step.before.length)), `${step.kind} at 0x${step.address.toString(16)}`)
      .toBe(hex(step.before));
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

/**
 * A hook-mode replacement: counts its calls in the 8 bytes at `counter`, calls the original through
 * `trampoline` with the caller's arguments, and returns its result.
 */
export function hookReplacement(address: number, trampoline: number, counter: number): Promise<Uint8Array> {
  return asm('x64', [
    `mov rax, ${counter}`,
    'inc qword ptr [rax]',
    'sub rsp, 8', // keeps the stack 16-byte aligned at the original's entry
    `mov rax, ${trampoline}`,
    'call rax',
    'add rsp, 8',
    'ret',
  ].join('\n'), address);
}

/** A replace-mode replacement: counts its calls and returns its first argument plus `k`. */
export function replaceReplacement(address: number, counter: number, k: number): Promise<Uint8Array> {
  return asm('x64', [
    `mov rax, ${counter}`,
    'inc qword ptr [rax]',
    `lea rax, [rdi + ${k}]`,
    'ret',
  ].join('\n'), address);
}

export function readU64(sandbox: Sandbox, address: number): bigint {
  const bytes = sandbox.read(address, 8);
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
