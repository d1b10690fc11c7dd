// Decoded x86-64 instructions. One instruction becomes one 64-byte entry:
//   +0  u16 op          +2 u8 size (operand bytes)   +3 u8 length (instruction bytes)
//   +4  u16 offset of the instruction from the block's first address
//   +6  u8  sub (ALU kind, shift kind, condition, string kind, SSE operation)
//   +7  u8  flags (F_*)
//   +8  u16 reg: slot of the ModRM.reg (or opcode) register operand
//   +10 u16 rm: slot of a register r/m operand, 0 when r/m is memory
//   +12 u16 base, +14 u16 index: slots of the address registers (the zero slot when absent)
//   +16 u8  scale (shift count)  +17 u8 size2 (source size of movzx/movsx, second operand size)
//   +18 u16 segment: slot of the fs/gs base (the zero slot otherwise)
//   +20 u32 unused
//   +24 i64 displacement (RIP-relative operands: the absolute address)
//   +32 i64 immediate (branch target for relative branches)
//   +40 i64 second immediate (enter's level, shld/shrd's count)
//   +48 u64 address of the next instruction
//   +56 u64 the instruction's first eight bytes (reported for unsupported instructions)
// Register fields hold absolute state addresses, byte registers AH..BH included (slot + 1), so the
// interpreter never decodes register numbers.

export const ENTRY_SIZE: usize = 64;
export const ENTRY_SHIFT: u32 = 6;

export const E_OP: usize = 0;
export const E_SIZE: usize = 2;
export const E_LENGTH: usize = 3;
export const E_OFFSET: usize = 4;
export const E_SUB: usize = 6;
export const E_FLAGS: usize = 7;
export const E_REG: usize = 8;
export const E_RM: usize = 10;
export const E_BASE: usize = 12;
export const E_INDEX: usize = 14;
export const E_SCALE: usize = 16;
export const E_SIZE2: usize = 17;
export const E_SEGMENT: usize = 18;
export const E_DISP: usize = 24;
export const E_IMM: usize = 32;
export const E_IMM2: usize = 40;
export const E_NEXT: usize = 48;
export const E_BYTES: usize = 56;

/** The address is computed in 32 bits (67 prefix). */
export const F_ADDR32: u8 = 1;
/** Shift or rotate count comes from CL rather than the immediate. */
export const F_COUNT_CL: u8 = 2;
/** rep / repe prefix (F3) on a string instruction. */
export const F_REP: u8 = 4;
/** repne prefix (F2) on a string instruction. */
export const F_REPNE: u8 = 8;
/** The memory operand must be aligned to its size (movaps, movdqa, cmpxchg16b: #GP otherwise). */
export const F_ALIGNED: u8 = 16;

// Outside the implemented set; undefined (Unicorn: invalid instruction); nothing to do.
export const OP_UNSUPPORTED: u16 = 0;
export const OP_INVALID: u16 = 1;
export const OP_NOP: u16 = 2;

// Moves
export const OP_MOV_RR: u16 = 3; // reg = rm register
export const OP_LOAD: u16 = 4; // reg = [ea]
export const OP_STORE: u16 = 5; // [ea] = reg
export const OP_MOV_RI: u16 = 6; // rm register = imm
export const OP_STORE_I: u16 = 7; // [ea] = imm
export const OP_MOVZX: u16 = 8; // reg = zero-extended r/m of size2
export const OP_MOVSX: u16 = 9; // reg = sign-extended r/m of size2
export const OP_LEA: u16 = 10;
export const OP_XCHG: u16 = 11; // reg <-> r/m
export const OP_CBW: u16 = 12; // cbw / cwde / cdqe by size
export const OP_CWD: u16 = 13; // cwd / cdq / cqo by size
export const OP_BSWAP: u16 = 14; // rm register
export const OP_XLAT: u16 = 15;

// Arithmetic and logic: sub = 0 add, 1 or, 2 adc, 3 sbb, 4 and, 5 sub, 6 xor, 7 cmp
export const OP_ALU_RR: u16 = 20; // rm register op= reg
export const OP_ALU_MR: u16 = 21; // [ea] op= reg
export const OP_ALU_R_RM: u16 = 22; // reg op= r/m
export const OP_ALU_RI: u16 = 23; // rm register op= imm
export const OP_ALU_MI: u16 = 24; // [ea] op= imm
export const OP_TEST_R: u16 = 25; // r/m & reg
export const OP_TEST_I: u16 = 26; // r/m & imm
export const OP_INC: u16 = 27;
export const OP_DEC: u16 = 28;
export const OP_NOT: u16 = 29;
export const OP_NEG: u16 = 30;

