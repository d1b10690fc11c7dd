// The patch image parser at the format's limits: work and memory grow with the image, not with
// entries times name length; each table holds at most MAX_TABLE_ENTRIES entries; names are shared
// whole or kept apart. Times are bounded generously (1 s per MB of image, at least 1 s): the parser
// once took seconds for a 0.13 MB image of entries that share one long name.
import { describe, expect, it } from 'vitest';
import { Engine } from '../../engine/host/engine.ts';
import { parsePatchImageWith } from '../../engine/host/patch-image.ts';
import { MAX_IMAGE_BYTES, MAX_NAME_BYTES, MAX_TABLE_ENTRIES } from '../../core/patch-format.ts';
import { HEADER_FIELDS as H, type PatchImageContents, writePatchImage } from '../../toolchain/patch-image-writer.ts';

const LONG = 'n'.repeat(MAX_NAME_BYTES);
const u32 = (image: Uint8Array, at: number) => new DataView(image.buffer, image.byteOffset).getUint32(at, true);

function contents(overrides: Partial<PatchImageContents> = {}): PatchImageContents {
  return {
    arch: 'x64', sequence: 1, module: 'app', baseIdentity: '0'.repeat(64), code: new Uint8Array(16),
    data: new Uint8Array(8 * 2 * MAX_TABLE_ENTRIES), redirects: [], imports: [], baseReferences: [], ...overrides,
  };
}

/** Every table at the bound: imports and base references naming one 1,024-byte name, redirects each a 1,024-byte name of its own. */
function fullImage(): Uint8Array {
  const n = MAX_TABLE_ENTRIES;
  return writePatchImage(contents({
    redirects: Array.from({ length: n }, (_, i) => ({
      base: i.toString().padStart(MAX_NAME_BYTES, 'f'), baseOffset: i * 16, baseSize: 16, newOffset: 0, newSize: 16, mode: 'replace' as const,
    })),
    imports: Array.from({ length: n }, (_, i) => ({ module: LONG, symbol: LONG, slot: i * 8 })),
    baseReferences: Array.from({ length: n }, (_, i) => ({ symbol: LONG, slot: (n + i) * 8 })),
  }));
}

/** Parses with a fresh engine, so its memory afterwards is what this parse needed. */
async function timedParse(image: Uint8Array) {
  const engine = await Engine.load();
  parsePatchImageWith(engine, new Uint8Array(0), 'x64'); // compile the parser's code before timing it
  const started = performance.now();
  const result = parsePatchImageWith(engine, image, 'x64');
  return { result, ms: performance.now() - started, memory: engine.exports.memory.buffer.byteLength };
}

const boundMs = (bytes: number) => Math.max(1000, bytes / 1e6 * 1000);

