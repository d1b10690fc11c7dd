// The redirect plan: what the engine decides for one function, and how the host reads it.
// Both architectures answer in this shape; the transaction writes the steps in order, and the
// page animates them.
import type { Arch } from '../../core/arch.ts';
import { hexToBytes } from '../../core/hex.ts';
import { PadOption, RedirectMode as RedirectModeCode } from '../assembly/common/interface.ts';
import type { Engine } from './engine.ts';

/**
 * replace: calls go to the new function and never come back (Windows hotpatch, Linux livepatch).
 * hook: a trampoline keeps the original callable from the new code (Detours, frida's Interceptor).
 */
export type RedirectMode = 'replace' | 'hook';

export interface RedirectRequest {
  arch: Arch;
  /** The function to redirect: its address and all of its current bytes. */
  target: { address: number; bytes: Uint8Array; name?: string };
  /**
   * Bytes directly before the function that may be overwritten (the padding a hot-patchable
   * build leaves, such as x86-64 `int3`/`nop` fill); they end at `target.address`. Empty: none.
   */
  padding?: Uint8Array;
  /** Address of the new function. */
  replacement: number;
  mode: RedirectMode;
  /** Hook mode: where the trampoline will be written (executable memory the host provides). */
  trampolineAddress?: number;
  /**
   * How the function's landing pad (x86-64 `endbr64`, AArch64 `bti c`/`bti jc`/`paciasp`) is treated.
   * 'keep' (default): the pad stays first and the entry jump goes after it, so calls through a
   * pointer still land under IBT or BTI. 'strict': kept too, and every indirect branch the engine
   * writes lands on a pad (no `notrack`, no `ret xN` as a jump), for CPUs that allow no exemption
   * (x86-64 without NO_TRACK_EN, AArch64 with a guarded control stack); far ways back into the
   * function's middle are then refused. 'overwrite': the entry jump replaces the pad, as the engine
   * did before it kept pads; only for showing the fault that follows.
   */
  landingPads?: 'keep' | 'strict' | 'overwrite';
}

/**
 * What one step writes. Steps are written in order; the entry jump makes the redirect live. On
 * ARM64 every write is followed by a flush-icache step for the bytes it wrote, so the trampoline is
 * visible to instruction fetch before any caller can reach it.
 */
export type StepKind =
  | 'trampoline' // displaced instructions, relocated, and the jump back
  | 'padding-jump' // the long jump written into the padding before the function
  | 'entry-jump' // the jump written over the function's first bytes
  | 'flush-icache'; // instruction-cache maintenance (ARM64); writes nothing

export interface PlanStep {
  kind: StepKind;
  address: number;
  /** Bytes there before the step (as given in the request; zeroes for a fresh trampoline area). */
  before: Uint8Array;
  after: Uint8Array;
  /** The CPU performs this write as one store, so no thread can see half of it. */
  atomic: boolean;
  /** One or two sentences for a person: what was decided and why. */
  explanation: string;
  /**
   * flush-icache steps (ARM64): the range written just before, and the instruction sequence a real
   * CPU runs so that every core fetches the new code (dc cvau, dsb ish, ic ivau, dsb ish, isb).
   */
  cacheMaintenance?: { length: number; sequence: string[] };
}

/** One instruction moved out of the entry, and what was done to it. */
export interface DisplacedInstruction {
  /** Where it was in the original function. */
  address: number;
  length: number;
  /** Where its replacement starts in the trampoline (hook mode), and its bytes there. */
  relocatedAddress?: number;
  relocatedBytes?: Uint8Array;
  /** E.g. "copied", "rip-relative displacement adjusted", "jcc rel8 widened to rel32". */
  relocation: string;
}

export interface RedirectPlan {
  arch: Arch;
  mode: RedirectMode;
  target: number;
  replacement: number;
  /** The entry redirection chosen, e.g. "jmp rel32", "jmp [rip+0] abs64", "hot-patch short jump", "b imm26", "ldr x16 + br x16". */
  form: string;
  /** Bytes of the function's entry that the redirect overwrites. */
  overwritten: { address: number; length: number };
  displaced: DisplacedInstruction[];
  /** Hook mode: the trampoline; calling `address` runs the original function. */
  trampoline?: { address: number; bytes: Uint8Array };
  steps: PlanStep[];
}

export type RefusalCode =
  | 'too-short' // the function is shorter than the jump and has no usable padding
  | 'branch-into-overwritten' // another instruction jumps into the bytes the jump would overwrite
  | 'unmovable-instruction' // a displaced instruction cannot run from the trampoline
  | 'undecodable' // the bytes are not valid instructions
  | 'out-of-range' // a target cannot be reached from where it must be reached
  | 'bad-request'; // the request itself is inconsistent

