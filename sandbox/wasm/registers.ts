// Where each register lives in the CPU's state area, from the layouts cpu.wasm is built with
// (sandbox/wasm/assembly/<arch>/state-layout.ts).
import type { Arch } from '../../core/arch.ts';
import {
  ARM64_NZCV_OFFSET, ARM64_PC_OFFSET, ARM64_SP_SLOT, ARM64_STATE_USED, ARM64_V_OFFSET,
} from './assembly/arm64/state-layout.ts';
import {
  X64_FS_BASE_OFFSET, X64_GS_BASE_OFFSET, X64_RFLAGS_OFFSET, X64_RIP_OFFSET, X64_STATE_USED, X64_XMM_OFFSET,
} from './assembly/x64/state-layout.ts';

export interface RegisterLayout {
  /** Byte offsets of the 64-bit registers. */
  readonly gpr: Readonly<Record<string, number>>;
  /** Byte offsets of the 128-bit vector registers. */
  readonly vector: Readonly<Record<string, number>>;
  readonly pc: string;
  /** Bytes of state a context saves. */
  readonly contextBytes: number;
}

const ARM64_GPR: Record<string, number> = { sp: ARM64_SP_SLOT * 8, pc: ARM64_PC_OFFSET };
for (let i = 0; i <= 30; i++) ARM64_GPR[`x${i}`] = i * 8;
const ARM64_VECTOR: Record<string, number> = {};
for (let i = 0; i < 32; i++) ARM64_VECTOR[`q${i}`] = ARM64_V_OFFSET + 16 * i;

/** ARM64 NZCV: one 32-bit slot holding bits 31..28 of NZCV in its bits 3..0. */
export { ARM64_NZCV_OFFSET };

// x86-64: general registers in encoding order, then rip and rflags; the segment bases; the xmm
// registers. The context covers the lazy flags too.
const X64_GPR: Record<string, number> = {
  rip: X64_RIP_OFFSET, rflags: X64_RFLAGS_OFFSET, fs_base: X64_FS_BASE_OFFSET, gs_base: X64_GS_BASE_OFFSET,
};
['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi'].forEach((name, i) => { X64_GPR[name] = i * 8; });
for (let i = 8; i < 16; i++) X64_GPR[`r${i}`] = i * 8;
const X64_VECTOR: Record<string, number> = {};
for (let i = 0; i < 16; i++) X64_VECTOR[`xmm${i}`] = X64_XMM_OFFSET + 16 * i;

export const REGISTER_LAYOUTS: Partial<Record<Arch, RegisterLayout>> = {
  arm64: { gpr: ARM64_GPR, vector: ARM64_VECTOR, pc: 'pc', contextBytes: ARM64_STATE_USED },
  x64: { gpr: X64_GPR, vector: X64_VECTOR, pc: 'rip', contextBytes: X64_STATE_USED },
};
