// Function bytes with their references to addresses taken out and named instead: two builds of a
// function are the same code when their bytes agree outside those fields and each field names the
// same thing (itself at the same offset, the same symbol at the same offset, the same export of
// another module). So a function whose bytes differ only because something else moved is unchanged.
//
// x86-64: the engine's decoder gives each instruction's rel8/rel32 branch field, RIP-relative
// displacement and 64-bit immediate. ARM64: the fields of b/bl, b.cond, cbz/cbnz, tbz/tbnz, ldr
// (literal), adr and adrp, and the low 12 bits of add and ldr/str (unsigned offset) that use the
// register an adrp set, are found by instruction class; an adrp and its low-12-bit users name the
// address they add up to.
import type { Arch } from '../../core/arch.ts';
import { bytesToHex, hex } from '../../core/hex.ts';
import type { GuestModule, ModuleSymbol } from '../../core/module.ts';
import { X64Decoder } from '../../engine/host/x64-decoder.ts';
import { loadEngine } from '../../engine/host/engine.ts';

/** What an address field refers to. */
export type Reference =
  /** The function the field is in, at this offset from its start. */
  | { kind: 'self'; offset: number }
  /** A symbol of the same module (a function or data), at this offset. */
  | { kind: 'symbol'; name: string; offset: number }
  /** A symbol of another loaded module. */
  | { kind: 'external'; module: string; name: string; offset: number }
  /** No symbol: the address as it is. */
  | { kind: 'raw'; address: number };

export function referenceText(ref: Reference): string {
  const plus = (offset: number) => (offset === 0 ? '' : offset > 0 ? `+${hex(offset)}` : `-${hex(-offset)}`);
  switch (ref.kind) {
    case 'self': return `.${plus(ref.offset)}`;
    case 'symbol': return `${ref.name}${plus(ref.offset)}`;
    case 'external': return `${ref.module}!${ref.name}${plus(ref.offset)}`;
    case 'raw': return hex(ref.address);
  }
}

/** A symbol's bytes with the address fields zeroed, and what each field referred to. */
export interface Symbolised {
  /** Masked bytes and references, as one comparable string. */
  key: string;
  references: Reference[];
  /** Instructions decoded (functions), or 8-byte fields looked at (data). */
  units: number;
  /** Offsets of the units, and each unit's own key: where two versions first differ. */
  unitKeys: { offset: number; key: string }[];
  /** Functions whose last instruction may run on into what follows: what that is (part of the key). */
  fallsInto?: Reference;
}

/** Resolves addresses of one build to names. */
export class AddressNames {
  private readonly ranges: { start: number; end: number; name: string; module?: string }[];

  constructor(module: GuestModule, others: readonly GuestModule[]) {
    const own = module.symbols.map((s: ModuleSymbol) => ({ start: s.address, end: s.address + s.size, name: s.name }));
    const foreign = others.flatMap((m) => m.symbols.map((s) => ({ start: s.address, end: s.address + s.size, name: s.name, module: m.name })));
    // Exact starts win over the end of the symbol before.
    this.ranges = [...own, ...foreign];
  }

  /** `within`: the function the field belongs to, whose own addresses are `self`. */
  name(address: number, within?: ModuleSymbol): Reference {
    if (within && address >= within.address && address <= within.address + within.size) {
      return { kind: 'self', offset: address - within.address };
    }
    const hit = this.ranges.find((r) => address === r.start)
      ?? this.ranges.find((r) => address > r.start && address < r.end)
      ?? this.ranges.find((r) => address === r.end && r.end > r.start);
    if (!hit) return { kind: 'raw', address };
    return hit.module === undefined ? { kind: 'symbol', name: hit.name, offset: address - hit.start }
      : { kind: 'external', module: hit.module, name: hit.name, offset: address - hit.start };
  }

  /** True when the address is inside (or just past) some symbol. */
  known(address: number): boolean {
    return this.name(address).kind !== 'raw';
  }
}

let decoder: Promise<X64Decoder> | undefined;

function x64Decoder(): Promise<X64Decoder> {
  decoder ??= loadEngine().then((engine) => new X64Decoder(engine));
  return decoder;
}

/** An address field: bytes `at`..`at + size` of the symbol, or (ARM64) the bits `mask` of the word at `at`. */
interface Field { at: number; size: number; mask?: number; reference: Reference; page?: boolean }

