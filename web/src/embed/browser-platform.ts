// The platform a scenario plays on in the browser: the WASM CPU (sandbox/wasm/), the engine's
// planners, and the disassembly recorded at build time.
import { loadWasmCpu } from '../../../sandbox/wasm/cpu-module.ts';
import { WasmSandbox } from '../../../sandbox/wasm/wasm-sandbox.ts';
import type { DemoDependencies } from './demo-core.ts';
import { enginePatching } from './engine-patching.ts';

/** Compiles cpu.wasm (one fetch, from the page's own origin), then answers the platform. */
export async function browserPlatform(): Promise<Omit<DemoDependencies, 'disassemble'>> {
  try {
    await loadWasmCpu();
  } catch (error) {
    return { cpu: { reason: `the in-browser CPU could not be loaded (${error instanceof Error ? error.message : String(error)})` },
      patching: enginePatching };
  }
  return { cpu: { create: (arch) => new WasmSandbox(arch), backend: 'wasm-cpu' }, patching: enginePatching };
}
