// Operations of decoded AArch64 instructions, numbered densely so that dispatch is one jump table. One instruction word becomes one 32-byte entry:
//   +0 u16 op   +2 u8 a   +3 u8 b   +4 u16 rd   +6 u16 rn   +8 u16 rm   +10 u16 ra
//   +12 u32 the instruction word   +16 u64 imm   +24 u64 imm2
// Register fields hold absolute addresses of register slots (arm64/state.ts), with XZR mapped to a
// zero slot for reads and a sink slot for writes, so the interpreter never tests for register 31.
// Branch targets, literal addresses and return addresses are resolved to absolute values.

export const ENTRY_SIZE: usize = 32;
export const ENTRY_SHIFT: u32 = 5;

export const E_OP: usize = 0;
export const E_A: usize = 2;
export const E_B: usize = 3;
export const E_RD: usize = 4;
export const E_RN: usize = 6;
export const E_RM: usize = 8;
export const E_RA: usize = 10;
export const E_WORD: usize = 12;
export const E_IMM: usize = 16;
export const E_IMM2: usize = 24;

// Outside the implemented set, and undefined on the emulated CPU (Unicorn raises interrupt 1).
export const OP_UNSUPPORTED: i32 = 0;
export const OP_UNDEFINED: i32 = 1;
export const OP_NOP: i32 = 2;

// Moves
export const OP_MOVI: i32 = 3; // rd = imm (movz, movn, adr, adrp, orr with xzr)
export const OP_MOVK: i32 = 4; // rd = (rd & imm2) | imm
export const OP_MOV_X: i32 = 5; // rd = rm
export const OP_MOV_W: i32 = 6;

// Add/subtract: *_IMM use imm; *_REG use rm through operand2 (a = shift or extend kind, b = amount).
export const OP_ADD_IMM_X: i32 = 7;
export const OP_ADD_IMM_W: i32 = 8;
export const OP_ADDS_IMM_X: i32 = 9;
export const OP_ADDS_IMM_W: i32 = 10;
export const OP_SUBS_IMM_X: i32 = 11;
export const OP_SUBS_IMM_W: i32 = 12;
export const OP_ADD_REG_X: i32 = 13;
export const OP_ADD_REG_W: i32 = 14;
export const OP_ADDS_REG_X: i32 = 15;
export const OP_ADDS_REG_W: i32 = 16;
export const OP_SUB_REG_X: i32 = 17;
export const OP_SUB_REG_W: i32 = 18;
export const OP_SUBS_REG_X: i32 = 19;
export const OP_SUBS_REG_W: i32 = 20;
export const OP_ADC_X: i32 = 21;
export const OP_ADC_W: i32 = 22;
export const OP_ADCS_X: i32 = 23;
export const OP_ADCS_W: i32 = 24;
export const OP_SBC_X: i32 = 25;
export const OP_SBC_W: i32 = 26;
export const OP_SBCS_X: i32 = 27;
export const OP_SBCS_W: i32 = 28;

// Logical: immediate forms use imm (already sized); register forms shift rm (a = type, b = amount).
export const OP_AND_IMM: i32 = 29; // zero-extended imm keeps W results 32-bit
export const OP_ORR_IMM_X: i32 = 30;
export const OP_ORR_IMM_W: i32 = 31;
export const OP_EOR_IMM_X: i32 = 32;
export const OP_EOR_IMM_W: i32 = 33;
export const OP_ANDS_IMM_X: i32 = 34;
export const OP_ANDS_IMM_W: i32 = 35;
export const OP_AND_X: i32 = 36;
export const OP_AND_W: i32 = 37;
export const OP_ORR_X: i32 = 38;
export const OP_ORR_W: i32 = 39;
export const OP_EOR_X: i32 = 40;
export const OP_EOR_W: i32 = 41;
export const OP_ANDS_X: i32 = 42;
export const OP_ANDS_W: i32 = 43;
export const OP_BIC_X: i32 = 44;
export const OP_BIC_W: i32 = 45;
export const OP_ORN_X: i32 = 46;
export const OP_ORN_W: i32 = 47;
export const OP_EON_X: i32 = 48;
export const OP_EON_W: i32 = 49;
export const OP_BICS_X: i32 = 50;
export const OP_BICS_W: i32 = 51;

