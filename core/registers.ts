// Register names each architecture exposes through the sandbox, with their width in bytes.
import type { Arch } from '../sandbox/sandbox.ts';

const X64_GPRS = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp',
  'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'] as const;
const ARM64_GPRS = Array.from({ length: 31 }, (_, i) => `x${i}`);

/** General-purpose registers in the order tools print them. */
export const GENERAL_REGISTERS: Record<Arch, readonly string[]> = {
  x64: [...X64_GPRS, 'rip', 'rflags'],
  arm64: [...ARM64_GPRS, 'sp', 'pc', 'nzcv'],
};

/** Vector registers (128 bits). */
export const VECTOR_REGISTERS: Record<Arch, readonly string[]> = {
  x64: Array.from({ length: 16 }, (_, i) => `xmm${i}`),
  arm64: Array.from({ length: 32 }, (_, i) => `q${i}`),
};

/** Architecture-neutral names and the usual ABI names. */
export const REGISTER_ALIASES: Record<Arch, Readonly<Record<string, string>>> = {
  x64: { pc: 'rip', sp: 'rsp', flags: 'rflags', eflags: 'rflags' },
  arm64: { fp: 'x29', lr: 'x30', flags: 'nzcv' },
};

export function canonicalRegister(arch: Arch, name: string): string {
  const lower = name.toLowerCase();
  return REGISTER_ALIASES[arch][lower] ?? lower;
}

export function registerWidth(arch: Arch, canonicalName: string): number {
  return VECTOR_REGISTERS[arch].includes(canonicalName) ? 16 : 8;
}

export function isKnownRegister(arch: Arch, canonicalName: string): boolean {
  return GENERAL_REGISTERS[arch].includes(canonicalName) || VECTOR_REGISTERS[arch].includes(canonicalName) ||
    (arch === 'x64' && (canonicalName === 'fs_base' || canonicalName === 'gs_base'));
}

export const PC_REGISTER: Record<Arch, string> = { x64: 'rip', arm64: 'pc' };
export const SP_REGISTER: Record<Arch, string> = { x64: 'rsp', arm64: 'sp' };
