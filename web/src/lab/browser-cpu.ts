// The CPU that runs guests in the page: our WebAssembly CPU (sandbox/wasm/), behind the same
// sandbox interface as Unicorn. cpu.wasm is compiled once, when the lab worker starts.
import { loadWasmCpu } from '../../../sandbox/wasm/cpu-module.ts';
import { WasmSandbox } from '../../../sandbox/wasm/wasm-sandbox.ts';
import type { CpuProvider } from './lab-core.ts';

export const browserCpu: CpuProvider = {
  backend: 'wasm-cpu',
  create: (arch, options) => new WasmSandbox(arch, options),
};

/** Compiles cpu.wasm; until it is done (or if it fails), creating a sandbox throws and says why. */
export function prepareBrowserCpu(): Promise<unknown> {
  return loadWasmCpu().catch((error: unknown) => error);
}
