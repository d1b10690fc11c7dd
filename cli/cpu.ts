// Which CPU `hotpatch run` uses: --cpu, else HOTPATCH_CPU, else Unicorn where its library loads and
// the WebAssembly CPU (nothing native) where it does not, saying so in one line with how to install
// Unicorn. Unicorn asked for by name and not loadable is an error (exit code 3). The Unicorn backend
// is imported only when used, so that a machine where koffi cannot load still runs --cpu wasm.
import type { Arch } from '../core/arch.ts';
import type { Sandbox } from '../sandbox/sandbox.ts';
import { WasmSandbox } from '../sandbox/wasm/wasm-sandbox.ts';
import { UnavailableError, UsageError } from './conventions.ts';

export const CPU_NAMES = ['unicorn', 'wasm'] as const;
export type CpuName = (typeof CPU_NAMES)[number];
export const CPU_ENV = 'HOTPATCH_CPU';

export type NewSandbox = (arch: Arch) => Sandbox;

const wasm: NewSandbox = (arch) => new WasmSandbox(arch);

function checked(name: string, where: string): CpuName {
  if ((CPU_NAMES as readonly string[]).includes(name)) return name as CpuName;
  const shown = JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}...` : name);
  throw new UsageError(`${where} must be one of ${CPU_NAMES.join(', ')}, not ${shown}`);
}

/** Why Unicorn cannot be used here (one sentence with how to install it), or its sandbox factory. */
async function loadUnicorn(): Promise<NewSandbox | { reason: string }> {
  try {
    const unicorn = await import('../sandbox/unicorn/index.ts');
    const unavailable = unicorn.unicornUnavailable();
    if (unavailable) return { reason: unavailable.message };
    return (arch) => new unicorn.UnicornSandbox(arch);
  } catch (error) {
    // koffi itself (its native part) does not load on this machine.
    return { reason: `Unicorn cannot be reached: koffi, which loads it, did not load (${error instanceof Error ? error.message : String(error)})` };
  }
}

/**
 * The sandbox factory for `--cpu` (`flag`, undefined when not given). Falling back to the WebAssembly
 * CPU prints one line on stderr, also with --json (whose record's `backend` says which CPU ran).
 */
export async function chooseCpu(flag: string | undefined,
  env: Record<string, string | undefined> = process.env): Promise<NewSandbox> {
  const fromEnv = env[CPU_ENV] ? checked(env[CPU_ENV], CPU_ENV) : undefined;
  const chosen = flag !== undefined ? checked(flag, '--cpu') : fromEnv;
  if (chosen === 'wasm') return wasm;
  const unicorn = await loadUnicorn();
  if (typeof unicorn === 'function') return unicorn;
  if (chosen === 'unicorn') {
    throw new UnavailableError(`${unicorn.reason}; or run on the WebAssembly CPU, which needs nothing native: --cpu wasm`);
  }
  process.stderr.write(`hotpatch: ${unicorn.reason}; running on the WebAssembly CPU instead (--cpu wasm, or ${CPU_ENV}=wasm, skips this check)\n`);
  return wasm;
}
