// Writes the patch image format (version 1) that engine/assembly/patch/parse.ts reads, with the
// numbers of the format from the file the parser is built from (core/patch-format.ts).
// The layout is documented in docs/patch-format.md.
import { ARCH, type Arch } from '../core/arch.ts';
import {
  BASE_IDENTITY_SIZE, BASE_REF_SIZE, B_SLOT, B_SYMBOL, FORMAT_VERSION, HEADER_SIZE, H_ARCH,
  H_BASE_IDENTITY, H_BASE_REFS, H_CODE, H_DATA, H_FLAGS, H_HEADER_SIZE, H_IMAGE_SIZE, H_IMPORTS, H_MAGIC,
  H_MODULE_NAME, H_REDIRECTS, H_RESERVED, H_SEQUENCE, H_STRINGS, H_VERSION, IMPORT_SIZE, I_MODULE, I_SLOT, I_SYMBOL,
  MAGIC, MODE_HOOK, MODE_REPLACE, NO_SLOT, REDIRECT_SIZE, R_BASE_NAME, R_BASE_OFFSET, R_BASE_SIZE, R_MODE,
  R_NEW_OFFSET, R_NEW_SIZE, R_SLOT,
} from '../core/patch-format.ts';

/** Header field offsets, for tools (and tests) that edit images. */
export const HEADER_FIELDS = {
  magic: H_MAGIC, version: H_VERSION, arch: H_ARCH, headerSize: H_HEADER_SIZE, imageSize: H_IMAGE_SIZE,
  sequence: H_SEQUENCE, flags: H_FLAGS, baseIdentity: H_BASE_IDENTITY, moduleName: H_MODULE_NAME, code: H_CODE,
  data: H_DATA, redirects: H_REDIRECTS, imports: H_IMPORTS, baseReferences: H_BASE_REFS, strings: H_STRINGS,
  reserved: H_RESERVED,
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

  const codeOffset = HEADER_SIZE;
  const dataOffset = align(codeOffset + contents.code.length, 16);
  const redirectOffset = align(dataOffset + contents.data.length, 8);
  const importOffset = redirectOffset + redirects.length * REDIRECT_SIZE;
  const baseRefOffset = importOffset + imports.length * IMPORT_SIZE;
  const stringOffset = baseRefOffset + baseRefs.length * BASE_REF_SIZE;
  const size = stringOffset + strings.size;

  const image = new Uint8Array(size);
  const view = new DataView(image.buffer);
  const u32 = (at: number, value: number) => view.setUint32(at, value, true);
  const ref = (at: number, s: { offset: number; length: number }) => { u32(at, s.offset); u32(at + 4, s.length); };

  u32(H_MAGIC, MAGIC);
  view.setUint16(H_VERSION, FORMAT_VERSION, true);
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
  image.set(strings.bytes(), stringOffset);
  return image;
}