// Bitfield (a = immr, b = imms, imm = wmask, imm2 = tmask), shifts by immediate (b = amount), extract
export const OP_UBFM_X: i32 = 52;
export const OP_UBFM_W: i32 = 53;
export const OP_SBFM_X: i32 = 54;
export const OP_SBFM_W: i32 = 55;
export const OP_BFM_X: i32 = 56;
export const OP_BFM_W: i32 = 57;
export const OP_LSL_IMM_X: i32 = 58;
export const OP_LSL_IMM_W: i32 = 59;
export const OP_LSR_IMM_X: i32 = 60;
export const OP_LSR_IMM_W: i32 = 61;
export const OP_ASR_IMM_X: i32 = 62;
export const OP_ASR_IMM_W: i32 = 63;
export const OP_EXTR_X: i32 = 64; // b = lsb
export const OP_EXTR_W: i32 = 65;

// Shifts by register
export const OP_LSLV_X: i32 = 66;
export const OP_LSLV_W: i32 = 67;
export const OP_LSRV_X: i32 = 68;
export const OP_LSRV_W: i32 = 69;
export const OP_ASRV_X: i32 = 70;
export const OP_ASRV_W: i32 = 71;
export const OP_RORV_X: i32 = 72;
export const OP_RORV_W: i32 = 73;

// Multiply and divide (ra = addend)
export const OP_MADD_X: i32 = 74;
export const OP_MADD_W: i32 = 75;
export const OP_MSUB_X: i32 = 76;
export const OP_MSUB_W: i32 = 77;
export const OP_SMADDL: i32 = 78;
export const OP_SMSUBL: i32 = 79;
export const OP_UMADDL: i32 = 80;
export const OP_UMSUBL: i32 = 81;
export const OP_SMULH: i32 = 82;
export const OP_UMULH: i32 = 83;
export const OP_UDIV_X: i32 = 84;
export const OP_UDIV_W: i32 = 85;
export const OP_SDIV_X: i32 = 86;
export const OP_SDIV_W: i32 = 87;

// One source
export const OP_CLZ_X: i32 = 88;
export const OP_CLZ_W: i32 = 89;
export const OP_CLS_X: i32 = 90;
export const OP_CLS_W: i32 = 91;
export const OP_RBIT_X: i32 = 92;
export const OP_RBIT_W: i32 = 93;
export const OP_REV16_X: i32 = 94;
export const OP_REV16_W: i32 = 95;
export const OP_REV32_X: i32 = 96;
export const OP_REV_W: i32 = 97;
export const OP_REV_X: i32 = 98;
export const OP_CRC32: i32 = 99; // a = bytes, b = 1 for CRC32C

// Conditional select (a = condition) and compare (a = condition, b = nzcv; imm for immediate forms)
export const OP_CSEL_X: i32 = 100;
export const OP_CSEL_W: i32 = 101;
export const OP_CSINC_X: i32 = 102;
export const OP_CSINC_W: i32 = 103;
export const OP_CSINV_X: i32 = 104;
export const OP_CSINV_W: i32 = 105;
export const OP_CSNEG_X: i32 = 106;
export const OP_CSNEG_W: i32 = 107;
export const OP_CCMP_X: i32 = 108;
export const OP_CCMP_W: i32 = 109;
export const OP_CCMN_X: i32 = 110;
export const OP_CCMN_W: i32 = 111;
export const OP_CCMP_IMM_X: i32 = 112;
export const OP_CCMP_IMM_W: i32 = 113;
export const OP_CCMN_IMM_X: i32 = 114;
export const OP_CCMN_IMM_W: i32 = 115;

// Branches: imm = target, imm2 = address of the next instruction
export const OP_B: i32 = 116;
export const OP_BL: i32 = 117;
export const OP_B_COND: i32 = 118; // a = condition, rd = its mask (conditionMask)
export const OP_CBZ_X: i32 = 119;
export const OP_CBZ_W: i32 = 120;
export const OP_CBNZ_X: i32 = 121;
export const OP_CBNZ_W: i32 = 122;
export const OP_TBZ: i32 = 123; // b = bit
export const OP_TBNZ: i32 = 124;
export const OP_BR: i32 = 125;
export const OP_BLR: i32 = 126;
export const OP_SVC: i32 = 127;
export const OP_BRK: i32 = 128;

// System
export const OP_MRS_NZCV: i32 = 129;
export const OP_MSR_NZCV: i32 = 130;
export const OP_MRS: i32 = 131; // rd = u64 at address imm (a system register slot)
export const OP_MSR: i32 = 132; // u64 at address imm = rn & imm2
export const OP_CLREX: i32 = 133;
export const OP_DC_ZVA: i32 = 134;

// Exclusive and ordered accesses (a = access size in bytes; rm = status register)
export const OP_LDX: i32 = 135;
export const OP_STX: i32 = 136;
export const OP_LDXP: i32 = 137;
export const OP_STXP: i32 = 138;

