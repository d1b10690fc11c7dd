// Calls out to the host (TypeScript). Addresses travel as f64 (guests stay below 2^53) and 64-bit
// values as two i32 halves, so no BigInt is made unless the host wants one.

/** A code hook covers the instruction at `address`; called before it executes. */
@external("env", "hostCodeHook")
export declare function hostCodeHook(address: f64, size: u32): void;

/** A memory hook is registered for this kind of access (read or write). */
@external("env", "hostMemoryHook")
export declare function hostMemoryHook(access: i32, address: f64, size: u32, valueLow: i32, valueHigh: i32): void;

/** An access failed; returns 1 if the host fixed it (mapped the page) and the access should be retried. */
@external("env", "hostInvalidAccess")
export declare function hostInvalidAccess(access: i32, kind: i32, address: f64, size: u32, valueLow: i32, valueHigh: i32): i32;

/** A CPU exception (system call, breakpoint, ...); the guest's pc is already where Unicorn puts it. */
@external("env", "hostInterrupt")
export declare function hostInterrupt(number: i32): void;

/** Milliseconds from a monotonic clock. */
@external("env", "hostNow")
export declare function hostNow(): f64;

/** Non-zero when another thread asked the run to stop (a shared flag, checked every millisecond or so). */
@external("env", "hostPollStop")
export declare function hostPollStop(): i32;

/**
 * Compiles the WebAssembly module of `length` bytes at `address` (a compiled block, compiled-blocks.ts),
 * instantiates it against this memory and puts its function at `slot` of the function table.
 * Returns 1, or 0 if that failed.
 */
@external("env", "hostCompileBlock")
export declare function hostCompileBlock(address: usize, length: u32, slot: u32): i32;
