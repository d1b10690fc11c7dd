// The AArch64 interpreter: runs decoded entries of one block. Every case reads its operands from the
// entry (register slot addresses, resolved immediates), so the common instructions are a handful of
// loads and stores. Memory instructions check for a fault before writing any register, and leave the
// block after the instruction when a host callback or a code write asked for it.
import { BLOCK_COUNT, BLOCK_ENTRIES, chainBudget, chainTarget, chainUntil, setChainBudget } from '../block-cache';
import { read16, read32, read64, read8, readSized, write16, write32, write64, write8, writeSized } from '../memory';
import { exitBlock, faulted, pcOverridden, setExecuted, setInterrupt, setUnsupported } from '../status';
import { ARM64_SVC_INTERRUPT, RUN_EXIT, RUN_FAULT, RUN_INTERRUPT, RUN_OK, RUN_UNSUPPORTED } from '../interface';
import { multiplyHighSigned, multiplyHighUnsigned } from '../wide-multiply';
import { enforceBranchTargets, noteIndirectBranch } from '../branch-targets';
import {
  E_A, E_B, E_IMM, E_IMM2, E_RA, E_RD, E_RM, E_RN, E_WORD, ENTRY_SHIFT, ENTRY_SIZE, MEM_LD16, MEM_LD32, MEM_LD64,
  MEM_LD8, MEM_LDS16_W, MEM_LDS16_X, MEM_LDS32, MEM_LDS8_W, MEM_LDS8_X, MEM_ST16, MEM_ST32, MEM_ST64, MEM_ST8,
  MEM_VLD128, MEM_VLD16, MEM_VLD32, MEM_VLD64, MEM_VLD8, MEM_VST128, MEM_VST16, MEM_VST32, MEM_VST64, MEM_VST8,
  MODE_POST, MODE_PRE, MODE_REGISTER, OP_ADC_W, OP_ADC_X, OP_ADCS_W, OP_ADCS_X, OP_ADD_IMM_W, OP_ADD_IMM_X,
  OP_ADD_REG_W, OP_ADD_REG_X, OP_ADDS_IMM_W, OP_ADDS_IMM_X, OP_ADDS_REG_W, OP_ADDS_REG_X, OP_AND_IMM, OP_AND_W,
  OP_AND_X, OP_ANDS_IMM_W, OP_ANDS_IMM_X, OP_ANDS_W, OP_ANDS_X, OP_ASR_IMM_W, OP_ASR_IMM_X, OP_ASRV_W, OP_ASRV_X,
  OP_B, OP_B_COND, OP_BFM_W, OP_BFM_X, OP_BIC_W, OP_BIC_X, OP_BICS_W, OP_BICS_X, OP_BL, OP_BLR, OP_BR, OP_BRK,
  OP_CBNZ_W, OP_CBNZ_X, OP_CBZ_W, OP_CBZ_X, OP_CCMN_IMM_W, OP_CCMN_IMM_X, OP_CCMN_W, OP_CCMN_X, OP_CCMP_IMM_W,
  OP_CCMP_IMM_X, OP_CCMP_W, OP_CCMP_X, OP_CLREX, OP_CLS_W, OP_CLS_X, OP_CLZ_W, OP_CLZ_X, OP_CRC32, OP_CSEL_W,
  OP_CSEL_X, OP_CSINC_W, OP_CSINC_X, OP_CSINV_W, OP_CSINV_X, OP_CSNEG_W, OP_CSNEG_X, OP_DC_ZVA, OP_EON_W, OP_EON_X,
  OP_EOR_IMM_W, OP_EOR_IMM_X, OP_EOR_W, OP_EOR_X, OP_EXTR_W, OP_EXTR_X, OP_GPR_TO_LANE, OP_GPR_TO_V, OP_LDP_V128,
  OP_LDP_V32, OP_LDP_V64, OP_LDP_W, OP_LDP_X, OP_LDPSW, OP_LDX, OP_LDXP, OP_LSL_IMM_W, OP_LSL_IMM_X, OP_LSLV_W,
  OP_LSLV_X, OP_LSR_IMM_W, OP_LSR_IMM_X, OP_LSRV_W, OP_LSRV_X, OP_MADD_W, OP_MADD_X, OP_MEM_IMM, OP_MEM_INDEXED,
  OP_MOV_W, OP_MOV_X, OP_MOVI, OP_MOVK, OP_MRS, OP_MRS_NZCV, OP_MSR, OP_MSR_NZCV, OP_MSUB_W, OP_MSUB_X, OP_NOP,
  OP_ORN_W, OP_ORN_X, OP_ORR_IMM_W, OP_ORR_IMM_X, OP_ORR_W, OP_ORR_X, OP_RBIT_W, OP_RBIT_X, OP_REV16_W, OP_REV16_X,
  OP_REV32_X, OP_REV_W, OP_REV_X, OP_RORV_W, OP_RORV_X, OP_SBC_W, OP_SBC_X, OP_SBCS_W, OP_SBCS_X, OP_SBFM_W,
  OP_SBFM_X, OP_SDIV_W, OP_SDIV_X, OP_SMADDL, OP_SMSUBL, OP_SMULH, OP_STP_V128, OP_STP_V32, OP_STP_V64, OP_STP_W,
  OP_STP_X, OP_STX, OP_STXP, OP_SUB_REG_W, OP_SUB_REG_X, OP_SUBS_IMM_W, OP_SUBS_IMM_X, OP_SUBS_REG_W, OP_SUBS_REG_X,
  OP_SVC, OP_TBNZ, OP_TBZ, OP_UBFM_W, OP_UBFM_X, OP_UDIV_W, OP_UDIV_X, OP_UMADDL, OP_UMSUBL, OP_UMULH, OP_UNDEFINED,
  OP_UNSUPPORTED, OP_V_ARITH, OP_V_BIC_CONST, OP_V_CONST, OP_V_DUP_GPR, OP_V_DUP_LANE, OP_V_EXT, OP_V_INS_LANE,
  OP_V_LOGIC, OP_V_MOVE, OP_V_ORR_CONST, OP_V_PERMUTE, OP_V_REDUCE, OP_V_SHIFT, OP_V_TO_GPR, OP_V_TO_GPR_SIGNED_W,
  OP_V_TO_GPR_SIGNED_X, OP_V_UNARY, OP_V_NARROW, OP_V_WIDEN, OP_V_LONG, OP_V_PAIRWISE_LONG, OP_V_ELEMENT,
  OP_V_ELEMENT_LONG, OP_V_TABLE, OP_V_STRUCT, STRUCT_WRITEBACK, OP_ADDS_IMM_X_B_COND, OP_ADDS_IMM_W_B_COND,
  OP_SUBS_IMM_X_B_COND, OP_SUBS_IMM_W_B_COND, OP_ADDS_REG_X_B_COND, OP_ADDS_REG_W_B_COND, OP_SUBS_REG_X_B_COND,
  OP_SUBS_REG_W_B_COND, OP_ANDS_IMM_X_B_COND, OP_ANDS_IMM_W_B_COND, OP_ANDS_X_B_COND, OP_ANDS_W_B_COND, conditionMask,
  OP_MEM_IMM_LD16, OP_MEM_IMM_LD32, OP_MEM_IMM_LD64, OP_MEM_IMM_LD8, OP_MEM_IMM_LDS16_W, OP_MEM_IMM_LDS16_X,
  OP_MEM_IMM_LDS32, OP_MEM_IMM_LDS8_W, OP_MEM_IMM_LDS8_X, OP_MEM_IMM_ST16, OP_MEM_IMM_ST32, OP_MEM_IMM_ST64,
  OP_MEM_IMM_ST8, OP_MEM_IMM_VLD128, OP_MEM_IMM_VLD16, OP_MEM_IMM_VLD32, OP_MEM_IMM_VLD64, OP_MEM_IMM_VLD8,
  OP_MEM_IMM_VST128, OP_MEM_IMM_VST16, OP_MEM_IMM_VST32, OP_MEM_IMM_VST64, OP_MEM_IMM_VST8, OP_MEM_INDEXED_LD16,
  OP_MEM_INDEXED_LD32, OP_MEM_INDEXED_LD64, OP_MEM_INDEXED_LD8, OP_MEM_INDEXED_LDS16_W, OP_MEM_INDEXED_LDS16_X,
  OP_MEM_INDEXED_LDS32, OP_MEM_INDEXED_LDS8_W, OP_MEM_INDEXED_LDS8_X, OP_MEM_INDEXED_ST16, OP_MEM_INDEXED_ST32,
  OP_MEM_INDEXED_ST64, OP_MEM_INDEXED_ST8, OP_MEM_INDEXED_VLD128, OP_MEM_INDEXED_VLD16, OP_MEM_INDEXED_VLD32,
  OP_MEM_INDEXED_VLD64, OP_MEM_INDEXED_VLD8, OP_MEM_INDEXED_VST128, OP_MEM_INDEXED_VST16, OP_MEM_INDEXED_VST32,
  OP_MEM_INDEXED_VST64, OP_MEM_INDEXED_VST8,
} from './ops';
import { EXCLUSIVE_ADDRESS, EXCLUSIVE_HIGH, EXCLUSIVE_VALUE, NZCV, PC, V_BASE, xSlot } from './state';
import {
  broadcastLane, readLane, vectorArith, vectorDuplicate, vectorExtract, vectorLogic, vectorLong, vectorNarrow,
  vectorPairwiseLong, vectorPermute, vectorReduce, vectorShift, vectorTable, vectorUnary, vectorWiden, writeLane,
} from './simd-ops';
import { structureAccess } from './simd-memory';
import { loopWantsCompiled, noteLoopInstructions } from '../compiled-blocks';

