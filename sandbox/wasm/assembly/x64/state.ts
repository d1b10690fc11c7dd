// x86-64 register state in the CPU's state area, at the offsets of state-layout.ts (which the host
// reads and writes too). Decoded instructions hold the absolute addresses of these slots.
import { STATE } from '../layout';
import {
  X64_FLAGS_FIXED, X64_FS_BASE_OFFSET, X64_GS_BASE_OFFSET, X64_LAZY_AUX_OFFSET, X64_LAZY_A_OFFSET, X64_LAZY_B_OFFSET,
  X64_LAZY_KIND_OFFSET, X64_LAZY_RESULT_OFFSET, X64_LAZY_SIZE_OFFSET, X64_MXCSR_OFFSET, X64_RFLAGS_OFFSET,
  X64_RIP_OFFSET, X64_STATE_USED, X64_XMM_OFFSET, X64_ZERO_OFFSET,
} from './state-layout';

/** rax rcx rdx rbx rsp rbp rsi rdi r8 .. r15, 8 bytes each, in encoding order. */
export const GPR_BASE: usize = STATE;
export const RSP: usize = STATE + 4 * 8;
export const RIP: usize = STATE + <usize>X64_RIP_OFFSET;
export const RFLAGS: usize = STATE + <usize>X64_RFLAGS_OFFSET;
export const LAZY_KIND: usize = STATE + <usize>X64_LAZY_KIND_OFFSET;
export const LAZY_SIZE: usize = STATE + <usize>X64_LAZY_SIZE_OFFSET;
export const LAZY_RESULT: usize = STATE + <usize>X64_LAZY_RESULT_OFFSET;
export const LAZY_A: usize = STATE + <usize>X64_LAZY_A_OFFSET;
export const LAZY_B: usize = STATE + <usize>X64_LAZY_B_OFFSET;
export const LAZY_AUX: usize = STATE + <usize>X64_LAZY_AUX_OFFSET;
export const FS_BASE: usize = STATE + <usize>X64_FS_BASE_OFFSET;
export const GS_BASE: usize = STATE + <usize>X64_GS_BASE_OFFSET;
export const ZERO: usize = STATE + <usize>X64_ZERO_OFFSET;
export const XMM_BASE: usize = STATE + <usize>X64_XMM_OFFSET;
export const MXCSR: usize = STATE + <usize>X64_MXCSR_OFFSET;

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
export const FLAGS_FIXED: u64 = X64_FLAGS_FIXED;
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
