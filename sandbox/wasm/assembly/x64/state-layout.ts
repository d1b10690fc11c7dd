// Where the x86-64 registers sit in the CPU's state area, in bytes from its start: state.ts places
// them there and the host (sandbox/wasm/registers.ts) reads and writes them at the same offsets.
// Written once for both, so it keeps to what AssemblyScript and TypeScript read alike (constants
// of plain numbers, no imports), and tsc and asc both check it.

// rax rcx rdx rbx rsp rbp rsi rdi r8 .. r15 come first, 8 bytes each, in encoding order.
export const X64_RIP_OFFSET = 128;
/**
 * RFLAGS as last materialized. While the lazy kind is not none, its arithmetic bits (CF PF AF ZF SF
 * OF) are stale and come from the lazy record below instead; the other bits are always current.
 */
export const X64_RFLAGS_OFFSET = 136;
/** The last flag-setting operation: kind (u32), operand size in bytes (u32), result and operands. */
export const X64_LAZY_KIND_OFFSET = 144;
/** The lazy kind that says RFLAGS holds every flag (what the host writes with RFLAGS). */
export const X64_LAZY_NONE = 0;
export const X64_LAZY_SIZE_OFFSET = 148;
export const X64_LAZY_RESULT_OFFSET = 152;
export const X64_LAZY_A_OFFSET = 160;
export const X64_LAZY_B_OFFSET = 168;
/** Flags the lazy kind does not derive from its operands, in their RFLAGS positions. */
export const X64_LAZY_AUX_OFFSET = 176;
export const X64_FS_BASE_OFFSET = 184;
export const X64_GS_BASE_OFFSET = 192;
/** Always zero: the base, index or segment of a memory operand that has none. */
export const X64_ZERO_OFFSET = 200;
/** xmm0 .. xmm15, 16 bytes each, little-endian. */
export const X64_XMM_OFFSET = 256;
export const X64_MXCSR_OFFSET = 512;
/** Bytes of the state area in use: what a saved context holds. */
export const X64_STATE_USED = 520;

/** RFLAGS bit 1 always reads as one. */
export const X64_FLAGS_FIXED = 0x2;