/** Unicorn's AArch64 exception numbers (svc's, EXCP_SWI, is the host's ARM64_SVC_INTERRUPT). */
const EXCP_UDEF: i32 = 1;
const EXCP_DATA_ABORT: i32 = 4;
const EXCP_BKPT: i32 = 7;

const LINK: usize = xSlot(30);
const NO_EXCLUSIVE: u64 = 0xffff_ffff_ffff_ffff;

// ---- operand access ----

@inline function slot(p: usize, field: usize): usize {
  return <usize>load<u16>(p + field);
}
@inline function get(p: usize, field: usize): u64 {
  return load<u64>(slot(p, field));
}
@inline function getW(p: usize, field: usize): u32 {
  return load<u32>(slot(p, field));
}
@inline function set(p: usize, field: usize, value: u64): void {
  store<u64>(slot(p, field), value);
}
@inline function setW(p: usize, value: u32): void {
  store<u64>(slot(p, E_RD), <u64>value);
}
@inline function immediate(p: usize): u64 {
  return load<u64>(p, E_IMM);
}
@inline function fieldA(p: usize): u32 {
  return <u32>load<u8>(p, E_A);
}
@inline function fieldB(p: usize): u32 {
  return <u32>load<u8>(p, E_B);
}

// ---- flags ----
// NZCV is one u32 (N Z C V in bits 3..0): a flag-setting instruction stores it once, and a
// condition is one bit of a 16-bit mask indexed by it.

@inline function flagsNZ64(r: u64): u32 {
  return (<u32>(r >> 63) << 3) | (<u32>(r == 0) << 2);
}
@inline function flagsNZ32(r: u32): u32 {
  return ((r >> 31) << 3) | (<u32>(r == 0) << 2);
}
@inline function logicFlags64(r: u64): void {
  store<u32>(NZCV, flagsNZ64(r));
}
@inline function logicFlags32(r: u32): void {
  store<u32>(NZCV, flagsNZ32(r));
}
@inline function carryFlag(): u32 {
  return (load<u32>(NZCV) >> 1) & 1;
}

/** NZCV of AddWithCarry for 64 bits (r = a + b + carry). */
@inline function addNZCV64(a: u64, b: u64, carry: u64, r: u64): u32 {
  const c = <u32>(carry != 0 ? r <= a : r < a);
  const v = <u32>(((a ^ r) & (b ^ r)) >> 63);
  return flagsNZ64(r) | (c << 1) | v;
}

/** AddWithCarry for 64 bits, setting NZCV. */
@inline function addFlags64(a: u64, b: u64, carry: u64): u64 {
  const r = a + b + carry;
  store<u32>(NZCV, addNZCV64(a, b, carry, r));
  return r;
}

/** AddWithCarry for 32 bits: the result in the low half, its NZCV in the high half. */
@inline function addWithNZCV32(a: u32, b: u32, carry: u32): u64 {
  const wide = <u64>a + <u64>b + <u64>carry;
  const r = <u32>wide;
  const nzcv = flagsNZ32(r) | (<u32>(wide >> 32) << 1) | (((a ^ r) & (b ^ r)) >> 31);
  return <u64>r | (<u64>nzcv << 32);
}

@inline function addFlags32(a: u32, b: u32, carry: u32): u32 {
  const both = addWithNZCV32(a, b, carry);
  store<u32>(NZCV, <u32>(both >> 32));
  return <u32>both;
}

@inline function setNZCV(nzcv: u32): void {
  store<u32>(NZCV, nzcv);
}

@inline function holds(mask: u32, nzcv: u32): bool {
  return ((mask >> nzcv) & 1) != 0;
}

@inline function conditionHolds(cond: u32): bool {
  return holds(conditionMask(cond), load<u32>(NZCV));
}

// ---- operand 2: shifted or extended register ----

@inline function operand64(p: usize): u64 {
  const value = get(p, E_RM);
  const amount = <u64>fieldB(p);
  switch (fieldA(p)) {
    case 0: return value << amount;
    case 1: return value >> amount;
    case 2: return <u64>(<i64>value >> <i64>amount);
    case 3: return rotr<u64>(value, amount);
    case 4: return (value & 0xff) << amount;
    case 5: return (value & 0xffff) << amount;
    case 6: return (value & 0xffff_ffff) << amount;
    case 8: return <u64>(<i64>(<i8>value)) << amount;
    case 9: return <u64>(<i64>(<i16>value)) << amount;
    case 10: return <u64>(<i64>(<i32>value)) << amount;
    default: return value << amount; // UXTX, SXTX
  }
}

@inline function operand32(p: usize): u32 {
  const value = getW(p, E_RM);
  const amount = fieldB(p);
  switch (fieldA(p)) {
    case 0: return value << amount;
    case 1: return value >> amount;
    case 2: return <u32>(<i32>value >> <i32>amount);
    case 3: return rotr<u32>(value, amount);
    case 4: return (value & 0xff) << amount;
    case 5: return (value & 0xffff) << amount;
    case 8: return <u32>(<i32>(<i8>value)) << amount;
    case 9: return <u32>(<i32>(<i16>value)) << amount;
    default: return value << amount; // UXTW, UXTX, SXTW, SXTX
  }
}

/** Register offset for loads and stores: option in b, shift in imm. */
@inline function indexOffset(p: usize): u64 {
  const value = get(p, E_RM);
  const shift = immediate(p);
  switch (fieldB(p)) {
    case 0b010: return (value & 0xffff_ffff) << shift; // UXTW
    case 0b110: return <u64>(<i64>(<i32>value)) << shift; // SXTW
    default: return value << shift; // LSL (UXTX), SXTX
  }
}

// ---- arithmetic helpers ----

function reverseBits64(x: u64): u64 {
  x = ((x >> 1) & 0x5555_5555_5555_5555) | ((x & 0x5555_5555_5555_5555) << 1);
  x = ((x >> 2) & 0x3333_3333_3333_3333) | ((x & 0x3333_3333_3333_3333) << 2);
  x = ((x >> 4) & 0x0f0f_0f0f_0f0f_0f0f) | ((x & 0x0f0f_0f0f_0f0f_0f0f) << 4);
  return bswap<u64>(x);
}

function crc32(accumulator: u32, value: u64, bytes: u32, castagnoli: bool): u32 {
  const polynomial: u32 = castagnoli ? 0x82f6_3b78 : 0xedb8_8320;
  let crc = accumulator;
  for (let i: u32 = 0; i < bytes; i++) {
    crc ^= <u32>(value >> (<u64>i << 3)) & 0xff;
    for (let j = 0; j < 8; j++) crc = (crc >> 1) ^ (polynomial & (0 - (crc & 1)));
  }
  return crc;
}

// ---- the interpreter ----

/**
 * Runs entries [first, last) of `block`; see arch.ts executeBlock. Once a branch has completed,
 * `first` also counts the instructions run before the current block, negatively (mod 2^32), so
 * that the instructions completed are always the current entry's index - first.
 */
