// Host side of the patch image parser: copies an image into engine.wasm, reads back its verdict.
import { ARCH, type Arch } from '../../core/arch.ts';
import { type Engine, loadEngine } from './engine.ts';

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
  | 'bad-name' // empty, too long, not UTF-8, or with control characters
  | 'bad-redirect' // sizes of 0, unknown mode, a slot where none belongs or none where one must be
  | 'duplicate-redirect'
  | 'overlapping-redirects'
  | 'slot-out-of-bounds'
  | 'misaligned-slot'
  | 'shared-slot'
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
}

export type PatchImageResult = { ok: true; image: PatchImage } | { ok: false; error: PatchImageError };

/** Larger images are refused before they reach the engine. */
export const MAX_IMAGE_BYTES = 64 << 20;

/** Parses and validates `bytes` as a patch image for a program of architecture `arch`. */
export function parsePatchImageWith(engine: Engine, bytes: Uint8Array, arch: Arch): PatchImageResult {
  if (bytes.length > MAX_IMAGE_BYTES) {
    return { ok: false, error: { code: 'too-large', offset: 0,
      message: `the image is ${bytes.length} bytes long; images are at most ${MAX_IMAGE_BYTES}` } };
  }
  const wasm = engine.exports;
  const pointer = wasm.patchImageBuffer(bytes.length);
  new Uint8Array(wasm.memory.buffer, pointer, bytes.length).set(bytes);
  return JSON.parse(wasm.parsePatchImage(ARCH[arch].patchImageCode)) as PatchImageResult;
}

export async function parsePatchImage(bytes: Uint8Array, arch: Arch): Promise<PatchImageResult> {
  return parsePatchImageWith(await loadEngine(), bytes, arch);
}

