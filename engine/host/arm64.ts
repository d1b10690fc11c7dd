// Host API of the ARM64 engine: the A64 decoder's answers and the redirect planner, over engine.wasm.
// The numbers it reads and passes come from the file the engine is built from
// (engine/assembly/arm64/interface.ts).
import {
  Arm64WriterForm as WriterForm, DECODE_RECORD_SIZE, Form, Group, RECORD_CHECKED, RECORD_COND, RECORD_FLAGS, RECORD_FORM, RECORD_GROUP,
  RECORD_REG, RECORD_TARGET, RECORD_WIDE,
} from '../assembly/arm64/interface.ts';
import { type Engine, loadEngine } from './engine.ts';
import { hexToBytes } from '../../core/hex.ts';
import { type PlanResult, type RedirectRequest, planRedirectWith } from './plan.ts';

/** The instruction forms the decoder tells apart. */
export { Form as Arm64Form };

const GROUP_NAMES = {
  [Group.Reserved]: 'reserved', [Group.Unallocated]: 'unallocated', [Group.SME]: 'sme', [Group.SVE]: 'sve',
  [Group.DataImmediate]: 'data-immediate', [Group.BranchSystem]: 'branch-system', [Group.LoadStore]: 'load-store',
  [Group.DataRegister]: 'data-register', [Group.SimdFp]: 'simd-fp',
} as const satisfies Record<Group, string>;
/** The top-level encoding groups (bits 28:25). */
export type Arm64Group = (typeof GROUP_NAMES)[Group];

export interface Arm64Decoded {
  form: Form;
  group: Arm64Group;
  /** Rd/Rt of PC-relative forms, Rn of register branches; 31 when unused. */
  reg: number;
  /** Condition (B.cond, BC.cond), tested bit (TBZ/TBNZ) or hint number. */
  cond: number;
  /** CBZ/CBNZ/TBZ/TBNZ test an X register. */
  wide: boolean;
  /** Whether the decoder checks allocation in this word's encoding group (else "Other" is not a validity claim). */
  checked: boolean;
  /** Branch target, literal address, or ADR/ADRP result (ADRP: the page); 0n when not PC-relative. */
  target: bigint;
}

/** Words decoded per call into the engine, so the record buffer stays small. */
const CHUNK_WORDS = 1 << 16;

/** Calls `visit(index, record view, record offset)` for every word, decoding in chunks. */
export function decodeArm64Records(engine: Engine, bytes: Uint8Array, address: bigint,
  visit: (index: number, records: DataView, offset: number) => void): void {
  if (bytes.length % 4 !== 0) throw new Error(`A64 code is made of 4-byte words; got ${bytes.length} bytes`);
  const words = bytes.length / 4;
  for (let first = 0; first < words; first += CHUNK_WORDS) {
    const count = Math.min(CHUNK_WORDS, words - first);
    engine.input(count * 4).set(bytes.subarray(first * 4, (first + count) * 4));
    const pointer = engine.exports.decodeArm64Words(count, BigInt.asUintN(64, address + BigInt(first * 4)));
    const view = new DataView(engine.exports.memory.buffer, pointer, count * DECODE_RECORD_SIZE);
    for (let i = 0; i < count; i++) visit(first + i, view, i * DECODE_RECORD_SIZE);
  }
}

/** Decodes A64 words (little-endian), the first at `address`. */
export function decodeArm64(engine: Engine, bytes: Uint8Array, address: bigint | number): Arm64Decoded[] {
  const decoded: Arm64Decoded[] = [];
  decodeArm64Records(engine, bytes, BigInt(address), (_, view, offset) => decoded.push(readRecord(view, offset)));
  return decoded;
}

export function readRecord(view: DataView, offset: number): Arm64Decoded {
  const flags = view.getUint8(offset + RECORD_FLAGS);
  return {
    form: view.getUint8(offset + RECORD_FORM) as Form,
    reg: view.getUint8(offset + RECORD_REG),
    cond: view.getUint8(offset + RECORD_COND),
    wide: (flags & RECORD_WIDE) !== 0,
    checked: (flags & RECORD_CHECKED) !== 0,
    group: GROUP_NAMES[view.getUint8(offset + RECORD_GROUP) as Group],
    target: view.getBigUint64(offset + RECORD_TARGET, true),
  };
}

export function arm64FormName(form: Form): string {
  return Form[form] ?? `form ${form}`;
}

/** The largest trampoline an ARM64 hook plan can need: reserve this much before planning. */
export async function arm64TrampolineMaxSize(): Promise<number> {
  return (await loadEngine()).exports.arm64TrampolineMaxSize();
}

/**
 * Plans redirecting an ARM64 function (see RedirectRequest). Never throws for a function that
 * cannot be redirected: the answer is then a refusal with a reason.
 */
export async function planArm64Redirect(request: RedirectRequest): Promise<PlanResult> {
  return planArm64RedirectWith(await loadEngine(), request);
}

/** planArm64Redirect with an engine already loaded (no await between requests). */
export function planArm64RedirectWith(engine: Engine, request: RedirectRequest): PlanResult {
  if (request.arch !== 'arm64') throw new Error(`planArm64Redirect plans arm64 functions, not ${request.arch}`);
  return planRedirectWith(engine, request);
}

/** The encodings the ARM64 writer emits, by the names tests and tools use. */
export const ARM64_WRITER_FORMS = {
  b: WriterForm.B, bl: WriterForm.BL, 'b.cond': WriterForm.BCond, 'ldr x16 + br x16': WriterForm.FarJump,
  adr: WriterForm.Adr, adrp: WriterForm.Adrp, 'ldr literal': WriterForm.LdrLiteralX, br: WriterForm.Br,
  blr: WriterForm.Blr, 'bti c': WriterForm.BtiC, nop: WriterForm.Nop,
} as const;
export type Arm64WriterForm = keyof typeof ARM64_WRITER_FORMS;

/** The bytes the writer emits for `form` at `address`, or undefined when a relative form cannot reach `target`. */
export async function encodeArm64(form: Arm64WriterForm, address: number | bigint,
  options: { target?: number | bigint; register?: number; condition?: number } = {}): Promise<Uint8Array | undefined> {
  const engine = await loadEngine();
  const hex = engine.exports.arm64Encode(ARM64_WRITER_FORMS[form], BigInt(address), BigInt(options.target ?? 0),
    options.register ?? 0, options.condition ?? 0);
  return hex === '' ? undefined : hexToBytes(hex);
}
