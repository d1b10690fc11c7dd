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

// The tables live in static memory (256 u32 each) rather than in managed arrays, so the hot path
// reads them with plain loads and no GC bookkeeping.
export const ONE_BYTE: usize = memory.data(256 * 4);
export const MAP_0F: usize = memory.data(256 * 4);
export const MAP_0F38: usize = memory.data(256 * 4);
export const MAP_0F3A: usize = memory.data(256 * 4);

/** The descriptor of `opcode` in `table`. */
// @ts-ignore: decorator
@inline export function descriptorOf(table: usize, opcode: u32): u32 {
  return load<u32>(table + (<usize>opcode << 2));
}

function set(table: usize, opcode: i32, descriptor: u32): void {
  store<u32>(table + (<usize>opcode << 2), descriptor);
}

function fill(table: usize, first: i32, last: i32, descriptor: u32): void {
  for (let op = first; op <= last; op++) set(table, op, descriptor);
}

// ---- One-byte map -------------------------------------------------------------------------
// ALU rows 00-3F: op r/m,r (x0 x1 x2 x3), op al/eax,imm (x4 x5); lockable when the destination
// is memory (x0, x1).
for (let row = 0; row < 8; row++) {
  const base = row << 3;
  const lockable = row == 7 ? 0 : LOCKABLE; // cmp writes nothing
  set(ONE_BYTE, base, MODRM | lockable);
  set(ONE_BYTE, base + 1, MODRM | lockable);
  set(ONE_BYTE, base + 2, MODRM);
  set(ONE_BYTE, base + 3, MODRM);
  set(ONE_BYTE, base + 4, IMM_8);
  set(ONE_BYTE, base + 5, IMM_Z);
  set(ONE_BYTE, base + 6, INVALID_64); // push/pop es cs ss ds; 26 2E 36 3E are prefixes (never reach here)
  set(ONE_BYTE, base + 7, INVALID_64); // pop es/ss/ds, daa das aaa aas; 0F is the escape
}
fill(ONE_BYTE, 0x40, 0x4f, UNDEFINED); // REX: consumed as prefixes
fill(ONE_BYTE, 0x50, 0x5f, DEFAULT_64); // push / pop r64
set(ONE_BYTE, 0x60, INVALID_64); // pusha
set(ONE_BYTE, 0x61, INVALID_64); // popa
set(ONE_BYTE, 0x62, INVALID_64); // bound; EVEX in 64-bit mode, handled before the tables
set(ONE_BYTE, 0x63, MODRM); // movsxd
set(ONE_BYTE, 0x68, IMM_Z | DEFAULT_64); // push imm
set(ONE_BYTE, 0x69, MODRM | IMM_Z); // imul r, r/m, imm
set(ONE_BYTE, 0x6a, IMM_8 | DEFAULT_64); // push imm8
set(ONE_BYTE, 0x6b, MODRM | IMM_8); // imul r, r/m, imm8
fill(ONE_BYTE, 0x6c, 0x6f, 0); // ins / outs
fill(ONE_BYTE, 0x70, 0x7f, REL_8 | FORCE_64); // jcc rel8
set(ONE_BYTE, 0x80, MODRM | IMM_8 | LOCKABLE | GROUP); // group 1
set(ONE_BYTE, 0x81, MODRM | IMM_Z | LOCKABLE | GROUP);
set(ONE_BYTE, 0x82, INVALID_64);
set(ONE_BYTE, 0x83, MODRM | IMM_8 | LOCKABLE | GROUP);
set(ONE_BYTE, 0x84, MODRM); // test
set(ONE_BYTE, 0x85, MODRM);
set(ONE_BYTE, 0x86, MODRM | LOCKABLE); // xchg
set(ONE_BYTE, 0x87, MODRM | LOCKABLE);
fill(ONE_BYTE, 0x88, 0x8b, MODRM); // mov
set(ONE_BYTE, 0x8c, MODRM | GROUP); // mov r/m, sreg
set(ONE_BYTE, 0x8d, MODRM | MEM_ONLY); // lea
set(ONE_BYTE, 0x8e, MODRM | GROUP); // mov sreg, r/m
set(ONE_BYTE, 0x8f, MODRM | DEFAULT_64 | GROUP); // group 1a: pop r/m
fill(ONE_BYTE, 0x90, 0x99, 0); // xchg / nop / pause, cbw family, cwd family
set(ONE_BYTE, 0x9a, INVALID_64); // call far ptr16:32
set(ONE_BYTE, 0x9b, 0); // fwait
set(ONE_BYTE, 0x9c, DEFAULT_64); // pushf
set(ONE_BYTE, 0x9d, DEFAULT_64); // popf
set(ONE_BYTE, 0x9e, 0); // sahf
set(ONE_BYTE, 0x9f, 0); // lahf
fill(ONE_BYTE, 0xa0, 0xa3, IMM_MOFFS); // mov al/eax <-> moffs
fill(ONE_BYTE, 0xa4, 0xa7, 0); // movs / cmps
set(ONE_BYTE, 0xa8, IMM_8); // test al, imm8
set(ONE_BYTE, 0xa9, IMM_Z);
fill(ONE_BYTE, 0xaa, 0xaf, 0); // stos / lods / scas
fill(ONE_BYTE, 0xb0, 0xb7, IMM_8); // mov r8, imm8
fill(ONE_BYTE, 0xb8, 0xbf, IMM_V); // mov r, imm16/32/64
set(ONE_BYTE, 0xc0, MODRM | IMM_8); // group 2 (all eight, /6 being the shl alias sal)
set(ONE_BYTE, 0xc1, MODRM | IMM_8);
set(ONE_BYTE, 0xc2, IMM_16 | FORCE_64); // ret imm16
set(ONE_BYTE, 0xc3, FORCE_64); // ret
set(ONE_BYTE, 0xc4, INVALID_64); // les; VEX in 64-bit mode, handled before the tables
set(ONE_BYTE, 0xc5, INVALID_64); // lds; VEX
set(ONE_BYTE, 0xc6, MODRM | IMM_8 | GROUP); // group 11: mov r/m8, imm8; xabort
set(ONE_BYTE, 0xc7, MODRM | IMM_Z | GROUP); // group 11: mov r/m, imm; xbegin
set(ONE_BYTE, 0xc8, IMM_16_8 | DEFAULT_64); // enter
set(ONE_BYTE, 0xc9, DEFAULT_64); // leave
set(ONE_BYTE, 0xca, IMM_16); // retf imm16
set(ONE_BYTE, 0xcb, 0); // retf
set(ONE_BYTE, 0xcc, 0); // int3
set(ONE_BYTE, 0xcd, IMM_8); // int n
set(ONE_BYTE, 0xce, INVALID_64); // into
set(ONE_BYTE, 0xcf, 0); // iret
fill(ONE_BYTE, 0xd0, 0xd3, MODRM); // group 2 by 1 / cl
set(ONE_BYTE, 0xd4, INVALID_64); // aam
set(ONE_BYTE, 0xd5, INVALID_64); // aad
set(ONE_BYTE, 0xd6, UNDEFINED); // salc is undocumented and not valid in 64-bit mode
set(ONE_BYTE, 0xd7, 0); // xlat
fill(ONE_BYTE, 0xd8, 0xdf, MODRM | GROUP); // x87 escapes
fill(ONE_BYTE, 0xe0, 0xe3, REL_8 | FORCE_64); // loopne, loope, loop, jrcxz
fill(ONE_BYTE, 0xe4, 0xe7, IMM_8); // in / out imm8
set(ONE_BYTE, 0xe8, REL_32 | FORCE_64); // call rel32
set(ONE_BYTE, 0xe9, REL_32 | FORCE_64); // jmp rel32
set(ONE_BYTE, 0xea, INVALID_64); // jmp far ptr16:32
set(ONE_BYTE, 0xeb, REL_8 | FORCE_64); // jmp rel8
fill(ONE_BYTE, 0xec, 0xef, 0); // in / out dx
set(ONE_BYTE, 0xf1, 0); // int1
set(ONE_BYTE, 0xf4, 0); // hlt
set(ONE_BYTE, 0xf5, 0); // cmc
set(ONE_BYTE, 0xf6, MODRM | LOCKABLE | GROUP); // group 3: test imm8 (/0 /1) not neg mul imul div idiv
set(ONE_BYTE, 0xf7, MODRM | LOCKABLE | GROUP);
fill(ONE_BYTE, 0xf8, 0xfd, 0); // clc stc cli sti cld std
set(ONE_BYTE, 0xfe, MODRM | LOCKABLE | GROUP); // group 4: inc / dec r/m8
set(ONE_BYTE, 0xff, MODRM | LOCKABLE | GROUP); // group 5: inc dec call callf jmp jmpf push

