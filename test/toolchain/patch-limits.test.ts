// The toolchain refuses to build an image the engine would refuse at the format's limits, with the
// engine's words: names over 1,024 bytes, tables over their bound, images over 64 MiB.
import { describe, expect, it } from 'vitest';
import type { Arch } from '../../core/arch.ts';
import { moduleIdentity } from '../../core/identity.ts';
import { MAX_IMAGE_BYTES, MAX_TABLE_ENTRIES } from '../../core/patch-format.ts';
import { parsePatchImage } from '../../engine/host/patch-image.ts';
import { assembleModule } from '../../toolchain/assemble.ts';
import { type PatchImageContents, PatchImageLimitError, writePatchImage } from '../../toolchain/patch-image-writer.ts';
import { buildPatch } from '../../toolchain/patch.ts';
import { AssemblyError } from '../../toolchain/source.ts';

/** The engine's message for an image written without the toolchain's checks. */
async function engineMessage(contents: PatchImageContents): Promise<string> {
  const result = await parsePatchImage(writePatchImage(contents, { checkLimits: false }), contents.arch);
  if (result.ok) throw new Error('the engine accepted the image');
  return result.error.message;
}

function writerError(contents: PatchImageContents): PatchImageLimitError {
  try {
    writePatchImage(contents);
  } catch (error) {
    if (error instanceof PatchImageLimitError) return error;
    throw error;
  }
  throw new Error('the writer wrote the image');
}

const contents = (overrides: Partial<PatchImageContents>): PatchImageContents => ({
  arch: 'x64', sequence: 1, module: 'app', baseIdentity: '0'.repeat(64), code: new Uint8Array(16),
  data: new Uint8Array(8 * (MAX_TABLE_ENTRIES + 1)), redirects: [], imports: [], baseReferences: [], ...overrides,
});

const BODY: Record<Arch, string> = { x64: 'mov eax, 1\n    mov eax, 2\n    ret', arm64: 'mov w0, #1\n    mov w0, #2\n    ret' };

describe.each(['x64', 'arm64'] as Arch[])('patch build at the format\'s limits (%s)', (arch) => {
  it('refuses a redirect of a function whose name is over 1,024 bytes, at its line, in the engine\'s words', async () => {
    const name = 'f' + 'x'.repeat(1099);
    const base = await assembleModule(`.module m\n.entry main\n.func ${name}\n    ${BODY[arch]}\n.endfunc\n.func main\n    ret\n.endfunc\n`, arch);
    const source = `.patch m\n.sequence 1\n.redirect ${name} -> g\n.func g\n    ret\n.endfunc\n`;
    const error = await buildPatch(source, arch, { base, modules: [base] }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(AssemblyError);
    const fn = base.symbols.find((s) => s.name === name)!;
    const expected = await engineMessage({ ...contents({}), arch, module: 'm', baseIdentity: await moduleIdentity(base),
      redirects: [{ base: name, baseOffset: fn.address - base.base, baseSize: fn.size, newOffset: 0, newSize: 1, mode: 'replace' }] });
    expect(expected).toBe('the base function name of redirect 0 is 1100 bytes long; names are at most 1024');
    expect((error as AssemblyError).message).toBe(`the patch cannot be built: ${expected}`);
    expect((error as AssemblyError).line).toBe(3);
  });

  it('refuses an import whose symbol name is over 1,024 bytes, at its line', async () => {
    const base = await assembleModule(`.module m\n.entry main\n.func main\n    ${BODY[arch]}\n.endfunc\n`, arch);
    const source = `.patch m\n.sequence 1\n.import r = lib!${'s'.repeat(1025)}\n`;
    await expect(buildPatch(source, arch, { base })).rejects.toMatchObject({
      line: 3, message: 'the patch cannot be built: the symbol name of import 0 is 1025 bytes long; names are at most 1024',
    });
  });
});

describe('patch image writer at the format\'s limits', () => {
  it.each([['redirects'], ['imports'], ['baseReferences']] as const)('refuses %s past the table bound, in the engine\'s words', async (table) => {
    const n = MAX_TABLE_ENTRIES + 1;
    const entries = {
      redirects: Array.from({ length: n }, (_, i) => ({ base: `f${i}`, baseOffset: i * 16, baseSize: 16, newOffset: 0, newSize: 16,
        mode: 'replace' as const })),
      imports: Array.from({ length: n }, (_, i) => ({ module: 'lib', symbol: 's', slot: i * 8 })),
      baseReferences: Array.from({ length: n }, (_, i) => ({ symbol: 's', slot: i * 8 })),
    };
    const image = contents({ [table]: entries[table] });
    const error = writerError(image);
    expect(error.code).toBe('too-many-entries');
    expect(error.entry).toEqual({ table, index: MAX_TABLE_ENTRIES });
    expect(error.message).toBe(await engineMessage(image));
  });

  it('refuses an image over 64 MiB, in the engine\'s words', async () => {
    const image = contents({ code: new Uint8Array(MAX_IMAGE_BYTES) });
    const error = writerError(image);
    expect(error.code).toBe('too-large');
    expect(error.message).toBe(await engineMessage(image));
    expect(error.message).toMatch(/^the image is 671\d{5} bytes long; images are at most 67108864 \(64 MiB\)$/);
  });

  it('refuses an empty name and the module name over 1,024 bytes, in the engine\'s words', async () => {
    for (const image of [contents({ module: 'm'.repeat(1025) }), contents({ baseReferences: [{ symbol: '', slot: 0 }] })]) {
      expect(writerError(image).message).toBe(await engineMessage(image));
    }
  });

  it('writes an image at every bound', () => {
    const n = MAX_TABLE_ENTRIES;
    const image = writePatchImage(contents({ module: 'm'.repeat(1024),
      imports: Array.from({ length: n }, (_, i) => ({ module: 'l'.repeat(1024), symbol: 's'.repeat(1024), slot: i * 8 })) }));
    expect(image.length).toBeGreaterThan(n * 24);
  });
});
