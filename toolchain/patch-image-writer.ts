// Writes the patch image format that engine/assembly/patch/parse.ts reads, with the numbers of the
// format from the file the parser is built from (core/patch-format.ts): version 1, or version 2
// when the patch has relocations. The layout is documented in docs/patch-format.md.
import { ARCH, type Arch } from '../core/arch.ts';
import {
  BASE_IDENTITY_SIZE, BASE_REF_SIZE, BASE_REF_TABLE, B_SLOT, B_SYMBOL, FORMAT_VERSION_1, FORMAT_VERSION_2, HEADER_SIZE, H_ARCH,
  H_RELOCATIONS, L_ADDEND, L_KIND, L_MODULE, L_OFFSET, L_SECTION, L_SYMBOL, L_TARGET, MAX_RELOCATIONS, RELOCATION_SIZE,
  RELOCATION_TABLE, SECTION_CODE, SECTION_DATA, TARGET_BASE, TARGET_EXPORT, TARGET_PATCH_CODE, TARGET_PATCH_DATA,
  relocationModuleNameWords, relocationSymbolNameWords,
  H_BASE_IDENTITY, H_BASE_REFS, H_CODE, H_DATA, H_FLAGS, H_HEADER_SIZE, H_IMAGE_SIZE, H_IMPORTS, H_MAGIC,
  H_MODULE_NAME, H_REDIRECTS, H_RESERVED, H_SEQUENCE, H_STRINGS, H_VERSION, IMPORT_SIZE, IMPORT_TABLE, I_MODULE, I_SLOT,
  I_SYMBOL, MAGIC, MAX_IMAGE_BYTES, MAX_NAME_BYTES, MAX_TABLE_ENTRIES, MODE_HOOK, MODE_REPLACE, MODULE_NAME_WORDS, NO_SLOT,
  REDIRECT_SIZE, REDIRECT_TABLE, R_BASE_NAME, R_BASE_OFFSET, R_BASE_SIZE, R_MODE, R_NEW_OFFSET, R_NEW_SIZE, R_SLOT,
  baseRefSymbolNameWords, emptyNameWords, importModuleNameWords, importSymbolNameWords, longNameWords,
  redirectBaseNameWords, tooLargeWords, tooManyEntriesWords,
} from '../core/patch-format.ts';

/** Header field offsets, for tools (and tests) that edit images. */
export const HEADER_FIELDS = {
  magic: H_MAGIC, version: H_VERSION, arch: H_ARCH, headerSize: H_HEADER_SIZE, imageSize: H_IMAGE_SIZE,
  sequence: H_SEQUENCE, flags: H_FLAGS, baseIdentity: H_BASE_IDENTITY, moduleName: H_MODULE_NAME, code: H_CODE,
  data: H_DATA, redirects: H_REDIRECTS, imports: H_IMPORTS, baseReferences: H_BASE_REFS, strings: H_STRINGS,
  reserved: H_RESERVED, relocations: H_RELOCATIONS,
} as const;

export type RelocationTarget = 'base' | 'export' | 'patch-code' | 'patch-data';

/** A relocation as the writer takes it (see core/patch-format.ts for the kinds). */
export interface RelocationContents {
  section: 'code' | 'data';
  offset: number;
  kind: number;
  target: RelocationTarget;
  /** Base and export targets: the symbol; export targets: its module. */
  symbol?: string;
  module?: string;
  addend: bigint | number;
}

const TARGET_CODES: Record<RelocationTarget, number> = {
  base: TARGET_BASE, export: TARGET_EXPORT, 'patch-code': TARGET_PATCH_CODE, 'patch-data': TARGET_PATCH_DATA,
};

export interface PatchImageContents {
  arch: Arch;
  sequence: number;
  /** Name of the module the patch is for. */
  module: string;
  /** SHA-256 of the base module image, 64 lowercase hex digits. */
  baseIdentity: string;
  code: Uint8Array;
  data: Uint8Array;
  redirects: {
    base: string; baseOffset: number; baseSize: number; newOffset: number; newSize: number;
    mode: 'replace' | 'hook'; slot?: number;
  }[];
  imports: { module: string; symbol: string; slot: number }[];
  baseReferences: { symbol: string; slot: number }[];
  /** Relocations make the image version 2; without them it is version 1. */
  relocations?: RelocationContents[];
}

/** The table an entry belongs to, as PatchImageContents names it. */
export type PatchImageTable = 'redirects' | 'imports' | 'baseReferences' | 'relocations';

