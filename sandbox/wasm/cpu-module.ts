// Loads cpu.wasm (built by `npm run build:cpu`) once per process or page. Node can compile it on
// demand; a browser page or worker must `await loadWasmCpu()` before creating sandboxes.

const CPU_URL = new URL('./build/cpu.wasm', import.meta.url);

let compiled: WebAssembly.Module | undefined;
let loading: Promise<WebAssembly.Module> | undefined;

const MISSING = 'sandbox/wasm/build/cpu.wasm is missing or invalid: run "npm run build:cpu"';

/** Compiles cpu.wasm (fetching it in a browser); later calls return the same module. */
export function loadWasmCpu(): Promise<WebAssembly.Module> {
  if (compiled) return Promise.resolve(compiled);
  loading ??= (async () => {
    try {
      if (CPU_URL.protocol === 'file:') {
        const { readFile } = await import('node:fs/promises');
        compiled = await WebAssembly.compile(await readFile(CPU_URL));
      } else {
        compiled = await WebAssembly.compileStreaming(fetch(CPU_URL));
      }
      return compiled;
    } catch (cause) {
      loading = undefined;
      throw new Error(MISSING, { cause });
    }
  })();
  return loading;
}

interface NodeProcess {
  getBuiltinModule?(name: string): unknown;
}

/** The compiled module, compiling it synchronously under Node if nobody loaded it yet. */
export function wasmCpuModule(): WebAssembly.Module {
  if (compiled) return compiled;
  const nodeProcess = (globalThis as { process?: NodeProcess }).process;
  const fs = nodeProcess?.getBuiltinModule?.('node:fs') as typeof import('node:fs') | undefined;
  if (!fs || CPU_URL.protocol !== 'file:') {
    throw new Error('the WASM CPU is not loaded yet: await loadWasmCpu() before creating a WasmSandbox');
  }
  try {
    compiled = new WebAssembly.Module(fs.readFileSync(CPU_URL));
  } catch (cause) {
    throw new Error(MISSING, { cause });
  }
  return compiled;
}
