// AArch64 register state, laid out in the CPU's state area (the host reads it with the same offsets,
// see sandbox/wasm/registers.ts). Decoded instructions hold absolute addresses of these slots.
import { STATE } from '../layout';

/** X0..X30 at 8-byte slots 0..30; slot 31 is SP. */
export const SP_SLOT: u32 = 31;
/** Reads of XZR/WZR come from a slot that is always zero... */
export const ZERO_SLOT: u32 = 32;
/** ...and writes to it land in a slot nobody reads. */
export const SINK_SLOT: u32 = 33;
export const PC_SLOT: u32 = 34;

export const X_BASE: usize = STATE;
export const PC: usize = STATE + (<usize>PC_SLOT << 3);
/** Condition flags, one i32 each holding 0 or 1. */
export const FLAG_N: usize = STATE + 280;
export const FLAG_Z: usize = STATE + 284;
export const FLAG_C: usize = STATE + 288;
export const FLAG_V: usize = STATE + 292;
export const TPIDR_EL0: usize = STATE + 296;
export const FPCR: usize = STATE + 304;
export const FPSR: usize = STATE + 312;
/** The exclusive monitor: address (all ones when clear), the values read, and the access size. */
export const EXCLUSIVE_ADDRESS: usize = STATE + 320;
export const EXCLUSIVE_VALUE: usize = STATE + 328;
export const EXCLUSIVE_HIGH: usize = STATE + 336;
export const EXCLUSIVE_SIZE: usize = STATE + 344;
/** V0..V31, 16 bytes each, little-endian. */
export const V_BASE: usize = STATE + 512;
export const STATE_USED: usize = 1024;

@inline export function xSlot(n: u32): usize {
  return X_BASE + (<usize>n << 3);
}
@inline export function vSlot(n: u32): usize {
  return V_BASE + (<usize>n << 4);
}

export function resetArm64State(): void {
  memory.fill(STATE, 0, STATE_USED);
  store<u64>(EXCLUSIVE_ADDRESS, 0xffff_ffff_ffff_ffff);
  store<u32>(FLAG_Z, 1); // as Unicorn starts: its flag encoding reads as Z set when zeroed
}
