// Unicorn register ids (unicorn/x86.h, unicorn/arm64.h) for the sandbox's register names.
import type { Arch } from '../../core/arch.ts';

const X64: Record<string, number> = {
  rax: 35, rbx: 37, rcx: 38, rdx: 40, rsi: 43, rdi: 39, rbp: 36, rsp: 44,
  r8: 106, r9: 107, r10: 108, r11: 109, r12: 110, r13: 111, r14: 112, r15: 113,
  rip: 41, rflags: 253, fs_base: 250, gs_base: 251,
};
for (let i = 0; i < 16; i++) X64[`xmm${i}`] = 122 + i;

const ARM64: Record<string, number> = { x29: 1, x30: 2, nzcv: 3, sp: 4, pc: 260 };
for (let i = 0; i <= 28; i++) ARM64[`x${i}`] = 199 + i;
for (let i = 0; i < 32; i++) ARM64[`q${i}`] = 104 + i;

export const UNICORN_REGISTER_IDS: Record<Arch, Readonly<Record<string, number>>> = { x64: X64, arm64: ARM64 };
