// The run loop: finds or decodes the block at pc, runs it whole when nothing needs watching, or
// instruction by instruction around code hooks, an end address or an instruction budget, and checks
// the clock and the host's stop flag every so many instructions and after every interrupt.
import {
  BLOCK_BYTES, BLOCK_COUNT, BLOCK_FLAGS, BLOCK_HOOKED, commitBlock, findBlock, flushBlocks, flushGeneration,
  hasRoomFor, nextEntries, nextHeader, setChainLimits,
} from './block-cache';
import {
  currentArch, executeBlock, finishInterrupt, instructionAddress, instructionIndex, instructionSize, maxBlockEntryBytes, readPc, translateBlock,
  writePc,
} from './arch';
import { checkBranchTarget, clearPendingBranch, pendingKind } from './branch-targets';
import { compiledFunction, compiledStopIndex, compiledTierUsable, runCompiled } from './compiled-blocks';
import { codeHookCovers } from './hooks';
import { materializeFlags } from './x64/flags';
import { hostCodeHook, hostInterrupt, hostNow, hostPollStop } from './host';
import {
  clearBlockExit, clearFault, executedCount, exitBlock, interruptNumber, pcOverridden, setStopRequested,
  stopRequested,
} from './status';
import {
  ARCH_X64, RUN_EXIT, RUN_FAULT, RUN_INTERRUPT, RUN_OK, STOP_LIMIT, STOP_REQUESTED, STOP_TIME, STOP_UNTIL,
} from './interface';

/** Instructions between looks at the clock and the stop flag (well under a millisecond unhooked). */
const CHECK_INTERVAL: i64 = 1 << 16;
/** A hooked instruction costs a host call: count it as this many for the clock check. */
const HOOKED_WEIGHT: i64 = 64;

/** Instructions run by the last run() (the host reads it for statistics). */
export let instructionsRun: u64 = 0;

/** Why the last translation failed (a fetch fault, or an architecture this build lacks). */
let translateFailure: i32 = RUN_FAULT;

function translate(pc: u64): usize {
  while (true) {
    if (!hasRoomFor(maxBlockEntryBytes())) flushBlocks();
    const generation = flushGeneration;
    const status = translateBlock(pc, nextHeader(), nextEntries());
    if (status != RUN_OK) {
      translateFailure = status;
      return 0;
    }
    // A host callback during decoding (an invalid-fetch hook) may have flushed everything: redo.
    if (generation == flushGeneration) return commitBlock(pc);
  }
}

/**
 * Runs from `begin` until pc reaches `until`, `limit` instructions ran (0: no limit), `timeLimitMs`
 * passed (0: none), the host asked to stop, or the guest faulted. Returns a STOP_* or RUN_* code.
 */
export function run(begin: u64, until: u64, limit: u64, timeLimitMs: f64): i32 {
  writePc(begin);
  clearFault();
  clearPendingBranch();
  setStopRequested(false);
  instructionsRun = 0;
  let budget: u64 = limit == 0 ? 0xffff_ffff_ffff_ffff : limit;
  const deadline = timeLimitMs > 0 ? hostNow() + timeLimitMs : Infinity;
  let countdown: i64 = CHECK_INTERVAL;
  while (true) {
    if (stopRequested) return STOP_REQUESTED;
    const pc = readPc();
    if (pc == until) return STOP_UNTIL;
    if (budget == 0) return STOP_LIMIT;
    if (pendingKind != 0) {
      // The last instruction was a tracked indirect branch: its target must be a landing pad.
      const checked = checkBranchTarget(currentArch, pc);
      if (checked != RUN_OK) return checked;
    }
    if (countdown <= 0) {
      countdown = CHECK_INTERVAL;
      if (hostNow() >= deadline) return STOP_TIME;
      if (hostPollStop() != 0) return STOP_REQUESTED;
    }
    clearBlockExit();
    let block = findBlock(pc);
    if (block == 0) {
      block = translate(pc);
      if (block == 0) return translateFailure;
    }
    let count = load<u32>(block, BLOCK_COUNT);
    if (until - pc < <u64>load<u32>(block, BLOCK_BYTES)) {
      const index = instructionIndex(block, pc, until);
      if (index > 0 && <u32>index < count) count = <u32>index;
    }
    if (<u64>count > budget) count = <u32>budget;

    let status: i32;
    let executed: u32 = 0;
    const whole = count == load<u32>(block, BLOCK_COUNT);
    const slot = whole && compiledTierUsable() &&
      (load<u32>(block, BLOCK_FLAGS) & BLOCK_HOOKED) == 0 ? compiledFunction(block, pc) : 0;
    if (slot != 0) {
      // Compiled code goes round while the budget and the next clock check allow (at least once).
      const allowed = <u32>min<u64>(min<u64>(budget, <u64>max<i64>(countdown, <i64>count)), 0x7fff_ffff);
      // x86-64 compiled code starts from RFLAGS alone (x64/compile.ts).
      if (currentArch == ARCH_X64) materializeFlags();
      executed = runCompiled(block, slot, allowed);
      status = RUN_OK;
      const stop = compiledStopIndex;
      if (stop >= 0) {
        // It stopped before an instruction it leaves to the interpreter: run the rest of that round.
        const rest = count - <u32>stop;
        setChainLimits(allowed - executed - rest, until);
        status = executeBlock(block, pc, <u32>stop, count);
        executed += executedCount;
      }
      countdown -= <i64>executed;
    } else if ((load<u32>(block, BLOCK_FLAGS) & BLOCK_HOOKED) == 0) {
      // Later blocks may be chained while the budget and the next clock check allow.
      const room = min<u64>(budget - <u64>count, <u64>max<i64>(countdown - <i64>count, 0));
      setChainLimits(<u32>min<u64>(room, 0x7fff_ffff), until);
      status = executeBlock(block, pc, 0, count);
      executed = executedCount;
      countdown -= <i64>executed;
    } else {
      status = RUN_OK;
      for (let i: u32 = 0; i < count; i++) {
        const address = instructionAddress(block, pc, i);
        if (codeHookCovers(address)) {
          writePc(address);
          hostCodeHook(<f64>address, instructionSize(block, i));
          // The hook stopped the run or moved pc: this instruction does not run. If it only wrote
          // code, the instruction still runs as decoded (as Unicorn runs its translation) and the
          // block ends after it, so the next instruction is decoded afresh.
          if (stopRequested || pcOverridden) {
            status = RUN_EXIT;
            break;
          }
        }
        setChainLimits(0, until);
        status = executeBlock(block, pc, i, i + 1);
        executed += executedCount;
        if (status != RUN_OK || exitBlock) break;
      }
      countdown -= <i64>executed * HOOKED_WEIGHT;
    }
    budget -= <u64>executed;
    instructionsRun += <u64>executed;
    if (status == RUN_INTERRUPT) {
      hostInterrupt(interruptNumber);
      finishInterrupt(interruptNumber);
      // The host's handling may take any time (a system call writing a megabyte takes milliseconds):
      // the clock and the stop flag are looked at before the guest goes on.
      countdown = 0;
    } else if (status != RUN_OK && status != RUN_EXIT) {
      return status;
    }
  }
}

/** Asks a run in progress to stop (from a hook) before the next instruction. */
export function requestStop(): void {
  setStopRequested(true);
}
