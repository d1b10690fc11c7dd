// Builds an AArch64 block: decodes instructions from the pc until a branch or exception, the end
// of the guest page, or the block size limit.
import { BLOCK_BYTES, BLOCK_COUNT, BLOCK_ENTRY_BYTES } from '../block-cache';
import { PAGE_MASK, PAGE_SIZE } from '../layout';
import { fetchPage } from '../memory';
import { RUN_FAULT, RUN_OK } from '../interface';
import { decode } from './decode';
import { ENTRY_SIZE } from './ops';

const MAX_BLOCK_INSTRUCTIONS: u32 = 128;
export const ARM64_MAX_BLOCK_ENTRY_BYTES: usize = <usize>MAX_BLOCK_INSTRUCTIONS * ENTRY_SIZE;

export function translateArm64(pc: u64, header: usize, entries: usize): i32 {
  // A misaligned pc cannot be fetched from; treat it as a fetch fault at that address.
  const page = fetchPage(pc);
  if (page == 0) return RUN_FAULT;
  let offset = <u32>pc & PAGE_MASK;
  let count: u32 = 0;
  while (count < MAX_BLOCK_INSTRUCTIONS && offset + 4 <= PAGE_SIZE) {
    const word = load<u32>(page + offset);
    const ends = decode(word, pc + (<u64>count << 2), entries + <usize>count * ENTRY_SIZE);
    count++;
    offset += 4;
    if (ends) break;
  }
  store<u32>(header, count << 2, BLOCK_BYTES);
  store<u32>(header, count, BLOCK_COUNT);
  store<u32>(header, count * <u32>ENTRY_SIZE, BLOCK_ENTRY_BYTES);
  return RUN_OK;
}
