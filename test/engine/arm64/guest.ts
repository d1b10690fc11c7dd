// Guest code for ARM64 redirect tests: replacements a hook or a replace plan sends callers to.
import { assembleStatements } from '../../../toolchain/assemble.ts';

/** movz/movk lines putting a 48-bit `value` into `reg`. */
export function loadImmediate(reg: string, value: number): string {
  return [`movz ${reg}, #${value & 0xffff}`, `movk ${reg}, #${Math.floor(value / 0x10000) & 0xffff}, lsl #16`,
    `movk ${reg}, #${Math.floor(value / 0x1_0000_0000) & 0xffff}, lsl #32`].join('\n');
}

/** Adds 1 to the 64-bit counter at `counter`, with x16/x17 only (free at a function's entry). */
function countCall(counter: number): string {
  return `${loadImmediate('x16', counter)}\nldr x17, [x16]\nadd x17, x17, #1\nstr x17, [x16]`;
}

/** A hook: counts the call, calls the original through the trampoline with the same arguments, returns its result. */
export function hookReplacement(address: number, counter: number, trampoline: number): Promise<Uint8Array> {
  return assembleStatements([
    countCall(counter),
    'stp x29, x30, [sp, #-16]!',
    'mov x29, sp',
    loadImmediate('x16', trampoline),
    'blr x16',
    'ldp x29, x30, [sp], #16',
    'ret',
  ].join('\n'), 'arm64', address);
}

export const REPLACED_RESULT = 0xdeadbeefn;

/** A replacement that counts the call and returns REPLACED_RESULT without running the original. */
export function replaceReplacement(address: number, counter: number): Promise<Uint8Array> {
  return assembleStatements([countCall(counter), 'movz x0, #0xbeef', 'movk x0, #0xdead, lsl #16', 'ret'].join('\n'),
    'arm64', address);
}
