// Capstone (@alexaltea/capstone-js): the disassembler, and the oracle the engine's decoders are tested against.
// Its script (320 KB) is imported when Capstone is first needed: in the page's lab worker, a gallery
// example runs before that, and the worker starts without compiling it.
import type { Arch } from '../core/arch.ts';

export interface DisassembledInstruction {
  address: number;
  size: number;
  bytes: Uint8Array;
  mnemonic: string;
  operands: string;
}

interface CapstoneModule {
  Capstone: new (arch: number, mode: number) => CapstoneHandle;
  ARCH_X86: number; ARCH_ARM64: number; MODE_64: number; MODE_ARM: number;
  OPT_DETAIL: number; OPT_ON: number;
}
interface CapstoneInsn { id: number; address: number | bigint; size: number; bytes: number[] | Uint8Array; mnemonic: string; op_str: string }
export interface CapstoneHandle {
  disasm(buffer: Uint8Array, address: number, max?: number): CapstoneInsn[];
  option(option: number, value: number): void;
  close(): void;
}

let module: Promise<CapstoneModule> | undefined;
let wasmUrl: string | undefined;

/** In a browser, where capstone.wasm is served (Node finds it next to the package's script). */
export function setCapstoneWasmUrl(url: string): void {
  wasmUrl = url;
}

const handles: Partial<Record<Arch, CapstoneHandle>> = {};

export async function capstoneHandle(arch: Arch): Promise<CapstoneHandle> {
  module ??= import('@alexaltea/capstone-js').then(({ default: createCapstone }) =>
    (createCapstone as unknown as (options: object) => Promise<CapstoneModule>)(wasmUrl ? { locateFile: () => wasmUrl } : {}));
  const cs = await module;
  return (handles[arch] ??= arch === 'x64' ? new cs.Capstone(cs.ARCH_X86, cs.MODE_64)
    : new cs.Capstone(cs.ARCH_ARM64, cs.MODE_ARM));
}

/** Disassembles as far as Capstone can decode; stops at the first undecodable byte. */
export async function disassemble(arch: Arch, bytes: Uint8Array, address: number, max = 0): Promise<DisassembledInstruction[]> {
  const handle = await capstoneHandle(arch);
  let decoded: CapstoneInsn[];
  try {
    decoded = handle.disasm(bytes, address, max);
  } catch (error) {
    // Capstone.js reports "no instruction decoded" as a failure with the code for success: the
    // first bytes are undecodable (a function's last bytes cut short, say), so nothing is decoded.
    if (String(error).includes('CS_ERR_OK')) return [];
    throw error;
  }
  return decoded.map((insn) => ({
    address: Number(insn.address),
    size: insn.size,
    bytes: Uint8Array.from(insn.bytes),
    mnemonic: insn.mnemonic,
    operands: insn.op_str,
  }));
}
