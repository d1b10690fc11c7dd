// The x86-64 interpreter: runs decoded entries of one block. Operands come from the entry (state
// slots, resolved addresses, immediates), so common instructions are a few loads and stores. An
// instruction that faults changes no register or flag (memory written before the fault stays, as
// on the emulated CPU); the block is left after any instruction that asked for it (code written,
// a hook that stopped the run).
import { enforceBranchTargets, noTrackHonoured, noteIndirectBranch } from '../branch-targets';
import { compiledTierUsable, loopWantsCompiled, noteLoopInstructions } from '../compiled-blocks';
import {
  BLOCK_BYTES, BLOCK_COMPILED, BLOCK_COUNT, BLOCK_ENTRIES, BLOCK_PC, chainBudget, chainTarget, chainUntil, setChainBudget,
} from '../block-cache';
import { read32, read64, readSized, write32, write64, writeSized } from '../memory';
import { exitBlock, faulted, pcOverridden, raiseFault, setExecuted, setInterrupt, setUnsupported } from '../status';
import {
  RUN_EXIT, RUN_FAULT, RUN_INTERRUPT, RUN_OK, RUN_UNSUPPORTED, STOP_HALTED, UC_ERR_INSN_INVALID, X64_SYSCALL_INTERRUPT,
} from '../interface';
import {
  ALU_AND, ALU_CMP, ALU_OR, ALU_SUB, ALU_XOR, alu, aluInline, decrement, divideUnsigned128, increment, lastRemainder,
  negate, shift, shiftDouble, signExtend,
} from './arith';
import { multiplyHighSigned, multiplyHighUnsigned } from '../wide-multiply';
import {
  LAZY_SUB, condition, decrementCondition, logicCondition, materializeFlags, setFlagBits, setLazy, setResultFlags,
  sizeMask, subtractCondition,
} from './flags';
import {
  E_BASE, E_BYTES, E_DISP, E_FLAGS, E_IMM, E_IMM2, E_INDEX, E_LENGTH, E_NEXT, E_REG, E_RM, E_SCALE, E_SEGMENT, E_SIZE,
  E_SIZE2, E_SUB, ENTRY_SHIFT, ENTRY_SIZE, F_ADDR32, F_ALIGNED, F_COUNT_CL, F_REP, F_REPNE, OP_ALU_MI, OP_ALU_MR,
  OP_ALU_R_RM, OP_ALU_RI, OP_ALU_RR, OP_BSF, OP_BSR, OP_BSWAP, OP_BT_I, OP_BT_R, OP_CALL, OP_CALL_RM, OP_CBW, OP_CMOV,
  OP_CMPXCHG, OP_CMPXCHG_DOUBLE, OP_CWD, OP_DEC, OP_DIV, OP_ENTER, OP_FLAG, OP_HLT, OP_IDIV, OP_IMUL1, OP_IMUL_R_RM,
  OP_IMUL_R_RM_I, OP_INC, OP_INT, OP_INVALID, OP_JCC, OP_JMP, OP_JMP_RM, OP_LEA, OP_LEAVE, OP_LOAD, OP_LOOP, OP_LZCNT,
  OP_MOV_RI, OP_MOV_RR, OP_MOVSX, OP_MOVZX, OP_MUL, OP_NEG, OP_NOP, OP_NOT, OP_POP_RM, OP_POPCNT, OP_POPF, OP_PUSH_I,
  OP_PUSH_RM, OP_PUSHF, OP_RET, OP_SETCC, OP_SHIFT, OP_SHIFT_DOUBLE, OP_SSE, OP_STORE, OP_STORE_I, OP_STRING,
  OP_SYSCALL, OP_TEST_I, OP_TEST_R, OP_TZCNT, OP_XADD, OP_XCHG, OP_XLAT,
  OP_ALU_RI32, OP_ALU_RI64, OP_ALU_RM32, OP_ALU_RM64, OP_ALU_RR32, OP_ALU_RR64, OP_DEC32, OP_DEC64, OP_INC32, OP_INC64, OP_LEA32, OP_LEA64, OP_LOAD32, OP_LOAD64, OP_MOV_RI64, OP_MOV_RR32, OP_MOV_RR64, OP_STORE32, OP_STORE64, OP_TEST_RI32, OP_TEST_RI64, OP_TEST_RR32, OP_TEST_RR64,
  OP_ALU_RR64_JCC, OP_ALU_RR32_JCC, OP_ALU_RI64_JCC, OP_ALU_RI32_JCC, OP_TEST_RR64_JCC, OP_TEST_RR32_JCC, OP_TEST_RI64_JCC,
  OP_TEST_RI32_JCC, OP_DEC64_JCC, OP_DEC32_JCC, OP_ALU_MI32, OP_ALU_MI64, OP_POP64, OP_PUSH64,
} from './ops';
import { executeSse } from './sse';
import { SSE_MASKMOVDQU } from './ops';
import {
  ARITHMETIC_FLAGS, CF, DF, FLAGS_FIXED, POPF_WRITABLE, RFLAGS, RIP, RSP, ZF, gprSlot,
} from './state';

const VECTOR_DIVIDE_ERROR: i32 = 0;
const VECTOR_GENERAL_PROTECTION: i32 = 13;

const RAX: usize = gprSlot(0);
const RCX: usize = gprSlot(1);
const RDX: usize = gprSlot(2);
const RBX: usize = gprSlot(3);
const RBP: usize = gprSlot(5);
const RSI: usize = gprSlot(6);
const RDI: usize = gprSlot(7);

/** Length of the last `syscall`: the host moves rip past it after the system-call hooks ran. */
export let syscallLength: u32 = 0;
/** Length of the last instruction refused as unsupported (the host shows its bytes). */
export let unsupportedLength: u32 = 0;

// ---- operand access ----

@inline function readReg(slot: usize, size: u32): u64 {
  if (size == 8) return load<u64>(slot);
  if (size == 4) return <u64>load<u32>(slot);
  if (size == 2) return <u64>load<u16>(slot);
  return <u64>load<u8>(slot);
}

/** Writes a register: 32-bit writes clear the upper half, 8- and 16-bit writes keep the rest. */
@inline function writeReg(slot: usize, size: u32, value: u64): void {
  if (size == 8) store<u64>(slot, value);
  else if (size == 4) store<u64>(slot, value & 0xffff_ffff);
  else if (size == 2) store<u16>(slot, <u16>value);
  else store<u8>(slot, <u8>value);
}

@inline function reg(p: usize): usize {
  return <usize>load<u16>(p, E_REG);
}

@inline function rmSlot(p: usize): usize {
  return <usize>load<u16>(p, E_RM);
}

@inline function sizeOf(p: usize): u32 {
  return <u32>load<u8>(p, E_SIZE);
}

@inline function sub(p: usize): u32 {
  return <u32>load<u8>(p, E_SUB);
}

@inline function imm(p: usize): u64 {
  return load<u64>(p, E_IMM);
}