// Shifts and rotates: sub = 0 rol, 1 ror, 2 rcl, 3 rcr, 4 shl, 5 shr, 6 sal (shl), 7 sar
export const OP_SHIFT: u16 = 31; // count = imm, or CL with F_COUNT_CL
export const OP_SHIFT_DOUBLE: u16 = 32; // sub = 0 shld, 1 shrd; count = imm2 or CL

// Multiply and divide
export const OP_MUL: u16 = 33; // F6/F7 /4: rdx:rax = rax * r/m
export const OP_IMUL1: u16 = 34; // F6/F7 /5
export const OP_DIV: u16 = 35;
export const OP_IDIV: u16 = 36;
export const OP_IMUL_R_RM: u16 = 37; // reg = reg * r/m
export const OP_IMUL_R_RM_I: u16 = 38; // reg = r/m * imm

// Bits: sub = 0 bt, 1 bts, 2 btr, 3 btc
export const OP_BT_R: u16 = 40; // bit offset from reg (memory operands reach beyond the operand)
export const OP_BT_I: u16 = 41;
export const OP_BSF: u16 = 42;
export const OP_BSR: u16 = 43;
export const OP_TZCNT: u16 = 44;
export const OP_LZCNT: u16 = 45;
export const OP_POPCNT: u16 = 46;

// Conditions: sub = condition code
export const OP_CMOV: u16 = 50;
export const OP_SETCC: u16 = 51;
export const OP_JCC: u16 = 52; // imm = target
export const OP_LOOP: u16 = 53; // sub = 0 loopne, 1 loope, 2 loop, 3 jrcxz; size = counter size

// Flow
export const OP_JMP: u16 = 55; // imm = target
export const OP_JMP_RM: u16 = 56;
export const OP_CALL: u16 = 57; // imm = target
export const OP_CALL_RM: u16 = 58;
export const OP_RET: u16 = 59; // imm = bytes to release

// Stack
export const OP_PUSH_RM: u16 = 60; // push r/m (register or memory), size 8 or 2
export const OP_PUSH_I: u16 = 61;
export const OP_POP_RM: u16 = 62;
export const OP_LEAVE: u16 = 63;
export const OP_ENTER: u16 = 64; // imm = frame size, imm2 = nesting level
export const OP_PUSHF: u16 = 65;
export const OP_POPF: u16 = 66;

// Flag instructions: sub = 0 clc, 1 stc, 2 cmc, 3 cld, 4 std, 5 lahf, 6 sahf
export const OP_FLAG: u16 = 67;

// Strings: sub = 0 movs, 1 cmps, 2 stos, 3 lods, 4 scas; F_REP / F_REPNE
export const OP_STRING: u16 = 70;

// Atomics (LOCK changes nothing for a single CPU)
export const OP_CMPXCHG: u16 = 72;
export const OP_XADD: u16 = 73;
export const OP_CMPXCHG_DOUBLE: u16 = 74; // cmpxchg8b (size 4) / cmpxchg16b (size 8)

// Exceptions and system
export const OP_SYSCALL: u16 = 80;
export const OP_INT: u16 = 81; // imm = vector (int3 = 3), raised after the instruction
export const OP_HLT: u16 = 82;

