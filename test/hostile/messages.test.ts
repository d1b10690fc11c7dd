// Messages about hostile programs: modules that overlap are refused before anything is mapped,
// naming both; 64-bit values (a fault at -8, system call -1) print exactly, the same on both CPUs.
import { describe, expect, it } from 'vitest';
import { GuestProcess } from '../../sandbox/process.ts';
import type { Arch } from '../../core/arch.ts';
import { assembleProgram } from '../../toolchain/program.ts';
import { BACKENDS } from '../helpers.ts';

const header = (arch: Arch, name: string, base?: string) =>
  `.module ${name}\n.arch ${arch}\n${base ? `.base ${base}\n` : ''}.entry main\n.func main\n`;
const RET = '    ret\n.endfunc\n';

describe('modules that overlap', () => {
  it.each(['x64', 'arm64'] as const)('are refused before anything is mapped, naming both (%s)', async (arch) => {
    const a = { file: 'a.s', text: header(arch, 'a') + RET };
    const b = { file: 'b.s', text: header(arch, 'b') + RET };
    await expect(assembleProgram([a, b], arch)).rejects.toThrow(
      "module b's code (0x400000..0x401000) overlaps module a's code (a.s, 0x400000..0x401000); give module b another .base");
    const error = await assembleProgram([a, b], arch).catch((e: Error & { file?: string }) => e);
    expect((error as { file?: string }).file).toBe('b.s');
  });

  it('are refused where a module would cover the stack or the page programs return to', async () => {
    const stack = { file: 's.s', text: header('x64', 's', '0x7ff00000') + RET };
    await expect(assembleProgram([stack], 'x64')).rejects.toThrow(
      "module s's code (0x7ff00000..0x7ff01000) overlaps the stack (0x7fef0000..0x7fff0000); give module s another .base");
    const exit = { file: 'e.s', text: header('x64', 'e', '0x10000') + RET };
    await expect(assembleProgram([exit], 'x64')).rejects.toThrow(
      "module e's code (0x10000..0x11000) overlaps the page programs return to when they end (0x10000..0x11000); give module e another .base");
  });

  it('are accepted side by side', async () => {
    const a = { file: 'a.s', text: header('x64', 'a') + RET };
    const b = { file: 'b.s', text: header('x64', 'b', '0x401000') + RET };
    await expect(assembleProgram([a, b], 'x64')).resolves.toHaveLength(2);
  });
});

/** What a program does, its body on each architecture, and the message both CPUs must give. */
const PROGRAMS: Record<string, Record<Arch, [string, string]>> = {
  'reads at -8': {
    x64: ['    mov rax, qword ptr [-8]\n', 'Invalid memory read (UC_ERR_READ_UNMAPPED) at 0xfffffffffffffff8 (pc 0x400000) (m!main)'],
    arm64: ['    mov x0, #-8\n    ldr x1, [x0]\n', 'Invalid memory read (UC_ERR_READ_UNMAPPED) at 0xfffffffffffffff8 (pc 0x400004) (m!main+0x4)'],
  },
  'jumps to -8': {
    x64: ['    mov rax, -8\n    jmp rax\n', 'Invalid memory fetch (UC_ERR_FETCH_UNMAPPED) at 0xfffffffffffffff8 (pc 0xfffffffffffffff8)'],
    arm64: ['    mov x0, #-8\n    br x0\n', 'Invalid memory fetch (UC_ERR_FETCH_UNMAPPED) at 0xfffffffffffffff8 (pc 0xfffffffffffffff8)'],
  },
  'makes system call -1': {
    x64: ['    mov rax, -1\n    syscall\n', 'unknown system call -1 (0xffffffffffffffff) at 0x400007 (m!main+0x7)'],
    arm64: ['    mov x8, #-1\n    svc #0\n', 'unknown system call -1 (0xffffffffffffffff) at 0x400004 (m!main+0x4)'],
  },
};

async function errorOf(backend: (typeof BACKENDS)[number], arch: Arch, body: string): Promise<string> {
  const modules = await assembleProgram([{ file: 'm.s', text: header(arch, 'm') + body + RET }], arch);
  const process = new GuestProcess(backend.create(arch), { modules });
  try {
    process.run({ maxInstructions: 100 });
    return process.error?.message ?? `no error: ${process.state}`;
  } finally {
    process.close();
  }
}

describe.each(['x64', 'arm64'] as const)('64-bit values in messages, %s', (arch) => {
  it.each(Object.keys(PROGRAMS))('print exactly and alike on both CPUs when a program %s', async (what) => {
    const [body, message] = PROGRAMS[what]![arch]!;
    for (const backend of BACKENDS) expect(await errorOf(backend, arch, body), backend.name).toBe(message);
  });
});