/** The offset part of a memory operand (what lea computes). */
@inline function offsetOf(p: usize): u64 {
  const address = load<u64>(<usize>load<u16>(p, E_BASE)) +
    (load<u64>(<usize>load<u16>(p, E_INDEX)) << <u64>load<u8>(p, E_SCALE)) + load<u64>(p, E_DISP);
  return (load<u8>(p, E_FLAGS) & F_ADDR32) != 0 ? address & 0xffff_ffff : address;
}

/** The address of a memory operand in the plain form: 64-bit arithmetic, no segment base. */
@inline function plainAddress(p: usize): u64 {
  return load<u64>(<usize>load<u16>(p, E_BASE)) +
    (load<u64>(<usize>load<u16>(p, E_INDEX)) << <u64>load<u8>(p, E_SCALE)) + load<u64>(p, E_DISP);
}

/** Linear address of a memory operand: the offset plus the fs/gs base, if any. */
@inline function addressOf(p: usize): u64 {
  return offsetOf(p) + load<u64>(<usize>load<u16>(p, E_SEGMENT));
}

/** Reads the r/m operand; check `faulted` after. */
@inline function readRm(p: usize, size: u32): u64 {
  const rm = rmSlot(p);
  return rm != 0 ? readReg(rm, size) : readSized(addressOf(p), size);
}

@inline function instructionAddress(p: usize): u64 {
  return load<u64>(p, E_NEXT) - <u64>load<u8>(p, E_LENGTH);
}

@inline function indexOf(p: usize, base: usize): u32 {
  return <u32>((p - base) >> ENTRY_SHIFT);
}

// Flags saved around read-modify-write instructions on memory, so a faulting write leaves them as
// they were.
const SAVED_FLAGS: usize = memory.data(48, 8);

@inline function saveFlags(): void {
  memory.copy(SAVED_FLAGS, RFLAGS, 48);
}

@inline function restoreFlags(): void {
  memory.copy(RFLAGS, SAVED_FLAGS, 48);
}

/** The condition `cc` after ALU operation `kind` on a and b gave r (what its lazy record says). */
@inline function aluCondition(kind: u32, size: u32, cc: u32, a: u64, b: u64, r: u64): bool {
  if (kind == ALU_SUB || kind == ALU_CMP) return subtractCondition(size, cc, a, b, r);
  if (kind == ALU_AND || kind == ALU_OR || kind == ALU_XOR) return logicCondition(size, cc, r);
  return condition(cc);
}

// ---- leaving the block ----

/** Instructions completed in blocks the interpreter chained through before the current one. */
let chained: u32 = 0;

/** The instruction at p did not complete. */
function stopBefore(p: usize, base: usize, first: u32, status: i32): i32 {
  store<u64>(RIP, instructionAddress(p));
  setExecuted(chained + indexOf(p, base) - first);
  return status;
}

/** The instruction at p completed and ends the run of the interpreter with `status`; rip is set. */
function stopAfter(p: usize, base: usize, first: u32, status: i32): i32 {
  setExecuted(chained + indexOf(p, base) + 1 - first);
  return status;
}

function fault(p: usize, base: usize, first: u32): i32 {
  return stopBefore(p, base, first, RUN_FAULT);
}

/** An exception raised by the instruction itself (divide error, alignment): rip stays on it. */
function exception(p: usize, base: usize, first: u32, vector: i32): i32 {
  setInterrupt(vector);
  store<u64>(RIP, instructionAddress(p));
  return stopAfter(p, base, first, RUN_INTERRUPT);
}

/**
 * An indirect call or jmp under landing-pad enforcement: it arms the tracker unless it is `notrack`
 * and NO_TRACK_EN is set; leave, so the run loop checks the target first.
 */
function indirectBranch(p: usize, base: usize, first: u32, target: u64): i32 {
  if (sub(p) == 0 || !noTrackHonoured) noteIndirectBranch(instructionAddress(p), 1);
  store<u64>(RIP, target);
  return stopAfter(p, base, first, RUN_OK);
}

/** The instruction at p completed; leave the block before the next one (keeping a pc a hook wrote). */
function exitAfter(p: usize, base: usize, first: u32): i32 {
  if (!pcOverridden) store<u64>(RIP, load<u64>(p, E_NEXT));
  return stopAfter(p, base, first, RUN_EXIT);
}

// ---- the interpreter ----

/**
 * Runs instructions [first, last) of the block decoded at `blockPc`, then on through successor
 * blocks while the chaining limits allow. Sets the executed count and rip (the next instruction, a
 * branch target, or the instruction that faulted) and returns a RUN_* status.
 */