// Size-specific forms of the commonest instructions, chosen at decode time (specialise.ts) so the
// interpreter takes no operand-size branch on them: 64-bit operands, or 32-bit ones whose result is
// zero-extended into the whole register. Their memory operands have no fs/gs base and a 64-bit
// address; their immediates are already truncated to the operand size.
export const OP_MOV_RR64: u16 = 100; // reg = rm register
export const OP_MOV_RR32: u16 = 101;
export const OP_MOV_RI64: u16 = 102; // rm register = imm (a 32-bit move's immediate is zero-extended)
export const OP_LOAD64: u16 = 103; // reg = [ea]
export const OP_LOAD32: u16 = 104;
export const OP_STORE64: u16 = 105; // [ea] = reg
export const OP_STORE32: u16 = 106;
export const OP_LEA64: u16 = 107;
export const OP_LEA32: u16 = 108;
export const OP_ALU_RR64: u16 = 109; // rm register op= reg (reg op= r/m registers are turned round to this)
export const OP_ALU_RR32: u16 = 110;
export const OP_ALU_RI64: u16 = 111; // rm register op= imm
export const OP_ALU_RI32: u16 = 112;
export const OP_ALU_RM64: u16 = 113; // reg op= [ea]
export const OP_ALU_RM32: u16 = 114;
export const OP_TEST_RR64: u16 = 115; // rm register & reg
export const OP_TEST_RR32: u16 = 116;
export const OP_TEST_RI64: u16 = 117; // rm register & imm
export const OP_TEST_RI32: u16 = 118;
export const OP_INC64: u16 = 119; // rm register
export const OP_INC32: u16 = 120;
export const OP_DEC64: u16 = 121;
export const OP_DEC32: u16 = 122;
export const OP_PUSH64: u16 = 133; // push of the rm register
export const OP_POP64: u16 = 134; // pop into the rm register
export const OP_ALU_MI64: u16 = 135; // [ea] op= imm
export const OP_ALU_MI32: u16 = 136;
// One of the forms above whose next entry is a jcc (specialise.ts): runs the jcc too, deciding it
// from the operands in hand, whenever the jcc is also to run now. The jcc keeps its own entry, for
// running one instruction at a time and for counting.
export const OP_ALU_RR64_JCC: u16 = 123;
export const OP_ALU_RR32_JCC: u16 = 124;
export const OP_ALU_RI64_JCC: u16 = 125;
export const OP_ALU_RI32_JCC: u16 = 126;
export const OP_TEST_RR64_JCC: u16 = 127;
export const OP_TEST_RR32_JCC: u16 = 128;
export const OP_TEST_RI64_JCC: u16 = 129;
export const OP_TEST_RI32_JCC: u16 = 130;
export const OP_DEC64_JCC: u16 = 131;
export const OP_DEC32_JCC: u16 = 132;

// SSE: reg = xmm slot, rm = xmm (or general register) slot, or memory; sub = SSE_*
export const OP_SSE: u16 = 90;

