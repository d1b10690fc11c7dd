// Turns one decoded instruction (the engine's X64Instruction) into an interpreter entry: picks the
// operation, resolves registers to state slots (AH..BH included), memory operands to base, index,
// scale and displacement (RIP-relative ones to their absolute address), and immediates to their
// final width. Everything outside the implemented set becomes OP_UNSUPPORTED, never a guess.
import { X64Encoding } from '../../../../isa/x64/codes';
import { X64Instruction } from '../../../../isa/x64/instruction';
import {
  ENTRY_SIZE, E_BASE, E_BYTES, E_DISP, E_FLAGS, E_IMM, E_IMM2, E_INDEX, E_LENGTH, E_NEXT, E_OFFSET, E_OP, E_REG, E_RM,
  E_SCALE, E_SEGMENT, E_SIZE, E_SIZE2, E_SUB, F_ADDR32, F_ALIGNED, F_COUNT_CL, F_REP, F_REPNE, OP_ALU_MI, OP_ALU_MR,
  OP_ALU_RI, OP_ALU_RR, OP_ALU_R_RM, OP_BSF, OP_BSR, OP_BSWAP, OP_BT_I, OP_BT_R, OP_CALL, OP_CALL_RM, OP_CBW, OP_CMOV,
  OP_CMPXCHG, OP_CMPXCHG_DOUBLE, OP_CWD, OP_DEC, OP_DIV, OP_ENTER, OP_FLAG, OP_HLT, OP_IDIV, OP_IMUL1, OP_IMUL_R_RM,
  OP_IMUL_R_RM_I, OP_INC, OP_INT, OP_INVALID, OP_JCC, OP_JMP, OP_JMP_RM, OP_LEA, OP_LEAVE, OP_LOAD, OP_LOOP, OP_LZCNT,
  OP_MOVSX, OP_MOVZX, OP_MOV_RI, OP_MOV_RR, OP_MUL, OP_NEG, OP_NOP, OP_NOT, OP_POPCNT, OP_POPF, OP_POP_RM, OP_PUSHF,
  OP_PUSH_I, OP_PUSH_RM, OP_RET, OP_SETCC, OP_SHIFT, OP_SHIFT_DOUBLE, OP_SSE, OP_STORE, OP_STORE_I, OP_STRING,
  OP_SYSCALL, OP_TEST_I, OP_TEST_R, OP_TZCNT, OP_UNSUPPORTED, OP_XADD, OP_XCHG, OP_XLAT, SSE_BLENDPD, SSE_BLENDPS,
  SSE_BLENDVPD, SSE_BLENDVPS, SSE_CVTTPS2DQ, SSE_INSERTPS, SSE_LOAD128, SSE_MASKMOVDQU, SSE_MOVDDUP,
  SSE_MOVD_FROM_XMM, SSE_MOVD_TO_XMM, SSE_MOVHLPS, SSE_MOVHP_LOAD, SSE_MOVHP_STORE, SSE_MOVLHPS, SSE_MOVLP_LOAD,
  SSE_MOVLP_STORE, SSE_MOVMSKPD, SSE_MOVMSKPS, SSE_MOVQ_LOAD, SSE_MOVQ_STORE, SSE_MOVSD_LOAD, SSE_MOVSD_STORE,
  SSE_MOVSHDUP, SSE_MOVSLDUP, SSE_MOVSS_LOAD, SSE_MOVSS_STORE, SSE_MPSADBW, SSE_PABSB, SSE_PABSD, SSE_PABSW,
  SSE_PACKSSDW, SSE_PACKSSWB, SSE_PACKUSDW, SSE_PACKUSWB, SSE_PADDB, SSE_PADDD, SSE_PADDQ, SSE_PADDSB, SSE_PADDSW,
  SSE_PADDUSB, SSE_PADDUSW, SSE_PADDW, SSE_PALIGNR, SSE_PAND, SSE_PANDN, SSE_PAVGB, SSE_PAVGW, SSE_PBLENDVB,
  SSE_PBLENDW, SSE_PCMPEQB, SSE_PCMPEQD, SSE_PCMPEQQ, SSE_PCMPEQW, SSE_PCMPGTB, SSE_PCMPGTD, SSE_PCMPGTQ, SSE_PCMPGTW,
  SSE_PEXTR, SSE_PHADDD, SSE_PHADDSW, SSE_PHADDW, SSE_PHMINPOSUW, SSE_PHSUBD, SSE_PHSUBSW, SSE_PHSUBW, SSE_PINSR,
  SSE_PMADDUBSW, SSE_PMADDWD, SSE_PMAXSB, SSE_PMAXSD, SSE_PMAXSW, SSE_PMAXUB, SSE_PMAXUD, SSE_PMAXUW, SSE_PMINSB,
  SSE_PMINSD, SSE_PMINSW, SSE_PMINUB, SSE_PMINUD, SSE_PMINUW, SSE_PMOVMSKB, SSE_PMOVSXBW, SSE_PMOVZXBW, SSE_PMULDQ,
  SSE_PMULHRSW, SSE_PMULHUW, SSE_PMULHW, SSE_PMULLD, SSE_PMULLW, SSE_PMULUDQ, SSE_POR, SSE_PSADBW, SSE_PSHUFB,
  SSE_PSHUFD, SSE_PSHUFHW, SSE_PSHUFLW, SSE_PSIGNB, SSE_PSIGND, SSE_PSIGNW, SSE_PSLLD, SSE_PSLLDQ_I, SSE_PSLLD_I,
  SSE_PSLLQ, SSE_PSLLQ_I, SSE_PSLLW, SSE_PSLLW_I, SSE_PSRAD, SSE_PSRAD_I, SSE_PSRAW, SSE_PSRAW_I, SSE_PSRLD,
  SSE_PSRLDQ_I, SSE_PSRLD_I, SSE_PSRLQ, SSE_PSRLQ_I, SSE_PSRLW, SSE_PSRLW_I, SSE_PSUBB, SSE_PSUBD, SSE_PSUBQ,
  SSE_PSUBSB, SSE_PSUBSW, SSE_PSUBUSB, SSE_PSUBUSW, SSE_PSUBW, SSE_PTEST, SSE_PUNPCKHBW, SSE_PUNPCKHDQ,
  SSE_PUNPCKHQDQ, SSE_PUNPCKHWD, SSE_PUNPCKLBW, SSE_PUNPCKLDQ, SSE_PUNPCKLQDQ, SSE_PUNPCKLWD, SSE_PXOR, SSE_SHUFPD,
  SSE_SHUFPS, SSE_STORE128,
} from './ops';
import { FS_BASE, GS_BASE, ZERO, gprSlot, xmmSlot } from './state';

