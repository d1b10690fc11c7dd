// A64 decoder: one instruction word into one entry (see ops.ts). Follows the encoding index of the
// Arm Architecture Reference Manual, top-level class first. Words outside the implemented set decode
// to OP_UNSUPPORTED (or OP_UNDEFINED where the emulated Armv8.0 CPU has no such instruction); they
// only stop the run if they are reached.
import {
  ENTRY_SIZE, E_A, E_B, E_IMM, E_IMM2, E_OP, E_RA, E_RD, E_RM, E_RN, E_WORD, MEM_LD16, MEM_LD32, MEM_LD64, MEM_LD8,
  MEM_LDS16_W, MEM_LDS16_X, MEM_LDS32, MEM_LDS8_W, MEM_LDS8_X, MEM_ST16, MEM_ST32, MEM_ST64, MEM_ST8, MEM_VLD128,
  MEM_VLD16, MEM_VLD32, MEM_VLD64, MEM_VLD8, MEM_VST128, MEM_VST16, MEM_VST32, MEM_VST64, MEM_VST8, MODE_OFFSET,
  MODE_POST, MODE_PRE, MODE_REGISTER, OP_ADCS_W, OP_ADCS_X, OP_ADC_W, OP_ADC_X, OP_ADDS_IMM_W, OP_ADDS_IMM_X,
  OP_ADDS_REG_W, OP_ADDS_REG_X, OP_ADD_IMM_W, OP_ADD_IMM_X, OP_ADD_REG_W, OP_ADD_REG_X, OP_ANDS_IMM_W, OP_ANDS_IMM_X,
  OP_ANDS_W, OP_ANDS_X, OP_AND_IMM, OP_AND_W, OP_AND_X, OP_ASRV_W, OP_ASRV_X, OP_ASR_IMM_W, OP_ASR_IMM_X, OP_B,
  OP_BFM_W, OP_BFM_X, OP_BICS_W, OP_BICS_X, OP_BIC_W, OP_BIC_X, OP_BL, OP_BLR, OP_BR, OP_BRK, OP_B_COND, OP_CBNZ_W,
  OP_CBNZ_X, OP_CBZ_W, OP_CBZ_X, OP_CCMN_IMM_W, OP_CCMN_IMM_X, OP_CCMN_W, OP_CCMN_X, OP_CCMP_IMM_W, OP_CCMP_IMM_X,
  OP_CCMP_W, OP_CCMP_X, OP_CLREX, OP_CLS_W, OP_CLS_X, OP_CLZ_W, OP_CLZ_X, OP_CRC32, OP_CSEL_W, OP_CSEL_X, OP_CSINC_W,
  OP_CSINC_X, OP_CSINV_W, OP_CSINV_X, OP_CSNEG_W, OP_CSNEG_X, OP_DC_ZVA, OP_EON_W, OP_EON_X, OP_EOR_IMM_W,
  OP_EOR_IMM_X, OP_EOR_W, OP_EOR_X, OP_EXTR_W, OP_EXTR_X, OP_GPR_TO_LANE, OP_GPR_TO_V, OP_LDPSW, OP_LDP_V128,
  OP_LDP_V32, OP_LDP_V64, OP_LDP_W, OP_LDP_X, OP_LDX, OP_LDXP, OP_LSLV_W, OP_LSLV_X, OP_LSL_IMM_W, OP_LSL_IMM_X,
  OP_LSRV_W, OP_LSRV_X, OP_LSR_IMM_W, OP_LSR_IMM_X, OP_MADD_W, OP_MADD_X, OP_MEM_IMM, OP_MEM_INDEXED, OP_MOVI,
  OP_MOVK, OP_MOV_W, OP_MOV_X, OP_MRS, OP_MRS_NZCV, OP_MSR, OP_MSR_NZCV, OP_MSUB_W, OP_MSUB_X, OP_NOP, OP_ORN_W,
  OP_ORN_X, OP_ORR_IMM_W, OP_ORR_IMM_X, OP_ORR_W, OP_ORR_X, OP_RBIT_W, OP_RBIT_X, OP_REV16_W, OP_REV16_X, OP_REV32_X,
  OP_REV_W, OP_REV_X, OP_RORV_W, OP_RORV_X, OP_SBCS_W, OP_SBCS_X, OP_SBC_W, OP_SBC_X, OP_SBFM_W, OP_SBFM_X, OP_SDIV_W,
  OP_SDIV_X, OP_SMADDL, OP_SMSUBL, OP_SMULH, OP_STP_V128, OP_STP_V32, OP_STP_V64, OP_STP_W, OP_STP_X, OP_STX, OP_STXP,
  OP_SUBS_IMM_W, OP_SUBS_IMM_X, OP_SUBS_REG_W, OP_SUBS_REG_X, OP_SUB_REG_W, OP_SUB_REG_X, OP_SVC, OP_TBNZ, OP_TBZ,
  OP_UBFM_W, OP_UBFM_X, OP_UDIV_W, OP_UDIV_X, OP_UMADDL, OP_UMSUBL, OP_UMULH, OP_UNDEFINED, OP_UNSUPPORTED,
  OP_V_ARITH, OP_V_BIC_CONST, OP_V_CONST, OP_V_DUP_GPR, OP_V_DUP_LANE, OP_V_ELEMENT, OP_V_ELEMENT_LONG, OP_V_EXT,
  OP_V_INS_LANE, OP_V_LOGIC, OP_V_LONG, OP_V_MOVE, OP_V_NARROW, OP_V_ORR_CONST, OP_V_PAIRWISE_LONG, OP_V_PERMUTE,
  OP_V_REDUCE, OP_V_SHIFT, OP_V_STRUCT, OP_V_TABLE, OP_V_TO_GPR, OP_V_TO_GPR_SIGNED_W, OP_V_TO_GPR_SIGNED_X,
  OP_V_UNARY, OP_V_WIDEN, STRUCT_INDEX_SHIFT, STRUCT_KIND_SHIFT, STRUCT_LANE, STRUCT_LOAD, STRUCT_MULTIPLE, STRUCT_Q,
  STRUCT_REPEAT_SHIFT, STRUCT_REPLICATE, STRUCT_SELEM_SHIFT, STRUCT_SIZE_SHIFT, STRUCT_WRITEBACK, conditionMask,
} from './ops';
import { FPCR, FPSR, SINK_SLOT, SP_SLOT, TPIDR_EL0, ZERO_SLOT, vSlot, xSlot } from './state';
import {
  ARITH_ADD, ARITH_ADDP, ARITH_CMEQ, ARITH_CMGE, ARITH_CMGT, ARITH_CMHI, ARITH_CMHS, ARITH_CMTST, ARITH_MLA,
  ARITH_MLS, ARITH_MUL, ARITH_PMUL, ARITH_SABA, ARITH_SABD, ARITH_SHADD, ARITH_SHSUB, ARITH_SMAX, ARITH_SMAXP,
  ARITH_SMIN, ARITH_SMINP, ARITH_SQADD, ARITH_SQDMULH, ARITH_SQRDMULH, ARITH_SQRSHL, ARITH_SQSHL, ARITH_SQSUB,
  ARITH_SRHADD, ARITH_SRSHL, ARITH_SSHL, ARITH_SUB, ARITH_UABA, ARITH_UABD, ARITH_UHADD, ARITH_UHSUB, ARITH_UMAX,
  ARITH_UMAXP, ARITH_UMIN, ARITH_UMINP, ARITH_UQADD, ARITH_UQRSHL, ARITH_UQSHL, ARITH_UQSUB, ARITH_URHADD,
  ARITH_URSHL, ARITH_USHL, LOGIC_AND, LOGIC_BIC, LOGIC_BIF, LOGIC_BIT, LOGIC_BSL, LOGIC_EOR, LOGIC_ORN, LOGIC_ORR,
  LONG_ADDHN, LONG_PMULL, LONG_RADDHN, LONG_RSUBHN, LONG_SABAL, LONG_SABDL, LONG_SADALP, LONG_SADDL, LONG_SADDLP,
  LONG_SADDW, LONG_SHLL, LONG_SMLAL, LONG_SMLSL, LONG_SMULL, LONG_SQDMLAL, LONG_SQDMLSL, LONG_SQDMULL, LONG_SSUBL,
  LONG_SSUBW, LONG_SUBHN, LONG_UABAL, LONG_UABDL, LONG_UADALP, LONG_UADDL, LONG_UADDLP, LONG_UADDW, LONG_UMLAL,
  LONG_UMLSL, LONG_UMULL, LONG_USUBL, LONG_USUBW, NARROW_RSHRN, NARROW_SHRN, NARROW_SQRSHRN, NARROW_SQRSHRUN,
  NARROW_SQSHRN, NARROW_SQSHRUN, NARROW_SQXTN, NARROW_SQXTUN, NARROW_UQRSHRN, NARROW_UQSHRN, NARROW_UQXTN, NARROW_XTN,
  PART_LOWER, PART_SCALAR, PART_UPPER, PERMUTE_TRN1, PERMUTE_TRN2, PERMUTE_UZP1, PERMUTE_UZP2, PERMUTE_ZIP1,
  PERMUTE_ZIP2, REDUCE_ADDV, REDUCE_SADDLV, REDUCE_SMAXV, REDUCE_SMINV, REDUCE_UADDLV, REDUCE_UMAXV, REDUCE_UMINV,
  SHIFT_SHL, SHIFT_SLI, SHIFT_SQSHL, SHIFT_SQSHLU, SHIFT_SRI, SHIFT_SRSHR, SHIFT_SRSRA, SHIFT_SSHR, SHIFT_SSRA,
  SHIFT_UQSHL, SHIFT_URSHR, SHIFT_URSRA, SHIFT_USHR, SHIFT_USRA, UNARY_ABS, UNARY_CLS, UNARY_CLZ, UNARY_CMEQ0,
  UNARY_CMGE0, UNARY_CMGT0, UNARY_CMLE0, UNARY_CMLT0, UNARY_CNT, UNARY_NEG, UNARY_NOT, UNARY_RBIT, UNARY_REV16,
  UNARY_REV32, UNARY_REV64, UNARY_SQABS, UNARY_SQNEG, UNARY_SUQADD, UNARY_USQADD, WIDEN_SSHLL, WIDEN_USHLL,
} from './simd-ops';
import {
  adrImmediate, bit, bitmaskElementLog2, bits, branchOffset26, offset14, offset19, op0, signedBits,
} from '../../../../isa/arm64/fields';

/** Extend kinds for operand2 (a field), after the four shift types LSL, LSR, ASR, ROR. */
export const EXTEND_BASE: u8 = 4; // + option: UXTB, UXTH, UXTW, UXTX, SXTB, SXTH, SXTW, SXTX

// ---- register fields ----

/** Register n as a source where 31 means XZR, or as a destination where writes to 31 vanish. */
@inline function rz(n: u32): u32 {
  return <u32>xSlot(n == 31 ? ZERO_SLOT : n);
}
@inline function wz(n: u32): u32 {
  return <u32>xSlot(n == 31 ? SINK_SLOT : n);
}
/** Register n where 31 means SP. */
@inline function rs(n: u32): u32 {
  return <u32>xSlot(n);
}
@inline function v(n: u32): u32 {
  return <u32>vSlot(n);
}

