// Version 2 patch images: the relocation table read back as written, and every malformed table
// refused by the parser with its own code and a message naming the relocation and what is wrong.
import { describe, expect, it } from 'vitest';
import type { Arch } from '../../core/arch.ts';
import {
  MAX_RELOCATIONS, RELOCATION_SIZE, R_AARCH64_ABS64, R_AARCH64_ADR_PREL_PG_HI21, R_AARCH64_CALL26,
  R_AARCH64_LDST64_ABS_LO12_NC, R_X86_64_64, R_X86_64_PC32, R_X86_64_PLT32,
} from '../../core/patch-format.ts';
import { type PatchImageErrorCode, parsePatchImage } from '../../engine/host/patch-image.ts';
import { HEADER_FIELDS as H, type PatchImageContents, type RelocationContents, writePatchImage } from '../../toolchain/patch-image-writer.ts';

const words = (...list: number[]) => new Uint8Array(Uint32Array.from(list).buffer);

function contents(arch: Arch, relocations: RelocationContents[], overrides: Partial<PatchImageContents> = {}): PatchImageContents {
  return {
    arch, sequence: 1, module: 'pricing', baseIdentity: 'ab'.repeat(32),
    // x64: call rel32; lea rax, [rip + x]; ret. arm64: bl; adrp x0; ldr x0, [x0, #0]; ret.
    code: arch === 'x64' ? Uint8Array.of(0xe8, 0, 0, 0, 0, 0x48, 0x8d, 0x05, 0, 0, 0, 0, 0xc3, 0x90, 0x90, 0x90)
      : words(0x94000000, 0x90000000, 0xf9400000, 0xd65f03c0),
    data: new Uint8Array(24),
    redirects: [{ base: 'price_with_tax', baseOffset: 0x100, baseSize: 20, newOffset: 0, newSize: 16, mode: 'replace' }],
    imports: [{ module: 'mathlib', symbol: 'round_half_even', slot: 16 }],
    baseReferences: [],
    relocations, ...overrides,
  };
}

const X64: RelocationContents[] = [
  { section: 'code', offset: 1, kind: R_X86_64_PLT32, target: 'base', symbol: 'format_cents', addend: -4 },
  { section: 'code', offset: 8, kind: R_X86_64_PC32, target: 'export', module: 'mathlib', symbol: 'rate', addend: -4n },
  { section: 'data', offset: 0, kind: R_X86_64_64, target: 'patch-code', addend: 12 },
  { section: 'data', offset: 8, kind: R_X86_64_64, target: 'patch-data', addend: -(2n ** 63n) },
];
const ARM64: RelocationContents[] = [
  { section: 'code', offset: 0, kind: R_AARCH64_CALL26, target: 'export', module: 'mathlib', symbol: 'round_half_even', addend: 0 },
  { section: 'code', offset: 4, kind: R_AARCH64_ADR_PREL_PG_HI21, target: 'base', symbol: 'tax_rate', addend: 0x1008 },
  { section: 'code', offset: 8, kind: R_AARCH64_LDST64_ABS_LO12_NC, target: 'base', symbol: 'tax_rate', addend: 0x1008 },
  { section: 'data', offset: 0, kind: R_AARCH64_ABS64, target: 'base', symbol: 'tax_rate', addend: 2n ** 63n - 1n },
];

async function refusal(image: Uint8Array, arch: Arch) {
  const result = await parsePatchImage(image, arch);
  if (result.ok) throw new Error('the image was accepted');
  return result.error;
}

const u32 = (image: Uint8Array, at: number) => new DataView(image.buffer, image.byteOffset).getUint32(at, true);

function edit(image: Uint8Array, change: (view: DataView, bytes: Uint8Array, relocationsAt: number) => void): Uint8Array {
  const copy = image.slice();
  change(new DataView(copy.buffer), copy, u32(copy, H.relocations));
  return copy;
}