export function executeArm64(block: usize, blockPc: u64, first: u32, last: u32): i32 {
  let base = <usize>load<u32>(block, BLOCK_ENTRIES);
  let p = base + (<usize>first << ENTRY_SHIFT);
  let end = base + (<usize>last << ENTRY_SHIFT);
  // Set by branches: where to, and which successor link of the block remembers it.
  let target: u64 = 0;
  let link: usize = 0;
  // Rounds of a loop within the current block already taken from the chaining budget.
  let rounds: u32 = 0;
  // Rounds taken by the last loopRounds (counted towards compiling the loop once they have run).
  let granted: u32 = 0;
  while (p < end) {
    let jumped = false;
    switch (<i32>load<u16>(p)) {
      case OP_NOP: break;
      case OP_MOVI: set(p, E_RD, immediate(p)); break;
      case OP_MOVK: set(p, E_RD, (get(p, E_RN) & load<u64>(p, E_IMM2)) | immediate(p)); break;
      case OP_MOV_X: set(p, E_RD, get(p, E_RM)); break;
      case OP_MOV_W: setW(p, getW(p, E_RM)); break;

      case OP_ADD_IMM_X: set(p, E_RD, get(p, E_RN) + immediate(p)); break;
      case OP_ADD_IMM_W: setW(p, getW(p, E_RN) + <u32>immediate(p)); break;
      case OP_ADDS_IMM_X: set(p, E_RD, addFlags64(get(p, E_RN), immediate(p), 0)); break;
      case OP_ADDS_IMM_W: setW(p, addFlags32(getW(p, E_RN), <u32>immediate(p), 0)); break;
      case OP_SUBS_IMM_X: set(p, E_RD, addFlags64(get(p, E_RN), ~immediate(p), 1)); break;
      case OP_SUBS_IMM_W: setW(p, addFlags32(getW(p, E_RN), ~<u32>immediate(p), 1)); break;
      case OP_ADD_REG_X: set(p, E_RD, get(p, E_RN) + operand64(p)); break;
      case OP_ADD_REG_W: setW(p, getW(p, E_RN) + operand32(p)); break;
      case OP_ADDS_REG_X: set(p, E_RD, addFlags64(get(p, E_RN), operand64(p), 0)); break;
      case OP_ADDS_REG_W: setW(p, addFlags32(getW(p, E_RN), operand32(p), 0)); break;
      case OP_SUB_REG_X: set(p, E_RD, get(p, E_RN) - operand64(p)); break;
      case OP_SUB_REG_W: setW(p, getW(p, E_RN) - operand32(p)); break;
      case OP_SUBS_REG_X: set(p, E_RD, addFlags64(get(p, E_RN), ~operand64(p), 1)); break;
      case OP_SUBS_REG_W: setW(p, addFlags32(getW(p, E_RN), ~operand32(p), 1)); break;
      case OP_ADC_X: set(p, E_RD, get(p, E_RN) + get(p, E_RM) + <u64>carryFlag()); break;
      case OP_ADC_W: setW(p, getW(p, E_RN) + getW(p, E_RM) + carryFlag()); break;
      case OP_ADCS_X: set(p, E_RD, addFlags64(get(p, E_RN), get(p, E_RM), <u64>carryFlag())); break;
      case OP_ADCS_W: setW(p, addFlags32(getW(p, E_RN), getW(p, E_RM), carryFlag())); break;
      case OP_SBC_X: set(p, E_RD, get(p, E_RN) + ~get(p, E_RM) + <u64>carryFlag()); break;
      case OP_SBC_W: setW(p, getW(p, E_RN) + ~getW(p, E_RM) + carryFlag()); break;
      case OP_SBCS_X: set(p, E_RD, addFlags64(get(p, E_RN), ~get(p, E_RM), <u64>carryFlag())); break;
      case OP_SBCS_W: setW(p, addFlags32(getW(p, E_RN), ~getW(p, E_RM), carryFlag())); break;

      case OP_AND_IMM: set(p, E_RD, get(p, E_RN) & immediate(p)); break;
      case OP_ORR_IMM_X: set(p, E_RD, get(p, E_RN) | immediate(p)); break;
      case OP_ORR_IMM_W: setW(p, getW(p, E_RN) | <u32>immediate(p)); break;
      case OP_EOR_IMM_X: set(p, E_RD, get(p, E_RN) ^ immediate(p)); break;
      case OP_EOR_IMM_W: setW(p, getW(p, E_RN) ^ <u32>immediate(p)); break;
      case OP_ANDS_IMM_X: { const r = get(p, E_RN) & immediate(p); logicFlags64(r); set(p, E_RD, r); break; }
      case OP_ANDS_IMM_W: { const r = getW(p, E_RN) & <u32>immediate(p); logicFlags32(r); setW(p, r); break; }
      case OP_AND_X: set(p, E_RD, get(p, E_RN) & operand64(p)); break;
      case OP_AND_W: setW(p, getW(p, E_RN) & operand32(p)); break;
      case OP_ORR_X: set(p, E_RD, get(p, E_RN) | operand64(p)); break;
      case OP_ORR_W: setW(p, getW(p, E_RN) | operand32(p)); break;
      case OP_EOR_X: set(p, E_RD, get(p, E_RN) ^ operand64(p)); break;
      case OP_EOR_W: setW(p, getW(p, E_RN) ^ operand32(p)); break;
      case OP_ANDS_X: { const r = get(p, E_RN) & operand64(p); logicFlags64(r); set(p, E_RD, r); break; }
      case OP_ANDS_W: { const r = getW(p, E_RN) & operand32(p); logicFlags32(r); setW(p, r); break; }
      case OP_BIC_X: set(p, E_RD, get(p, E_RN) & ~operand64(p)); break;
      case OP_BIC_W: setW(p, getW(p, E_RN) & ~operand32(p)); break;
      case OP_ORN_X: set(p, E_RD, get(p, E_RN) | ~operand64(p)); break;
      case OP_ORN_W: setW(p, getW(p, E_RN) | ~operand32(p)); break;
      case OP_EON_X: set(p, E_RD, get(p, E_RN) ^ ~operand64(p)); break;
      case OP_EON_W: setW(p, getW(p, E_RN) ^ ~operand32(p)); break;
      case OP_BICS_X: { const r = get(p, E_RN) & ~operand64(p); logicFlags64(r); set(p, E_RD, r); break; }
      case OP_BICS_W: { const r = getW(p, E_RN) & ~operand32(p); logicFlags32(r); setW(p, r); break; }

      case OP_LSL_IMM_X: set(p, E_RD, get(p, E_RN) << <u64>fieldB(p)); break;
      case OP_LSL_IMM_W: setW(p, getW(p, E_RN) << fieldB(p)); break;
      case OP_LSR_IMM_X: set(p, E_RD, get(p, E_RN) >> <u64>fieldB(p)); break;
      case OP_LSR_IMM_W: setW(p, getW(p, E_RN) >> fieldB(p)); break;
      case OP_ASR_IMM_X: set(p, E_RD, <u64>(<i64>get(p, E_RN) >> <i64>fieldB(p))); break;
      case OP_ASR_IMM_W: setW(p, <u32>(<i32>getW(p, E_RN) >> <i32>fieldB(p))); break;
      case OP_UBFM_X: {
        set(p, E_RD, rotr<u64>(get(p, E_RN), <u64>fieldA(p)) & immediate(p) & load<u64>(p, E_IMM2));
        break;
      }
      case OP_UBFM_W: {
        setW(p, rotr<u32>(getW(p, E_RN), fieldA(p)) & <u32>immediate(p) & <u32>load<u64>(p, E_IMM2));
        break;
      }
      case OP_SBFM_X: {
        const source = get(p, E_RN);
        const tmask = load<u64>(p, E_IMM2);
        const bottom = rotr<u64>(source, <u64>fieldA(p)) & immediate(p);
        const top: u64 = ((source >> <u64>fieldB(p)) & 1) != 0 ? 0xffff_ffff_ffff_ffff : 0;
        set(p, E_RD, (top & ~tmask) | (bottom & tmask));
        break;
      }
      case OP_SBFM_W: {
        const source = getW(p, E_RN);
        const tmask = <u32>load<u64>(p, E_IMM2);
        const bottom = rotr<u32>(source, fieldA(p)) & <u32>immediate(p);
        const top: u32 = ((source >> fieldB(p)) & 1) != 0 ? 0xffff_ffff : 0;
        setW(p, (top & ~tmask) | (bottom & tmask));
        break;
      }
      case OP_BFM_X: {
        const destination = get(p, E_RA);
        const wmask = immediate(p);
        const tmask = load<u64>(p, E_IMM2);
        const bottom = (destination & ~wmask) | (rotr<u64>(get(p, E_RN), <u64>fieldA(p)) & wmask);
        set(p, E_RD, (destination & ~tmask) | (bottom & tmask));
        break;
      }
      case OP_BFM_W: {
        const destination = getW(p, E_RA);
        const wmask = <u32>immediate(p);
        const tmask = <u32>load<u64>(p, E_IMM2);
        const bottom = (destination & ~wmask) | (rotr<u32>(getW(p, E_RN), fieldA(p)) & wmask);
        setW(p, (destination & ~tmask) | (bottom & tmask));
        break;
      }
      case OP_EXTR_X: {
        const lsb = <u64>fieldB(p);
        const low = get(p, E_RM);
        set(p, E_RD, lsb == 0 ? low : (low >> lsb) | (get(p, E_RN) << (64 - lsb)));
        break;
      }
      case OP_EXTR_W: {
        const lsb = fieldB(p);
        const low = getW(p, E_RM);
        setW(p, lsb == 0 ? low : (low >> lsb) | (getW(p, E_RN) << (32 - lsb)));
        break;
      }

      case OP_LSLV_X: set(p, E_RD, get(p, E_RN) << (get(p, E_RM) & 63)); break;
      case OP_LSLV_W: setW(p, getW(p, E_RN) << (getW(p, E_RM) & 31)); break;
      case OP_LSRV_X: set(p, E_RD, get(p, E_RN) >> (get(p, E_RM) & 63)); break;
      case OP_LSRV_W: setW(p, getW(p, E_RN) >> (getW(p, E_RM) & 31)); break;
      case OP_ASRV_X: set(p, E_RD, <u64>(<i64>get(p, E_RN) >> <i64>(get(p, E_RM) & 63))); break;
      case OP_ASRV_W: setW(p, <u32>(<i32>getW(p, E_RN) >> <i32>(getW(p, E_RM) & 31))); break;
      case OP_RORV_X: set(p, E_RD, rotr<u64>(get(p, E_RN), get(p, E_RM) & 63)); break;
      case OP_RORV_W: setW(p, rotr<u32>(getW(p, E_RN), getW(p, E_RM) & 31)); break;

      case OP_MADD_X: set(p, E_RD, get(p, E_RA) + get(p, E_RN) * get(p, E_RM)); break;
      case OP_MADD_W: setW(p, getW(p, E_RA) + getW(p, E_RN) * getW(p, E_RM)); break;
      case OP_MSUB_X: set(p, E_RD, get(p, E_RA) - get(p, E_RN) * get(p, E_RM)); break;
      case OP_MSUB_W: setW(p, getW(p, E_RA) - getW(p, E_RN) * getW(p, E_RM)); break;
      case OP_SMADDL: {
        const product = <u64>(<i64>(<i32>getW(p, E_RN)) * <i64>(<i32>getW(p, E_RM)));
        set(p, E_RD, get(p, E_RA) + product);
        break;
      }
      case OP_SMSUBL: {
        const product = <u64>(<i64>(<i32>getW(p, E_RN)) * <i64>(<i32>getW(p, E_RM)));
        set(p, E_RD, get(p, E_RA) - product);
        break;
      }
      case OP_UMADDL: set(p, E_RD, get(p, E_RA) + <u64>getW(p, E_RN) * <u64>getW(p, E_RM)); break;
      case OP_UMSUBL: set(p, E_RD, get(p, E_RA) - <u64>getW(p, E_RN) * <u64>getW(p, E_RM)); break;
      case OP_SMULH: set(p, E_RD, multiplyHighSigned(get(p, E_RN), get(p, E_RM))); break;
      case OP_UMULH: set(p, E_RD, multiplyHighUnsigned(get(p, E_RN), get(p, E_RM))); break;
      case OP_UDIV_X: {
        const divisor = get(p, E_RM);
        set(p, E_RD, divisor == 0 ? 0 : get(p, E_RN) / divisor);
        break;
      }
      case OP_UDIV_W: {
        const divisor = getW(p, E_RM);
        setW(p, divisor == 0 ? 0 : getW(p, E_RN) / divisor);
        break;
      }
      case OP_SDIV_X: {
        const divisor = <i64>get(p, E_RM);
        const dividend = <i64>get(p, E_RN);
        let quotient: i64;
        if (divisor == 0) quotient = 0;
        else if (divisor == -1) quotient = 0 - dividend; // also INT64_MIN / -1 = INT64_MIN
        else quotient = dividend / divisor;
        set(p, E_RD, <u64>quotient);
        break;
      }
      case OP_SDIV_W: {
        const divisor = <i32>getW(p, E_RM);
        const dividend = <i32>getW(p, E_RN);
        let quotient: i32;
        if (divisor == 0) quotient = 0;
        else if (divisor == -1) quotient = 0 - dividend;
        else quotient = dividend / divisor;
        setW(p, <u32>quotient);
        break;
      }

      case OP_CLZ_X: set(p, E_RD, clz<u64>(get(p, E_RN))); break;
      case OP_CLZ_W: setW(p, clz<u32>(getW(p, E_RN))); break;
      case OP_CLS_X: { const x = get(p, E_RN); set(p, E_RD, clz<u64>((x ^ (x << 1)) | 1)); break; }
      case OP_CLS_W: { const x = getW(p, E_RN); setW(p, clz<u32>((x ^ (x << 1)) | 1)); break; }
      case OP_RBIT_X: set(p, E_RD, reverseBits64(get(p, E_RN))); break;
      case OP_RBIT_W: setW(p, <u32>(reverseBits64(<u64>getW(p, E_RN)) >> 32)); break;
      case OP_REV16_X: {
        const x = get(p, E_RN);
        set(p, E_RD, ((x >> 8) & 0x00ff_00ff_00ff_00ff) | ((x & 0x00ff_00ff_00ff_00ff) << 8));
        break;
      }
      case OP_REV16_W: {
        const x = getW(p, E_RN);
        setW(p, ((x >> 8) & 0x00ff_00ff) | ((x & 0x00ff_00ff) << 8));
        break;
      }
      case OP_REV32_X: {
        const x = bswap<u64>(get(p, E_RN));
        set(p, E_RD, (x >> 32) | (x << 32));
        break;
      }
      case OP_REV_W: setW(p, bswap<u32>(getW(p, E_RN))); break;
      case OP_REV_X: set(p, E_RD, bswap<u64>(get(p, E_RN))); break;
      case OP_CRC32: setW(p, crc32(getW(p, E_RN), get(p, E_RM), fieldA(p), fieldB(p) != 0)); break;

      case OP_CSEL_X: set(p, E_RD, conditionHolds(fieldA(p)) ? get(p, E_RN) : get(p, E_RM)); break;
      case OP_CSEL_W: setW(p, conditionHolds(fieldA(p)) ? getW(p, E_RN) : getW(p, E_RM)); break;
      case OP_CSINC_X: set(p, E_RD, conditionHolds(fieldA(p)) ? get(p, E_RN) : get(p, E_RM) + 1); break;
      case OP_CSINC_W: setW(p, conditionHolds(fieldA(p)) ? getW(p, E_RN) : getW(p, E_RM) + 1); break;
      case OP_CSINV_X: set(p, E_RD, conditionHolds(fieldA(p)) ? get(p, E_RN) : ~get(p, E_RM)); break;
      case OP_CSINV_W: setW(p, conditionHolds(fieldA(p)) ? getW(p, E_RN) : ~getW(p, E_RM)); break;
      case OP_CSNEG_X: set(p, E_RD, conditionHolds(fieldA(p)) ? get(p, E_RN) : 0 - get(p, E_RM)); break;
      case OP_CSNEG_W: setW(p, conditionHolds(fieldA(p)) ? getW(p, E_RN) : 0 - getW(p, E_RM)); break;
      case OP_CCMP_X: {
        if (conditionHolds(fieldA(p))) addFlags64(get(p, E_RN), ~get(p, E_RM), 1); else setNZCV(fieldB(p));
        break;
      }
      case OP_CCMP_W: {
        if (conditionHolds(fieldA(p))) addFlags32(getW(p, E_RN), ~getW(p, E_RM), 1); else setNZCV(fieldB(p));
        break;
      }
      case OP_CCMN_X: {
        if (conditionHolds(fieldA(p))) addFlags64(get(p, E_RN), get(p, E_RM), 0); else setNZCV(fieldB(p));
        break;
      }
      case OP_CCMN_W: {
        if (conditionHolds(fieldA(p))) addFlags32(getW(p, E_RN), getW(p, E_RM), 0); else setNZCV(fieldB(p));
        break;
      }
      case OP_CCMP_IMM_X: {
        if (conditionHolds(fieldA(p))) addFlags64(get(p, E_RN), ~immediate(p), 1); else setNZCV(fieldB(p));
        break;
      }
      case OP_CCMP_IMM_W: {
        if (conditionHolds(fieldA(p))) addFlags32(getW(p, E_RN), ~<u32>immediate(p), 1); else setNZCV(fieldB(p));
        break;
      }
      case OP_CCMN_IMM_X: {
        if (conditionHolds(fieldA(p))) addFlags64(get(p, E_RN), immediate(p), 0); else setNZCV(fieldB(p));
        break;
      }
      case OP_CCMN_IMM_W: {
        if (conditionHolds(fieldA(p))) addFlags32(getW(p, E_RN), <u32>immediate(p), 0); else setNZCV(fieldB(p));
        break;
      }

      // ---- branches: the last entry of their block; see the chaining after the switch ----
      case OP_B: target = immediate(p); jumped = true; break;
      case OP_BL: {
        store<u64>(LINK, load<u64>(p, E_IMM2));
        target = immediate(p);
        jumped = true;
        break;
      }
      case OP_B_COND: {
        const taken = holds(<u32>load<u16>(p, E_RD), load<u32>(NZCV));
        target = taken ? immediate(p) : load<u64>(p, E_IMM2);
        link = taken ? 0 : 1;
        jumped = true;
        break;
      }
      case OP_CBZ_X: case OP_CBZ_W: case OP_CBNZ_X: case OP_CBNZ_W: {
        const op = <i32>load<u16>(p);
        const value = op == OP_CBZ_X || op == OP_CBNZ_X ? get(p, E_RN) : <u64>getW(p, E_RN);
        const taken = (value == 0) == (op == OP_CBZ_X || op == OP_CBZ_W);
        target = taken ? immediate(p) : load<u64>(p, E_IMM2);
        link = taken ? 0 : 1;
        jumped = true;
        break;
      }
      case OP_TBZ: case OP_TBNZ: {
        const clear = ((get(p, E_RN) >> <u64>fieldB(p)) & 1) == 0;
        const taken = clear == (<i32>load<u16>(p) == OP_TBZ);
        target = taken ? immediate(p) : load<u64>(p, E_IMM2);
        link = taken ? 0 : 1;
        jumped = true;
        break;
      }
      case OP_BR: {
        target = get(p, E_RN);
        if (enforceBranchTargets && fieldA(p) != 0) return indirectBranch(p, base, first, blockPc, target);
        jumped = true;
        break;
      }
      case OP_BLR: {
        target = get(p, E_RN);
        store<u64>(LINK, load<u64>(p, E_IMM2));
        if (enforceBranchTargets) return indirectBranch(p, base, first, blockPc, target);
        jumped = true;
        break;
      }
      // ---- a flag-setting instruction fused with the b.cond after it (ops.ts) ----
      case OP_ADDS_IMM_X_B_COND: {
        const a = get(p, E_RN);
        const b = immediate(p);
        const r = a + b;
        const nzcv = addNZCV64(a, b, 0, r);
        store<u32>(NZCV, nzcv);
        set(p, E_RD, r);
        p += ENTRY_SIZE;
        if (p >= end) continue; // the run stops before the b.cond
        const taken = holds(<u32>load<u16>(p, E_RD), nzcv);
        target = taken ? immediate(p) : load<u64>(p, E_IMM2);
        link = taken ? 0 : 1;
        jumped = true;
        break;
      }
      case OP_ADDS_IMM_W_B_COND: {
        const both = addWithNZCV32(getW(p, E_RN), <u32>immediate(p), 0);
        const nzcv = <u32>(both >> 32);
        store<u32>(NZCV, nzcv);
        setW(p, <u32>both);
        p += ENTRY_SIZE;
        if (p >= end) continue; // the run stops before the b.cond
        const taken = holds(<u32>load<u16>(p, E_RD), nzcv);
        target = taken ? immediate(p) : load<u64>(p, E_IMM2);
        link = taken ? 0 : 1;
        jumped = true;
        break;
      }
      case OP_SUBS_IMM_X_B_COND: {
        const a = get(p, E_RN);
        const b = ~immediate(p);
        const r = a + b + 1;
        const nzcv = addNZCV64(a, b, 1, r);
        store<u32>(NZCV, nzcv);
        set(p, E_RD, r);
        p += ENTRY_SIZE;
        if (p >= end) continue; // the run stops before the b.cond
        const taken = holds(<u32>load<u16>(p, E_RD), nzcv);
        target = taken ? immediate(p) : load<u64>(p, E_IMM2);
        link = taken ? 0 : 1;
        jumped = true;
        break;
      }
      case OP_SUBS_IMM_W_B_COND: {
        const both = addWithNZCV32(getW(p, E_RN), ~<u32>immediate(p), 1);
        const nzcv = <u32>(both >> 32);
        store<u32>(NZCV, nzcv);
        setW(p, <u32>both);
        p += ENTRY_SIZE;
        if (p >= end) continue; // the run stops before the b.cond
        const taken = holds(<u32>load<u16>(p, E_RD), nzcv);
        target = taken ? immediate(p) : load<u64>(p, E_IMM2);
        link = taken ? 0 : 1;
        jumped = true;
        break;
      }
      case OP_ADDS_REG_X_B_COND: {
        const a = get(p, E_RN);
        const b = operand64(p);
        const r = a + b;
        const nzcv = addNZCV64(a, b, 0, r);
        store<u32>(NZCV, nzcv);
        set(p, E_RD, r);
        p += ENTRY_SIZE;
        if (p >= end) continue; // the run stops before the b.cond
        const taken = holds(<u32>load<u16>(p, E_RD), nzcv);
        target = taken ? immediate(p) : load<u64>(p, E_IMM2);
        link = taken ? 0 : 1;
        jumped = true;
        break;
      }
      case OP_ADDS_REG_W_B_COND: {
        const both = addWithNZCV32(getW(p, E_RN), operand32(p), 0);
        const nzcv = <u32>(both >> 32);
        store<u32>(NZCV, nzcv);
        setW(p, <u32>both);
        p += ENTRY_SIZE;
        if (p >= end) continue; // the run stops before the b.cond
        const taken = holds(<u32>load<u16>(p, E_RD), nzcv);
        target = taken ? immediate(p) : load<u64>(p, E_IMM2);
        link = taken ? 0 : 1;
        jumped = true;
        break;
      }
      case OP_SUBS_REG_X_B_COND: {
        const a = get(p, E_RN);
        const b = ~operand64(p);
        const r = a + b + 1;
        const nzcv = addNZCV64(a, b, 1, r);
        store<u32>(NZCV, nzcv);
        set(p, E_RD, r);
        p += ENTRY_SIZE;
        if (p >= end) continue; // the run stops before the b.cond
        const taken = holds(<u32>load<u16>(p, E_RD), nzcv);
        target = taken ? immediate(p) : load<u64>(p, E_IMM2);
        link = taken ? 0 : 1;
        jumped = true;
        break;
      }
      case OP_SUBS_REG_W_B_COND: {
        const both = addWithNZCV32(getW(p, E_RN), ~operand32(p), 1);
        const nzcv = <u32>(both >> 32);
        store<u32>(NZCV, nzcv);
        setW(p, <u32>both);
        p += ENTRY_SIZE;
        if (p >= end) continue; // the run stops before the b.cond
        const taken = holds(<u32>load<u16>(p, E_RD), nzcv);
        target = taken ? immediate(p) : load<u64>(p, E_IMM2);
        link = taken ? 0 : 1;
        jumped = true;
        break;
      }
      case OP_ANDS_IMM_X_B_COND: {
        const r = get(p, E_RN) & immediate(p);
        const nzcv = flagsNZ64(r);
        store<u32>(NZCV, nzcv);
        set(p, E_RD, r);
        p += ENTRY_SIZE;
        if (p >= end) continue; // the run stops before the b.cond
        const taken = holds(<u32>load<u16>(p, E_RD), nzcv);
        target = taken ? immediate(p) : load<u64>(p, E_IMM2);
        link = taken ? 0 : 1;
        jumped = true;
        break;
      }
      case OP_ANDS_IMM_W_B_COND: {
        const r = getW(p, E_RN) & <u32>immediate(p);
        const nzcv = flagsNZ32(r);
        store<u32>(NZCV, nzcv);
        setW(p, r);
        p += ENTRY_SIZE;
        if (p >= end) continue; // the run stops before the b.cond
        const taken = holds(<u32>load<u16>(p, E_RD), nzcv);
        target = taken ? immediate(p) : load<u64>(p, E_IMM2);
        link = taken ? 0 : 1;
        jumped = true;
        break;
      }
      case OP_ANDS_X_B_COND: {
        const r = get(p, E_RN) & operand64(p);
        const nzcv = flagsNZ64(r);
        store<u32>(NZCV, nzcv);
        set(p, E_RD, r);
        p += ENTRY_SIZE;
        if (p >= end) continue; // the run stops before the b.cond
        const taken = holds(<u32>load<u16>(p, E_RD), nzcv);
        target = taken ? immediate(p) : load<u64>(p, E_IMM2);
        link = taken ? 0 : 1;
        jumped = true;
        break;
      }
      case OP_ANDS_W_B_COND: {
        const r = getW(p, E_RN) & operand32(p);
        const nzcv = flagsNZ32(r);
        store<u32>(NZCV, nzcv);
        setW(p, r);
        p += ENTRY_SIZE;
        if (p >= end) continue; // the run stops before the b.cond
        const taken = holds(<u32>load<u16>(p, E_RD), nzcv);
        target = taken ? immediate(p) : load<u64>(p, E_IMM2);
        link = taken ? 0 : 1;
        jumped = true;
        break;
      }

      case OP_SVC: {
        // Unicorn reports svc with pc already past it.
        setInterrupt(ARM64_SVC_INTERRUPT);
        branch(p, base, first, pcOf(p, base, blockPc) + 4);
        return RUN_INTERRUPT;
      }
      case OP_BRK: return exception(p, base, first, blockPc, EXCP_BKPT);
      case OP_UNDEFINED: return exception(p, base, first, blockPc, EXCP_UDEF);
      case OP_UNSUPPORTED: {
        const pc = pcOf(p, base, blockPc);
        setUnsupported(<u64>load<u32>(p, E_WORD), pc);
        return stopAt(p, base, first, pc, RUN_UNSUPPORTED);
      }

      // ---- system ----
      case OP_MRS_NZCV: {
        set(p, E_RD, <u64>load<u32>(NZCV) << 28);
        break;
      }
      case OP_MSR_NZCV: setNZCV(<u32>(get(p, E_RN) >> 28) & 0xf); break;
      case OP_MRS: set(p, E_RD, load<u64>(<usize>immediate(p))); break;
      case OP_MSR: store<u64>(<usize>immediate(p), get(p, E_RN) & load<u64>(p, E_IMM2)); break;
      case OP_CLREX: store<u64>(EXCLUSIVE_ADDRESS, NO_EXCLUSIVE); break;
      case OP_DC_ZVA: {
        const address = get(p, E_RN) & ~<u64>63;
        for (let i: u64 = 0; i < 64; i += 8) {
          write64(address + i, 0);
          if (faulted) return fault(p, base, first, blockPc);
        }
        if (exitBlock) return exitAfter(p, base, first, blockPc);
        break;
      }

      // ---- loads and stores, base + immediate (or a literal address) ----
      case OP_MEM_IMM_LD64: {
        const value = read64(get(p, E_RN) + immediate(p));
        if (faulted) return fault(p, base, first, blockPc);
        set(p, E_RD, value);
        if (exitBlock) return exitAfter(p, base, first, blockPc);
        break;
      }
      case OP_MEM_IMM_LD32: {
        const value = read32(get(p, E_RN) + immediate(p));
        if (faulted) return fault(p, base, first, blockPc);
        set(p, E_RD, value);
        if (exitBlock) return exitAfter(p, base, first, blockPc);
        break;
      }
      case OP_MEM_IMM_LD8: {
        const value = read8(get(p, E_RN) + immediate(p));
        if (faulted) return fault(p, base, first, blockPc);
        set(p, E_RD, value);
        if (exitBlock) return exitAfter(p, base, first, blockPc);
        break;
      }
      case OP_MEM_IMM_ST64: {
        write64(get(p, E_RN) + immediate(p), get(p, E_RD));
        if (faulted) return fault(p, base, first, blockPc);
        if (exitBlock) return exitAfter(p, base, first, blockPc);
        break;
      }
      case OP_MEM_IMM_ST32: {
        write32(get(p, E_RN) + immediate(p), get(p, E_RD));
        if (faulted) return fault(p, base, first, blockPc);
        if (exitBlock) return exitAfter(p, base, first, blockPc);
        break;
      }
      case OP_MEM_IMM_ST8: {
        write8(get(p, E_RN) + immediate(p), get(p, E_RD));
        if (faulted) return fault(p, base, first, blockPc);
        if (exitBlock) return exitAfter(p, base, first, blockPc);
        break;
      }
      case OP_MEM_IMM_LD16: case OP_MEM_IMM_LDS8_X: case OP_MEM_IMM_LDS8_W:
      case OP_MEM_IMM_LDS16_X: case OP_MEM_IMM_LDS16_W: case OP_MEM_IMM_LDS32:
      case OP_MEM_IMM_ST16:
      case OP_MEM_IMM_VLD8: case OP_MEM_IMM_VLD16: case OP_MEM_IMM_VLD32:
      case OP_MEM_IMM_VLD64: case OP_MEM_IMM_VLD128:
      case OP_MEM_IMM_VST8: case OP_MEM_IMM_VST16: case OP_MEM_IMM_VST32:
      case OP_MEM_IMM_VST64: case OP_MEM_IMM_VST128: {
        const kind = <i32>load<u16>(p) - OP_MEM_IMM;
        if (!access(p, kind, get(p, E_RN) + immediate(p))) return fault(p, base, first, blockPc);
        if (exitBlock) return exitAfter(p, base, first, blockPc);
        break;
      }

      // ---- loads and stores with pre/post-index or a register offset ----
      case OP_MEM_INDEXED_LD64: case OP_MEM_INDEXED_LD32: case OP_MEM_INDEXED_LD16:
      case OP_MEM_INDEXED_LD8: case OP_MEM_INDEXED_LDS8_X: case OP_MEM_INDEXED_LDS8_W:
      case OP_MEM_INDEXED_LDS16_X: case OP_MEM_INDEXED_LDS16_W: case OP_MEM_INDEXED_LDS32:
      case OP_MEM_INDEXED_ST64: case OP_MEM_INDEXED_ST32: case OP_MEM_INDEXED_ST16:
      case OP_MEM_INDEXED_ST8:
      case OP_MEM_INDEXED_VLD8: case OP_MEM_INDEXED_VLD16: case OP_MEM_INDEXED_VLD32:
      case OP_MEM_INDEXED_VLD64: case OP_MEM_INDEXED_VLD128:
      case OP_MEM_INDEXED_VST8: case OP_MEM_INDEXED_VST16: case OP_MEM_INDEXED_VST32:
      case OP_MEM_INDEXED_VST64: case OP_MEM_INDEXED_VST128: {
        const kind = <i32>load<u16>(p) - OP_MEM_INDEXED;
        const mode = <u8>fieldA(p);
        const baseValue = get(p, E_RN);
        const address = mode == MODE_POST ? baseValue
          : mode == MODE_PRE ? baseValue + immediate(p) : baseValue + indexOffset(p);
        if (!access(p, kind, address)) return fault(p, base, first, blockPc);
        if (mode == MODE_PRE) set(p, E_RN, address);
        else if (mode == MODE_POST) set(p, E_RN, baseValue + immediate(p));
        if (exitBlock) return exitAfter(p, base, first, blockPc);
        break;
      }

      // ---- pairs ----
      case OP_LDP_X: case OP_LDP_W: case OP_LDPSW: case OP_STP_X: case OP_STP_W:
      case OP_LDP_V32: case OP_LDP_V64: case OP_LDP_V128: case OP_STP_V32: case OP_STP_V64: case OP_STP_V128: {
        const mode = <u8>fieldA(p);
        const baseValue = get(p, E_RN);
        const address = mode == MODE_POST ? baseValue : baseValue + immediate(p);
        if (!accessPair(p, <i32>load<u16>(p), address)) return fault(p, base, first, blockPc);
        if (mode == MODE_PRE) set(p, E_RN, address);
        else if (mode == MODE_POST) set(p, E_RN, baseValue + immediate(p));
        if (exitBlock) return exitAfter(p, base, first, blockPc);
        break;
      }

      // ---- exclusives ----
      case OP_LDX: {
        const size = fieldA(p);
        const address = get(p, E_RN);
        if ((address & <u64>(size - 1)) != 0) return exception(p, base, first, blockPc, EXCP_DATA_ABORT);
        const value = readSized(address, size);
        if (faulted) return fault(p, base, first, blockPc);
        store<u64>(EXCLUSIVE_ADDRESS, address);
        store<u64>(EXCLUSIVE_VALUE, value);
        set(p, E_RD, value);
        if (exitBlock) return exitAfter(p, base, first, blockPc);
        break;
      }
      case OP_LDXP: {
        const size = fieldA(p);
        const address = get(p, E_RN);
        if ((address & <u64>(2 * size - 1)) != 0) return exception(p, base, first, blockPc, EXCP_DATA_ABORT);
        if (size == 4) {
          const value = read64(address);
          if (faulted) return fault(p, base, first, blockPc);
          store<u64>(EXCLUSIVE_VALUE, value);
          set(p, E_RD, value & 0xffff_ffff);
          set(p, E_RA, value >> 32);
        } else {
          const low = read64(address);
          if (faulted) return fault(p, base, first, blockPc);
          const high = read64(address + 8);
          if (faulted) return fault(p, base, first, blockPc);
          store<u64>(EXCLUSIVE_VALUE, low);
          store<u64>(EXCLUSIVE_HIGH, high);
          set(p, E_RD, low);
          set(p, E_RA, high);
        }
        store<u64>(EXCLUSIVE_ADDRESS, address);
        if (exitBlock) return exitAfter(p, base, first, blockPc);
        break;
      }
      case OP_STX: case OP_STXP: {
        const status = storeExclusive(p);
        if (status < 0) {
          if (status == -2) return exception(p, base, first, blockPc, EXCP_DATA_ABORT);
          return fault(p, base, first, blockPc);
        }
        store<u64>(EXCLUSIVE_ADDRESS, NO_EXCLUSIVE);
        set(p, E_RM, <u64>status);
        if (exitBlock) return exitAfter(p, base, first, blockPc);
        break;
      }

      // ---- SIMD and floating-point moves ----
      case OP_V_TO_GPR: set(p, E_RD, readLane(slot(p, E_RN), fieldA(p), fieldB(p))); break;
      case OP_V_TO_GPR_SIGNED_X: {
        const bytes = fieldA(p);
        const value = readLane(slot(p, E_RN), bytes, fieldB(p));
        const shift = <u64>(64 - (bytes << 3));
        set(p, E_RD, <u64>((<i64>(value << shift)) >> shift));
        break;
      }
      case OP_V_TO_GPR_SIGNED_W: {
        const bytes = fieldA(p);
        const value = readLane(slot(p, E_RN), bytes, fieldB(p));
        const shift = <u64>(64 - (bytes << 3));
        set(p, E_RD, <u64>(<u32>((<i64>(value << shift)) >> shift)));
        break;
      }
      case OP_GPR_TO_V: {
        const v = slot(p, E_RD);
        const value = get(p, E_RN);
        store<u64>(v, fieldA(p) == 4 ? value & 0xffff_ffff : value);
        store<u64>(v, 0, 8);
        break;
      }
      case OP_GPR_TO_LANE: writeLane(slot(p, E_RD), fieldA(p), fieldB(p), get(p, E_RN)); break;
      case OP_V_MOVE: {
        const value = load<u64>(slot(p, E_RN));
        const v = slot(p, E_RD);
        store<u64>(v, fieldA(p) == 4 ? value & 0xffff_ffff : value);
        store<u64>(v, 0, 8);
        break;
      }
      case OP_V_CONST: {
        const v = slot(p, E_RD);
        store<u64>(v, immediate(p));
        store<u64>(v, load<u64>(p, E_IMM2), 8);
        break;
      }
      case OP_V_ORR_CONST: {
        const v = slot(p, E_RD);
        store<u64>(v, load<u64>(v) | immediate(p));
        store<u64>(v, fieldA(p) == 16 ? load<u64>(v, 8) | load<u64>(p, E_IMM2) : 0, 8);
        break;
      }
      case OP_V_BIC_CONST: {
        const v = slot(p, E_RD);
        store<u64>(v, load<u64>(v) & ~immediate(p));
        store<u64>(v, fieldA(p) == 16 ? load<u64>(v, 8) & ~load<u64>(p, E_IMM2) : 0, 8);
        break;
      }
      case OP_V_DUP_GPR: vectorDuplicate(slot(p, E_RD), get(p, E_RN), fieldA(p), fieldB(p)); break;
      case OP_V_DUP_LANE: {
        const bytes = fieldA(p);
        vectorDuplicate(slot(p, E_RD), readLane(slot(p, E_RN), bytes, <u32>immediate(p)), bytes, fieldB(p));
        break;
      }
      case OP_V_INS_LANE: {
        const bytes = fieldA(p);
        writeLane(slot(p, E_RD), bytes, fieldB(p), readLane(slot(p, E_RN), bytes, <u32>immediate(p)));
        break;
      }
      case OP_V_LOGIC: vectorLogic(slot(p, E_RD), slot(p, E_RN), slot(p, E_RM), <u8>fieldB(p), fieldA(p)); break;
      case OP_V_ARITH: {
        vectorArith(slot(p, E_RD), slot(p, E_RN), slot(p, E_RM), <u8>fieldB(p), fieldA(p), <u32>immediate(p));
        break;
      }
      case OP_V_UNARY: vectorUnary(slot(p, E_RD), slot(p, E_RN), <u8>fieldB(p), fieldA(p), <u32>immediate(p)); break;
      case OP_V_SHIFT: {
        vectorShift(slot(p, E_RD), slot(p, E_RN), <u8>fieldB(p), fieldA(p), <u32>immediate(p),
          <u32>load<u64>(p, E_IMM2));
        break;
      }
      case OP_V_PERMUTE: {
        vectorPermute(slot(p, E_RD), slot(p, E_RN), slot(p, E_RM), <u8>fieldB(p), fieldA(p), <u32>immediate(p));
        break;
      }
      case OP_V_REDUCE: vectorReduce(slot(p, E_RD), slot(p, E_RN), <u8>fieldB(p), fieldA(p), <u32>immediate(p)); break;
      case OP_V_EXT: vectorExtract(slot(p, E_RD), slot(p, E_RN), slot(p, E_RM), <u32>immediate(p), fieldA(p)); break;
      case OP_V_NARROW: {
        vectorNarrow(slot(p, E_RD), slot(p, E_RN), <u8>fieldB(p), fieldA(p), <u32>immediate(p), <u32>load<u64>(p, E_IMM2));
        break;
      }
      case OP_V_WIDEN: {
        vectorWiden(slot(p, E_RD), slot(p, E_RN), <u8>fieldB(p), fieldA(p), <u32>immediate(p), <u32>load<u64>(p, E_IMM2));
        break;
      }
      case OP_V_LONG: {
        vectorLong(slot(p, E_RD), slot(p, E_RN), slot(p, E_RM), <u8>fieldB(p), fieldA(p), <u32>immediate(p));
        break;
      }
      case OP_V_PAIRWISE_LONG: {
        vectorPairwiseLong(slot(p, E_RD), slot(p, E_RN), <u8>fieldB(p), fieldA(p), <u32>immediate(p));
        break;
      }
      case OP_V_ELEMENT: {
        const bytes = fieldA(p);
        const m = broadcastLane(slot(p, E_RM), bytes, <u32>load<u64>(p, E_IMM2));
        vectorArith(slot(p, E_RD), slot(p, E_RN), m, <u8>fieldB(p), bytes, <u32>immediate(p));
        break;
      }
      case OP_V_ELEMENT_LONG: {
        const bytes = fieldA(p);
        const m = broadcastLane(slot(p, E_RM), bytes, <u32>load<u64>(p, E_IMM2));
        vectorLong(slot(p, E_RD), slot(p, E_RN), m, <u8>fieldB(p), bytes, <u32>immediate(p));
        break;
      }
      case OP_V_TABLE: {
        vectorTable(slot(p, E_RD), V_BASE, <u32>load<u16>(p, E_RN), fieldA(p), slot(p, E_RM), fieldB(p) != 0,
          <u32>immediate(p));
        break;
      }
      case OP_V_STRUCT: {
        const baseValue = get(p, E_RN);
        const fields = load<u64>(p, E_IMM2);
        if (!structureAccess(<u32>load<u16>(p, E_RD), baseValue, fields)) return fault(p, base, first, blockPc);
        if ((fields & STRUCT_WRITEBACK) != 0) set(p, E_RN, baseValue + get(p, E_RM) + immediate(p));
        if (exitBlock) return exitAfter(p, base, first, blockPc);
        break;
      }

      default: {
        // A decoder/interpreter mismatch: report it as unsupported rather than guess.
        const pc = pcOf(p, base, blockPc);
        setUnsupported(<u64>load<u32>(p, E_WORD), pc);
        return stopAt(p, base, first, pc, RUN_UNSUPPORTED);
      }
    }
    if (!jumped) {
      p += ENTRY_SIZE;
      continue;
    }
    // A branch completed. Go on into the target's block if it is decoded and may run now.
    first -= indexOf(p, base) + 1;
    if (target == blockPc) {
      // A loop within one block, which is running unhooked: only the budget and the end address
      // can stop it going round again. The rounds the budget allows are taken from it at once, and
      // what is left of them is given back when the loop ends.
      if (rounds == 0) {
        if (granted != 0) {
          noteLoopInstructions(block, granted * <u32>((end - base) >> ENTRY_SHIFT));
          granted = 0;
        }
        // A loop the compiled tier runs, or is about to compile: leave it to the run loop.
        if (loopWantsCompiled(block)) {
          store<u64>(PC, target);
          setExecuted(0 - first);
          return RUN_OK;
        }
        rounds = loopRounds(<u32>((end - base) >> ENTRY_SHIFT), target);
        granted = rounds;
      }
      if (rounds != 0) {
        rounds--;
        p = base;
        continue;
      }
    } else if (granted != 0) {
      // The loop ended: the rounds it went are counted towards compiling it, the rest given back.
      noteLoopInstructions(block, (granted - rounds) * <u32>((end - base) >> ENTRY_SHIFT));
      granted = 0;
      setChainBudget(chainBudget + rounds * <u32>((end - base) >> ENTRY_SHIFT));
      rounds = 0;
    }
    const next = chainTarget(block, target, link);
    if (next == 0) {
      store<u64>(PC, target);
      setExecuted(0 - first);
      return RUN_OK;
    }
    block = next;
    blockPc = target;
    base = <usize>load<u32>(next, BLOCK_ENTRIES);
    p = base;
    end = base + (<usize>load<u32>(next, BLOCK_COUNT) << ENTRY_SHIFT);
    link = 0;
  }
  store<u64>(PC, blockPc + <u64>((end - base) >> (ENTRY_SHIFT - 2)));
  setExecuted(<u32>((end - base) >> ENTRY_SHIFT) - first);
  return RUN_OK;
}

