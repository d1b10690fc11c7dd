// Opcode tables of the legacy maps (one-byte, 0F, 0F38, 0F3A) for 64-bit mode, written from the
// architecture manuals' opcode maps. One 32-bit descriptor per opcode says whether a ModRM byte
// follows, what immediate comes after it, which mandatory prefixes select an instruction, and
// the operand forms allowed. Opcodes whose facts depend on ModRM.reg are marked GROUP and
// finished by the decoder.

// Descriptor bits.
export const MODRM: u32 = 1 << 0;
/** No instruction has this opcode. */
export const UNDEFINED: u32 = 1 << 1;
/** Valid in other modes only (e.g. push es, daa, into). */
export const INVALID_64: u32 = 1 << 2;
/** Operand size defaults to 64 bits; 66 makes it 16 (push, pop, leave...). */
export const DEFAULT_64: u32 = 1 << 3;
/** Operand size is 64 bits whatever the prefixes (near branches: 66 is ignored in 64-bit mode). */
export const FORCE_64: u32 = 1 << 4;
/** Needs a memory operand (ModRM.mod != 3). */
export const MEM_ONLY: u32 = 1 << 5;
/** Needs a register operand (ModRM.mod == 3). */
export const REG_ONLY: u32 = 1 << 6;
/** LOCK is allowed (with a memory destination). */
export const LOCKABLE: u32 = 1 << 7;
/** The decoder checks ModRM.reg (opcode extension groups and special cases). */
export const GROUP: u32 = 1 << 8;
/** ModRM.mod is ignored and the operand is always a register (mov to/from CR/DR). */
export const MOD_IS_REG: u32 = 1 << 9;

// Immediate kinds, bits 12-15.
export const IMM_SHIFT: u32 = 12;
export const IMM_MASK: u32 = 0xf << IMM_SHIFT;
export const IMM_NONE: u32 = 0;
export const IMM_8: u32 = 1 << IMM_SHIFT;
export const IMM_16: u32 = 2 << IMM_SHIFT;
/** 16 bits with 66, else 32 (sign-extended to 64 under REX.W). */
export const IMM_Z: u32 = 3 << IMM_SHIFT;
/** 16, 32 or 64 bits: mov r, imm (B8-BF). */
export const IMM_V: u32 = 4 << IMM_SHIFT;
export const REL_8: u32 = 5 << IMM_SHIFT;
/** rel32 for near jmp/call/jcc (66 ignored in 64-bit mode). */
export const REL_32: u32 = 6 << IMM_SHIFT;
/** moffs: 64-bit address, 32-bit with 67. */
export const IMM_MOFFS: u32 = 7 << IMM_SHIFT;
/** enter: imm16 then imm8. */
export const IMM_16_8: u32 = 8 << IMM_SHIFT;
/** extrq / insertq immediate forms: imm8 then imm8. */
export const IMM_8_8: u32 = 9 << IMM_SHIFT;
/** rel16 with 66, else rel32 (xbegin). */
export const REL_Z: u32 = 10 << IMM_SHIFT;

// Mandatory prefixes that select an instruction, bits 16-19 (all clear: prefixes select nothing).
export const PP_SHIFT: u32 = 16;
export const PP_MASK: u32 = 0xf << PP_SHIFT;
export const NP: u32 = 1 << PP_SHIFT;
export const P66: u32 = 2 << PP_SHIFT;
export const PF3: u32 = 4 << PP_SHIFT;
export const PF2: u32 = 8 << PP_SHIFT;
export const PP_ALL: u32 = NP | P66 | PF3 | PF2;
export const NP_66: u32 = NP | P66;

export const ONE_BYTE = new StaticArray<u32>(256);
export const MAP_0F = new StaticArray<u32>(256);
export const MAP_0F38 = new StaticArray<u32>(256);
export const MAP_0F3A = new StaticArray<u32>(256);

function fill(table: StaticArray<u32>, first: i32, last: i32, descriptor: u32): void {
  for (let op = first; op <= last; op++) table[op] = descriptor;
}

