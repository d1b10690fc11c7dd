// Names for guest addresses, "module!function+0x12", in messages, listings and on the page.
import { hex } from './hex.ts';
import type { GuestModule, SymbolKind } from './module.ts';

/** A named stretch of guest memory: a module's symbol, or something a patch brought in. */
export interface NamedRange {
  readonly name: string;
  readonly address: number;
  readonly size: number;
  /** A section (a patch's code or data), named with its offset even at its first byte: "code+0x0". */
  readonly section?: boolean;
}

export interface SymbolizeOptions {
  /** Only symbols of this kind name addresses (listings name code, never data). */
  kind?: SymbolKind;
  /** Ranges looked at after the modules' symbols: a patch's functions, trampolines or sections. */
  more?: Iterable<NamedRange>;
}

/** Whether `address` is inside the range; an empty range still holds its own address. */
export function rangeHolds(range: NamedRange, address: number): boolean {
  return address >= range.address && address < range.address + Math.max(range.size, 1);
}

/** The symbol holding `address`, named "module!symbol", else the first of `more` that holds it. */
export function rangeAt(address: number, modules: Iterable<GuestModule>,
  options: SymbolizeOptions = {}): NamedRange | undefined {
  for (const module of modules) {
    for (const s of module.symbols) {
      if ((options.kind === undefined || s.kind === options.kind) && rangeHolds(s, address)) {
        return { name: `${module.name}!${s.name}`, address: s.address, size: s.size };
      }
    }
  }
  for (const range of options.more ?? []) if (rangeHolds(range, address)) return range;
  return undefined;
}

/** "name+0x12" inside a range, a symbol's name alone at its first byte, the hex address outside every range. */
export function placeName(address: number, range: NamedRange | undefined): string {
  if (!range) return hex(address);
  return address === range.address && !range.section ? range.name : `${range.name}+${hex(address - range.address)}`;
}

/** "pricing!price_with_tax+0x8", a name from `more`, or the hex address. */
export function symbolize(address: number, modules: Iterable<GuestModule>, options: SymbolizeOptions = {}): string {
  return placeName(address, rangeAt(address, modules, options));
}