/** The function `symbol` of `module`, symbolised. */
export async function symboliseFunction(arch: Arch, module: GuestModule, symbol: ModuleSymbol, names: AddressNames): Promise<Symbolised> {
  const start = symbol.address - module.base;
  const bytes = module.code.slice(start, start + symbol.size);
  const units = arch === 'x64' ? await x64Units(bytes, symbol, names) : arm64Units(bytes, symbol, names);
  const summary = summarise(bytes, units);
  if (await endsFlow(arch, bytes, symbol, units)) return summary;
  // What follows the function is part of what it does.
  const fallsInto = names.name(symbol.address + symbol.size);
  return { ...summary, fallsInto, key: `${summary.key} then<${referenceText(fallsInto)}>`, references: [...summary.references, fallsInto] };
}

/** True when the function's last instruction never runs on into the next bytes (a return or an unconditional jump). */
async function endsFlow(arch: Arch, bytes: Uint8Array, symbol: ModuleSymbol, units: Unit[]): Promise<boolean> {
  const last = units.at(-1);
  if (!last || last.offset + last.length !== bytes.length) return false;
  if (arch === 'arm64') {
    if (last.length !== 4) return false;
    const word = new DataView(bytes.buffer, bytes.byteOffset + last.offset, 4).getUint32(0, true);
    return (word & 0xfffffc1f) >>> 0 === 0xd65f0000 || (word & 0xfffffc1f) >>> 0 === 0xd61f0000 || (word & 0xfc000000) >>> 0 === 0x14000000;
  }
  const instruction = (await x64Decoder()).decode(bytes, symbol.address + last.offset, last.offset);
  return instruction.valid && ['ret-near', 'ret-far', 'jmp-rel', 'jmp-indirect'].includes(instruction.flow);
}

interface Unit { offset: number; length: number; fields: Field[] }

function summarise(bytes: Uint8Array, units: Unit[]): Symbolised {
  const references: Reference[] = [];
  const unitKeys = units.map((unit) => {
    const masked = bytes.slice(unit.offset, unit.offset + unit.length);
    const names: string[] = [];
    for (const field of unit.fields) {
      const at = field.at - unit.offset;
      if (field.mask === undefined) {
        masked.fill(0, at, at + field.size);
      } else {
        const view = new DataView(masked.buffer, masked.byteOffset + at, 4);
        view.setUint32(0, (view.getUint32(0, true) & ~field.mask) >>> 0, true);
      }
      names.push(field.page ? `page(${referenceText(field.reference)})` : referenceText(field.reference));
      references.push(field.reference);
    }
    return { offset: unit.offset, key: `${bytesToHex(masked)}${names.length ? `<${names.join(',')}>` : ''}` };
  });
  return { key: unitKeys.map((u) => u.key).join(' '), references, units: units.length, unitKeys };
}

async function x64Units(bytes: Uint8Array, symbol: ModuleSymbol, names: AddressNames): Promise<Unit[]> {
  const x64 = await x64Decoder();
  const units: Unit[] = [];
  for (let offset = 0; offset < bytes.length;) {
    const instruction = x64.decode(bytes, symbol.address + offset, offset);
    if (!instruction.valid) {
      // Not code (or not decodable): the rest compares as bytes.
      units.push({ offset, length: bytes.length - offset, fields: [] });
      break;
    }
    const fields: Field[] = [];
    if (instruction.relSize > 0) {
      fields.push({ at: offset + instruction.relOffset, size: instruction.relSize,
        reference: names.name(Number(instruction.branchTarget), symbol) });
    }
    if (instruction.ripRelative && instruction.dispSize > 0) {
      fields.push({ at: offset + instruction.dispOffset, size: instruction.dispSize,
        reference: names.name(Number(instruction.ripTarget), symbol) });
    }
    if (instruction.immSize >= 4 && instruction.relSize === 0) {
      // An absolute address written as an immediate (movabs, or a 32-bit address): named only when it is one.
      const value = Number(BigInt.asUintN(64, instruction.imm));
      if (value > 0 && names.known(value)) {
        fields.push({ at: offset + instruction.immOffset, size: instruction.immSize, reference: names.name(value, symbol) });
      }
    }
    units.push({ offset, length: instruction.length, fields });
    offset += instruction.length;
  }
  return units;
}

const signExtend = (value: number, bits: number) => (value << (32 - bits)) >> (32 - bits);

/** The page an adrp sets, and its register. */
interface PageSet { register: number; page: number }