// ---- One-byte map -------------------------------------------------------------------------
// ALU rows 00-3F: op r/m,r (x0 x1 x2 x3), op al/eax,imm (x4 x5); lockable when the destination
// is memory (x0, x1).
for (let row = 0; row < 8; row++) {
  const base = row << 3;
  const lockable = row == 7 ? 0 : LOCKABLE; // cmp writes nothing
  ONE_BYTE[base] = MODRM | lockable;
  ONE_BYTE[base + 1] = MODRM | lockable;
  ONE_BYTE[base + 2] = MODRM;
  ONE_BYTE[base + 3] = MODRM;
  ONE_BYTE[base + 4] = IMM_8;
  ONE_BYTE[base + 5] = IMM_Z;
  ONE_BYTE[base + 6] = INVALID_64; // push/pop es cs ss ds; 26 2E 36 3E are prefixes (never reach here)
  ONE_BYTE[base + 7] = INVALID_64; // pop es/ss/ds, daa das aaa aas; 0F is the escape
}
fill(ONE_BYTE, 0x40, 0x4f, UNDEFINED); // REX: consumed as prefixes
fill(ONE_BYTE, 0x50, 0x5f, DEFAULT_64); // push / pop r64
ONE_BYTE[0x60] = INVALID_64; // pusha
ONE_BYTE[0x61] = INVALID_64; // popa
ONE_BYTE[0x62] = INVALID_64; // bound; EVEX in 64-bit mode, handled before the tables
ONE_BYTE[0x63] = MODRM; // movsxd
ONE_BYTE[0x68] = IMM_Z | DEFAULT_64; // push imm
ONE_BYTE[0x69] = MODRM | IMM_Z; // imul r, r/m, imm
ONE_BYTE[0x6a] = IMM_8 | DEFAULT_64; // push imm8
ONE_BYTE[0x6b] = MODRM | IMM_8; // imul r, r/m, imm8
fill(ONE_BYTE, 0x6c, 0x6f, 0); // ins / outs
fill(ONE_BYTE, 0x70, 0x7f, REL_8 | FORCE_64); // jcc rel8
ONE_BYTE[0x80] = MODRM | IMM_8 | LOCKABLE | GROUP; // group 1
ONE_BYTE[0x81] = MODRM | IMM_Z | LOCKABLE | GROUP;
ONE_BYTE[0x82] = INVALID_64;
ONE_BYTE[0x83] = MODRM | IMM_8 | LOCKABLE | GROUP;
ONE_BYTE[0x84] = MODRM; // test
ONE_BYTE[0x85] = MODRM;
ONE_BYTE[0x86] = MODRM | LOCKABLE; // xchg
ONE_BYTE[0x87] = MODRM | LOCKABLE;
fill(ONE_BYTE, 0x88, 0x8b, MODRM); // mov
ONE_BYTE[0x8c] = MODRM | GROUP; // mov r/m, sreg
ONE_BYTE[0x8d] = MODRM | MEM_ONLY; // lea
ONE_BYTE[0x8e] = MODRM | GROUP; // mov sreg, r/m
ONE_BYTE[0x8f] = MODRM | DEFAULT_64 | GROUP; // group 1a: pop r/m
fill(ONE_BYTE, 0x90, 0x99, 0); // xchg / nop / pause, cbw family, cwd family
ONE_BYTE[0x9a] = INVALID_64; // call far ptr16:32
ONE_BYTE[0x9b] = 0; // fwait
ONE_BYTE[0x9c] = DEFAULT_64; // pushf
ONE_BYTE[0x9d] = DEFAULT_64; // popf
ONE_BYTE[0x9e] = 0; // sahf
ONE_BYTE[0x9f] = 0; // lahf
fill(ONE_BYTE, 0xa0, 0xa3, IMM_MOFFS); // mov al/eax <-> moffs
fill(ONE_BYTE, 0xa4, 0xa7, 0); // movs / cmps
ONE_BYTE[0xa8] = IMM_8; // test al, imm8
ONE_BYTE[0xa9] = IMM_Z;
fill(ONE_BYTE, 0xaa, 0xaf, 0); // stos / lods / scas
fill(ONE_BYTE, 0xb0, 0xb7, IMM_8); // mov r8, imm8
fill(ONE_BYTE, 0xb8, 0xbf, IMM_V); // mov r, imm16/32/64
ONE_BYTE[0xc0] = MODRM | IMM_8; // group 2 (all eight, /6 being the shl alias sal)
ONE_BYTE[0xc1] = MODRM | IMM_8;
ONE_BYTE[0xc2] = IMM_16 | FORCE_64; // ret imm16
ONE_BYTE[0xc3] = FORCE_64; // ret
ONE_BYTE[0xc4] = INVALID_64; // les; VEX in 64-bit mode, handled before the tables
ONE_BYTE[0xc5] = INVALID_64; // lds; VEX
ONE_BYTE[0xc6] = MODRM | IMM_8 | GROUP; // group 11: mov r/m8, imm8; xabort
ONE_BYTE[0xc7] = MODRM | IMM_Z | GROUP; // group 11: mov r/m, imm; xbegin
ONE_BYTE[0xc8] = IMM_16_8 | DEFAULT_64; // enter
ONE_BYTE[0xc9] = DEFAULT_64; // leave
ONE_BYTE[0xca] = IMM_16; // retf imm16
ONE_BYTE[0xcb] = 0; // retf
ONE_BYTE[0xcc] = 0; // int3
ONE_BYTE[0xcd] = IMM_8; // int n
ONE_BYTE[0xce] = INVALID_64; // into
ONE_BYTE[0xcf] = 0; // iret
fill(ONE_BYTE, 0xd0, 0xd3, MODRM); // group 2 by 1 / cl
ONE_BYTE[0xd4] = INVALID_64; // aam
ONE_BYTE[0xd5] = INVALID_64; // aad
ONE_BYTE[0xd6] = UNDEFINED; // salc is undocumented and not valid in 64-bit mode
ONE_BYTE[0xd7] = 0; // xlat
fill(ONE_BYTE, 0xd8, 0xdf, MODRM | GROUP); // x87 escapes
fill(ONE_BYTE, 0xe0, 0xe3, REL_8 | FORCE_64); // loopne, loope, loop, jrcxz
fill(ONE_BYTE, 0xe4, 0xe7, IMM_8); // in / out imm8
ONE_BYTE[0xe8] = REL_32 | FORCE_64; // call rel32
ONE_BYTE[0xe9] = REL_32 | FORCE_64; // jmp rel32
ONE_BYTE[0xea] = INVALID_64; // jmp far ptr16:32
ONE_BYTE[0xeb] = REL_8 | FORCE_64; // jmp rel8
fill(ONE_BYTE, 0xec, 0xef, 0); // in / out dx
ONE_BYTE[0xf1] = 0; // int1
ONE_BYTE[0xf4] = 0; // hlt
ONE_BYTE[0xf5] = 0; // cmc
ONE_BYTE[0xf6] = MODRM | LOCKABLE | GROUP; // group 3: test imm8 (/0 /1) not neg mul imul div idiv
ONE_BYTE[0xf7] = MODRM | LOCKABLE | GROUP;
fill(ONE_BYTE, 0xf8, 0xfd, 0); // clc stc cli sti cld std
ONE_BYTE[0xfe] = MODRM | LOCKABLE | GROUP; // group 4: inc / dec r/m8
ONE_BYTE[0xff] = MODRM | LOCKABLE | GROUP; // group 5: inc dec call callf jmp jmpf push