/**
 * How many more times a block of `count` instructions at `pc` that branches to itself may run now
 * (the chaining budget allows, and the end address is not in it); takes them from the budget.
 */
@inline function loopRounds(count: u32, pc: u64): u32 {
  if (chainUntil - pc < <u64>(count << 2)) return 0;
  const rounds = chainBudget / count;
  setChainBudget(chainBudget - rounds * count);
  return rounds;
}


// ---- leaving the interpreter ----

@inline function indexOf(p: usize, base: usize): u32 {
  return <u32>((p - base) >> ENTRY_SHIFT);
}

@inline function pcOf(p: usize, base: usize, blockPc: u64): u64 {
  return blockPc + <u64>((p - base) >> (ENTRY_SHIFT - 2));
}

/** The instruction at p moved to `target`; it counts as executed. */
@inline function branch(p: usize, base: usize, first: u32, target: u64): i32 {
  store<u64>(PC, target);
  setExecuted(indexOf(p, base) + 1 - first);
  return RUN_OK;
}

/** A BR or BLR under landing-pad enforcement: leave, so the run loop checks the target first. */
function indirectBranch(p: usize, base: usize, first: u32, blockPc: u64, target: u64): i32 {
  noteIndirectBranch(pcOf(p, base, blockPc), fieldA(p));
  return branch(p, base, first, target);
}