// Single-register loads and stores. Kind + OP_MEM_IMM: address = rn + imm (rn = zero slot for
// literals). Kind + OP_MEM_INDEXED: a = mode (pre, post, register; b = extend, imm = shift for register).
export const MEM_LD64: i32 = 0;
export const MEM_LD32: i32 = 1;
export const MEM_LD16: i32 = 2;
export const MEM_LD8: i32 = 3;
export const MEM_LDS8_X: i32 = 4;
export const MEM_LDS8_W: i32 = 5;
export const MEM_LDS16_X: i32 = 6;
export const MEM_LDS16_W: i32 = 7;
export const MEM_LDS32: i32 = 8;
export const MEM_ST64: i32 = 9;
export const MEM_ST32: i32 = 10;
export const MEM_ST16: i32 = 11;
export const MEM_ST8: i32 = 12;
export const MEM_VLD8: i32 = 13;
export const MEM_VLD16: i32 = 14;
export const MEM_VLD32: i32 = 15;
export const MEM_VLD64: i32 = 16;
export const MEM_VLD128: i32 = 17;
export const MEM_VST8: i32 = 18;
export const MEM_VST16: i32 = 19;
export const MEM_VST32: i32 = 20;
export const MEM_VST64: i32 = 21;
export const MEM_VST128: i32 = 22;
export const OP_MEM_IMM: i32 = 139;
export const OP_MEM_INDEXED: i32 = 162;

// Every entry of OP_MEM_IMM and OP_MEM_INDEXED the interpreter has a case for, as a constant of its
// own: written as a sum in a case label, it reaches the optimizer too late to join the interpreter's
// one jump table, and those cases cost two or three table dispatches instead of one.
export const OP_MEM_IMM_LD64: i32 = OP_MEM_IMM + MEM_LD64;
export const OP_MEM_IMM_LD32: i32 = OP_MEM_IMM + MEM_LD32;
export const OP_MEM_IMM_LD16: i32 = OP_MEM_IMM + MEM_LD16;
export const OP_MEM_IMM_LD8: i32 = OP_MEM_IMM + MEM_LD8;
export const OP_MEM_IMM_LDS8_X: i32 = OP_MEM_IMM + MEM_LDS8_X;
export const OP_MEM_IMM_LDS8_W: i32 = OP_MEM_IMM + MEM_LDS8_W;
export const OP_MEM_IMM_LDS16_X: i32 = OP_MEM_IMM + MEM_LDS16_X;
export const OP_MEM_IMM_LDS16_W: i32 = OP_MEM_IMM + MEM_LDS16_W;
export const OP_MEM_IMM_LDS32: i32 = OP_MEM_IMM + MEM_LDS32;
export const OP_MEM_IMM_ST64: i32 = OP_MEM_IMM + MEM_ST64;
export const OP_MEM_IMM_ST32: i32 = OP_MEM_IMM + MEM_ST32;
export const OP_MEM_IMM_ST16: i32 = OP_MEM_IMM + MEM_ST16;
export const OP_MEM_IMM_ST8: i32 = OP_MEM_IMM + MEM_ST8;
export const OP_MEM_IMM_VLD8: i32 = OP_MEM_IMM + MEM_VLD8;
export const OP_MEM_IMM_VLD16: i32 = OP_MEM_IMM + MEM_VLD16;
export const OP_MEM_IMM_VLD32: i32 = OP_MEM_IMM + MEM_VLD32;
export const OP_MEM_IMM_VLD64: i32 = OP_MEM_IMM + MEM_VLD64;
export const OP_MEM_IMM_VLD128: i32 = OP_MEM_IMM + MEM_VLD128;
export const OP_MEM_IMM_VST8: i32 = OP_MEM_IMM + MEM_VST8;
export const OP_MEM_IMM_VST16: i32 = OP_MEM_IMM + MEM_VST16;
export const OP_MEM_IMM_VST32: i32 = OP_MEM_IMM + MEM_VST32;
export const OP_MEM_IMM_VST64: i32 = OP_MEM_IMM + MEM_VST64;
export const OP_MEM_IMM_VST128: i32 = OP_MEM_IMM + MEM_VST128;
export const OP_MEM_INDEXED_LD64: i32 = OP_MEM_INDEXED + MEM_LD64;
export const OP_MEM_INDEXED_LD32: i32 = OP_MEM_INDEXED + MEM_LD32;
export const OP_MEM_INDEXED_LD16: i32 = OP_MEM_INDEXED + MEM_LD16;
export const OP_MEM_INDEXED_LD8: i32 = OP_MEM_INDEXED + MEM_LD8;
export const OP_MEM_INDEXED_LDS8_X: i32 = OP_MEM_INDEXED + MEM_LDS8_X;
export const OP_MEM_INDEXED_LDS8_W: i32 = OP_MEM_INDEXED + MEM_LDS8_W;
export const OP_MEM_INDEXED_LDS16_X: i32 = OP_MEM_INDEXED + MEM_LDS16_X;
export const OP_MEM_INDEXED_LDS16_W: i32 = OP_MEM_INDEXED + MEM_LDS16_W;
export const OP_MEM_INDEXED_LDS32: i32 = OP_MEM_INDEXED + MEM_LDS32;
export const OP_MEM_INDEXED_ST64: i32 = OP_MEM_INDEXED + MEM_ST64;
export const OP_MEM_INDEXED_ST32: i32 = OP_MEM_INDEXED + MEM_ST32;
export const OP_MEM_INDEXED_ST16: i32 = OP_MEM_INDEXED + MEM_ST16;
export const OP_MEM_INDEXED_ST8: i32 = OP_MEM_INDEXED + MEM_ST8;
export const OP_MEM_INDEXED_VLD8: i32 = OP_MEM_INDEXED + MEM_VLD8;
export const OP_MEM_INDEXED_VLD16: i32 = OP_MEM_INDEXED + MEM_VLD16;
export const OP_MEM_INDEXED_VLD32: i32 = OP_MEM_INDEXED + MEM_VLD32;
export const OP_MEM_INDEXED_VLD64: i32 = OP_MEM_INDEXED + MEM_VLD64;
export const OP_MEM_INDEXED_VLD128: i32 = OP_MEM_INDEXED + MEM_VLD128;
export const OP_MEM_INDEXED_VST8: i32 = OP_MEM_INDEXED + MEM_VST8;
export const OP_MEM_INDEXED_VST16: i32 = OP_MEM_INDEXED + MEM_VST16;
export const OP_MEM_INDEXED_VST32: i32 = OP_MEM_INDEXED + MEM_VST32;
export const OP_MEM_INDEXED_VST64: i32 = OP_MEM_INDEXED + MEM_VST64;
export const OP_MEM_INDEXED_VST128: i32 = OP_MEM_INDEXED + MEM_VST128;

