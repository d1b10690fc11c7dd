// Immediates in the number base the source wrote them in, and disassembly rows linked to their lines.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ARCHES } from '../../core/arch.ts';
import { assembleModule } from '../../toolchain/assemble.ts';
import { disassembleAll } from '../../web/src/lab/disassembly.ts';
import { inSourceBase, writtenNumbers } from '../../web/src/lab/number-base.ts';
import { SourceLinks } from '../../web/src/lab/source-links.ts';

describe('the number base of a source line', () => {
  it('reads the decimal and hex numbers a line writes, not registers, comments or strings', () => {
    const x64 = writtenNumbers('    add eax, 100   ; 50 would be right\n    mov word ptr [rdi + 1], 0x3030\n    mov r8d, 7', 'x64');
    expect([...x64.decimal].sort()).toEqual([1n, 100n, 7n].sort());
    expect([...x64.hex]).toEqual([0x3030n]);
    const arm64 = writtenNumbers('    add w0, w0, #100   // not 0x10\n    ldr x1, [x2, #0x18]\n    .ascii "42"', 'arm64');
    expect([...arm64.decimal]).toEqual([100n]);
    expect([...arm64.hex]).toEqual([0x18n]);
  });

  it('shows a hex immediate in decimal where the source wrote it in decimal, and keeps hex otherwise', () => {
    expect(inSourceBase('eax, 0x64', writtenNumbers('add eax, 100', 'x64'))).toBe('eax, 100');
    expect(inSourceBase('w0, w0, #0x32', writtenNumbers('add w0, w0, #50', 'arm64'))).toBe('w0, w0, #50');
    expect(inSourceBase('x0, x0, #-0x10', writtenNumbers('sub x0, x0, #16', 'arm64'))).toBe('x0, x0, #-16');
    expect(inSourceBase('word ptr [rdi + 1], ax', writtenNumbers('mov word ptr [rdi + 1], ax', 'x64'))).toBe('word ptr [rdi + 1], ax');
    // Written in hex, or in both bases: the disassembler's hex stays.
    expect(inSourceBase('ax, 0x3030', writtenNumbers('add ax, 0x3030', 'x64'))).toBe('ax, 0x3030');
    expect(inSourceBase('eax, 0x64', writtenNumbers('add eax, 100\nmov ecx, 0x64', 'x64'))).toBe('eax, 0x64');
    // Not a number of the line: an address stays hex.
    expect(inSourceBase('0x401000', writtenNumbers('call price_with_tax', 'x64'))).toBe('0x401000');
  });
});

describe.each(ARCHES)('disassembly rows linked to the source, %s', (arch) => {
  it('gives each row its file and line, and the rounding add its decimal 100', async () => {
    const text = readFileSync(`examples/price-tax/${arch}/pricing.s`, 'utf8');
    const module = await assembleModule(text, arch);
    const fn = module.symbols.find((s) => s.name === 'price_with_tax')!;
    const rows = await disassembleAll(arch, module.code.slice(fn.address - module.base, fn.address - module.base + fn.size), fn.address);
    const links = new SourceLinks(arch, [module], [{ name: 'pricing.s', text }]);
    const linked = links.annotate(rows);
    const bugLine = text.split('\n').findIndex((l) => l.includes('BUG: rounding')) + 1;
    const add = linked.find((r) => r.source?.line === bugLine)!;
    expect(add.source).toEqual({ file: 'pricing.s', line: bugLine });
    expect(add.operands).toBe(arch === 'x64' ? 'eax, 100' : 'w0, w0, #100');
    expect(linked.every((r) => r.source?.file === 'pricing.s')).toBe(true);
    // The rows given are left as they were.
    expect(rows.some((r) => r.source)).toBe(false);
    // Code with no line of its own (a patch's) goes by all the sources: 50 is written in decimal in the patch.
    links.addSource(readFileSync(`examples/price-tax/${arch}/fix-rounding.s`, 'utf8'));
    const [patchRow] = links.annotate([{ address: 0x7000_0000, bytes: '', mnemonic: 'add', operands: arch === 'x64' ? 'eax, 0x32' : 'w0, w0, #0x32' }]);
    expect(patchRow!.operands).toBe(arch === 'x64' ? 'eax, 50' : 'w0, w0, #50');
    expect(patchRow!.source).toBeUndefined();
  });
});