// ---- Two-byte map 0F ----------------------------------------------------------------------
fill(MAP_0F, 0x00, 0xff, UNDEFINED);
set(MAP_0F, 0x00, MODRM | GROUP); // group 6: sldt str lldt ltr verr verw
set(MAP_0F, 0x01, MODRM | GROUP); // group 7
set(MAP_0F, 0x02, MODRM); // lar
set(MAP_0F, 0x03, MODRM); // lsl
set(MAP_0F, 0x05, 0); // syscall
set(MAP_0F, 0x06, 0); // clts
set(MAP_0F, 0x07, 0); // sysret
set(MAP_0F, 0x08, 0); // invd
set(MAP_0F, 0x09, 0); // wbinvd (wbnoinvd with F3)
set(MAP_0F, 0x0b, 0); // ud2
set(MAP_0F, 0x0d, MODRM | MEM_ONLY | GROUP); // prefetch / prefetchw / prefetchwt1
set(MAP_0F, 0x0e, 0); // femms
set(MAP_0F, 0x0f, MODRM | IMM_8 | NP | GROUP); // 3DNow!: the immediate is the opcode suffix
set(MAP_0F, 0x10, MODRM | PP_ALL); // movups movupd movss movsd
set(MAP_0F, 0x11, MODRM | PP_ALL);
set(MAP_0F, 0x12, MODRM | PP_ALL | GROUP); // movlps/movhlps movlpd movsldup movddup
set(MAP_0F, 0x13, MODRM | NP_66 | MEM_ONLY); // movlps movlpd (store)
set(MAP_0F, 0x14, MODRM | NP_66); // unpcklps/pd
set(MAP_0F, 0x15, MODRM | NP_66); // unpckhps/pd
set(MAP_0F, 0x16, MODRM | NP | P66 | PF3 | GROUP); // movhps/movlhps movhpd movshdup
set(MAP_0F, 0x17, MODRM | NP_66 | MEM_ONLY); // movhps movhpd (store)
fill(MAP_0F, 0x18, 0x1f, MODRM); // prefetch hints and the reserved-nop space (endbr64, bnd*, nop r/m)
set(MAP_0F, 0x20, MODRM | MOD_IS_REG | GROUP); // mov r64, cr
set(MAP_0F, 0x21, MODRM | MOD_IS_REG | GROUP); // mov r64, dr
set(MAP_0F, 0x22, MODRM | MOD_IS_REG | GROUP); // mov cr, r64
set(MAP_0F, 0x23, MODRM | MOD_IS_REG | GROUP); // mov dr, r64
set(MAP_0F, 0x28, MODRM | NP_66); // movaps/pd
set(MAP_0F, 0x29, MODRM | NP_66);
set(MAP_0F, 0x2a, MODRM | PP_ALL); // cvtpi2ps cvtpi2pd cvtsi2ss cvtsi2sd
set(MAP_0F, 0x2b, MODRM | PP_ALL | MEM_ONLY); // movntps movntpd movntss movntsd
set(MAP_0F, 0x2c, MODRM | PP_ALL); // cvtt*2*
set(MAP_0F, 0x2d, MODRM | PP_ALL); // cvt*2*
set(MAP_0F, 0x2e, MODRM | NP_66); // ucomiss/sd
set(MAP_0F, 0x2f, MODRM | NP_66); // comiss/sd
fill(MAP_0F, 0x30, 0x35, 0); // wrmsr rdtsc rdmsr rdpmc sysenter sysexit
set(MAP_0F, 0x37, 0); // getsec
fill(MAP_0F, 0x40, 0x4f, MODRM); // cmovcc
set(MAP_0F, 0x50, MODRM | NP_66 | REG_ONLY); // movmskps/pd
set(MAP_0F, 0x51, MODRM | PP_ALL); // sqrt
set(MAP_0F, 0x52, MODRM | NP | PF3); // rsqrt
set(MAP_0F, 0x53, MODRM | NP | PF3); // rcp
fill(MAP_0F, 0x54, 0x57, MODRM | NP_66); // and andn or xor
fill(MAP_0F, 0x58, 0x5a, MODRM | PP_ALL); // add mul cvt
set(MAP_0F, 0x5b, MODRM | NP | P66 | PF3); // cvtdq2ps cvtps2dq cvttps2dq
fill(MAP_0F, 0x5c, 0x5f, MODRM | PP_ALL); // sub min div max
fill(MAP_0F, 0x60, 0x6b, MODRM | NP_66); // punpck / pack / pcmpgt
set(MAP_0F, 0x6c, MODRM | P66); // punpcklqdq
set(MAP_0F, 0x6d, MODRM | P66); // punpckhqdq
set(MAP_0F, 0x6e, MODRM | NP_66); // movd/movq
set(MAP_0F, 0x6f, MODRM | NP | P66 | PF3); // movq movdqa movdqu
set(MAP_0F, 0x70, MODRM | IMM_8 | PP_ALL); // pshufw pshufd pshufhw pshuflw
set(MAP_0F, 0x71, MODRM | IMM_8 | NP_66 | REG_ONLY | GROUP); // group 12
set(MAP_0F, 0x72, MODRM | IMM_8 | NP_66 | REG_ONLY | GROUP); // group 13
set(MAP_0F, 0x73, MODRM | IMM_8 | NP_66 | REG_ONLY | GROUP); // group 14
fill(MAP_0F, 0x74, 0x76, MODRM | NP_66); // pcmpeq
set(MAP_0F, 0x77, 0); // emms
set(MAP_0F, 0x78, MODRM | NP | P66 | PF2 | GROUP); // vmread; extrq / insertq (imm8, imm8)
set(MAP_0F, 0x79, MODRM | NP | P66 | PF2 | GROUP); // vmwrite; extrq / insertq
set(MAP_0F, 0x7c, MODRM | P66 | PF2); // haddpd haddps
set(MAP_0F, 0x7d, MODRM | P66 | PF2); // hsubpd hsubps
set(MAP_0F, 0x7e, MODRM | NP | P66 | PF3); // movd/movq r/m, mm/xmm; movq xmm, xmm/m64
set(MAP_0F, 0x7f, MODRM | NP | P66 | PF3); // movq movdqa movdqu (store)
fill(MAP_0F, 0x80, 0x8f, REL_32 | FORCE_64); // jcc rel32
fill(MAP_0F, 0x90, 0x9f, MODRM); // setcc
set(MAP_0F, 0xa0, DEFAULT_64); // push fs
set(MAP_0F, 0xa1, DEFAULT_64); // pop fs
set(MAP_0F, 0xa2, 0); // cpuid
set(MAP_0F, 0xa3, MODRM); // bt
set(MAP_0F, 0xa4, MODRM | IMM_8); // shld imm8
set(MAP_0F, 0xa5, MODRM); // shld cl
set(MAP_0F, 0xa6, MODRM | GROUP); // VIA PadLock: montmul xsha1 xsha256 (ModRM selects)
set(MAP_0F, 0xa7, MODRM | GROUP); // VIA PadLock: xstore xcrypt-ecb/cbc/ctr/cfb/ofb
set(MAP_0F, 0xa8, DEFAULT_64); // push gs
set(MAP_0F, 0xa9, DEFAULT_64); // pop gs
set(MAP_0F, 0xaa, 0); // rsm
set(MAP_0F, 0xab, MODRM | LOCKABLE); // bts
set(MAP_0F, 0xac, MODRM | IMM_8); // shrd imm8
set(MAP_0F, 0xad, MODRM); // shrd cl
set(MAP_0F, 0xae, MODRM | GROUP); // group 15
set(MAP_0F, 0xaf, MODRM); // imul
set(MAP_0F, 0xb0, MODRM | LOCKABLE); // cmpxchg
set(MAP_0F, 0xb1, MODRM | LOCKABLE);
set(MAP_0F, 0xb2, MODRM | MEM_ONLY); // lss
set(MAP_0F, 0xb3, MODRM | LOCKABLE); // btr
set(MAP_0F, 0xb4, MODRM | MEM_ONLY); // lfs
set(MAP_0F, 0xb5, MODRM | MEM_ONLY); // lgs
set(MAP_0F, 0xb6, MODRM); // movzx
set(MAP_0F, 0xb7, MODRM);
set(MAP_0F, 0xb8, MODRM | PF3); // popcnt (jmpe without F3 is IA-64 only)
set(MAP_0F, 0xb9, MODRM); // ud1
set(MAP_0F, 0xba, MODRM | IMM_8 | LOCKABLE | GROUP); // group 8: bt bts btr btc imm8
set(MAP_0F, 0xbb, MODRM | LOCKABLE); // btc
set(MAP_0F, 0xbc, MODRM); // bsf / tzcnt
set(MAP_0F, 0xbd, MODRM); // bsr / lzcnt
set(MAP_0F, 0xbe, MODRM); // movsx
set(MAP_0F, 0xbf, MODRM);
set(MAP_0F, 0xc0, MODRM | LOCKABLE); // xadd
set(MAP_0F, 0xc1, MODRM | LOCKABLE);
set(MAP_0F, 0xc2, MODRM | IMM_8 | PP_ALL); // cmpps/pd/ss/sd
set(MAP_0F, 0xc3, MODRM | NP | MEM_ONLY); // movnti
set(MAP_0F, 0xc4, MODRM | IMM_8 | NP_66); // pinsrw
set(MAP_0F, 0xc5, MODRM | IMM_8 | NP_66 | REG_ONLY); // pextrw
set(MAP_0F, 0xc6, MODRM | IMM_8 | NP_66); // shufps/pd
set(MAP_0F, 0xc7, MODRM | LOCKABLE | GROUP); // group 9
fill(MAP_0F, 0xc8, 0xcf, 0); // bswap
set(MAP_0F, 0xd0, MODRM | P66 | PF2); // addsubpd/ps
fill(MAP_0F, 0xd1, 0xd5, MODRM | NP_66);
set(MAP_0F, 0xd6, MODRM | P66 | PF3 | PF2 | GROUP); // movq; movq2dq, movdq2q (register forms)
set(MAP_0F, 0xd7, MODRM | NP_66 | REG_ONLY); // pmovmskb
fill(MAP_0F, 0xd8, 0xe5, MODRM | NP_66);
set(MAP_0F, 0xe6, MODRM | P66 | PF3 | PF2); // cvttpd2dq cvtdq2pd cvtpd2dq
set(MAP_0F, 0xe7, MODRM | NP_66 | MEM_ONLY); // movntq movntdq
fill(MAP_0F, 0xe8, 0xef, MODRM | NP_66);
set(MAP_0F, 0xf0, MODRM | PF2 | MEM_ONLY); // lddqu
fill(MAP_0F, 0xf1, 0xf6, MODRM | NP_66);
set(MAP_0F, 0xf7, MODRM | NP_66 | REG_ONLY); // maskmovq / maskmovdqu
fill(MAP_0F, 0xf8, 0xfe, MODRM | NP_66);
set(MAP_0F, 0xff, MODRM); // ud0

