// The engine's patch image answer in JSON (the parsePatchImage export), read as the host read it
// before the binary record (patch-image-record.ts): kept as the reference the record is tested
// against, word for word.
import { ARCH } from '../../core/arch.ts';
import type { Arch } from '../../core/arch.ts';
import { MAX_IMAGE_BYTES, tooLargeWords } from '../../core/patch-format.ts';
import type { Engine } from './engine.ts';
import type { ImageRedirect, ImageRelocation, PatchImage, PatchImageError, PatchImageResult } from './patch-image.ts';

/** The engine's answer: each distinct name once in `names`, entries naming theirs by number. */
interface EngineImage extends Omit<PatchImage, 'module' | 'redirects' | 'imports' | 'baseReferences' | 'relocations'> {
  names: string[];
  module: number;
  redirects: (Omit<ImageRedirect, 'base'> & { base: number })[];
  imports: { module: number; symbol: number; slot: number }[];
  baseReferences: { symbol: number; slot: number }[];
  relocations: (Omit<ImageRelocation, 'symbol' | 'module' | 'addend'> & { symbol?: number; module?: number; addend: string })[];
}

type EngineAnswer = { ok: true; image: EngineImage } | { ok: false; error: PatchImageError };

/** parsePatchImageWith through the engine's JSON answer. */
export function parsePatchImageJsonWith(engine: Engine, bytes: Uint8Array, arch: Arch): PatchImageResult {
  if (bytes.length > MAX_IMAGE_BYTES) {
    return { ok: false, error: { code: 'too-large', offset: 0, message: tooLargeWords(String(bytes.length)) } };
  }
  const wasm = engine.exports;
  const pointer = wasm.patchImageBuffer(bytes.length);
  new Uint8Array(wasm.memory.buffer, pointer, bytes.length).set(bytes);
  const answer = JSON.parse(engine.string(wasm.parsePatchImage(ARCH[arch].patchImageCode))) as EngineAnswer;
  if (!answer.ok) return answer;
  // Entries share the one string of each name.
  const { names, ...image } = answer.image;
  return {
    ok: true,
    image: {
      ...image,
      module: names[image.module]!,
      redirects: image.redirects.map((r) => ({ ...r, base: names[r.base]! })),
      imports: image.imports.map((entry) => ({ module: names[entry.module]!, symbol: names[entry.symbol]!, slot: entry.slot })),
      baseReferences: image.baseReferences.map((entry) => ({ symbol: names[entry.symbol]!, slot: entry.slot })),
      relocations: image.relocations.map(({ symbol, module, addend, ...r }) => ({
        ...r, ...(symbol !== undefined ? { symbol: names[symbol]! } : {}), ...(module !== undefined ? { module: names[module]! } : {}),
        addend: BigInt(addend),
      })),
    },
  };
}
