// The in-browser CPU: exports for its TypeScript host (sandbox/wasm/wasm-sandbox.ts).
import { PAGE_BITS, STATE, STATE_SIZE, TRANSFER_SIZE } from './layout';
import { copyIn, copyOut, firstUnmapped, flushTlb, initMemory, mapPages, protectPages, unmapPages } from './memory';
import { flushBlocks, initBlockCache, invalidateCodePages, refreshHookFlags } from './block-cache';
import { addCodeHook, clearCodeHooks, setMemoryHooks } from './hooks';
import { currentArch, selectArch } from './arch';
import { ARCH_X64, CPU_INTERFACE_VERSION } from './interface';
import { materializeFlags } from './x64/flags';
import { unsupportedLength } from './x64/execute';
import { instructionsRun, requestStop, run } from './run';
import { MAX_COMPILED, setCompiledTier } from './compiled-blocks';
import { faultBranch, faultKind, faultTarget, faultWord, setBranchTargetMode } from './branch-targets';
import {
  exitBlock, faultAddress, overridePc, faultCode, interruptNumber, requestBlockExit, unsupportedAddress, unsupportedWord,
} from './status';

let transfer: usize = 0;

/** Sets up an instance for `arch` (1 = arm64, 2 = x64); false if this build lacks it. */
export function init(arch: i32): bool {
  if (STATE + STATE_SIZE > 0xffff) unreachable(); // decoded entries address registers with 16 bits
  initMemory();
  initBlockCache();
  transfer = heap.alloc(TRANSFER_SIZE);
  return selectArch(arch);
}

export function interfaceVersion(): i32 { return CPU_INTERFACE_VERSION; }
export function pageBits(): i32 { return <i32>PAGE_BITS; }
export function stateAddress(): usize { return STATE; }
export function stateSize(): u32 { return STATE_SIZE; }
export function transferAddress(): usize { return transfer; }
export function transferSize(): u32 { return TRANSFER_SIZE; }

// Memory. Addresses and sizes come as f64 (exact below 2^53); the host checks ranges and alignment.
export function map(page: f64, count: f64, prot: u32): void { mapPages(<u64>page, <u64>count, prot); }
export function unmap(page: f64, count: f64): void { unmapPages(<u64>page, <u64>count); }
export function protect(page: f64, count: f64, prot: u32): void { protectPages(<u64>page, <u64>count, prot); }
/** First unmapped address of the range, or -1. */
export function findUnmapped(address: f64, size: f64): f64 { return <f64>firstUnmapped(<u64>address, <u64>size); }
/** Copies guest memory to the transfer buffer (size <= transferSize, range mapped). */
export function readMemory(address: f64, size: u32): void { copyOut(<u64>address, size, transfer); }
/** Copies the transfer buffer into guest memory, discarding code it replaces. */
export function writeMemory(address: f64, size: u32): void { copyIn(<u64>address, size, transfer); }

// Hooks
export function setHookKinds(read: bool, write: bool, invalid: bool): void {
  setMemoryHooks(read, write, invalid);
  flushTlb(); // the TLB must stop (or may start) short-cutting hooked accesses
  requestBlockExit();
}
export function resetCodeHooks(): void { clearCodeHooks(); }
export function addCodeHookRange(begin: f64, end: f64): bool { return addCodeHook(<u64>begin, <u64>end); }
/** After the code hook ranges changed. */
export function codeHooksChanged(): void { refreshHookFlags(); }

// Running
export function start(begin: f64, until: f64, limit: f64, timeLimitMs: f64): i32 {
  return run(<u64>begin, <u64>until, <u64>limit, timeLimitMs);
}
export function stop(): void { requestStop(); }
/** The host changed the pc or other state during a run: leave the block in progress. */
export function stateChanged(): void { requestBlockExit(); }
/** The host moved the pc during a run (from a hook): the interpreter must not overwrite it. */
export function pcChanged(): void { overridePc(); }
export function lastInstructionCount(): f64 { return <f64>instructionsRun; }
export function discardCode(): void { flushBlocks(); }
export function discardCodeRange(page: f64, count: f64): void { invalidateCodePages(<u64>page, <u64>count); }

// Details of the last fault, exception or unsupported instruction
export function lastFaultCode(): i32 { return faultCode; }
export function lastFaultAddress(): u64 { return faultAddress; }
export function lastInterrupt(): i32 { return interruptNumber; }
export function lastUnsupportedWord(): f64 { return <f64>unsupportedWord; }
export function lastUnsupportedAddress(): f64 { return <f64>unsupportedAddress; }
export function blockExitPending(): bool { return exitBlock; }

// Landing pads (branch-targets.ts): enforced or not, and the last fault.
export function branchTargetMode(enforce: bool, noTrack: bool): void { setBranchTargetMode(enforce, noTrack); }
export function lastBranchTargetBranch(): f64 { return <f64>faultBranch; }
export function lastBranchTargetKind(): u32 { return faultKind; }
export function lastBranchTargetAddress(): f64 { return <f64>faultTarget; }
export function lastBranchTargetWord(): u32 { return faultWord; }

// x86-64 keeps its arithmetic flags lazily: fold them into RFLAGS before the host reads it.
export function settleFlags(): void { if (currentArch == ARCH_X64) materializeFlags(); }
/** Bytes of the last unsupported instruction (x86-64 lengths vary; AArch64 words are 4). */
export function lastUnsupportedLength(): u32 { return currentArch == ARCH_X64 ? unsupportedLength : 4; }

// The compiled tier (compiled-blocks.ts): the host reserves MAX_COMPILED table slots from `base`.
export function compiledSlots(): u32 { return MAX_COMPILED; }
export function compiledTier(on: bool, base: u32, hotInstructions: u32): void { setCompiledTier(on, base, hotInstructions); flushBlocks(); }
