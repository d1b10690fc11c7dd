// Fixed areas of the CPU's linear memory. Everything the hot paths touch sits at addresses known at
// compile time, so register and TLB accesses need no base-pointer loads.

/** Guest pages are 1 KiB: the finest granule any architecture maps (Unicorn's AArch64 maps 1 KiB). */
export const PAGE_BITS: u64 = 10;
export const PAGE_SIZE: u32 = 1 << <u32>PAGE_BITS;
export const PAGE_MASK: u32 = PAGE_SIZE - 1;

/** Register state of the guest thread; each architecture lays it out (arm64/state-layout.ts, ...). */
export const STATE_SIZE: u32 = 2048;
export const STATE: usize = memory.data(STATE_SIZE, 64);

/** Scratch buffer for host reads and writes of guest memory (the host copies through it). */
export const TRANSFER_SIZE: u32 = 64 * 1024;
