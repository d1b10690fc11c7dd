// One decoded x86-64 instruction: every fact the relocator, the planner and the CPU read.
// The decoder fills one object in place, so decoding allocates nothing.
import { X64Encoding, X64Error, X64Flow } from './codes';

@unmanaged
export class X64Instruction {
  valid: bool = false;
  error: X64Error = X64Error.NONE;
  /**
   * Why decoding failed, as the address of a string literal (0 when valid). Reasons are always
   * literals in static memory, so a plain address needs no GC bookkeeping: a managed string field
   * would make every store to this object go through the GC's shadow stack.
   */
  private reasonAddress: usize = 0;
  /** Bytes of the instruction (when truncated: how many would at least be needed). */
  length: i32 = 0;
  address: u64 = 0;

  // Legacy prefixes.
  /** Number of legacy prefix bytes (F0 F2 F3 2E 36 3E 26 64 65 66 67), repeats included. */
  prefixCount: i32 = 0;
  lock: bool = false;
  /** F3 present. */
  rep: bool = false;
  /** F2 present. */
  repne: bool = false;
  /** Of F2 and F3, the one that came last (0 if none): the CPU honours the last one. */
  lastRepPrefix: u8 = 0;
  /** 66 present. */
  operandSizePrefix: bool = false;
  /** 67 present. */
  addressSizePrefix: bool = false;
  /** Last segment override byte (26 2E 36 3E 64 65), 0 if none: the last one wins. */
  segment: u8 = 0;
  /** Number of segment override bytes (more than one is legal; only the last counts). */
  segmentPrefixCount: i32 = 0;
  /** The mandatory prefix that selected the instruction (0, 0x66, 0xF3, 0xF2), for opcodes that have one. */
  mandatoryPrefix: u8 = 0;

  // REX.
  /** REX byte in effect (0 if none). */
  rex: u8 = 0;
  rexW: bool = false;
  rexR: bool = false;
  rexX: bool = false;
  rexB: bool = false;
  /** A REX byte was followed by another prefix, so the CPU ignored it. */
  rexIgnored: bool = false;

  // VEX / EVEX.
  encoding: X64Encoding = X64Encoding.LEGACY;
  /** VEX.L (0/1) or EVEX.L'L (0-2). */
  vectorLength: i32 = 0;
  vexW: bool = false;
  /** Extra source register from vvvv (and EVEX.V'), already inverted: 0-31. */
  vvvv: i32 = 0;
  /** pp: 0 none, 1 = 66, 2 = F3, 3 = F2. */
  pp: i32 = 0;
  /** EVEX: opmask register (aaa), zeroing (z), broadcast / rounding (b). */
  evexMask: i32 = 0;
  evexZeroing: bool = false;
  evexBroadcast: bool = false;
  /** EVEX.R' (inverted in the prefix) set: ModRM.reg names one of registers 16-31. */
  evexHighReg: bool = false;

  // Opcode.
  /** 0 one-byte, 1 0F, 2 0F38, 3 0F3A (VEX/EVEX: the map they select, up to 7). */
  map: i32 = 0;
  opcode: u8 = 0;
  /** Offset of the opcode byte from the instruction's start. */
  opcodeOffset: i32 = 0;

  // ModRM / SIB.
  hasModrm: bool = false;
  modrmOffset: i32 = -1;
  modrm: u8 = 0;
  mod: i32 = 0;
  /** ModRM.reg with REX.R (and EVEX.R') applied. */
  reg: i32 = 0;
  /** ModRM.rm with REX.B applied (for mod == 3; with mod != 3 see base/index). */
  rm: i32 = 0;
  hasSib: bool = false;
  sib: u8 = 0;
  /** Base register number (REX.B applied), -1 for none (disp32-only or RIP-relative). */
  base: i32 = -1;
  /** Index register number (REX.X applied), -1 for none. */
  index: i32 = -1;
  /** Scale factor 1, 2, 4 or 8 (1 when there is no index). */
  scale: i32 = 1;
  /** Memory operand is [rip + disp32] ([eip + disp32] with 67). */
  ripRelative: bool = false;
  /** Address a RIP-relative operand refers to (next instruction + disp32). */
  ripTarget: u64 = 0;

  // Displacement and immediates.
  dispOffset: i32 = -1;
  dispSize: i32 = 0;
  disp: i64 = 0;
  immOffset: i32 = -1;
  immSize: i32 = 0;
  /** Immediate, sign-extended from its size (moffs and imm64 are the full 64 bits). */
  imm: i64 = 0;
  /** Second immediate: enter's nesting level, extrq/insertq's index. */
  imm2Offset: i32 = -1;
  imm2Size: i32 = 0;
  imm2: i64 = 0;

  /** Operand-size attribute in effect: 2, 4 or 8 bytes (byte-operand opcodes still say 4). */
  operandSize: i32 = 4;
  /** Address size: 8, or 4 with 67. */
  addressSize: i32 = 8;

  // Control flow.
  flow: X64Flow = X64Flow.NONE;
  /** Jcc condition code 0-15, -1 otherwise. */
  condition: i32 = -1;
  /** Relative branches: where the relative field sits and its size (1, 2 or 4). */
  relOffset: i32 = -1;
  relSize: i32 = 0;
  branchTarget: u64 = 0;

  /** Empties every fact; the decoder calls it first. */
  reset(address: u64): void {
    this.valid = false;
    this.reasonAddress = 0;
    this.error = X64Error.NONE;
    this.length = 0;
    this.address = address;
    this.prefixCount = 0;
    this.lock = false;
    this.rep = false;
    this.repne = false;
    this.lastRepPrefix = 0;
    this.operandSizePrefix = false;
    this.addressSizePrefix = false;
    this.segment = 0;
    this.segmentPrefixCount = 0;
    this.mandatoryPrefix = 0;
    this.rex = 0;
    this.rexW = false;
    this.rexR = false;
    this.rexX = false;
    this.rexB = false;
    this.rexIgnored = false;
    this.encoding = X64Encoding.LEGACY;
    this.vectorLength = 0;
    this.vexW = false;
    this.vvvv = 0;
    this.pp = 0;
    this.evexMask = 0;
    this.evexZeroing = false;
    this.evexBroadcast = false;
    this.evexHighReg = false;
    this.map = 0;
    this.opcode = 0;
    this.opcodeOffset = 0;
    this.hasModrm = false;
    this.modrmOffset = -1;
    this.modrm = 0;
    this.mod = 0;
    this.reg = 0;
    this.rm = 0;
    this.hasSib = false;
    this.sib = 0;
    this.base = -1;
    this.index = -1;
    this.scale = 1;
    this.ripRelative = false;
    this.ripTarget = 0;
    this.dispOffset = -1;
    this.dispSize = 0;
    this.disp = 0;
    this.immOffset = -1;
    this.immSize = 0;
    this.imm = 0;
    this.imm2Offset = -1;
    this.imm2Size = 0;
    this.imm2 = 0;
    this.operandSize = 4;
    this.addressSize = 8;
    this.flow = X64Flow.NONE;
    this.condition = -1;
    this.relOffset = -1;
    this.relSize = 0;
    this.branchTarget = 0;
  }

  /** A sentence saying why decoding failed; empty when valid. */
  get reason(): string {
    return this.reasonAddress == 0 ? '' : changetype<string>(this.reasonAddress);
  }

  /**
   * Marks the instruction undecodable; always returns false so callers can `return out.fail(...)`.
   * `reason` must be a string literal.
   */
  fail(error: X64Error, reason: string): bool {
    this.valid = false;
    this.error = error;
    this.reasonAddress = changetype<usize>(reason);
    return false;
  }
}
