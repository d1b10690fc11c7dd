// Decoded code, cached per block (a run of instructions ending at a branch or a page end), looked up
// through a direct-mapped jump cache and a hash table, and discarded page by page when guest code is
// written, unmapped or re-protected.
import { PAGE_BITS } from './layout';
import { clearAllCodeMarks, markCodePage, unmarkCodePage } from './memory';
import { codeHookOverlaps } from './hooks';
import { requestBlockExit } from './status';

/**
 * Block header:
 *   +0  u64 guest address of the first instruction (INVALID once discarded)
 *   +8  u32 bytes of guest code covered
 *   +12 u32 number of instructions
 *   +16 u32 address of the decoded entries
 *   +20 u32 flags
 *   +24 u32 bytes of decoded entries
 *   +28 u32 the block last branched to (taken or indirect), +32 u32 the block last fallen through to:
 *       links the interpreter follows without a lookup while their pc still matches
 *   +36 i32 its compiled function (compiled-blocks.ts): a table index, 0 none yet, -1 never
 *   +40 u32 instructions it ran as a loop, interpreted (until compiled), +44 u32 compiled runs that did not
 *       finish one round
 */
export const BLOCK_PC: usize = 0;
export const BLOCK_BYTES: usize = 8;
export const BLOCK_COUNT: usize = 12;
export const BLOCK_ENTRIES: usize = 16;
export const BLOCK_FLAGS: usize = 20;
export const BLOCK_ENTRY_BYTES: usize = 24;
export const BLOCK_LINKS: usize = 28;
export const BLOCK_COMPILED: usize = 36;
export const BLOCK_HOT: usize = 40;
export const BLOCK_SHORT_RUNS: usize = 44;
const HEADER_SIZE: usize = 48;

/** Some instruction of the block is covered by a code hook. */
export const BLOCK_HOOKED: u32 = 1;

const INVALID: u64 = 0xffff_ffff_ffff_ffff;
const MAX_BLOCKS: u32 = 32768;
const HASH_BITS: u32 = 16; // twice MAX_BLOCKS: the table is never more than half full
const JUMP_BITS: u32 = 12;
const ARENA_SIZE: usize = 16 << 20;

let headers: usize = 0;
let hashTable: usize = 0;
let jumpCache: usize = 0;
let arena: usize = 0;
let blockCount: u32 = 0;
let arenaUsed: usize = 0;
/** Bumped by every full flush, so a translation interrupted by one can tell. */
export let flushGeneration: u32 = 0;

export function initBlockCache(): void {
  headers = heap.alloc(<usize>MAX_BLOCKS * HEADER_SIZE);
  hashTable = heap.alloc((<usize>1 << HASH_BITS) * 4);
  jumpCache = heap.alloc((<usize>1 << JUMP_BITS) * 4);
  arena = heap.alloc(ARENA_SIZE);
  flushBlocks();
}

@inline function hashSlot(pc: u64): u32 {
  return <u32>((pc * 0x9e37_79b9_7f4a_7c15) >> (64 - <u64>HASH_BITS));
}

@inline function jumpSlot(pc: u64): usize {
  return jumpCache + ((<usize>(pc >> 1) & ((1 << JUMP_BITS) - 1)) << 2);
}

/** The cached block starting at `pc`, or 0. */
@inline export function findBlock(pc: u64): usize {
  const jump = jumpSlot(pc);
  const cached = <usize>load<u32>(jump);
  if (cached != 0 && load<u64>(cached) == pc) return cached;
  return findBlockSlow(pc, jump);
}

function findBlockSlow(pc: u64, jump: usize): usize {
  const mask = (<u32>1 << HASH_BITS) - 1;
  let slot = hashSlot(pc);
  while (true) {
    const block = <usize>load<u32>(hashTable + (<usize>slot << 2));
    if (block == 0) return 0;
    if (load<u64>(block) == pc) {
      store<u32>(jump, <u32>block);
      return block;
    }
    slot = (slot + 1) & mask;
  }
}

/** Whether a new block of up to `entryBytes` decoded bytes fits; if not, the caller flushes first. */
export function hasRoomFor(entryBytes: usize): bool {
  return blockCount < MAX_BLOCKS && arenaUsed + entryBytes <= ARENA_SIZE;
}

/** Header and entry area for the next block; valid until commitBlock or a flush. */
export function nextHeader(): usize {
  return headers + <usize>blockCount * HEADER_SIZE;
}
export function nextEntries(): usize {
  return arena + arenaUsed;
}

