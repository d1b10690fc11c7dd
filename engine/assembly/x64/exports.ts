// The x86-64 engine's exports to the host: the writer's encodings, redirect plans, and the decoder
// (a scratch buffer the host fills, one decode whose facts land in a fixed record of 64-bit slots,
// and batch decodes for tests and benchmarks: one call decodes many instructions, so the wasm
// boundary costs nothing per instruction).
import { decodeX64 } from '../../../isa/x64/decoder';
import { X64Instruction } from '../../../isa/x64/instruction';
import { hexBytes } from '../common/hex';
import { answer } from '../common/input';
import { redirectRequest } from '../common/plan';
import { planBatch } from '../common/plan-batch';
import {
  WINDOW_DISP_OFFSET, WINDOW_FLOW, WINDOW_IMM_SIZE, WINDOW_LENGTH, WINDOW_RECORD_SIZE, WINDOW_REL_SIZE,
  WINDOW_RIP_RELATIVE, WINDOW_TARGET, X64Fact, X64WriterForm,
} from './interface';
import { X64_TRAMPOLINE_MAX_SIZE, planX64Record, planX64Redirect } from './planner';
import { X64Writer } from './writer';

/**
 * The writer's encoding of one form placed at `address`, as hex; "" when a relative form cannot
 * reach `target` from there. `condition` is for jcc forms, `count` for padding.
 */
export function x64Encode(form: i32, address: u64, target: u64, condition: i32, count: i32): string {
  const w = new X64Writer(address);
  let ok = true;
  switch (form) {
    case X64WriterForm.JmpRel8: ok = w.putJmpRel8(target); break;
    case X64WriterForm.JmpRel32: ok = w.putJmpRel32(target); break;
    case X64WriterForm.JmpAbsolute: w.putJmpAbsolute(target); break;
    case X64WriterForm.CallRel32: ok = w.putCallRel32(target); break;
    case X64WriterForm.CallAbsolute: w.putCallAbsolute(target); break;
    case X64WriterForm.JccRel8: ok = w.putJccRel8(condition, target); break;
    case X64WriterForm.JccRel32: ok = w.putJccRel32(condition, target); break;
    case X64WriterForm.JccAbsolute: w.putJccAbsolute(condition, target); break;
    case X64WriterForm.Int3: w.putInt3(count); break;
    case X64WriterForm.Nops: w.putNops(count); break;
    default: ok = false;
  }
  return ok ? hexBytes(w.toBytes()) : '';
}

/**
 * Plans redirecting the function at `address` to `replacement` (see redirectRequest) and answers
 * with the plan contract's PlanResult as JSON, by address (see answer).
 */
export function x64PlanRedirect(
  paddingLength: i32, functionLength: i32, address: u64, name: string, replacement: u64, mode: i32,
  hasTrampoline: bool, trampoline: u64, options: i32,
): usize {
  return answer(planX64Redirect(redirectRequest(paddingLength, functionLength, address, name, replacement, mode,
    hasTrampoline, trampoline, options)));
}

/**
 * x64PlanRedirect's plans, without their sentences, for the `count` requests in the input buffer
 * (common/plan-record.ts): answers the address of their binary records, valid until the next batch.
 * The host asks x64PlanRedirect for a plan's sentences when they are read.
 */
export function x64PlanRecords(count: i32): usize {
  return planBatch(count, planX64Record);
}

/** The largest trampoline a hook plan can ask for, in bytes. */
export function x64TrampolineMaxSize(): i32 {
  return X64_TRAMPOLINE_MAX_SIZE;
}

// ---- the decoder ----

const instruction = new X64Instruction();
let scratch = new StaticArray<u8>(0);

const facts = new StaticArray<i64>(X64Fact.COUNT);

/** A buffer of at least `size` bytes in wasm memory for the host to fill; valid until the next call. */
export function x64DecoderBuffer(size: i32): usize {
  if (scratch.length < size) scratch = new StaticArray<u8>(size);
  return changetype<usize>(scratch);
}

/** Number of slots in the facts record, so the host can check it agrees. */
export function x64FactCount(): i32 {
  return X64Fact.COUNT;
}

/** Decodes the instruction at `offset` in the buffer; its facts go to the record returned by x64Facts. */
export function x64Decode(offset: i32, available: i32, address: u64): bool {
  const ok = decodeX64(changetype<usize>(scratch) + <usize>offset, available, address, instruction);
  writeFacts(instruction);
  return ok;
}

/** Address of the facts record of the last x64Decode. */
export function x64Facts(): usize {
  return changetype<usize>(facts);
}

/** Why the last x64Decode failed (empty when it succeeded). */
export function x64DecodeReason(): string {
  return instruction.reason;
}

/**
 * Decodes `length` bytes from `offset` one instruction after another, as a disassembler does.
 * Returns the number of instructions decoded before the end or the first invalid one.
 */
export function x64DecodeRun(offset: i32, length: i32, address: u64): i32 {
  const base = changetype<usize>(scratch) + <usize>offset;
  let position: i32 = 0;
  let count: i32 = 0;
  while (position < length) {
    if (!decodeX64(base + <usize>position, length - position, address + <u64>position, instruction)) break;
    position += instruction.length;
    count++;
  }
  return count;
}

/**
 * Decodes `count` independent windows of `stride` bytes from `offset` (window i sits at guest
 * address `address + i * stride`). For each it writes a record at `outOffset` (see WINDOW_RECORD_SIZE
 * and the fields after it in interface.ts).
 */
