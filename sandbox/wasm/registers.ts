// Where each register lives in the CPU's state area (sandbox/wasm/assembly/<arch>/state.ts).
import type { Arch } from '../sandbox.ts';

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

export const REGISTER_LAYOUTS: Partial<Record<Arch, RegisterLayout>> = {
  arm64: { gpr: ARM64_GPR, vector: ARM64_VECTOR, pc: 'pc', contextBytes: 1024 },
};