export const MODE_PRE: u8 = 0;
export const MODE_POST: u8 = 1;
export const MODE_REGISTER: u8 = 2;
export const MODE_OFFSET: u8 = 3;

// Pairs (a = mode: pre, post or offset; imm = offset), rd = first register, ra = second
export const OP_LDP_X: i32 = 185;
export const OP_LDP_W: i32 = 186;
export const OP_LDPSW: i32 = 187;
export const OP_STP_X: i32 = 188;
export const OP_STP_W: i32 = 189;
export const OP_LDP_V32: i32 = 190;
export const OP_LDP_V64: i32 = 191;
export const OP_LDP_V128: i32 = 192;
export const OP_STP_V32: i32 = 193;
export const OP_STP_V64: i32 = 194;
export const OP_STP_V128: i32 = 195;

// SIMD and floating-point moves and the integer vector operations compilers emit
export const OP_V_TO_GPR: i32 = 196; // rd = lane b of size a of vn, zero-extended (fmov, umov)
export const OP_V_TO_GPR_SIGNED_X: i32 = 197; // smov to X
export const OP_V_TO_GPR_SIGNED_W: i32 = 198; // smov to W
export const OP_GPR_TO_V: i32 = 199; // vd = low a bytes of rn, rest zero (fmov)
export const OP_GPR_TO_LANE: i32 = 200; // lane b of size a of vd = rn (ins, fmov v.d[1])
export const OP_V_MOVE: i32 = 201; // vd = low a bytes of vn, rest zero (fmov between registers)
export const OP_V_CONST: i32 = 202; // vd = imm:imm2
export const OP_V_ORR_CONST: i32 = 203; // vd |= imm:imm2
export const OP_V_BIC_CONST: i32 = 204; // vd &= ~(imm:imm2)
export const OP_V_DUP_GPR: i32 = 205; // a = lane bytes, b = 16 or 8 bytes written
export const OP_V_DUP_LANE: i32 = 206; // a = lane bytes, b = bytes written, imm = source lane
export const OP_V_INS_LANE: i32 = 207; // a = lane bytes, b = destination lane, imm = source lane
export const OP_V_LOGIC: i32 = 208; // b = operation, a = bytes written
export const OP_V_ARITH: i32 = 209; // b = operation, a = lane bytes, imm = bytes written
export const OP_V_UNARY: i32 = 210; // b = operation, a = lane bytes, imm = bytes written
export const OP_V_SHIFT: i32 = 211; // b = operation, a = lane bytes, imm = amount, imm2 = bytes written
export const OP_V_PERMUTE: i32 = 212; // b = operation, a = lane bytes, imm = bytes written
export const OP_V_REDUCE: i32 = 213; // b = operation, a = lane bytes, imm = bytes read
export const OP_V_EXT: i32 = 214; // imm = byte index, a = bytes written
export const OP_V_NARROW: i32 = 215; // b = operation, a = narrow lane bytes, imm = shift amount, imm2 = part
export const OP_V_WIDEN: i32 = 216; // b = operation, a = narrow lane bytes, imm = shift amount, imm2 = part
export const OP_V_LONG: i32 = 217; // b = operation, a = narrow lane bytes, imm = part
export const OP_V_PAIRWISE_LONG: i32 = 218; // b = operation, a = lane bytes, imm = bytes written
export const OP_V_ELEMENT: i32 = 219; // OP_V_ARITH with lane imm2 of vm for every lane of m
export const OP_V_ELEMENT_LONG: i32 = 220; // OP_V_LONG with lane imm2 of vm for every lane of m
export const OP_V_TABLE: i32 = 221; // rn = first table register number, a = registers, b = 1 for TBX, imm = bytes written
// Structure loads and stores (LD1..LD4, ST1..ST4, LD1R..LD4R): rd = first register number, rn = base,
// rm = post-index register (zero slot: the immediate), imm = post-index immediate, imm2 = STRUCT_* fields
export const OP_V_STRUCT: i32 = 222;