/** Slot of general register `n` for an operand of `size` bytes; without REX, byte registers 4-7 are AH..BH. */
@inline function gpr(n: i32, size: i32, insn: X64Instruction): u16 {
  if (size == 1 && insn.rex == 0 && n >= 4 && n < 8) return <u16>(gprSlot(<u32>(n - 4)) + 1);
  return <u16>gprSlot(<u32>n);
}

@inline function xmm(n: i32): u16 {
  return <u16>xmmSlot(<u32>n);
}

/** Fills the memory operand fields from the ModRM/SIB facts. */
function setMemory(insn: X64Instruction, p: usize): void {
  store<u16>(p, 0, E_RM);
  if (insn.ripRelative) {
    store<u64>(p, insn.ripTarget, E_DISP);
  } else {
    if (insn.base >= 0) store<u16>(p, <u16>gprSlot(<u32>insn.base), E_BASE);
    if (insn.index >= 0) {
      store<u16>(p, <u16>gprSlot(<u32>insn.index), E_INDEX);
      store<u8>(p, <u8>ctz<i32>(insn.scale), E_SCALE);
    }
    store<i64>(p, insn.disp, E_DISP);
  }
  if (insn.addressSize == 4) store<u8>(p, load<u8>(p, E_FLAGS) | F_ADDR32, E_FLAGS);
  if (insn.segment == 0x64) store<u16>(p, <u16>FS_BASE, E_SEGMENT);
  else if (insn.segment == 0x65) store<u16>(p, <u16>GS_BASE, E_SEGMENT);
}

/** The r/m operand: a general register of `size` bytes, or memory. */
function setRm(insn: X64Instruction, p: usize, size: i32): void {
  if (insn.mod == 3) store<u16>(p, gpr(insn.rm, size, insn), E_RM);
  else setMemory(insn, p);
}

/** The r/m operand of an SSE instruction: an xmm register, or memory. */
function setXmmRm(insn: X64Instruction, p: usize): void {
  if (insn.mod == 3) store<u16>(p, xmm(insn.rm), E_RM);
  else setMemory(insn, p);
}

@inline function set(p: usize, op: u16, size: i32): void {
  store<u16>(p, op, E_OP);
  store<u8>(p, <u8>size, E_SIZE);
}

@inline function setSub(p: usize, sub: u32): void {
  store<u8>(p, <u8>sub, E_SUB);
}

@inline function setReg(p: usize, slot: u16): void {
  store<u16>(p, slot, E_REG);
}

@inline function setImm(p: usize, value: i64): void {
  store<i64>(p, value, E_IMM);
}

@inline function addFlag(p: usize, flag: u8): void {
  store<u8>(p, load<u8>(p, E_FLAGS) | flag, E_FLAGS);
}

/** The immediate, sign-extended as decoded (the interpreter truncates operands to their size). */
@inline function immediate(insn: X64Instruction): i64 {
  return insn.imm;
}

/**
 * Lowers `insn` (decoded at `address`, its bytes at `bytes`) into the entry at `p`, whose block
 * starts at `blockPc`. Returns true when the instruction ends the block (a branch, an exception, an
 * instruction that may repeat, or one the CPU cannot run).
 */
export function lowerX64(insn: X64Instruction, bytes: usize, p: usize, blockPc: u64): bool {
  memory.fill(p, 0, ENTRY_SIZE);
  store<u16>(p, <u16>ZERO, E_BASE);
  store<u16>(p, <u16>ZERO, E_INDEX);
  store<u16>(p, <u16>ZERO, E_SEGMENT);
  store<u16>(p, <u16>(insn.address - blockPc), E_OFFSET);
  store<u8>(p, <u8>insn.length, E_LENGTH);
  store<u64>(p, insn.address + <u64>insn.length, E_NEXT);
  let first: u64 = 0;
  const n = min(insn.length, 8);
  for (let i = 0; i < n; i++) first |= <u64>load<u8>(bytes + <usize>i) << (<u64>i << 3);
  store<u64>(p, first, E_BYTES);

  if (!insn.valid) {
    set(p, OP_INVALID, 0);
    return true;
  }
  let op: u16;
  if (insn.encoding != X64Encoding.LEGACY) op = OP_UNSUPPORTED;
  else if (insn.map == 0) op = lowerOneByte(insn, p);
  else if (insn.map == 1) op = lowerTwoByte(insn, p);
  else if (insn.map == 2) op = lowerSse38(insn, p);
  else op = lowerSse3A(insn, p);
  if (op == OP_UNSUPPORTED) {
    store<u16>(p, OP_UNSUPPORTED, E_OP);
    return true;
  }
  switch (op) {
    case OP_JCC: case OP_JMP: case OP_JMP_RM: case OP_CALL: case OP_CALL_RM: case OP_RET: case OP_LOOP:
    case OP_SYSCALL: case OP_INT: case OP_HLT: case OP_INVALID: case OP_STRING:
      return true;
  }
  return false;
}

/** ALU forms 00-3F: add or adc sbb and sub xor cmp with Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev / AL,Ib / rAX,Iz. */
function lowerAlu(insn: X64Instruction, p: usize, opcode: u32): u16 {
  const kind = opcode >> 3;
  const form = opcode & 7;
  const size = (form & 1) == 0 ? 1 : insn.operandSize;
  setSub(p, kind);
  if (form >= 4) {
    set(p, OP_ALU_RI, size);
    store<u16>(p, gpr(0, size, insn), E_RM);
    setImm(p, immediate(insn));
    return OP_ALU_RI;
  }
  setReg(p, gpr(insn.reg, size, insn));
  setRm(insn, p, size);
  if (form >= 2) {
    set(p, OP_ALU_R_RM, size);
    return OP_ALU_R_RM;
  }
  const op = insn.mod == 3 ? OP_ALU_RR : OP_ALU_MR;
  set(p, op, size);
  return op;
}

