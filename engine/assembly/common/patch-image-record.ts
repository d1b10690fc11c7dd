// The patch image answer's binary record, written once for both languages: the parser's
// AssemblyScript (engine/assembly/patch/record.ts) writes it into engine memory and the host
// (engine/host/patch-image-record.ts) reads it with a DataView. Like plan-record.ts, it keeps to
// what both languages read alike (plain numbers and string lists, no imports), so tsc and asc
// both check it.
//
// A record holds the same facts as the JSON answer (the parsePatchImage export): the image's
// header fields, each distinct name once, and the entries naming theirs by number; or, for a
// refused image, the error's code, offset and message.
//
// Layout, little-endian: a header of IMAGE_HEADER_SIZE bytes; then IMAGE_NAME_COUNT strings, each
// a u32 count of UTF-16 code units, the units, and zero bytes up to a multiple of 4 (an image's
// names, then the relocation kinds' names; a refusal has one string, its message); then
// IMAGE_REDIRECT_COUNT redirects of REDIRECT_ENTRY_SIZE bytes, IMAGE_IMPORT_COUNT imports of
// IMPORT_ENTRY_SIZE, IMAGE_BASE_REF_COUNT base references of BASE_REF_ENTRY_SIZE and
// IMAGE_RELOCATION_COUNT relocations of RELOCATION_ENTRY_SIZE.

/** Error codes by number (IMAGE_ERROR_CODE): append only. */
export const IMAGE_ERROR_CODES: string[] = [
  'truncated', 'bad-magic', 'unknown-version', 'unknown-arch', 'wrong-arch', 'bad-header', 'reserved-not-zero', 'out-of-bounds',
  'overlapping-sections', 'too-many-entries', 'bad-name', 'overlapping-names', 'bad-redirect', 'duplicate-redirect',
  'overlapping-redirects', 'slot-out-of-bounds', 'misaligned-slot', 'shared-slot', 'bad-relocation', 'overlapping-relocations',
  'too-large',
];

/** Architectures by the image's number (IMAGE_ARCH: core/patch-format.ts's ARCH_X64 and ARCH_ARM64). */
export const IMAGE_ARCH_NAMES: string[] = ['unknown', 'x64', 'arm64'];

/** Sections by number (RELOCATION_SECTION: SECTION_CODE, SECTION_DATA). */
export const IMAGE_SECTION_NAMES: string[] = ['code', 'data'];

/** Relocation targets by number (RELOCATION_TARGET: TARGET_BASE, TARGET_EXPORT, TARGET_PATCH_CODE, TARGET_PATCH_DATA). */
export const IMAGE_TARGET_NAMES: string[] = ['base', 'export', 'patch-code', 'patch-data'];

/** Redirect modes by number (REDIRECT_MODE: MODE_REPLACE, MODE_HOOK). */
export const IMAGE_MODE_NAMES: string[] = ['replace', 'hook'];

// Header
/** u8: 1 for an image, 0 for a refusal. */
export const IMAGE_OK = 0;
/** u8: a refusal's code (index in IMAGE_ERROR_CODES). */
export const IMAGE_ERROR_CODE = 1;
/** u16: the format version. */
export const IMAGE_VERSION = 2;
/** u32: the whole record's size in bytes. */
export const IMAGE_RECORD_SIZE = 4;
/** u16: the architecture (index in IMAGE_ARCH_NAMES). */
export const IMAGE_ARCH = 8;
/** u32: the image's size. */
export const IMAGE_SIZE = 12;
/** u32: the patch's sequence number. */
export const IMAGE_SEQUENCE = 16;
/** u32: the number of the target module's name. */
export const IMAGE_MODULE = 20;
/** u32 each: the code section's offset and size, the data section's. */
export const IMAGE_CODE_OFFSET = 24;
export const IMAGE_CODE_SIZE = 28;
export const IMAGE_DATA_OFFSET = 32;
export const IMAGE_DATA_SIZE = 36;
/** u32 each: the number of strings, of redirects, imports, base references and relocations. */
export const IMAGE_NAME_COUNT = 40;
export const IMAGE_REDIRECT_COUNT = 44;
export const IMAGE_IMPORT_COUNT = 48;
export const IMAGE_BASE_REF_COUNT = 52;
export const IMAGE_RELOCATION_COUNT = 56;
/** u32: a refusal's offset in the image. */
export const IMAGE_ERROR_OFFSET = 60;
/** 32 bytes: the base module's identity (SHA-256), as the image holds it. */
export const IMAGE_BASE_IDENTITY = 64;
export const IMAGE_BASE_IDENTITY_SIZE = 32;
export const IMAGE_HEADER_SIZE = 96;

// One redirect
/** u32 each: the base function's name number, its offset and size; the new function's offset and size; the slot. */
export const REDIRECT_BASE = 0;
export const REDIRECT_BASE_OFFSET = 4;
export const REDIRECT_BASE_SIZE = 8;
export const REDIRECT_NEW_OFFSET = 12;
export const REDIRECT_NEW_SIZE = 16;
export const REDIRECT_SLOT = 20;
/** u8: the mode (index in IMAGE_MODE_NAMES). */
export const REDIRECT_MODE = 24;
/** u8: 1 when the redirect has a slot. */
export const REDIRECT_HAS_SLOT = 25;
export const REDIRECT_ENTRY_SIZE = 28;

// One import: u32 each, the module's name number, the symbol's, the slot.
export const IMPORT_MODULE = 0;
export const IMPORT_SYMBOL = 4;
export const IMPORT_SLOT = 8;
export const IMPORT_ENTRY_SIZE = 12;

// One base reference: u32 each, the symbol's name number, the slot.
export const BASE_REF_SYMBOL = 0;
export const BASE_REF_SLOT = 4;
export const BASE_REF_ENTRY_SIZE = 8;

// One relocation
/** u32: the field's offset in its section. */
export const RELOCATION_OFFSET = 0;
/** u32: the field's size in bytes. */
export const RELOCATION_FIELD_SIZE = 4;
/** i32 each: the symbol's and the module's name numbers, -1 where the target has none. */
export const RELOCATION_SYMBOL = 8;
export const RELOCATION_MODULE = 12;
/** u32: the number of the kind's name (R_X86_64_PLT32, ...) among the strings. */
export const RELOCATION_KIND_NAME = 16;
/** u16: the ELF relocation type. */
export const RELOCATION_KIND = 20;
/** u8: the section (index in IMAGE_SECTION_NAMES). */
export const RELOCATION_SECTION = 22;
/** u8: the target (index in IMAGE_TARGET_NAMES). */
export const RELOCATION_TARGET = 23;
/** i64: the addend. */
export const RELOCATION_ADDEND = 24;
export const RELOCATION_ENTRY_SIZE = 32;
