// Shared by tests: assemble snippets, and the sandbox backends every sandbox test runs against.
import type { Sandbox } from '../sandbox/sandbox.ts';
import type { Arch } from '../core/arch.ts';
import { UnicornSandbox } from '../sandbox/unicorn/unicorn-sandbox.ts';
import { WasmSandbox } from '../sandbox/wasm/wasm-sandbox.ts';
import { assembleStatements } from '../toolchain/assemble.ts';

export interface Backend {
  name: string;
  /** The architectures the backend runs. */
  arches: readonly Arch[];
  create(arch: Arch): Sandbox;
}

/** Every backend behind the sandbox interface; the same tests run against each. */
export const BACKENDS: Backend[] = [
  { name: 'unicorn', arches: ['x64', 'arm64'], create: (arch) => new UnicornSandbox(arch) },
  { name: 'wasm', arches: ['x64', 'arm64'], create: (arch) => new WasmSandbox(arch) },
];

/** Assembles statements without a module header. */
export function asm(arch: Arch, source: string, address: number): Promise<Uint8Array> {
  return assembleStatements(source, arch, address);
}

export function u64(value: bigint): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
  return bytes;
}