function lowerOneByte(insn: X64Instruction, p: usize): u16 {
  const opcode = <u32>insn.opcode;
  const osize = insn.operandSize;
  const group = (<u32>insn.modrm >> 3) & 7;
  if (opcode < 0x40 && (opcode & 7) < 6) return lowerAlu(insn, p, opcode);
  if (opcode >= 0x50 && opcode <= 0x5f) {
    // push / pop r64 (r16 with 66)
    const size = osize == 2 ? 2 : 8;
    const op = opcode < 0x58 ? OP_PUSH_RM : OP_POP_RM;
    set(p, op, size);
    store<u16>(p, <u16>gprSlot((opcode & 7) | (insn.rexB ? 8 : 0)), E_RM);
    return op;
  }
  if (opcode >= 0x70 && opcode <= 0x7f) return lowerJcc(insn, p, opcode & 15);
  if (opcode >= 0x91 && opcode <= 0x97 || opcode == 0x90 && insn.rexB) {
    set(p, OP_XCHG, osize);
    setReg(p, gpr(0, osize, insn));
    store<u16>(p, gpr(<i32>(opcode & 7) | (insn.rexB ? 8 : 0), osize, insn), E_RM);
    return OP_XCHG;
  }
  if (opcode >= 0xb0 && opcode <= 0xbf) {
    const size = opcode < 0xb8 ? 1 : osize;
    set(p, OP_MOV_RI, size);
    store<u16>(p, gpr(<i32>(opcode & 7) | (insn.rexB ? 8 : 0), size, insn), E_RM);
    setImm(p, immediate(insn));
    return OP_MOV_RI;
  }
  switch (opcode) {
    case 0x63: { // movsxd; without REX.W a plain 32- or 16-bit move
      set(p, OP_MOVSX, osize);
      store<u8>(p, <u8>(osize == 8 ? 4 : osize), E_SIZE2);
      setReg(p, gpr(insn.reg, osize, insn));
      setRm(insn, p, 4);
      return OP_MOVSX;
    }
    case 0x68: case 0x6a: {
      set(p, OP_PUSH_I, osize == 2 ? 2 : 8);
      setImm(p, immediate(insn));
      return OP_PUSH_I;
    }
    case 0x69: case 0x6b: {
      set(p, OP_IMUL_R_RM_I, osize);
      setReg(p, gpr(insn.reg, osize, insn));
      setRm(insn, p, osize);
      setImm(p, immediate(insn));
      return OP_IMUL_R_RM_I;
    }
    case 0x80: case 0x81: case 0x83: {
      const size = opcode == 0x80 ? 1 : osize;
      const op = insn.mod == 3 ? OP_ALU_RI : OP_ALU_MI;
      set(p, op, size);
      setSub(p, group);
      setRm(insn, p, size);
      setImm(p, immediate(insn));
      return op;
    }
    case 0x84: case 0x85: {
      const size = opcode == 0x84 ? 1 : osize;
      set(p, OP_TEST_R, size);
      setReg(p, gpr(insn.reg, size, insn));
      setRm(insn, p, size);
      return OP_TEST_R;
    }
    case 0x86: case 0x87: {
      const size = opcode == 0x86 ? 1 : osize;
      set(p, OP_XCHG, size);
      setReg(p, gpr(insn.reg, size, insn));
      setRm(insn, p, size);
      return OP_XCHG;
    }
    case 0x88: case 0x89: {
      const size = opcode == 0x88 ? 1 : osize;
      if (insn.mod == 3) {
        // mov r/m, reg between registers: the r/m register is the destination.
        set(p, OP_MOV_RR, size);
        setReg(p, gpr(insn.rm, size, insn));
        store<u16>(p, gpr(insn.reg, size, insn), E_RM);
        return OP_MOV_RR;
      }
      set(p, OP_STORE, size);
      setReg(p, gpr(insn.reg, size, insn));
      setMemory(insn, p);
      return OP_STORE;
    }
    case 0x8a: case 0x8b: {
      const size = opcode == 0x8a ? 1 : osize;
      setReg(p, gpr(insn.reg, size, insn));
      setRm(insn, p, size);
      const op = insn.mod == 3 ? OP_MOV_RR : OP_LOAD;
      set(p, op, size);
      return op;
    }
    case 0x8d: {
      set(p, OP_LEA, osize);
      setReg(p, gpr(insn.reg, osize, insn));
      setMemory(insn, p);
      // lea computes an offset: no segment base.
      store<u16>(p, <u16>ZERO, E_SEGMENT);
      return OP_LEA;
    }
    case 0x8f: {
      if (group != 0) return OP_UNSUPPORTED;
      set(p, OP_POP_RM, osize == 2 ? 2 : 8);
      setRm(insn, p, osize == 2 ? 2 : 8);
      return OP_POP_RM;
    }
    case 0x90: set(p, OP_NOP, 0); return OP_NOP; // nop and pause
    case 0x98: set(p, OP_CBW, osize); return OP_CBW;
    case 0x99: set(p, OP_CWD, osize); return OP_CWD;
    case 0x9c: set(p, OP_PUSHF, osize == 2 ? 2 : 8); return OP_PUSHF;
    case 0x9d: set(p, OP_POPF, osize == 2 ? 2 : 8); return OP_POPF;
    case 0x9e: set(p, OP_FLAG, 1); setSub(p, 6); return OP_FLAG; // sahf
    case 0x9f: set(p, OP_FLAG, 1); setSub(p, 5); return OP_FLAG; // lahf
    case 0xa0: case 0xa1: case 0xa2: case 0xa3: {
      // mov between the accumulator and an absolute address (moffs, zero-extended with 67)
      const size = (opcode & 1) == 0 ? 1 : osize;
      const moffs = insn.addressSize == 4 ? <u64>insn.imm & 0xffff_ffff : <u64>insn.imm;
      store<u64>(p, moffs, E_DISP);
      if (insn.segment == 0x64) store<u16>(p, <u16>FS_BASE, E_SEGMENT);
      else if (insn.segment == 0x65) store<u16>(p, <u16>GS_BASE, E_SEGMENT);
      setReg(p, gpr(0, size, insn));
      const op = opcode < 0xa2 ? OP_LOAD : OP_STORE;
      set(p, op, size);
      return op;
    }
    case 0xa4: case 0xa5: case 0xa6: case 0xa7: case 0xaa: case 0xab: case 0xac: case 0xad: case 0xae: case 0xaf:
      return lowerString(insn, p, opcode);
    case 0xa8: case 0xa9: {
      const size = opcode == 0xa8 ? 1 : osize;
      set(p, OP_TEST_I, size);
      store<u16>(p, gpr(0, size, insn), E_RM);
      setImm(p, immediate(insn));
      return OP_TEST_I;
    }
    case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
      const size = (opcode & 1) == 0 ? 1 : osize;
      set(p, OP_SHIFT, size);
      setSub(p, group);
      setRm(insn, p, size);
      if (opcode >= 0xd2) addFlag(p, F_COUNT_CL);
      else setImm(p, opcode >= 0xd0 ? 1 : insn.imm & 0xff);
      return OP_SHIFT;
    }
    case 0xc2: case 0xc3: {
      if (osize == 2) return OP_UNSUPPORTED; // 16-bit return
      set(p, OP_RET, 8);
      setImm(p, opcode == 0xc2 ? insn.imm & 0xffff : 0);
      return OP_RET;
    }
    case 0xc6: case 0xc7: {
      if (group != 0) return OP_UNSUPPORTED; // xabort / xbegin
      const size = opcode == 0xc6 ? 1 : osize;
      setImm(p, immediate(insn));
      if (insn.mod == 3) {
        set(p, OP_MOV_RI, size);
        store<u16>(p, gpr(insn.rm, size, insn), E_RM);
        return OP_MOV_RI;
      }
      set(p, OP_STORE_I, size);
      setMemory(insn, p);
      return OP_STORE_I;
    }
    case 0xc8: {
      if (osize == 2) return OP_UNSUPPORTED;
      set(p, OP_ENTER, 8);
      setImm(p, insn.imm & 0xffff);
      store<i64>(p, insn.imm2 & 0x1f, E_IMM2);
      return OP_ENTER;
    }
    case 0xc9: {
      if (osize == 2) return OP_UNSUPPORTED;
      set(p, OP_LEAVE, 8);
      return OP_LEAVE;
    }
    case 0xcc: set(p, OP_INT, 0); setImm(p, 3); return OP_INT;
    case 0xcd: set(p, OP_INT, 0); setImm(p, insn.imm & 0xff); return OP_INT;
    case 0xd7: {
      if (insn.addressSize == 4) return OP_UNSUPPORTED;
      set(p, OP_XLAT, 1);
      store<u16>(p, <u16>gprSlot(3), E_BASE);
      if (insn.segment == 0x64) store<u16>(p, <u16>FS_BASE, E_SEGMENT);
      else if (insn.segment == 0x65) store<u16>(p, <u16>GS_BASE, E_SEGMENT);
      return OP_XLAT;
    }
    case 0xe0: case 0xe1: case 0xe2: case 0xe3: {
      set(p, OP_LOOP, insn.addressSize);
      setSub(p, opcode & 3);
      setImm(p, <i64>insn.branchTarget);
      return OP_LOOP;
    }
    case 0xe8: set(p, OP_CALL, 8); setImm(p, <i64>insn.branchTarget); return OP_CALL;
    case 0xe9: case 0xeb: set(p, OP_JMP, 8); setImm(p, <i64>insn.branchTarget); return OP_JMP;
    case 0xf4: set(p, OP_HLT, 0); return OP_HLT;
    case 0xf5: set(p, OP_FLAG, 0); setSub(p, 2); return OP_FLAG;
    case 0xf6: case 0xf7: {
      const size = opcode == 0xf6 ? 1 : osize;
      setRm(insn, p, size);
      let op: u16;
      switch (group) {
        case 0: case 1: op = OP_TEST_I; setImm(p, immediate(insn)); break;
        case 2: op = OP_NOT; break;
        case 3: op = OP_NEG; break;
        case 4: op = OP_MUL; break;
        case 5: op = OP_IMUL1; break;
        case 6: op = OP_DIV; break;
        default: op = OP_IDIV; break;
      }
      set(p, op, size);
      return op;
    }
    case 0xf8: set(p, OP_FLAG, 0); setSub(p, 0); return OP_FLAG;
    case 0xf9: set(p, OP_FLAG, 0); setSub(p, 1); return OP_FLAG;
    case 0xfc: set(p, OP_FLAG, 0); setSub(p, 3); return OP_FLAG;
    case 0xfd: set(p, OP_FLAG, 0); setSub(p, 4); return OP_FLAG;
    case 0xfe: case 0xff: {
      const size = opcode == 0xfe ? 1 : osize;
      switch (group) {
        case 0: case 1: {
          const op = group == 0 ? OP_INC : OP_DEC;
          set(p, op, size);
          setRm(insn, p, size);
          return op;
        }
        case 2: case 4: {
          const op = group == 2 ? OP_CALL_RM : OP_JMP_RM;
          set(p, op, 8);
          setRm(insn, p, 8);
          setSub(p, insn.segment == 0x3e ? 1 : 0); // notrack (branch-targets.ts)
          return op;
        }
        case 6: {
          const pushSize = osize == 2 ? 2 : 8;
          set(p, OP_PUSH_RM, pushSize);
          setRm(insn, p, pushSize);
          return OP_PUSH_RM;
        }
      }
      return OP_UNSUPPORTED; // far call / jmp
    }
  }
  return OP_UNSUPPORTED;
}

