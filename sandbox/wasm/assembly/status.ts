// Why execution left the interpreter, and the details the host needs to report it (the codes
// themselves, RUN_*, STOP_* and UC_ERR_*, are in interface.ts, which the host reads too).

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
