// Where the AArch64 registers sit in the CPU's state area, in bytes from its start: state.ts places
// them there and the host (sandbox/wasm/registers.ts) reads and writes them at the same offsets.
// Written once for both, so it keeps to what AssemblyScript and TypeScript read alike (constants
// of plain numbers, no imports), and tsc and asc both check it.

/** X0..X30 in 8-byte slots 0..30; slot 31 is SP. */
export const ARM64_SP_SLOT = 31;
/** Reads of XZR/WZR come from a slot that is always zero... */
export const ARM64_ZERO_SLOT = 32;
/** ...and writes to it land in a slot nobody reads. */
export const ARM64_SINK_SLOT = 33;
/** PC, after the 34 slots above. */
export const ARM64_PC_OFFSET = 272;
/** Condition flags in one 32-bit slot: N, Z, C and V as bits 3, 2, 1 and 0 (NZCV bits 31..28 shifted down). */
export const ARM64_NZCV_OFFSET = 280;
export const ARM64_TPIDR_EL0_OFFSET = 296;
export const ARM64_FPCR_OFFSET = 304;
export const ARM64_FPSR_OFFSET = 312;
/** The exclusive monitor: address (all ones when clear), the values read, and the access size. */
export const ARM64_EXCLUSIVE_ADDRESS_OFFSET = 320;
export const ARM64_EXCLUSIVE_VALUE_OFFSET = 328;
export const ARM64_EXCLUSIVE_HIGH_OFFSET = 336;
export const ARM64_EXCLUSIVE_SIZE_OFFSET = 344;
/** V0..V31, 16 bytes each, little-endian. */
export const ARM64_V_OFFSET = 512;
/** Bytes of the state area in use: what a saved context holds. */
export const ARM64_STATE_USED = 1024;
