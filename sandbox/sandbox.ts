// The sandbox: the CPU that runs guest code, behind one Unicorn-shaped interface.
// Backends (real Unicorn in Node, the WASM CPU in the browser) implement `Sandbox` and are
// interchangeable; the same tests run against each.
import type { Arch } from '../core/arch.ts';

/** Memory protection bits, the same values as Unicorn's UC_PROT_*. */
export const Prot = { NONE: 0, READ: 1, WRITE: 2, EXEC: 4, ALL: 7 } as const;

export interface MemoryRegion {
  address: number;
  size: number;
  prot: number;
}

export type MemoryAccess = 'read' | 'write' | 'fetch';

/** Why `start` returned. */
export type StopReason =
  | 'until' // the program counter reached the end address
  | 'instruction-limit'
  | 'time-limit'
  | 'stopped' // a hook called stop()
  | 'halted'; // x86 hlt: the CPU ran one (never inferred from the bytes before pc)

export interface StartOptions {
  /** Stop when the program counter reaches this address. */
  until?: number;
  /** Stop after this many instructions (0 or absent: no limit). */
  maxInstructions?: number;
  /** Stop after this many milliseconds of emulation (0 or absent: no limit). */
  timeLimitMs?: number;
  /**
   * Count the instructions the run completes: StartResult.instructions, and `instructionsCounted`
   * afterwards, also when start throws. An instruction a hook stopped before it ran, or that
   * faulted, is not counted. Unicorn counts with a hook of its own on every instruction.
   */
  countInstructions?: boolean;
  /**
   * Unicorn: leave `maxInstructions` to Unicorn's own counter, about 20 times faster than the
   * backend's count, for callers that use the limit only as a safety net (benchmarks, oracles).
   * Unicorn does not say why such a run ended, so one that ends on hlt then reports
   * 'instruction-limit'. Without this option the backend counts, and every stop reason is exact.
   * The WASM CPU counts exactly either way. Ignored with `countInstructions`.
   */
  nativeLimit?: boolean;
}

export interface StartResult {
  reason: StopReason;
  pc: number;
  /** Instructions the run completed, when it was asked to count them. */
  instructions?: number;
}

export type CodeCallback = (address: number, size: number) => void;
export type MemoryCallback = (address: number, size: number, value: bigint) => void;
/** Return true if the access was handled (e.g. the page was mapped) and should be retried. */
export type InvalidMemoryCallback = (
  access: MemoryAccess,
  kind: 'unmapped' | 'protected',
  address: number,
  size: number,
  value: bigint,
) => boolean;
/** `address` is the system-call instruction's own address. */
export type SyscallCallback = (address: number) => void;
export type InterruptCallback = (interrupt: number) => void;

/** A hook; `begin`/`end` (inclusive, as in Unicorn) limit code and memory hooks to a range. */
export type HookSpec =
  | { type: 'code'; callback: CodeCallback; begin?: number; end?: number }
  | { type: 'mem-read' | 'mem-write'; callback: MemoryCallback; begin?: number; end?: number }
  | { type: 'mem-invalid'; callback: InvalidMemoryCallback }
  /** x86-64 `syscall`; ARM64 `svc`. Execution resumes after the instruction. */
  | { type: 'syscall'; callback: SyscallCallback }
  /** Other CPU interrupts and exceptions: x86 `int n`/`int3`, ARM64 `brk` and the like. */
  | { type: 'interrupt'; callback: InterruptCallback };

export type HookHandle = number & { readonly __hook: unique symbol };

/** Saved register state of one guest thread. */
export interface SandboxContext {
  readonly arch: Arch;
}

export interface Sandbox {
  readonly arch: Arch;
  /** Name of the backend, e.g. "unicorn 2.0.1". */
  readonly backend: string;

  map(address: number, size: number, prot: number): void;
  unmap(address: number, size: number): void;
  protect(address: number, size: number, prot: number): void;
  regions(): MemoryRegion[];

  read(address: number, size: number): Uint8Array;
  /** Writes bytes; code that was already translated at these addresses is discarded. */
  write(address: number, bytes: Uint8Array): void;

  readRegister(name: string): bigint;
  writeRegister(name: string, value: bigint | number): void;

  /** Runs from `begin`. Throws a SandboxError when the guest faults. */
  start(begin: number, options?: StartOptions): StartResult;
  /** Instructions the last start() completed (also one that threw), if it was asked to count them. */
  readonly instructionsCounted: number | undefined;
  /** Stops the run in progress; callable from a hook. */
  stop(): void;

  addHook(spec: HookSpec): HookHandle;
  removeHook(handle: HookHandle): void;

  /**
   * The registers of the CPU as a context. `into`, a context this sandbox saved before, is
   * overwritten and returned, so that a scheduler switching threads often allocates nothing.
   */
  saveContext(into?: SandboxContext): SandboxContext;
  restoreContext(context: SandboxContext): void;

  close(): void;
}

/** A guest fault or a misuse of the sandbox, with the address it concerns. */
export class SandboxError extends Error {
  constructor(
    message: string,
    /** Backend error code, e.g. "UC_ERR_READ_UNMAPPED". */
    readonly code: string,
    /** Address the error concerns (faulting access, or the argument of map/read/write). */
    readonly address?: number,
    /** Program counter when the guest faulted. */
    readonly pc?: number,
  ) {
    super(message);
    this.name = 'SandboxError';
  }
}

export function assertAddress(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new SandboxError(`${what} ${String(value)} is not a valid address`, 'BAD_ADDRESS');
  }
}
