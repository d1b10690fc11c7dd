// The architecture the CPU runs, chosen once per instance. The core (memory, blocks, hooks, limits)
// is shared; each architecture brings a decoder that fills blocks and an interpreter that runs them.
import { setUnsupported } from './status';
import { ARCH_ARM64, ARCH_X64, RUN_UNSUPPORTED, X64_SYSCALL_INTERRUPT } from './interface';
import { PC as ARM64_PC, resetArm64State } from './arm64/state';
import { ARM64_MAX_BLOCK_ENTRY_BYTES, translateArm64 } from './arm64/translate';
import { executeArm64 } from './arm64/execute';
import { RIP as X64_RIP, resetX64State } from './x64/state';
import { X64_MAX_BLOCK_ENTRY_BYTES, translateX64 } from './x64/translate';
import { executeX64, syscallLength } from './x64/execute';
import { x64InstructionAddress, x64InstructionIndex, x64InstructionSize } from './x64/block-info';

export let currentArch: i32 = 0;

/** Returns false for an architecture this build does not implement. */
export function selectArch(arch: i32): bool {
  if (arch != ARCH_ARM64 && arch != ARCH_X64) return false;
  currentArch = arch;
  if (arch == ARCH_ARM64) resetArm64State();
  else resetX64State();
  return true;
}

@inline export function readPc(): u64 {
  return load<u64>(currentArch == ARCH_X64 ? X64_RIP : ARM64_PC);
}

@inline export function writePc(pc: u64): void {
  store<u64>(currentArch == ARCH_X64 ? X64_RIP : ARM64_PC, pc);
}

/** Most decoded bytes one block can need. */
export function maxBlockEntryBytes(): usize {
  return currentArch == ARCH_X64 ? X64_MAX_BLOCK_ENTRY_BYTES : ARM64_MAX_BLOCK_ENTRY_BYTES;
}

/** After the host handled an interrupt: x86-64 `syscall` resumes after the instruction (as Unicorn does). */
export function finishInterrupt(number: i32): void {
  if (currentArch == ARCH_X64 && number == X64_SYSCALL_INTERRUPT) store<u64>(X64_RIP, load<u64>(X64_RIP) + syscallLength);
}

/** Decodes the block at `pc` into the header and entries given; RUN_OK or RUN_FAULT (fetch failed). */
export function translateBlock(pc: u64, header: usize, entries: usize): i32 {
  if (currentArch == ARCH_ARM64) return translateArm64(pc, header, entries);
  if (currentArch == ARCH_X64) return translateX64(pc, header, entries);
  setUnsupported(0, pc);
  return RUN_UNSUPPORTED;
}

/**
 * Runs instructions [first, last) of the block decoded at `pc` (passed in: a discarded block's
 * header no longer holds it). Sets executedCount and the guest pc (the next
 * instruction, a branch target, or the faulting instruction) and returns a RUN_* status.
 */
@inline export function executeBlock(block: usize, pc: u64, first: u32, last: u32): i32 {
  return currentArch == ARCH_X64 ? executeX64(block, pc, first, last) : executeArm64(block, pc, first, last);
}

/** Guest address of instruction `index` of a block. */
@inline export function instructionAddress(block: usize, pc: u64, index: u32): u64 {
  if (currentArch == ARCH_X64) return x64InstructionAddress(block, pc, index);
  return pc + (<u64>index << 2);
}

@inline export function instructionSize(block: usize, index: u32): u32 {
  if (currentArch == ARCH_X64) return x64InstructionSize(block, index);
  return 4;
}

/** Index of the instruction at `address` inside the block starting at `pc`, or -1. */
@inline export function instructionIndex(block: usize, pc: u64, address: u64): i32 {
  if (currentArch == ARCH_X64) return x64InstructionIndex(block, pc, address);
  const offset = address - pc;
  return (offset & 3) == 0 ? <i32>(offset >> 2) : -1;
}
