// The patch generator's diff: every symbol of an edit classified, on both architectures, with
// references named so that code that only moved is unchanged.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Arch } from '../../core/arch.ts';
import { diffEdit, makeEditPatch, type SymbolDiff } from '../../toolchain/diff/index.ts';

const source = (arch: Arch) => readFileSync(`examples/price-tax/${arch}/pricing.s`, 'utf8');

/** The source with each [from, to] replaced once (each `from` must occur exactly once). */
function edited(text: string, ...pairs: [string, string][]): string {
  for (const [from, to] of pairs) {
    expect(text.split(from).length, from).toBe(2);
    text = text.replace(from, to);
  }
  return text;
}

async function classify(arch: Arch, text: string) {
  const edit = await diffEdit({ arch, base: { name: 'pricing.s', text: source(arch) }, edited: { name: 'edited.s', text } });
  const by = Object.fromEntries(edit.diff.symbols.map((s) => [s.name, s])) as Record<string, SymbolDiff>;
  return { edit, by, classes: Object.fromEntries(edit.diff.symbols.map((s) => [s.name, s.class])) };
}

const FIX = { x64: ['    add eax, 100 ', '    add eax, 50 '], arm64: ['    add w0, w0, #100 ', '    add w0, w0, #50 '] } as const;
/** One instruction more at the start of format_cents: everything after it moves. */
const GROW = { x64: ['.func format_cents\n', '.func format_cents\n    nop\n'], arm64: ['.func format_cents\n', '.func format_cents\n    nop\n'] } as const;
const GLOBAL = { x64: ['line:\n    .zero 64\n', 'line:\n    .zero 64\ncounter:\n    .quad 0\n'],
  arm64: ['line:\n    .zero 64\n', 'line:\n    .zero 64\ncounter:\n    .quad 0\n'] } as const;
const USE = {
  x64: ['    div ecx\n    ret\n.endfunc\n', '    div ecx\n    call half\n    inc qword ptr [rip + counter]\n    ret\n.endfunc\n\n.func half\n    add eax, 0\n    ret\n.endfunc\n'],
  arm64: ['    udiv w0, w0, w1\n    ret\n.endfunc\n', '    udiv w0, w0, w1\n    stp x29, x30, [sp, #-16]!\n    bl half\n    ldp x29, x30, [sp], #16\n' +
    '    adrp x1, counter\n    ldr x2, [x1, :lo12:counter]\n    add x2, x2, #1\n    str x2, [x1, :lo12:counter]\n    ret\n.endfunc\n\n' +
    '.func half\n    add w0, w0, #0\n    ret\n.endfunc\n'],
} as const;

