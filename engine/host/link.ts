// The link stage of a transaction: once the patch is placed and before anything is written, every
// relocation of a version 2 image is resolved. The host finds each symbol's address (a symbol of
// the base module, an export of another loaded module; the patch's own sections are placed) and
// the engine fills the fields (engine/assembly/patch/link.ts), with the encodings of each
// architecture next to its writer. A symbol that is missing, or a value its field cannot hold,
// refuses the whole patch with a message naming the relocation, the symbol and the distance.
import { hex } from '../../core/hex.ts';
import { ARCH, type Arch } from '../../core/arch.ts';
import type { Engine } from './engine.ts';
import type { ImageRelocation, PatchImage } from './patch-image.ts';

/** How a relocation's symbol is found, or why it is not. */
export interface SymbolResolver {
  /** A symbol of the base module: its address, or undefined when the module has none of that name. */
  base(name: string): number | undefined;
  /** An export of another module: its address, or a sentence saying why there is none. */
  export(module: string, symbol: string): number | string;
}

export interface RelocationRefusal {
  index: number;
  kindName: string;
  section: 'code' | 'data';
  offset: number;
  /** The field's address (the instruction's, for ARM64). */
  place: number;
  /** "pricing!tax_rate", "mathlib!round_half", "the patch's code". */
  symbol: string;
  reason: 'missing-symbol' | 'out-of-reach' | 'misaligned' | 'overflow';
  /** What had to fit (a distance in bytes, in pages for ADRP, or the low 12 bits), and what fits. */
  value?: bigint;
  min?: bigint;
  max?: bigint;
  alignment?: bigint;
}

export type LinkResult =
  | { ok: true; code: Uint8Array; data: Uint8Array }
  | { ok: false; code: 'missing-base-symbol' | 'missing-import' | 'relocation-refused'; message: string; relocation: RelocationRefusal };

interface EngineLinkAnswer {
  ok: boolean;
  code?: number;
  data?: number;
  relocation?: number;
  reason?: 'out-of-reach' | 'misaligned' | 'overflow' | 'bad-image' | 'bad-call';
  message?: string;
  symbol?: string;
  place?: string;
  target?: string;
  value?: string;
  min?: string;
  max?: string;
  alignment?: string;
}

/** "the symbol" of a relocation, in messages. */
export function relocationSymbolText(r: ImageRelocation, module: string): string {
  switch (r.target) {
    case 'base': return `${module}!${r.symbol}`;
    case 'export': return `${r.module}!${r.symbol}`;
    case 'patch-code': return 'the patch\'s code';
    case 'patch-data': return 'the patch\'s data';
  }
}

function describe(r: ImageRelocation, index: number, place: number): string {
  return `relocation ${index} (${r.kindName} at ${r.section}+${hex(r.offset)}, address ${hex(place)})`;
}

/** Why a value did not fit, in words. */
function reachSentence(r: ImageRelocation, answer: EngineLinkAnswer): string {
  const value = BigInt(answer.value!);
  const min = BigInt(answer.min!);
  const max = BigInt(answer.max!);
  const alignment = BigInt(answer.alignment!);
  if (r.kindName === 'R_AARCH64_ADR_PREL_PG_HI21') {
    return `the target ${answer.target} is ${hex(value)} pages from the instruction's page, and adrp reaches ` +
      `${hex(min)}..${hex(max)} pages (+-4 GiB)`;
  }
  if (r.kindName.includes('_LO12_')) {
    return `the low 12 bits of the target ${answer.target} are ${hex(value)}, not a multiple of ${alignment} as the access size needs`;
  }
  if (answer.reason === 'misaligned') {
    return `the distance to the target ${answer.target} is ${hex(value)} bytes, not a multiple of ${alignment}`;
  }
  return `the distance to the target ${answer.target} is ${hex(value)} bytes, and ${r.kindName} reaches ` +
    `${hex(min)}..${hex(max)}`;
}

/**
 * Resolves every relocation of `image` for its code at `codeAddress` and data at `dataAddress`;
 * answers the linked sections, or the first relocation that cannot be resolved. Pure: nothing is
 * written to the guest.
 */
export function linkPatch(engine: Engine, arch: Arch, imageBytes: Uint8Array, image: PatchImage, codeAddress: number,
  dataAddress: number, resolve: SymbolResolver): LinkResult {
  const relocations = image.relocations;
  const symbols = new BigUint64Array(relocations.length);
  const placeOf = (r: ImageRelocation) => (r.section === 'code' ? codeAddress : dataAddress) + r.offset;
  for (const [index, r] of relocations.entries()) {
    if (r.target !== 'base' && r.target !== 'export') continue;
    const found = r.target === 'base' ? resolve.base(r.symbol!) ?? `the module does not define "${r.symbol}"`
      : resolve.export(r.module!, r.symbol!);
    if (typeof found === 'string') {
      const place = placeOf(r);
      return { ok: false, code: r.target === 'base' ? 'missing-base-symbol' : 'missing-import',
        message: `${describe(r, index, place)} refers to ${relocationSymbolText(r, image.module)}, but ${found}`,
        relocation: { index, kindName: r.kindName, section: r.section, offset: r.offset, place,
          symbol: relocationSymbolText(r, image.module), reason: 'missing-symbol' } };
    }
    symbols[index] = BigInt(found);
  }

  const wasm = engine.exports;
  const pointer = wasm.patchImageBuffer(imageBytes.length);
  engine.view(pointer, imageBytes.length).set(imageBytes);
  engine.input(symbols.byteLength).set(new Uint8Array(symbols.buffer));
  const answer = JSON.parse(engine.string(wasm.linkPatchImage(ARCH[arch].patchImageCode, BigInt(codeAddress), BigInt(dataAddress),
    relocations.length))) as EngineLinkAnswer;
  if (answer.ok) {
    return { ok: true, code: engine.view(pointer + answer.code!, image.code.size).slice(),
      data: engine.view(pointer + answer.data!, image.data.size).slice() };
  }
  if (answer.relocation === undefined) throw new Error(`the engine could not link a parsed image: ${answer.message}`);
  const index = answer.relocation;
  const r = relocations[index]!;
  const place = placeOf(r);
  const symbol = relocationSymbolText(r, image.module);
  const at = `${describe(r, index, place)} to ${symbol} (${answer.symbol}${r.addend < 0n ? ` - ${hex(-r.addend)}` : ` + ${hex(r.addend)}`})`;
  const message = answer.reason === 'overflow'
    ? `${at} cannot be resolved: the symbol's address plus the addend is outside the 64-bit address space`
    : `${at} ${answer.reason === 'out-of-reach' ? 'does not reach' : 'cannot be encoded'}: ${reachSentence(r, answer)}`;
  return { ok: false, code: 'relocation-refused', message, relocation: {
    index, kindName: r.kindName, section: r.section, offset: r.offset, place, symbol, reason: answer.reason as RelocationRefusal['reason'],
    ...(answer.value !== undefined ? { value: BigInt(answer.value), min: BigInt(answer.min!), max: BigInt(answer.max!),
      alignment: BigInt(answer.alignment!) } : {}),
  } };
}