export function x64DecodeWindows(offset: i32, count: i32, stride: i32, address: u64, outOffset: i32): i32 {
  const base = changetype<usize>(scratch);
  let valid: i32 = 0;
  for (let i = 0; i < count; i++) {
    const at = base + <usize>offset + <usize>(i * stride);
    const record = base + <usize>outOffset + <usize>(i * WINDOW_RECORD_SIZE);
    const ok = decodeX64(at, stride, address + <u64>(i * stride), instruction);
    if (ok) valid++;
    store<i8>(record, ok ? <i8>instruction.length : <i8>(-<i32>instruction.error), WINDOW_LENGTH);
    store<u8>(record, <u8>instruction.flow, WINDOW_FLOW);
    store<u8>(record, instruction.ripRelative ? 1 : 0, WINDOW_RIP_RELATIVE);
    store<u8>(record, <u8>instruction.relSize, WINDOW_REL_SIZE);
    store<u8>(record, <u8>(instruction.dispOffset < 0 ? 0xff : instruction.dispOffset), WINDOW_DISP_OFFSET);
    store<u8>(record, <u8>instruction.immSize, WINDOW_IMM_SIZE);
    store<u64>(record, instruction.relSize > 0 ? instruction.branchTarget : instruction.ripTarget, WINDOW_TARGET);
  }
  return valid;
}

function writeFacts(i: X64Instruction): void {
  const f = facts;
  f[X64Fact.VALID] = i.valid ? 1 : 0;
  f[X64Fact.ERROR] = <i64>i.error;
  f[X64Fact.LENGTH] = i.length;
  f[X64Fact.ADDRESS] = <i64>i.address;
  f[X64Fact.PREFIX_COUNT] = i.prefixCount;
  f[X64Fact.LOCK] = i.lock ? 1 : 0;
  f[X64Fact.REP] = i.rep ? 1 : 0;
  f[X64Fact.REPNE] = i.repne ? 1 : 0;
  f[X64Fact.LAST_REP] = i.lastRepPrefix;
  f[X64Fact.OPERAND_SIZE_PREFIX] = i.operandSizePrefix ? 1 : 0;
  f[X64Fact.ADDRESS_SIZE_PREFIX] = i.addressSizePrefix ? 1 : 0;
  f[X64Fact.SEGMENT] = i.segment;
  f[X64Fact.SEGMENT_COUNT] = i.segmentPrefixCount;
  f[X64Fact.MANDATORY_PREFIX] = i.mandatoryPrefix;
  f[X64Fact.REX] = i.rex;
  f[X64Fact.REX_W] = i.rexW ? 1 : 0;
  f[X64Fact.REX_R] = i.rexR ? 1 : 0;
  f[X64Fact.REX_X] = i.rexX ? 1 : 0;
  f[X64Fact.REX_B] = i.rexB ? 1 : 0;
  f[X64Fact.REX_IGNORED] = i.rexIgnored ? 1 : 0;
  f[X64Fact.ENCODING] = <i64>i.encoding;
  f[X64Fact.VECTOR_LENGTH] = i.vectorLength;
  f[X64Fact.VEX_W] = i.vexW ? 1 : 0;
  f[X64Fact.VVVV] = i.vvvv;
  f[X64Fact.PP] = i.pp;
  f[X64Fact.EVEX_MASK] = i.evexMask;
  f[X64Fact.EVEX_ZEROING] = i.evexZeroing ? 1 : 0;
  f[X64Fact.EVEX_BROADCAST] = i.evexBroadcast ? 1 : 0;
  f[X64Fact.MAP] = i.map;
  f[X64Fact.OPCODE] = i.opcode;
  f[X64Fact.OPCODE_OFFSET] = i.opcodeOffset;
  f[X64Fact.HAS_MODRM] = i.hasModrm ? 1 : 0;
  f[X64Fact.MODRM_OFFSET] = i.modrmOffset;
  f[X64Fact.MODRM] = i.modrm;
  f[X64Fact.MOD] = i.mod;
  f[X64Fact.REG] = i.reg;
  f[X64Fact.RM] = i.rm;
  f[X64Fact.HAS_SIB] = i.hasSib ? 1 : 0;
  f[X64Fact.SIB] = i.sib;
  f[X64Fact.BASE] = i.base;
  f[X64Fact.INDEX] = i.index;
  f[X64Fact.SCALE] = i.scale;
  f[X64Fact.RIP_RELATIVE] = i.ripRelative ? 1 : 0;
  f[X64Fact.RIP_TARGET] = <i64>i.ripTarget;
  f[X64Fact.DISP_OFFSET] = i.dispOffset;
  f[X64Fact.DISP_SIZE] = i.dispSize;
  f[X64Fact.DISP] = i.disp;
  f[X64Fact.IMM_OFFSET] = i.immOffset;
  f[X64Fact.IMM_SIZE] = i.immSize;
  f[X64Fact.IMM] = i.imm;
  f[X64Fact.IMM2_OFFSET] = i.imm2Offset;
  f[X64Fact.IMM2_SIZE] = i.imm2Size;
  f[X64Fact.IMM2] = i.imm2;
  f[X64Fact.OPERAND_SIZE] = i.operandSize;
  f[X64Fact.ADDRESS_SIZE] = i.addressSize;
  f[X64Fact.FLOW] = <i64>i.flow;
  f[X64Fact.CONDITION] = i.condition;
  f[X64Fact.REL_OFFSET] = i.relOffset;
  f[X64Fact.REL_SIZE] = i.relSize;
  f[X64Fact.BRANCH_TARGET] = <i64>i.branchTarget;
}
