// Patch sources built into images: what the image records, and the mistakes refused at build time.
import { beforeAll, describe, expect, it } from 'vitest';
import { parsePatchImage } from '../../engine/host/patch-image.ts';
import type { Arch } from '../../core/arch.ts';
import { assembleExample } from '../../toolchain/example.ts';
import { moduleIdentity } from '../../core/identity.ts';
import type { GuestModule } from '../../core/module.ts';
import { buildPatch } from '../../toolchain/patch.ts';

const SOURCES: Record<Arch, string> = {
  x64: `
.patch pricing
.sequence 4
.redirect price_with_tax -> fixed_price
.redirect format_cents -> logged_format hook original
.baseref line_buffer = line
.text
.func fixed_price
    imul eax, edi, 120
    add eax, 50
    xor edx, edx
    mov ecx, 100
    div ecx
    ret
.endfunc
.func logged_format
    mov rax, qword ptr [rip + line_buffer]
    jmp qword ptr [rip + original]
.endfunc`,
  arm64: `
.patch pricing
.sequence 4
.redirect price_with_tax -> fixed_price
.redirect format_cents -> logged_format hook original
.baseref line_buffer = line
.text
.func fixed_price
    mov w1, #120
    mul w0, w0, w1
    add w0, w0, #50
    mov w1, #100
    udiv w0, w0, w1
    ret
.endfunc
.func logged_format
    ldr x16, line_buffer
    adrp x16, original
    ldr x16, [x16, :lo12:original]
    br x16
.endfunc`,
};

describe.each(['x64', 'arm64'] as Arch[])('patch build (%s)', (arch) => {
  let base: GuestModule;
  beforeAll(async () => { base = (await assembleExample('examples/price-tax', arch)).modules[0]!; });

  it('records the target, the base identity, the redirects and the slots', async () => {
    const built = await buildPatch(SOURCES[arch], arch, { base });
    const result = await parsePatchImage(built.image, arch);
    if (!result.ok) throw new Error(result.error.message);
    const image = result.image;
    const symbol = (name: string) => base.symbols.find((s) => s.name === name)!;
    expect(image.module).toBe('pricing');
    expect(image.sequence).toBe(4);
    expect(image.baseIdentity).toBe(await moduleIdentity(base));
    expect(image.redirects).toEqual([
      { base: 'price_with_tax', baseOffset: symbol('price_with_tax').address - base.base, baseSize: symbol('price_with_tax').size,
        newOffset: 0, newSize: built.functions[0]!.size, mode: 'replace' },
      { base: 'format_cents', baseOffset: symbol('format_cents').address - base.base, baseSize: symbol('format_cents').size,
        newOffset: built.functions[1]!.offset, newSize: built.functions[1]!.size, mode: 'hook', slot: 0 },
    ]);
    expect(image.baseReferences).toEqual([{ symbol: 'line', slot: 8 }]);
    expect(image.data.size).toBe(16);
    // The code bytes are the assembled patch's, unchanged.
    expect(built.image.subarray(image.code.offset, image.code.offset + image.code.size)).toEqual(built.assembled.code);
  });

  const header = '.patch pricing\n.sequence 1\n';
  const mistakes: [string, string, RegExp][] = [
    ['no .patch line', '.sequence 1\n', /no "\.patch <module>" line/],
    ['no .sequence line', '.patch pricing\n', /no "\.sequence <n>" line/],
    ['sequence 0', '.patch pricing\n.sequence 0\n', /\.sequence needs a whole number from 1/],
    ['a patch for another module', '.patch billing\n.sequence 1\n', /patch is for module "billing" but is being built against module "pricing"/],
    ['a pinned identity of another build', `${header}.base sha256:${'ab'.repeat(32)}\n`,
      /pins base sha256:abab.* but the module it is built against is sha256:[0-9a-f]{64}/],
    ['a redirect of a missing function', `${header}.redirect nothing -> f\n.func f\nret\n.endfunc\n`,
      /base module pricing has no function "nothing"/],
    ['a redirect of data', `${header}.redirect prices -> f\n.func f\nret\n.endfunc\n`, /"prices" in pricing is data, not a function/],
    ['a redirect to a missing new function', `${header}.redirect price_with_tax -> g\n`, /new function "g" is not defined in the patch/],
    ['a function redirected twice', `${header}.redirect price_with_tax -> f\n.redirect price_with_tax -> f\n.func f\nret\n.endfunc\n`,
      /price_with_tax is redirected twice/],
    ['a malformed redirect', `${header}.redirect price_with_tax f\n`, /\.redirect <base function> -> <new function>/],
    ['a slot declared twice', `${header}.baseref s = line\n.baseref s = prices\n`, /slot "s" is declared twice/],
    ['a base reference to nothing', `${header}.baseref s = nothing\n`, /base module pricing has no symbol "nothing"/],
    ['a malformed import', `${header}.import s = mathlib\n`, /\.import takes "<slot> = <module>!<symbol>"/],
    ['a .module line', `${header}.module other\n`, /not "\.module"/],
  ];
  it.each(mistakes)('refuses %s', async (_name, source, message) => {
    await expect(buildPatch(source, arch, { base })).rejects.toThrow(message);
  });

  it('refuses code that depends on its load address', async () => {
    // A 32-bit absolute address in the code (64-bit ones become relocations).
    const absolute = arch === 'x64' ? 'mov rax, here\nhere: ret' : 'ret\nhere: .word here';
    const source = `${header}.redirect price_with_tax -> f\n.func f\n${absolute}\n.endfunc\n`;
    await expect(buildPatch(source, arch, { base })).rejects.toThrow(/not position-independent: its code bytes at f\+0x/);
  });

  it('refuses data that holds 32-bit absolute addresses', async () => {
    const source = `${header}.redirect price_with_tax -> f\n.func f\nret\n.endfunc\n.data\ntable: .${arch === 'x64' ? 'long' : 'word'} f\n`;
    await expect(buildPatch(source, arch, { base })).rejects.toThrow(/not position-independent: its data bytes at table\+0x/);
  });

  it('says what a name the patch does not define may be', async () => {
    const call = arch === 'x64' ? 'call nowhere' : 'bl nowhere';
    const source = `${header}.redirect price_with_tax -> f\n.func f\n${call}\nret\n.endfunc\n`;
    await expect(buildPatch(source, arch, { base })).rejects.toThrow(/a name the patch does not define must be a symbol of the base module pricing, an export of another of the program's modules, or declared with "\.extern <name> = <module>!<symbol>"/);
  });

  it('checks imports against the program\'s modules when it has them', async () => {
    const source = `${header}.import r = pricing!nothing\n`;
    await expect(buildPatch(source, arch, { base, modules: [base] })).rejects.toThrow(/module pricing does not export "nothing"/);
    await expect(buildPatch(`${header}.import r = mathlib!round\n`, arch, { base, modules: [base] }))
      .rejects.toThrow(/the program has no module "mathlib"/);
  });
});