describe.each([['x64', X64], ['arm64', ARM64]] as const)('version 2 images (%s)', (arch, relocations) => {
  const image = writePatchImage(contents(arch, relocations));

  it('reads back every relocation as written, in a version 2 image', async () => {
    const result = await parsePatchImage(image, arch);
    if (!result.ok) throw new Error(result.error.message);
    expect(result.image.version).toBe(2);
    expect(result.image.relocations).toEqual(relocations.map((r) => ({
      section: r.section, offset: r.offset, kind: r.kind, kindName: expect.stringMatching(/^R_(X86_64|AARCH64)_/),
      fieldSize: r.kind === R_X86_64_64 || r.kind === R_AARCH64_ABS64 ? 8 : 4, target: r.target,
      ...(r.symbol !== undefined ? { symbol: r.symbol } : {}), ...(r.module !== undefined ? { module: r.module } : {}),
      addend: BigInt(r.addend),
    })));
  });

  it('writes version 1, byte for byte as before, when there are no relocations', async () => {
    const v1 = writePatchImage(contents(arch, []));
    expect(new DataView(v1.buffer).getUint16(H.version, true)).toBe(1);
    expect(v1.subarray(H.reserved, H.reserved + 16)).toEqual(new Uint8Array(16));
    const result = await parsePatchImage(v1, arch);
    expect(result.ok && result.image.relocations).toEqual([]);
  });

  const other = arch === 'x64' ? R_AARCH64_CALL26 : R_X86_64_PC32;
  const cases: [string, () => Uint8Array, PatchImageErrorCode, RegExp][] = [
    ['a kind of the other architecture', () => edit(image, (v, _b, at) => v.setUint16(at + 4, other, true)), 'bad-relocation',
      new RegExp(`relocation 0 has kind ${other}, which is no ${arch === 'x64' ? 'x86-64' : 'ARM64'} relocation; the kinds are`)],
    ['kind 0', () => edit(image, (v, _b, at) => v.setUint16(at + 4, 0, true)), 'bad-relocation', /relocation 0 has kind 0/],
    ['section 2', () => edit(image, (_v, b, at) => { b[at + 6] = 2; }), 'bad-relocation', /names section 2; sections are 0 \(code\) and 1 \(data\)/],
    ['target 4', () => edit(image, (_v, b, at) => { b[at + 7] = 4; }), 'bad-relocation', /has target 4; targets are 0/],
    ['a field past its section', () => edit(image, (v, _b, at) => v.setUint32(at + 3 * RELOCATION_SIZE, 20, true)), 'out-of-bounds',
      /relocation 3 \(R_\w+64, 8 bytes at data\+0x14\) ends past the data section \(0x18 bytes\)/],
    ['an offset near 2^32', () => edit(image, (v, _b, at) => v.setUint32(at, 0xffff_fffe, true)), 'out-of-bounds', /ends past the code section/],
    ['two relocations of one field', () => edit(image, (_v, b, at) => b.copyWithin(at + RELOCATION_SIZE, at, at + RELOCATION_SIZE)),
      'overlapping-relocations', new RegExp(`the fields of two relocations overlap: relocation 0 \\(code\\+${arch === 'x64' ? '0x1\\.\\.0x5' : '0x0\\.\\.0x4'}\\) ` +
        'and relocation 1')],
    ...(arch === 'x64' ? [['two fields that share bytes', () => edit(image, (v, _b, at) => v.setUint32(at + 3 * RELOCATION_SIZE, 4, true)),
      'overlapping-relocations', /the fields of two relocations overlap: relocation 2 \(data\+0x0\.\.0x8\) and relocation 3 \(data\+0x4\.\.0xc\)/,
    ] as [string, () => Uint8Array, PatchImageErrorCode, RegExp]] : []),
    ['a field over a slot', () => edit(image, (v, _b, at) => v.setUint32(at + 3 * RELOCATION_SIZE, 16, true)), 'bad-relocation',
      /relocation 3 \(data\+0x10\) overlaps the slot at data offset 0x10, which the engine fills itself/],
    ['a base symbol with a module name', () => edit(image, (v, _b, at) => {
      const base = arch === 'x64' ? 0 : 1;
      v.setUint32(at + base * RELOCATION_SIZE + 16, 0, true);
      v.setUint32(at + base * RELOCATION_SIZE + 20, 3, true);
    }), 'bad-relocation', /refers to a symbol of the base module but names a module too/],
    ['a patch target with a name', () => edit(image, (v, _b, at) => {
      v.setUint32(at + 2 * RELOCATION_SIZE + 12, 3, true);
      if (arch === 'arm64') { v.setUint8(at + 2 * RELOCATION_SIZE + 7, 2); v.setBigUint64(at + 2 * RELOCATION_SIZE + 16, 0n, true); }
    }), 'bad-relocation', /refers to the patch's own code, which has no symbol or module name, but names one/],
    ['an export without a module name', () => edit(image, (v, _b, at) => {
      const exported = arch === 'x64' ? 1 : 0;
      v.setBigUint64(at + exported * RELOCATION_SIZE + 16, 0n, true);
    }), 'bad-name', /the module name of relocation \d is empty/],
    ['a symbol name past the string table', () => edit(image, (v, _b, at) => v.setUint32(at + 8, 0x7000, true)), 'out-of-bounds',
      /the symbol name of relocation 0 .* ends past the string table/],
    ['a relocation table cut by the end of the image', () => edit(image, (v) => v.setUint32(H.relocations + 4, 400, true)),
      'out-of-bounds', /relocation table \(400 entries of 32 bytes at 0x\w+\) ends at 0x\w+, past the end of the image/],
    ['a relocation table over the string table', () => edit(image, (v) => v.setUint32(H.relocations + 4, 5, true)),
      'overlapping-sections', /relocation table .* overlaps the string table/],
    ['a relocation table inside the header', () => edit(image, (v) => v.setUint32(H.relocations, 64, true)),
      'out-of-bounds', /relocation table starts at 0x40, inside the header/],
    ['a reserved byte of the version 2 header', () => edit(image, (_v, b) => { b[124] = 1; }), 'reserved-not-zero',
      /reserved header byte at 0x7c is not zero/],
    ['a relocation table in a version 1 image', () => edit(image, (v) => v.setUint16(H.version, 1, true)), 'reserved-not-zero',
      /reserved header byte at 0x7\w is not zero/],
  ];
  if (arch === 'arm64') {
    cases.push(
      ['an instruction kind at an offset that is not a multiple of 4', () => edit(image, (v, _b, at) => v.setUint32(at, 2, true)),
        'bad-relocation', /relocation 0 \(R_AARCH64_CALL26\) is at code\+0x2, not at a 4-byte instruction boundary/],
      ['an instruction kind on another instruction', () => edit(image, (v, _b, at) => v.setUint32(at, 12, true)), 'bad-relocation',
        /relocation 0 \(R_AARCH64_CALL26\) is at code\+0xc, whose word 0xd65f03c0 is not bl/],
      ['a 64-bit load relocation on a 32-bit load', () => edit(image, (v) => v.setUint32(u32(image, H.code) + 8, 0xb9400000, true)),
        'bad-relocation', /is not a load or store with an unsigned offset of 64 bits/],
      ['an instruction kind in the data section', () => edit(image, (_v, b, at) => { b[at + 6] = 1; }), 'bad-relocation',
        /relocates an instruction in the data section/],
    );
  }

  it.each(cases)('refuses %s', async (_name, make, code, message) => {
    const error = await refusal(make(), arch);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it('refuses every truncation of the image', async () => {
    for (let length = 0; length < image.length; length++) {
      expect((await refusal(image.slice(0, length), arch)).code, `cut at ${length}`).toBe('truncated');
    }
  });

  it('refuses more relocations than the bound, naming it', async () => {
    const many = Array.from({ length: MAX_RELOCATIONS + 1 }, (_, i) => ({ ...relocations[0]!, offset: 0x10000 + i * 4 }));
    const big = writePatchImage(contents(arch, many, { code: new Uint8Array(0x10000 + many.length * 4) }), { checkLimits: false });
    const error = await refusal(big, arch);
    expect(error).toMatchObject({ code: 'too-many-entries', message: 'the relocation table has 65537 entries; it may hold at most 65536' });
  });
});