export function executeX64(block: usize, blockPc: u64, first: u32, last: u32): i32 {
  let base = <usize>load<u32>(block, BLOCK_ENTRIES);
  let p = base + (<usize>first << ENTRY_SHIFT);
  let end = base + (<usize>last << ENTRY_SHIFT);
  chained = 0;
  if (p >= end) {
    setExecuted(0);
    return RUN_OK;
  }
  // Set by branches: where to, and which successor link of the block remembers it (0 taken, 1 not).
  let target: u64 = 0;
  let link: usize = 0;
  while (p < end) {
    let jumped = false;
    switch (<i32>load<u16>(p)) {
      case OP_NOP: break;

      // ---- size-specific forms (specialise.ts); those that cannot reach the host skip the exit check ----
      case OP_MOV_RR64: store<u64>(reg(p), load<u64>(rmSlot(p))); p += ENTRY_SIZE; continue;
      case OP_MOV_RR32: store<u64>(reg(p), <u64>load<u32>(rmSlot(p))); p += ENTRY_SIZE; continue;
      case OP_MOV_RI64: store<u64>(rmSlot(p), imm(p)); p += ENTRY_SIZE; continue;
      case OP_LEA64: store<u64>(reg(p), plainAddress(p)); p += ENTRY_SIZE; continue;
      case OP_LEA32: store<u64>(reg(p), plainAddress(p) & 0xffff_ffff); p += ENTRY_SIZE; continue;
      case OP_LOAD64: {
        const value = read64(plainAddress(p));
        if (faulted) return fault(p, base, first);
        store<u64>(reg(p), value);
        break;
      }
      case OP_LOAD32: {
        const value = read32(plainAddress(p));
        if (faulted) return fault(p, base, first);
        store<u64>(reg(p), value);
        break;
      }
      case OP_STORE64: {
        write64(plainAddress(p), load<u64>(reg(p)));
        if (faulted) return fault(p, base, first);
        break;
      }
      case OP_STORE32: {
        write32(plainAddress(p), <u64>load<u32>(reg(p)));
        if (faulted) return fault(p, base, first);
        break;
      }
      case OP_ALU_RR64: {
        const kind = sub(p);
        const rm = rmSlot(p);
        const r = aluInline(kind, 8, load<u64>(rm), load<u64>(reg(p)));
        if (kind != ALU_CMP) store<u64>(rm, r);
        p += ENTRY_SIZE;
        continue;
      }
      case OP_ALU_RR32: {
        const kind = sub(p);
        const rm = rmSlot(p);
        const r = aluInline(kind, 4, <u64>load<u32>(rm), <u64>load<u32>(reg(p)));
        if (kind != ALU_CMP) store<u64>(rm, r);
        p += ENTRY_SIZE;
        continue;
      }
      case OP_ALU_RI64: {
        const kind = sub(p);
        const rm = rmSlot(p);
        const r = aluInline(kind, 8, load<u64>(rm), imm(p));
        if (kind != ALU_CMP) store<u64>(rm, r);
        p += ENTRY_SIZE;
        continue;
      }
      case OP_ALU_RI32: {
        const kind = sub(p);
        const rm = rmSlot(p);
        const r = aluInline(kind, 4, <u64>load<u32>(rm), imm(p));
        if (kind != ALU_CMP) store<u64>(rm, r);
        p += ENTRY_SIZE;
        continue;
      }
      case OP_ALU_RM64: {
        const kind = sub(p);
        const b = read64(plainAddress(p));
        if (faulted) return fault(p, base, first);
        const r = aluInline(kind, 8, load<u64>(reg(p)), b);
        if (kind != ALU_CMP) store<u64>(reg(p), r);
        break;
      }
      case OP_ALU_RM32: {
        const kind = sub(p);
        const b = read32(plainAddress(p));
        if (faulted) return fault(p, base, first);
        const r = aluInline(kind, 4, <u64>load<u32>(reg(p)), b);
        if (kind != ALU_CMP) store<u64>(reg(p), r);
        break;
      }
      case OP_TEST_RR64: setResultFlags(8, load<u64>(rmSlot(p)) & load<u64>(reg(p)), 0); p += ENTRY_SIZE; continue;
      case OP_TEST_RR32: {
        setResultFlags(4, <u64>(load<u32>(rmSlot(p)) & load<u32>(reg(p))), 0);
        p += ENTRY_SIZE;
        continue;
      }
      case OP_TEST_RI64: setResultFlags(8, load<u64>(rmSlot(p)) & imm(p), 0); p += ENTRY_SIZE; continue;
      case OP_TEST_RI32: setResultFlags(4, <u64>load<u32>(rmSlot(p)) & imm(p), 0); p += ENTRY_SIZE; continue;
      case OP_INC64: { const rm = rmSlot(p); store<u64>(rm, increment(8, load<u64>(rm))); p += ENTRY_SIZE; continue; }
      case OP_INC32: { const rm = rmSlot(p); store<u64>(rm, increment(4, <u64>load<u32>(rm))); p += ENTRY_SIZE; continue; }
      case OP_DEC64: { const rm = rmSlot(p); store<u64>(rm, decrement(8, load<u64>(rm))); p += ENTRY_SIZE; continue; }
      case OP_DEC32: { const rm = rmSlot(p); store<u64>(rm, decrement(4, <u64>load<u32>(rm))); p += ENTRY_SIZE; continue; }
      case OP_ALU_MI64: {
        const kind = sub(p);
        const address = plainAddress(p);
        const a = read64(address);
        if (faulted) return fault(p, base, first);
        if (kind == ALU_CMP) {
          const b = imm(p);
          setLazy(LAZY_SUB, 8, a - b, a, b);
          break;
        }
        saveFlags();
        write64(address, alu(kind, 8, a, imm(p)));
        if (faulted) { restoreFlags(); return fault(p, base, first); }
        break;
      }
      case OP_ALU_MI32: {
        const kind = sub(p);
        const address = plainAddress(p);
        const a = read32(address);
        if (faulted) return fault(p, base, first);
        if (kind == ALU_CMP) {
          const b = imm(p);
          setLazy(LAZY_SUB, 4, (a - b) & 0xffff_ffff, a, b);
          break;
        }
        saveFlags();
        write32(address, alu(kind, 4, a, imm(p)));
        if (faulted) { restoreFlags(); return fault(p, base, first); }
        break;
      }
      case OP_PUSH64: {
        const value = load<u64>(rmSlot(p));
        const sp = load<u64>(RSP) - 8;
        write64(sp, value);
        if (faulted) return fault(p, base, first);
        store<u64>(RSP, sp);
        break;
      }
      case OP_POP64: {
        const sp = load<u64>(RSP);
        const value = read64(sp);
        if (faulted) return fault(p, base, first);
        store<u64>(RSP, sp + 8);
        store<u64>(rmSlot(p), value); // after rsp: pop rsp loads the popped value
        break;
      }

      // ---- the same, fused with the jcc after them (run alone when the jcc is not to run now) ----
      case OP_ALU_RR64_JCC: {
        const kind = sub(p);
        const rm = rmSlot(p);
        const a = load<u64>(rm);
        const b = load<u64>(reg(p));
        const r = aluInline(kind, 8, a, b);
        if (kind != ALU_CMP) store<u64>(rm, r);
        p += ENTRY_SIZE;
        if (p >= end) continue;
        const taken = aluCondition(kind, 8, sub(p), a, b, r);
        target = taken ? imm(p) : load<u64>(p, E_NEXT);
        link = taken ? 0 : 1;
        jumped = true;
        break;
      }
      case OP_ALU_RR32_JCC: {
        const kind = sub(p);
        const rm = rmSlot(p);
        const a = <u64>load<u32>(rm);
        const b = <u64>load<u32>(reg(p));
        const r = aluInline(kind, 4, a, b);
        if (kind != ALU_CMP) store<u64>(rm, r);
        p += ENTRY_SIZE;
        if (p >= end) continue;
        const taken = aluCondition(kind, 4, sub(p), a, b, r);
        target = taken ? imm(p) : load<u64>(p, E_NEXT);
        link = taken ? 0 : 1;
        jumped = true;
        break;
      }
      case OP_ALU_RI64_JCC: {
        const kind = sub(p);
        const rm = rmSlot(p);
        const a = load<u64>(rm);
        const b = imm(p);
        const r = aluInline(kind, 8, a, b);
        if (kind != ALU_CMP) store<u64>(rm, r);
        p += ENTRY_SIZE;
        if (p >= end) continue;
        const taken = aluCondition(kind, 8, sub(p), a, b, r);
        target = taken ? imm(p) : load<u64>(p, E_NEXT);
        link = taken ? 0 : 1;
        jumped = true;
        break;
      }
      case OP_ALU_RI32_JCC: {
        const kind = sub(p);
        const rm = rmSlot(p);
        const a = <u64>load<u32>(rm);
        const b = imm(p);
        const r = aluInline(kind, 4, a, b);
        if (kind != ALU_CMP) store<u64>(rm, r);
        p += ENTRY_SIZE;
        if (p >= end) continue;
        const taken = aluCondition(kind, 4, sub(p), a, b, r);
        target = taken ? imm(p) : load<u64>(p, E_NEXT);
        link = taken ? 0 : 1;
        jumped = true;
        break;
      }
      case OP_TEST_RR64_JCC: case OP_TEST_RI64_JCC: {
        const r = load<u64>(rmSlot(p)) & (<i32>load<u16>(p) == OP_TEST_RR64_JCC ? load<u64>(reg(p)) : imm(p));
        setResultFlags(8, r, 0);
        p += ENTRY_SIZE;
        if (p >= end) continue;
        const taken = logicCondition(8, sub(p), r);
        target = taken ? imm(p) : load<u64>(p, E_NEXT);
        link = taken ? 0 : 1;
        jumped = true;
        break;
      }
      case OP_TEST_RR32_JCC: case OP_TEST_RI32_JCC: {
        const r = <u64>load<u32>(rmSlot(p)) & (<i32>load<u16>(p) == OP_TEST_RR32_JCC ? <u64>load<u32>(reg(p)) : imm(p));
        setResultFlags(4, r, 0);
        p += ENTRY_SIZE;
        if (p >= end) continue;
        const taken = logicCondition(4, sub(p), r);
        target = taken ? imm(p) : load<u64>(p, E_NEXT);
        link = taken ? 0 : 1;
        jumped = true;
        break;
      }
      case OP_DEC64_JCC: {
        const rm = rmSlot(p);
        const a = load<u64>(rm);
        const r = decrement(8, a);
        store<u64>(rm, r);
        p += ENTRY_SIZE;
        if (p >= end) continue;
        const taken = decrementCondition(8, sub(p), a, r);
        target = taken ? imm(p) : load<u64>(p, E_NEXT);
        link = taken ? 0 : 1;
        jumped = true;
        break;
      }
      case OP_DEC32_JCC: {
        const rm = rmSlot(p);
        const a = <u64>load<u32>(rm);
        const r = decrement(4, a);
        store<u64>(rm, r);
        p += ENTRY_SIZE;
        if (p >= end) continue;
        const taken = decrementCondition(4, sub(p), a, r);
        target = taken ? imm(p) : load<u64>(p, E_NEXT);
        link = taken ? 0 : 1;
        jumped = true;
        break;
      }

      // ---- moves ----
      case OP_MOV_RR: {
        const size = sizeOf(p);
        writeReg(reg(p), size, readReg(rmSlot(p), size));
        break;
      }
      case OP_LOAD: {
        const size = sizeOf(p);
        const value = readSized(addressOf(p), size);
        if (faulted) return fault(p, base, first);
        writeReg(reg(p), size, value);
        break;
      }
      case OP_STORE: {
        const size = sizeOf(p);
        writeSized(addressOf(p), size, readReg(reg(p), size));
        if (faulted) return fault(p, base, first);
        break;
      }
      case OP_MOV_RI: writeReg(rmSlot(p), sizeOf(p), imm(p)); break;
      case OP_STORE_I: {
        writeSized(addressOf(p), sizeOf(p), imm(p));
        if (faulted) return fault(p, base, first);
        break;
      }
      case OP_MOVZX: {
        const value = readRm(p, <u32>load<u8>(p, E_SIZE2));
        if (faulted) return fault(p, base, first);
        writeReg(reg(p), sizeOf(p), value);
        break;
      }
      case OP_MOVSX: {
        const from = <u32>load<u8>(p, E_SIZE2);
        const value = readRm(p, from);
        if (faulted) return fault(p, base, first);
        writeReg(reg(p), sizeOf(p), <u64>signExtend(value, from));
        break;
      }
      case OP_LEA: writeReg(reg(p), sizeOf(p), offsetOf(p)); break;
      case OP_XCHG: {
        const size = sizeOf(p);
        const rm = rmSlot(p);
        const a = readReg(reg(p), size);
        if (rm != 0) {
          const b = readReg(rm, size);
          writeReg(rm, size, a);
          writeReg(reg(p), size, b);
        } else {
          const address = addressOf(p);
          const b = readSized(address, size);
          if (faulted) return fault(p, base, first);
          writeSized(address, size, a);
          if (faulted) return fault(p, base, first);
          writeReg(reg(p), size, b);
        }
        break;
      }
      case OP_CBW: {
        const size = sizeOf(p);
        const half = size >> 1;
        writeReg(RAX, size, <u64>signExtend(readReg(RAX, half), half));
        break;
      }
      case OP_CWD: {
        const size = sizeOf(p);
        const negative = (readReg(RAX, size) >> ((<u64>size << 3) - 1)) != 0;
        writeReg(RDX, size, negative ? 0xffff_ffff_ffff_ffff : 0);
        break;
      }
      case OP_BSWAP: {
        const rm = rmSlot(p);
        // A 16-bit bswap is undefined; the emulated CPU swaps the low 32 bits, as here.
        if (sizeOf(p) == 8) store<u64>(rm, bswap<u64>(load<u64>(rm)));
        else store<u64>(rm, <u64>bswap<u32>(load<u32>(rm)));
        break;
      }
      case OP_XLAT: {
        const value = readSized(load<u64>(RBX) + <u64>load<u8>(RAX) + load<u64>(<usize>load<u16>(p, E_SEGMENT)), 1);
        if (faulted) return fault(p, base, first);
        store<u8>(RAX, <u8>value);
        break;
      }

      // ---- arithmetic and logic ----
      case OP_ALU_RR: {
        const size = sizeOf(p);
        const kind = sub(p);
        const rm = rmSlot(p);
        const r = alu(kind, size, readReg(rm, size), readReg(reg(p), size));
        if (kind != ALU_CMP) writeReg(rm, size, r);
        break;
      }
      case OP_ALU_RI: {
        const size = sizeOf(p);
        const kind = sub(p);
        const rm = rmSlot(p);
        const r = alu(kind, size, readReg(rm, size), imm(p) & sizeMask(size));
        if (kind != ALU_CMP) writeReg(rm, size, r);
        break;
      }
      case OP_ALU_R_RM: {
        const size = sizeOf(p);
        const kind = sub(p);
        const b = readRm(p, size);
        if (faulted) return fault(p, base, first);
        const r = alu(kind, size, readReg(reg(p), size), b);
        if (kind != ALU_CMP) writeReg(reg(p), size, r);
        break;
      }
      case OP_ALU_MR: case OP_ALU_MI: {
        const size = sizeOf(p);
        const kind = sub(p);
        const address = addressOf(p);
        const a = readSized(address, size);
        if (faulted) return fault(p, base, first);
        const b = <i32>load<u16>(p) == OP_ALU_MR ? readReg(reg(p), size) : imm(p) & sizeMask(size);
        saveFlags();
        const r = alu(kind, size, a, b);
        if (kind != ALU_CMP) {
          writeSized(address, size, r);
          if (faulted) { restoreFlags(); return fault(p, base, first); }
        }
        break;
      }
      case OP_TEST_R: case OP_TEST_I: {
        const size = sizeOf(p);
        const a = readRm(p, size);
        if (faulted) return fault(p, base, first);
        const b = <i32>load<u16>(p) == OP_TEST_R ? readReg(reg(p), size) : imm(p) & sizeMask(size);
        setResultFlags(size, a & b, 0);
        break;
      }
      case OP_INC: case OP_DEC: case OP_NOT: case OP_NEG: {
        const size = sizeOf(p);
        const op = <i32>load<u16>(p);
        const rm = rmSlot(p);
        if (rm != 0) {
          const a = readReg(rm, size);
          writeReg(rm, size, op == OP_INC ? increment(size, a) : op == OP_DEC ? decrement(size, a)
            : op == OP_NOT ? ~a : negate(size, a));
          break;
        }
        const address = addressOf(p);
        const a = readSized(address, size);
        if (faulted) return fault(p, base, first);
        saveFlags();
        const r = op == OP_INC ? increment(size, a) : op == OP_DEC ? decrement(size, a)
          : op == OP_NOT ? ~a & sizeMask(size) : negate(size, a);
        writeSized(address, size, r);
        if (faulted) { restoreFlags(); return fault(p, base, first); }
        break;
      }

      // ---- shifts and rotates ----
      case OP_SHIFT: {
        const size = sizeOf(p);
        const count = (load<u8>(p, E_FLAGS) & F_COUNT_CL) != 0 ? <u32>load<u8>(RCX) : <u32>imm(p);
        const rm = rmSlot(p);
        if (rm != 0) {
          writeReg(rm, size, shift(sub(p), size, readReg(rm, size), count));
          break;
        }
        const address = addressOf(p);
        const a = readSized(address, size);
        if (faulted) return fault(p, base, first);
        saveFlags();
        writeSized(address, size, shift(sub(p), size, a, count));
        if (faulted) { restoreFlags(); return fault(p, base, first); }
        break;
      }
      case OP_SHIFT_DOUBLE: {
        const size = sizeOf(p);
        const count = (load<u8>(p, E_FLAGS) & F_COUNT_CL) != 0 ? <u32>load<u8>(RCX) : <u32>load<u64>(p, E_IMM2);
        const b = readReg(reg(p), size);
        const rm = rmSlot(p);
        if (rm != 0) {
          writeReg(rm, size, shiftDouble(sub(p) == 0, size, readReg(rm, size), b, count));
          break;
        }
        const address = addressOf(p);
        const a = readSized(address, size);
        if (faulted) return fault(p, base, first);
        saveFlags();
        writeSized(address, size, shiftDouble(sub(p) == 0, size, a, b, count));
        if (faulted) { restoreFlags(); return fault(p, base, first); }
        break;
      }

      // ---- multiply and divide ----
      case OP_MUL: case OP_IMUL1: {
        const size = sizeOf(p);
        const b = readRm(p, size);
        if (faulted) return fault(p, base, first);
        multiplyAccumulator(size, b, <i32>load<u16>(p) == OP_IMUL1);
        break;
      }
      case OP_DIV: case OP_IDIV: {
        const size = sizeOf(p);
        const divisor = readRm(p, size);
        if (faulted) return fault(p, base, first);
        const ok = <i32>load<u16>(p) == OP_DIV ? divideUnsigned(size, divisor) : divideSigned(size, divisor);
        if (!ok) return exception(p, base, first, VECTOR_DIVIDE_ERROR);
        break;
      }
      case OP_IMUL_R_RM: case OP_IMUL_R_RM_I: {
        const size = sizeOf(p);
        const b = readRm(p, size);
        if (faulted) return fault(p, base, first);
        const a = <i32>load<u16>(p) == OP_IMUL_R_RM ? readReg(reg(p), size) : imm(p) & sizeMask(size);
        writeReg(reg(p), size, multiplySigned(size, a, b));
        break;
      }

      // ---- bits ----
      case OP_BT_R: case OP_BT_I: {
        if (!bitTest(p)) return fault(p, base, first);
        break;
      }
      case OP_BSF: case OP_BSR: case OP_TZCNT: case OP_LZCNT: case OP_POPCNT: {
        const size = sizeOf(p);
        const value = readRm(p, size);
        if (faulted) return fault(p, base, first);
        bitCount(<i32>load<u16>(p), size, reg(p), value);
        break;
      }

      // ---- conditions ----
      case OP_CMOV: {
        const size = sizeOf(p);
        const value = readRm(p, size);
        if (faulted) return fault(p, base, first);
        // A 32-bit cmov clears the upper half of the destination whether or not it moves.
        writeReg(reg(p), size, condition(sub(p)) ? value : readReg(reg(p), size));
        break;
      }
      case OP_SETCC: {
        const value: u64 = condition(sub(p)) ? 1 : 0;
        const rm = rmSlot(p);
        if (rm != 0) store<u8>(rm, <u8>value);
        else {
          writeSized(addressOf(p), 1, value);
          if (faulted) return fault(p, base, first);
        }
        break;
      }
      // ---- branches: the last entry of their block; the chaining after the switch follows them ----
      case OP_JCC: {
        const taken = condition(sub(p));
        target = taken ? imm(p) : load<u64>(p, E_NEXT);
        link = taken ? 0 : 1;
        jumped = true;
        break;
      }
      case OP_LOOP: {
        const size = sizeOf(p);
        const kind = sub(p);
        let count = readReg(RCX, size);
        let taken: bool;
        if (kind == 3) {
          taken = count == 0; // jrcxz
        } else {
          count = (count - 1) & sizeMask(size);
          writeReg(RCX, size, count);
          taken = count != 0;
          if (kind == 0) taken = taken && !condition(4); // loopne
          else if (kind == 1) taken = taken && condition(4); // loope
        }
        target = taken ? imm(p) : load<u64>(p, E_NEXT);
        link = taken ? 0 : 1;
        jumped = true;
        break;
      }
      case OP_JMP: target = imm(p); jumped = true; break;
      case OP_JMP_RM: {
        target = readRm(p, 8);
        if (faulted) return fault(p, base, first);
        if (enforceBranchTargets) return indirectBranch(p, base, first, target);
        jumped = true;
        break;
      }
      case OP_CALL: case OP_CALL_RM: {
        let destination = imm(p);
        if (<i32>load<u16>(p) == OP_CALL_RM) {
          destination = readRm(p, 8);
          if (faulted) return fault(p, base, first);
        }
        const sp = load<u64>(RSP) - 8;
        write64(sp, load<u64>(p, E_NEXT));
        if (faulted) return fault(p, base, first);
        store<u64>(RSP, sp);
        target = destination;
        if (enforceBranchTargets && <i32>load<u16>(p) == OP_CALL_RM) return indirectBranch(p, base, first, target);
        jumped = true;
        break;
      }
      case OP_RET: {
        const sp = load<u64>(RSP);
        const destination = read64(sp);
        if (faulted) return fault(p, base, first);
        store<u64>(RSP, sp + 8 + imm(p));
        target = destination;
        jumped = true;
        break;
      }

      // ---- stack ----
      case OP_PUSH_RM: case OP_PUSH_I: case OP_PUSHF: {
        const size = sizeOf(p);
        const op = <i32>load<u16>(p);
        let value: u64;
        if (op == OP_PUSH_I) value = imm(p);
        else if (op == OP_PUSHF) value = materializeFlags() & ~(<u64>0x3_0000); // RF and VM read as 0
        else {
          value = readRm(p, size);
          if (faulted) return fault(p, base, first);
        }
        const sp = load<u64>(RSP) - <u64>size;
        writeSized(sp, size, value);
        if (faulted) return fault(p, base, first);
        store<u64>(RSP, sp);
        break;
      }
      case OP_POP_RM: case OP_POPF: {
        const size = sizeOf(p);
        const sp = load<u64>(RSP);
        const value = readSized(sp, size);
        if (faulted) return fault(p, base, first);
        if (<i32>load<u16>(p) == OP_POPF) {
          store<u64>(RSP, sp + <u64>size);
          const old = materializeFlags();
          const writable = size == 8 ? POPF_WRITABLE : POPF_WRITABLE & 0xffff;
          store<u64>(RFLAGS, (old & ~writable) | (value & writable) | FLAGS_FIXED);
          break;
        }
        const rm = rmSlot(p);
        store<u64>(RSP, sp + <u64>size);
        if (rm != 0) {
          writeReg(rm, size, value);
        } else {
          // The destination address is computed with rsp already incremented.
          writeSized(addressOf(p), size, value);
          if (faulted) {
            store<u64>(RSP, sp);
            return fault(p, base, first);
          }
        }
        break;
      }
      case OP_LEAVE: {
        const frame = load<u64>(RBP);
        const saved = read64(frame);
        if (faulted) return fault(p, base, first);
        store<u64>(RSP, frame + 8);
        store<u64>(RBP, saved);
        break;
      }
      case OP_ENTER: {
        if (!enter(imm(p), <u32>load<u64>(p, E_IMM2))) return fault(p, base, first);
        break;
      }
      case OP_FLAG: {
        switch (sub(p)) {
          case 0: setFlagBits(CF, 0); break; // clc
          case 1: setFlagBits(CF, CF); break; // stc
          case 2: setFlagBits(CF, ~materializeFlags()); break; // cmc
          case 3: store<u64>(RFLAGS, load<u64>(RFLAGS) & ~DF); break; // cld
          case 4: store<u64>(RFLAGS, load<u64>(RFLAGS) | DF); break; // std
          case 5: store<u8>(RAX + 1, <u8>((materializeFlags() & 0xd5) | FLAGS_FIXED)); break; // lahf
          default: setFlagBits(ARITHMETIC_FLAGS & 0xff, <u64>load<u8>(RAX + 1)); break; // sahf
        }
        break;
      }

      // ---- strings ----
      case OP_STRING: {
        const status = stringStep(p);
        if (status == STRING_FAULT) return fault(p, base, first);
        if (status == STRING_AGAIN) {
          // One iteration is one instruction, as the emulated CPU counts them: come back to it.
          if (!pcOverridden) store<u64>(RIP, instructionAddress(p));
          return stopAfter(p, base, first, RUN_EXIT);
        }
        break;
      }

      // ---- atomics ----
      case OP_CMPXCHG: {
        if (!compareExchange(p)) return fault(p, base, first);
        break;
      }
      case OP_XADD: {
        const size = sizeOf(p);
        const rm = rmSlot(p);
        const source = readReg(reg(p), size);
        if (rm != 0) {
          const a = readReg(rm, size);
          const sum = alu(0, size, a, source);
          writeReg(reg(p), size, a);
          writeReg(rm, size, sum);
          break;
        }
        const address = addressOf(p);
        const a = readSized(address, size);
        if (faulted) return fault(p, base, first);
        saveFlags();
        writeSized(address, size, alu(0, size, a, source));
        if (faulted) { restoreFlags(); return fault(p, base, first); }
        writeReg(reg(p), size, a);
        break;
      }
      case OP_CMPXCHG_DOUBLE: {
        const address = addressOf(p);
        if ((load<u8>(p, E_FLAGS) & F_ALIGNED) != 0 && (address & 15) != 0) {
          return exception(p, base, first, VECTOR_GENERAL_PROTECTION);
        }
        if (!compareExchangeDouble(sizeOf(p), address)) return fault(p, base, first);
        break;
      }

      // ---- exceptions and system ----
      case OP_SYSCALL: {
        // The system-call hooks see rip on the instruction; the host then moves it past.
        syscallLength = <u32>load<u8>(p, E_LENGTH);
        setInterrupt(X64_SYSCALL_INTERRUPT);
        store<u64>(RIP, instructionAddress(p));
        return stopAfter(p, base, first, RUN_INTERRUPT);
      }
      case OP_INT: {
        setInterrupt(<i32>imm(p));
        store<u64>(RIP, load<u64>(p, E_NEXT));
        return stopAfter(p, base, first, RUN_INTERRUPT);
      }
      case OP_HLT: {
        store<u64>(RIP, load<u64>(p, E_NEXT));
        return stopAfter(p, base, first, STOP_HALTED);
      }
      case OP_INVALID: {
        raiseFault(UC_ERR_INSN_INVALID, instructionAddress(p));
        return stopBefore(p, base, first, RUN_FAULT);
      }

      // ---- SSE ----
      case OP_SSE: {
        let address: u64 = 0;
        if (rmSlot(p) == 0 || load<u8>(p, E_SUB) == SSE_MASKMOVDQU) {
          address = addressOf(p);
          if ((load<u8>(p, E_FLAGS) & F_ALIGNED) != 0 && (address & 15) != 0) {
            return exception(p, base, first, VECTOR_GENERAL_PROTECTION);
          }
        }
        if (!executeSse(p, address)) return fault(p, base, first);
        break;
      }

      default: { // OP_UNSUPPORTED
        unsupportedLength = <u32>load<u8>(p, E_LENGTH);
        setUnsupported(load<u64>(p, E_BYTES), instructionAddress(p));
        return stopBefore(p, base, first, RUN_UNSUPPORTED);
      }
    }
    if (!jumped) {
      if (exitBlock) return exitAfter(p, base, first);
      p += ENTRY_SIZE;
      continue;
    }
    // A branch completed. Go on into the target's block if it is decoded and may run now.
    chained += indexOf(p, base) + 1 - first;
    if (exitBlock) {
      // A hook during the branch's stack access stopped the run or moved rip.
      if (!pcOverridden) store<u64>(RIP, target);
      setExecuted(chained);
      return RUN_EXIT;
    }
    if (target == load<u64>(block, BLOCK_PC)) {
      // A loop within one block, which is running unhooked: only the budget and the end address can
      // stop it going round again.
      const count = <u32>((end - base) >> ENTRY_SHIFT);
      if (compiledTierUsable()) {
        // A loop the compiled tier runs, or has run long enough to be compiled: leave it to the run loop.
        const compiled = load<i32>(block, BLOCK_COMPILED);
        if (compiled == 0) noteLoopInstructions(block, count);
        if (compiled > 0 || (compiled == 0 && loopWantsCompiled(block))) {
          store<u64>(RIP, target);
          setExecuted(chained);
          return RUN_OK;
        }
      }
      if (count <= chainBudget && chainUntil - target >= <u64>load<u32>(block, BLOCK_BYTES)) {
        setChainBudget(chainBudget - count);
        p = base;
        first = 0;
        link = 0;
        continue;
      }
    }
    const next = chainTarget(block, target, link);
    if (next == 0) {
      store<u64>(RIP, target);
      setExecuted(chained);
      return RUN_OK;
    }
    block = next;
    base = <usize>load<u32>(next, BLOCK_ENTRIES);
    p = base;
    end = base + (<usize>load<u32>(next, BLOCK_COUNT) << ENTRY_SHIFT);
    first = 0;
    link = 0;
  }
  store<u64>(RIP, load<u64>(end - ENTRY_SIZE, E_NEXT));
  setExecuted(chained + <u32>((end - base) >> ENTRY_SHIFT) - first);
  return RUN_OK;
}

