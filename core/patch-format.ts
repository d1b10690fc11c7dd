// The patch image format, version 1: the numbers the parser checks an image against, and the words
// it refuses an image with at the format's limits.
// docs/patch-format.md describes the layout for people; this file is its source of truth for the
// engine's parser (engine/assembly/patch/parse.ts, AssemblyScript), the toolchain's writer
// (toolchain/patch-image-writer.ts) and the architecture records (arch.ts), which all import it. It
// keeps to what AssemblyScript and TypeScript read alike (constants of plain numbers and strings,
// functions of strings, no imports), so tsc and asc both check it.

/** "HPAT" read as a little-endian u32. */
export const MAGIC = 0x54415048;
export const FORMAT_VERSION = 1;

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
export const H_RESERVED = 112;
export const H_RESERVED_SIZE = 16;

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

export const REDIRECT_TABLE = 'redirect table';
export const IMPORT_TABLE = 'import table';
export const BASE_REF_TABLE = 'base reference table';

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
