// Maps modules and a stack into a sandbox.
import type { GuestModule } from '../core/module.ts';
import { Prot, type Sandbox, SandboxError } from './sandbox.ts';
import { ARCH, pageCeil } from '../core/arch.ts';
import { hex } from '../core/hex.ts';

/** Code pages are read+execute, data pages read+write, like a loader honouring W^X. */
export function loadModule(sandbox: Sandbox, module: GuestModule): void {
  if (module.arch !== sandbox.arch) {
    throw new SandboxError(`module ${module.name} is ${module.arch} code; this sandbox runs ${sandbox.arch}`,
      'ARCH_MISMATCH', module.base);
  }
  const codeSize = pageCeil(Math.max(module.code.length, 1));
  if (module.data.length > 0 && module.dataAddress < module.base + codeSize) {
    throw new SandboxError(`module ${module.name}: data at ${hex(module.dataAddress)} overlaps its code`,
      'BAD_LAYOUT', module.dataAddress);
  }
  try {
    sandbox.map(module.base, codeSize, Prot.READ | Prot.EXEC);
    sandbox.write(module.base, module.code);
    if (module.data.length > 0) {
      sandbox.map(module.dataAddress, pageCeil(module.data.length), Prot.READ | Prot.WRITE);
      sandbox.write(module.dataAddress, module.data);
    }
  } catch (error) {
    // Say which module could not be placed (another module or the stack may be there already).
    if (!(error instanceof SandboxError)) throw error;
    throw new SandboxError(`module ${module.name}: ${error.message}`, error.code, error.address, error.pc);
  }
}

export const STACK_TOP = 0x7fff_0000;
export const STACK_SIZE = 0x10_0000;

/** Maps a stack below `top` and points the stack pointer at its top. */
export function mapStack(sandbox: Sandbox, top = STACK_TOP, size = STACK_SIZE): void {
  sandbox.map(top - size, size, Prot.READ | Prot.WRITE);
  sandbox.writeRegister(ARCH[sandbox.arch].registers.sp, top);
}

/**
 * Sets up a call of `address` as the ABI has it, without running it: the return address goes in the
 * link register (ARM64) or is pushed below `sp` (x86-64), and pc points at `address`.
 */
export function enterCall(sandbox: Sandbox, address: number, returnAddress: number,
  sp = Number(sandbox.readRegister(ARCH[sandbox.arch].registers.sp))): void {
  const registers = ARCH[sandbox.arch].registers;
  if (registers.link) {
    sandbox.writeRegister(registers.sp, sp);
    sandbox.writeRegister(registers.link, returnAddress);
  } else {
    const ret = new Uint8Array(8);
    new DataView(ret.buffer).setBigUint64(0, BigInt(returnAddress), true);
    sandbox.write(sp - 8, ret);
    sandbox.writeRegister(registers.sp, sp - 8);
  }
  sandbox.writeRegister(registers.pc, address);
}
