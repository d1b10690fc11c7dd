// x86-64 register state, laid out in the CPU's state area. Decoded instructions hold the absolute
// addresses of these slots, and the host reads and writes them at the same offsets
// (sandbox/wasm/x64-registers.ts).
import { STATE } from '../layout';

/** rax rcx rdx rbx rsp rbp rsi rdi r8 .. r15, 8 bytes each, in encoding order. */
export const GPR_BASE: usize = STATE;
export const RSP: usize = STATE + 4 * 8;
export const RIP: usize = STATE + 128;
/**
 * RFLAGS as last materialized. While LAZY_KIND is not LAZY_NONE, its arithmetic bits (CF PF AF ZF
 * SF OF) are stale and come from the lazy record below instead; the other bits are always current.
 */
export const RFLAGS: usize = STATE + 136;
/** The last flag-setting operation: kind (u32), operand size in bytes (u32), result and operands. */
export const LAZY_KIND: usize = STATE + 144;
export const LAZY_SIZE: usize = STATE + 148;
export const LAZY_RESULT: usize = STATE + 152;
export const LAZY_A: usize = STATE + 160;
export const LAZY_B: usize = STATE + 168;
/** Flags the lazy kind does not derive from its operands, in their RFLAGS positions. */
export const LAZY_AUX: usize = STATE + 176;
export const FS_BASE: usize = STATE + 184;
export const GS_BASE: usize = STATE + 192;
/** Always zero: the base, index or segment of a memory operand that has none. */
export const ZERO: usize = STATE + 200;
/** xmm0 .. xmm15, 16 bytes each, little-endian. */
export const XMM_BASE: usize = STATE + 256;
export const MXCSR: usize = STATE + 512;
export const X64_STATE_USED: usize = 520;

/** RFLAGS bits. */
export const CF: u64 = 0x1;
export const PF: u64 = 0x4;
export const AF: u64 = 0x10;
export const ZF: u64 = 0x40;
export const SF: u64 = 0x80;
export const DF: u64 = 0x400;
export const OF: u64 = 0x800;
export const ARITHMETIC_FLAGS: u64 = CF | PF | AF | ZF | SF | OF;
/** Bit 1 always reads as one. */
export const FLAGS_FIXED: u64 = 0x2;
/**
 * Bits popf can change: the arithmetic flags, IF, DF, IOPL, NT, AC and ID (the emulated CPU runs at
 * privilege level 0, as Unicorn's does). TF is left out: single-step traps are not emulated.
 */
export const POPF_WRITABLE: u64 = ARITHMETIC_FLAGS | 0x200 | DF | 0x3000 | 0x4000 | 0x4_0000 | 0x20_0000;

@inline export function gprSlot(n: u32): usize {
  return GPR_BASE + (<usize>n << 3);
}

@inline export function xmmSlot(n: u32): usize {
  return XMM_BASE + (<usize>n << 4);
}

export function resetX64State(): void {
  memory.fill(STATE, 0, X64_STATE_USED);
  store<u64>(RFLAGS, FLAGS_FIXED);
  store<u32>(MXCSR, 0x1f80);
}
