// Host side of the patch image parser: copies an image into engine.wasm, reads back its verdict.
import { ARCH, type Arch } from '../../core/arch.ts';
import { MAX_IMAGE_BYTES, tooLargeWords } from '../../core/patch-format.ts';
import { type Engine, loadEngine } from './engine.ts';
import { readPatchImageRecord } from './patch-image-record.ts';

export type PatchImageErrorCode =
  | 'truncated' // the image ends before something it declares
  | 'bad-magic' // not a patch image
  | 'unknown-version'
  | 'unknown-arch'
  | 'wrong-arch' // built for the other architecture
  | 'bad-header' // header fields that contradict each other or the image
  | 'reserved-not-zero'
  | 'out-of-bounds' // an offset or length that points outside the image or its section
  | 'overlapping-sections'
  | 'too-many-entries' // a table with more entries than the format allows
  | 'bad-name' // empty, too long, not UTF-8, or with control characters
  | 'overlapping-names' // two different name references that share bytes of the string table
  | 'bad-redirect' // sizes of 0, unknown mode, a slot where none belongs or none where one must be
  | 'duplicate-redirect'
  | 'overlapping-redirects'
  | 'slot-out-of-bounds'
  | 'misaligned-slot'
  | 'shared-slot'
  | 'bad-relocation' // a kind of another architecture, an unknown section or target, a field in the wrong place or instruction
  | 'overlapping-relocations' // two relocation fields that share bytes
  | 'too-large';

export interface PatchImageError {
  code: PatchImageErrorCode;
  message: string;
  /** Offset in the image of the field found wrong. */
  offset: number;
}

export interface ImageRegion {
  offset: number;
  size: number;
}

export interface ImageRedirect {
  /** Name of the base function, and where it was in the base module when the patch was built. */
  base: string;
  baseOffset: number;
  baseSize: number;
  /** The new function, in the code section. */
  newOffset: number;
  newSize: number;
  mode: 'replace' | 'hook';
  /** Hook mode: data-section offset of the slot that receives the trampoline's address. */
  slot?: number;
}

export interface ImageImport {
  module: string;
  symbol: string;
  slot: number;
}

export interface ImageBaseReference {
  symbol: string;
  slot: number;
}

/** A reference in the patch, resolved when it is applied (format version 2). */
export interface ImageRelocation {
  /** Where the field is: its section and offset (the instruction's, for ARM64 instruction kinds). */
  section: 'code' | 'data';
  offset: number;
  /** ELF's relocation type number for the image's architecture, and its name (R_X86_64_PLT32, R_AARCH64_CALL26, ...). */
  kind: number;
  kindName: string;
  /** Bytes of the field (4 for ARM64 instructions: the whole instruction). */
  fieldSize: number;
  /** A symbol of the base module, an export of another module, or the patch's own code or data section. */
  target: 'base' | 'export' | 'patch-code' | 'patch-data';
  symbol?: string;
  module?: string;
  addend: bigint;
}

export interface PatchImage {
  version: number;
  arch: Arch;
  size: number;
  sequence: number;
  /** Name of the module the patch is for. */
  module: string;
  /** SHA-256 of the base module image the patch was built against, lowercase hex. */
  baseIdentity: string;
  code: ImageRegion;
  data: ImageRegion;
  redirects: ImageRedirect[];
  imports: ImageImport[];
  baseReferences: ImageBaseReference[];
  /** Version 2; empty in version 1 images. */
  relocations: ImageRelocation[];
}

export type PatchImageResult = { ok: true; image: PatchImage } | { ok: false; error: PatchImageError };

/** Larger images are refused before they reach the engine. */
export { MAX_IMAGE_BYTES };

/** Parses and validates `bytes` as a patch image for a program of architecture `arch`. */
export function parsePatchImageWith(engine: Engine, bytes: Uint8Array, arch: Arch): PatchImageResult {
  if (bytes.length > MAX_IMAGE_BYTES) {
    return { ok: false, error: { code: 'too-large', offset: 0, message: tooLargeWords(String(bytes.length)) } };
  }
  const wasm = engine.exports;
  const pointer = wasm.patchImageBuffer(bytes.length);
  new Uint8Array(wasm.memory.buffer, pointer, bytes.length).set(bytes);
  // The answer is a binary record (engine/assembly/common/patch-image-record.ts), read before the next call.
  const record = wasm.parsePatchImageRecord(ARCH[arch].patchImageCode);
  return readPatchImageRecord(engine.memory(), record);
}

export async function parsePatchImage(bytes: Uint8Array, arch: Arch): Promise<PatchImageResult> {
  return parsePatchImageWith(await loadEngine(), bytes, arch);
}