/** Stops before the instruction at p (it did not complete). */
function stopAt(p: usize, base: usize, first: u32, pc: u64, status: i32): i32 {
  store<u64>(PC, pc);
  setExecuted(indexOf(p, base) - first);
  return status;
}

function fault(p: usize, base: usize, first: u32, blockPc: u64): i32 {
  return stopAt(p, base, first, pcOf(p, base, blockPc), RUN_FAULT);
}

/** A synchronous exception taken at the instruction itself (brk, undefined, alignment): pc stays on it. */
function exception(p: usize, base: usize, first: u32, blockPc: u64, number: i32): i32 {
  setInterrupt(number);
  store<u64>(PC, pcOf(p, base, blockPc));
  setExecuted(indexOf(p, base) + 1 - first);
  return RUN_INTERRUPT;
}

/** The instruction at p completed, but something asked to leave the block. */
function exitAfter(p: usize, base: usize, first: u32, blockPc: u64): i32 {
  if (!pcOverridden) store<u64>(PC, pcOf(p, base, blockPc) + 4);
  setExecuted(indexOf(p, base) + 1 - first);
  return RUN_EXIT;
}

// ---- memory access bodies ----

/** One single-register access; false if it faulted (no register changed). */
function access(p: usize, kind: i32, address: u64): bool {
  const target = slot(p, E_RD);
  switch (kind) {
    case MEM_LD64: { const v = read64(address); if (faulted) return false; store<u64>(target, v); return true; }
    case MEM_LD32: { const v = read32(address); if (faulted) return false; store<u64>(target, v); return true; }
    case MEM_LD16: { const v = read16(address); if (faulted) return false; store<u64>(target, v); return true; }
    case MEM_LD8: { const v = read8(address); if (faulted) return false; store<u64>(target, v); return true; }
    case MEM_LDS8_X: {
      const v = read8(address); if (faulted) return false;
      store<u64>(target, <u64>(<i64>(<i8>v))); return true;
    }
    case MEM_LDS8_W: {
      const v = read8(address); if (faulted) return false;
      store<u64>(target, <u64>(<u32>(<i32>(<i8>v)))); return true;
    }
    case MEM_LDS16_X: {
      const v = read16(address); if (faulted) return false;
      store<u64>(target, <u64>(<i64>(<i16>v))); return true;
    }
    case MEM_LDS16_W: {
      const v = read16(address); if (faulted) return false;
      store<u64>(target, <u64>(<u32>(<i32>(<i16>v)))); return true;
    }
    case MEM_LDS32: {
      const v = read32(address); if (faulted) return false;
      store<u64>(target, <u64>(<i64>(<i32>v))); return true;
    }
    case MEM_ST64: write64(address, load<u64>(target)); return !faulted;
    case MEM_ST32: write32(address, load<u64>(target)); return !faulted;
    case MEM_ST16: write16(address, load<u64>(target)); return !faulted;
    case MEM_ST8: write8(address, load<u64>(target)); return !faulted;
    case MEM_VLD8: case MEM_VLD16: case MEM_VLD32: case MEM_VLD64: {
      const v = readSized(address, <u32>1 << <u32>(kind - MEM_VLD8)); if (faulted) return false;
      store<u64>(target, v);
      store<u64>(target, 0, 8);
      return true;
    }
    case MEM_VLD128: {
      const low = read64(address); if (faulted) return false;
      const high = read64(address + 8); if (faulted) return false;
      store<u64>(target, low);
      store<u64>(target, high, 8);
      return true;
    }
    case MEM_VST8: case MEM_VST16: case MEM_VST32: case MEM_VST64: {
      writeSized(address, <u32>1 << <u32>(kind - MEM_VST8), load<u64>(target));
      return !faulted;
    }
    case MEM_VST128: {
      write64(address, load<u64>(target)); if (faulted) return false;
      write64(address + 8, load<u64>(target, 8));
      return !faulted;
    }
  }
  return false;
}