function lowerJcc(insn: X64Instruction, p: usize, cc: u32): u16 {
  set(p, OP_JCC, 0);
  setSub(p, cc);
  setImm(p, <i64>insn.branchTarget);
  return OP_JCC;
}

function lowerString(insn: X64Instruction, p: usize, opcode: u32): u16 {
  if (insn.addressSize == 4) return OP_UNSUPPORTED; // 32-bit string addressing
  const size = (opcode & 1) == 0 ? 1 : insn.operandSize;
  let kind: u32;
  switch (opcode & 0xfe) {
    case 0xa4: kind = 0; break;
    case 0xa6: kind = 1; break;
    case 0xaa: kind = 2; break;
    case 0xac: kind = 3; break;
    default: kind = 4; break;
  }
  set(p, OP_STRING, size);
  setSub(p, kind);
  // The last of F2/F3 counts; movs, stos and lods repeat on either.
  if (insn.lastRepPrefix == 0xf3) addFlag(p, F_REP);
  else if (insn.lastRepPrefix == 0xf2) addFlag(p, F_REPNE);
  // Only the source (rsi) takes a segment override; the destination is always es.
  if (insn.segment == 0x64) store<u16>(p, <u16>FS_BASE, E_SEGMENT);
  else if (insn.segment == 0x65) store<u16>(p, <u16>GS_BASE, E_SEGMENT);
  return OP_STRING;
}

