// A64 decoder, as far as relocation needs it: every 32-bit word is classified as PC-relative or
// not; PC-relative forms are decoded completely (registers, condition, target); branches through
// registers, hints and exception-generating instructions are named; unallocated encodings are
// reported as undefined in the encoding groups whose allocation the decoder checks.
//
// Groups follow the architecture's top-level encoding table (bits 28:25).
import {
  adrImmediate, bit, bits, branchOffset26, isLogicalImmediate, offset14, offset19, op0,
} from '../../../isa/arm64/fields';
import { Form, Group } from './interface';

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

export function decode(word: u32, address: u64, out: Arm64Instruction): Arm64Instruction {
  out.word = word;
  out.address = address;
  out.form = Form.Other;
  out.reg = 31;
  out.cond = 0;
  out.wide = false;
  out.target = 0;
  out.checked = true;
  switch (op0(word)) {
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
  switch (bits(word, 23, 3)) {
    case 0: case 1: { // PC-relative addressing
      const immediate = adrImmediate(word);
      out.reg = u8(bits(word, 0, 5));
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
      if (bit(word, 22)) { // min/max (immediate), FEAT_CSSC: newer than the Capstone the tests use
        if (bits(word, 29, 2) || bits(word, 20, 2) != 0) out.form = Form.Undefined;
        else out.checked = false;
      } else if (!sf || bit(word, 29) || bits(word, 14, 2)) { // ADDG/SUBG, FEAT_MTE
        out.form = Form.Undefined;
      }
      return;
    case 4: { // logical (immediate)
      const n = bit(word, 22);
      if (!sf && n) { out.form = Form.Undefined; return; }
      if (!isLogicalImmediate(n, bits(word, 10, 6))) out.form = Form.Undefined;
      return;
    }
    case 5: // move wide: opc 01 unallocated; 32-bit forms shift by 0 or 16 only
      if (bits(word, 29, 2) == 1 || (!sf && bit(word, 22))) out.form = Form.Undefined;
      return;
    case 6: { // bitfield
      const n = bit(word, 22);
      if (bits(word, 29, 2) == 3 || n != sf || (!sf && (bit(word, 21) || bit(word, 15)))) {
        out.form = Form.Undefined;
      }
      return;
    }
    default: { // extract
      const n = bit(word, 22);
      if (bits(word, 29, 2) || bit(word, 21) || n != sf || (!sf && bit(word, 15))) out.form = Form.Undefined;
    }
  }
}

function decodeBranchSystem(word: u32, address: u64, out: Arm64Instruction): void {
  const top = word >> 29; // bits 31:29
  if ((top & 3) == 0) { // B, BL
    out.form = top ? Form.BL : Form.B;
    out.target = address + u64(branchOffset26(word));
    return;
  }
  if ((top & 3) == 1) { // compare and branch, test and branch
    out.reg = u8(bits(word, 0, 5));
    if (bit(word, 25)) {
      out.form = bit(word, 24) ? Form.TBNZ : Form.TBZ;
      out.cond = u8(((word >> 26) & 32) | bits(word, 19, 5));
      out.wide = out.cond >= 32;
      out.target = address + u64(offset14(word));
    } else {
      out.form = bit(word, 24) ? Form.CBNZ : Form.CBZ;
      out.wide = top >> 2 != 0;
      out.target = address + u64(offset19(word));
    }
    return;
  }
  if (top == 2) { // conditional branch: bit 24 set is unallocated
    if ((word >> 24) != 0x54) { out.form = Form.Undefined; return; }
    out.form = bit(word, 4) ? Form.BCCond : Form.BCond;
    out.cond = u8(bits(word, 0, 4));
    out.target = address + u64(offset19(word));
    return;
  }
  if (top != 6) { out.form = Form.Undefined; return; }
  const high = word >> 24;
  if (high == 0xd4) decodeException(word, out);
  else if (high == 0xd5) decodeSystem(word, out);
  else decodeRegisterBranch(word, out);
}

function decodeException(word: u32, out: Arm64Instruction): void {
  const opc = bits(word, 21, 3);
  const ll = bits(word, 0, 2);
  out.form = Form.Undefined;
  if (bits(word, 2, 3)) return;
  if (opc == 0) out.form = ll == 1 ? Form.SVC : ll == 2 ? Form.HVC : ll == 3 ? Form.SMC : Form.Undefined;
  else if (opc == 1 && ll == 0) out.form = Form.BRK;
  else if (opc == 2 && ll == 0) out.form = Form.HLT;
  else if (opc == 3 && ll == 0) out.form = Form.TCANCEL;
  else if (opc == 5 && ll != 0) out.form = Form.DCPS;
}

function decodeSystem(word: u32, out: Arm64Instruction): void {
  const l = bit(word, 21);
  const sysOp0 = bits(word, 19, 2);
  if (bits(word, 22, 2)) {
    // SYSP, MSRR and MRRS (128-bit system forms, newer than the Capstone the tests use); the rest unallocated.
    if (bits(word, 22, 2) == 1 && (sysOp0 >= 2 || (sysOp0 == 1 && !l))) out.checked = false;
    else out.form = Form.Undefined;
    return;
  }
  if (sysOp0 != 0) return; // SYS/SYSL, MRS/MSR (register): every encoding allocated
  // op0 = 00 holds hints, barriers and PSTATE writes. Disassemblers built on LLVM (Capstone among
  // them) read the rest of this space as MSR/MRS of generically named registers, so the engine
  // counts those words as instructions too; only the two corners below are rejected.
  const op1 = bits(word, 16, 3);
  const crn = bits(word, 12, 4);
  const crm = bits(word, 8, 4);
  const op2 = bits(word, 5, 3);
  const rt = bits(word, 0, 5);
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
  const opc = bits(word, 21, 4);
  const op2 = bits(word, 16, 5);
  const op3 = bits(word, 10, 6);
  const rn = bits(word, 5, 5);
  const op4 = bits(word, 0, 5);
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
  out.reg = u8(bits(word, 0, 5));
  out.target = address + u64(offset19(word));
  const opc = word >> 30;
  if (bit(word, 26)) {
    out.form = opc == 0 ? Form.LdrLiteralS : opc == 1 ? Form.LdrLiteralD : opc == 2 ? Form.LdrLiteralQ : Form.Undefined;
  } else {
    out.form = opc == 0 ? Form.LdrLiteralW : opc == 1 ? Form.LdrLiteralX : opc == 2 ? Form.LdrswLiteral : Form.PrfmLiteral;
  }
}

/** Load-exclusive (LDXR, LDAXR, LDXP, LDAXP): a memory access before the matching store may clear the monitor. */
export function isLoadExclusive(word: u32): bool {
  // Bit 31 clear with bit 21 set is CASP(A/L) in the same space, not an exclusive load.
  return (word & 0x3fc00000) == 0x08400000 && !((word >> 31) == 0 && bit(word, 21));
}