let e: usize = 0;

@inline function op(code: i32): void {
  store<u16>(e, <u16>code, E_OP);
}
@inline function fields(rd: u32, rn: u32, rm: u32): void {
  store<u16>(e, <u16>rd, E_RD);
  store<u16>(e, <u16>rn, E_RN);
  store<u16>(e, <u16>rm, E_RM);
}
@inline function ra(slot: u32): void {
  store<u16>(e, <u16>slot, E_RA);
}
@inline function ab(a: u32, b: u32): void {
  store<u8>(e, <u8>a, E_A);
  store<u8>(e, <u8>b, E_B);
}
@inline function imm(value: u64): void {
  store<u64>(e, value, E_IMM);
}
@inline function imm2(value: u64): void {
  store<u64>(e, value, E_IMM2);
}

// Block-ending outcomes of decode()
const CONTINUES: bool = false;
const ENDS_BLOCK: bool = true;

function unsupported(): bool {
  op(OP_UNSUPPORTED);
  return ENDS_BLOCK;
}
function undefinedInstruction(): bool {
  op(OP_UNDEFINED);
  return ENDS_BLOCK;
}

/**
 * Decodes `word` at `pc` into the entry at `entry`. Returns true when the block must end after it
 * (branches, exceptions, and anything that stops the run).
 */
export function decode(word: u32, pc: u64, entry: usize): bool {
  e = entry;
  memory.fill(e, 0, ENTRY_SIZE);
  store<u32>(e, word, E_WORD);
  const group = op0(word);
  if ((group & 0b1110) == 0b1000) return dataProcessingImmediate(word, pc);
  if ((group & 0b1110) == 0b1010) return branchesAndSystem(word, pc);
  if ((group & 0b0101) == 0b0100) return loadsAndStores(word, pc);
  if ((group & 0b0111) == 0b0101) return dataProcessingRegister(word);
  if ((group & 0b0111) == 0b0111) return simdAndFloatingPoint(word);
  if (group == 0) return undefinedInstruction(); // UDF and the rest of the reserved space
  return unsupported(); // SVE and unallocated space
}

// ---- data processing, immediate ----

function dataProcessingImmediate(word: u32, pc: u64): bool {
  const sf = bit(word, 31);
  const rd = bits(word, 0, 5);
  const rn = bits(word, 5, 5);
  switch (bits(word, 23, 3)) {
    case 0b000: case 0b001: { // ADR, ADRP
      const offset = <u64>adrImmediate(word);
      op(OP_MOVI);
      fields(wz(rd), 0, 0);
      imm(bit(word, 31) == 0 ? pc + offset : (pc & ~<u64>0xfff) + (offset << 12));
      return CONTINUES;
    }
    case 0b010: { // ADD/ADDS/SUB/SUBS (immediate)
      if (bit(word, 22 + 1) != 0) return unsupported();
      let value = <u64>bits(word, 10, 12);
      if (bit(word, 22)) value <<= 12;
      const isSub = bit(word, 30) != 0;
      const setFlags = bit(word, 29) != 0;
      if (!setFlags) {
        op(sf ? OP_ADD_IMM_X : OP_ADD_IMM_W);
        fields(rs(rd), rs(rn), 0);
        imm(isSub ? 0 - value : value);
      } else {
        op(isSub ? (sf ? OP_SUBS_IMM_X : OP_SUBS_IMM_W) : (sf ? OP_ADDS_IMM_X : OP_ADDS_IMM_W));
        fields(wz(rd), rs(rn), 0);
        imm(value);
      }
      return CONTINUES;
    }
    case 0b100: { // logical (immediate)
      const n = bit(word, 22);
      if (sf == 0 && n != 0) return unsupportedOrUndefined();
      if (!decodeBitMasks(n, bits(word, 10, 6), bits(word, 16, 6), true, sf ? 64 : 32)) return undefinedInstruction();
      const mask = wmask;
      const opc = bits(word, 29, 2);
      if (opc == 0b01 && rn == 31) { // MOV (bitmask immediate)
        op(OP_MOVI);
        fields(rs(rd), 0, 0);
        imm(mask);
        return CONTINUES;
      }
      const codes: StaticArray<i32> = [OP_AND_IMM, OP_AND_IMM, OP_ORR_IMM_W, OP_ORR_IMM_X, OP_EOR_IMM_W,
        OP_EOR_IMM_X, OP_ANDS_IMM_W, OP_ANDS_IMM_X];
      op(codes[(opc << 1) | sf]);
      fields(opc == 0b11 ? wz(rd) : rs(rd), rz(rn), 0);
      imm(mask);
      return CONTINUES;
    }
    case 0b101: { // move wide
      const opc = bits(word, 29, 2);
      const hw = bits(word, 21, 2);
      if (opc == 0b01 || (sf == 0 && hw >= 2)) return undefinedInstruction();
      const shift = <u64>(hw << 4);
      const value = <u64>bits(word, 5, 16) << shift;
      const width: u64 = sf ? 0xffff_ffff_ffff_ffff : 0xffff_ffff;
      if (opc == 0b11) {
        op(OP_MOVK);
        fields(wz(rd), 0, 0);
        imm(value);
        imm2(~(<u64>0xffff << shift) & width);
        // MOVK reads its destination: the read slot must be the register itself (or zero for XZR).
        store<u16>(e, <u16>rz(rd), E_RN);
      } else {
        op(OP_MOVI);
        fields(wz(rd), 0, 0);
        imm(opc == 0b00 ? ~value & width : value);
      }
      return CONTINUES;
    }
    case 0b110: { // bitfield
      const opc = bits(word, 29, 2);
      const n = bit(word, 22);
      const immr = bits(word, 16, 6);
      const imms = bits(word, 10, 6);
      if (opc == 0b11 || n != sf || (sf == 0 && (immr >= 32 || imms >= 32))) return undefinedInstruction();
      const size: u32 = sf ? 64 : 32;
      if (!decodeBitMasks(n, imms, immr, false, size)) return undefinedInstruction();
      fields(wz(rd), rz(rn), 0);
      if (opc == 0b10 && imms != size - 1 && imms + 1 == immr) {
        op(sf ? OP_LSL_IMM_X : OP_LSL_IMM_W);
        ab(0, size - 1 - imms);
      } else if (opc == 0b10 && imms == size - 1) {
        op(sf ? OP_LSR_IMM_X : OP_LSR_IMM_W);
        ab(0, immr);
      } else if (opc == 0b00 && imms == size - 1) {
        op(sf ? OP_ASR_IMM_X : OP_ASR_IMM_W);
        ab(0, immr);
      } else {
        const codes: StaticArray<i32> = [OP_SBFM_W, OP_SBFM_X, OP_BFM_W, OP_BFM_X, OP_UBFM_W, OP_UBFM_X];
        op(codes[(opc << 1) | sf]);
        ab(immr, imms);
        imm(wmask);
        imm2(tmask);
        if (opc == 0b01) ra(rz(rd)); // BFM keeps bits of its destination
      }
      return CONTINUES;
    }
    case 0b111: { // extract
      const imms = bits(word, 10, 6);
      if (bits(word, 29, 2) != 0 || bit(word, 21) != 0 || bit(word, 22) != sf || (sf == 0 && imms >= 32)) {
        return undefinedInstruction();
      }
      op(sf ? OP_EXTR_X : OP_EXTR_W);
      fields(wz(rd), rz(rn), rz(bits(word, 16, 5)));
      ab(0, imms);
      return CONTINUES;
    }
  }
  return unsupported(); // add/sub immediate with tags (MTE)
}

function unsupportedOrUndefined(): bool {
  return undefinedInstruction();
}

let wmask: u64 = 0;
let tmask: u64 = 0;

/** DecodeBitMasks from the Arm ARM; false for a reserved encoding. Results in wmask and tmask. */
function decodeBitMasks(n: u32, imms: u32, immr: u32, immediate: bool, dataSize: u32): bool {
  const len = bitmaskElementLog2(n, imms);
  if (len == 0) return false;
  const esize: u32 = 1 << len;
  if (esize > dataSize) return false;
  const levels = esize - 1;
  if (immediate && (imms & levels) == levels) return false;
  const s = imms & levels;
  const r = immr & levels;
  const d = (s - r) & levels;
  const emask: u64 = esize == 64 ? 0xffff_ffff_ffff_ffff : (<u64>1 << esize) - 1;
  const welem: u64 = s + 1 == 64 ? 0xffff_ffff_ffff_ffff : (<u64>1 << (s + 1)) - 1;
  const telem: u64 = d + 1 == 64 ? 0xffff_ffff_ffff_ffff : (<u64>1 << (d + 1)) - 1;
  // Rotate welem right by r within esize bits.
  let rotated = welem;
  if (r != 0) rotated = ((welem >> <u64>r) | (welem << <u64>(esize - r))) & emask;
  wmask = replicate(rotated, esize, dataSize);
  tmask = replicate(telem, esize, dataSize);
  return true;
}

function replicate(element: u64, esize: u32, dataSize: u32): u64 {
  let result: u64 = 0;
  for (let at: u32 = 0; at < dataSize; at += esize) result |= element << <u64>at;
  return result;
}

// ---- branches, exceptions, system ----

function branchesAndSystem(word: u32, pc: u64): bool {
  const top = bits(word, 29, 3);
  if (top == 0b010) { // B.cond
    if (bit(word, 25) != 0 || bit(word, 24) != 0 || bit(word, 4) != 0) return unsupported();
    op(OP_B_COND);
    ab(bits(word, 0, 4), 0);
    fields(conditionMask(bits(word, 0, 4)), 0, 0);
    imm(pc + <u64>offset19(word));
    imm2(pc + 4);
    return ENDS_BLOCK;
  }
  if ((top & 0b011) == 0b000) { // B, BL
    op(bit(word, 31) ? OP_BL : OP_B);
    fields(0, 0, 0);
    imm(pc + <u64>branchOffset26(word));
    imm2(pc + 4);
    return ENDS_BLOCK;
  }
  if ((top & 0b011) == 0b001) {
    const rt = bits(word, 0, 5);
    if (bit(word, 25) == 0) { // CBZ, CBNZ
      const sf = bit(word, 31);
      const nonZero = bit(word, 24) != 0;
      op(nonZero ? (sf ? OP_CBNZ_X : OP_CBNZ_W) : (sf ? OP_CBZ_X : OP_CBZ_W));
      fields(0, rz(rt), 0);
      imm(pc + <u64>offset19(word));
    } else { // TBZ, TBNZ
      op(bit(word, 24) ? OP_TBNZ : OP_TBZ);
      fields(0, rz(rt), 0);
      ab(0, (bit(word, 31) << 5) | bits(word, 19, 5));
      imm(pc + <u64>offset14(word));
    }
    imm2(pc + 4);
    return ENDS_BLOCK;
  }
  if (top == 0b110) {
    if (bits(word, 24, 2) == 0b00) return exceptionGeneration(word);
    if (bits(word, 22, 4) == 0b0100) return system(word);
    if (bit(word, 25) == 1) return branchRegister(word, pc);
  }
  return unsupported();
}

