// The architecture the CPU runs, chosen once per instance. The core (memory, blocks, hooks, limits)
// is shared; each architecture brings a decoder that fills blocks and an interpreter that runs them.
import { RUN_UNSUPPORTED, setUnsupported } from './status';
import { PC as ARM64_PC, resetArm64State } from './arm64/state';
import { ARM64_MAX_BLOCK_ENTRY_BYTES, translateArm64 } from './arm64/translate';
import { executeArm64 } from './arm64/execute';

export const ARCH_ARM64: i32 = 1;
export const ARCH_X64: i32 = 2;

export let currentArch: i32 = 0;

/** Returns false for an architecture this build does not implement. */
export function selectArch(arch: i32): bool {
  if (arch != ARCH_ARM64) return false;
  currentArch = arch;
  resetArm64State();
  return true;
}

@inline export function readPc(): u64 {
  return load<u64>(ARM64_PC);
}

@inline export function writePc(pc: u64): void {
  store<u64>(ARM64_PC, pc);
}

/** Most decoded bytes one block can need. */
export function maxBlockEntryBytes(): usize {
  return ARM64_MAX_BLOCK_ENTRY_BYTES;
}

/** Decodes the block at `pc` into the header and entries given; RUN_OK or RUN_FAULT (fetch failed). */
export function translateBlock(pc: u64, header: usize, entries: usize): i32 {
  if (currentArch == ARCH_ARM64) return translateArm64(pc, header, entries);
  setUnsupported(0, pc);
  return RUN_UNSUPPORTED;
}

/**
 * Runs instructions [first, last) of the block decoded at `pc` (passed in: a discarded block's
 * header no longer holds it). Sets executedCount and the guest pc (the next
 * instruction, a branch target, or the faulting instruction) and returns a RUN_* status.
 */
@inline export function executeBlock(block: usize, pc: u64, first: u32, last: u32): i32 {
  return executeArm64(block, pc, first, last);
}

/** Guest address of instruction `index` of a block. */
@inline export function instructionAddress(block: usize, pc: u64, index: u32): u64 {
  return pc + (<u64>index << 2);
}

@inline export function instructionSize(block: usize, index: u32): u32 {
  return 4;
}

/** Index of the instruction at `address` inside the block starting at `pc`, or -1. */
@inline export function instructionIndex(block: usize, pc: u64, address: u64): i32 {
  const offset = address - pc;
  return (offset & 3) == 0 ? <i32>(offset >> 2) : -1;
}
