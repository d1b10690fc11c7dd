// The patch image answer: for good images of both architectures and both format versions, and for
// bad ones (each table and header field broken, and seeded mutations of the good ones), the parse
// result is exactly what patch-image-answers.json pins (the engine's JSON answers as they were
// read before the binary record: entries, relocations, and error codes, offsets and messages word
// for word), and the same as the engine's JSON answer read the old way.
// UPDATE_PATCH_IMAGE_ANSWERS=1 rewrites patch-image-answers.json from the JSON answer.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Arch } from '../../core/arch.ts';
import {
  R_AARCH64_ABS64, R_AARCH64_ADR_PREL_PG_HI21, R_AARCH64_CALL26, R_AARCH64_LDST64_ABS_LO12_NC, R_X86_64_64, R_X86_64_PC32,
  R_X86_64_PLT32,
} from '../../core/patch-format.ts';
import { loadEngine } from '../../engine/host/engine.ts';
import { type PatchImageResult, parsePatchImageWith } from '../../engine/host/patch-image.ts';
import { parsePatchImageJsonWith } from '../../engine/host/patch-image-json.ts';
import { Random, mutate } from '../../harness/fuzz/patch-fuzzer.ts';
import { type PatchImageContents, type RelocationContents, writePatchImage } from '../../toolchain/patch-image-writer.ts';

const FIXTURE = new URL('./patch-image-answers.json', import.meta.url);

const words = (...list: number[]) => new Uint8Array(Uint32Array.from(list).buffer);

const RELOCATIONS: Record<Arch, RelocationContents[]> = {
  x64: [
    { section: 'code', offset: 1, kind: R_X86_64_PLT32, target: 'base', symbol: 'format_cents', addend: -4 },
    { section: 'code', offset: 8, kind: R_X86_64_PC32, target: 'export', module: 'mathlib', symbol: 'rate', addend: -4n },
    { section: 'data', offset: 0, kind: R_X86_64_64, target: 'patch-code', addend: 12 },
    { section: 'data', offset: 8, kind: R_X86_64_64, target: 'patch-data', addend: -(2n ** 63n) },
  ],
  arm64: [
    { section: 'code', offset: 0, kind: R_AARCH64_CALL26, target: 'export', module: 'mathlib', symbol: 'round_half_even', addend: 0 },
    { section: 'code', offset: 4, kind: R_AARCH64_ADR_PREL_PG_HI21, target: 'base', symbol: 'tax_rate', addend: 0x1008 },
    { section: 'code', offset: 8, kind: R_AARCH64_LDST64_ABS_LO12_NC, target: 'base', symbol: 'prix_€_😀', addend: 0x1008 },
    { section: 'data', offset: 0, kind: R_AARCH64_ABS64, target: 'base', symbol: 'tax_rate', addend: 2n ** 63n - 1n },
  ],
};

function contents(arch: Arch, version: 1 | 2): PatchImageContents {
  return {
    arch, sequence: 7, module: 'pricing', baseIdentity: '0123456789abcdef'.repeat(4),
    code: arch === 'x64' ? Uint8Array.of(0xe8, 0, 0, 0, 0, 0x48, 0x8d, 0x05, 0, 0, 0, 0, 0xc3, 0x90, 0x90, 0x90, 0xc3, 0x90, 0x90, 0x90)
      : words(0x94000000, 0x90000000, 0xf9400000, 0xd65f03c0, 0xd65f03c0),
    data: new Uint8Array(40),
    redirects: [
      { base: 'price_with_tax', baseOffset: 0x100, baseSize: 20, newOffset: 0, newSize: 16, mode: 'replace' },
      { base: 'prix_€_😀', baseOffset: 0x200, baseSize: 32, newOffset: 16, newSize: 4, mode: 'hook', slot: 24 },
      { base: '\uFEFFbom_first', baseOffset: 0x180, baseSize: 8, newOffset: 16, newSize: 4, mode: 'replace' },
    ],
    imports: [{ module: 'mathlib', symbol: 'round_half_even', slot: 16 }],
    baseReferences: [{ symbol: 'tax_rate', slot: 32 }],
    relocations: version === 2 ? RELOCATIONS[arch] : [],
  };
}

interface Case { label: string; arch: Arch; image: Uint8Array }

/** The good images, each as the wrong architecture too, and 150 seeded mutations of each. */
function cases(): Case[] {
  const list: Case[] = [];
  for (const arch of ['x64', 'arm64'] as const) {
    for (const version of [1, 2] as const) {
      const image = writePatchImage(contents(arch, version));
      list.push({ label: `${arch} v${version}`, arch, image });
      list.push({ label: `${arch} v${version} for the other architecture`, arch: arch === 'x64' ? 'arm64' : 'x64', image });
      list.push({ label: `${arch} v${version} truncated`, arch, image: image.subarray(0, image.length - 3) });
      const random = new Random(version * 1000 + (arch === 'x64' ? 1 : 2));
      for (let i = 0; i < 150; i++) list.push({ label: `${arch} v${version} mutation ${i}`, arch, image: mutate(random, image, [image]) });
    }
  }
  list.push({ label: 'empty', arch: 'x64', image: new Uint8Array(0) });
  return list;
}

/** A result as text: every field in order, bigints as decimal strings. */
function serialize(result: PatchImageResult): string {
  return JSON.stringify(result, (_, value: unknown) => typeof value === 'bigint' ? `${value}n` : value, 1);
}

describe('the patch image answer', async () => {
  const engine = await loadEngine();
  const list = cases();

  if (process.env.UPDATE_PATCH_IMAGE_ANSWERS) {
    const pinned = Object.fromEntries(list.map((c) => [c.label, JSON.parse(serialize(parsePatchImageJsonWith(engine, c.image, c.arch)))]));
    writeFileSync(FIXTURE, JSON.stringify(pinned, null, 1) + '\n');
  }
  const pinned = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, unknown>;

  it('covers good images of both versions and architectures, and many error codes', () => {
    const results = list.map((c) => parsePatchImageJsonWith(engine, c.image, c.arch));
    const good = results.flatMap((r) => r.ok ? [`${r.image.arch} v${r.image.version}`] : []);
    for (const label of ['x64 v1', 'x64 v2', 'arm64 v1', 'arm64 v2']) expect(good).toContain(label);
    const codes = new Set(results.flatMap((r) => r.ok ? [] : [r.error.code]));
    expect(codes.size).toBeGreaterThanOrEqual(10);
    expect(Object.keys(pinned)).toEqual(list.map((c) => c.label));
  });

  it('reads every answer as pinned, and as the JSON answer reads', () => {
    for (const c of list) {
      const result = parsePatchImageWith(engine, c.image, c.arch);
      expect(JSON.parse(serialize(result)), c.label).toEqual(pinned[c.label]);
      expect(serialize(result), c.label).toBe(serialize(parsePatchImageJsonWith(engine, c.image, c.arch)));
    }
  });

  it('reads the binary record, not the JSON answer, and no engine string', () => {
    const exports = engine.exports as { parsePatchImage: (arch: number) => number };
    const json = exports.parsePatchImage;
    const string = engine.string;
    let asked = 0;
    exports.parsePatchImage = (arch) => { asked++; return json(arch); };
    engine.string = (address) => { asked++; return string.call(engine, address); };
    try {
      for (const c of list.slice(0, 20)) parsePatchImageWith(engine, c.image, c.arch);
    } finally {
      exports.parsePatchImage = json;
      engine.string = string;
    }
    expect(asked).toBe(0);
  });
});