// ---- bodies of the longer instructions ----

/** mul / imul with one operand: rdx:rax (ax for bytes) = accumulator * b. */
function multiplyAccumulator(size: u32, b: u64, signed: bool): void {
  const a = readReg(RAX, size);
  let low: u64;
  let high: u64;
  let overflow: bool;
  if (size == 8) {
    low = a * b;
    high = signed ? multiplyHighSigned(a, b) : multiplyHighUnsigned(a, b);
    overflow = signed ? high != <u64>(<i64>low >> 63) : high != 0;
  } else {
    const bits = <u64>size << 3;
    const product = signed ? <u64>(signExtend(a, size) * signExtend(b, size)) : a * b;
    low = product & sizeMask(size);
    high = (product >> bits) & sizeMask(size);
    overflow = signed ? <u64>signExtend(low, size) != product : high != 0;
  }
  if (size == 1) store<u16>(RAX, <u16>(low | (high << 8)));
  else {
    writeReg(RAX, size, low);
    writeReg(RDX, size, high);
  }
  // ZF, SF and PF (undefined) follow the low half, as the emulated CPU computes them.
  setResultFlags(size, low, overflow ? CF | 0x800 : 0);
}

/** imul with two or three operands: the truncated product; CF = OF = it lost significant bits. */
function multiplySigned(size: u32, a: u64, b: u64): u64 {
  let low: u64;
  let overflow: bool;
  if (size == 8) {
    low = a * b;
    overflow = multiplyHighSigned(a, b) != <u64>(<i64>low >> 63);
  } else {
    const product = signExtend(a, size) * signExtend(b, size);
    low = <u64>product & sizeMask(size);
    overflow = signExtend(low, size) != product;
  }
  setResultFlags(size, low, overflow ? CF | 0x800 : 0);
  return low;
}