export const SSE_LOAD128: u8 = 0; // xmm = r/m 128 (movups, movaps, movdqu, movdqa, movupd, movapd)
export const SSE_STORE128: u8 = 1; // r/m 128 = xmm
export const SSE_MOVQ_LOAD: u8 = 2; // xmm = zero-extended r/m 64 (movq xmm, xmm/m64)
export const SSE_MOVQ_STORE: u8 = 3; // r/m 64 = low xmm (movq xmm/m64, xmm)
export const SSE_MOVD_TO_XMM: u8 = 4; // xmm = zero-extended r/m of size (movd/movq xmm, r/m)
export const SSE_MOVD_FROM_XMM: u8 = 5; // r/m of size = low xmm (movd/movq r/m, xmm)
export const SSE_MOVSS_LOAD: u8 = 6; // movss xmm, m32 (zeroes the rest) or xmm, xmm (merges)
export const SSE_MOVSD_LOAD: u8 = 7; // movsd xmm, m64 / xmm, xmm
export const SSE_MOVSS_STORE: u8 = 8;
export const SSE_MOVSD_STORE: u8 = 9;
export const SSE_MOVLP_LOAD: u8 = 10; // movlps/movlpd xmm, m64 (low half)
export const SSE_MOVHP_LOAD: u8 = 11; // movhps/movhpd xmm, m64 (high half)
export const SSE_MOVLP_STORE: u8 = 12; // m64 = low half
export const SSE_MOVHP_STORE: u8 = 13; // m64 = high half
export const SSE_MOVHLPS: u8 = 14; // low of xmm = high of xmm2
export const SSE_MOVLHPS: u8 = 15; // high of xmm = low of xmm2
// Forms with operands of their own sizes (rm is a general register or xmm slot, or 0 for memory)
export const SSE_PMOVMSKB: u8 = 16; // general register (reg) = byte sign mask of xmm (rm)
export const SSE_MOVMSKPS: u8 = 17; // general register (reg) = dword sign mask of xmm (rm)
export const SSE_MOVMSKPD: u8 = 18; // general register (reg) = qword sign mask of xmm (rm)
export const SSE_PMOVSXBW: u8 = 19; // xmm = sign- or zero-extended lanes of the low bytes of xmm/m (size: bytes read)
export const SSE_PMOVSXBD: u8 = 20;
export const SSE_PMOVSXBQ: u8 = 21;
export const SSE_PMOVSXWD: u8 = 22;
export const SSE_PMOVSXWQ: u8 = 23;
export const SSE_PMOVSXDQ: u8 = 24;
export const SSE_PMOVZXBW: u8 = 25;
export const SSE_PMOVZXBD: u8 = 26;
export const SSE_PMOVZXBQ: u8 = 27;
export const SSE_PMOVZXWD: u8 = 28;
export const SSE_PMOVZXWQ: u8 = 29;
export const SSE_PMOVZXDQ: u8 = 30;
export const SSE_MOVDDUP: u8 = 31; // xmm = the low qword of xmm/m64, twice
export const SSE_PINSR: u8 = 32; // lane imm of xmm (reg) = general register or memory (rm), size bytes
export const SSE_PEXTR: u8 = 33; // general register (zero-extended) or memory (rm) = lane imm of xmm (reg)
export const SSE_INSERTPS: u8 = 34; // a dword of xmm/m32 into a dword of xmm, then dwords zeroed (imm)
export const SSE_PTEST: u8 = 35; // ZF and CF from xmm AND / ANDN xmm/m128
export const SSE_MASKMOVDQU: u8 = 36; // the bytes of xmm (reg) whose mask byte (rm) has its top bit set, to [rdi]
// Two-operand operations on 128 bits: xmm = xmm op xmm/m128 (SSE_BINARY_START to SSE_BINARY_END)
export const SSE_BINARY_START: u8 = 40;
export const SSE_PXOR: u8 = 40;
export const SSE_POR: u8 = 41;
export const SSE_PAND: u8 = 42;
export const SSE_PANDN: u8 = 43;
export const SSE_PADDB: u8 = 44;
export const SSE_PADDW: u8 = 45;
export const SSE_PADDD: u8 = 46;
export const SSE_PADDQ: u8 = 47;
export const SSE_PSUBB: u8 = 48;
export const SSE_PSUBW: u8 = 49;
export const SSE_PSUBD: u8 = 50;
export const SSE_PSUBQ: u8 = 51;
export const SSE_PMULLW: u8 = 52;
export const SSE_PMULUDQ: u8 = 53;
export const SSE_PCMPEQB: u8 = 54;
export const SSE_PCMPEQW: u8 = 55;
export const SSE_PCMPEQD: u8 = 56;
export const SSE_PCMPGTB: u8 = 57;
export const SSE_PCMPGTW: u8 = 58;
export const SSE_PCMPGTD: u8 = 59;
export const SSE_PUNPCKLBW: u8 = 60;
export const SSE_PUNPCKLWD: u8 = 61;
export const SSE_PUNPCKLDQ: u8 = 62; // also unpcklps
export const SSE_PUNPCKLQDQ: u8 = 63; // also unpcklpd
export const SSE_PUNPCKHBW: u8 = 64;
export const SSE_PUNPCKHWD: u8 = 65;
export const SSE_PUNPCKHDQ: u8 = 66; // also unpckhps
export const SSE_PUNPCKHQDQ: u8 = 67; // also unpckhpd
export const SSE_PACKUSWB: u8 = 68;
export const SSE_PACKSSWB: u8 = 69;
export const SSE_PACKSSDW: u8 = 70;
export const SSE_PMINUB: u8 = 71;
export const SSE_PMAXUB: u8 = 72;
export const SSE_PSUBUSB: u8 = 73;
export const SSE_PADDUSB: u8 = 74;
export const SSE_PSUBUSW: u8 = 75;
export const SSE_PADDUSW: u8 = 76;
export const SSE_PADDSB: u8 = 77;
export const SSE_PADDSW: u8 = 78;
export const SSE_PSUBSB: u8 = 79;
export const SSE_PSUBSW: u8 = 80;
export const SSE_PAVGB: u8 = 81;
export const SSE_PAVGW: u8 = 82;
export const SSE_PMULHUW: u8 = 83;
export const SSE_PMULHW: u8 = 84;
export const SSE_PMINSW: u8 = 85;
export const SSE_PMAXSW: u8 = 86;
export const SSE_PMADDWD: u8 = 87;
export const SSE_PSADBW: u8 = 88;
// SSSE3
export const SSE_PSHUFB: u8 = 89;
export const SSE_PHADDW: u8 = 90;
export const SSE_PHADDD: u8 = 91;
export const SSE_PHADDSW: u8 = 92;
export const SSE_PMADDUBSW: u8 = 93;
export const SSE_PHSUBW: u8 = 94;
export const SSE_PHSUBD: u8 = 95;
export const SSE_PHSUBSW: u8 = 96;
export const SSE_PSIGNB: u8 = 97;
export const SSE_PSIGNW: u8 = 98;
export const SSE_PSIGND: u8 = 99;
export const SSE_PMULHRSW: u8 = 100;
export const SSE_PABSB: u8 = 101; // xmm = |xmm/m128| (the destination is not read)
export const SSE_PABSW: u8 = 102;
export const SSE_PABSD: u8 = 103;
// SSE4.1 and SSE4.2
export const SSE_PBLENDVB: u8 = 104; // mask in xmm0
export const SSE_BLENDVPS: u8 = 105;
export const SSE_BLENDVPD: u8 = 106;
export const SSE_PMULDQ: u8 = 107;
export const SSE_PCMPEQQ: u8 = 108;
export const SSE_PACKUSDW: u8 = 109;
export const SSE_PMINSB: u8 = 110;
export const SSE_PMINSD: u8 = 111;
export const SSE_PMINUW: u8 = 112;
export const SSE_PMINUD: u8 = 113;
export const SSE_PMAXSB: u8 = 114;
export const SSE_PMAXSD: u8 = 115;
export const SSE_PMAXUW: u8 = 116;
export const SSE_PMAXUD: u8 = 117;
export const SSE_PMULLD: u8 = 118;
export const SSE_PHMINPOSUW: u8 = 119;
export const SSE_PCMPGTQ: u8 = 120;
// SSE3 duplicating moves (the destination is not read)
export const SSE_MOVSLDUP: u8 = 121;
export const SSE_MOVSHDUP: u8 = 122;
// The one floating-point conversion: truncating, so independent of MXCSR (see executeSse)
export const SSE_CVTTPS2DQ: u8 = 123;
export const SSE_BINARY_END: u8 = 140;
// With an immediate: xmm = shuffle or blend of xmm and xmm/m128 by imm
export const SSE_PSHUFD: u8 = 140;
export const SSE_PSHUFLW: u8 = 141;
export const SSE_PSHUFHW: u8 = 142;
export const SSE_SHUFPS: u8 = 143;
export const SSE_SHUFPD: u8 = 144;
export const SSE_PALIGNR: u8 = 145;
export const SSE_PBLENDW: u8 = 146;
export const SSE_BLENDPS: u8 = 147;
export const SSE_BLENDPD: u8 = 148;
export const SSE_MPSADBW: u8 = 149;
// Shifts by an immediate count (imm); reg is the xmm register shifted
export const SSE_PSRLW_I: u8 = 160;
export const SSE_PSRLD_I: u8 = 161;
export const SSE_PSRLQ_I: u8 = 162;
export const SSE_PSRAW_I: u8 = 163;
export const SSE_PSRAD_I: u8 = 164;
export const SSE_PSLLW_I: u8 = 165;
export const SSE_PSLLD_I: u8 = 166;
export const SSE_PSLLQ_I: u8 = 167;
export const SSE_PSRLDQ_I: u8 = 168;
export const SSE_PSLLDQ_I: u8 = 169;
// Shifts by a count in xmm/m128 (its low 64 bits)
export const SSE_PSRLW: u8 = 170;
export const SSE_PSRLD: u8 = 171;
export const SSE_PSRLQ: u8 = 172;
export const SSE_PSRAW: u8 = 173;
export const SSE_PSRAD: u8 = 174;
export const SSE_PSLLW: u8 = 175;
export const SSE_PSLLD: u8 = 176;
export const SSE_PSLLQ: u8 = 177;
