// Writes the patch image format (version 1) that engine/assembly/patch/parse.ts reads.
// The layout is documented in docs/patch-format.md.
import { ARCH, type Arch } from '../core/arch.ts';

export const PATCH_MAGIC = 'HPAT';
export const PATCH_FORMAT_VERSION = 1;
export const PATCH_HEADER_SIZE = 128;
export const REDIRECT_ENTRY_SIZE = 32;
export const IMPORT_ENTRY_SIZE = 24;
export const BASE_REFERENCE_ENTRY_SIZE = 16;
export const SLOT_SIZE = 8;
export const NO_SLOT = 0xffffffff;

/** Header field offsets, for tools (and tests) that edit images. */
export const HEADER_FIELDS = {
  magic: 0, version: 4, arch: 6, headerSize: 8, imageSize: 12, sequence: 16, flags: 20, baseIdentity: 24,
  moduleName: 56, code: 64, data: 72, redirects: 80, imports: 88, baseReferences: 96, strings: 104, reserved: 112,
} as const;

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
}

/** The string table: each distinct name once, UTF-8. */
class StringTable {
  private readonly offsets = new Map<string, number>();
  private readonly parts: Uint8Array[] = [];
  size = 0;

  add(name: string): { offset: number; length: number } {
    const bytes = new TextEncoder().encode(name);
    let offset = this.offsets.get(name);
    if (offset === undefined) {
      offset = this.size;
      this.offsets.set(name, offset);
      this.parts.push(bytes);
      this.size += bytes.length;
    }
    return { offset, length: bytes.length };
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const part of this.parts) { out.set(part, at); at += part.length; }
    return out;
  }
}

const align = (value: number, to: number) => Math.ceil(value / to) * to;

export function writePatchImage(contents: PatchImageContents): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(contents.baseIdentity)) throw new Error('the base identity must be 64 lowercase hex digits');
  const strings = new StringTable();
  const moduleName = strings.add(contents.module);
  const redirects = contents.redirects.map((r) => ({ ...r, name: strings.add(r.base) }));
  const imports = contents.imports.map((i) => ({ ...i, moduleName: strings.add(i.module), symbolName: strings.add(i.symbol) }));
  const baseRefs = contents.baseReferences.map((b) => ({ ...b, name: strings.add(b.symbol) }));

  const codeOffset = PATCH_HEADER_SIZE;
  const dataOffset = align(codeOffset + contents.code.length, 16);
  const redirectOffset = align(dataOffset + contents.data.length, 8);
  const importOffset = redirectOffset + redirects.length * REDIRECT_ENTRY_SIZE;
  const baseRefOffset = importOffset + imports.length * IMPORT_ENTRY_SIZE;
  const stringOffset = baseRefOffset + baseRefs.length * BASE_REFERENCE_ENTRY_SIZE;
  const size = stringOffset + strings.size;

  const image = new Uint8Array(size);
  const view = new DataView(image.buffer);
  const u32 = (at: number, value: number) => view.setUint32(at, value, true);
  const ref = (at: number, s: { offset: number; length: number }) => { u32(at, s.offset); u32(at + 4, s.length); };

  image.set(new TextEncoder().encode(PATCH_MAGIC), HEADER_FIELDS.magic);
  view.setUint16(HEADER_FIELDS.version, PATCH_FORMAT_VERSION, true);
  view.setUint16(HEADER_FIELDS.arch, ARCH[contents.arch].patchImageCode, true);
  u32(HEADER_FIELDS.headerSize, PATCH_HEADER_SIZE);
  u32(HEADER_FIELDS.imageSize, size);
  u32(HEADER_FIELDS.sequence, contents.sequence);
  for (let i = 0; i < 32; i++) image[HEADER_FIELDS.baseIdentity + i] = parseInt(contents.baseIdentity.slice(i * 2, i * 2 + 2), 16);
  ref(HEADER_FIELDS.moduleName, moduleName);
  u32(HEADER_FIELDS.code, codeOffset); u32(HEADER_FIELDS.code + 4, contents.code.length);
  u32(HEADER_FIELDS.data, dataOffset); u32(HEADER_FIELDS.data + 4, contents.data.length);
  u32(HEADER_FIELDS.redirects, redirectOffset); u32(HEADER_FIELDS.redirects + 4, redirects.length);
  u32(HEADER_FIELDS.imports, importOffset); u32(HEADER_FIELDS.imports + 4, imports.length);
  u32(HEADER_FIELDS.baseReferences, baseRefOffset); u32(HEADER_FIELDS.baseReferences + 4, baseRefs.length);
  u32(HEADER_FIELDS.strings, stringOffset); u32(HEADER_FIELDS.strings + 4, strings.size);

  image.set(contents.code, codeOffset);
  image.set(contents.data, dataOffset);
  redirects.forEach((r, i) => {
    const at = redirectOffset + i * REDIRECT_ENTRY_SIZE;
    ref(at, r.name);
    u32(at + 8, r.baseOffset);
    u32(at + 12, r.baseSize);
    u32(at + 16, r.newOffset);
    u32(at + 20, r.newSize);
    image[at + 24] = r.mode === 'hook' ? 1 : 0;
    u32(at + 28, r.slot ?? NO_SLOT);
  });
  imports.forEach((entry, i) => {
    const at = importOffset + i * IMPORT_ENTRY_SIZE;
    ref(at, entry.moduleName);
    ref(at + 8, entry.symbolName);
    u32(at + 16, entry.slot);
  });
  baseRefs.forEach((entry, i) => {
    const at = baseRefOffset + i * BASE_REFERENCE_ENTRY_SIZE;
    ref(at, entry.name);
    u32(at + 8, entry.slot);
  });
  image.set(strings.bytes(), stringOffset);
  return image;
}
