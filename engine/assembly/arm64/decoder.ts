// A64 decoder, as far as relocation needs it: every 32-bit word is classified as PC-relative or
// not; PC-relative forms are decoded completely (registers, condition, target); branches through
// registers, hints and exception-generating instructions are named; unallocated encodings are
// reported as undefined in the encoding groups whose allocation the decoder checks.
//
// Groups follow the architecture's top-level encoding table (bits 28:25).
import { Form } from './forms';

export enum Group {
  Reserved = 0, // op0 0000 with bit 31 clear: only UDF is allocated
  Unallocated = 1, // op0 0001 and 0011
  SME = 2,
  SVE = 3,
  DataImmediate = 4,
  BranchSystem = 5,
  LoadStore = 6,
  DataRegister = 7,
  SimdFp = 8,
}

export class Arm64Instruction {
  word: u32 = 0;
  address: u64 = 0;
  form: Form = Form.Undefined;
  group: Group = Group.Reserved;
  /** Rd/Rt of PC-relative forms, Rn of register branches, 31 when unused. */
  reg: u8 = 31;
  /** Condition of B.cond/BC.cond, bit number of TBZ/TBNZ, hint number of hints. */
  cond: u8 = 0;
  /** CBZ/CBNZ and TBZ/TBNZ test an X register; ADR/ADRP and literal loads always write X/W per form. */
  wide: bool = false;
  /** Branch target, literal address, or the address ADR/ADRP compute (ADRP: the page). */
  target: u64 = 0;
  /** The decoder checked this word's whole encoding group for allocation. */
  checked: bool = false;
}

/** Sign-extends the `bits`-bit field of `word` that starts at bit `shift`. */
// @ts-ignore: decorator
@inline function signedField(word: u32, shift: i32, bits: i32): i64 {
  return i64(i32(word << (32 - shift - bits)) >> (32 - bits));
}

export function decode(word: u32, address: u64, out: Arm64Instruction): Arm64Instruction {
  out.word = word;
  out.address = address;
  out.form = Form.Other;
  out.reg = 31;
  out.cond = 0;
  out.wide = false;
  out.target = 0;
  out.checked = true;
  const op0 = (word >> 25) & 15;
  switch (op0) {
    case 0:
      if (word >> 31) { out.group = Group.SME; out.checked = false; }
      else {
        out.group = Group.Reserved;
        out.form = (word >> 16) == 0 ? Form.UDF : Form.Undefined;
      }
      break;
    case 1: case 3:
      out.group = Group.Unallocated;
      out.form = Form.Undefined;
      break;
    case 2:
      out.group = Group.SVE;
      out.checked = false;
      break;
    case 8: case 9:
      out.group = Group.DataImmediate;
      decodeDataImmediate(word, address, out);
      break;
    case 10: case 11:
      out.group = Group.BranchSystem;
      decodeBranchSystem(word, address, out);
      break;
    case 5: case 13:
      out.group = Group.DataRegister;
      out.checked = false;
      break;
    case 7: case 15:
      out.group = Group.SimdFp;
      out.checked = false;
      break;
    default: // x1x0
      out.group = Group.LoadStore;
      decodeLoadStore(word, address, out);
  }
  return out;
}

function decodeDataImmediate(word: u32, address: u64, out: Arm64Instruction): void {
  const sf = word >> 31;
  switch ((word >> 23) & 7) {
    case 0: case 1: { // PC-relative addressing
      const immediate = (signedField(word, 5, 19) << 2) | i64((word >> 29) & 3);
      out.reg = u8(word & 31);
      if (sf) {
        out.form = Form.ADRP;
        out.target = (address & ~u64(0xfff)) + u64(immediate << 12);
      } else {
        out.form = Form.ADR;
        out.target = address + u64(immediate);
      }
      return;
    }
    case 2: return; // add/sub (immediate): every encoding allocated
    case 3:
      if ((word >> 22) & 1) { // min/max (immediate), FEAT_CSSC: newer than the Capstone the tests use
        if ((word >> 29) & 3 || ((word >> 20) & 3) != 0) out.form = Form.Undefined;
        else out.checked = false;
      } else if (!sf || (word >> 29) & 1 || (word >> 14) & 3) { // ADDG/SUBG, FEAT_MTE
        out.form = Form.Undefined;
      }
      return;
    case 4: { // logical (immediate)
      const n = (word >> 22) & 1;
      if (!sf && n) { out.form = Form.Undefined; return; }
      if (!validBitmask(n, (word >> 10) & 63)) out.form = Form.Undefined;
      return;
    }
    case 5: // move wide: opc 01 unallocated; 32-bit forms shift by 0 or 16 only
      if (((word >> 29) & 3) == 1 || (!sf && (word >> 22) & 1)) out.form = Form.Undefined;
      return;
    case 6: { // bitfield
      const n = (word >> 22) & 1;
      if (((word >> 29) & 3) == 3 || n != sf || (!sf && ((word >> 21) & 1 || (word >> 15) & 1))) {
        out.form = Form.Undefined;
      }
      return;
    }
    default: { // extract
      const n = (word >> 22) & 1;
      if ((word >> 29) & 3 || (word >> 21) & 1 || n != sf || (!sf && (word >> 15) & 1)) out.form = Form.Undefined;
    }
  }
}