/**
 * An image the engine would refuse at one of the format's limits, refused before it is built, in
 * the engine's words (core/patch-format.ts holds both the limits and the words).
 */
export class PatchImageLimitError extends Error {
  constructor(
    readonly code: 'too-large' | 'too-many-entries' | 'bad-name',
    message: string,
    /** The entry concerned, when there is one: the patch toolchain points at its source line. */
    readonly entry?: { table: PatchImageTable; index: number },
  ) {
    super(message);
    this.name = 'PatchImageLimitError';
  }
}

const TABLE_WORDS: Record<PatchImageTable, string> = {
  redirects: REDIRECT_TABLE, imports: IMPORT_TABLE, baseReferences: BASE_REF_TABLE, relocations: RELOCATION_TABLE,
};

/** Refuses what the engine would refuse at the format's limits, in the order the engine checks them. */
function checkLimits(contents: PatchImageContents, imageSize: number): void {
  if (imageSize > MAX_IMAGE_BYTES) throw new PatchImageLimitError('too-large', tooLargeWords(String(imageSize)));
  for (const table of ['redirects', 'imports', 'baseReferences', 'relocations'] as const) {
    const count = contents[table]?.length ?? 0;
    const limit = table === 'relocations' ? MAX_RELOCATIONS : MAX_TABLE_ENTRIES;
    if (count > limit) {
      throw new PatchImageLimitError('too-many-entries', tooManyEntriesWords(TABLE_WORDS[table], String(count), String(limit)),
        { table, index: limit });
    }
  }
  const name = (text: string, what: string, entry?: { table: PatchImageTable; index: number }) => {
    const length = utf8Length(text);
    if (length === 0) throw new PatchImageLimitError('bad-name', emptyNameWords(what), entry);
    if (length > MAX_NAME_BYTES) throw new PatchImageLimitError('bad-name', longNameWords(what, String(length)), entry);
  };
  name(contents.module, MODULE_NAME_WORDS);
  contents.redirects.forEach((r, i) => name(r.base, redirectBaseNameWords(String(i)), { table: 'redirects', index: i }));
  contents.imports.forEach((entry, i) => {
    name(entry.module, importModuleNameWords(String(i)), { table: 'imports', index: i });
    name(entry.symbol, importSymbolNameWords(String(i)), { table: 'imports', index: i });
  });
  contents.baseReferences.forEach((b, i) => name(b.symbol, baseRefSymbolNameWords(String(i)), { table: 'baseReferences', index: i }));
  (contents.relocations ?? []).forEach((r, i) => {
    if (r.symbol !== undefined) name(r.symbol, relocationSymbolNameWords(String(i)), { table: 'relocations', index: i });
    if (r.module !== undefined) name(r.module, relocationModuleNameWords(String(i)), { table: 'relocations', index: i });
  });
}

const encoder = new TextEncoder();
const utf8Length = (text: string) => encoder.encode(text).length;

/** The string table: each distinct name once, UTF-8. */
class StringTable {
  private readonly offsets = new Map<string, { offset: number; length: number }>();
  private readonly parts: Uint8Array[] = [];
  size = 0;

  add(name: string): { offset: number; length: number } {
    let ref = this.offsets.get(name);
    if (ref === undefined) {
      const bytes = encoder.encode(name);
      ref = { offset: this.size, length: bytes.length };
      this.offsets.set(name, ref);
      this.parts.push(bytes);
      this.size += bytes.length;
    }
    return ref;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const part of this.parts) { out.set(part, at); at += part.length; }
    return out;
  }
}

const align = (value: number, to: number) => Math.ceil(value / to) * to;

export interface WriteOptions {
  /**
   * false: write even an image past the format's limits, which the engine refuses (for tests and
   * fuzzers that make such images on purpose). Default true: throw a PatchImageLimitError instead.
   */
  checkLimits?: boolean;
}