function lowerTwoByte(insn: X64Instruction, p: usize): u16 {
  const opcode = <u32>insn.opcode;
  const osize = insn.operandSize;
  const group = (<u32>insn.modrm >> 3) & 7;
  const prefix = <u32>insn.mandatoryPrefix;
  if (opcode >= 0x80 && opcode <= 0x8f) return lowerJcc(insn, p, opcode & 15);
  if (opcode >= 0x40 && opcode <= 0x4f) {
    set(p, OP_CMOV, osize);
    setSub(p, opcode & 15);
    setReg(p, gpr(insn.reg, osize, insn));
    setRm(insn, p, osize);
    return OP_CMOV;
  }
  if (opcode >= 0x90 && opcode <= 0x9f) {
    set(p, OP_SETCC, 1);
    setSub(p, opcode & 15);
    setRm(insn, p, 1);
    return OP_SETCC;
  }
  if (opcode >= 0xc8 && opcode <= 0xcf) {
    set(p, OP_BSWAP, osize);
    store<u16>(p, <u16>gprSlot((opcode & 7) | (insn.rexB ? 8 : 0)), E_RM);
    return OP_BSWAP;
  }
  if (opcode >= 0x10 && opcode <= 0x17 || opcode >= 0x28 && opcode <= 0x2b || opcode >= 0x50 && opcode <= 0x7f ||
    opcode >= 0xd0 || opcode == 0xc4 || opcode == 0xc5 || opcode == 0xc6) {
    return lowerSse(insn, p, opcode, prefix);
  }
  switch (opcode) {
    case 0x05: set(p, OP_SYSCALL, 0); return OP_SYSCALL;
    case 0x0b: set(p, OP_INVALID, 0); return OP_INVALID; // ud2
    case 0x0d: case 0x18: set(p, OP_NOP, 0); return OP_NOP; // prefetch hints
    case 0x1e: case 0x1f: set(p, OP_NOP, 0); return OP_NOP; // endbr64/endbr32 and the reserved NOPs
    case 0xa3: case 0xab: case 0xb3: case 0xbb: {
      set(p, OP_BT_R, osize);
      setSub(p, (opcode >> 3) & 3);
      setReg(p, gpr(insn.reg, osize, insn));
      setRm(insn, p, osize);
      return OP_BT_R;
    }
    case 0xba: {
      if (group < 4) return OP_UNSUPPORTED;
      set(p, OP_BT_I, osize);
      setSub(p, group & 3);
      setRm(insn, p, osize);
      setImm(p, insn.imm & 0xff);
      return OP_BT_I;
    }
    case 0xa4: case 0xa5: case 0xac: case 0xad: {
      set(p, OP_SHIFT_DOUBLE, osize);
      setSub(p, opcode >= 0xac ? 1 : 0);
      setReg(p, gpr(insn.reg, osize, insn));
      setRm(insn, p, osize);
      if ((opcode & 1) != 0) addFlag(p, F_COUNT_CL);
      else store<i64>(p, insn.imm & 0xff, E_IMM2);
      return OP_SHIFT_DOUBLE;
    }
    case 0xae: {
      // lfence, mfence, sfence: ordering is trivial on one CPU.
      if (insn.mod == 3 && group >= 5 && prefix == 0 && !insn.rep && !insn.repne) {
        set(p, OP_NOP, 0);
        return OP_NOP;
      }
      return OP_UNSUPPORTED;
    }
    case 0xaf: {
      set(p, OP_IMUL_R_RM, osize);
      setReg(p, gpr(insn.reg, osize, insn));
      setRm(insn, p, osize);
      return OP_IMUL_R_RM;
    }
    case 0xb0: case 0xb1: case 0xc0: case 0xc1: {
      const size = (opcode & 1) == 0 ? 1 : osize;
      const op = opcode < 0xc0 ? OP_CMPXCHG : OP_XADD;
      set(p, op, size);
      setReg(p, gpr(insn.reg, size, insn));
      setRm(insn, p, size);
      return op;
    }
    case 0xb6: case 0xb7: case 0xbe: case 0xbf: {
      const op = opcode < 0xb8 ? OP_MOVZX : OP_MOVSX;
      const from = (opcode & 1) == 0 ? 1 : 2;
      set(p, op, osize);
      store<u8>(p, <u8>from, E_SIZE2);
      setReg(p, gpr(insn.reg, osize, insn));
      setRm(insn, p, from);
      return op;
    }
    case 0xb8: case 0xbc: case 0xbd: {
      let op: u16;
      // F3 selects popcnt, tzcnt and lzcnt (for bsf and bsr it would be a plain repeat prefix).
      if (prefix == 0xf3 || insn.lastRepPrefix == 0xf3) op = opcode == 0xb8 ? OP_POPCNT : opcode == 0xbc ? OP_TZCNT : OP_LZCNT;
      else if (opcode == 0xb8) return OP_UNSUPPORTED; // jmpe
      else op = opcode == 0xbc ? OP_BSF : OP_BSR;
      set(p, op, osize);
      setReg(p, gpr(insn.reg, osize, insn));
      setRm(insn, p, osize);
      return op;
    }
    case 0xc3: { // movnti m, r
      set(p, OP_STORE, osize);
      setReg(p, gpr(insn.reg, osize, insn));
      setMemory(insn, p);
      return OP_STORE;
    }
    case 0xc7: {
      if (group != 1 || insn.mod == 3) return OP_UNSUPPORTED;
      set(p, OP_CMPXCHG_DOUBLE, insn.rexW ? 8 : 4);
      setMemory(insn, p);
      if (insn.rexW) addFlag(p, F_ALIGNED);
      return OP_CMPXCHG_DOUBLE;
    }
  }
  return OP_UNSUPPORTED;
}

@inline function sse(p: usize, sub: u8, size: i32): u16 {
  set(p, OP_SSE, size);
  setSub(p, sub);
  return OP_SSE;
}

