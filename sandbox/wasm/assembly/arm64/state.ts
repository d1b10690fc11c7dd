// AArch64 register state in the CPU's state area, at the offsets of state-layout.ts (which the host
// reads and writes too). Decoded instructions hold absolute addresses of these slots.
import { STATE } from '../layout';
import {
  ARM64_EXCLUSIVE_ADDRESS_OFFSET, ARM64_EXCLUSIVE_HIGH_OFFSET, ARM64_EXCLUSIVE_SIZE_OFFSET, ARM64_EXCLUSIVE_VALUE_OFFSET,
  ARM64_FPCR_OFFSET, ARM64_FPSR_OFFSET, ARM64_NZCV_OFFSET, ARM64_PC_OFFSET, ARM64_SINK_SLOT, ARM64_SP_SLOT, ARM64_STATE_USED, ARM64_TPIDR_EL0_OFFSET, ARM64_V_OFFSET,
  ARM64_ZERO_SLOT,
} from './state-layout';

export const SP_SLOT: u32 = ARM64_SP_SLOT;
export const ZERO_SLOT: u32 = ARM64_ZERO_SLOT;
export const SINK_SLOT: u32 = ARM64_SINK_SLOT;

export const X_BASE: usize = STATE;
export const PC: usize = STATE + <usize>ARM64_PC_OFFSET;
/** Condition flags, N Z C V in bits 3..0 of one u32 (a condition holds when bit NZCV of its mask is set). */
export const NZCV: usize = STATE + <usize>ARM64_NZCV_OFFSET;
export const FLAG_N: u32 = 8;
export const FLAG_Z: u32 = 4;
export const FLAG_C: u32 = 2;
export const FLAG_V: u32 = 1;
export const TPIDR_EL0: usize = STATE + <usize>ARM64_TPIDR_EL0_OFFSET;
export const FPCR: usize = STATE + <usize>ARM64_FPCR_OFFSET;
export const FPSR: usize = STATE + <usize>ARM64_FPSR_OFFSET;
export const EXCLUSIVE_ADDRESS: usize = STATE + <usize>ARM64_EXCLUSIVE_ADDRESS_OFFSET;
export const EXCLUSIVE_VALUE: usize = STATE + <usize>ARM64_EXCLUSIVE_VALUE_OFFSET;
export const EXCLUSIVE_HIGH: usize = STATE + <usize>ARM64_EXCLUSIVE_HIGH_OFFSET;
export const EXCLUSIVE_SIZE: usize = STATE + <usize>ARM64_EXCLUSIVE_SIZE_OFFSET;
export const V_BASE: usize = STATE + <usize>ARM64_V_OFFSET;
export const STATE_USED: usize = ARM64_STATE_USED;

@inline export function xSlot(n: u32): usize {
  return X_BASE + (<usize>n << 3);
}
@inline export function vSlot(n: u32): usize {
  return V_BASE + (<usize>n << 4);
}

export function resetArm64State(): void {
  memory.fill(STATE, 0, STATE_USED);
  store<u64>(EXCLUSIVE_ADDRESS, 0xffff_ffff_ffff_ffff);
  store<u32>(NZCV, FLAG_Z); // as Unicorn starts: its flag encoding reads as Z set when zeroed
}
