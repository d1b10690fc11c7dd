// The patch image format, versions 1 and 2: the numbers the parser checks an image against, and the words
// it refuses an image with at the format's limits.
// docs/patch-format.md describes the layout for people; this file is its source of truth for the
// engine's parser (engine/assembly/patch/parse.ts, AssemblyScript), the toolchain's writer
// (toolchain/patch-image-writer.ts) and the architecture records (arch.ts), which all import it. It
// keeps to what AssemblyScript and TypeScript read alike (constants of plain numbers and strings,
// functions of strings, no imports), so tsc and asc both check it.

/** "HPAT" read as a little-endian u32. */
export const MAGIC = 0x54415048;
/** Version 1: no relocations. Version 2 adds the relocation table. */
export const FORMAT_VERSION_1 = 1;
export const FORMAT_VERSION_2 = 2;
/** The newest version, the one the parser reads besides version 1. */
export const FORMAT_VERSION = FORMAT_VERSION_2;

export const ARCH_X64 = 1;
export const ARCH_ARM64 = 2;

export const HEADER_SIZE = 128;

// Header fields (byte offsets).
export const H_MAGIC = 0;
export const H_VERSION = 4;
export const H_ARCH = 6;
export const H_HEADER_SIZE = 8;
export const H_IMAGE_SIZE = 12;
export const H_SEQUENCE = 16;
export const H_FLAGS = 20;
export const H_BASE_IDENTITY = 24;
export const BASE_IDENTITY_SIZE = 32;
export const H_MODULE_NAME = 56; // string reference: offset, length
export const H_CODE = 64; // offset, size
export const H_DATA = 72; // offset, size
export const H_REDIRECTS = 80; // offset, count
export const H_IMPORTS = 88; // offset, count
export const H_BASE_REFS = 96; // offset, count
export const H_STRINGS = 104; // offset, size
export const H_RESERVED = 112; // version 1: 16 reserved bytes
export const H_RESERVED_SIZE = 16;
export const H_RELOCATIONS = 112; // version 2: relocation table (offset, count)
export const H_RESERVED_V2 = 120; // version 2: 8 reserved bytes
export const H_RESERVED_V2_SIZE = 8;

// Redirect entry: which base function goes to which new function.
export const REDIRECT_SIZE = 32;
export const R_BASE_NAME = 0; // string reference
export const R_BASE_OFFSET = 8; // function address minus module base, as built
export const R_BASE_SIZE = 12;
export const R_NEW_OFFSET = 16; // in the code section
export const R_NEW_SIZE = 20;
export const R_MODE = 24; // u8
export const R_RESERVED = 25; // 3 bytes
export const R_SLOT = 28; // trampoline slot (hook mode), NO_SLOT otherwise

// Import entry: a function of another loaded module, by its export name.
export const IMPORT_SIZE = 24;
export const I_MODULE = 0;
export const I_SYMBOL = 8;
export const I_SLOT = 16;
export const I_RESERVED = 20;

// Base reference entry: a symbol of the running base module.
export const BASE_REF_SIZE = 16;
export const B_SYMBOL = 0;
export const B_SLOT = 8;
export const B_RESERVED = 12;

// Relocation entry (version 2): at this place of the patch's code or data, this kind of reference to
// this symbol, plus an addend; resolved when the patch is applied, after placement.
export const RELOCATION_SIZE = 32;
export const L_OFFSET = 0; // u32: the field's offset in its section (its instruction's, for ARM64 instruction kinds)
export const L_KIND = 4; // u16: the ELF relocation type of the image's architecture (R_X86_64_*, R_AARCH64_*)
export const L_SECTION = 6; // u8: SECTION_CODE or SECTION_DATA
export const L_TARGET = 7; // u8: what the symbol is (TARGET_*)
export const L_SYMBOL = 8; // string reference: the symbol (base and export targets; 0, 0 for patch targets)
export const L_MODULE = 16; // string reference: the module (export targets; 0, 0 otherwise)
export const L_ADDEND = 24; // i64

export const SECTION_CODE = 0;
export const SECTION_DATA = 1;

/** A symbol of the base module (the module the patch is for). */
export const TARGET_BASE = 0;
/** An export of another loaded module. */
export const TARGET_EXPORT = 1;
/** The patch's own code section (the addend is the offset in it). */
export const TARGET_PATCH_CODE = 2;
/** The patch's own data section (the addend is the offset in it). */
export const TARGET_PATCH_DATA = 3;