/** div: false for a divide error (zero divisor or a quotient that does not fit). Flags are kept. */
function divideUnsigned(size: u32, divisor: u64): bool {
  if (divisor == 0) return false;
  if (size == 8) {
    const high = load<u64>(RDX);
    if (high >= divisor) return false;
    const quotient = divideUnsigned128(high, load<u64>(RAX), divisor);
    store<u64>(RAX, quotient);
    store<u64>(RDX, lastRemainder());
    return true;
  }
  const bits = <u64>size << 3;
  const dividend = size == 1 ? <u64>load<u16>(RAX) : (readReg(RDX, size) << bits) | readReg(RAX, size);
  const quotient = dividend / divisor;
  const remainder = dividend % divisor;
  if (quotient > sizeMask(size)) return false;
  if (size == 1) store<u16>(RAX, <u16>(quotient | (remainder << 8)));
  else {
    writeReg(RAX, size, quotient);
    writeReg(RDX, size, remainder);
  }
  return true;
}

/** idiv: false for a divide error. The quotient truncates toward zero; the remainder has the dividend's sign. */
function divideSigned(size: u32, divisor: u64): bool {
  if (divisor == 0) return false;
  const d = signExtend(divisor, size);
  if (size == 8) {
    const high = load<u64>(RDX);
    const low = load<u64>(RAX);
    const negativeDividend = <i64>high < 0;
    // Magnitudes as unsigned 128- and 64-bit numbers.
    let magnitudeHigh = high;
    let magnitudeLow = low;
    if (negativeDividend) {
      magnitudeLow = ~low + 1;
      magnitudeHigh = ~high + (magnitudeLow == 0 ? 1 : 0);
    }
    const magnitudeDivisor = d < 0 ? <u64>(-d) : <u64>d;
    if (magnitudeHigh >= magnitudeDivisor) return false;
    const q = divideUnsigned128(magnitudeHigh, magnitudeLow, magnitudeDivisor);
    const r = lastRemainder();
    const negativeQuotient = negativeDividend != (d < 0);
    if (negativeQuotient ? q > 0x8000_0000_0000_0000 : q > 0x7fff_ffff_ffff_ffff) return false;
    store<u64>(RAX, negativeQuotient ? 0 - q : q);
    store<u64>(RDX, negativeDividend ? 0 - r : r);
    return true;
  }
  const bits = <u64>size << 3;
  const dividend: i64 = size == 1 ? <i64><i16>load<u16>(RAX)
    : size == 2 ? <i64><i32>((readReg(RDX, 2) << 16) | readReg(RAX, 2))
    : <i64>((readReg(RDX, 4) << 32) | readReg(RAX, 4));
  if (dividend == i64.MIN_VALUE && d == -1) return false; // the quotient does not fit (and wasm would trap)
  const quotient = dividend / d;
  const remainder = dividend % d;
  const limit = <i64>1 << <i64>(bits - 1);
  if (quotient >= limit || quotient < -limit) return false;
  if (size == 1) store<u16>(RAX, <u16>((<u64>quotient & 0xff) | ((<u64>remainder & 0xff) << 8)));
  else {
    writeReg(RAX, size, <u64>quotient & sizeMask(size));
    writeReg(RDX, size, <u64>remainder & sizeMask(size));
  }
  return true;
}