/** A legacy SSE operation on xmm and xmm/m128; a 128-bit memory operand must be 16-byte aligned. */
function sseBinary(insn: X64Instruction, p: usize, sub: u8): u16 {
  setXmmRm(insn, p);
  addFlag(p, F_ALIGNED);
  return sse(p, sub, 16);
}

/** The r/m operand of pinsr*, pextr* and extractps: a whole general register (no AH..BH), or memory. */
function setGprOrMemory(insn: X64Instruction, p: usize): void {
  if (insn.mod == 3) store<u16>(p, <u16>gprSlot(<u32>insn.rm), E_RM);
  else setMemory(insn, p);
}

/** SSE moves, the SSE2 integer operations, and the SSE3 moves; MMX forms (no 66) are not implemented. */
function lowerSse(insn: X64Instruction, p: usize, opcode: u32, prefix: u32): u16 {
  setReg(p, xmm(insn.reg));
  switch (opcode) {
    case 0x10: case 0x11: {
      const store = opcode == 0x11;
      if (prefix == 0 || prefix == 0x66) {
        setXmmRm(insn, p);
        return sse(p, store ? SSE_STORE128 : SSE_LOAD128, 16);
      }
      setXmmRm(insn, p);
      if (prefix == 0xf3) return sse(p, store ? SSE_MOVSS_STORE : SSE_MOVSS_LOAD, 4);
      return sse(p, store ? SSE_MOVSD_STORE : SSE_MOVSD_LOAD, 8);
    }
    case 0x12: case 0x16: {
      if (prefix == 0xf3) return sseBinary(insn, p, opcode == 0x12 ? SSE_MOVSLDUP : SSE_MOVSHDUP);
      if (prefix == 0xf2) {
        if (opcode != 0x12) return OP_UNSUPPORTED;
        setXmmRm(insn, p);
        return sse(p, SSE_MOVDDUP, 8);
      }
      if (insn.mod == 3) {
        if (prefix != 0) return OP_UNSUPPORTED;
        setXmmRm(insn, p);
        return sse(p, opcode == 0x12 ? SSE_MOVHLPS : SSE_MOVLHPS, 8);
      }
      setMemory(insn, p);
      return sse(p, opcode == 0x12 ? SSE_MOVLP_LOAD : SSE_MOVHP_LOAD, 8);
    }
    case 0x13: case 0x17: {
      if (prefix != 0 && prefix != 0x66 || insn.mod == 3) return OP_UNSUPPORTED;
      setMemory(insn, p);
      return sse(p, opcode == 0x13 ? SSE_MOVLP_STORE : SSE_MOVHP_STORE, 8);
    }
    case 0x14: case 0x15: {
      // unpcklps/unpckhps and unpcklpd/unpckhpd: the dword and qword interleaves
      if (prefix != 0 && prefix != 0x66) return OP_UNSUPPORTED;
      const low = opcode == 0x14;
      return sseBinary(insn, p, prefix == 0 ? (low ? SSE_PUNPCKLDQ : SSE_PUNPCKHDQ) : (low ? SSE_PUNPCKLQDQ : SSE_PUNPCKHQDQ));
    }
    case 0x28: case 0x29: case 0x2b: {
      if (prefix != 0 && prefix != 0x66) return OP_UNSUPPORTED;
      if (opcode == 0x2b && insn.mod == 3) return OP_UNSUPPORTED;
      setXmmRm(insn, p);
      addFlag(p, F_ALIGNED);
      return sse(p, opcode == 0x28 ? SSE_LOAD128 : SSE_STORE128, 16);
    }
    case 0x50: {
      // movmskps, movmskpd: sign bits into a general register
      if (prefix != 0 && prefix != 0x66 || insn.mod != 3) return OP_UNSUPPORTED;
      setReg(p, <u16>gprSlot(<u32>insn.reg));
      store<u16>(p, xmm(insn.rm), E_RM);
      return sse(p, prefix == 0 ? SSE_MOVMSKPS : SSE_MOVMSKPD, 8);
    }
    case 0x54: case 0x55: case 0x56: case 0x57: {
      // andps/andpd, andnps/andnpd, orps/orpd, xorps/xorpd: bitwise, the same as the integer forms
      if (prefix != 0 && prefix != 0x66) return OP_UNSUPPORTED;
      return sseBinary(insn, p, opcode == 0x54 ? SSE_PAND : opcode == 0x55 ? SSE_PANDN : opcode == 0x56 ? SSE_POR : SSE_PXOR);
    }
    case 0x5b: {
      // cvttps2dq: the truncating conversion clang uses for shifts by a vector (cvtps2dq and
      // cvtdq2ps round or produce floating point and stay refused)
      if (prefix != 0xf3) return OP_UNSUPPORTED;
      return sseBinary(insn, p, SSE_CVTTPS2DQ);
    }
    case 0x6e: case 0x7e: {
      if (prefix == 0xf3 && opcode == 0x7e) {
        setXmmRm(insn, p);
        return sse(p, SSE_MOVQ_LOAD, 8);
      }
      if (prefix != 0x66) return OP_UNSUPPORTED;
      const size = insn.rexW ? 8 : 4;
      setRm(insn, p, size);
      return sse(p, opcode == 0x6e ? SSE_MOVD_TO_XMM : SSE_MOVD_FROM_XMM, size);
    }
    case 0x6f: case 0x7f: {
      if (prefix != 0x66 && prefix != 0xf3) return OP_UNSUPPORTED;
      setXmmRm(insn, p);
      if (prefix == 0x66) addFlag(p, F_ALIGNED);
      return sse(p, opcode == 0x6f ? SSE_LOAD128 : SSE_STORE128, 16);
    }
    case 0xd6: {
      if (prefix != 0x66) return OP_UNSUPPORTED;
      setXmmRm(insn, p);
      return sse(p, SSE_MOVQ_STORE, 8);
    }
    case 0xe7: {
      if (prefix != 0x66 || insn.mod == 3) return OP_UNSUPPORTED;
      setMemory(insn, p);
      addFlag(p, F_ALIGNED);
      return sse(p, SSE_STORE128, 16);
    }
    case 0xf0: { // lddqu: an unaligned load
      if (prefix != 0xf2 || insn.mod == 3) return OP_UNSUPPORTED;
      setMemory(insn, p);
      return sse(p, SSE_LOAD128, 16);
    }
    case 0x70: {
      setImm(p, insn.imm & 0xff);
      if (prefix == 0x66) return sseBinary(insn, p, SSE_PSHUFD);
      if (prefix == 0xf2) return sseBinary(insn, p, SSE_PSHUFLW);
      if (prefix == 0xf3) return sseBinary(insn, p, SSE_PSHUFHW);
      return OP_UNSUPPORTED;
    }
    case 0xc6: {
      if (prefix != 0 && prefix != 0x66) return OP_UNSUPPORTED;
      setImm(p, insn.imm & 0xff);
      return sseBinary(insn, p, prefix == 0 ? SSE_SHUFPS : SSE_SHUFPD);
    }
    case 0xc4: { // pinsrw xmm, r32/m16, imm8
      if (prefix != 0x66) return OP_UNSUPPORTED;
      setGprOrMemory(insn, p);
      setImm(p, insn.imm & 7);
      return sse(p, SSE_PINSR, 2);
    }
    case 0xc5: { // pextrw r32, xmm, imm8 (register form only)
      if (prefix != 0x66 || insn.mod != 3) return OP_UNSUPPORTED;
      setReg(p, xmm(insn.rm));
      store<u16>(p, <u16>gprSlot(<u32>insn.reg), E_RM);
      setImm(p, insn.imm & 7);
      return sse(p, SSE_PEXTR, 2);
    }
    case 0xf7: { // maskmovdqu: to [rdi]
      if (prefix != 0x66 || insn.mod != 3) return OP_UNSUPPORTED;
      store<u16>(p, xmm(insn.rm), E_RM);
      store<u16>(p, <u16>gprSlot(7), E_BASE);
      if (insn.addressSize == 4) addFlag(p, F_ADDR32);
      if (insn.segment == 0x64) store<u16>(p, <u16>FS_BASE, E_SEGMENT);
      else if (insn.segment == 0x65) store<u16>(p, <u16>GS_BASE, E_SEGMENT);
      return sse(p, SSE_MASKMOVDQU, 16);
    }
    case 0x71: case 0x72: case 0x73: {
      if (prefix != 0x66 || insn.mod != 3) return OP_UNSUPPORTED;
      const group = (<u32>insn.modrm >> 3) & 7;
      setReg(p, xmm(insn.rm));
      setImm(p, insn.imm & 0xff);
      let sub: u8 = 0;
      if (opcode == 0x71) sub = group == 2 ? SSE_PSRLW_I : group == 4 ? SSE_PSRAW_I : group == 6 ? SSE_PSLLW_I : 0;
      else if (opcode == 0x72) sub = group == 2 ? SSE_PSRLD_I : group == 4 ? SSE_PSRAD_I : group == 6 ? SSE_PSLLD_I : 0;
      else sub = group == 2 ? SSE_PSRLQ_I : group == 3 ? SSE_PSRLDQ_I : group == 6 ? SSE_PSLLQ_I : group == 7 ? SSE_PSLLDQ_I : 0;
      if (sub == 0) return OP_UNSUPPORTED;
      return sse(p, sub, 16);
    }
    case 0xd7: {
      if (prefix != 0x66 || insn.mod != 3) return OP_UNSUPPORTED;
      setReg(p, <u16>gprSlot(<u32>insn.reg));
      store<u16>(p, xmm(insn.rm), E_RM);
      return sse(p, SSE_PMOVMSKB, insn.operandSize == 8 ? 8 : 4);
    }
  }
  if (prefix != 0x66) return OP_UNSUPPORTED;
  let sub: u8 = 0;
  switch (opcode) {
    case 0x60: sub = SSE_PUNPCKLBW; break;
    case 0x61: sub = SSE_PUNPCKLWD; break;
    case 0x62: sub = SSE_PUNPCKLDQ; break;
    case 0x63: sub = SSE_PACKSSWB; break;
    case 0x64: sub = SSE_PCMPGTB; break;
    case 0x65: sub = SSE_PCMPGTW; break;
    case 0x66: sub = SSE_PCMPGTD; break;
    case 0x67: sub = SSE_PACKUSWB; break;
    case 0x68: sub = SSE_PUNPCKHBW; break;
    case 0x69: sub = SSE_PUNPCKHWD; break;
    case 0x6a: sub = SSE_PUNPCKHDQ; break;
    case 0x6b: sub = SSE_PACKSSDW; break;
    case 0x6c: sub = SSE_PUNPCKLQDQ; break;
    case 0x6d: sub = SSE_PUNPCKHQDQ; break;
    case 0x74: sub = SSE_PCMPEQB; break;
    case 0x75: sub = SSE_PCMPEQW; break;
    case 0x76: sub = SSE_PCMPEQD; break;
    case 0xd1: sub = SSE_PSRLW; break;
    case 0xd2: sub = SSE_PSRLD; break;
    case 0xd3: sub = SSE_PSRLQ; break;
    case 0xd4: sub = SSE_PADDQ; break;
    case 0xd5: sub = SSE_PMULLW; break;
    case 0xd8: sub = SSE_PSUBUSB; break;
    case 0xd9: sub = SSE_PSUBUSW; break;
    case 0xda: sub = SSE_PMINUB; break;
    case 0xdb: sub = SSE_PAND; break;
    case 0xdc: sub = SSE_PADDUSB; break;
    case 0xdd: sub = SSE_PADDUSW; break;
    case 0xde: sub = SSE_PMAXUB; break;
    case 0xdf: sub = SSE_PANDN; break;
    case 0xe0: sub = SSE_PAVGB; break;
    case 0xe1: sub = SSE_PSRAW; break;
    case 0xe2: sub = SSE_PSRAD; break;
    case 0xe3: sub = SSE_PAVGW; break;
    case 0xe4: sub = SSE_PMULHUW; break;
    case 0xe5: sub = SSE_PMULHW; break;
    case 0xe8: sub = SSE_PSUBSB; break;
    case 0xe9: sub = SSE_PSUBSW; break;
    case 0xea: sub = SSE_PMINSW; break;
    case 0xeb: sub = SSE_POR; break;
    case 0xec: sub = SSE_PADDSB; break;
    case 0xed: sub = SSE_PADDSW; break;
    case 0xee: sub = SSE_PMAXSW; break;
    case 0xef: sub = SSE_PXOR; break;
    case 0xf1: sub = SSE_PSLLW; break;
    case 0xf2: sub = SSE_PSLLD; break;
    case 0xf3: sub = SSE_PSLLQ; break;
    case 0xf4: sub = SSE_PMULUDQ; break;
    case 0xf5: sub = SSE_PMADDWD; break;
    case 0xf6: sub = SSE_PSADBW; break;
    case 0xf8: sub = SSE_PSUBB; break;
    case 0xf9: sub = SSE_PSUBW; break;
    case 0xfa: sub = SSE_PSUBD; break;
    case 0xfb: sub = SSE_PSUBQ; break;
    case 0xfc: sub = SSE_PADDB; break;
    case 0xfd: sub = SSE_PADDW; break;
    case 0xfe: sub = SSE_PADDD; break;
    default: return OP_UNSUPPORTED;
  }
  // Legacy SSE operations on a 128-bit memory operand need it 16-byte aligned (#GP otherwise); only
  // the unaligned moves (movups, movupd, movdqu, lddqu) and the narrower forms do not.
  return sseBinary(insn, p, sub);
}