/** A pair access; false if it faulted (registers unchanged; a store may have written its first half). */
function accessPair(p: usize, code: i32, address: u64): bool {
  const first = slot(p, E_RD);
  const second = slot(p, E_RA);
  switch (code) {
    case OP_LDP_X: {
      const a = read64(address); if (faulted) return false;
      const b = read64(address + 8); if (faulted) return false;
      store<u64>(first, a);
      store<u64>(second, b);
      return true;
    }
    case OP_LDP_W: {
      const a = read32(address); if (faulted) return false;
      const b = read32(address + 4); if (faulted) return false;
      store<u64>(first, a);
      store<u64>(second, b);
      return true;
    }
    case OP_LDPSW: {
      const a = read32(address); if (faulted) return false;
      const b = read32(address + 4); if (faulted) return false;
      store<u64>(first, <u64>(<i64>(<i32>a)));
      store<u64>(second, <u64>(<i64>(<i32>b)));
      return true;
    }
    case OP_STP_X: {
      const a = load<u64>(first);
      const b = load<u64>(second);
      write64(address, a); if (faulted) return false;
      write64(address + 8, b);
      return !faulted;
    }
    case OP_STP_W: {
      const a = load<u64>(first);
      const b = load<u64>(second);
      write32(address, a); if (faulted) return false;
      write32(address + 4, b);
      return !faulted;
    }
    case OP_LDP_V32: case OP_LDP_V64: {
      const size: u32 = code == OP_LDP_V32 ? 4 : 8;
      const a = readSized(address, size); if (faulted) return false;
      const b = readSized(address + size, size); if (faulted) return false;
      store<u64>(first, a);
      store<u64>(first, 0, 8);
      store<u64>(second, b);
      store<u64>(second, 0, 8);
      return true;
    }
    case OP_LDP_V128: {
      const a0 = read64(address); if (faulted) return false;
      const a1 = read64(address + 8); if (faulted) return false;
      const b0 = read64(address + 16); if (faulted) return false;
      const b1 = read64(address + 24); if (faulted) return false;
      store<u64>(first, a0);
      store<u64>(first, a1, 8);
      store<u64>(second, b0);
      store<u64>(second, b1, 8);
      return true;
    }
    case OP_STP_V32: case OP_STP_V64: {
      const size: u32 = code == OP_STP_V32 ? 4 : 8;
      const a = load<u64>(first);
      const b = load<u64>(second);
      writeSized(address, size, a); if (faulted) return false;
      writeSized(address + size, size, b);
      return !faulted;
    }
    case OP_STP_V128: {
      const a0 = load<u64>(first);
      const a1 = load<u64>(first, 8);
      const b0 = load<u64>(second);
      const b1 = load<u64>(second, 8);
      write64(address, a0); if (faulted) return false;
      write64(address + 8, a1); if (faulted) return false;
      write64(address + 16, b0); if (faulted) return false;
      write64(address + 24, b1);
      return !faulted;
    }
  }
  return false;
}