/** bt / bts / btr / btc; false after a fault. */
function bitTest(p: usize): bool {
  const size = sizeOf(p);
  const bits = size << 3;
  const kind = sub(p);
  const rm = rmSlot(p);
  let offset: u64;
  let address: u64 = 0;
  if (<i32>load<u16>(p) == OP_BT_I) {
    offset = imm(p) & <u64>(bits - 1);
    if (rm == 0) address = addressOf(p);
  } else {
    const raw = signExtend(readReg(reg(p), size), size);
    offset = <u64>raw & <u64>(bits - 1);
    if (rm == 0) {
      // A register bit offset reaches memory outside the operand, in operand-size steps.
      const shiftBits = <i64>ctz<u32>(size);
      address = addressOf(p) + <u64>((raw >> (3 + shiftBits)) << shiftBits);
    }
  }
  const value = rm != 0 ? readReg(rm, size) : readSized(address, size);
  if (faulted) return false;
  const bit = (value >> offset) & 1;
  if (kind != 0) {
    const mask = <u64>1 << offset;
    const result = kind == 1 ? value | mask : kind == 2 ? value & ~mask : value ^ mask;
    if (rm != 0) writeReg(rm, size, result);
    else {
      writeSized(address, size, result);
      if (faulted) return false;
    }
  }
  setFlagBits(CF, bit);
  return true;
}

