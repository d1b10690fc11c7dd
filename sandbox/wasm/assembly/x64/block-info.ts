// What the run loop asks about an x86-64 block: where its instructions are (they vary in length,
// so each entry records its offset and length).
import { BLOCK_COUNT, BLOCK_ENTRIES } from '../block-cache';
import { E_LENGTH, E_OFFSET, ENTRY_SHIFT } from './ops';

@inline function entryOf(block: usize, index: u32): usize {
  return <usize>load<u32>(block, BLOCK_ENTRIES) + (<usize>index << ENTRY_SHIFT);
}

export function x64InstructionAddress(block: usize, pc: u64, index: u32): u64 {
  return pc + <u64>load<u16>(entryOf(block, index), E_OFFSET);
}

export function x64InstructionSize(block: usize, index: u32): u32 {
  return <u32>load<u8>(entryOf(block, index), E_LENGTH);
}

/** Index of the instruction that starts at `address`, or -1 (inside an instruction, or past the block). */
export function x64InstructionIndex(block: usize, pc: u64, address: u64): i32 {
  const count = load<u32>(block, BLOCK_COUNT);
  const offset = address - pc;
  for (let i: u32 = 0; i < count; i++) {
    const at = <u64>load<u16>(entryOf(block, i), E_OFFSET);
    if (at == offset) return <i32>i;
    if (at > offset) return -1;
  }
  return -1;
}