describe.each(['x64', 'arm64'] as const)('the diff on %s', (arch) => {
  it('finds no change in the same source', async () => {
    const { edit } = await classify(arch, source(arch));
    expect(edit.diff.symbols.every((s) => s.class === 'unchanged')).toBe(true);
    expect(edit.diff.rude).toBe(false);
    expect(edit.diff.carried).toEqual([]);
  });

  it('redirects the one changed function and leaves the rest', async () => {
    const { edit, classes, by } = await classify(arch, edited(source(arch), FIX[arch] as unknown as [string, string]));
    expect(classes).toEqual({ main: 'unchanged', format_cents: 'unchanged', price_with_tax: 'changed', prices: 'unchanged', line: 'unchanged' });
    expect(by.price_with_tax!.reason).toMatch(/^redirected to its new body \(replace mode\): its code differs from \+0x/);
    expect(edit.patchSource).toContain('.patch pricing\n.sequence 1\n.redirect price_with_tax -> price_with_tax\n');
  });

  it('calls code that only moved unchanged: its references are compared by name', async () => {
    const { classes } = await classify(arch, edited(source(arch), GROW[arch] as unknown as [string, string]));
    // price_with_tax and the data moved; main's calls of it and its use of the data name the same symbols.
    expect(classes).toMatchObject({ main: 'unchanged', format_cents: 'changed', price_with_tax: 'unchanged', prices: 'unchanged' });
  });

  it('carries new functions and globals, and reaches unchanged ones in the running base', async () => {
    const { edit, classes, by } = await classify(arch, edited(source(arch), GLOBAL[arch] as unknown as [string, string],
      USE[arch] as unknown as [string, string]));
    expect(classes).toMatchObject({ price_with_tax: 'changed', half: 'new', counter: 'new-global', main: 'unchanged' });
    expect(edit.diff.carried).toEqual(['price_with_tax', 'half']);
    expect(edit.diff.redirected).toEqual(['price_with_tax']);
    expect(by.counter!.reason).toBe('carried in the patch\'s data (8 bytes)');
    expect(edit.patchSource).toMatch(/\.data\n\.p2align 3\ncounter:\n\.quad 0\n/);
  });

  it('names unchanged code that changed code uses: reached through a relocation', async () => {
    const call = arch === 'x64' ? ['    div ecx\n    ret\n', '    div ecx\n    lea rdi, [rip + line]\n    ret\n']
      : ['    udiv w0, w0, w1\n    ret\n', '    udiv w0, w0, w1\n    adrp x3, line\n    add x3, x3, :lo12:line\n    ret\n'];
    const { by } = await classify(arch, edited(source(arch), call as [string, string]));
    expect(by.line).toMatchObject({ class: 'base', reason: 'unchanged; price_with_tax uses the running program\'s live copy, through a relocation' });
  });

  it('warns when the entry function changes: the running call never returns', async () => {
    const nop = arch === 'x64' ? ['    push rbx\n', '    push rbx\n    nop\n'] : ['.func main\n', '.func main\n    nop\n'];
    const { by, edit } = await classify(arch, edited(source(arch), nop as [string, string]));
    expect(by.main!.class).toBe('changed');
    expect(by.main!.warning).toMatch(/^main is the entry function: the call that is running now stays in its old code/);
    expect(edit.diff.rude).toBe(false);
  });

  const rude: [string, [string, string], string, RegExp][] = [
    ['a changed initial value', ['1000, 1999', '1000, 2999'], 'prices', /^the initial value of "prices" changed; the running program's copy/],
    ['a changed size', ['.zero 64', '.zero 128'], 'line', /^the global "line" changes size from 64 to 128 bytes/],
    ['a removed export', ['.export price_with_tax\n', '\n'], 'price_with_tax', /^the export "price_with_tax" is removed/],
    ['a renamed module', ['.module pricing', '.module prices2'], '.module', /^the module is loaded as "pricing"/],
    ['a moved base', ['.base 0x400000', '.base 0x500000'], '.base', /^the module is loaded at 0x400000 and cannot move to 0x500000/],
    ['a changed entry', ['.entry main', '.entry format_cents'], '.entry', /^the program already started at main/],
  ];
  it.each(rude)('refuses %s with a reason and no patch', async (_what, pair, name, reason) => {
    const { edit, by } = await classify(arch, edited(source(arch), pair));
    expect(edit.diff.rude).toBe(true);
    expect(by[name]).toMatchObject({ class: 'rude' });
    expect(by[name]!.reason).toMatch(reason);
    expect(edit.patchSource).toBeUndefined();
  });

  // Where the page puts its marker: the edited source's line that makes the edit rude.
  const rudeLines: [string, [string, string], string, string][] = [
    ['a changed initial value', ['1000, 1999', '1000, 2999'], 'prices', '1000, 2999'],
    ['a changed size', ['.zero 64', '.zero 128'], 'line', '.zero 128'],
    ['a removed export', ['.export price_with_tax\n', '\n'], 'price_with_tax', '.func price_with_tax'],
    ['a renamed module', ['.module pricing', '.module prices2'], '.module', '.module prices2'],
    ['a moved base', ['.base 0x400000', '.base 0x500000'], '.base', '.base 0x500000'],
    ['a changed entry', ['.entry main', '.entry format_cents'], '.entry', '.entry format_cents'],
  ];
  it.each(rudeLines)('places %s on the line that makes it rude', async (_what, pair, name, marked) => {
    const text = edited(source(arch), pair);
    const { by } = await classify(arch, text);
    expect(by[name]!.line).toBe(text.split('\n').findIndex((l) => l.includes(marked)) + 1);
  });

  it('refuses a renamed export, naming the new name', async () => {
    const text = edited(source(arch), ['.export price_with_tax', '.export gross_price'], ['.func price_with_tax', '.func gross_price'],
      ...(arch === 'x64' ? [['call price_with_tax', 'call gross_price']] : [['bl price_with_tax', 'bl gross_price']]) as [string, string][]);
    const { by } = await classify(arch, text);
    expect(by.price_with_tax!.reason).toMatch(/^the export "price_with_tax" is renamed to "gross_price"/);
    expect(by.price_with_tax!.line).toBe(text.split('\n').findIndex((l) => l.includes('.export gross_price')) + 1);
  });

  it('makes the patch image with the patch builder, with the next sequence number', async () => {
    const made = await makeEditPatch({ arch, base: { name: 'pricing.s', text: source(arch) },
      edited: { name: 'edited.s', text: edited(source(arch), FIX[arch] as unknown as [string, string]) }, sequence: 3 });
    expect(made.patch).toMatchObject({ module: 'pricing', sequence: 3, baseIdentity: made.baseIdentity });
    expect(made.patch!.functions.map((f) => f.name)).toEqual(['price_with_tax']);
  });

  it('refuses a base source that is not the running build', async () => {
    const running = (await diffEdit({ arch, base: { name: 'a.s', text: source(arch) }, edited: { name: 'a.s', text: source(arch) } })).base.module;
    const other = edited(source(arch), ['1000, 1999', '1000, 2999']);
    await expect(diffEdit({ arch, base: { name: 'old.s', text: other }, edited: { name: 'e.s', text: other }, running }))
      .rejects.toThrow(/^old\.s is not the running build of pricing: it assembles to sha256:/);
  });
});

describe('the diff, by construction', () => {
  it('carries a function whose inner label changed code jumps to', async () => {
    const base = ['.module m', '.arch x64', '.entry f', '.func f', '    xor eax, eax', 'inner:', '    inc eax', '    ret', '.endfunc',
      '.func g', '    mov eax, 1', '    ret', '.endfunc'].join('\n');
    const text = base.replace('    mov eax, 1\n    ret', '    mov eax, 2\n    jmp inner');
    const edit = await diffEdit({ arch: 'x64', base: { name: 'b.s', text: base }, edited: { name: 'e.s', text } });
    expect(edit.diff.carried).toEqual(['f', 'g']);
    expect(edit.diff.symbols.find((s) => s.name === 'f')!.reason).toMatch(/carried with g, which jumps into it/);
  });

  it('makes a carried function that runs on into the next one jump to it, and traps one that runs off the end', async () => {
    const base = ['.module m', '.arch x64', '.entry f', '.func f', '    mov eax, 1', '    ret', '.endfunc', '.func g', '    inc eax', '    ret',
      '.endfunc'].join('\n');
    const into = await diffEdit({ arch: 'x64', base: { name: 'b.s', text: base }, edited: { name: 'e.s', text: base.replace('    mov eax, 1\n    ret', '    mov eax, 2') } });
    expect(into.diff.fallsInto).toEqual({ f: 'g' });
    expect(into.patchSource).toContain('.endfunc\n    jmp g    // f runs on into g\n');
    const off = await diffEdit({ arch: 'x64', base: { name: 'b.s', text: base }, edited: { name: 'e.s', text: base.replace('    inc eax\n    ret', '    inc eax') } });
    expect(off.diff.runsOff).toEqual(['g']);
    expect(off.diff.symbols.find((s) => s.name === 'g')!.warning).toMatch(/^g's last instruction runs on past the end of the code/);
    expect(off.patchSource).toContain('    int3    // g runs on past the end of the code\n');
  });

  it('refuses changed code outside every function', async () => {
    const base = ['.module m', '.arch x64', '.entry f', '.func f', '    ret', '.endfunc', '    nop'].join('\n');
    const edit = await diffEdit({ arch: 'x64', base: { name: 'b.s', text: base }, edited: { name: 'e.s', text: base.replace('nop', 'int3') } });
    expect(edit.diff.symbols.find((s) => s.name === '.text')).toMatchObject({ class: 'rude', line: 7 });
  });

  it('lets a removed function go, which no changed code calls', async () => {
    const base = ['.module m', '.arch arm64', '.entry f', '.func f', '    bl g', '    ret', '.endfunc', '.func g', '    ret', '.endfunc'].join('\n');
    const text = base.replace('    bl g\n', '    nop\n').replace('.func g\n    ret\n.endfunc', '');
    const edit = await diffEdit({ arch: 'arm64', base: { name: 'b.s', text: base }, edited: { name: 'e.s', text } });
    expect(edit.diff.symbols.map((s) => [s.name, s.class])).toEqual([['f', 'changed'], ['g', 'removed']]);
    expect(edit.diff.rude).toBe(false);
  });
});