// ---- Two-byte map 0F ----------------------------------------------------------------------
fill(MAP_0F, 0x00, 0xff, UNDEFINED);
MAP_0F[0x00] = MODRM | GROUP; // group 6: sldt str lldt ltr verr verw
MAP_0F[0x01] = MODRM | GROUP; // group 7
MAP_0F[0x02] = MODRM; // lar
MAP_0F[0x03] = MODRM; // lsl
MAP_0F[0x05] = 0; // syscall
MAP_0F[0x06] = 0; // clts
MAP_0F[0x07] = 0; // sysret
MAP_0F[0x08] = 0; // invd
MAP_0F[0x09] = 0; // wbinvd (wbnoinvd with F3)
MAP_0F[0x0b] = 0; // ud2
MAP_0F[0x0d] = MODRM | MEM_ONLY | GROUP; // prefetch / prefetchw / prefetchwt1
MAP_0F[0x0e] = 0; // femms
MAP_0F[0x0f] = MODRM | IMM_8 | NP | GROUP; // 3DNow!: the immediate is the opcode suffix
MAP_0F[0x10] = MODRM | PP_ALL; // movups movupd movss movsd
MAP_0F[0x11] = MODRM | PP_ALL;
MAP_0F[0x12] = MODRM | PP_ALL | GROUP; // movlps/movhlps movlpd movsldup movddup
MAP_0F[0x13] = MODRM | NP_66 | MEM_ONLY; // movlps movlpd (store)
MAP_0F[0x14] = MODRM | NP_66; // unpcklps/pd
MAP_0F[0x15] = MODRM | NP_66; // unpckhps/pd
MAP_0F[0x16] = MODRM | NP | P66 | PF3 | GROUP; // movhps/movlhps movhpd movshdup
MAP_0F[0x17] = MODRM | NP_66 | MEM_ONLY; // movhps movhpd (store)
fill(MAP_0F, 0x18, 0x1f, MODRM); // prefetch hints and the reserved-nop space (endbr64, bnd*, nop r/m)
MAP_0F[0x20] = MODRM | MOD_IS_REG | GROUP; // mov r64, cr
MAP_0F[0x21] = MODRM | MOD_IS_REG | GROUP; // mov r64, dr
MAP_0F[0x22] = MODRM | MOD_IS_REG | GROUP; // mov cr, r64
MAP_0F[0x23] = MODRM | MOD_IS_REG | GROUP; // mov dr, r64
MAP_0F[0x28] = MODRM | NP_66; // movaps/pd
MAP_0F[0x29] = MODRM | NP_66;
MAP_0F[0x2a] = MODRM | PP_ALL; // cvtpi2ps cvtpi2pd cvtsi2ss cvtsi2sd
MAP_0F[0x2b] = MODRM | PP_ALL | MEM_ONLY; // movntps movntpd movntss movntsd
MAP_0F[0x2c] = MODRM | PP_ALL; // cvtt*2*
MAP_0F[0x2d] = MODRM | PP_ALL; // cvt*2*
MAP_0F[0x2e] = MODRM | NP_66; // ucomiss/sd
MAP_0F[0x2f] = MODRM | NP_66; // comiss/sd
fill(MAP_0F, 0x30, 0x35, 0); // wrmsr rdtsc rdmsr rdpmc sysenter sysexit
MAP_0F[0x37] = 0; // getsec
fill(MAP_0F, 0x40, 0x4f, MODRM); // cmovcc
MAP_0F[0x50] = MODRM | NP_66 | REG_ONLY; // movmskps/pd
MAP_0F[0x51] = MODRM | PP_ALL; // sqrt
MAP_0F[0x52] = MODRM | NP | PF3; // rsqrt
MAP_0F[0x53] = MODRM | NP | PF3; // rcp
fill(MAP_0F, 0x54, 0x57, MODRM | NP_66); // and andn or xor
fill(MAP_0F, 0x58, 0x5a, MODRM | PP_ALL); // add mul cvt
MAP_0F[0x5b] = MODRM | NP | P66 | PF3; // cvtdq2ps cvtps2dq cvttps2dq
fill(MAP_0F, 0x5c, 0x5f, MODRM | PP_ALL); // sub min div max
fill(MAP_0F, 0x60, 0x6b, MODRM | NP_66); // punpck / pack / pcmpgt
MAP_0F[0x6c] = MODRM | P66; // punpcklqdq
MAP_0F[0x6d] = MODRM | P66; // punpckhqdq
MAP_0F[0x6e] = MODRM | NP_66; // movd/movq
MAP_0F[0x6f] = MODRM | NP | P66 | PF3; // movq movdqa movdqu
MAP_0F[0x70] = MODRM | IMM_8 | PP_ALL; // pshufw pshufd pshufhw pshuflw
MAP_0F[0x71] = MODRM | IMM_8 | NP_66 | REG_ONLY | GROUP; // group 12
MAP_0F[0x72] = MODRM | IMM_8 | NP_66 | REG_ONLY | GROUP; // group 13
MAP_0F[0x73] = MODRM | IMM_8 | NP_66 | REG_ONLY | GROUP; // group 14
fill(MAP_0F, 0x74, 0x76, MODRM | NP_66); // pcmpeq
MAP_0F[0x77] = 0; // emms
MAP_0F[0x78] = MODRM | NP | P66 | PF2 | GROUP; // vmread; extrq / insertq (imm8, imm8)
MAP_0F[0x79] = MODRM | NP | P66 | PF2 | GROUP; // vmwrite; extrq / insertq
MAP_0F[0x7c] = MODRM | P66 | PF2; // haddpd haddps
MAP_0F[0x7d] = MODRM | P66 | PF2; // hsubpd hsubps
MAP_0F[0x7e] = MODRM | NP | P66 | PF3; // movd/movq r/m, mm/xmm; movq xmm, xmm/m64
MAP_0F[0x7f] = MODRM | NP | P66 | PF3; // movq movdqa movdqu (store)
fill(MAP_0F, 0x80, 0x8f, REL_32 | FORCE_64); // jcc rel32
fill(MAP_0F, 0x90, 0x9f, MODRM); // setcc
MAP_0F[0xa0] = DEFAULT_64; // push fs
MAP_0F[0xa1] = DEFAULT_64; // pop fs
MAP_0F[0xa2] = 0; // cpuid
MAP_0F[0xa3] = MODRM; // bt
MAP_0F[0xa4] = MODRM | IMM_8; // shld imm8
MAP_0F[0xa5] = MODRM; // shld cl
MAP_0F[0xa6] = MODRM | GROUP; // VIA PadLock: montmul xsha1 xsha256 (ModRM selects)
MAP_0F[0xa7] = MODRM | GROUP; // VIA PadLock: xstore xcrypt-ecb/cbc/ctr/cfb/ofb
MAP_0F[0xa8] = DEFAULT_64; // push gs
MAP_0F[0xa9] = DEFAULT_64; // pop gs
MAP_0F[0xaa] = 0; // rsm
MAP_0F[0xab] = MODRM | LOCKABLE; // bts
MAP_0F[0xac] = MODRM | IMM_8; // shrd imm8
MAP_0F[0xad] = MODRM; // shrd cl
MAP_0F[0xae] = MODRM | GROUP; // group 15
MAP_0F[0xaf] = MODRM; // imul
MAP_0F[0xb0] = MODRM | LOCKABLE; // cmpxchg
MAP_0F[0xb1] = MODRM | LOCKABLE;
MAP_0F[0xb2] = MODRM | MEM_ONLY; // lss
MAP_0F[0xb3] = MODRM | LOCKABLE; // btr
MAP_0F[0xb4] = MODRM | MEM_ONLY; // lfs
MAP_0F[0xb5] = MODRM | MEM_ONLY; // lgs
MAP_0F[0xb6] = MODRM; // movzx
MAP_0F[0xb7] = MODRM;
MAP_0F[0xb8] = MODRM | PF3; // popcnt (jmpe without F3 is IA-64 only)
MAP_0F[0xb9] = MODRM; // ud1
MAP_0F[0xba] = MODRM | IMM_8 | LOCKABLE | GROUP; // group 8: bt bts btr btc imm8
MAP_0F[0xbb] = MODRM | LOCKABLE; // btc
MAP_0F[0xbc] = MODRM; // bsf / tzcnt
MAP_0F[0xbd] = MODRM; // bsr / lzcnt
MAP_0F[0xbe] = MODRM; // movsx
MAP_0F[0xbf] = MODRM;
MAP_0F[0xc0] = MODRM | LOCKABLE; // xadd
MAP_0F[0xc1] = MODRM | LOCKABLE;
MAP_0F[0xc2] = MODRM | IMM_8 | PP_ALL; // cmpps/pd/ss/sd
MAP_0F[0xc3] = MODRM | NP | MEM_ONLY; // movnti
MAP_0F[0xc4] = MODRM | IMM_8 | NP_66; // pinsrw
MAP_0F[0xc5] = MODRM | IMM_8 | NP_66 | REG_ONLY; // pextrw
MAP_0F[0xc6] = MODRM | IMM_8 | NP_66; // shufps/pd
MAP_0F[0xc7] = MODRM | LOCKABLE | GROUP; // group 9
fill(MAP_0F, 0xc8, 0xcf, 0); // bswap
MAP_0F[0xd0] = MODRM | P66 | PF2; // addsubpd/ps
fill(MAP_0F, 0xd1, 0xd5, MODRM | NP_66);
MAP_0F[0xd6] = MODRM | P66 | PF3 | PF2 | GROUP; // movq; movq2dq, movdq2q (register forms)
MAP_0F[0xd7] = MODRM | NP_66 | REG_ONLY; // pmovmskb
fill(MAP_0F, 0xd8, 0xe5, MODRM | NP_66);
MAP_0F[0xe6] = MODRM | P66 | PF3 | PF2; // cvttpd2dq cvtdq2pd cvtpd2dq
MAP_0F[0xe7] = MODRM | NP_66 | MEM_ONLY; // movntq movntdq
fill(MAP_0F, 0xe8, 0xef, MODRM | NP_66);
MAP_0F[0xf0] = MODRM | PF2 | MEM_ONLY; // lddqu
fill(MAP_0F, 0xf1, 0xf6, MODRM | NP_66);
MAP_0F[0xf7] = MODRM | NP_66 | REG_ONLY; // maskmovq / maskmovdqu
fill(MAP_0F, 0xf8, 0xfe, MODRM | NP_66);
MAP_0F[0xff] = MODRM; // ud0

