import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ARCHES } from '../../core/arch.ts';
import { assembleModule, assembleStatements } from '../../toolchain/assemble.ts';
import { disassemble } from '../../toolchain/capstone.ts';
import { assembleProgram } from '../../toolchain/example.ts';
import { keystoneAssemble } from '../../toolchain/keystone.ts';
import { moduleImage } from '../../core/module.ts';
import { AssemblyError } from '../../toolchain/source.ts';
import { GuestProcess } from '../../sandbox/process.ts';
import { UnicornSandbox } from '../../sandbox/unicorn/unicorn-sandbox.ts';

const example = (arch: string) => readFileSync(`examples/price-tax/${arch}/pricing.s`, 'utf8');

async function assemblyError(promise: Promise<unknown>): Promise<AssemblyError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AssemblyError);
    return error as AssemblyError;
  }
  throw new Error('expected an AssemblyError');
}

describe.each(ARCHES)('module assembly, %s', (arch) => {
  it('gives every function its exact size, checked instruction by instruction with Capstone', async () => {
    const module = await assembleModule(example(arch), arch);
    const functions = module.symbols.filter((s) => s.kind === 'function');
    expect(functions.map((f) => f.name)).toEqual(['main', 'format_cents', 'price_with_tax']);
    for (const fn of functions) {
      const bytes = module.code.slice(fn.address - module.base, fn.address - module.base + fn.size);
      const instructions = await disassemble(arch, bytes, fn.address);
      expect(instructions.reduce((n, i) => n + i.size, 0), fn.name).toBe(fn.size);
      const last = instructions.at(-1)!.mnemonic;
      expect(fn.name === 'main' ? ['syscall', 'svc'] : ['ret']).toContain(last);
    }
    // Functions tile the code: each starts where the previous one ends.
    functions.slice(1).forEach((fn, i) => expect(fn.address).toBe(functions[i]!.address + functions[i]!.size));
  });

  it('places data on its own page and sizes data symbols up to the next one', async () => {
    const module = await assembleModule(example(arch), arch);
    expect(module.dataAddress % 0x1000).toBe(0);
    expect(module.dataAddress).toBeGreaterThanOrEqual(module.base + module.code.length);
    const prices = module.symbols.find((s) => s.name === 'prices')!;
    const line = module.symbols.find((s) => s.name === 'line')!;
    expect(prices).toMatchObject({ kind: 'data', address: module.dataAddress, size: 48 });
    expect(line).toMatchObject({ kind: 'data', address: module.dataAddress + 48, size: 64 });
    const first = new DataView(module.data.buffer, module.data.byteOffset).getUint32(0, true);
    expect(first).toBe(1000);
    expect(moduleImage(module).length).toBe(module.dataAddress - module.base + module.data.length);
    expect(module).toMatchObject({ name: 'pricing', arch, base: 0x400000, entry: 'main', exports: ['price_with_tax'] });
  });

  it('records as fill only gaps between functions made of alignment, nop and int3 lines with no label', async () => {
    const source = ['.module gaps', '.text', '    .p2align 4', '.func a', '    ret', '.endfunc', '    nop', '    int3',
      '.balign 8', '.func b', '    ret', '.endfunc', 'table:', '    nop', '.func c', '    ret', '.endfunc', '    .byte 0x90',
      '.func d', '    ret', '.endfunc', '    nop', '    mov x0, x0', '.func e', '    ret', '.endfunc', '.align 4', '.func f',
      '    ret', '.endfunc'].map((line) => arch === 'arm64' ? line.replace('int3', 'nop').replace('    mov x0, x0', 'here: nop')
      // A nop's encoding as data: ARM64 instructions after it stay 4-byte aligned.
      .replace('.byte 0x90', '.byte 0x1f, 0x20, 0x03, 0xd5') : line)
      .map((line) => arch === 'x64' ? line.replace('mov x0, x0', 'mov eax, eax') : line).join('\n');
    const module = await assembleModule(source, arch);
    const at = (name: string) => module.symbols.find((s) => s.name === name)!;
    const end = (name: string) => at(name).address + at(name).size;
    // Before a (nothing: it starts the text), before b (nop, int3, .balign) and before f (.align);
    // not before c (a label), d (.byte) or e (an instruction other than nop, or a label).
    // A gap the alignment left empty (f may already be aligned after e) is no fill.
    expect(module.fill).toEqual([
      { address: end('a'), size: at('b').address - end('a') },
      { address: end('e'), size: at('f').address - end('e') },
    ].filter((gap) => gap.size > 0));
    expect(at('b').address - end('a')).toBeGreaterThanOrEqual(2);
  });

  it('reports an unassemblable line with its number and text', async () => {
    const source = `.module m\n.func f\n  nop\n  frobnicate the, registers\n  ret\n.endfunc\n`;
    const error = await assemblyError(assembleModule(source, arch, { file: 'm.s' }));
    expect(error.line).toBe(4);
    expect(error.file).toBe('m.s');
    expect(error.message).toMatch(/^cannot assemble "frobnicate the, registers": /);
  });

  it('reports a reference to an undefined label on its line', async () => {
    const branch = arch === 'x64' ? 'jmp nowhere' : 'b nowhere';
    const error = await assemblyError(assembleModule(`.module m\n.func f\n  nop\n  ${branch}\n.endfunc\n`, arch));
    expect(error.line).toBe(4);
  });

  it('refuses header mistakes with the line that has them', async () => {
    const cases: [string, RegExp, number | undefined][] = [
      ['.func f\nnop\n.endfunc', /no "\.module <name>" line/, undefined],
      ['.module m\n.export g\n.func f\nnop\n.endfunc', /exported symbol "g" is not a function/, 2],
      ['.module m\n.entry start\n.func f\nnop\n.endfunc', /entry symbol "start" is not defined/, undefined],
      ['.module m\n.func f\nnop', /function "f" has no \.endfunc/, 2],
      ['.module m\n.func f\nf:\n.endfunc', /label "f" is defined twice/, 3],
      [`.module m\n.arch ${arch === 'x64' ? 'arm64' : 'x64'}`, /source is for .* but is being assembled for/, 2],
      ['.module m\n.base 0x401001', /page-aligned/, 2],
    ];
    for (const [source, message, line] of cases) {
      const error = await assemblyError(assembleModule(source, arch));
      expect(error.message).toMatch(message);
      expect(error.line).toBe(line);
    }
  });

  it('lets a second module call the exports of the first', async () => {
    const [lib, main] = arch === 'x64' ? [
      '.module lib\n.base 0x500000\n.export answer\n.func answer\nmov eax, 42\nret\n.endfunc',
      '.module app\n.entry main\n.func main\ncall answer\nmov edi, eax\nmov eax, 60\nsyscall\n.endfunc',
    ] : [
      '.module lib\n.base 0x500000\n.export answer\n.func answer\nmov x0, #42\nret\n.endfunc',
      '.module app\n.entry main\n.func main\nbl answer\nmov x8, #93\nsvc #0\n.endfunc',
    ];
    const modules = await assembleProgram([{ file: 'lib.s', text: lib }, { file: 'app.s', text: main }], arch);
    const process = new GuestProcess(new UnicornSandbox(arch), { modules });
    process.run({ maxInstructions: 100 });
    expect(process.io.exitCode).toBe(42);
    expect(process.calls.get('lib!answer')).toBe(1);
    process.close();
  });
});

