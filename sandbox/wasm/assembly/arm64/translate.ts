// Builds an AArch64 block: decodes instructions from the pc until a branch or exception, the end
// of the guest page, or the block size limit.
import { BLOCK_BYTES, BLOCK_COUNT, BLOCK_ENTRY_BYTES } from '../block-cache';
import { PAGE_MASK, PAGE_SIZE } from '../layout';
import { fetchPage } from '../memory';
import { RUN_FAULT, RUN_OK } from '../interface';
import { decode } from './decode';
import {
  E_OP, ENTRY_SIZE, OP_ADDS_IMM_W, OP_ADDS_IMM_W_B_COND, OP_ADDS_IMM_X, OP_ADDS_IMM_X_B_COND, OP_ADDS_REG_W,
  OP_ADDS_REG_W_B_COND, OP_ADDS_REG_X, OP_ADDS_REG_X_B_COND, OP_ANDS_IMM_W, OP_ANDS_IMM_W_B_COND, OP_ANDS_IMM_X,
  OP_ANDS_IMM_X_B_COND, OP_ANDS_W, OP_ANDS_W_B_COND, OP_ANDS_X, OP_ANDS_X_B_COND, OP_B_COND, OP_SUBS_IMM_W,
  OP_SUBS_IMM_W_B_COND, OP_SUBS_IMM_X, OP_SUBS_IMM_X_B_COND, OP_SUBS_REG_W, OP_SUBS_REG_W_B_COND, OP_SUBS_REG_X,
  OP_SUBS_REG_X_B_COND,
} from './ops';

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
    const entry = entries + <usize>count * ENTRY_SIZE;
    const ends = decode(word, pc + (<u64>count << 2), entry);
    if (count > 0 && <i32>load<u16>(entry, E_OP) == OP_B_COND) fuseWithBranch(entry - ENTRY_SIZE);
    count++;
    offset += 4;
    if (ends) break;
  }
  store<u32>(header, count << 2, BLOCK_BYTES);
  store<u32>(header, count, BLOCK_COUNT);
  store<u32>(header, count * <u32>ENTRY_SIZE, BLOCK_ENTRY_BYTES);
  return RUN_OK;
}

/** Turns the flag-setting entry at `p`, followed by a b.cond, into its fused form (ops.ts), if it has one. */
function fuseWithBranch(p: usize): void {
  let fused = 0;
  switch (<i32>load<u16>(p, E_OP)) {
    case OP_ADDS_IMM_X: fused = OP_ADDS_IMM_X_B_COND; break;
    case OP_ADDS_IMM_W: fused = OP_ADDS_IMM_W_B_COND; break;
    case OP_SUBS_IMM_X: fused = OP_SUBS_IMM_X_B_COND; break;
    case OP_SUBS_IMM_W: fused = OP_SUBS_IMM_W_B_COND; break;
    case OP_ADDS_REG_X: fused = OP_ADDS_REG_X_B_COND; break;
    case OP_ADDS_REG_W: fused = OP_ADDS_REG_W_B_COND; break;
    case OP_SUBS_REG_X: fused = OP_SUBS_REG_X_B_COND; break;
    case OP_SUBS_REG_W: fused = OP_SUBS_REG_W_B_COND; break;
    case OP_ANDS_IMM_X: fused = OP_ANDS_IMM_X_B_COND; break;
    case OP_ANDS_IMM_W: fused = OP_ANDS_IMM_W_B_COND; break;
    case OP_ANDS_X: fused = OP_ANDS_X_B_COND; break;
    case OP_ANDS_W: fused = OP_ANDS_W_B_COND; break;
  }
  if (fused != 0) store<u16>(p, <u16>fused, E_OP);
}