/** The 0F 38 map: SSSE3 and SSE4.1/4.2 integer operations (66-prefixed; the MMX forms are not implemented). */
function lowerSse38(insn: X64Instruction, p: usize): u16 {
  const opcode = <u32>insn.opcode;
  if (insn.mandatoryPrefix != 0x66) return OP_UNSUPPORTED; // MMX forms, crc32 and movbe
  setReg(p, xmm(insn.reg));
  if (opcode >= 0x20 && opcode <= 0x25 || opcode >= 0x30 && opcode <= 0x35) {
    // pmovsx*, pmovzx*: the low 8, 4 or 2 bytes of the source, extended
    const kind = opcode & 7;
    const read: i32 = kind == 0 || kind == 3 || kind == 5 ? 8 : kind == 1 || kind == 4 ? 4 : 2;
    setXmmRm(insn, p);
    return sse(p, <u8>((opcode >= 0x30 ? SSE_PMOVZXBW : SSE_PMOVSXBW) + kind), read);
  }
  if (opcode == 0x2a) { // movntdqa: an aligned load
    if (insn.mod == 3) return OP_UNSUPPORTED;
    setMemory(insn, p);
    addFlag(p, F_ALIGNED);
    return sse(p, SSE_LOAD128, 16);
  }
  if (opcode == 0x17) return sseBinary(insn, p, SSE_PTEST);
  let sub: u8 = 0;
  switch (opcode) {
    case 0x00: sub = SSE_PSHUFB; break;
    case 0x01: sub = SSE_PHADDW; break;
    case 0x02: sub = SSE_PHADDD; break;
    case 0x03: sub = SSE_PHADDSW; break;
    case 0x04: sub = SSE_PMADDUBSW; break;
    case 0x05: sub = SSE_PHSUBW; break;
    case 0x06: sub = SSE_PHSUBD; break;
    case 0x07: sub = SSE_PHSUBSW; break;
    case 0x08: sub = SSE_PSIGNB; break;
    case 0x09: sub = SSE_PSIGNW; break;
    case 0x0a: sub = SSE_PSIGND; break;
    case 0x0b: sub = SSE_PMULHRSW; break;
    case 0x10: sub = SSE_PBLENDVB; break;
    case 0x14: sub = SSE_BLENDVPS; break;
    case 0x15: sub = SSE_BLENDVPD; break;
    case 0x1c: sub = SSE_PABSB; break;
    case 0x1d: sub = SSE_PABSW; break;
    case 0x1e: sub = SSE_PABSD; break;
    case 0x28: sub = SSE_PMULDQ; break;
    case 0x29: sub = SSE_PCMPEQQ; break;
    case 0x2b: sub = SSE_PACKUSDW; break;
    case 0x37: sub = SSE_PCMPGTQ; break;
    case 0x38: sub = SSE_PMINSB; break;
    case 0x39: sub = SSE_PMINSD; break;
    case 0x3a: sub = SSE_PMINUW; break;
    case 0x3b: sub = SSE_PMINUD; break;
    case 0x3c: sub = SSE_PMAXSB; break;
    case 0x3d: sub = SSE_PMAXSD; break;
    case 0x3e: sub = SSE_PMAXUW; break;
    case 0x3f: sub = SSE_PMAXUD; break;
    case 0x40: sub = SSE_PMULLD; break;
    case 0x41: sub = SSE_PHMINPOSUW; break;
    default: return OP_UNSUPPORTED;
  }
  return sseBinary(insn, p, sub);
}

