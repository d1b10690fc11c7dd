// Large patch images for the patch fuzzer: the format's limits from both sides. Each image is one
// of these, for the fixture's program (its module name and base identity, so that most get past
// the identity check to linking, placement and the writes):
//   - shared names: up to the table bound (sometimes one past) of imports and base references that
//     all name one long name (up to 1,024 bytes, sometimes 1,025);
//   - distinct names: up to the bound of redirects, each with a long name of its own;
//   - overlapping names: references that start one byte apart in the same bytes;
//   - many slots: up to the bound of imports of a real export and base references of a real symbol,
//     which apply (thousands of slot writes) and are rolled back;
//   - big sections: a code or data section of up to `maxBytes` (64 MiB in the script), with a real
//     redirect, sometimes just past the image bound;
// and half of them then get one to three of the small fuzzer's mutations.
import type { Arch } from '../../core/arch.ts';
import { moduleIdentity } from '../../core/identity.ts';
import type { GuestModule } from '../../core/module.ts';
import { HEADER_SIZE, MAX_IMAGE_BYTES, MAX_NAME_BYTES, MAX_TABLE_ENTRIES } from '../../core/patch-format.ts';
import { HEADER_FIELDS, type PatchImageContents, writePatchImage } from '../../toolchain/patch-image-writer.ts';
import type { Random } from './patch-fuzzer.ts';

export type LargeImageKind = 'shared-names' | 'distinct-names' | 'overlapping-names' | 'many-slots' | 'big-section';
const KINDS: LargeImageKind[] = ['shared-names', 'distinct-names', 'overlapping-names', 'many-slots', 'big-section'];

/** What the generator needs to know of the program: the module it patches and an export of another. */
export interface LargeImageTarget {
  arch: Arch;
  base: GuestModule;
  identity: string;
  /** A function of the base module (a redirect target) and a data symbol of it (a base reference). */
  function: { name: string; offset: number; size: number };
  dataSymbol: string;
  export: { module: string; symbol: string };
}

export async function largeImageTarget(arch: Arch, modules: readonly GuestModule[], baseName: string): Promise<LargeImageTarget> {
  const base = modules.find((m) => m.name === baseName)!;
  const fn = base.symbols.find((s) => s.kind === 'function' && s.size >= 16) ?? base.symbols.find((s) => s.kind === 'function')!;
  const data = base.symbols.find((s) => s.kind === 'data')!;
  const provider = modules.find((m) => m.name !== baseName && m.exports.length > 0)!;
  return {
    arch, base, identity: await moduleIdentity(base), function: { name: fn.name, offset: fn.address - base.base, size: fn.size },
    dataSymbol: data.name, export: { module: provider.name, symbol: provider.exports[0]! },
  };
}

/** A count up to the table bound: small, large, exactly the bound, or one past it. */
function count(random: Random): number {
  switch (random.below(6)) {
    case 0: return MAX_TABLE_ENTRIES;
    case 1: return MAX_TABLE_ENTRIES + 1;
    case 2: return 1 + random.below(64);
    default: return 1 + random.below(MAX_TABLE_ENTRIES);
  }
}

function nameLength(random: Random): number {
  return random.pick([1, MAX_NAME_BYTES, MAX_NAME_BYTES, MAX_NAME_BYTES + 1, 1 + random.below(MAX_NAME_BYTES)]);
}

/** One large image for `target`, at most about `maxBytes` long; with `maxBytes` at the image bound, sometimes just past it. */
export function largePatchImage(random: Random, target: LargeImageTarget, maxBytes: number): { kind: LargeImageKind; image: Uint8Array } {
  const kind = random.pick(KINDS);
  const contents: PatchImageContents = {
    arch: target.arch, sequence: 1 + random.below(3), module: target.base.name, baseIdentity: target.identity,
    code: new Uint8Array(16).fill(target.arch === 'x64' ? 0xc3 : 0), data: new Uint8Array(0),
    redirects: [], imports: [], baseReferences: [],
  };
  const realRedirect = () => ({ base: target.function.name, baseOffset: target.function.offset, baseSize: target.function.size,
    newOffset: 0, newSize: 4, mode: 'replace' as const });
  switch (kind) {
    case 'shared-names': {
      const name = 'n'.repeat(nameLength(random));
      const imports = count(random);
      const baseRefs = count(random);
      contents.data = new Uint8Array(8 * (imports + baseRefs));
      contents.imports = Array.from({ length: imports }, (_, i) => ({ module: name, symbol: name, slot: i * 8 }));
      contents.baseReferences = Array.from({ length: baseRefs }, (_, i) => ({ symbol: name, slot: (imports + i) * 8 }));
      break;
    }
    case 'distinct-names': {
      const n = Math.min(count(random), Math.max(1, Math.floor(maxBytes / (MAX_NAME_BYTES + 32))));
      const length = nameLength(random);
      contents.redirects = Array.from({ length: n }, (_, i) => ({
        base: String(i).padStart(length, 'f'), baseOffset: i * 16, baseSize: 16, newOffset: 0, newSize: 16, mode: 'replace' as const }));
      break;
    }
    case 'overlapping-names': {
      const n = count(random);
      contents.data = new Uint8Array(8 * n);
      contents.imports = Array.from({ length: n }, (_, i) => ({ module: 'n'.repeat(MAX_NAME_BYTES + n), symbol: 's', slot: i * 8 }));
      break;
    }
    case 'many-slots': {
      const imports = count(random);
      const baseRefs = count(random);
      contents.data = new Uint8Array(8 * (imports + baseRefs));
      contents.imports = Array.from({ length: imports }, (_, i) => ({ ...target.export, slot: i * 8 }));
      contents.baseReferences = Array.from({ length: baseRefs }, (_, i) => ({ symbol: target.dataSymbol, slot: (imports + i) * 8 }));
      contents.redirects = [realRedirect()];
      break;
    }
    case 'big-section': {
      const pastBound = maxBytes >= MAX_IMAGE_BYTES && random.below(4) === 0;
      const size = pastBound ? MAX_IMAGE_BYTES - HEADER_SIZE + 1 + random.below(4096) : 16 + random.below(Math.max(1, maxBytes - 4096));
      const section = new Uint8Array(size);
      for (let i = 0; i < 64; i++) section[random.below(size)] = random.below(256);
      if (random.below(2) === 0) contents.code = section; else contents.data = section;
      contents.redirects = [realRedirect()];
      break;
    }
  }
  const image = writePatchImage(contents, { checkLimits: false });
  if (kind === 'overlapping-names') {
    // Import i's module name: the 1,024 bytes from its own offset i of one long run.
    const view = new DataView(image.buffer);
    const importsAt = view.getUint32(HEADER_FIELDS.imports, true);
    const first = view.getUint32(importsAt, true);
    for (let i = 0; i < contents.imports.length; i++) {
      view.setUint32(importsAt + i * 24, first + (random.below(2) === 0 ? i : 0), true);
      view.setUint32(importsAt + i * 24 + 4, MAX_NAME_BYTES, true);
    }
  }
  return { kind, image };
}