// ---- Three-byte map 0F38 (ModRM, no immediate) ---------------------------------------------
fill(MAP_0F38, 0x00, 0xff, UNDEFINED);
fill(MAP_0F38, 0x00, 0x0b, MODRM | NP_66); // pshufb ... pmulhrsw
set(MAP_0F38, 0x10, MODRM | P66); // pblendvb
set(MAP_0F38, 0x14, MODRM | P66); // blendvps
set(MAP_0F38, 0x15, MODRM | P66); // blendvpd
set(MAP_0F38, 0x17, MODRM | P66); // ptest
fill(MAP_0F38, 0x1c, 0x1e, MODRM | NP_66); // pabs
fill(MAP_0F38, 0x20, 0x25, MODRM | P66); // pmovsx
fill(MAP_0F38, 0x28, 0x29, MODRM | P66); // pmuldq pcmpeqq
set(MAP_0F38, 0x2a, MODRM | P66 | MEM_ONLY); // movntdqa
set(MAP_0F38, 0x2b, MODRM | P66); // packusdw
fill(MAP_0F38, 0x30, 0x35, MODRM | P66); // pmovzx
fill(MAP_0F38, 0x37, 0x41, MODRM | P66); // pcmpgtq pmin* pmax* pmulld phminposuw
fill(MAP_0F38, 0x80, 0x82, MODRM | P66 | MEM_ONLY); // invept invvpid invpcid
fill(MAP_0F38, 0xc8, 0xcd, MODRM | NP); // sha1nexte sha1msg1 sha1msg2 sha256rnds2 sha256msg1 sha256msg2
set(MAP_0F38, 0xcf, MODRM | P66); // gf2p8mulb
set(MAP_0F38, 0xd8, MODRM | PF3 | MEM_ONLY | GROUP); // aesencwide/aesdecwide (Key Locker)
fill(MAP_0F38, 0xdb, 0xdb, MODRM | P66); // aesimc
fill(MAP_0F38, 0xdc, 0xdf, MODRM | P66 | PF3 | GROUP); // aesenc aesenclast aesdec aesdeclast; Key Locker (F3)
set(MAP_0F38, 0xf0, MODRM | NP | P66 | PF2 | GROUP); // movbe (memory) / crc32 r, r/m8
set(MAP_0F38, 0xf1, MODRM | NP | P66 | PF2 | GROUP); // movbe (memory) / crc32 r, r/m
set(MAP_0F38, 0xf5, MODRM | P66 | MEM_ONLY); // wruss
set(MAP_0F38, 0xf6, MODRM | NP | P66 | PF3 | GROUP); // wrss (memory) adcx adox
set(MAP_0F38, 0xf8, MODRM | P66 | PF3 | PF2 | MEM_ONLY); // movdir64b enqcmds enqcmd
set(MAP_0F38, 0xf9, MODRM | NP | MEM_ONLY); // movdiri
set(MAP_0F38, 0xfa, MODRM | PF3 | REG_ONLY); // encodekey128
set(MAP_0F38, 0xfb, MODRM | PF3 | REG_ONLY); // encodekey256

