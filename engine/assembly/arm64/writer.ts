// A64 writer: emits the instructions the engine generates, each at a known address. Relative
// forms answer false when their target is out of reach, and write nothing then.

/** Scratch registers the AAPCS64 lets a veneer clobber between a call and the callee's entry. */
export const IP0: u32 = 16;
export const IP1: u32 = 17;

/** `LDR X16, #8; BR X16; .quad target`. */
export const FAR_JUMP_SIZE: i32 = 16;

export const NOP_WORD: u32 = 0xd503201f;
export const BTI_C_WORD: u32 = 0xd503245f;
export const BTI_JC_WORD: u32 = 0xd50324df;
export const AUTIASP_WORD: u32 = 0xd50323bf;
export const AUTIBSP_WORD: u32 = 0xd50323ff;
/** Fills gaps that are never executed (alignment before literals): UDF #0 traps if reached. */
export const UDF_WORD: u32 = 0;

/** Whether `target - from` is a multiple of 4 that fits a signed `bits`-bit word offset. */
export function reaches(from: u64, target: u64, bits: i32): bool {
  const delta = i64(target - from);
  if (delta & 3) return false;
  const limit = i64(1) << (bits + 1); // bits of words, so +2 for bytes, -1 for the sign
  return delta >= -limit && delta < limit;
}

/** Whether ADRP at `from` reaches the page of `target` (±4 GiB in pages). */
export function reachesPage(from: u64, target: u64): bool {
  const delta = i64((target & ~u64(0xfff)) - (from & ~u64(0xfff))) >> 12;
  return delta >= -(i64(1) << 20) && delta < (i64(1) << 20);
}

/** Whether ADR at `from` reaches `target` (±1 MiB, byte granular). */
export function reachesAdr(from: u64, target: u64): bool {
  const delta = i64(target - from);
  return delta >= -(i64(1) << 20) && delta < (i64(1) << 20);
}

export class Arm64Writer {
  private bytes: Uint8Array = new Uint8Array(64);
  private length: i32 = 0;

  constructor(readonly base: u64) {}

  /** Address of the next word. */
  get pc(): u64 { return this.base + u64(this.length); }
  get size(): i32 { return this.length; }

  toBytes(): Uint8Array { return this.bytes.slice(0, this.length); }

  private reserve(count: i32): void {
    if (this.length + count <= this.bytes.length) return;
    const grown = new Uint8Array(max(this.bytes.length * 2, this.length + count));
    grown.set(this.bytes);
    this.bytes = grown;
  }

  putWord(word: u32): void {
    this.reserve(4);
    store<u32>(this.bytes.dataStart + usize(this.length), word);
    this.length += 4;
  }

  putQuad(value: u64): void {
    this.reserve(8);
    store<u64>(this.bytes.dataStart + usize(this.length), value);
    this.length += 8;
  }

  putBytes(data: Uint8Array): void {
    this.reserve(data.length);
    memory.copy(this.bytes.dataStart + usize(this.length), data.dataStart, data.length);
    this.length += data.length;
  }

  /** Pads with UDF words up to a multiple of `alignment` bytes of the address. */
  alignWith(alignment: i32): void {
    while ((this.pc & u64(alignment - 1)) != 0) this.putWord(UDF_WORD);
  }

  // Branches with an immediate target.

  putB(target: u64): bool { return this.putImm26(0x14000000, target); }
  putBL(target: u64): bool { return this.putImm26(0x94000000, target); }

  private putImm26(opcode: u32, target: u64): bool {
    if (!reaches(this.pc, target, 26)) return false;
    this.putWord(opcode | (u32(i64(target - this.pc) >> 2) & 0x3ffffff));
    return true;
  }

  /** `word` with its imm19 field (bits 23:5) pointing at `target` from here: B.cond, BC.cond, CBZ/CBNZ, LDR literal. */
  putWithImm19(word: u32, target: u64): bool {
    if (!reaches(this.pc, target, 19)) return false;
    this.putWord((word & ~u32(0x7ffff << 5)) | ((u32(i64(target - this.pc) >> 2) & 0x7ffff) << 5));
    return true;
  }