export function writePatchImage(contents: PatchImageContents, options: WriteOptions = {}): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(contents.baseIdentity)) throw new Error('the base identity must be 64 lowercase hex digits');
  const strings = new StringTable();
  const moduleName = strings.add(contents.module);
  const redirects = contents.redirects.map((r) => ({ ...r, name: strings.add(r.base) }));
  const imports = contents.imports.map((i) => ({ ...i, moduleName: strings.add(i.module), symbolName: strings.add(i.symbol) }));
  const baseRefs = contents.baseReferences.map((b) => ({ ...b, name: strings.add(b.symbol) }));
  const none = { offset: 0, length: 0 };
  const relocations = (contents.relocations ?? []).map((r) => ({ ...r,
    symbolName: r.symbol !== undefined ? strings.add(r.symbol) : none, moduleName: r.module !== undefined ? strings.add(r.module) : none }));
  const version = relocations.length > 0 ? FORMAT_VERSION_2 : FORMAT_VERSION_1;

  const codeOffset = HEADER_SIZE;
  const dataOffset = align(codeOffset + contents.code.length, 16);
  const redirectOffset = align(dataOffset + contents.data.length, 8);
  const importOffset = redirectOffset + redirects.length * REDIRECT_SIZE;
  const baseRefOffset = importOffset + imports.length * IMPORT_SIZE;
  const relocationOffset = baseRefOffset + baseRefs.length * BASE_REF_SIZE;
  const stringOffset = relocationOffset + relocations.length * RELOCATION_SIZE;
  const size = stringOffset + strings.size;
  if (options.checkLimits !== false) checkLimits(contents, size);

  const image = new Uint8Array(size);
  const view = new DataView(image.buffer);
  const u32 = (at: number, value: number) => view.setUint32(at, value, true);
  const ref = (at: number, s: { offset: number; length: number }) => { u32(at, s.offset); u32(at + 4, s.length); };

  u32(H_MAGIC, MAGIC);
  view.setUint16(H_VERSION, version, true);
  view.setUint16(H_ARCH, ARCH[contents.arch].patchImageCode, true);
  u32(H_HEADER_SIZE, HEADER_SIZE);
  u32(H_IMAGE_SIZE, size);
  u32(H_SEQUENCE, contents.sequence);
  for (let i = 0; i < BASE_IDENTITY_SIZE; i++) image[H_BASE_IDENTITY + i] = parseInt(contents.baseIdentity.slice(i * 2, i * 2 + 2), 16);
  ref(H_MODULE_NAME, moduleName);
  // Sections: offset, then size or count.
  u32(H_CODE, codeOffset); u32(H_CODE + 4, contents.code.length);
  u32(H_DATA, dataOffset); u32(H_DATA + 4, contents.data.length);
  u32(H_REDIRECTS, redirectOffset); u32(H_REDIRECTS + 4, redirects.length);
  u32(H_IMPORTS, importOffset); u32(H_IMPORTS + 4, imports.length);
  u32(H_BASE_REFS, baseRefOffset); u32(H_BASE_REFS + 4, baseRefs.length);
  if (version === FORMAT_VERSION_2) { u32(H_RELOCATIONS, relocationOffset); u32(H_RELOCATIONS + 4, relocations.length); }
  u32(H_STRINGS, stringOffset); u32(H_STRINGS + 4, strings.size);

  image.set(contents.code, codeOffset);
  image.set(contents.data, dataOffset);
  redirects.forEach((r, i) => {
    const at = redirectOffset + i * REDIRECT_SIZE;
    ref(at + R_BASE_NAME, r.name);
    u32(at + R_BASE_OFFSET, r.baseOffset);
    u32(at + R_BASE_SIZE, r.baseSize);
    u32(at + R_NEW_OFFSET, r.newOffset);
    u32(at + R_NEW_SIZE, r.newSize);
    image[at + R_MODE] = r.mode === 'hook' ? MODE_HOOK : MODE_REPLACE;
    u32(at + R_SLOT, r.slot ?? NO_SLOT);
  });
  imports.forEach((entry, i) => {
    const at = importOffset + i * IMPORT_SIZE;
    ref(at + I_MODULE, entry.moduleName);
    ref(at + I_SYMBOL, entry.symbolName);
    u32(at + I_SLOT, entry.slot);
  });
  baseRefs.forEach((entry, i) => {
    const at = baseRefOffset + i * BASE_REF_SIZE;
    ref(at + B_SYMBOL, entry.name);
    u32(at + B_SLOT, entry.slot);
  });
  relocations.forEach((r, i) => {
    const at = relocationOffset + i * RELOCATION_SIZE;
    u32(at + L_OFFSET, r.offset);
    view.setUint16(at + L_KIND, r.kind, true);
    image[at + L_SECTION] = r.section === 'code' ? SECTION_CODE : SECTION_DATA;
    image[at + L_TARGET] = TARGET_CODES[r.target];
    ref(at + L_SYMBOL, r.symbolName);
    ref(at + L_MODULE, r.moduleName);
    view.setBigInt64(at + L_ADDEND, BigInt(r.addend), true);
  });
  image.set(strings.bytes(), stringOffset);
  return image;
}
