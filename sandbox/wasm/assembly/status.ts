// Why execution left the interpreter, and the details the host needs to report it.

/** Results of executing a block and of a whole run; the host reads the details below. */
export const RUN_OK: i32 = 0;
/** A memory access or fetch failed; see faultCode and faultAddress. */
export const RUN_FAULT: i32 = 1;
/** The instruction raised a CPU exception (system call, breakpoint, undefined instruction). */
export const RUN_INTERRUPT: i32 = 2;
/** Something changed under the running block (code written, hooks, stop); pc is the next instruction. */
export const RUN_EXIT: i32 = 3;
/** The instruction is outside the set this CPU implements; see unsupportedWord. */
export const RUN_UNSUPPORTED: i32 = 4;

/** Stop reasons returned by run(), in addition to RUN_FAULT and RUN_UNSUPPORTED. */
export const STOP_UNTIL: i32 = 10;
export const STOP_LIMIT: i32 = 11;
export const STOP_TIME: i32 = 12;
export const STOP_REQUESTED: i32 = 13;
export const STOP_HALTED: i32 = 14;
/** A host callback failed; the host knows why. */
export const STOP_HOST_ERROR: i32 = 15;

/** Unicorn's error codes, so the host can report faults in Unicorn's words. */
export const UC_ERR_READ_UNMAPPED: i32 = 6;
export const UC_ERR_WRITE_UNMAPPED: i32 = 7;
export const UC_ERR_FETCH_UNMAPPED: i32 = 8;
export const UC_ERR_MAP: i32 = 11;
export const UC_ERR_WRITE_PROT: i32 = 12;
export const UC_ERR_READ_PROT: i32 = 13;
export const UC_ERR_FETCH_PROT: i32 = 14;

/** Set by a failed guest access; interpreters check it after every access and abandon the instruction. */
export let faulted: bool = false;
export let faultCode: i32 = 0;
export let faultAddress: u64 = 0;

export function raiseFault(code: i32, address: u64): void {
  faulted = true;
  faultCode = code;
  faultAddress = address;
}

export function clearFault(): void {
  faulted = false;
}

/** Interrupt number of the last RUN_INTERRUPT (architecture's numbering, as Unicorn reports it). */
export let interruptNumber: i32 = 0;
export function setInterrupt(number: i32): void {
  interruptNumber = number;
}

/** Instruction word (or first bytes) and address of the last RUN_UNSUPPORTED. */
export let unsupportedWord: u64 = 0;
export let unsupportedAddress: u64 = 0;
export function setUnsupported(word: u64, address: u64): void {
  unsupportedWord = word;
  unsupportedAddress = address;
}

/**
 * Asks the interpreter to leave the current block after the instruction in progress: set when code
 * is written or invalidated, when hooks change, and when the host asks to stop.
 */
export let exitBlock: bool = false;
export function requestBlockExit(): void {
  exitBlock = true;
}
export function clearBlockExit(): void {
  exitBlock = false;
  pcOverridden = false;
}

/** The host wrote the pc from a hook during a run: leave the block and keep the pc it wrote. */
export let pcOverridden: bool = false;
export function overridePc(): void {
  pcOverridden = true;
  exitBlock = true;
}

/** Set by the host (stop() from a hook, or a failing hook); the run ends at the next check. */
export let stopRequested: bool = false;
export function setStopRequested(value: bool): void {
  stopRequested = value;
  if (value) exitBlock = true;
}

/** Instructions completed by the last executeBlock call (the faulting one is not counted). */
export let executedCount: u32 = 0;
export function setExecuted(count: u32): void {
  executedCount = count;
}
