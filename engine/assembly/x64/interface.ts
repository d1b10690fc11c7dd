// Numbers of the x86-64 engine's interface with its TypeScript host (engine/host/x64.ts and
// x64-decoder.ts), written once for both: the engine's AssemblyScript and the host import this
// file. It keeps to what both languages read alike (const enums and constants of plain numbers,
// no imports), so tsc and asc both check it.

/** The forms x64Encode writes. */
export const enum X64WriterForm {
  JmpRel8 = 0,
  JmpRel32 = 1,
  /** `jmp qword [rip+0]` and the 8-byte target. */
  JmpAbsolute = 2,
  CallRel32 = 3,
  /** `call qword [rip+2]`, `jmp +8` over the target, the 8-byte target. */
  CallAbsolute = 4,
  JccRel8 = 5,
  JccRel32 = 6,
  /** The inverted condition over an absolute jump. */
  JccAbsolute = 7,
  Int3 = 8,
  Nops = 9,
}

/** Slots of the facts record x64Decode fills: one 64-bit value each, in this order. */
export const enum X64Fact {
  VALID = 0, ERROR, LENGTH, ADDRESS,
  PREFIX_COUNT, LOCK, REP, REPNE, LAST_REP, OPERAND_SIZE_PREFIX, ADDRESS_SIZE_PREFIX, SEGMENT, SEGMENT_COUNT, MANDATORY_PREFIX,
  REX, REX_W, REX_R, REX_X, REX_B, REX_IGNORED,
  ENCODING, VECTOR_LENGTH, VEX_W, VVVV, PP, EVEX_MASK, EVEX_ZEROING, EVEX_BROADCAST,
  MAP, OPCODE, OPCODE_OFFSET,
  HAS_MODRM, MODRM_OFFSET, MODRM, MOD, REG, RM, HAS_SIB, SIB, BASE, INDEX, SCALE, RIP_RELATIVE, RIP_TARGET,
  DISP_OFFSET, DISP_SIZE, DISP, IMM_OFFSET, IMM_SIZE, IMM, IMM2_OFFSET, IMM2_SIZE, IMM2,
  OPERAND_SIZE, ADDRESS_SIZE, FLOW, CONDITION, REL_OFFSET, REL_SIZE, BRANCH_TARGET,
  /** The number of slots. */
  COUNT,
}

/** Bytes of the record x64DecodeWindows writes per window, and where its fields sit in it. */
export const WINDOW_RECORD_SIZE = 16;
/** i8: the length, or minus the error code when the window does not decode. */
export const WINDOW_LENGTH = 0;
/** u8: the flow code. */
export const WINDOW_FLOW = 1;
/** u8: 1 when an operand is RIP-relative. */
export const WINDOW_RIP_RELATIVE = 2;
/** u8: bytes of the relative branch field (0 when none). */
export const WINDOW_REL_SIZE = 3;
/** u8: offset of the displacement, 0xff when none. */
export const WINDOW_DISP_OFFSET = 4;
/** u8: bytes of the immediate. */
export const WINDOW_IMM_SIZE = 5;
/** u64: the branch target of a relative branch, else the RIP-relative target. */
export const WINDOW_TARGET = 8;