/** The architecture's DecodeBitMasks validity rule for logical immediates. */
function validBitmask(n: u32, imms: u32): bool {
  const combined = (n << 6) | (~imms & 63);
  if (combined == 0) return false;
  const length = 31 - clz(combined);
  if (length < 1) return false;
  const levels = (u32(1) << length) - 1;
  return (imms & levels) != levels;
}

function decodeBranchSystem(word: u32, address: u64, out: Arm64Instruction): void {
  const top = word >> 29; // bits 31:29
  if ((top & 3) == 0) { // B, BL
    out.form = top ? Form.BL : Form.B;
    out.target = address + u64(signedField(word, 0, 26) << 2);
    return;
  }
  if ((top & 3) == 1) { // compare and branch, test and branch
    out.reg = u8(word & 31);
    if ((word >> 25) & 1) {
      out.form = (word >> 24) & 1 ? Form.TBNZ : Form.TBZ;
      out.cond = u8(((word >> 26) & 32) | ((word >> 19) & 31));
      out.wide = out.cond >= 32;
      out.target = address + u64(signedField(word, 5, 14) << 2);
    } else {
      out.form = (word >> 24) & 1 ? Form.CBNZ : Form.CBZ;
      out.wide = top >> 2 != 0;
      out.target = address + u64(signedField(word, 5, 19) << 2);
    }
    return;
  }
  if (top == 2) { // conditional branch: bit 24 set is unallocated
    if ((word >> 24) != 0x54) { out.form = Form.Undefined; return; }
    out.form = (word >> 4) & 1 ? Form.BCCond : Form.BCond;
    out.cond = u8(word & 15);
    out.target = address + u64(signedField(word, 5, 19) << 2);
    return;
  }
  if (top != 6) { out.form = Form.Undefined; return; }
  const high = word >> 24;
  if (high == 0xd4) decodeException(word, out);
  else if (high == 0xd5) decodeSystem(word, out);
  else decodeRegisterBranch(word, out);
}

function decodeException(word: u32, out: Arm64Instruction): void {
  const opc = (word >> 21) & 7;
  const ll = word & 3;
  out.form = Form.Undefined;
  if ((word >> 2) & 7) return;
  if (opc == 0) out.form = ll == 1 ? Form.SVC : ll == 2 ? Form.HVC : ll == 3 ? Form.SMC : Form.Undefined;
  else if (opc == 1 && ll == 0) out.form = Form.BRK;
  else if (opc == 2 && ll == 0) out.form = Form.HLT;
  else if (opc == 3 && ll == 0) out.form = Form.TCANCEL;
  else if (opc == 5 && ll != 0) out.form = Form.DCPS;
}

function decodeSystem(word: u32, out: Arm64Instruction): void {
  const l = (word >> 21) & 1;
  const sysOp0 = (word >> 19) & 3;
  if ((word >> 22) & 3) {
    // SYSP, MSRR and MRRS (128-bit system forms, newer than the Capstone the tests use); the rest unallocated.
    if (((word >> 22) & 3) == 1 && (sysOp0 >= 2 || (sysOp0 == 1 && !l))) out.checked = false;
    else out.form = Form.Undefined;
    return;
  }
  if (sysOp0 != 0) return; // SYS/SYSL, MRS/MSR (register): every encoding allocated
  // op0 = 00 holds hints, barriers and PSTATE writes. Disassemblers built on LLVM (Capstone among
  // them) read the rest of this space as MSR/MRS of generically named registers, so the engine
  // counts those words as instructions too; only the two corners below are rejected.
  const op1 = (word >> 16) & 7;
  const crn = (word >> 12) & 15;
  const crm = (word >> 8) & 15;
  const op2 = (word >> 5) & 7;
  const rt = word & 31;
  if (l || rt != 31) return;
  if (op1 == 3 && crn == 2) decodeHint((crm << 3) | op2, out);
  else if (op1 == 0 && crn == 4 && crm != 0 && (op2 == 1 || op2 == 2)) out.form = Form.Undefined; // XAFLAG, AXFLAG
  else if (op1 == 3 && crn == 3 && crm != 0 && op2 == 7) out.form = Form.Undefined; // SB
}

