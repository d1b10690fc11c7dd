// Keystone (@alexaltea/keystone-js), made safe to call many times: one module instance is reused,
// an abort inside it is turned into an exception, and a crashed instance is replaced.
import createKeystone from '@alexaltea/keystone-js';
import type { Arch } from '../core/arch.ts';

/** Keystone 0.9.2 crashes ("memory access out of bounds") on sources of a few thousand lines. */
export const MAX_KEYSTONE_LINES = 2500;

interface KeystoneModule {
  Keystone: new (arch: number, mode: number) => KeystoneHandle;
  ARCH_X86: number; ARCH_ARM64: number; MODE_64: number; MODE_LITTLE_ENDIAN: number;
  OPT_SYNTAX: number; OPT_SYNTAX_INTEL: number;
  strerror(code: number): string;
}
interface KeystoneHandle {
  asm(source: string, address: number): { mc: Uint8Array; count: number; failed: boolean };
  errno(): number;
  option(option: number, value: number): void;
  close(): void;
}

export type KeystoneResult =
  | { ok: true; bytes: Uint8Array; statements: number }
  | { ok: false; message: string };

let wasmUrl: string | undefined;

/** In a browser, where keystone.wasm is served (Node finds it next to the package's script). */
export function setKeystoneWasmUrl(url: string): void {
  wasmUrl = url;
}

let instance: Promise<{ module: KeystoneModule; handles: Partial<Record<Arch, KeystoneHandle>> }> | undefined;

function load() {
  instance ??= (createKeystone as unknown as (options: object) => Promise<KeystoneModule>)({
    // Keystone calls exit() on some internal errors ("LLVM ERROR: ..."); make that an exception.
    quit: (status: number) => { throw new Error(`Keystone aborted (exit ${status})`); },
    printErr: () => {},
    print: () => {},
    ...(wasmUrl ? { locateFile: () => wasmUrl } : {}),
  }).then((module) => ({ module, handles: {} }));
  return instance;
}

function handleFor(state: Awaited<ReturnType<typeof load>>, arch: Arch): KeystoneHandle {
  const { module } = state;
  let handle = state.handles[arch];
  if (!handle) {
    handle = arch === 'x64'
      ? new module.Keystone(module.ARCH_X86, module.MODE_64)
      : new module.Keystone(module.ARCH_ARM64, module.MODE_LITTLE_ENDIAN);
    if (arch === 'x64') handle.option(module.OPT_SYNTAX, module.OPT_SYNTAX_INTEL);
    state.handles[arch] = handle;
  }
  return handle;
}

/** Assembles plain Keystone source at `address`. Never throws for bad source. */
export async function keystoneAssemble(arch: Arch, source: string, address: number): Promise<KeystoneResult> {
  const lines = source.split('\n').length;
  if (lines > MAX_KEYSTONE_LINES) {
    return { ok: false, message: `source has ${lines} lines; the assembler takes at most ${MAX_KEYSTONE_LINES}` };
  }
  const state = await load();
  try {
    const handle = handleFor(state, arch);
    const result = handle.asm(source, address);
    if (result.failed) {
      const code = handle.errno();
      return { ok: false, message: state.module.strerror(code) };
    }
    return { ok: true, bytes: new Uint8Array(result.mc), statements: result.count };
  } catch (error) {
    // The instance may be corrupted after a crash: start a fresh one for the next call.
    instance = undefined;
    return { ok: false, message: `assembler crashed: ${error instanceof Error ? error.message : String(error)}` };
  }
}
