// Where each register lives in the CPU's state area (sandbox/wasm/assembly/<arch>/state.ts).
import type { Arch } from '../../core/arch.ts';

export interface RegisterLayout {
  /** Byte offsets of the 64-bit registers. */
  readonly gpr: Readonly<Record<string, number>>;
  /** Byte offsets of the 128-bit vector registers. */
  readonly vector: Readonly<Record<string, number>>;
  readonly pc: string;
  /** Bytes of state a context saves. */
  readonly contextBytes: number;
}

const ARM64_GPR: Record<string, number> = { sp: 31 * 8, pc: 34 * 8 };
for (let i = 0; i <= 30; i++) ARM64_GPR[`x${i}`] = i * 8;
const ARM64_VECTOR: Record<string, number> = {};
for (let i = 0; i < 32; i++) ARM64_VECTOR[`q${i}`] = 512 + 16 * i;

/** ARM64 NZCV: four 32-bit slots holding 0 or 1, in this order. */
export const ARM64_FLAGS_OFFSET = 280;

// x86-64 (sandbox/wasm/assembly/x64/state.ts): general registers in encoding order, then rip and
// rflags; the segment bases; xmm registers from 256. The context covers the lazy flags too.
const X64_GPR: Record<string, number> = { rip: 128, rflags: 136, fs_base: 184, gs_base: 192 };
['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi'].forEach((name, i) => { X64_GPR[name] = i * 8; });
for (let i = 8; i < 16; i++) X64_GPR[`r${i}`] = i * 8;
const X64_VECTOR: Record<string, number> = {};
for (let i = 0; i < 16; i++) X64_VECTOR[`xmm${i}`] = 256 + 16 * i;

/** x86-64: the lazy-flags record; writing RFLAGS clears its kind (offset of a u32). */
export const X64_LAZY_KIND_OFFSET = 144;
/** RFLAGS bit 1 always reads as one. */
export const X64_FLAGS_FIXED = 2n;

export const REGISTER_LAYOUTS: Partial<Record<Arch, RegisterLayout>> = {
  arm64: { gpr: ARM64_GPR, vector: ARM64_VECTOR, pc: 'pc', contextBytes: 1024 },
  x64: { gpr: X64_GPR, vector: X64_VECTOR, pc: 'rip', contextBytes: 520 },
};