describe('assembler quirks', () => {
  it('reads x86-64 numbers as decimal, as GNU as does (Keystone alone reads them as hex)', async () => {
    expect(Buffer.from(await assembleStatements('mov eax, 10', 'x64', 0)).toString('hex')).toBe('b80a000000');
    expect(Buffer.from(await assembleStatements('mov eax, 0x10', 'x64', 0)).toString('hex')).toBe('b810000000');
    expect((await assembleStatements('.zero 64', 'x64', 0)).length).toBe(64);
    expect(Buffer.from(await assembleStatements('.ascii "10 20"', 'x64', 0)).toString()).toBe('10 20');
    expect(Buffer.from(await assembleStatements('mov eax, dword ptr [r12d + 8]', 'x64', 0)).toString('hex'))
      .toBe('67418b442408');
  });

  it('encodes ARM64 adrp and :lo12: against labels (Keystone alone gets the page wrong)', async () => {
    const bytes = await assembleStatements('adrp x0, target\nadd x0, x0, :lo12:target\n.p2align 12\ntarget: .quad 1', 'arm64', 0x400000);
    const [adrp, add] = await disassemble('arm64', bytes.slice(0, 8), 0x400000);
    expect(`${adrp!.mnemonic} ${adrp!.operands}`).toBe('adrp x0, #0x401000');
    expect(`${add!.mnemonic} ${add!.operands}`).toBe('add x0, x0, #0');
  });

  it('encodes ARM64 adrp from its own page, pages past the start of the assembly (Keystone counts from the start)', async () => {
    // An adrp on each of three pages, a page or two before its target.
    const source = ['adrp x1, first', '.p2align 12', 'adrp x2, second', '.p2align 12', 'adrp xzr, first',
      '.p2align 12', 'first: .quad 1', '.p2align 12', 'second: .quad 2'].join('\n');
    const bytes = await assembleStatements(source, 'arm64', 0x400000);
    const at = (offset: number) => disassemble('arm64', bytes.slice(offset, offset + 4), 0x400000 + offset);
    expect((await at(0)).map((i) => `${i.mnemonic} ${i.operands}`)).toEqual(['adrp x1, #0x403000']);
    expect((await at(0x1000)).map((i) => `${i.mnemonic} ${i.operands}`)).toEqual(['adrp x2, #0x404000']);
    expect((await at(0x2000)).map((i) => `${i.mnemonic} ${i.operands}`)).toEqual(['adrp xzr, #0x403000']);
  });

  it('survives an assembler crash: the next call works', async () => {
    // Keystone aborts the whole process on this input unless its exit is intercepted.
    const crash = await keystoneAssemble('arm64', 'adrp x0, d\n add x0,x0,:lo12:d\n d: .quad 1', 0x400000);
    expect(crash).toMatchObject({ ok: false });
    const next = await keystoneAssemble('arm64', 'ret', 0);
    expect(next).toMatchObject({ ok: true });
    expect(Buffer.from((next as { bytes: Uint8Array }).bytes).toString('hex')).toBe('c0035fd6');
  });
});
