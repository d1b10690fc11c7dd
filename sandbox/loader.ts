// Maps modules and a stack into a sandbox.
import type { GuestModule } from '../core/module.ts';
import { PAGE_SIZE, Prot, type Sandbox, SandboxError, hex } from './sandbox.ts';
import { SP_REGISTER } from '../core/registers.ts';

export function pageAlign(size: number): number {
  return Math.ceil(size / PAGE_SIZE) * PAGE_SIZE;
}

/** Code pages are read+execute, data pages read+write, like a loader honouring W^X. */
export function loadModule(sandbox: Sandbox, module: GuestModule): void {
  if (module.arch !== sandbox.arch) {
    throw new SandboxError(`module ${module.name} is ${module.arch} code; this sandbox runs ${sandbox.arch}`,
      'ARCH_MISMATCH', module.base);
  }
  const codeSize = pageAlign(Math.max(module.code.length, 1));
  if (module.data.length > 0 && module.dataAddress < module.base + codeSize) {
    throw new SandboxError(`module ${module.name}: data at ${hex(module.dataAddress)} overlaps its code`,
      'BAD_LAYOUT', module.dataAddress);
  }
  sandbox.map(module.base, codeSize, Prot.READ | Prot.EXEC);
  sandbox.write(module.base, module.code);
  if (module.data.length > 0) {
    sandbox.map(module.dataAddress, pageAlign(module.data.length), Prot.READ | Prot.WRITE);
    sandbox.write(module.dataAddress, module.data);
  }
}

export const STACK_TOP = 0x7fff_0000;
export const STACK_SIZE = 0x10_0000;

/** Maps a stack below `top` and points the stack pointer at its top. */
export function mapStack(sandbox: Sandbox, top = STACK_TOP, size = STACK_SIZE): void {
  sandbox.map(top - size, size, Prot.READ | Prot.WRITE);
  sandbox.writeRegister(SP_REGISTER[sandbox.arch], top);
}
