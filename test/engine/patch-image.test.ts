// The patch image parser in engine.wasm: images written by the toolchain read back exactly, and
// every kind of malformed image is refused with its own error code and a message that names the
// field concerned.
import { describe, expect, it } from 'vitest';
import { type PatchImageErrorCode, parsePatchImage } from '../../engine/host/patch-image.ts';
import type { Arch } from '../../core/arch.ts';
import { HEADER_FIELDS as H, type PatchImageContents, writePatchImage } from '../../toolchain/patch-image-writer.ts';

function contents(overrides: Partial<PatchImageContents> = {}): PatchImageContents {
  return {
    arch: 'x64', sequence: 3, module: 'pricing', baseIdentity: '0123456789abcdef'.repeat(4),
    code: Uint8Array.from({ length: 48 }, (_, i) => i), data: new Uint8Array(32),
    redirects: [
      { base: 'price_with_tax', baseOffset: 0x100, baseSize: 20, newOffset: 0, newSize: 16, mode: 'replace' },
      { base: 'format_cents', baseOffset: 0x40, baseSize: 0x60, newOffset: 16, newSize: 32, mode: 'hook', slot: 0 },
    ],
    imports: [{ module: 'mathlib', symbol: 'round_half_even', slot: 8 }],
    baseReferences: [{ symbol: 'tax_rate', slot: 16 }],
    ...overrides,
  };
}

/** Edits a copy of an image through a little-endian view. */
function edit(image: Uint8Array, change: (view: DataView, bytes: Uint8Array) => void): Uint8Array {
  const copy = image.slice();
  change(new DataView(copy.buffer), copy);
  return copy;
}

const u32 = (image: Uint8Array, at: number) => new DataView(image.buffer, image.byteOffset).getUint32(at, true);

async function refusal(image: Uint8Array, arch: Arch = 'x64') {
  const result = await parsePatchImage(image, arch);
  if (result.ok) throw new Error('the image was accepted');
  return result.error;
}

