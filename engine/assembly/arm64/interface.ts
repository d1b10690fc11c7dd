// Numbers of the ARM64 engine's interface with its TypeScript host (engine/host/arm64.ts), written
// once for both: the engine's AssemblyScript and the host import this file. It keeps to what both
// languages read alike (enums and constants of plain numbers, no imports), so tsc and asc both
// check it.

/**
 * The instruction forms the decoder tells apart. Everything the relocator must treat specially
 * has its own form; every other allocated word is `Other`. decodeArm64Words records carry them,
 * and tests and tools keep them: append only.
 */
export enum Form {
  /** An unallocated encoding: not an instruction. */
  Undefined = 0,
  /** An instruction that does not depend on its own address and falls through. */
  Other = 1,

  // PC-relative forms: their meaning depends on where they are.
  B = 2,
  BL = 3,
  BCond = 4,
  BCCond = 5,
  CBZ = 6,
  CBNZ = 7,
  TBZ = 8,
  TBNZ = 9,
  ADR = 10,
  ADRP = 11,
  LdrLiteralW = 12,
  LdrLiteralX = 13,
  LdrswLiteral = 14,
  PrfmLiteral = 15,
  LdrLiteralS = 16,
  LdrLiteralD = 17,
  LdrLiteralQ = 18,

  // Branches through a register.
  RET = 20,
  BR = 21,
  BLR = 22,
  RETAA = 23,
  RETAB = 24,
  BRAA = 25,
  BRAB = 26,
  BRAAZ = 27,
  BRABZ = 28,
  BLRAA = 29,
  BLRAB = 30,
  BLRAAZ = 31,
  BLRABZ = 32,
  ERET = 33,
  ERETAA = 34,
  ERETAB = 35,
  DRPS = 36,

  // Hints (`cond` holds the hint number CRm:op2). Unnamed hint numbers execute as NOP.
  Hint = 40,
  NOP = 41,
  BTI = 42,
  PACIASP = 43,
  PACIBSP = 44,
  AUTIASP = 45,
  AUTIBSP = 46,
  PACIAZ = 47,
  PACIBZ = 48,
  AUTIAZ = 49,
  AUTIBZ = 50,
  PACIA1716 = 51,
  PACIB1716 = 52,
  AUTIA1716 = 53,
  AUTIB1716 = 54,
  XPACLRI = 55,

  // Exception generation.
  SVC = 60,
  HVC = 61,
  SMC = 62,
  BRK = 63,
  HLT = 64,
  UDF = 65,
  DCPS = 66,
  TCANCEL = 67,
}

/** The top-level encoding groups (bits 28:25) the decoder sorts words into. */
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

/**
 * The record decodeArm64Words writes per word: form u8, reg u8, cond u8, flags u8, group u8, three
 * zero bytes, target u64.
 */
export const DECODE_RECORD_SIZE = 16;
export const RECORD_FORM = 0;
export const RECORD_REG = 1;
export const RECORD_COND = 2;
export const RECORD_FLAGS = 3;
export const RECORD_GROUP = 4;
export const RECORD_TARGET = 8;
/** Bits of the flags byte: CBZ/CBNZ/TBZ/TBNZ test an X register; the decoder checked the word's group for allocation. */
export const RECORD_WIDE = 1;
export const RECORD_CHECKED = 2;

/** The forms arm64Encode writes. */
export const enum Arm64WriterForm {
  B = 0,
  BL = 1,
  BCond = 2,
  /** `ldr x16, #8; br x16` and the 8-byte target. */
  FarJump = 3,
  Adr = 4,
  Adrp = 5,
  LdrLiteralX = 6,
  Br = 7,
  Blr = 8,
  BtiC = 9,
  Nop = 10,
}