// Relocation kinds: ELF's numbers. S is the symbol's address, A the addend, P the field's address
// (the instruction's, for ARM64), Page(x) = x with its low 12 bits cleared.
export const R_X86_64_64 = 1; // 8 bytes: S + A
export const R_X86_64_PC32 = 2; // 4 bytes: S + A - P, signed 32 bits (RIP-relative operands)
export const R_X86_64_PLT32 = 4; // 4 bytes: S + A - P, as PC32 (calls and jumps)
export const R_AARCH64_ABS64 = 257; // 8 bytes: S + A
export const R_AARCH64_LD_PREL_LO19 = 273; // ldr (literal): (S + A - P) >> 2 in 19 bits, +-1 MiB
export const R_AARCH64_ADR_PREL_PG_HI21 = 275; // adrp: (Page(S + A) - Page(P)) >> 12 in 21 bits, +-4 GiB
export const R_AARCH64_ADD_ABS_LO12_NC = 277; // add (immediate): (S + A) & 0xfff
export const R_AARCH64_LDST8_ABS_LO12_NC = 278; // ldrb/strb (unsigned offset): (S + A) & 0xfff
export const R_AARCH64_TSTBR14 = 279; // tbz/tbnz: (S + A - P) >> 2 in 14 bits, +-32 KiB
export const R_AARCH64_CONDBR19 = 280; // b.cond, cbz/cbnz: (S + A - P) >> 2 in 19 bits, +-1 MiB
export const R_AARCH64_JUMP26 = 282; // b: (S + A - P) >> 2 in 26 bits, +-128 MiB
export const R_AARCH64_CALL26 = 283; // bl: as JUMP26
export const R_AARCH64_LDST16_ABS_LO12_NC = 284; // 16-bit ldr/str (unsigned offset): ((S + A) & 0xfff) >> 1
export const R_AARCH64_LDST32_ABS_LO12_NC = 285; // 32-bit: ((S + A) & 0xfff) >> 2
export const R_AARCH64_LDST64_ABS_LO12_NC = 286; // 64-bit: ((S + A) & 0xfff) >> 3
export const R_AARCH64_LDST128_ABS_LO12_NC = 299; // 128-bit: ((S + A) & 0xfff) >> 4

export const MODE_REPLACE = 0;
export const MODE_HOOK = 1;

/** Slots are 8-byte cells in the data section that the engine fills with addresses. */
export const SLOT_SIZE = 8;
export const NO_SLOT = 0xffffffff;

// Limits. Every one is checked before the parser loops over what it bounds, and the toolchain's
// writer checks the same ones before it builds an image, in the same words.

/** Longest symbol or module name accepted, in bytes. */
export const MAX_NAME_BYTES = 1024;
/** Largest image accepted, in bytes (64 MiB). */
export const MAX_IMAGE_BYTES = 64 << 20;
/** Most entries in each of the redirect, import and base reference tables: each costs a journaled write when applied. */
export const MAX_TABLE_ENTRIES = 4096;
/** Most relocations: they are resolved in the sections before they are mapped, without a write of their own. */
export const MAX_RELOCATIONS = 65536;

export const REDIRECT_TABLE = 'redirect table';
export const IMPORT_TABLE = 'import table';
export const BASE_REF_TABLE = 'base reference table';
export const RELOCATION_TABLE = 'relocation table';

// Which name of which entry, as messages say it.
export const MODULE_NAME_WORDS = 'the target module name';

export function redirectBaseNameWords(index: string): string {
  return 'the base function name of redirect ' + index;
}

export function importModuleNameWords(index: string): string {
  return 'the module name of import ' + index;
}

export function importSymbolNameWords(index: string): string {
  return 'the symbol name of import ' + index;
}

export function baseRefSymbolNameWords(index: string): string {
  return 'the symbol name of base reference ' + index;
}

export function relocationSymbolNameWords(index: string): string {
  return 'the symbol name of relocation ' + index;
}

export function relocationModuleNameWords(index: string): string {
  return 'the module name of relocation ' + index;
}

export function emptyNameWords(what: string): string {
  return what + ' is empty';
}

export function longNameWords(what: string, length: string): string {
  return what + ' is ' + length + ' bytes long; names are at most ' + MAX_NAME_BYTES.toString();
}

export function tooManyEntriesWords(table: string, count: string, limit: string): string {
  return 'the ' + table + ' has ' + count + ' entries; it may hold at most ' + limit;
}

export function tooLargeWords(size: string): string {
  return 'the image is ' + size + ' bytes long; images are at most ' + MAX_IMAGE_BYTES.toString() + ' (64 MiB)';
}