describe('patch image parser', () => {
  it('reads back everything the toolchain writes', async () => {
    const written = contents();
    const image = writePatchImage(written);
    const result = await parsePatchImage(image, 'x64');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const parsed = result.image;
    expect(parsed).toMatchObject({
      version: 1, arch: 'x64', size: image.length, sequence: 3, module: 'pricing', baseIdentity: written.baseIdentity,
      redirects: written.redirects, imports: written.imports, baseReferences: written.baseReferences,
    });
    expect(image.subarray(parsed.code.offset, parsed.code.offset + parsed.code.size)).toEqual(written.code);
    expect(parsed.data.size).toBe(32);
  });

  it('accepts names in any valid UTF-8, including 4-byte sequences', async () => {
    const image = writePatchImage(contents({ module: 'prix_ttc_€', baseReferences: [{ symbol: 'taux_🧾', slot: 16 }] }));
    const result = await parsePatchImage(image, 'x64');
    expect(result.ok && result.image.module).toBe('prix_ttc_€');
    expect(result.ok && result.image.baseReferences[0]!.symbol).toBe('taux_🧾');
  });

  const image = writePatchImage(contents());
  const stringsAt = u32(image, H.strings);
  const redirectsAt = u32(image, H.redirects);
  const importsAt = u32(image, H.imports);
  const baseRefsAt = u32(image, H.baseReferences);
  /** Replaces the first bytes of the module name ("pricing") in the string table. */
  const badName = (bytes: number[]) => edit(image, (_v, b) => b.set(bytes, stringsAt + u32(image, H.moduleName)));

  const cases: [string, () => Uint8Array, PatchImageErrorCode, RegExp, Arch?][] = [
    ['an empty image', () => new Uint8Array(0), 'truncated', /0 bytes long, too short to hold even the magic/],
    ['an image cut inside the header', () => image.slice(0, 60), 'truncated', /60 bytes long; its header alone takes 128/],
    ['an image cut after the header', () => image.slice(0, image.length - 5), 'truncated',
      new RegExp(`header says the image is ${image.length} bytes long but only ${image.length - 5} are present`)],
    ['trailing bytes', () => Uint8Array.from([...image, 0, 0]), 'bad-header', /trailing bytes/],
    ['another file type', () => new TextEncoder().encode('\x7fELF and more'), 'bad-magic', /magic number "HPAT"/],
    ['version 3', () => edit(image, (v) => v.setUint16(H.version, 3, true)), 'unknown-version',
      /format version 3; this engine reads versions 1 to 2/],
    ['version 0', () => edit(image, (v) => v.setUint16(H.version, 0, true)), 'unknown-version', /format version 0/],
    ['architecture 7', () => edit(image, (v) => v.setUint16(H.arch, 7, true)), 'unknown-arch', /architecture 7/],
    ['an x64 image for an ARM64 program', () => image, 'wrong-arch', /holds x64 code but the program runs arm64/, 'arm64'],
    ['a header size of 64', () => edit(image, (v) => v.setUint32(H.headerSize, 64, true)), 'bad-header', /header size field says 64/],
    ['sequence 0', () => edit(image, (v) => v.setUint32(H.sequence, 0, true)), 'bad-header', /sequence number is 0/],
    ['flags', () => edit(image, (v) => v.setUint32(H.flags, 4, true)), 'reserved-not-zero', /flags are 0x4/],
    ['a reserved header byte', () => edit(image, (_v, b) => { b[H.reserved + 9] = 1; }), 'reserved-not-zero',
      /reserved header byte at 0x79/],
    ['a code section past the end', () => edit(image, (v) => v.setUint32(H.code + 4, 0x10000, true)), 'out-of-bounds',
      /code section \(65536 bytes at 0x80\) ends at 0x10080, past the end of the image/],
    ['a code section inside the header', () => edit(image, (v) => v.setUint32(H.code, 16, true)), 'out-of-bounds',
      /code section starts at 0x10, inside the header/],
    ['a redirect count that would wrap 32 bits', () => edit(image, (v) => v.setUint32(H.redirects + 4, 0x8000_0001, true)),
      'out-of-bounds', /redirect table \(2147483649 entries of 32 bytes at .*\) ends at 0x10000/],
    ['an offset near 2^32', () => edit(image, (v) => v.setUint32(H.strings, 0xffff_fff0, true)), 'out-of-bounds',
      /string table .* ends at 0x1/],
    ['overlapping sections', () => edit(image, (v) => v.setUint32(H.data, 0x90, true)), 'overlapping-sections',
      /code section \(0x80\.\.0xb0\) overlaps the data section \(0x90\.\.0xb0\)/],
    ['a name past the string table', () => edit(image, (v) => v.setUint32(H.moduleName, 0x7000, true)), 'out-of-bounds',
      /target module name .* ends past the string table/],
    ['an empty name', () => edit(image, (v) => v.setUint32(redirectsAt + 4, 0, true)), 'bad-name',
      /base function name of redirect 0 is empty/],
    ['a name of 2000 bytes', () => edit(image, (v) => v.setUint32(importsAt + 12, 2000, true)), 'bad-name',
      /symbol name of import 0 is 2000 bytes long; names are at most 1024/],
    ['an overlong UTF-8 form', () => badName([0xc0, 0xaf]), 'bad-name', /target module name is not valid UTF-8 \(byte 0xc0/],
    ['a UTF-8 surrogate', () => badName([0xed, 0xa0, 0x80]), 'bad-name', /not valid UTF-8 \(byte 0xed/],
    ['a stray continuation byte', () => badName([0x70, 0x80]), 'bad-name', /not valid UTF-8 \(byte 0x80/],
    ['a code point above U+10FFFF', () => badName([0xf4, 0x90, 0x80, 0x80]), 'bad-name', /not valid UTF-8 \(byte 0xf4/],
    ['a UTF-8 sequence cut by the end of the name', () => badName([0x70, 0x72, 0x69, 0x63, 0x69, 0x6e, 0xe2]), 'bad-name',
      /not valid UTF-8 \(byte 0xe2/],
    ['a control character', () => badName([0x70, 0x0a]), 'bad-name', /contains the control character 0xa/],
    ['a new function past the code section', () => edit(image, (v) => v.setUint32(redirectsAt + 32 + 20, 33, true)),
      'out-of-bounds', /redirect 1 \(format_cents\): the new function \(33 bytes at 0x10\) ends past the code section \(0x30 bytes\)/],
    ['a base function of size 0', () => edit(image, (v) => v.setUint32(redirectsAt + 12, 0, true)), 'bad-redirect',
      /redirect 0 \(price_with_tax\) gives the base function a size of 0/],
    ['mode 2', () => edit(image, (_v, b) => { b[redirectsAt + 24] = 2; }), 'bad-redirect', /has mode 2; modes are 0 \(replace\) and 1 \(hook\)/],
    ['a replace redirect with a slot', () => edit(image, (v) => v.setUint32(redirectsAt + 28, 24, true)), 'bad-redirect',
      /replace mode but names a trampoline slot/],
    ['a hook without a slot', () => edit(image, (v) => v.setUint32(redirectsAt + 32 + 28, 0xffffffff, true)), 'bad-redirect',
      /hook mode but has no trampoline slot/],
    ['reserved redirect bytes', () => edit(image, (_v, b) => { b[redirectsAt + 26] = 1; }), 'reserved-not-zero', /redirect 0/],
    ['reserved import bytes', () => edit(image, (_v, b) => { b[importsAt + 21] = 1; }), 'reserved-not-zero', /import 0/],
    ['reserved base reference bytes', () => edit(image, (_v, b) => { b[baseRefsAt + 15] = 1; }), 'reserved-not-zero',
      /base reference 0/],
    ['a function redirected twice', () => writePatchImage(contents({ redirects: [contents().redirects[0]!,
      { ...contents().redirects[0]!, baseOffset: 0x200 }] })), 'duplicate-redirect', /price_with_tax is redirected twice/],
    ['redirected functions that overlap', () => writePatchImage(contents({ redirects: [contents().redirects[0]!,
      { ...contents().redirects[0]!, base: 'inner', baseOffset: 0x108, baseSize: 4 }] })), 'overlapping-redirects',
      /price_with_tax \(0x100\.\.0x114\) and inner \(0x108\.\.0x10c\) overlap/],
    ['a slot outside the data section', () => edit(image, (v) => v.setUint32(importsAt + 16, 32, true)), 'slot-out-of-bounds',
      /slot of import 0 \(mathlib!round_half_even\) is at data offset 0x20, outside the data section \(0x20 bytes\)/],
    ['a slot at 2^32 - 8', () => edit(image, (v) => v.setUint32(baseRefsAt + 8, 0xffff_fff8, true)), 'slot-out-of-bounds',
      /base reference 0 \(tax_rate\) is at data offset 0xfffffff8/],
    ['a misaligned slot', () => edit(image, (v) => v.setUint32(importsAt + 16, 12, true)), 'misaligned-slot',
      /data offset 0xc, not a multiple of 8/],
    ['two entries sharing a slot', () => edit(image, (v) => v.setUint32(baseRefsAt + 8, 8, true)), 'shared-slot',
      /slot of base reference 0 \(tax_rate\) is at data offset 0x8, a slot another entry already uses/],
  ];

  it.each(cases)('refuses %s', async (_name, make, code, message, arch) => {
    const error = await refusal(make(), arch ?? 'x64');
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it('refuses every truncation of a valid image', async () => {
    for (let length = 0; length < image.length; length++) {
      const error = await refusal(image.slice(0, length));
      expect(error.code, `cut at ${length}`).toBe('truncated');
    }
  });
});
