// Numbers of the interface between cpu.wasm and its TypeScript host (sandbox/wasm/wasm-sandbox.ts),
// written once for both: the CPU's AssemblyScript and the host import this file. It keeps to what
// both languages read alike (constants of plain numbers, no imports), so tsc and asc both check it.
// The register layouts are in arm64/state-layout.ts and x64/state-layout.ts.

/** Version of the interface: the host refuses a cpu.wasm that reports another. */
export const CPU_INTERFACE_VERSION = 1;

/** Architectures, as init() takes them. */
export const ARCH_ARM64 = 1;
export const ARCH_X64 = 2;

/** Results of executing a block and of a whole run; the host reads the details through the exports. */
export const RUN_OK = 0;
/** A memory access or fetch failed; see lastFaultCode and lastFaultAddress. */
export const RUN_FAULT = 1;
/** The instruction raised a CPU exception (system call, breakpoint, undefined instruction). */
export const RUN_INTERRUPT = 2;
/** Something changed under the running block (code written, hooks, stop); pc is the next instruction. */
export const RUN_EXIT = 3;
/** The instruction is outside the set this CPU implements; see lastUnsupportedWord. */
export const RUN_UNSUPPORTED = 4;
/**
 * Landing pads are enforced and an indirect branch reached an instruction that is not a pad for it
 * (x86-64 #CP, AArch64 Branch Target exception); see lastBranchTargetFault. The pc is the target.
 */
export const RUN_BRANCH_TARGET = 5;

/** Stop reasons start() returns, in addition to RUN_FAULT and RUN_UNSUPPORTED. */
export const STOP_UNTIL = 10;
export const STOP_LIMIT = 11;
export const STOP_TIME = 12;
export const STOP_REQUESTED = 13;
export const STOP_HALTED = 14;
/** A host callback failed; the host knows why. */
export const STOP_HOST_ERROR = 15;

/** Unicorn's error codes, which faults carry so that the host reports them in Unicorn's words. */
export const UC_ERR_NOMEM = 1;
export const UC_ERR_READ_UNMAPPED = 6;
export const UC_ERR_WRITE_UNMAPPED = 7;
export const UC_ERR_FETCH_UNMAPPED = 8;
export const UC_ERR_INSN_INVALID = 10;
export const UC_ERR_MAP = 11;
export const UC_ERR_WRITE_PROT = 12;
export const UC_ERR_READ_PROT = 13;
export const UC_ERR_FETCH_PROT = 14;
export const UC_ERR_ARG = 15;

/** Access kinds of the memory hooks and invalid-access callbacks. */
export const ACCESS_READ = 0;
export const ACCESS_WRITE = 1;
export const ACCESS_FETCH = 2;

/** Why an access failed, as hostInvalidAccess reports it. */
export const INVALID_UNMAPPED = 0;
export const INVALID_PROTECTED = 1;

/** Protection bits, as Unicorn's UC_PROT_*. */
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;

/** Interrupt numbers the host treats specially: AArch64 svc (Unicorn's EXCP_SWI), x86-64 syscall (not a vector). */
export const ARM64_SVC_INTERRUPT = 2;
export const X64_SYSCALL_INTERRUPT = -1;
