// Builds an x86-64 block: decodes instructions with the engine's decoder from the pc until a
// branch, an exception, a repeating string instruction, the end of the guest page, or the block
// size limit. An instruction that continues onto the next page is decoded from a copy of both parts
// and ends the block.
import { decodeX64, X64Instruction } from '../../../../isa/x64/decoder';
import { X64Error } from '../../../../isa/x64/codes';
import { BLOCK_BYTES, BLOCK_COUNT, BLOCK_ENTRY_BYTES } from '../block-cache';
import { PAGE_MASK, PAGE_SIZE } from '../layout';
import { fetchPage, probeFetchPage } from '../memory';
import { RUN_FAULT, RUN_OK } from '../interface';
import { lowerX64 } from './lower';
import { E_OP, ENTRY_SIZE, OP_JCC } from './ops';
import { fuseWithBranchX64, specialiseX64 } from './specialise';

const MAX_BLOCK_INSTRUCTIONS: u32 = 64;
const MAX_INSTRUCTION_BYTES: u32 = 15;
export const X64_MAX_BLOCK_ENTRY_BYTES: usize = <usize>MAX_BLOCK_INSTRUCTIONS * ENTRY_SIZE;

/** One decoded instruction, reused for every decode. */
const decoded = new X64Instruction();
/** The bytes of an instruction that crosses a page boundary, gathered from both pages. */
const straddle: usize = memory.data(32, 16);

export function translateX64(pc: u64, header: usize, entries: usize): i32 {
  const host = fetchPage(pc);
  if (host == 0) return RUN_FAULT;
  const pageEnd = (pc | <u64>PAGE_MASK) + 1;
  let address = pc;
  let count: u32 = 0;
  while (count < MAX_BLOCK_INSTRUCTIONS && address < pageEnd) {
    const room = <u32>(pageEnd - address);
    let bytes = host + (<usize>address & PAGE_MASK);
    let ok = decodeX64(bytes, <i32>min(room, MAX_INSTRUCTION_BYTES), address, decoded);
    if (!ok && decoded.error == X64Error.TRUNCATED && room < MAX_INSTRUCTION_BYTES) {
      // The first instruction of a block must be fetched (a fault is reported); a later one is only
      // probed, and the block ends before it if its second page is not there.
      const next = count == 0 ? fetchPage(pageEnd) : probeFetchPage(pageEnd);
      if (next == 0) {
        if (count == 0) return RUN_FAULT;
        break;
      }
      memory.copy(straddle, bytes, room);
      memory.copy(straddle + room, next, MAX_INSTRUCTION_BYTES - room);
      bytes = straddle;
      ok = decodeX64(bytes, <i32>MAX_INSTRUCTION_BYTES, address, decoded);
    }
    const entry = entries + <usize>count * ENTRY_SIZE;
    const ends = lowerX64(decoded, bytes, entry, pc);
    specialiseX64(entry);
    if (count > 0 && load<u16>(entry, E_OP) == OP_JCC) fuseWithBranchX64(entry - ENTRY_SIZE);
    count++;
    address += ok ? <u64>decoded.length : 1;
    if (ends) break;
  }
  store<u32>(header, <u32>(address - pc), BLOCK_BYTES);
  store<u32>(header, count, BLOCK_COUNT);
  store<u32>(header, count * <u32>ENTRY_SIZE, BLOCK_ENTRY_BYTES);
  return RUN_OK;
}
