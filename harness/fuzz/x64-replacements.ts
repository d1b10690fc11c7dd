// Replacement functions for the x86-64 redirect tests and the fuzz script, assembled by Keystone.
import { assembleStatements } from '../../toolchain/assemble.ts';

/**
 * A hook-mode replacement: counts its calls in the 8 bytes at `counter`, calls the original through
 * `trampoline` and returns its result. It leaves every register and flag as it found them, so the
 * original starts in the state the caller left, as if it had been called directly.
 */
export function hookReplacement(address: number, trampoline: number, counter: number): Promise<Uint8Array> {
  return assembleStatements([
    'push rax',
    'push rbx',
    `mov rax, ${counter}`,
    'mov rbx, qword ptr [rax]',
    'lea rbx, [rbx + 1]', // lea, not inc: flags stay as the caller left them
    'mov qword ptr [rax], rbx',
    'pop rbx',
    'pop rax',
    'lea rsp, [rsp - 8]', // keeps the stack 16-byte aligned at the original's entry
    'call original',
    'lea rsp, [rsp + 8]',
    'ret',
    'original: jmp qword ptr [rip]',
    `.quad ${trampoline}`,
  ].join('\n'), 'x64', address);
}

/** A replace-mode replacement: counts its calls and returns its first argument plus `k`. */
export function replaceReplacement(address: number, counter: number, k: number): Promise<Uint8Array> {
  return assembleStatements([
    `mov rax, ${counter}`,
    'inc qword ptr [rax]',
    `lea rax, [rdi + ${k}]`,
    'ret',
  ].join('\n'), 'x64', address);
}
