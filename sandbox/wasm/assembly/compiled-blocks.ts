// The compiled tier: a block the interpreter keeps entering as a loop is handed to the
// architecture's compiler (arm64/compile.ts), which writes a WebAssembly module the host compiles
// and puts in this instance's function table; the run loop then calls it instead of interpreting.
// Compiled functions live in a fixed number of table slots, reused oldest first, so compiled code
// stays bounded (MAX_COMPILED modules, each a few kilobytes of machine code). A block's compiled
// function is reached only through its header, so discarding the block (a write to its code,
// unmap, protect, flush) discards the function with it.
import { BLOCK_COMPILED, BLOCK_COUNT, BLOCK_HOT, BLOCK_SHORT_RUNS } from './block-cache';
import { hostCompileBlock } from './host';
import { memoryReadHooks, memoryWriteHooks } from './hooks';
import { COMPILED_EXIT_INDEX, compileArm64Block } from './arm64/compile';
import { compileX64Block } from './x64/compile';
import { currentArch } from './arch';
import { ARCH_X64 } from './interface';
import { compiledLength, compiledOutput, initWriter } from './wasm-writer';

/** Table slots for compiled blocks (the host grows the table by this many). */
export const MAX_COMPILED: u32 = 256;
/**
 * Instructions a loop runs in the interpreter before it is compiled, so that cold code and short
 * loops never pay for compiling (a module takes about as long as a few hundred thousand interpreted
 * instructions); the host may set it (0: compile a loop on its first entry).
 */
let hotInstructions: u32 = 1 << 18;
/** Compiled runs that stop inside the first round (a page the TLB never holds) before the block goes back to the interpreter. */
const MAX_SHORT_RUNS: u32 = 16;

let enabled: bool = false;
let compilerReady: bool = false;
let slotBase: u32 = 0;
let nextSlot: u32 = 0;
/** The block each slot was last compiled for. */
const owners: usize = memory.data(<i32>MAX_COMPILED * 4, 4);

/** The host switches the tier on with the first of MAX_COMPILED table slots it reserved. */
export function setCompiledTier(on: bool, base: u32, hot: u32): void {
  hotInstructions = hot;
  if (on && !compilerReady) {
    initWriter();
    compilerReady = true;
  }
  enabled = on && base > 0;
  slotBase = base;
  nextSlot = 0;
  memory.fill(owners, 0, <usize>MAX_COMPILED * 4);
}

/** Compiled code may run now: the tier is on and no memory hooks need every access seen. */
@inline export function compiledTierUsable(): bool {
  return enabled && !memoryReadHooks && !memoryWriteHooks;
}

/**
 * Called by the interpreter when `block` is about to go round as a loop: whether the run loop
 * should take it from here (it is compiled, or has run long enough to be compiled now).
 */
@inline export function loopWantsCompiled(block: usize): bool {
  if (!compiledTierUsable()) return false;
  const compiled = load<i32>(block, BLOCK_COMPILED);
  if (compiled != 0) return compiled > 0;
  return load<u32>(block, BLOCK_HOT) >= hotInstructions;
}

/** The interpreter ran `instructions` more in rounds of the loop `block`. */
@inline export function noteLoopInstructions(block: usize, instructions: u32): void {
  const hot = <u64>load<u32>(block, BLOCK_HOT) + <u64>instructions;
  store<u32>(block, <u32>min<u64>(hot, 0xffff_ffff), BLOCK_HOT);
}

/** The table slot of the block's compiled function, compiling it if it is hot; 0 when there is none. */
export function compiledFunction(block: usize, pc: u64): u32 {
  const compiled = load<i32>(block, BLOCK_COMPILED);
  if (compiled != 0) return compiled > 0 ? <u32>compiled : 0;
  if (load<u32>(block, BLOCK_HOT) < hotInstructions) return 0;
  if (!(currentArch == ARCH_X64 ? compileX64Block(block, pc) : compileArm64Block(block, pc))) {
    store<i32>(block, -1, BLOCK_COMPILED);
    return 0;
  }
  const index = nextSlot;
  nextSlot = (nextSlot + 1) % MAX_COMPILED;
  const slot = slotBase + index;
  const owner = <usize>load<u32>(owners + (<usize>index << 2));
  if (owner != 0 && load<i32>(owner, BLOCK_COMPILED) == <i32>slot) {
    // That block loses its function; it may be compiled again when it is hot again.
    store<i32>(owner, 0, BLOCK_COMPILED);
    store<u32>(owner, 0, BLOCK_HOT);
  }
  store<u32>(owners + (<usize>index << 2), <u32>block);
  if (hostCompileBlock(compiledOutput(), compiledLength, slot) == 0) {
    store<i32>(block, -1, BLOCK_COMPILED);
    return 0;
  }
  store<i32>(block, <i32>slot, BLOCK_COMPILED);
  store<u32>(block, 0, BLOCK_SHORT_RUNS);
  return slot;
}

/**
 * Runs the compiled function at `slot` for the block, with up to `allowed` instructions (at least
 * the block's count). Returns the instructions it ran. If it stopped before an instruction it
 * cannot run, returns that instruction's index in compiledStopIndex (else -1): the caller
 * interprets the rest of that round.
 */
export let compiledStopIndex: i32 = -1;
export function runCompiled(block: usize, slot: u32, allowed: u32): u32 {
  store<i32>(COMPILED_EXIT_INDEX, -1);
  const executed = call_indirect<u32>(slot, allowed);
  compiledStopIndex = load<i32>(COMPILED_EXIT_INDEX);
  if (compiledStopIndex >= 0 && executed < load<u32>(block, BLOCK_COUNT)) {
    const short = load<u32>(block, BLOCK_SHORT_RUNS) + 1;
    store<u32>(block, short, BLOCK_SHORT_RUNS);
    if (short > MAX_SHORT_RUNS) store<i32>(block, -1, BLOCK_COMPILED);
  }
  return executed;
}
