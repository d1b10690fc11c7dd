// Host API of the ARM64 engine: the A64 decoder's answers and the redirect planner, over engine.wasm.
import { type Engine, loadEngine } from './engine.ts';
import { hexToBytes } from '../../core/hex.ts';
import { type PlanResult, type RedirectRequest, decodePlanResult } from './plan.ts';

/** Instruction forms, numbered as in engine/assembly/arm64/forms.ts. */
export const Arm64Form = {
  Undefined: 0, Other: 1,
  B: 2, BL: 3, BCond: 4, BCCond: 5, CBZ: 6, CBNZ: 7, TBZ: 8, TBNZ: 9, ADR: 10, ADRP: 11,
  LdrLiteralW: 12, LdrLiteralX: 13, LdrswLiteral: 14, PrfmLiteral: 15, LdrLiteralS: 16, LdrLiteralD: 17, LdrLiteralQ: 18,
  RET: 20, BR: 21, BLR: 22, RETAA: 23, RETAB: 24, BRAA: 25, BRAB: 26, BRAAZ: 27, BRABZ: 28,
  BLRAA: 29, BLRAB: 30, BLRAAZ: 31, BLRABZ: 32, ERET: 33, ERETAA: 34, ERETAB: 35, DRPS: 36,
  Hint: 40, NOP: 41, BTI: 42, PACIASP: 43, PACIBSP: 44, AUTIASP: 45, AUTIBSP: 46, PACIAZ: 47, PACIBZ: 48,
  AUTIAZ: 49, AUTIBZ: 50, PACIA1716: 51, PACIB1716: 52, AUTIA1716: 53, AUTIB1716: 54, XPACLRI: 55,
  SVC: 60, HVC: 61, SMC: 62, BRK: 63, HLT: 64, UDF: 65, DCPS: 66, TCANCEL: 67,
} as const;
export type Arm64Form = (typeof Arm64Form)[keyof typeof Arm64Form];

/** The top-level encoding groups (bits 28:25), numbered as in engine/assembly/arm64/decoder.ts. */
export const Arm64Group = ['reserved', 'unallocated', 'sme', 'sve', 'data-immediate', 'branch-system',
  'load-store', 'data-register', 'simd-fp'] as const;
export type Arm64Group = (typeof Arm64Group)[number];

export interface Arm64Decoded {
  form: Arm64Form;
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

const RECORD_SIZE = 16;
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
    const view = new DataView(engine.exports.memory.buffer, pointer, count * RECORD_SIZE);
    for (let i = 0; i < count; i++) visit(first + i, view, i * RECORD_SIZE);
  }
}

/** Decodes A64 words (little-endian), the first at `address`. */
export function decodeArm64(engine: Engine, bytes: Uint8Array, address: bigint | number): Arm64Decoded[] {
  const decoded: Arm64Decoded[] = [];
  decodeArm64Records(engine, bytes, BigInt(address), (_, view, offset) => decoded.push(readRecord(view, offset)));
  return decoded;
}

export function readRecord(view: DataView, offset: number): Arm64Decoded {
  const flags = view.getUint8(offset + 3);
  return {
    form: view.getUint8(offset) as Arm64Form,
    reg: view.getUint8(offset + 1),
    cond: view.getUint8(offset + 2),
    wide: (flags & 1) !== 0,
    checked: (flags & 2) !== 0,
    group: Arm64Group[view.getUint8(offset + 4)]!,
    target: view.getBigUint64(offset + 8, true),
  };
}

const FORM_NAMES = new Map<number, string>(Object.entries(Arm64Form).map(([name, value]) => [value, name]));

export function arm64FormName(form: Arm64Form): string {
  return FORM_NAMES.get(form) ?? `form ${form}`;
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
  const padding = request.padding ?? new Uint8Array(0);
  const { bytes } = request.target;
  const input = engine.input(padding.length + bytes.length);
  input.set(padding, 0);
  input.set(bytes, padding.length);
  const hasTrampoline = request.trampolineAddress !== undefined;
  const answer = engine.exports.arm64PlanRedirect(padding.length, bytes.length, BigInt(request.target.address),
    request.target.name ?? '', BigInt(request.replacement), request.mode === 'hook' ? 1 : 0,
    hasTrampoline, BigInt(request.trampolineAddress ?? 0));
  return decodePlanResult(engine.string(answer));
}

/** The encodings the ARM64 writer emits (numbers shared with engine/assembly/arm64/exports.ts). */
export const ARM64_WRITER_FORMS = {
  b: 0, bl: 1, 'b.cond': 2, 'ldr x16 + br x16': 3, adr: 4, adrp: 5, 'ldr literal': 6, br: 7, blr: 8, 'bti c': 9, nop: 10,
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