describe('patch image limits', () => {
  it('parses every table at its bound, entries sharing long names, in time and memory linear in the image', async () => {
    const image = fullImage();
    const { result, ms, memory } = await timedParse(image);
    if (!result.ok) throw new Error(result.error.message);
    expect(result.image.redirects).toHaveLength(MAX_TABLE_ENTRIES);
    expect(result.image.imports).toHaveLength(MAX_TABLE_ENTRIES);
    expect(result.image.baseReferences).toHaveLength(MAX_TABLE_ENTRIES);
    expect(result.image.imports.every((entry) => entry.module === LONG && entry.symbol === LONG)).toBe(true);
    expect(result.image.redirects[4095]!.base).toBe('4095'.padStart(MAX_NAME_BYTES, 'f'));
    expect(ms).toBeLessThan(boundMs(image.length));
    expect(memory).toBeLessThan(64 * 2 ** 20 + 4 * image.length);
  });

  it('parses 4,096 imports of one shared 1,024-byte name in time and memory linear in the image', async () => {
    const image = writePatchImage(contents({
      imports: Array.from({ length: MAX_TABLE_ENTRIES }, (_, i) => ({ module: LONG, symbol: LONG, slot: i * 8 })),
    }));
    const { result, ms, memory } = await timedParse(image);
    expect(result.ok).toBe(true);
    expect(ms).toBeLessThan(boundMs(image.length));
    // The answer names the 1,024-byte name once, not twice per entry (8 MiB).
    expect(memory).toBeLessThan(8 * 2 ** 20);
  });

  it.each([['redirects', 'redirect table'], ['imports', 'import table'], ['baseReferences', 'base reference table']] as const)(
    'refuses %s past the bound, naming it', async (table, words) => {
      const n = MAX_TABLE_ENTRIES + 1;
      const entries = {
        redirects: Array.from({ length: n }, (_, i) => ({ base: `f${i}`, baseOffset: i * 16, baseSize: 16, newOffset: 0, newSize: 16,
          mode: 'replace' as const })),
        imports: Array.from({ length: n }, (_, i) => ({ module: LONG, symbol: LONG, slot: i * 8 })),
        baseReferences: Array.from({ length: n }, (_, i) => ({ symbol: LONG, slot: i * 8 })),
      };
      const image = writePatchImage(contents({ data: new Uint8Array(8 * n), [table]: entries[table] }), { checkLimits: false });
      const { result, ms } = await timedParse(image);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error.code).toBe('too-many-entries');
      expect(result.error.message).toBe(`the ${words} has 4097 entries; it may hold at most 4096`);
      expect(ms).toBeLessThan(boundMs(image.length));
    });

  it('refuses a count of entries near 2^32 as out of bounds before it counts anything', async () => {
    const image = writePatchImage(contents({ imports: [{ module: 'm', symbol: 's', slot: 0 }] }));
    new DataView(image.buffer).setUint32(H.imports + 4, 0xffff_ffff, true);
    const { result } = await timedParse(image);
    expect(!result.ok && result.error.code).toBe('out-of-bounds');
  });

  it('refuses name references that share bytes without being the same reference', async () => {
    const image = writePatchImage(contents({ imports: [{ module: 'mathlib', symbol: 'round', slot: 0 }] }));
    const importsAt = u32(image, H.imports);
    // The symbol name becomes "athlib": the module name's bytes, from its second one.
    const moduleRef = u32(image, importsAt);
    new DataView(image.buffer).setUint32(importsAt + 8, moduleRef + 1, true);
    new DataView(image.buffer).setUint32(importsAt + 12, 6, true);
    const { result } = await timedParse(image);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('overlapping-names');
    expect(result.error.message).toMatch(/^the symbol name of import 0 \(6 bytes at 0x\w+ in the string table\) shares bytes with another name/);
  });

  it('refuses the reference pattern that made names cost entries times their length', async () => {
    // Entry i names the 1,024 bytes from offset i: each reference distinct, all overlapping.
    const n = MAX_TABLE_ENTRIES;
    const image = writePatchImage(contents({
      imports: Array.from({ length: n }, (_, i) => ({ module: 'n'.repeat(n + MAX_NAME_BYTES), symbol: 'x', slot: i * 8 })),
    }), { checkLimits: false });
    const importsAt = u32(image, H.imports);
    const view = new DataView(image.buffer);
    for (let i = 0; i < n; i++) view.setUint32(importsAt + i * 24 + 4, MAX_NAME_BYTES, true); // module: (i's offset 0, length 1024)
    for (let i = 0; i < n; i++) view.setUint32(importsAt + i * 24, i, true);
    const { result, ms } = await timedParse(image);
    expect(!result.ok && result.error.code).toBe('overlapping-names');
    expect(ms).toBeLessThan(1000);
  });

  it('takes the same text stored twice for one name', async () => {
    // Redirect 1's name is the last byte of the base reference's "ff": the text "f", as redirect 0's.
    const image = writePatchImage(contents({
      redirects: [
        { base: 'f', baseOffset: 0, baseSize: 16, newOffset: 0, newSize: 16, mode: 'replace' },
        { base: 'g', baseOffset: 16, baseSize: 16, newOffset: 0, newSize: 16, mode: 'replace' },
      ],
      baseReferences: [{ symbol: 'ff', slot: 0 }],
    }));
    const redirectsAt = u32(image, H.redirects);
    const baseRefsAt = u32(image, H.baseReferences);
    const view = new DataView(image.buffer);
    view.setUint32(redirectsAt + 32, u32(image, baseRefsAt) + 1, true);
    const { result } = await timedParse(image);
    expect(!result.ok && result.error.code).toBe('duplicate-redirect');
  });

  it('refuses an image over 64 MiB before it reaches the engine', async () => {
    const { result, ms } = await timedParse(new Uint8Array(MAX_IMAGE_BYTES + 1));
    expect(!result.ok && result.error).toEqual({ code: 'too-large', offset: 0,
      message: 'the image is 67108865 bytes long; images are at most 67108864 (64 MiB)' });
    expect(ms).toBeLessThan(1000);
  });
});