function decodeHint(number: u32, out: Arm64Instruction): void {
  out.cond = u8(number);
  let form = Form.Hint;
  switch (number) {
    case 0: form = Form.NOP; break;
    case 7: form = Form.XPACLRI; break;
    case 8: form = Form.PACIA1716; break;
    case 10: form = Form.PACIB1716; break;
    case 12: form = Form.AUTIA1716; break;
    case 14: form = Form.AUTIB1716; break;
    case 24: form = Form.PACIAZ; break;
    case 25: form = Form.PACIASP; break;
    case 26: form = Form.PACIBZ; break;
    case 27: form = Form.PACIBSP; break;
    case 28: form = Form.AUTIAZ; break;
    case 29: form = Form.AUTIASP; break;
    case 30: form = Form.AUTIBZ; break;
    case 31: form = Form.AUTIBSP; break;
    case 32: case 34: case 36: case 38: form = Form.BTI; break;
  }
  out.form = form;
}

function decodeRegisterBranch(word: u32, out: Arm64Instruction): void {
  const opc = (word >> 21) & 15;
  const op2 = (word >> 16) & 31;
  const op3 = (word >> 10) & 63;
  const rn = (word >> 5) & 31;
  const op4 = word & 31;
  out.form = Form.Undefined;
  if (op2 != 31) return;
  out.reg = u8(rn);
  // op3 000010/000011 select the A/B key of the pointer-authenticating variants.
  const keyB = op3 == 3;
  const authenticated = op3 == 2 || op3 == 3;
  switch (opc) {
    case 0: case 1: { // BR, BLR and their zero-modifier authenticating forms
      const call = opc == 1;
      if (op3 == 0 && op4 == 0) out.form = call ? Form.BLR : Form.BR;
      else if (authenticated && op4 == 31) {
        out.form = call ? (keyB ? Form.BLRABZ : Form.BLRAAZ) : (keyB ? Form.BRABZ : Form.BRAAZ);
      }
      return;
    }
    case 2:
      if (op3 == 0 && op4 == 0) out.form = Form.RET;
      else if (authenticated && rn == 31 && op4 == 31) out.form = keyB ? Form.RETAB : Form.RETAA;
      return;
    case 4:
      if (rn != 31) return;
      if (op3 == 0 && op4 == 0) out.form = Form.ERET;
      else if (authenticated && op4 == 31) out.form = keyB ? Form.ERETAB : Form.ERETAA;
      return;
    case 5:
      if (rn == 31 && op3 == 0 && op4 == 0) out.form = Form.DRPS;
      return;
    case 8: case 9:
      if (authenticated) out.form = opc == 9 ? (keyB ? Form.BLRAB : Form.BLRAA) : (keyB ? Form.BRAB : Form.BRAA);
      return;
  }
}

function decodeLoadStore(word: u32, address: u64, out: Arm64Instruction): void {
  if ((word & 0x3b000000) != 0x18000000) { out.checked = false; return; }
  // Load register (literal): opc (31:30) and V (26) choose the register file and size.
  out.reg = u8(word & 31);
  out.target = address + u64(signedField(word, 5, 19) << 2);
  const opc = word >> 30;
  if ((word >> 26) & 1) {
    out.form = opc == 0 ? Form.LdrLiteralS : opc == 1 ? Form.LdrLiteralD : opc == 2 ? Form.LdrLiteralQ : Form.Undefined;
  } else {
    out.form = opc == 0 ? Form.LdrLiteralW : opc == 1 ? Form.LdrLiteralX : opc == 2 ? Form.LdrswLiteral : Form.PrfmLiteral;
  }
}

/** Load-exclusive (LDXR, LDAXR, LDXP, LDAXP): a memory access before the matching store may clear the monitor. */
export function isLoadExclusive(word: u32): bool {
  // Bit 31 clear with bit 21 set is CASP(A/L) in the same space, not an exclusive load.
  return (word & 0x3fc00000) == 0x08400000 && !((word >> 31) == 0 && (word >> 21) & 1);
}