/** bsf, bsr, tzcnt, lzcnt, popcnt of `value` into the register at `dst`. */
function bitCount(op: i32, size: u32, dst: usize, value: u64): void {
  const bits = <u64>size << 3;
  switch (op) {
    case OP_BSF: case OP_BSR: {
      // A zero source leaves the destination as it was (written back, so 32-bit clears the top).
      const result = value == 0 ? readReg(dst, size) : op == OP_BSF ? ctz<u64>(value) : 63 - clz<u64>(value);
      writeReg(dst, size, result);
      setResultFlags(size, value, 0); // ZF = source is zero; the rest as the emulated CPU leaves them
      break;
    }
    case OP_TZCNT: case OP_LZCNT: {
      const result = value == 0 ? bits : op == OP_TZCNT ? ctz<u64>(value) : clz<u64>(value) - (64 - bits);
      writeReg(dst, size, result);
      setFlagBits(ARITHMETIC_FLAGS, (value == 0 ? CF : 0) | (result == 0 ? ZF : 0));
      break;
    }
    default: { // popcnt
      writeReg(dst, size, popcnt<u64>(value));
      setFlagBits(ARITHMETIC_FLAGS, value == 0 ? ZF : 0);
    }
  }
}

/**
 * cmpxchg as the manual defines it: on a match the destination takes the source and the
 * accumulator is not written; otherwise the accumulator takes the destination, and a register
 * destination is not written (memory is written back with its own value). Flags as cmp.
 */