/** Registers the block the architecture just decoded into nextHeader()/nextEntries(). */
export function commitBlock(pc: u64): usize {
  const block = nextHeader();
  const bytes = <u64>load<u32>(block, BLOCK_BYTES);
  store<u64>(block, pc, BLOCK_PC);
  store<u32>(block, <u32>nextEntries(), BLOCK_ENTRIES);
  store<u32>(block, codeHookOverlaps(pc, pc + bytes) ? BLOCK_HOOKED : 0, BLOCK_FLAGS);
  store<u64>(block, 0, BLOCK_LINKS);
  store<i32>(block, 0, BLOCK_COMPILED);
  store<u64>(block, 0, BLOCK_HOT); // and BLOCK_SHORT_RUNS
  blockCount++;
  arenaUsed += (<usize>load<u32>(block, BLOCK_ENTRY_BYTES) + 15) & ~<usize>15;
  const last = (pc + max<u64>(bytes, 1) - 1) >> PAGE_BITS;
  for (let page = pc >> PAGE_BITS; page <= last; page++) markCodePage(page);
  const mask = (<u32>1 << HASH_BITS) - 1;
  let slot = hashSlot(pc);
  while (load<u32>(hashTable + (<usize>slot << 2)) != 0) slot = (slot + 1) & mask;
  store<u32>(hashTable + (<usize>slot << 2), <u32>block);
  store<u32>(jumpSlot(pc), <u32>block);
  return block;
}

/** Discards every block. */
export function flushBlocks(): void {
  blockCount = 0;
  arenaUsed = 0;
  memory.fill(hashTable, 0, (<usize>1 << HASH_BITS) * 4);
  memory.fill(jumpCache, 0, (<usize>1 << JUMP_BITS) * 4);
  clearAllCodeMarks();
  flushGeneration++;
  requestBlockExit();
}

/** Discards the blocks decoded from pages [first, first + count) (called before they change). */
export function invalidateCodePages(first: u64, count: u64): void {
  let any = false;
  for (let i: u64 = 0; i < count; i++) {
    if (unmarkCodePage(first + i)) any = true;
  }
  if (!any) return;
  const end = first + count;
  for (let i: u32 = 0; i < blockCount; i++) {
    const block = headers + <usize>i * HEADER_SIZE;
    const pc = load<u64>(block);
    if (pc == INVALID) continue;
    const firstPage = pc >> PAGE_BITS;
    const lastPage = (pc + max<u64>(<u64>load<u32>(block, BLOCK_BYTES), 1) - 1) >> PAGE_BITS;
    if (firstPage < end && lastPage >= first) {
      store<u64>(block, INVALID);
      // A block spanning two pages keeps the other page marked; that only costs a spare invalidation.
    }
  }
  requestBlockExit();
}

/** Recomputes which blocks contain hooked instructions (after code hooks change). */
export function refreshHookFlags(): void {
  for (let i: u32 = 0; i < blockCount; i++) {
    const block = headers + <usize>i * HEADER_SIZE;
    const pc = load<u64>(block);
    if (pc == INVALID) continue;
    const flags = load<u32>(block, BLOCK_FLAGS) & ~BLOCK_HOOKED;
    const hooked = codeHookOverlaps(pc, pc + <u64>load<u32>(block, BLOCK_BYTES));
    store<u32>(block, hooked ? flags | BLOCK_HOOKED : flags, BLOCK_FLAGS);
  }
  requestBlockExit();
}

// ---- chaining: the interpreter continues into the next block without returning to the run loop ----

/** Instructions the interpreter may still run by chaining (budget and clock checks allow). */
export let chainBudget: u32 = 0;
/** The run's end address: never chained into. */
export let chainUntil: u64 = 0;

@inline export function setChainBudget(budget: u32): void {
  chainBudget = budget;
}

export function setChainLimits(budget: u32, until: u64): void {
  chainBudget = budget;
  chainUntil = until;
}

/**
 * The decoded block at `target` if the interpreter may run it straight away: cached, not hooked,
 * within the budget and not holding the end address. `link` (0 taken, 1 fall-through) selects the
 * successor slot of `block` that remembers it. Returns 0 to go back to the run loop.
 */
@inline export function chainTarget(block: usize, target: u64, link: usize): usize {
  const slot = block + BLOCK_LINKS + (link << 2);
  let next = <usize>load<u32>(slot);
  if (next == 0 || load<u64>(next) != target) {
    next = findBlock(target);
    if (next == 0) return 0;
    store<u32>(slot, <u32>next);
  }
  const count = load<u32>(next, BLOCK_COUNT);
  // A compiled block is run by the run loop (compiled-blocks.ts).
  if (count > chainBudget || (load<u32>(next, BLOCK_FLAGS) & BLOCK_HOOKED) != 0 || load<i32>(next, BLOCK_COMPILED) > 0 ||
    chainUntil - target < <u64>load<u32>(next, BLOCK_BYTES)) return 0;
  chainBudget -= count;
  return next;
}