// ---- Three-byte map 0F38 (ModRM, no immediate) ---------------------------------------------
fill(MAP_0F38, 0x00, 0xff, UNDEFINED);
fill(MAP_0F38, 0x00, 0x0b, MODRM | NP_66); // pshufb ... pmulhrsw
MAP_0F38[0x10] = MODRM | P66; // pblendvb
MAP_0F38[0x14] = MODRM | P66; // blendvps
MAP_0F38[0x15] = MODRM | P66; // blendvpd
MAP_0F38[0x17] = MODRM | P66; // ptest
fill(MAP_0F38, 0x1c, 0x1e, MODRM | NP_66); // pabs
fill(MAP_0F38, 0x20, 0x25, MODRM | P66); // pmovsx
fill(MAP_0F38, 0x28, 0x29, MODRM | P66); // pmuldq pcmpeqq
MAP_0F38[0x2a] = MODRM | P66 | MEM_ONLY; // movntdqa
MAP_0F38[0x2b] = MODRM | P66; // packusdw
fill(MAP_0F38, 0x30, 0x35, MODRM | P66); // pmovzx
fill(MAP_0F38, 0x37, 0x41, MODRM | P66); // pcmpgtq pmin* pmax* pmulld phminposuw
fill(MAP_0F38, 0x80, 0x82, MODRM | P66 | MEM_ONLY); // invept invvpid invpcid
fill(MAP_0F38, 0xc8, 0xcd, MODRM | NP); // sha1nexte sha1msg1 sha1msg2 sha256rnds2 sha256msg1 sha256msg2
MAP_0F38[0xcf] = MODRM | P66; // gf2p8mulb
MAP_0F38[0xd8] = MODRM | PF3 | MEM_ONLY | GROUP; // aesencwide/aesdecwide (Key Locker)
fill(MAP_0F38, 0xdb, 0xdb, MODRM | P66); // aesimc
fill(MAP_0F38, 0xdc, 0xdf, MODRM | P66 | PF3 | GROUP); // aesenc aesenclast aesdec aesdeclast; Key Locker (F3)
MAP_0F38[0xf0] = MODRM | NP | P66 | PF2 | GROUP; // movbe (memory) / crc32 r, r/m8
MAP_0F38[0xf1] = MODRM | NP | P66 | PF2 | GROUP; // movbe (memory) / crc32 r, r/m
MAP_0F38[0xf5] = MODRM | P66 | MEM_ONLY; // wruss
MAP_0F38[0xf6] = MODRM | NP | P66 | PF3 | GROUP; // wrss (memory) adcx adox
MAP_0F38[0xf8] = MODRM | P66 | PF3 | PF2 | MEM_ONLY; // movdir64b enqcmds enqcmd
MAP_0F38[0xf9] = MODRM | NP | MEM_ONLY; // movdiri
MAP_0F38[0xfa] = MODRM | PF3 | REG_ONLY; // encodekey128
MAP_0F38[0xfb] = MODRM | PF3 | REG_ONLY; // encodekey256