function compareExchange(p: usize): bool {
  const size = sizeOf(p);
  const rm = rmSlot(p);
  const accumulator = readReg(RAX, size);
  const source = readReg(reg(p), size);
  let address: u64 = 0;
  const old = rm != 0 ? readReg(rm, size) : readSized(address = addressOf(p), size);
  if (faulted) return false;
  const equal = old == accumulator;
  // The manual's operation: DEST := SRC on a match, else DEST := TEMP (written back: a 32-bit
  // register is zero-extended either way) and accumulator := TEMP.
  if (rm == 0) {
    writeSized(address, size, equal ? source : old);
    if (faulted) return false;
  } else {
    writeReg(rm, size, equal ? source : old);
  }
  if (!equal) writeReg(RAX, size, old);
  setLazy(LAZY_SUB, size, (accumulator - old) & sizeMask(size), accumulator, old);
  return true;
}

/** cmpxchg8b / cmpxchg16b (size = half width): compares edx:eax / rdx:rax with memory. */
function compareExchangeDouble(size: u32, address: u64): bool {
  let matched: bool;
  if (size == 4) {
    const old = read64(address);
    if (faulted) return false;
    const expected = (readReg(RDX, 4) << 32) | readReg(RAX, 4);
    matched = old == expected;
    write64(address, matched ? (readReg(gprSlot(1), 4) << 32) | readReg(RBX, 4) : old);
    if (faulted) return false;
    if (!matched) {
      writeReg(RAX, 4, old & 0xffff_ffff);
      writeReg(RDX, 4, old >> 32);
    }
  } else {
    const low = read64(address);
    if (faulted) return false;
    const high = read64(address + 8);
    if (faulted) return false;
    matched = low == load<u64>(RAX) && high == load<u64>(RDX);
    write64(address, matched ? load<u64>(RBX) : low);
    if (faulted) return false;
    write64(address + 8, matched ? load<u64>(RCX) : high);
    if (faulted) return false;
    if (!matched) {
      store<u64>(RAX, low);
      store<u64>(RDX, high);
    }
  }
  setFlagBits(ZF, matched ? ZF : 0);
  return true;
}

/** enter: pushes rbp, copies `level - 1` outer frame pointers, makes the frame; false after a fault. */
function enter(frameSize: u64, level: u32): bool {
  let sp = load<u64>(RSP) - 8;
  write64(sp, load<u64>(RBP));
  if (faulted) return false;
  const frame = sp;
  if (level > 0) {
    let outer = load<u64>(RBP);
    for (let i: u32 = 1; i < level; i++) {
      outer -= 8;
      const pointer = read64(outer);
      if (faulted) return false;
      sp -= 8;
      write64(sp, pointer);
      if (faulted) return false;
    }
    sp -= 8;
    write64(sp, frame);
    if (faulted) return false;
  }
  store<u64>(RBP, frame);
  store<u64>(RSP, sp - frameSize);
  return true;
}

const STRING_DONE: i32 = 0;
const STRING_AGAIN: i32 = 1;
const STRING_FAULT: i32 = 2;

/** One iteration of a string instruction (none when a rep count is already zero). */
function stringStep(p: usize): i32 {
  const size = sizeOf(p);
  const kind = sub(p);
  const flags = load<u8>(p, E_FLAGS);
  const repeated = (flags & (F_REP | F_REPNE)) != 0;
  if (repeated && load<u64>(RCX) == 0) return STRING_DONE;
  const step: u64 = (load<u64>(RFLAGS) & DF) != 0 ? 0 - <u64>size : <u64>size;
  const sourceBase = load<u64>(<usize>load<u16>(p, E_SEGMENT));
  const rsi = load<u64>(RSI);
  const rdi = load<u64>(RDI);
  switch (kind) {
    case 0: { // movs
      const value = readSized(rsi + sourceBase, size);
      if (faulted) return STRING_FAULT;
      writeSized(rdi, size, value);
      if (faulted) return STRING_FAULT;
      store<u64>(RSI, rsi + step);
      store<u64>(RDI, rdi + step);
      break;
    }
    case 1: { // cmps: flags of [rsi] - [rdi]
      const a = readSized(rsi + sourceBase, size);
      if (faulted) return STRING_FAULT;
      const b = readSized(rdi, size);
      if (faulted) return STRING_FAULT;
      setLazy(LAZY_SUB, size, (a - b) & sizeMask(size), a, b);
      store<u64>(RSI, rsi + step);
      store<u64>(RDI, rdi + step);
      break;
    }
    case 2: { // stos
      writeSized(rdi, size, readReg(RAX, size));
      if (faulted) return STRING_FAULT;
      store<u64>(RDI, rdi + step);
      break;
    }
    case 3: { // lods
      const value = readSized(rsi + sourceBase, size);
      if (faulted) return STRING_FAULT;
      writeReg(RAX, size, value);
      store<u64>(RSI, rsi + step);
      break;
    }
    default: { // scas: flags of accumulator - [rdi]
      const a = readReg(RAX, size);
      const b = readSized(rdi, size);
      if (faulted) return STRING_FAULT;
      setLazy(LAZY_SUB, size, (a - b) & sizeMask(size), a, b);
      store<u64>(RDI, rdi + step);
      break;
    }
  }
  if (!repeated) return STRING_DONE;
  const remaining = load<u64>(RCX) - 1;
  store<u64>(RCX, remaining);
  if (remaining == 0) return STRING_DONE;
  if (kind == 1 || kind == 4) {
    const equal = condition(4);
    if ((flags & F_REP) != 0 ? !equal : equal) return STRING_DONE;
  }
  return STRING_AGAIN;
}
