// Host API of the x86-64 engine: typed wrappers over engine.wasm's x64 exports.
import { X64WriterForm } from '../assembly/x64/interface.ts';
import { loadEngine } from './engine.ts';
import { hexToBytes } from '../../core/hex.ts';
import { type PlanResult, type RedirectRequest, planRedirectWith } from './plan.ts';

/** The encodings the engine's x86-64 writer emits, by the names tests and tools use. */
export const X64_FORMS = {
  'jmp rel8': X64WriterForm.JmpRel8,
  'jmp rel32': X64WriterForm.JmpRel32,
  'jmp [rip+0] abs64': X64WriterForm.JmpAbsolute,
  'call rel32': X64WriterForm.CallRel32,
  'call [rip+2] abs64': X64WriterForm.CallAbsolute,
  'jcc rel8': X64WriterForm.JccRel8,
  'jcc rel32': X64WriterForm.JccRel32,
  'jcc abs64': X64WriterForm.JccAbsolute,
  int3: X64WriterForm.Int3,
  nops: X64WriterForm.Nops,
} as const;
export type X64Form = keyof typeof X64_FORMS;

export interface X64EncodeOptions {
  /** Branch target (relative and absolute forms). */
  target?: number | bigint;
  /** Condition code 0-15 for jcc forms, as in the opcode's low nibble (4 = e, 5 = ne, ...). */
  condition?: number;
  /** Number of bytes for int3 and nop padding. */
  count?: number;
}

/**
 * The bytes the engine writes for `form` placed at `address`, or undefined when a relative form
 * cannot reach the target from there.
 */
export async function encodeX64(form: X64Form, address: number | bigint, options: X64EncodeOptions = {}): Promise<Uint8Array | undefined> {
  const engine = await loadEngine();
  const hex = engine.exports.x64Encode(X64_FORMS[form], BigInt(address), BigInt(options.target ?? 0),
    options.condition ?? 0, options.count ?? 0);
  return hex === '' ? undefined : hexToBytes(hex);
}

/** The largest trampoline an x86-64 hook plan can need: reserve this much before planning. */
export async function x64TrampolineMaxSize(): Promise<number> {
  return (await loadEngine()).exports.x64TrampolineMaxSize();
}

/**
 * Plans redirecting an x86-64 function (see RedirectRequest). Never throws for a function that
 * cannot be redirected: the answer is then a refusal with a reason.
 */
export async function planX64Redirect(request: RedirectRequest): Promise<PlanResult> {
  if (request.arch !== 'x64') throw new Error(`planX64Redirect plans x64 functions, not ${request.arch}`);
  return planRedirectWith(await loadEngine(), request);
}