// ---- Three-byte map 0F3A (ModRM and imm8) --------------------------------------------------
fill(MAP_0F3A, 0x00, 0xff, UNDEFINED);
fill(MAP_0F3A, 0x08, 0x0e, MODRM | IMM_8 | P66); // round* blend* 
MAP_0F3A[0x0f] = MODRM | IMM_8 | NP_66; // palignr
fill(MAP_0F3A, 0x14, 0x17, MODRM | IMM_8 | P66); // pextrb/w/d/q extractps
fill(MAP_0F3A, 0x20, 0x22, MODRM | IMM_8 | P66); // pinsrb insertps pinsrd/q
fill(MAP_0F3A, 0x40, 0x42, MODRM | IMM_8 | P66); // dpps dppd mpsadbw
MAP_0F3A[0x44] = MODRM | IMM_8 | P66; // pclmulqdq
fill(MAP_0F3A, 0x60, 0x63, MODRM | IMM_8 | P66); // pcmpestrm pcmpestri pcmpistrm pcmpistri
MAP_0F3A[0xcc] = MODRM | IMM_8 | NP; // sha1rnds4
MAP_0F3A[0xce] = MODRM | IMM_8 | P66; // gf2p8affineqb
MAP_0F3A[0xcf] = MODRM | IMM_8 | P66; // gf2p8affineinvqb
MAP_0F3A[0xdf] = MODRM | IMM_8 | P66; // aeskeygenassist
