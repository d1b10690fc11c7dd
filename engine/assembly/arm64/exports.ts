// The ARM64 engine's WebAssembly exports. Inputs arrive in the shared input buffer.
import { answer, inputBytes, outputBuffer } from '../common/input';
import { RedirectRequest, redirectRequest } from '../common/plan';
import { planBatch } from '../common/plan-batch';
import { hexBytes } from '../common/hex';
import { Arm64Instruction, decode } from './decoder';
import {
  Arm64WriterForm, DECODE_RECORD_SIZE, RECORD_CHECKED, RECORD_COND, RECORD_FLAGS, RECORD_FORM, RECORD_GROUP, RECORD_REG,
  RECORD_TARGET, RECORD_WIDE,
} from './interface';
import { planArm64Record, planArm64Redirect } from './planner';
import { ARM64_TRAMPOLINE_MAX_SIZE } from './relocator';
import { Arm64Writer } from './writer';

const scratch = new Arm64Instruction();

/**
 * Decodes `count` little-endian words from the input buffer, the first at `address`, into records
 * (DECODE_RECORD_SIZE and the fields after it in interface.ts). Returns the address of the first.
 */
export function decodeArm64Words(count: i32, address: u64): usize {
  const words = inputBytes(0, count << 2).dataStart;
  const records = outputBuffer(count * DECODE_RECORD_SIZE).dataStart;
  for (let i = 0; i < count; i++) {
    const instruction = decode(load<u32>(words + (<usize>i << 2)), address + (<u64>i << 2), scratch);
    const record = records + <usize>i * DECODE_RECORD_SIZE;
    store<u8>(record, <u8>instruction.form, RECORD_FORM);
    store<u8>(record, instruction.reg, RECORD_REG);
    store<u8>(record, instruction.cond, RECORD_COND);
    store<u8>(record, (instruction.wide ? RECORD_WIDE : 0) | (instruction.checked ? RECORD_CHECKED : 0), RECORD_FLAGS);
    store<u32>(record, <u32>instruction.group, RECORD_GROUP);
    store<u64>(record, instruction.target, RECORD_TARGET);
  }
  return records;
}

/**
 * Plans redirecting the ARM64 function at `address` to `replacement` (see redirectRequest) and
 * answers with the plan contract's PlanResult as JSON, by address (see answer).
 */
export function arm64PlanRedirect(
  paddingLength: i32, functionLength: i32, address: u64, name: string, replacement: u64, mode: i32,
  hasTrampoline: bool, trampoline: u64, options: i32,
): usize {
  return answer(planArm64Redirect(redirectRequest(paddingLength, functionLength, address, name, replacement, mode,
    hasTrampoline, trampoline, options), ARM64_TRAMPOLINE_MAX_SIZE));
}

/**
 * arm64PlanRedirect's plans, without their sentences, for the `count` requests in the input buffer
 * (common/plan-record.ts): answers the address of their binary records, valid until the next batch.
 * The host asks arm64PlanRedirect for a plan's sentences when they are read.
 */
export function arm64PlanRecords(count: i32): usize {
  return planBatch(count, planArm64RecordWithRoom);
}

function planArm64RecordWithRoom(request: RedirectRequest): usize {
  return planArm64Record(request, ARM64_TRAMPOLINE_MAX_SIZE);
}

/** The largest trampoline an ARM64 hook plan can need, in bytes: reserve this much before planning. */
export function arm64TrampolineMaxSize(): i32 {
  return ARM64_TRAMPOLINE_MAX_SIZE;
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