export interface RedirectRefusal {
  code: RefusalCode;
  /** A sentence a person understands, naming the instruction and address concerned. */
  message: string;
  address?: number;
}

export type PlanResult = { ok: true; plan: RedirectPlan } | { ok: false; refusal: RedirectRefusal };

/** Reads the engine's JSON answer: addresses are "0x.." strings, bytes are hex strings. */
export function decodeEngineJson<T>(json: string): T {
  return JSON.parse(json, (key, value) => {
    if (typeof value !== 'string') return value;
    // Cheap first-character tests before the patterns: plans hold long explanations.
    if (value.charCodeAt(0) === 48 && value.charCodeAt(1) === 120 && /^0x[0-9a-f]+$/.test(value)) return Number(BigInt(value));
    if (BYTE_FIELDS.has(key) && /^([0-9a-f]{2})*$/.test(value)) return hexToBytes(value);
    return value;
  }) as T;
}

/**
 * Asks engine.wasm for the plan of `request` through its architecture's plan export. Never throws
 * for a function that cannot be redirected: the answer is then a refusal with a reason.
 */
export function planRedirectWith(engine: Engine, request: RedirectRequest): PlanResult {
  const args = planArguments(request);
  engine.input(args.input.length).set(args.input);
  const plan = request.arch === 'x64' ? engine.exports.x64PlanRedirect : engine.exports.arm64PlanRedirect;
  return decodePlanResult(engine.string(plan(...args.exportArguments)));
}

/** A request as the plan exports take it: the input buffer's bytes (padding, then the function), then the arguments. */
/** The request's landing-pad choice as the engine's PadOption bits. */
export function padOptions(request: RedirectRequest): number {
  return request.landingPads === 'overwrite' ? PadOption.Overwrite : request.landingPads === 'strict' ? PadOption.Strict : 0;
}

export function planArguments(request: RedirectRequest): {
  input: Uint8Array;
  exportArguments: [number, number, bigint, string, bigint, number, boolean, bigint, number];
} {
  const padding = request.padding ?? new Uint8Array(0);
  const { bytes } = request.target;
  const input = new Uint8Array(padding.length + bytes.length);
  input.set(padding, 0);
  input.set(bytes, padding.length);
  return {
    input,
    exportArguments: [padding.length, bytes.length, BigInt(request.target.address), request.target.name ?? '',
      BigInt(request.replacement), request.mode === 'hook' ? RedirectModeCode.Hook : RedirectModeCode.Replace,
      request.trampolineAddress !== undefined, BigInt(request.trampolineAddress ?? 0),
      padOptions(request)],
  };
}

/**
 * Reads a PlanResult answer: the same result as decodeEngineJson, converting only the fields the
 * contract defines as addresses and bytes, without a reviver call per value (plans are planned in
 * loops, and their explanations are long).
 */
export function decodePlanResult(json: string): PlanResult {
  const result = JSON.parse(json) as RawPlanResult;
  if (!result.ok) {
    if (result.refusal.address !== undefined) result.refusal.address = address(result.refusal.address);
    return result as PlanResult;
  }
  const plan = result.plan;
  plan.target = address(plan.target);
  plan.replacement = address(plan.replacement);
  plan.overwritten.address = address(plan.overwritten.address);
  for (const moved of plan.displaced) {
    moved.address = address(moved.address);
    if (moved.relocatedAddress !== undefined) moved.relocatedAddress = address(moved.relocatedAddress);
    if (moved.relocatedBytes !== undefined) moved.relocatedBytes = bytes(moved.relocatedBytes);
  }
  if (plan.trampoline) {
    plan.trampoline.address = address(plan.trampoline.address);
    plan.trampoline.bytes = bytes(plan.trampoline.bytes);
  }
  for (const step of plan.steps) {
    step.address = address(step.address);
    step.before = bytes(step.before);
    step.after = bytes(step.after);
  }
  return result as PlanResult;
}

/** A PlanResult as JSON.parse gives it: addresses and bytes still strings. */
type Raw<T> = T extends Uint8Array ? Uint8Array | string : T extends number ? number | string
  : T extends (infer E)[] ? Raw<E>[] : T extends object ? { -readonly [K in keyof T]: Raw<T[K]> } : T;
type RawPlanResult = Raw<PlanResult>;

function address(value: number | string): number {
  return typeof value === 'number' ? value : Number(BigInt(value));
}

function bytes(value: Uint8Array | string): Uint8Array {
  return typeof value === 'string' ? hexToBytes(value) : value;
}

const BYTE_FIELDS = new Set(['bytes', 'before', 'after', 'relocatedBytes']);
