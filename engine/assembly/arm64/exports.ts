// The ARM64 engine's WebAssembly exports. Inputs arrive in the shared input buffer.
import { answer, inputBytes, outputBuffer } from '../common/input';
import { redirectRequest } from '../common/plan';
import { hexBytes } from '../common/hex';
import { Arm64Instruction, decode } from './decoder';
import { planArm64Redirect } from './planner';
import { ARM64_TRAMPOLINE_MAX_SIZE } from './relocator';
import { Arm64Writer } from './writer';

/** Bytes per record written by decodeArm64Words. */
export const ARM64_DECODE_RECORD_SIZE: i32 = 16;

const scratch = new Arm64Instruction();

/**
 * Decodes `count` little-endian words from the input buffer, the first at `address`, into records
 * of 16 bytes: form u8, reg u8, cond u8, flags u8 (1: wide, 2: group checked), group u8, 3 zero
 * bytes, target u64. Returns the address of the first record.
 */
export function decodeArm64Words(count: i32, address: u64): usize {
  const words = inputBytes(0, count << 2).dataStart;
  const records = outputBuffer(count * ARM64_DECODE_RECORD_SIZE).dataStart;
  for (let i = 0; i < count; i++) {
    const instruction = decode(load<u32>(words + (<usize>i << 2)), address + (<u64>i << 2), scratch);
    const record = records + <usize>i * ARM64_DECODE_RECORD_SIZE;
    store<u32>(record, u32(instruction.form) | (u32(instruction.reg) << 8) | (u32(instruction.cond) << 16)
      | ((instruction.wide ? 1 : 0) << 24) | ((instruction.checked ? 2 : 0) << 24));
    store<u32>(record, u32(instruction.group), 4);
    store<u64>(record, instruction.target, 8);
  }
  return records;
}

/**
 * Plans redirecting the ARM64 function at `address` to `replacement` (see redirectRequest) and
 * answers with the plan contract's PlanResult as JSON, by address (see answer).
 */
export function arm64PlanRedirect(
  paddingLength: i32, functionLength: i32, address: u64, name: string, replacement: u64, mode: i32,
  hasTrampoline: bool, trampoline: u64,
): usize {
  return answer(planArm64Redirect(redirectRequest(paddingLength, functionLength, address, name, replacement, mode,
    hasTrampoline, trampoline), ARM64_TRAMPOLINE_MAX_SIZE));
}

/** The largest trampoline an ARM64 hook plan can need, in bytes: reserve this much before planning. */
export function arm64TrampolineMaxSize(): i32 {
  return ARM64_TRAMPOLINE_MAX_SIZE;
}

/** Forms `arm64Encode` can emit (the host mirrors these numbers). */
export const enum Arm64WriterForm {
  B = 0,
  BL = 1,
  BCond = 2,
  FarJump = 3,
  Adr = 4,
  Adrp = 5,
  LdrLiteralX = 6,
  Br = 7,
  Blr = 8,
  BtiC = 9,
  Nop = 10,
}

/**
 * The writer's encoding of one form placed at `address`, as hex; "" when a relative form cannot
 * reach `target` from there. `register` is for register forms, `condition` for B.cond.
 */
export function arm64Encode(form: i32, address: u64, target: u64, register: i32, condition: i32): string {
  const w = new Arm64Writer(address);
  let ok = true;
  switch (form) {
    case Arm64WriterForm.B: ok = w.putB(target); break;
    case Arm64WriterForm.BL: ok = w.putBL(target); break;
    case Arm64WriterForm.BCond: ok = w.putBCond(u32(condition), target); break;
    case Arm64WriterForm.FarJump: w.putFarJump(target); break;
    case Arm64WriterForm.Adr: ok = w.putAdr(u32(register), target); break;
    case Arm64WriterForm.Adrp: ok = w.putAdrp(u32(register), target); break;
    case Arm64WriterForm.LdrLiteralX: ok = w.putLdrLiteralX(u32(register), target); break;
    case Arm64WriterForm.Br: w.putBr(u32(register)); break;
    case Arm64WriterForm.Blr: w.putBlr(u32(register)); break;
    case Arm64WriterForm.BtiC: w.putBtiC(); break;
    case Arm64WriterForm.Nop: w.putNop(); break;
    default: ok = false;
  }
  return ok ? hexBytes(w.toBytes()) : '';
}