// A flag-setting instruction followed by the b.cond that ends its block, fused at decode time
// (translate.ts): the first entry computes the result and NZCV and, unless the run stops between
// the two, decides the branch of the second without a dispatch of its own. The b.cond entry stays
// as it was, for runs that start at it.
export const OP_ADDS_IMM_X_B_COND: i32 = 223;
export const OP_ADDS_IMM_W_B_COND: i32 = 224;
export const OP_SUBS_IMM_X_B_COND: i32 = 225;
export const OP_SUBS_IMM_W_B_COND: i32 = 226;
export const OP_ADDS_REG_X_B_COND: i32 = 227;
export const OP_ADDS_REG_W_B_COND: i32 = 228;
export const OP_SUBS_REG_X_B_COND: i32 = 229;
export const OP_SUBS_REG_W_B_COND: i32 = 230;
export const OP_ANDS_IMM_X_B_COND: i32 = 231;
export const OP_ANDS_IMM_W_B_COND: i32 = 232;
export const OP_ANDS_X_B_COND: i32 = 233;
export const OP_ANDS_W_B_COND: i32 = 234;

/** The OP_V_STRUCT fields packed in imm2. */
export const STRUCT_SELEM_SHIFT: u32 = 0; // 3 bits: registers per structure, 1 to 4
export const STRUCT_REPEAT_SHIFT: u32 = 3; // 3 bits: LD1/ST1 with 1 to 4 registers
export const STRUCT_SIZE_SHIFT: u32 = 6; // 2 bits: log2 of the element bytes
export const STRUCT_Q: u64 = 1 << 8; // 16-byte registers
export const STRUCT_LOAD: u64 = 1 << 9;
export const STRUCT_KIND_SHIFT: u32 = 10; // 2 bits: STRUCT_MULTIPLE, STRUCT_LANE, STRUCT_REPLICATE
export const STRUCT_INDEX_SHIFT: u32 = 12; // 4 bits: the lane of a single-structure access
export const STRUCT_WRITEBACK: u64 = 1 << 16; // post-index
export const STRUCT_MULTIPLE: u32 = 0;
export const STRUCT_LANE: u32 = 1;
export const STRUCT_REPLICATE: u32 = 2;

/** For each condition code, the NZCV values (bit n for NZCV = n, N Z C V in bits 3..0) for which it holds. */
const CONDITION_MASKS: usize = memory.data<u16>([
  0xf0f0, 0x0f0f, 0xcccc, 0x3333, 0xff00, 0x00ff, 0xaaaa, 0x5555, // EQ NE CS CC MI PL VS VC
  0x0c0c, 0xf3f3, 0xaa55, 0x55aa, 0x0a05, 0xf5fa, 0xffff, 0xffff, // HI LS GE LT GT LE AL NV
]);

/** The NZCV values for which condition `cond` holds, as a 16-bit mask. */
@inline export function conditionMask(cond: u32): u32 {
  return <u32>load<u16>(CONDITION_MASKS + (<usize>cond << 1));
}
