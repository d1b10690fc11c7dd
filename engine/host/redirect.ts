// One entry point for redirect plans on either architecture.
import type { Arch } from '../../core/arch.ts';
import { arm64TrampolineMaxSize, planArm64Redirect } from './arm64.ts';
import { loadEngine } from './engine.ts';
import type { PlanResult, RedirectRequest } from './plan.ts';
import { planRedirectFactsWith } from './plan-record.ts';
import { planX64Redirect, x64TrampolineMaxSize } from './x64.ts';

/**
 * Plans redirecting `request.target` to `request.replacement` with the planner of `request.arch`.
 * Answers a refusal (never throws) when the function cannot be redirected.
 */
export async function planRedirect(request: RedirectRequest): Promise<PlanResult> {
  switch (request.arch) {
    case 'arm64': return planArm64Redirect(request);
    case 'x64': return planX64Redirect(request);
  }
}

/**
 * planRedirect without the plan's sentences, which explainPlan asks the engine for when they are
 * wanted (a refusal has its message). What a transaction plans with: most of its plans' sentences
 * are never read.
 */
export async function planRedirectFacts(request: RedirectRequest): Promise<PlanResult> {
  return planRedirectFactsWith(await loadEngine(), request);
}

/**
 * An upper bound of the trampoline a hook plan for `arch` can need, in bytes: allocate this much
 * executable memory and pass its address as `trampolineAddress`.
 */
export async function trampolineSizeBound(arch: Arch): Promise<number> {
  switch (arch) {
    case 'arm64': return arm64TrampolineMaxSize();
    case 'x64': return x64TrampolineMaxSize();
  }
}
