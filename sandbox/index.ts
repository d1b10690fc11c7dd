// Public entry point "hotpatch-playground/sandbox": the CPU interface every backend implements, a guest
// process over it (load modules, run, count calls, bound the run), and the WebAssembly CPU, which needs
// nothing native and runs in Node and in browsers. Real Unicorn is "hotpatch-playground/sandbox/unicorn".
export {
  Prot, SandboxError, type CodeCallback, type HookHandle, type HookSpec, type InterruptCallback, type InvalidMemoryCallback,
  type MemoryAccess, type MemoryCallback, type MemoryRegion, type Sandbox, type SandboxContext, type StartOptions,
  type StartResult, type StopReason, type SyscallCallback,
} from './sandbox.ts';
export {
  GuestProcess, ProcessError, type ProcessOptions, type ProcessState, type RunLimits, type RunOutcome,
} from './process.ts';
export { RunBudget, type BudgetLimits, type LimitReason } from './run-budget.ts';
export { GuestAbiError, GuestIO } from './guest-abi.ts';
export { WasmSandbox, type WasmSandboxOptions } from './wasm/wasm-sandbox.ts';
export { loadWasmCpu } from './wasm/cpu-module.ts';
export { ARCHES, type Arch } from '../core/arch.ts';
export type { GuestModule, ModuleSymbol, SymbolKind } from '../core/module.ts';
