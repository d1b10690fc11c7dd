// Loads cpu.wasm (built by `npm run build:cpu`) once per process or page. Node can compile it on
// demand; a browser page or worker must `await loadWasmCpu()` before creating sandboxes.
import { WasmFile } from '../../core/wasm-loader.ts';

const CPU_WASM = new WasmFile(new URL('./build/cpu.wasm', import.meta.url),
  'sandbox/wasm/build/cpu.wasm is missing or invalid: run "npm run build:cpu"');

/** Compiles cpu.wasm (fetching it in a browser); later calls return the same module. */
export function loadWasmCpu(): Promise<WebAssembly.Module> {
  return CPU_WASM.load();
}

/** The compiled module, compiling it synchronously under Node if nobody loaded it yet. */
export function wasmCpuModule(): WebAssembly.Module {
  const module = CPU_WASM.loadSync();
  if (!module) throw new Error('the WASM CPU is not loaded yet: await loadWasmCpu() before creating a WasmSandbox');
  return module;
}
