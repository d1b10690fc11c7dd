// A guest module: what the toolchain makes of a source file and what the loader maps.
import type { Arch } from './arch.ts';

export type SymbolKind = 'function' | 'data';

export interface ModuleSymbol {
  name: string;
  address: number;
  /** Exact size in bytes: a function from its first byte to `.endfunc`, data up to the next data symbol. */
  size: number;
  kind: SymbolKind;
}

export interface GuestModule {
  name: string;
  arch: Arch;
  /** Load address of the code; the data section follows on the next page boundary. */
  base: number;
  code: Uint8Array;
  dataAddress: number;
  data: Uint8Array;
  symbols: ModuleSymbol[];
  /** Names of symbols other modules may use. */
  exports: string[];
  /** Function where execution starts, for a program's main module. */
  entry?: string;
  /**
   * Ranges of the code known to hold only fill (alignment, nop and int3 lines between functions,
   * with no label): the only bytes outside its functions a redirect may overwrite, as the x86-64
   * hot-patch form's padding. Absent or empty: none is known, and none is used.
   */
  fill?: { address: number; size: number }[];
  /**
   * The code each source line made: one entry per statement of the text section that made bytes, in
   * address order (a line that made several statements has several). Absent when the assembler did
   * not check statement by statement (a patch's second trial build), or for modules from elsewhere.
   */
  lines?: SourceSpan[];
}

/** Bytes of code a source line made: [address, address + size). */
export interface SourceSpan {
  address: number;
  size: number;
  /** 1-based line of the module's source. */
  line: number;
}

/** The source line whose statement made the byte at `address`, if the module knows it. */
export function lineAt(module: Pick<GuestModule, 'lines'>, address: number): number | undefined {
  const spans = module.lines;
  if (!spans) return undefined;
  let low = 0;
  let high = spans.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const span = spans[middle]!;
    if (address < span.address) high = middle - 1;
    else if (address >= span.address + span.size) low = middle + 1;
    else return span.line;
  }
  return undefined;
}

/** The addresses where the statements of a source line start (none when the line made no code). */
export function addressesOfLine(module: Pick<GuestModule, 'lines'>, line: number): number[] {
  return (module.lines ?? []).filter((span) => span.line === line).map((span) => span.address);
}

export function findSymbol(module: GuestModule, name: string): ModuleSymbol | undefined {
  return module.symbols.find((symbol) => symbol.name === name);
}

/** The symbol whose bytes contain `address`, if any. */
export function symbolAt(module: GuestModule, address: number): ModuleSymbol | undefined {
  return module.symbols.find((s) => address >= s.address && address < s.address + Math.max(s.size, 1));
}

/** The module's image: code, zero padding to the data page, data. Its digest identifies the build. */
export function moduleImage(module: GuestModule): Uint8Array {
  if (module.data.length === 0) return module.code;
  const image = new Uint8Array(module.dataAddress - module.base + module.data.length);
  image.set(module.code, 0);
  image.set(module.data, module.dataAddress - module.base);
  return image;
}