function exceptionGeneration(word: u32): bool {
  const opc = bits(word, 21, 3);
  const ll = bits(word, 0, 2);
  if (bits(word, 2, 3) != 0) return unsupported();
  if (opc == 0b000 && ll == 0b01) {
    op(OP_SVC);
    return ENDS_BLOCK;
  }
  if (opc == 0b001 && ll == 0b00) {
    op(OP_BRK);
    return ENDS_BLOCK;
  }
  // HVC and HLT are undefined for the emulated guest (Unicorn raises interrupt 1).
  if ((opc == 0b000 && ll == 0b10) || (opc == 0b010 && ll == 0b00)) return undefinedInstruction();
  return unsupported();
}

function system(word: u32): bool {
  const l = bit(word, 21);
  const op0 = bits(word, 19, 2);
  const op1 = bits(word, 16, 3);
  const crn = bits(word, 12, 4);
  const crm = bits(word, 8, 4);
  const op2 = bits(word, 5, 3);
  const rt = bits(word, 0, 5);
  if (l == 0 && op0 == 0 && op1 == 0b011 && crn == 0b0010 && rt == 31) {
    // Hints: NOP, YIELD, WFE, WFI, SEV, SEVL, BTI, and the pointer-authentication hints
    // (PACIASP, AUTIASP, ...), which an Armv8.0 CPU executes as NOP.
    op(OP_NOP);
    return CONTINUES;
  }
  if (l == 0 && op0 == 0 && op1 == 0b011 && crn == 0b0011 && rt == 31) {
    if (op2 == 0b010) { // CLREX
      op(OP_CLREX);
      return CONTINUES;
    }
    if (op2 == 0b100 || op2 == 0b101 || op2 == 0b110) { // DSB, DMB, ISB: nothing to order here
      op(OP_NOP);
      return CONTINUES;
    }
    return unsupported();
  }
  if (op0 == 0b01 && l == 0 && op1 == 0b011 && crn == 0b0111) { // SYS: cache maintenance by address
    if (crm == 0b0100 && op2 == 1) { // DC ZVA
      op(OP_DC_ZVA);
      fields(0, rz(rt), 0);
      return CONTINUES;
    }
    if ((crm == 0b0101 && op2 == 1) || (crm == 0b1011 && op2 == 1) || (crm == 0b1010 && op2 == 1) ||
      (crm == 0b1110 && op2 == 1) || (crm == 0b1100 && op2 == 1)) { // IC IVAU, DC CVAU, CVAC, CIVAC, CVAP
      op(OP_NOP);
      return CONTINUES;
    }
    return unsupported();
  }
  if (op0 >= 2) { // MRS, MSR (register)
    const sysreg = (op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2;
    const NZCV: u32 = (3 << 14) | (3 << 11) | (4 << 7) | (2 << 3) | 0;
    const FPCR_REG: u32 = (3 << 14) | (3 << 11) | (4 << 7) | (4 << 3) | 0;
    const FPSR_REG: u32 = (3 << 14) | (3 << 11) | (4 << 7) | (4 << 3) | 1;
    const TPIDR: u32 = (3 << 14) | (3 << 11) | (13 << 7) | (0 << 3) | 2;
    const CTR: u32 = (3 << 14) | (3 << 11) | (0 << 7) | (0 << 3) | 1;
    const DCZID: u32 = (3 << 14) | (3 << 11) | (0 << 7) | (0 << 3) | 7;
    if (sysreg == NZCV) {
      op(l ? OP_MRS_NZCV : OP_MSR_NZCV);
      fields(wz(rt), rz(rt), 0);
      return CONTINUES;
    }
    let slot: usize = 0;
    let writable: u64 = 0xffff_ffff_ffff_ffff;
    if (sysreg == TPIDR) slot = TPIDR_EL0;
    else if (sysreg == FPCR_REG) {
      slot = FPCR;
      writable = 0x07ff_9f00; // the FPCR bits an Armv8.0 CPU keeps
    } else if (sysreg == FPSR_REG) {
      slot = FPSR;
      writable = 0xf800_009f;
    } else if (l == 1 && (sysreg == CTR || sysreg == DCZID)) {
      // Cache geometry of the emulated Cortex-A72: 64-byte lines, DC ZVA clears 64 bytes.
      op(OP_MOVI);
      fields(wz(rt), 0, 0);
      imm(sysreg == CTR ? 0x8444_c004 : 4);
      return CONTINUES;
    } else return unsupported();
    op(l ? OP_MRS : OP_MSR);
    fields(wz(rt), rz(rt), 0);
    imm(<u64>slot);
    imm2(writable);
    return CONTINUES;
  }
  return unsupported();
}

function branchRegister(word: u32, pc: u64): bool {
  const opc = bits(word, 21, 4);
  const op2 = bits(word, 16, 5);
  const op3 = bits(word, 10, 6);
  const op4 = bits(word, 0, 5);
  const rn = bits(word, 5, 5);
  if (op2 != 0b11111) return unsupported();
  if (op3 == 0 && op4 == 0 && (opc == 0b0000 || opc == 0b0010 || opc == 0b0001)) {
    op(opc == 0b0001 ? OP_BLR : OP_BR);
    fields(0, rz(rn), 0);
    // The BTYPE it sets (branch-targets.ts): RET 00, BLR 10, BR x16/x17 01, BR through others 11.
    ab(opc == 0b0010 ? 0 : opc == 0b0001 ? 2 : rn == 16 || rn == 17 ? 1 : 3, 0);
    imm2(pc + 4);
    return ENDS_BLOCK;
  }
  // BRAA, RETAA, ERET and the like: not on an Armv8.0 CPU.
  if (opc <= 0b1001) return undefinedInstruction();
  return unsupported();
}

// ---- loads and stores ----

function loadsAndStores(word: u32, pc: u64): bool {
  const op0 = bits(word, 28, 4);
  const vector = bit(word, 26);
  const op2 = bits(word, 23, 2);
  const op3 = bits(word, 16, 6);
  const op4 = bits(word, 10, 2);
  if ((op0 & 0b0011) == 0b0000) {
    if (vector) return structure(word);
    if ((op2 & 0b10) == 0) return exclusive(word);
    return unsupported(); // LDAPR/STLUR (unscaled ordered, v8.4) and others
  }
  if ((op0 & 0b0011) == 0b0001) {
    if ((op2 & 0b10) == 0) return literal(word, pc);
    return unsupported(); // LDAPR and friends (v8.4)
  }
  if ((op0 & 0b0011) == 0b0010) return pair(word, op2);
  // op0 = xx11: single register
  if ((op2 & 0b10) != 0) return singleRegister(word, MODE_OFFSET, true);
  if ((op3 & 0b100000) == 0) {
    if (op4 == 0b00) return singleRegister(word, MODE_OFFSET, false); // unscaled (LDUR, STUR, PRFUM)
    if (op4 == 0b01) return singleRegister(word, MODE_POST, false);
    if (op4 == 0b10) return singleRegister(word, MODE_OFFSET, false); // unprivileged: as normal at EL0
    return singleRegister(word, MODE_PRE, false);
  }
  if (op4 == 0b10) return singleRegister(word, MODE_REGISTER, false);
  // Atomic memory operations (LSE) and LDRAA/LDRAB: not on an Armv8.0 CPU.
  return undefinedInstruction();
}

/** AdvSIMD load/store multiple structures and single structures (LD1..LD4, ST1..ST4, LD1R..LD4R). */
function structure(word: u32): bool {
  const q = bit(word, 30);
  const load = bit(word, 22);
  const postIndex = bit(word, 23);
  const single = bit(word, 24);
  const rm = bits(word, 16, 5);
  const rn = bits(word, 5, 5);
  const rt = bits(word, 0, 5);
  const opcode = bits(word, 12, 4);
  const size = bits(word, 10, 2);
  if (bit(word, 31) != 0 || (postIndex == 0 && rm != 0)) return undefinedInstruction();
  let selem: u32 = 1;
  let repeat: u32 = 1;
  let sizeLog = size;
  let kind: u32 = STRUCT_MULTIPLE;
  let index: u32 = 0;
  if (single == 0) {
    if (bit(word, 21) != 0) return undefinedInstruction();
    switch (opcode) {
      case 0b0000: selem = 4; break; // LD4/ST4
      case 0b0010: repeat = 4; break; // LD1/ST1, four registers
      case 0b0100: selem = 3; break; // LD3/ST3
      case 0b0110: repeat = 3; break;
      case 0b0111: break;
      case 0b1000: selem = 2; break; // LD2/ST2
      case 0b1010: repeat = 2; break;
      default: return undefinedInstruction();
    }
    if (size == 3 && q == 0 && selem != 1) return undefinedInstruction();
  } else {
    const opc = bits(word, 13, 3);
    const s = bit(word, 12);
    selem = (((opc & 1) << 1) | bit(word, 21)) + 1;
    kind = STRUCT_LANE;
    switch (opc >> 1) {
      case 0: sizeLog = 0; index = (q << 3) | (s << 2) | size; break;
      case 1:
        if ((size & 1) != 0) return undefinedInstruction();
        sizeLog = 1;
        index = (q << 2) | (s << 1) | (size >> 1);
        break;
      case 2:
        if ((size & 2) != 0) return undefinedInstruction();
        if ((size & 1) == 0) {
          sizeLog = 2;
          index = (q << 1) | s;
        } else {
          if (s != 0) return undefinedInstruction();
          sizeLog = 3;
          index = q;
        }
        break;
      default: // LD1R..LD4R
        if (load == 0 || s != 0) return undefinedInstruction();
        kind = STRUCT_REPLICATE;
        break;
    }
  }
  const bytes: u32 = kind == STRUCT_MULTIPLE ? repeat * selem * (q ? 16 : 8) : selem << sizeLog;
  op(OP_V_STRUCT);
  // rd holds the first register's number: the registers wrap around after v31.
  fields(rt, rs(rn), postIndex && rm != 31 ? rz(rm) : <u32>xSlot(ZERO_SLOT));
  imm(postIndex && rm == 31 ? <u64>bytes : 0);
  imm2(<u64>selem << STRUCT_SELEM_SHIFT | <u64>repeat << STRUCT_REPEAT_SHIFT | <u64>sizeLog << STRUCT_SIZE_SHIFT |
    (q ? STRUCT_Q : 0) | (load ? STRUCT_LOAD : 0) | <u64>kind << STRUCT_KIND_SHIFT | <u64>index << STRUCT_INDEX_SHIFT |
    (postIndex ? STRUCT_WRITEBACK : 0));
  return CONTINUES;
}

/** The single-register kind for size/V/opc, or -1 (unallocated), -2 (prefetch). */
function singleKind(size: u32, vector: u32, opc: u32): i32 {
  if (vector == 0) {
    switch ((size << 2) | opc) {
      case 0b0000: return MEM_ST8;
      case 0b0001: return MEM_LD8;
      case 0b0010: return MEM_LDS8_X;
      case 0b0011: return MEM_LDS8_W;
      case 0b0100: return MEM_ST16;
      case 0b0101: return MEM_LD16;
      case 0b0110: return MEM_LDS16_X;
      case 0b0111: return MEM_LDS16_W;
      case 0b1000: return MEM_ST32;
      case 0b1001: return MEM_LD32;
      case 0b1010: return MEM_LDS32;
      case 0b1100: return MEM_ST64;
      case 0b1101: return MEM_LD64;
      case 0b1110: return -2;
    }
    return -1;
  }
  if (opc == 0b00) return MEM_VST8 + <i32>size;
  if (opc == 0b01) return MEM_VLD8 + <i32>size;
  if (size == 0 && opc == 0b10) return MEM_VST128;
  if (size == 0 && opc == 0b11) return MEM_VLD128;
  return -1;
}

function kindSize(kind: i32): u32 {
  switch (kind) {
    case MEM_LD64: case MEM_ST64: case MEM_VLD64: case MEM_VST64: return 8;
    case MEM_LD32: case MEM_LDS32: case MEM_ST32: case MEM_VLD32: case MEM_VST32: return 4;
    case MEM_LD16: case MEM_LDS16_X: case MEM_LDS16_W: case MEM_ST16: case MEM_VLD16: case MEM_VST16: return 2;
    case MEM_VLD128: case MEM_VST128: return 16;
  }
  return 1;
}

@inline function isVectorKind(kind: i32): bool {
  return kind >= MEM_VLD8;
}
@inline function isLoadKind(kind: i32): bool {
  return kind <= MEM_LDS32 || (kind >= MEM_VLD8 && kind <= MEM_VLD128);
}

function singleRegister(word: u32, mode: u8, unsignedOffset: bool): bool {
  const size = bits(word, 30, 2);
  const vector = bit(word, 26);
  const opc = bits(word, 22, 2);
  const rt = bits(word, 0, 5);
  const rn = bits(word, 5, 5);
  const kind = singleKind(size, vector, opc);
  if (kind == -1) return undefinedInstruction();
  const unprivileged = !unsignedOffset && mode == MODE_OFFSET && bits(word, 10, 2) == 0b10;
  if (kind == -2) { // PRFM/PRFUM: a hint, no access
    if (mode == MODE_PRE || mode == MODE_POST || unprivileged) return undefinedInstruction();
    op(OP_NOP);
    return CONTINUES;
  }
  if (unprivileged && vector) return undefinedInstruction();
  const bytes = kindSize(kind);
  const target = isVectorKind(kind) ? v(rt) : isLoadKind(kind) ? wz(rt) : rz(rt);
  if (mode == MODE_REGISTER) {
    const option = bits(word, 13, 3);
    if ((option & 0b010) == 0) return undefinedInstruction();
    op(OP_MEM_INDEXED + kind);
    fields(target, rs(rn), rz(bits(word, 16, 5)));
    ab(MODE_REGISTER, option);
    imm(bit(word, 12) ? <u64>(31 - clz<u32>(bytes)) : 0);
    return CONTINUES;
  }
  let offset: u64;
  if (unsignedOffset) offset = <u64>bits(word, 10, 12) * bytes;
  else offset = <u64>signedBits(word, 12, 9);
  if (mode == MODE_OFFSET) {
    op(OP_MEM_IMM + kind);
    fields(target, rs(rn), 0);
  } else {
    op(OP_MEM_INDEXED + kind);
    fields(target, rs(rn), 0);
    ab(mode, 0);
  }
  imm(offset);
  return CONTINUES;
}

function literal(word: u32, pc: u64): bool {
  const opc = bits(word, 30, 2);
  const vector = bit(word, 26);
  const rt = bits(word, 0, 5);
  const address = pc + <u64>offset19(word);
  let kind: i32;
  if (vector == 0) {
    if (opc == 0b11) { // PRFM (literal)
      op(OP_NOP);
      return CONTINUES;
    }
    kind = opc == 0b00 ? MEM_LD32 : opc == 0b01 ? MEM_LD64 : MEM_LDS32;
  } else {
    if (opc == 0b11) return undefinedInstruction();
    kind = opc == 0b00 ? MEM_VLD32 : opc == 0b01 ? MEM_VLD64 : MEM_VLD128;
  }
  op(OP_MEM_IMM + kind);
  fields(vector ? v(rt) : wz(rt), <u32>xSlot(ZERO_SLOT), 0);
  imm(address);
  return CONTINUES;
}

function pair(word: u32, op2: u32): bool {
  const opc = bits(word, 30, 2);
  const vector = bit(word, 26);
  const load = bit(word, 22);
  const rt = bits(word, 0, 5);
  const rt2 = bits(word, 10, 5);
  const rn = bits(word, 5, 5);
  const mode: u8 = op2 == 0b01 ? MODE_POST : op2 == 0b11 ? MODE_PRE : MODE_OFFSET;
  let code: i32;
  let scale: u32;
  if (vector == 0) {
    if (opc == 0b00) {
      code = load ? OP_LDP_W : OP_STP_W;
      scale = 4;
    } else if (opc == 0b10) {
      code = load ? OP_LDP_X : OP_STP_X;
      scale = 8;
    } else if (opc == 0b01 && load && op2 != 0b00) {
      code = OP_LDPSW;
      scale = 4;
    } else if (opc == 0b01 && !load) {
      return unsupported(); // STGP (MTE)
    } else return undefinedInstruction();
  } else {
    if (opc == 0b11) return undefinedInstruction();
    scale = <u32>4 << opc;
    code = opc == 0b00 ? (load ? OP_LDP_V32 : OP_STP_V32) : opc == 0b01 ? (load ? OP_LDP_V64 : OP_STP_V64)
      : (load ? OP_LDP_V128 : OP_STP_V128);
  }
  op(code);
  const first = vector ? v(rt) : load ? wz(rt) : rz(rt);
  const second = vector ? v(rt2) : load ? wz(rt2) : rz(rt2);
  fields(first, rs(rn), 0);
  ra(second);
  ab(mode, 0);
  imm(<u64>signedBits(word, 15, 7) * scale);
  return CONTINUES;
}

function exclusive(word: u32): bool {
  const size = bits(word, 30, 2);
  const o2 = bit(word, 23);
  const load = bit(word, 22);
  const o1 = bit(word, 21);
  const o0 = bit(word, 15);
  const rs_ = bits(word, 16, 5);
  const rt2 = bits(word, 10, 5);
  const rn = bits(word, 5, 5);
  const rt = bits(word, 0, 5);
  const bytes: u32 = 1 << size;
  if (o2 == 0 && o1 == 0) { // LDXR, LDAXR, STXR, STLXR
    op(load ? OP_LDX : OP_STX);
    fields(load ? wz(rt) : rz(rt), rs(rn), wz(rs_));
    ab(bytes, 0);
    return CONTINUES;
  }
  if (o2 == 0 && o1 == 1) {
    if (size < 2) return undefinedInstruction(); // CASP (LSE)
    op(load ? OP_LDXP : OP_STXP);
    fields(load ? wz(rt) : rz(rt), rs(rn), wz(rs_));
    ra(load ? wz(rt2) : rz(rt2));
    ab(bytes, 0);
    return CONTINUES;
  }
  if (o2 == 1 && o1 == 0 && o0 == 1) { // LDAR, STLR: ordinary accesses for a single CPU
    const kinds: StaticArray<i32> = [MEM_ST8, MEM_ST16, MEM_ST32, MEM_ST64, MEM_LD8, MEM_LD16, MEM_LD32, MEM_LD64];
    const kind = kinds[(load << 2) | size];
    op(OP_MEM_IMM + kind);
    fields(load ? wz(rt) : rz(rt), rs(rn), 0);
    return CONTINUES;
  }
  return undefinedInstruction(); // LDLAR/STLLR (v8.1) and CAS (LSE)
}

// ---- data processing, register ----

function dataProcessingRegister(word: u32): bool {
  const sf = bit(word, 31);
  const op0 = bit(word, 30);
  const op1 = bit(word, 28);
  const op2 = bits(word, 21, 4);
  const rd = bits(word, 0, 5);
  const rn = bits(word, 5, 5);
  const rm = bits(word, 16, 5);
  if (op1 == 0) {
    if ((op2 & 0b1000) == 0) { // logical (shifted register)
      const amount = bits(word, 10, 6);
      if (sf == 0 && amount >= 32) return undefinedInstruction();
      const opc = bits(word, 29, 2);
      const n = bit(word, 21);
      const shiftType = bits(word, 22, 2);
      if (opc == 0b01 && n == 0 && rn == 31 && amount == 0) { // MOV (register)
        op(sf ? OP_MOV_X : OP_MOV_W);
        fields(wz(rd), 0, rz(rm));
        return CONTINUES;
      }
      const codes: StaticArray<i32> = [
        OP_AND_W, OP_AND_X, OP_BIC_W, OP_BIC_X, OP_ORR_W, OP_ORR_X, OP_ORN_W, OP_ORN_X,
        OP_EOR_W, OP_EOR_X, OP_EON_W, OP_EON_X, OP_ANDS_W, OP_ANDS_X, OP_BICS_W, OP_BICS_X];
      op(codes[(opc << 2) | (n << 1) | sf]);
      fields(wz(rd), rz(rn), rz(rm));
      ab(shiftType, amount);
      return CONTINUES;
    }
    const isSub = bit(word, 30) != 0;
    const setFlags = bit(word, 29) != 0;
    if ((op2 & 0b0001) == 0) { // add/sub (shifted register)
      const shiftType = bits(word, 22, 2);
      const amount = bits(word, 10, 6);
      if (shiftType == 0b11 || (sf == 0 && amount >= 32)) return undefinedInstruction();
      op(addSubCode(isSub, setFlags, sf));
      fields(wz(rd), rz(rn), rz(rm));
      ab(shiftType, amount);
      return CONTINUES;
    }
    // add/sub (extended register)
    const amount = bits(word, 10, 3);
    if (bits(word, 22, 2) != 0 || amount > 4) return undefinedInstruction();
    op(addSubCode(isSub, setFlags, sf));
    fields(setFlags ? wz(rd) : rs(rd), rs(rn), rz(rm));
    ab(EXTEND_BASE + bits(word, 13, 3), amount);
    return CONTINUES;
  }
  switch (op2) {
    case 0b0000: { // add/subtract with carry
      if (bits(word, 10, 6) != 0) return unsupported(); // RMIF, SETF (v8.4)
      const codes: StaticArray<i32> = [OP_ADC_W, OP_ADC_X, OP_ADCS_W, OP_ADCS_X, OP_SBC_W, OP_SBC_X, OP_SBCS_W, OP_SBCS_X];
      op(codes[(bits(word, 29, 2) << 1) | sf]);
      fields(wz(rd), rz(rn), rz(rm));
      return CONTINUES;
    }
    case 0b0010: { // conditional compare
      if (bit(word, 29) == 0 || bit(word, 10) != 0 || bit(word, 4) != 0) return undefinedInstruction();
      const isCmp = bit(word, 30) != 0;
      const immediate = bit(word, 11) != 0;
      if (immediate) {
        op(isCmp ? (sf ? OP_CCMP_IMM_X : OP_CCMP_IMM_W) : (sf ? OP_CCMN_IMM_X : OP_CCMN_IMM_W));
        fields(0, rz(rn), 0);
        imm(<u64>rm);
      } else {
        op(isCmp ? (sf ? OP_CCMP_X : OP_CCMP_W) : (sf ? OP_CCMN_X : OP_CCMN_W));
        fields(0, rz(rn), rz(rm));
      }
      ab(bits(word, 12, 4), bits(word, 0, 4));
      return CONTINUES;
    }
    case 0b0100: { // conditional select
      if (bit(word, 29) != 0 || bit(word, 11) != 0) return undefinedInstruction();
      const codes: StaticArray<i32> = [OP_CSEL_W, OP_CSEL_X, OP_CSINC_W, OP_CSINC_X, OP_CSINV_W, OP_CSINV_X,
        OP_CSNEG_W, OP_CSNEG_X];
      op(codes[(op0 << 2) | (bit(word, 10) << 1) | sf]);
      fields(wz(rd), rz(rn), rz(rm));
      ab(bits(word, 12, 4), 0);
      return CONTINUES;
    }
    case 0b0110: return op0 == 0 ? twoSource(word) : oneSource(word);
  }
  if ((op2 & 0b1000) != 0) return threeSource(word);
  return undefinedInstruction();
}

function addSubCode(isSub: bool, setFlags: bool, sf: u32): i32 {
  if (isSub) return setFlags ? (sf ? OP_SUBS_REG_X : OP_SUBS_REG_W) : (sf ? OP_SUB_REG_X : OP_SUB_REG_W);
  return setFlags ? (sf ? OP_ADDS_REG_X : OP_ADDS_REG_W) : (sf ? OP_ADD_REG_X : OP_ADD_REG_W);
}

function twoSource(word: u32): bool {
  const sf = bit(word, 31);
  if (bit(word, 29) != 0) return undefinedInstruction();
  const opcode = bits(word, 10, 6);
  fields(wz(bits(word, 0, 5)), rz(bits(word, 5, 5)), rz(bits(word, 16, 5)));
  switch (opcode) {
    case 0b000010: op(sf ? OP_UDIV_X : OP_UDIV_W); return CONTINUES;
    case 0b000011: op(sf ? OP_SDIV_X : OP_SDIV_W); return CONTINUES;
    case 0b001000: op(sf ? OP_LSLV_X : OP_LSLV_W); return CONTINUES;
    case 0b001001: op(sf ? OP_LSRV_X : OP_LSRV_W); return CONTINUES;
    case 0b001010: op(sf ? OP_ASRV_X : OP_ASRV_W); return CONTINUES;
    case 0b001011: op(sf ? OP_RORV_X : OP_RORV_W); return CONTINUES;
  }
  if ((opcode & 0b111000) == 0b010000) { // CRC32B/H/W/X, CRC32CB/H/W/X
    const size = opcode & 3;
    if ((size == 3) != (sf == 1)) return undefinedInstruction();
    op(OP_CRC32);
    ab(<u32>1 << size, bit(opcode, 2));
    return CONTINUES;
  }
  return undefinedInstruction(); // PACGA and the rest
}

function oneSource(word: u32): bool {
  const sf = bit(word, 31);
  if (bit(word, 29) != 0 || bits(word, 16, 5) != 0) return undefinedInstruction(); // PAC instructions
  fields(wz(bits(word, 0, 5)), rz(bits(word, 5, 5)), 0);
  switch (bits(word, 10, 6)) {
    case 0b000000: op(sf ? OP_RBIT_X : OP_RBIT_W); return CONTINUES;
    case 0b000001: op(sf ? OP_REV16_X : OP_REV16_W); return CONTINUES;
    case 0b000010: op(sf ? OP_REV32_X : OP_REV_W); return CONTINUES;
    case 0b000011: if (sf) { op(OP_REV_X); return CONTINUES; } break;
    case 0b000100: op(sf ? OP_CLZ_X : OP_CLZ_W); return CONTINUES;
    case 0b000101: op(sf ? OP_CLS_X : OP_CLS_W); return CONTINUES;
  }
  return undefinedInstruction();
}

function threeSource(word: u32): bool {
  const sf = bit(word, 31);
  const op54 = bits(word, 29, 2);
  const op31 = bits(word, 21, 3);
  const o0 = bit(word, 15);
  fields(wz(bits(word, 0, 5)), rz(bits(word, 5, 5)), rz(bits(word, 16, 5)));
  ra(rz(bits(word, 10, 5)));
  if (op54 != 0) return undefinedInstruction();
  if (op31 == 0b000) {
    op(o0 ? (sf ? OP_MSUB_X : OP_MSUB_W) : (sf ? OP_MADD_X : OP_MADD_W));
    return CONTINUES;
  }
  if (sf == 0) return undefinedInstruction();
  switch ((op31 << 1) | o0) {
    case 0b0010: op(OP_SMADDL); return CONTINUES;
    case 0b0011: op(OP_SMSUBL); return CONTINUES;
    case 0b0100: op(OP_SMULH); return CONTINUES;
    case 0b1010: op(OP_UMADDL); return CONTINUES;
    case 0b1011: op(OP_UMSUBL); return CONTINUES;
    case 0b1100: op(OP_UMULH); return CONTINUES;
  }
  return undefinedInstruction();
}

// ---- SIMD and floating point: moves, and the integer vector operations compilers use ----

function simdAndFloatingPoint(word: u32): bool {
  const rd = bits(word, 0, 5);
  const rn = bits(word, 5, 5);
  const rm = bits(word, 16, 5);
  const q = bit(word, 30);
  const u = bit(word, 29);
  const size = bits(word, 22, 2);
  const bytesWritten: u32 = q ? 16 : 8;

  // Scalar floating-point: FMOV (general), FMOV (register), FMOV (scalar immediate)
  if ((word & 0x5f20_0000) == 0x1e20_0000) {
    const ftype = bits(word, 22, 2);
    if ((word & 0x7f3f_fc00) == 0x1e26_0000 || (word & 0x7f3f_fc00) == 0x1e27_0000 ||
      (word & 0x7f3f_fc00) == 0x1e2e_0000 || (word & 0x7f3f_fc00) == 0x1e2f_0000) {
      return fmovGeneral(word, ftype);
    }
    if ((word & 0xff3f_fc00) == 0x1e20_4000 && ftype != 0b10) { // FMOV (register)
      if (ftype == 0b11) return undefinedInstruction(); // half precision (v8.2)
      op(OP_V_MOVE);
      fields(v(rd), v(rn), 0);
      ab(ftype == 0 ? 4 : 8, 0);
      return CONTINUES;
    }
    if ((word & 0xff20_1fe0) == 0x1e20_1000 && ftype != 0b10) { // FMOV (scalar, immediate)
      if (ftype == 0b11) return undefinedInstruction();
      op(OP_V_CONST);
      fields(v(rd), 0, 0);
      imm(expandFloatImmediate(bits(word, 13, 8), ftype == 0 ? 32 : 64));
      return CONTINUES;
    }
    return unsupported();
  }
  // Advanced SIMD scalar classes (bits 31:30 = 01, bit 28 = 1)
  if ((word & 0xd000_0000) == 0x5000_0000) return simdScalar(word, rd, rn, rm, u, size);
  // AdvSIMD modified immediate: MOVI, MVNI, ORR, BIC (vector, immediate)
  if ((word & 0x9ff8_0400) == 0x0f00_0400) return modifiedImmediate(word);
  // AdvSIMD copy: DUP, INS, SMOV, UMOV
  if ((word & 0x9fe0_8400) == 0x0e00_0400) return copy(word);
  // AdvSIMD three same
  if ((word & 0x9f20_0400) == 0x0e20_0400) return threeSame(word, rd, rn, rm, q, u, size, bytesWritten);
  // AdvSIMD three different
  if ((word & 0x9f20_0c00) == 0x0e20_0000) return threeDifferent(word, rd, rn, rm, q, u, size);
  // AdvSIMD two-register miscellaneous
  if ((word & 0x9f3e_0c00) == 0x0e20_0800) return twoRegisterMisc(word, rd, rn, q, u, size, bytesWritten);
  // AdvSIMD across lanes
  if ((word & 0x9f3e_0c00) == 0x0e30_0800) return acrossLanes(word, rd, rn, q, u, size);
  // AdvSIMD shift by immediate
  if ((word & 0x9f80_0400) == 0x0f00_0400 && bits(word, 19, 4) != 0) return shiftImmediate(word, rd, rn, q, u, false);
  // AdvSIMD vector x indexed element
  if ((word & 0x9f00_0400) == 0x0f00_0000) return byElement(word, rd, rn, q, u, size, false);
  // AdvSIMD table lookup
  if ((word & 0xbf20_8c00) == 0x0e00_0000) {
    if (size != 0) return undefinedInstruction();
    op(OP_V_TABLE);
    fields(v(rd), rn, v(rm));
    ab(bits(word, 13, 2) + 1, bit(word, 12));
    imm(bytesWritten);
    return CONTINUES;
  }
  // AdvSIMD permute
  if ((word & 0xbf20_8c00) == 0x0e00_0800) {
    const codes: StaticArray<u8> = [0, PERMUTE_UZP1, PERMUTE_TRN1, PERMUTE_ZIP1, 0, PERMUTE_UZP2, PERMUTE_TRN2,
      PERMUTE_ZIP2];
    const which = bits(word, 12, 3);
    if (codes[which] == 0 || (size == 3 && q == 0)) return undefinedInstruction();
    op(OP_V_PERMUTE);
    fields(v(rd), v(rn), v(rm));
    ab(<u32>1 << size, codes[which]);
    imm(bytesWritten);
    return CONTINUES;
  }
  // AdvSIMD extract
  if ((word & 0xbfe0_8400) == 0x2e00_0000) {
    const index = bits(word, 11, 4);
    if (q == 0 && index >= 8) return undefinedInstruction();
    op(OP_V_EXT);
    fields(v(rd), v(rn), v(rm));
    ab(bytesWritten, 0);
    imm(index);
    return CONTINUES;
  }
  if ((word & 0xbf20_8400) == 0x2e00_0000) return undefinedInstruction(); // extract with op2 other than 00
  return unsupported();
}

function fmovGeneral(word: u32, ftype: u32): bool {
  const sf = bit(word, 31);
  const rmode = bits(word, 19, 2);
  const toFp = bit(word, 16) != 0;
  const rd = bits(word, 0, 5);
  const rn = bits(word, 5, 5);
  let bytes: u32 = 0;
  let lane: u32 = 0;
  if (rmode == 0 && sf == 0 && ftype == 0) bytes = 4;
  else if (rmode == 0 && sf == 1 && ftype == 1) bytes = 8;
  else if (rmode == 1 && sf == 1 && ftype == 2) {
    bytes = 8;
    lane = 1;
  } else return ftype == 3 ? undefinedInstruction() : unsupported();
  if (toFp) {
    op(lane ? OP_GPR_TO_LANE : OP_GPR_TO_V);
    fields(v(rd), rz(rn), 0);
  } else {
    op(OP_V_TO_GPR);
    fields(wz(rd), v(rn), 0);
  }
  ab(bytes, lane);
  return CONTINUES;
}

/** VFPExpandImm: an 8-bit floating-point immediate as a single or double. */
function expandFloatImmediate(imm8: u32, width: u32): u64 {
  const sign = <u64>(imm8 >> 7);
  const b6 = <u64>((imm8 >> 6) & 1);
  const low = <u64>(imm8 & 0x3f);
  if (width == 32) {
    // sign : NOT(b6) : Replicate(b6, 5) : imm8<5:0> : Zeros(19)
    const exponentHigh = (b6 ^ 1) << 7 | (b6 ? 0b1111100 : 0);
    return (sign << 31) | (exponentHigh << 23) | (low << 19);
  }
  // sign : NOT(b6) : Replicate(b6, 8) : imm8<5:0> : Zeros(48)
  const exponentHigh = (b6 ^ 1) << 10 | (b6 ? 0b1111111100 : 0);
  return (sign << 63) | (exponentHigh << 52) | (low << 48);
}

function modifiedImmediate(word: u32): bool {
  const q = bit(word, 30);
  const opBit = bit(word, 29);
  const cmode = bits(word, 12, 4);
  const rd = bits(word, 0, 5);
  const imm8 = (bits(word, 16, 3) << 5) | bits(word, 5, 5);
  if (bit(word, 11) != 0) return unsupported(); // FMOV (vector, half precision)
  let value: u64 = 0;
  let code: i32 = OP_V_CONST;
  const imm8_ = <u64>imm8;
  if ((cmode & 0b1000) == 0) { // 32-bit shifted immediate
    value = imm8_ << <u64>((cmode >> 1) << 3);
    value |= value << 32;
    if ((cmode & 1) != 0) code = opBit ? OP_V_BIC_CONST : OP_V_ORR_CONST;
    else if (opBit) value = ~value;
  } else if ((cmode & 0b1100) == 0b1000) { // 16-bit shifted immediate
    let half = imm8_ << <u64>(((cmode >> 1) & 1) << 3);
    half |= half << 16;
    value = half | (half << 32);
    if ((cmode & 1) != 0) code = opBit ? OP_V_BIC_CONST : OP_V_ORR_CONST;
    else if (opBit) value = ~value;
  } else if ((cmode & 0b1110) == 0b1100) { // 32-bit shifting ones
    let word32 = cmode & 1 ? (imm8_ << 16) | 0xffff : (imm8_ << 8) | 0xff;
    value = word32 | (word32 << 32);
    if (opBit) value = ~value;
  } else if (cmode == 0b1110 && opBit == 0) { // 8-bit replicated
    value = imm8_ * 0x0101_0101_0101_0101;
  } else if (cmode == 0b1110 && opBit == 1) { // 64-bit: each bit of imm8 becomes a byte
    for (let i: u64 = 0; i < 8; i++) if (((imm8_ >> i) & 1) != 0) value |= <u64>0xff << (i << 3);
    if (q == 0) { // MOVI Dd, #imm (scalar)
      op(OP_V_CONST);
      fields(v(rd), 0, 0);
      imm(value);
      ab(8, 0);
      return CONTINUES;
    }
  } else if (cmode == 0b1111 && opBit == 0) { // FMOV (vector, single)
    const single = expandFloatImmediate(imm8, 32);
    value = single | (single << 32);
  } else { // FMOV (vector, double)
    if (q == 0) return undefinedInstruction();
    value = expandFloatImmediate(imm8, 64);
  }
  op(code);
  fields(v(rd), 0, 0);
  imm(value);
  imm2(q ? value : 0);
  ab(q ? 16 : 8, 0);
  return CONTINUES;
}

function copy(word: u32): bool {
  const q = bit(word, 30);
  const opBit = bit(word, 29);
  const imm5 = bits(word, 16, 5);
  const imm4 = bits(word, 11, 4);
  const rd = bits(word, 0, 5);
  const rn = bits(word, 5, 5);
  if ((imm5 & 0xf) == 0) return undefinedInstruction();
  const sizeLog = ctz<u32>(imm5);
  const laneBytes: u32 = 1 << sizeLog;
  const index = imm5 >> (sizeLog + 1);
  if (opBit == 1) { // INS (element)
    if (q == 0) return undefinedInstruction();
    op(OP_V_INS_LANE);
    fields(v(rd), v(rn), 0);
    ab(laneBytes, index);
    imm(<u64>(imm4 >> sizeLog));
    return CONTINUES;
  }
  switch (imm4) {
    case 0b0000: // DUP (element)
      if (sizeLog == 3 && q == 0) return undefinedInstruction();
      op(OP_V_DUP_LANE);
      fields(v(rd), v(rn), 0);
      ab(laneBytes, q ? 16 : 8);
      imm(index);
      return CONTINUES;
    case 0b0001: // DUP (general)
      if (sizeLog == 3 && q == 0) return undefinedInstruction();
      op(OP_V_DUP_GPR);
      fields(v(rd), rz(rn), 0);
      ab(laneBytes, q ? 16 : 8);
      return CONTINUES;
    case 0b0011: // INS (general)
      if (q == 0) return undefinedInstruction();
      op(OP_GPR_TO_LANE);
      fields(v(rd), rz(rn), 0);
      ab(laneBytes, index);
      return CONTINUES;
    case 0b0101: // SMOV
      if (sizeLog >= (q ? 3 : 2)) return undefinedInstruction();
      op(q ? OP_V_TO_GPR_SIGNED_X : OP_V_TO_GPR_SIGNED_W);
      fields(wz(rd), v(rn), 0);
      ab(laneBytes, index);
      return CONTINUES;
    case 0b0111: // UMOV
      if ((q == 1) != (sizeLog == 3)) return undefinedInstruction();
      op(OP_V_TO_GPR);
      fields(wz(rd), v(rn), 0);
      ab(laneBytes, index);
      return CONTINUES;
  }
  return undefinedInstruction();
}

/** An element-wise operation on lanes of `bytes`, `written` bytes of results (a scalar: one lane). */
function arith(rd: u32, rn: u32, rm: u32, operation: u8, bytes: u32, written: u32): bool {
  op(OP_V_ARITH);
  fields(v(rd), v(rn), v(rm));
  ab(bytes, operation);
  imm(written);
  return CONTINUES;
}

function unary(rd: u32, rn: u32, operation: u8, bytes: u32, written: u32): bool {
  op(OP_V_UNARY);
  fields(v(rd), v(rn), 0);
  ab(bytes, operation);
  imm(written);
  return CONTINUES;
}

function narrow(rd: u32, rn: u32, operation: u8, bytes: u32, amount: u32, part: u32): bool {
  op(OP_V_NARROW);
  fields(v(rd), v(rn), 0);
  ab(bytes, operation);
  imm(amount);
  imm2(part);
  return CONTINUES;
}

function threeSame(word: u32, rd: u32, rn: u32, rm: u32, q: u32, u: u32, size: u32, bytesWritten: u32): bool {
  const opcode = bits(word, 11, 5);
  if (opcode == 0b00011) { // logic
    const codes: StaticArray<u8> = [LOGIC_AND, LOGIC_BIC, LOGIC_ORR, LOGIC_ORN, LOGIC_EOR, LOGIC_BSL, LOGIC_BIT, LOGIC_BIF];
    op(OP_V_LOGIC);
    fields(v(rd), v(rn), v(rm));
    ab(bytesWritten, codes[(u << 2) | size]);
    return CONTINUES;
  }
  if (opcode >= 0b11000) return unsupported(); // floating point
  let operation: u8 = 0;
  let anySize = false; // 64-bit lanes allowed (with Q = 1)
  let sizes: u32 = 0b0111; // lane sizes allowed otherwise, by bit
  switch ((opcode << 1) | u) {
    case (0b00000 << 1) | 0: operation = ARITH_SHADD; break;
    case (0b00000 << 1) | 1: operation = ARITH_UHADD; break;
    case (0b00001 << 1) | 0: operation = ARITH_SQADD; anySize = true; break;
    case (0b00001 << 1) | 1: operation = ARITH_UQADD; anySize = true; break;
    case (0b00010 << 1) | 0: operation = ARITH_SRHADD; break;
    case (0b00010 << 1) | 1: operation = ARITH_URHADD; break;
    case (0b00100 << 1) | 0: operation = ARITH_SHSUB; break;
    case (0b00100 << 1) | 1: operation = ARITH_UHSUB; break;
    case (0b00101 << 1) | 0: operation = ARITH_SQSUB; anySize = true; break;
    case (0b00101 << 1) | 1: operation = ARITH_UQSUB; anySize = true; break;
    case (0b00110 << 1) | 0: operation = ARITH_CMGT; anySize = true; break;
    case (0b00110 << 1) | 1: operation = ARITH_CMHI; anySize = true; break;
    case (0b00111 << 1) | 0: operation = ARITH_CMGE; anySize = true; break;
    case (0b00111 << 1) | 1: operation = ARITH_CMHS; anySize = true; break;
    case (0b01000 << 1) | 0: operation = ARITH_SSHL; anySize = true; break;
    case (0b01000 << 1) | 1: operation = ARITH_USHL; anySize = true; break;
    case (0b01001 << 1) | 0: operation = ARITH_SQSHL; anySize = true; break;
    case (0b01001 << 1) | 1: operation = ARITH_UQSHL; anySize = true; break;
    case (0b01010 << 1) | 0: operation = ARITH_SRSHL; anySize = true; break;
    case (0b01010 << 1) | 1: operation = ARITH_URSHL; anySize = true; break;
    case (0b01011 << 1) | 0: operation = ARITH_SQRSHL; anySize = true; break;
    case (0b01011 << 1) | 1: operation = ARITH_UQRSHL; anySize = true; break;
    case (0b01100 << 1) | 0: operation = ARITH_SMAX; break;
    case (0b01100 << 1) | 1: operation = ARITH_UMAX; break;
    case (0b01101 << 1) | 0: operation = ARITH_SMIN; break;
    case (0b01101 << 1) | 1: operation = ARITH_UMIN; break;
    case (0b01110 << 1) | 0: operation = ARITH_SABD; break;
    case (0b01110 << 1) | 1: operation = ARITH_UABD; break;
    case (0b01111 << 1) | 0: operation = ARITH_SABA; break;
    case (0b01111 << 1) | 1: operation = ARITH_UABA; break;
    case (0b10000 << 1) | 0: operation = ARITH_ADD; anySize = true; break;
    case (0b10000 << 1) | 1: operation = ARITH_SUB; anySize = true; break;
    case (0b10001 << 1) | 0: operation = ARITH_CMTST; anySize = true; break;
    case (0b10001 << 1) | 1: operation = ARITH_CMEQ; anySize = true; break;
    case (0b10010 << 1) | 0: operation = ARITH_MLA; break;
    case (0b10010 << 1) | 1: operation = ARITH_MLS; break;
    case (0b10011 << 1) | 0: operation = ARITH_MUL; break;
    case (0b10011 << 1) | 1: operation = ARITH_PMUL; sizes = 0b0001; break;
    case (0b10100 << 1) | 0: operation = ARITH_SMAXP; break;
    case (0b10100 << 1) | 1: operation = ARITH_UMAXP; break;
    case (0b10101 << 1) | 0: operation = ARITH_SMINP; break;
    case (0b10101 << 1) | 1: operation = ARITH_UMINP; break;
    case (0b10110 << 1) | 0: operation = ARITH_SQDMULH; sizes = 0b0110; break;
    case (0b10110 << 1) | 1: operation = ARITH_SQRDMULH; sizes = 0b0110; break;
    case (0b10111 << 1) | 0: operation = ARITH_ADDP; anySize = true; break;
  }
  if (operation == 0) return undefinedInstruction();
  if (size == 3 ? !anySize || q == 0 : (sizes & (1 << size)) == 0) return undefinedInstruction();
  return arith(rd, rn, rm, operation, <u32>1 << size, bytesWritten);
}

function threeDifferent(word: u32, rd: u32, rn: u32, rm: u32, q: u32, u: u32, size: u32): bool {
  const opcode = bits(word, 12, 4);
  const codes: StaticArray<u8> = [
    LONG_SADDL, LONG_UADDL, LONG_SADDW, LONG_UADDW, LONG_SSUBL, LONG_USUBL, LONG_SSUBW, LONG_USUBW,
    LONG_ADDHN, LONG_RADDHN, LONG_SABAL, LONG_UABAL, LONG_SUBHN, LONG_RSUBHN, LONG_SABDL, LONG_UABDL,
    LONG_SMLAL, LONG_UMLAL, LONG_SQDMLAL, 0, LONG_SMLSL, LONG_UMLSL, LONG_SQDMLSL, 0,
    LONG_SMULL, LONG_UMULL, LONG_SQDMULL, 0, LONG_PMULL, 0, 0, 0,
  ];
  const operation = codes[(opcode << 1) | u];
  if (operation == 0) return undefinedInstruction();
  if (operation == LONG_PMULL) {
    if (size == 3) return unsupported(); // PMULL (64-bit), the cryptographic extension
    if (size != 0) return undefinedInstruction();
  }
  const doubling = operation == LONG_SQDMLAL || operation == LONG_SQDMLSL || operation == LONG_SQDMULL;
  if (size == 3 || (doubling && size == 0)) return undefinedInstruction();
  op(OP_V_LONG);
  fields(v(rd), v(rn), v(rm));
  ab(<u32>1 << size, operation);
  imm(q ? PART_UPPER : PART_LOWER);
  return CONTINUES;
}

function twoRegisterMisc(word: u32, rd: u32, rn: u32, q: u32, u: u32, size: u32, bytesWritten: u32): bool {
  const opcode = bits(word, 12, 5);
  const part = q ? PART_UPPER : PART_LOWER;
  let operation: u8 = 0;
  let laneBytes: u32 = 1 << size;
  let sizes: u32 = 0b1111; // lane sizes allowed, by bit (64-bit lanes only with Q = 1)
  switch ((opcode << 1) | u) {
    case (0b00000 << 1) | 0: operation = UNARY_REV64; sizes = 0b0111; break;
    case (0b00000 << 1) | 1: operation = UNARY_REV32; sizes = 0b0011; break;
    case (0b00001 << 1) | 0: operation = UNARY_REV16; sizes = 0b0001; break;
    case (0b00010 << 1) | 0: case (0b00010 << 1) | 1: case (0b00110 << 1) | 0: case (0b00110 << 1) | 1: {
      if (size == 3) return undefinedInstruction();
      const pairwise: StaticArray<u8> = [LONG_SADDLP, LONG_UADDLP, LONG_SADALP, LONG_UADALP];
      op(OP_V_PAIRWISE_LONG);
      fields(v(rd), v(rn), 0);
      ab(laneBytes, pairwise[((opcode >> 1) & 2) | u]);
      imm(bytesWritten);
      return CONTINUES;
    }
    case (0b00011 << 1) | 0: operation = UNARY_SUQADD; break;
    case (0b00011 << 1) | 1: operation = UNARY_USQADD; break;
    case (0b00100 << 1) | 0: operation = UNARY_CLS; sizes = 0b0111; break;
    case (0b00100 << 1) | 1: operation = UNARY_CLZ; sizes = 0b0111; break;
    case (0b00101 << 1) | 0: operation = UNARY_CNT; sizes = 0b0001; break;
    case (0b00101 << 1) | 1:
      if (size == 0) operation = UNARY_NOT;
      else if (size == 1) { operation = UNARY_RBIT; laneBytes = 1; }
      else return undefinedInstruction();
      break;
    case (0b00111 << 1) | 0: operation = UNARY_SQABS; break;
    case (0b00111 << 1) | 1: operation = UNARY_SQNEG; break;
    case (0b01000 << 1) | 0: operation = UNARY_CMGT0; break;
    case (0b01000 << 1) | 1: operation = UNARY_CMGE0; break;
    case (0b01001 << 1) | 0: operation = UNARY_CMEQ0; break;
    case (0b01001 << 1) | 1: operation = UNARY_CMLE0; break;
    case (0b01010 << 1) | 0: operation = UNARY_CMLT0; break;
    case (0b01011 << 1) | 0: operation = UNARY_ABS; break;
    case (0b01011 << 1) | 1: operation = UNARY_NEG; break;
    case (0b10010 << 1) | 0: case (0b10010 << 1) | 1: case (0b10100 << 1) | 0: case (0b10100 << 1) | 1: {
      // XTN, SQXTUN, SQXTN, UQXTN (and the "2" forms into the upper half)
      if (size == 3) return undefinedInstruction();
      const narrowing: StaticArray<u8> = [NARROW_XTN, NARROW_SQXTUN, NARROW_SQXTN, NARROW_UQXTN];
      return narrow(rd, rn, narrowing[((opcode >> 1) & 2) | u], laneBytes, 0, part);
    }
    case (0b10011 << 1) | 1: { // SHLL, SHLL2
      if (size == 3) return undefinedInstruction();
      op(OP_V_LONG);
      fields(v(rd), v(rn), v(rn));
      ab(laneBytes, LONG_SHLL);
      imm(part);
      return CONTINUES;
    }
  }
  if (operation == 0) {
    // The floating-point conversions and comparisons with zero occupy opcodes 0b01100 and up.
    if (opcode >= 0b01100 && opcode != 0b10010 && opcode != 0b10011 && opcode != 0b10100) return unsupported();
    return undefinedInstruction();
  }
  if ((sizes & (1 << size)) == 0 || (size == 3 && q == 0)) return undefinedInstruction();
  return unary(rd, rn, operation, laneBytes, bytesWritten);
}

function acrossLanes(word: u32, rd: u32, rn: u32, q: u32, u: u32, size: u32): bool {
  const opcode = bits(word, 12, 5);
  let operation: u8 = 0;
  switch ((opcode << 1) | u) {
    case (0b11011 << 1) | 0: operation = REDUCE_ADDV; break;
    case (0b00011 << 1) | 0: operation = REDUCE_SADDLV; break;
    case (0b00011 << 1) | 1: operation = REDUCE_UADDLV; break;
    case (0b01010 << 1) | 0: operation = REDUCE_SMAXV; break;
    case (0b01010 << 1) | 1: operation = REDUCE_UMAXV; break;
    case (0b11010 << 1) | 0: operation = REDUCE_SMINV; break;
    case (0b11010 << 1) | 1: operation = REDUCE_UMINV; break;
  }
  if (operation == 0) return opcode == 0b01100 || opcode == 0b01111 ? unsupported() : undefinedInstruction();
  if (size == 3 || (size == 2 && q == 0)) return undefinedInstruction();
  op(OP_V_REDUCE);
  fields(v(rd), v(rn), 0);
  ab(<u32>1 << size, operation);
  imm(q ? 16 : 8);
  return CONTINUES;
}

/** Shift by immediate, vector or (`scalar`) one lane. */
function shiftImmediate(word: u32, rd: u32, rn: u32, q: u32, u: u32, scalar: bool): bool {
  const immh = bits(word, 19, 4);
  const immhb = bits(word, 16, 7);
  const opcode = bits(word, 11, 5);
  const sizeLog = 31 - clz<u32>(immh);
  const esize: u32 = 8 << sizeLog;
  const laneBytes: u32 = 1 << sizeLog;
  const right = 2 * esize - immhb; // the right-shift amount, 1 to esize
  const left = immhb - esize; // the left-shift amount, 0 to esize - 1
  if (opcode == 0b11100 || opcode == 0b11111) return unsupported(); // fixed-point conversions
  // Narrowing: lanes of twice the size shifted right into lanes of this size.
  if (opcode >= 0b10000 && opcode <= 0b10011) {
    let operation: u8 = 0;
    switch ((opcode << 1) | u) {
      case (0b10000 << 1) | 0: operation = scalar ? 0 : NARROW_SHRN; break;
      case (0b10000 << 1) | 1: operation = NARROW_SQSHRUN; break;
      case (0b10001 << 1) | 0: operation = scalar ? 0 : NARROW_RSHRN; break;
      case (0b10001 << 1) | 1: operation = NARROW_SQRSHRUN; break;
      case (0b10010 << 1) | 0: operation = NARROW_SQSHRN; break;
      case (0b10010 << 1) | 1: operation = NARROW_UQSHRN; break;
      case (0b10011 << 1) | 0: operation = NARROW_SQRSHRN; break;
      case (0b10011 << 1) | 1: operation = NARROW_UQRSHRN; break;
    }
    if (operation == 0 || sizeLog == 3) return undefinedInstruction();
    return narrow(rd, rn, operation, laneBytes, right, scalar ? PART_SCALAR : q ? PART_UPPER : PART_LOWER);
  }
  if (opcode == 0b10100) { // SSHLL, USHLL (SXTL, UXTL)
    if (sizeLog == 3 || scalar) return undefinedInstruction();
    op(OP_V_WIDEN);
    fields(v(rd), v(rn), 0);
    ab(laneBytes, u ? WIDEN_USHLL : WIDEN_SSHLL);
    imm(left);
    imm2(q ? PART_UPPER : PART_LOWER);
    return CONTINUES;
  }
  let operation: u8 = 0;
  let amount: u32 = right;
  let anyScalarSize = false; // the scalar form takes every lane size, not only 64 bits
  switch ((opcode << 1) | u) {
    case (0b00000 << 1) | 0: operation = SHIFT_SSHR; break;
    case (0b00000 << 1) | 1: operation = SHIFT_USHR; break;
    case (0b00010 << 1) | 0: operation = SHIFT_SSRA; break;
    case (0b00010 << 1) | 1: operation = SHIFT_USRA; break;
    case (0b00100 << 1) | 0: operation = SHIFT_SRSHR; break;
    case (0b00100 << 1) | 1: operation = SHIFT_URSHR; break;
    case (0b00110 << 1) | 0: operation = SHIFT_SRSRA; break;
    case (0b00110 << 1) | 1: operation = SHIFT_URSRA; break;
    case (0b01000 << 1) | 1: operation = SHIFT_SRI; break;
    case (0b01010 << 1) | 0: operation = SHIFT_SHL; amount = left; break;
    case (0b01010 << 1) | 1: operation = SHIFT_SLI; amount = left; break;
    case (0b01100 << 1) | 1: operation = SHIFT_SQSHLU; amount = left; anyScalarSize = true; break;
    case (0b01110 << 1) | 0: operation = SHIFT_SQSHL; amount = left; anyScalarSize = true; break;
    case (0b01110 << 1) | 1: operation = SHIFT_UQSHL; amount = left; anyScalarSize = true; break;
  }
  if (operation == 0) return undefinedInstruction();
  if (scalar ? sizeLog != 3 && !anyScalarSize : sizeLog == 3 && q == 0) return undefinedInstruction();
  op(OP_V_SHIFT);
  fields(v(rd), v(rn), 0);
  ab(laneBytes, operation);
  imm(amount);
  imm2(scalar ? laneBytes : q ? 16 : 8);
  return CONTINUES;
}

/** Vector or (`scalar`) scalar by indexed element: multiplies by one lane of m. */
function byElement(word: u32, rd: u32, rn: u32, q: u32, u: u32, size: u32, scalar: bool): bool {
  const opcode = bits(word, 12, 4);
  const l = bit(word, 21);
  const h = bit(word, 11);
  let operation: u8 = 0;
  let long = false;
  switch ((opcode << 1) | u) {
    case (0b0000 << 1) | 1: operation = scalar ? 0 : ARITH_MLA; break;
    case (0b0100 << 1) | 1: operation = scalar ? 0 : ARITH_MLS; break;
    case (0b1000 << 1) | 0: operation = scalar ? 0 : ARITH_MUL; break;
    case (0b1100 << 1) | 0: operation = ARITH_SQDMULH; break;
    case (0b1101 << 1) | 0: operation = ARITH_SQRDMULH; break;
    case (0b0010 << 1) | 0: operation = scalar ? 0 : LONG_SMLAL; long = true; break;
    case (0b0010 << 1) | 1: operation = scalar ? 0 : LONG_UMLAL; long = true; break;
    case (0b0110 << 1) | 0: operation = scalar ? 0 : LONG_SMLSL; long = true; break;
    case (0b0110 << 1) | 1: operation = scalar ? 0 : LONG_UMLSL; long = true; break;
    case (0b1010 << 1) | 0: operation = scalar ? 0 : LONG_SMULL; long = true; break;
    case (0b1010 << 1) | 1: operation = scalar ? 0 : LONG_UMULL; long = true; break;
    case (0b0011 << 1) | 0: operation = LONG_SQDMLAL; long = true; break;
    case (0b0111 << 1) | 0: operation = LONG_SQDMLSL; long = true; break;
    case (0b1011 << 1) | 0: operation = LONG_SQDMULL; long = true; break;
  }
  if (operation == 0) {
    // Floating point (FMLA, FMLS, FMUL, FMULX) and the later extensions' forms (dot product, RDMA).
    if (opcode == 0b0001 || opcode == 0b0101 || opcode == 0b1001) return unsupported();
    return undefinedInstruction();
  }
  if (size != 1 && size != 2) return undefinedInstruction();
  const index = size == 1 ? (h << 2) | (l << 1) | bit(word, 20) : (h << 1) | l;
  const rm = size == 1 ? bits(word, 16, 4) : bits(word, 16, 5);
  const laneBytes: u32 = 1 << size;
  fields(v(rd), v(rn), v(rm));
  ab(laneBytes, operation);
  imm2(index);
  if (long) {
    op(OP_V_ELEMENT_LONG);
    imm(scalar ? PART_SCALAR : q ? PART_UPPER : PART_LOWER);
  } else {
    op(OP_V_ELEMENT);
    imm(scalar ? laneBytes : q ? 16 : 8);
  }
  return CONTINUES;
}

/** The Advanced SIMD scalar classes: one lane, the rest of the destination cleared. */
function simdScalar(word: u32, rd: u32, rn: u32, rm: u32, u: u32, size: u32): bool {
  const laneBytes: u32 = 1 << size;
  // scalar three same
  if ((word & 0xdf20_0400) == 0x5e20_0400) {
    const opcode = bits(word, 11, 5);
    if (opcode >= 0b11000) return unsupported(); // floating point
    let operation: u8 = 0;
    let doubleOnly = true;
    switch ((opcode << 1) | u) {
      case (0b00001 << 1) | 0: operation = ARITH_SQADD; doubleOnly = false; break;
      case (0b00001 << 1) | 1: operation = ARITH_UQADD; doubleOnly = false; break;
      case (0b00101 << 1) | 0: operation = ARITH_SQSUB; doubleOnly = false; break;
      case (0b00101 << 1) | 1: operation = ARITH_UQSUB; doubleOnly = false; break;
      case (0b00110 << 1) | 0: operation = ARITH_CMGT; break;
      case (0b00110 << 1) | 1: operation = ARITH_CMHI; break;
      case (0b00111 << 1) | 0: operation = ARITH_CMGE; break;
      case (0b00111 << 1) | 1: operation = ARITH_CMHS; break;
      case (0b01000 << 1) | 0: operation = ARITH_SSHL; break;
      case (0b01000 << 1) | 1: operation = ARITH_USHL; break;
      case (0b01001 << 1) | 0: operation = ARITH_SQSHL; doubleOnly = false; break;
      case (0b01001 << 1) | 1: operation = ARITH_UQSHL; doubleOnly = false; break;
      case (0b01010 << 1) | 0: operation = ARITH_SRSHL; break;
      case (0b01010 << 1) | 1: operation = ARITH_URSHL; break;
      case (0b01011 << 1) | 0: operation = ARITH_SQRSHL; doubleOnly = false; break;
      case (0b01011 << 1) | 1: operation = ARITH_UQRSHL; doubleOnly = false; break;
      case (0b10000 << 1) | 0: operation = ARITH_ADD; break;
      case (0b10000 << 1) | 1: operation = ARITH_SUB; break;
      case (0b10001 << 1) | 0: operation = ARITH_CMTST; break;
      case (0b10001 << 1) | 1: operation = ARITH_CMEQ; break;
      case (0b10110 << 1) | 0: case (0b10110 << 1) | 1:
        if (size != 1 && size != 2) return undefinedInstruction();
        return arith(rd, rn, rm, u ? ARITH_SQRDMULH : ARITH_SQDMULH, laneBytes, laneBytes);
    }
    if (operation == 0 || (doubleOnly && size != 3)) return undefinedInstruction();
    return arith(rd, rn, rm, operation, laneBytes, laneBytes);
  }
  // scalar three different: SQDMLAL, SQDMLSL, SQDMULL
  if ((word & 0xdf20_0c00) == 0x5e20_0000) {
    const opcode = bits(word, 12, 4);
    let operation: u8 = 0;
    if (u == 0 && opcode == 0b1001) operation = LONG_SQDMLAL;
    else if (u == 0 && opcode == 0b1011) operation = LONG_SQDMLSL;
    else if (u == 0 && opcode == 0b1101) operation = LONG_SQDMULL;
    if (operation == 0 || (size != 1 && size != 2)) return undefinedInstruction();
    op(OP_V_LONG);
    fields(v(rd), v(rn), v(rm));
    ab(laneBytes, operation);
    imm(PART_SCALAR);
    return CONTINUES;
  }
  // scalar two-register miscellaneous
  if ((word & 0xdf3e_0c00) == 0x5e20_0800) {
    const opcode = bits(word, 12, 5);
    let operation: u8 = 0;
    let doubleOnly = true;
    switch ((opcode << 1) | u) {
      case (0b00011 << 1) | 0: operation = UNARY_SUQADD; doubleOnly = false; break;
      case (0b00011 << 1) | 1: operation = UNARY_USQADD; doubleOnly = false; break;
      case (0b00111 << 1) | 0: operation = UNARY_SQABS; doubleOnly = false; break;
      case (0b00111 << 1) | 1: operation = UNARY_SQNEG; doubleOnly = false; break;
      case (0b01000 << 1) | 0: operation = UNARY_CMGT0; break;
      case (0b01000 << 1) | 1: operation = UNARY_CMGE0; break;
      case (0b01001 << 1) | 0: operation = UNARY_CMEQ0; break;
      case (0b01001 << 1) | 1: operation = UNARY_CMLE0; break;
      case (0b01010 << 1) | 0: operation = UNARY_CMLT0; break;
      case (0b01011 << 1) | 0: operation = UNARY_ABS; break;
      case (0b01011 << 1) | 1: operation = UNARY_NEG; break;
      case (0b10010 << 1) | 1: case (0b10100 << 1) | 0: case (0b10100 << 1) | 1: {
        if (size == 3) return undefinedInstruction();
        const narrowing = opcode == 0b10010 ? NARROW_SQXTUN : u ? NARROW_UQXTN : NARROW_SQXTN;
        return narrow(rd, rn, narrowing, laneBytes, 0, PART_SCALAR);
      }
    }
    if (operation == 0) return opcode >= 0b01100 ? unsupported() : undefinedInstruction();
    if (doubleOnly && size != 3) return undefinedInstruction();
    return unary(rd, rn, operation, laneBytes, laneBytes);
  }
  // scalar pairwise: ADDP (the others are floating point)
  if ((word & 0xdf3e_0c00) == 0x5e30_0800) {
    const opcode = bits(word, 12, 5);
    if (u == 0 && opcode == 0b11011) {
      if (size != 3) return undefinedInstruction();
      return arith(rd, rn, rn, ARITH_ADDP, 8, 8);
    }
    return opcode == 0b01100 || opcode == 0b01101 || opcode == 0b01111 ? unsupported() : undefinedInstruction();
  }
  // scalar copy: DUP (element), also written MOV
  if ((word & 0xdfe0_8400) == 0x5e00_0400) {
    const imm5 = bits(word, 16, 5);
    if (u != 0 || bits(word, 11, 4) != 0 || (imm5 & 0xf) == 0) return undefinedInstruction();
    const sizeLog = ctz<u32>(imm5);
    const bytes: u32 = 1 << sizeLog;
    op(OP_V_DUP_LANE);
    fields(v(rd), v(rn), 0);
    ab(bytes, bytes);
    imm(imm5 >> (sizeLog + 1));
    return CONTINUES;
  }
  // scalar shift by immediate
  if ((word & 0xdf80_0400) == 0x5f00_0400 && bits(word, 19, 4) != 0) return shiftImmediate(word, rd, rn, 1, u, true);
  // scalar by element
  if ((word & 0xdf00_0400) == 0x5f00_0000) return byElement(word, rd, rn, 1, u, size, true);
  return unsupported();
}