function arm64Units(bytes: Uint8Array, symbol: ModuleSymbol, names: AddressNames): Unit[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = Math.floor(bytes.length / 4);
  const units: Unit[] = [];
  // Registers an adrp set (until something else writes them), and the address each adrp's first
  // low-12-bit user adds up to: the adrp names that address's page.
  const pages = new Map<number, { unit: Unit; page: number }>();
  const adrpTargets = new Map<Unit, number>();
  for (let i = 0; i < count; i++) {
    const word = view.getUint32(i * 4, true);
    const pc = symbol.address + i * 4;
    const unit: Unit = { offset: i * 4, length: 4, fields: [] };
    units.push(unit);
    const field = (mask: number, target: number) => unit.fields.push({ at: unit.offset, size: 4, mask, reference: names.name(target, symbol) });
    const adrImmediate = () => signExtend((((word >>> 5) & 0x7ffff) << 2) | ((word >>> 29) & 3), 21);
    /** The register the instruction may write (bits 0-4 for most classes), undefined for none. */
    let writes: number | undefined = word & 31;
    if ((word & 0x7c000000) >>> 0 === 0x14000000) {
      field(0x03ffffff, pc + signExtend(word & 0x03ffffff, 26) * 4);
      writes = word >>> 31 === 1 ? 30 : undefined;
    } else if ((word & 0xff000010) >>> 0 === 0x54000000 || (word & 0x7e000000) >>> 0 === 0x34000000) {
      field(0x00ffffe0, pc + signExtend((word >>> 5) & 0x7ffff, 19) * 4);
      writes = undefined;
    } else if ((word & 0x7e000000) >>> 0 === 0x36000000) {
      field(0x0007ffe0, pc + signExtend((word >>> 5) & 0x3fff, 14) * 4);
      writes = undefined;
    } else if ((word & 0x3b000000) >>> 0 === 0x18000000) {
      field(0x00ffffe0, pc + signExtend((word >>> 5) & 0x7ffff, 19) * 4);
    } else if ((word & 0x9f000000) >>> 0 === 0x10000000) {
      field(0x60ffffe0, pc + adrImmediate());
    } else if ((word & 0x9f000000) >>> 0 === 0x90000000) {
      const page = Math.floor(pc / 0x1000) * 0x1000 + adrImmediate() * 0x1000;
      unit.fields.push({ at: unit.offset, size: 4, mask: 0x60ffffe0, reference: { kind: 'raw', address: page } });
      pages.set(word & 31, { unit, page });
      continue;
    } else {
      const low12 = lowTwelve(word);
      const set = low12 ? pages.get(low12.base) : undefined;
      if (low12 && set) {
        const target = set.page + low12.value;
        unit.fields.push({ at: unit.offset, size: 4, mask: 0x003ffc00, reference: names.name(target, symbol) });
        if (!adrpTargets.has(set.unit)) adrpTargets.set(set.unit, target);
      }
      if (low12?.store) writes = undefined;
    }
    if (writes !== undefined) pages.delete(writes);
  }
  for (const [unit, target] of adrpTargets) {
    unit.fields = [{ ...unit.fields[0]!, reference: names.name(target, symbol), page: true }];
  }
  if (bytes.length % 4 !== 0) units.push({ offset: count * 4, length: bytes.length - count * 4, fields: [] });
  return units;
}

/** add (immediate, no shift) and ldr/str (unsigned offset): the base register and the low bits they add. */
function lowTwelve(word: number): { base: number; value: number; store: boolean } | undefined {
  const base = (word >>> 5) & 31;
  const imm12 = (word >>> 10) & 0xfff;
  if ((word & 0x7fc00000) >>> 0 === 0x11000000) return { base, value: imm12, store: false };
  if ((word & 0x3b000000) >>> 0 === 0x39000000) {
    const size = word >>> 30;
    const vector = (word >>> 26) & 1;
    const opc = (word >>> 22) & 3;
    const scale = vector && size === 0 && opc >= 2 ? 4 : size;
    return { base, value: imm12 << scale, store: opc === 0 };
  }
  return undefined;
}

/** A data symbol's bytes with every aligned 8-byte value that is an address of a symbol named. */
export function symboliseData(module: GuestModule, symbol: ModuleSymbol, names: AddressNames): Symbolised {
  const start = symbol.address - module.dataAddress;
  const bytes = module.data.slice(start, start + symbol.size);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fields: Field[] = [];
  for (let at = (8 - (symbol.address % 8)) % 8; at + 8 <= bytes.length; at += 8) {
    const value = Number(view.getBigUint64(at, true));
    if (value > 0 && names.known(value)) fields.push({ at, size: 8, reference: names.name(value) });
  }
  return summarise(bytes, [{ offset: 0, length: bytes.length, fields }]);
}
