// The assembler's map from code back to source lines: every instruction of a module's functions
// comes from one statement, so each address has the line that made it, and each line its addresses.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ARCHES } from '../../core/arch.ts';
import { addressesOfLine, lineAt } from '../../core/module.ts';
import { assembleModule } from '../../toolchain/assemble.ts';
import { disassemble } from '../../toolchain/capstone.ts';

const source = (arch: string) => readFileSync(`examples/price-tax/${arch}/pricing.s`, 'utf8');
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe.each(ARCHES)('source lines of assembled code, %s', (arch) => {
  it('gives every instruction of every function the line of the statement that made it', async () => {
    const text = source(arch);
    const lines = text.split('\n');
    const module = await assembleModule(text, arch);
    expect(module.lines?.length).toBeGreaterThan(20);
    for (const fn of module.symbols.filter((s) => s.kind === 'function')) {
      const bytes = module.code.slice(fn.address - module.base, fn.address - module.base + fn.size);
      for (const insn of await disassemble(arch, bytes, fn.address)) {
        const line = lineAt(module, insn.address);
        expect(line, `${fn.name} at ${insn.address.toString(16)}`).toBeDefined();
        // The line holds the instruction's mnemonic (a label may stand before it).
        expect(lines[line! - 1]!.toLowerCase(), `${insn.mnemonic} ${insn.operands}`).toContain(insn.mnemonic.slice(0, 2));
      }
    }
  });

  it('maps the rounding line to the add that rounds, and back', async () => {
    const text = source(arch);
    const module = await assembleModule(text, arch);
    const line = lineOf(text, 'BUG: rounding');
    const [address] = addressesOfLine(module, line);
    expect(address).toBeDefined();
    const [insn] = await disassemble(arch, module.code.slice(address! - module.base), address!, 1);
    expect(`${insn!.mnemonic} ${insn!.operands}`).toMatch(arch === 'x64' ? /^add eax, 0x64$/ : /^add w0, w0, #0x64$/);
    expect(lineAt(module, address!)).toBe(line);
    // A comment line and a directive make no code.
    expect(addressesOfLine(module, lineOf(text, 'price_with_tax(') )).toEqual([]);
    expect(lineAt(module, module.base + module.code.length)).toBeUndefined();
  });
});
