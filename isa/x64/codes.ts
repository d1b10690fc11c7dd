// The codes the x86-64 decoder answers with: how an instruction changes the flow of control, which
// encoding it uses, and why bytes did not decode. engine.wasm hands them to its TypeScript host as
// numbers (engine/host/x64-decoder.ts), so this file is written for both compilers: it keeps to
// what AssemblyScript and TypeScript read alike (const enums of plain numbers, no imports).

/** How an instruction changes the flow of control. */
export const enum X64Flow {
  NONE = 0,
  /** jmp rel8 / rel32 */
  JMP_REL = 1,
  /** jcc rel8 / rel32; `condition` holds the condition code (0 = o ... 15 = g) */
  JCC_REL = 2,
  /** call rel32 */
  CALL_REL = 3,
  /** loop, loope, loopne and jrcxz/jecxz (E0-E3): rel8 only, counter-based */
  LOOP_REL = 4,
  /** ret / ret imm16 */
  RET_NEAR = 5,
  /** retf, retf imm16, iret */
  RET_FAR = 6,
  /** jmp r/m64 and jmp far m16:64 */
  JMP_INDIRECT = 7,
  /** call r/m64 and call far m16:64 */
  CALL_INDIRECT = 8,
  /** int3, int n, int1, into, syscall, sysenter, sysret, sysexit, ud0/ud1/ud2, hlt */
  INTERRUPT = 9,
  /** xbegin rel16/rel32: on abort, execution continues at the relative target */
  XBEGIN_REL = 10,
}

/** Where an instruction's bytes come from: legacy encoding or one of the vector prefixes. */
export const enum X64Encoding {
  LEGACY = 0,
  VEX2 = 1,
  VEX3 = 2,
  EVEX = 3,
}

/** Why bytes did not decode. */
export const enum X64Error {
  NONE = 0,
  /** The instruction continues past the bytes that were available. */
  TRUNCATED = 1,
  /** The instruction would be longer than 15 bytes (the CPU raises #GP). */
  TOO_LONG = 2,
  /** No instruction has this opcode (in 64-bit mode). */
  UNDEFINED_OPCODE = 3,
  /** The opcode exists but not in 64-bit mode. */
  INVALID_IN_64BIT = 4,
  /** The ModRM.reg extension of this opcode group is undefined. */
  UNDEFINED_EXTENSION = 5,
  /** The instruction needs a memory operand (ModRM.mod != 3) or a register one (mod == 3). */
  BAD_OPERAND_FORM = 6,
  /** The mandatory prefix (none, 66, F3, F2) selects no instruction for this opcode. */
  BAD_MANDATORY_PREFIX = 7,
  /** LOCK on an instruction that cannot be locked (the CPU raises #UD). */
  BAD_LOCK = 8,
  /** A VEX or EVEX prefix that is malformed or preceded by 66/F2/F3/F0/REX. */
  BAD_VECTOR_PREFIX = 9,
  /** A register number that names no register (segment, control or debug register). */
  BAD_REGISTER = 10,
}