// ---- Three-byte map 0F3A (ModRM and imm8) --------------------------------------------------
fill(MAP_0F3A, 0x00, 0xff, UNDEFINED);
fill(MAP_0F3A, 0x08, 0x0e, MODRM | IMM_8 | P66); // round* blend* 
set(MAP_0F3A, 0x0f, MODRM | IMM_8 | NP_66); // palignr
fill(MAP_0F3A, 0x14, 0x17, MODRM | IMM_8 | P66); // pextrb/w/d/q extractps
fill(MAP_0F3A, 0x20, 0x22, MODRM | IMM_8 | P66); // pinsrb insertps pinsrd/q
fill(MAP_0F3A, 0x40, 0x42, MODRM | IMM_8 | P66); // dpps dppd mpsadbw
set(MAP_0F3A, 0x44, MODRM | IMM_8 | P66); // pclmulqdq
fill(MAP_0F3A, 0x60, 0x63, MODRM | IMM_8 | P66); // pcmpestrm pcmpestri pcmpistrm pcmpistri
set(MAP_0F3A, 0xcc, MODRM | IMM_8 | NP); // sha1rnds4
set(MAP_0F3A, 0xce, MODRM | IMM_8 | P66); // gf2p8affineqb
set(MAP_0F3A, 0xcf, MODRM | IMM_8 | P66); // gf2p8affineinvqb
set(MAP_0F3A, 0xdf, MODRM | IMM_8 | P66); // aeskeygenassist