/**
 * STXR/STXP as the emulated CPU does them: succeed (0) if the monitor holds this address and memory
 * still holds the value the exclusive load read, else fail (1). A single-register store writes back
 * the old value when the comparison fails (a compare-and-swap always stores). Returns -1 after a
 * fault, -2 for a misaligned address.
 */
function storeExclusive(p: usize): i32 {
  const size = fieldA(p);
  const address = get(p, E_RN);
  const pair = <i32>load<u16>(p) == OP_STXP;
  if (address != load<u64>(EXCLUSIVE_ADDRESS)) return 1;
  const expected = load<u64>(EXCLUSIVE_VALUE);
  if (!pair) {
    if ((address & <u64>(size - 1)) != 0) return -2;
    const old = readSized(address, size);
    if (faulted) return -1;
    const match = old == expected;
    writeSized(address, size, match ? get(p, E_RD) : old);
    if (faulted) return -1;
    return match ? 0 : 1;
  }
  if (size == 4) {
    if ((address & 7) != 0) return -2;
    const old = read64(address);
    if (faulted) return -1;
    const match = old == expected;
    write64(address, match ? (get(p, E_RD) & 0xffff_ffff) | (get(p, E_RA) << 32) : old);
    if (faulted) return -1;
    return match ? 0 : 1;
  }
  const low = read64(address);
  if (faulted) return -1;
  const high = read64(address + 8);
  if (faulted) return -1;
  if (low != expected || high != load<u64>(EXCLUSIVE_HIGH)) return 1;
  write64(address, get(p, E_RD));
  if (faulted) return -1;
  write64(address + 8, get(p, E_RA));
  if (faulted) return -1;
  return 0;
}