/** The 0F 3A map: SSSE3 palignr and the SSE4.1 blends, inserts and extracts with an immediate. */
function lowerSse3A(insn: X64Instruction, p: usize): u16 {
  const opcode = <u32>insn.opcode;
  if (insn.mandatoryPrefix != 0x66) return OP_UNSUPPORTED; // MMX palignr
  setReg(p, xmm(insn.reg));
  setImm(p, insn.imm & 0xff);
  switch (opcode) {
    case 0x0c: return sseBinary(insn, p, SSE_BLENDPS);
    case 0x0d: return sseBinary(insn, p, SSE_BLENDPD);
    case 0x0e: return sseBinary(insn, p, SSE_PBLENDW);
    case 0x0f: return sseBinary(insn, p, SSE_PALIGNR);
    case 0x42: return sseBinary(insn, p, SSE_MPSADBW);
    case 0x14: case 0x15: case 0x16: case 0x17: { // pextrb, pextrw, pextrd/q, extractps
      const size: i32 = opcode == 0x14 ? 1 : opcode == 0x15 ? 2 : opcode == 0x16 && insn.rexW ? 8 : 4;
      setGprOrMemory(insn, p);
      setImm(p, (insn.imm & 0xff) & (16 / size - 1));
      return sse(p, SSE_PEXTR, size);
    }
    case 0x20: case 0x22: { // pinsrb, pinsrd/q
      const size: i32 = opcode == 0x20 ? 1 : insn.rexW ? 8 : 4;
      setGprOrMemory(insn, p);
      setImm(p, (insn.imm & 0xff) & (16 / size - 1));
      return sse(p, SSE_PINSR, size);
    }
    case 0x21: { // insertps: a dword of xmm or m32
      setXmmRm(insn, p);
      return sse(p, SSE_INSERTPS, 4);
    }
  }
  return OP_UNSUPPORTED; // rounding, dot products, carry-less multiply, string compares
}