  /** `word` with its imm14 field (bits 18:5) pointing at `target` from here: TBZ/TBNZ. */
  putWithImm14(word: u32, target: u64): bool {
    if (!reaches(this.pc, target, 14)) return false;
    this.putWord((word & ~u32(0x3fff << 5)) | ((u32(i64(target - this.pc) >> 2) & 0x3fff) << 5));
    return true;
  }

  /** `word` with its imm26 field pointing at `target` from here: B, BL. */
  putWithImm26(word: u32, target: u64): bool {
    return this.putImm26(word & 0xfc000000, target);
  }

  putBCond(cond: u32, target: u64): bool { return this.putWithImm19(0x54000000 | (cond & 15), target); }

  // Addresses.

  putAdr(rd: u32, target: u64): bool {
    if (!reachesAdr(this.pc, target)) return false;
    const delta = u32(i64(target - this.pc));
    this.putWord(0x10000000 | ((delta & 3) << 29) | (((delta >> 2) & 0x7ffff) << 5) | (rd & 31));
    return true;
  }

  putAdrp(rd: u32, target: u64): bool {
    if (!reachesPage(this.pc, target)) return false;
    const pages = u32(i64((target & ~u64(0xfff)) - (this.pc & ~u64(0xfff))) >> 12);
    this.putWord(0x90000000 | ((pages & 3) << 29) | (((pages >> 2) & 0x7ffff) << 5) | (rd & 31));
    return true;
  }

  /** ADD Xd, Xn, #imm12 (Xd/Xn 31 is SP here, as in the architecture). */
  putAddImmediate(rd: u32, rn: u32, imm12: u32): void {
    this.putWord(0x91000000 | ((imm12 & 0xfff) << 10) | ((rn & 31) << 5) | (rd & 31));
  }

  // Loads.

  /** LDR Xt, <literal at target>. */
  putLdrLiteralX(rt: u32, target: u64): bool { return this.putWithImm19(0x58000000 | (rt & 31), target); }

  /** A load (or PRFM) from [Xn] given as the unsigned-offset encoding with offset 0. */
  putLoadFromRegister(opcode: u32, rt: u32, rn: u32): void {
    this.putWord(opcode | ((rn & 31) << 5) | (rt & 31));
  }

  // Branches through registers and hints.

  putBr(rn: u32): void { this.putWord(0xd61f0000 | ((rn & 31) << 5)); }
  putBlr(rn: u32): void { this.putWord(0xd63f0000 | ((rn & 31) << 5)); }
  /** RET Xn: under BTI it sets BTYPE 00, so its target needs no landing pad. */
  putRet(rn: u32): void { this.putWord(0xd65f0000 | ((rn & 31) << 5)); }
  putNop(): void { this.putWord(NOP_WORD); }
  putBtiC(): void { this.putWord(BTI_C_WORD); }

  /** `LDR X16, #8; BR X16; .quad target`: reaches anywhere, clobbers X16 (IP0). */
  putFarJump(target: u64): void {
    this.putLdrLiteralX(IP0, this.pc + 8);
    this.putBr(IP0);
    this.putQuad(target);
  }
}

/** Unsigned-offset load encodings (offset 0) matching each literal load, by destination kind. */
export const LOAD_W: u32 = 0xb9400000; // LDR Wt, [Xn]
export const LOAD_X: u32 = 0xf9400000; // LDR Xt, [Xn]
export const LOAD_SW: u32 = 0xb9800000; // LDRSW Xt, [Xn]
export const LOAD_S: u32 = 0xbd400000; // LDR St, [Xn]
export const LOAD_D: u32 = 0xfd400000; // LDR Dt, [Xn]
export const LOAD_Q: u32 = 0x3dc00000; // LDR Qt, [Xn]
export const PREFETCH: u32 = 0xf9800000; // PRFM <op>, [Xn]
