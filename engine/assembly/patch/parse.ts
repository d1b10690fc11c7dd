// Reads and validates a patch image. Every offset, length and count is checked against the image
// before it is used, so no input can make the engine read outside it, trap, or loop for long:
// the work and the memory are linear in the image size (plus a sort of the redirects). Each table
// holds at most MAX_TABLE_ENTRIES entries, each distinct name is checked and decoded once however
// many entries share it (names.ts), and messages are composed only when an image is refused.
import { hex, hexBytes } from '../common/hex';
import { JsonWriter } from '../common/json';
import {
  ARCH_ARM64, ARCH_X64, BASE_IDENTITY_SIZE, BASE_REF_SIZE, BASE_REF_TABLE, B_RESERVED, B_SLOT, B_SYMBOL, FORMAT_VERSION,
  FORMAT_VERSION_1, HEADER_SIZE, H_ARCH, H_BASE_IDENTITY, H_BASE_REFS, H_CODE, H_DATA, H_FLAGS, H_HEADER_SIZE, H_IMAGE_SIZE,
  H_IMPORTS, H_MAGIC, H_MODULE_NAME, H_REDIRECTS, H_RELOCATIONS, H_RESERVED, H_RESERVED_SIZE, H_RESERVED_V2,
  H_RESERVED_V2_SIZE, H_SEQUENCE, H_STRINGS, L_ADDEND, L_KIND, L_MODULE, L_OFFSET, L_SECTION, L_SYMBOL, L_TARGET,
  MAX_RELOCATIONS, RELOCATION_SIZE, RELOCATION_TABLE, SECTION_CODE, SECTION_DATA, TARGET_BASE, TARGET_EXPORT,
  TARGET_PATCH_CODE, TARGET_PATCH_DATA, relocationModuleNameWords, relocationSymbolNameWords,
  H_VERSION, IMPORT_SIZE, IMPORT_TABLE, I_MODULE, I_RESERVED, I_SLOT, I_SYMBOL, MAGIC, MAX_TABLE_ENTRIES, MODE_HOOK,
  MODE_REPLACE, MODULE_NAME_WORDS, NO_SLOT, REDIRECT_SIZE, REDIRECT_TABLE, R_BASE_NAME, R_BASE_OFFSET, R_BASE_SIZE,
  R_MODE, R_NEW_OFFSET, R_NEW_SIZE, R_RESERVED, R_SLOT, SLOT_SIZE, baseRefSymbolNameWords, emptyNameWords,
  importModuleNameWords, importSymbolNameWords, longNameWords, redirectBaseNameWords, tooManyEntriesWords,
} from '../../../core/patch-format';
import {
  NAME_CONTROL, NAME_EMPTY, NAME_NOT_UTF8, NAME_OUT_OF_BOUNDS, NAME_OVERLAPS, NAME_TOO_LONG, NameTable,
} from './names';
import { u16At, u32At, u64At } from './little-endian';
import {
  ARM64_RELOCATION_KINDS, arm64RelocationFieldSize, arm64RelocationFitsInstruction, arm64RelocationInstructions,
  arm64RelocationIsInstruction, arm64RelocationName,
} from '../arm64/relocations';
import { X64_RELOCATION_KINDS, x64RelocationFieldSize, x64RelocationName } from '../x64/relocations';

export class ImageError {
  constructor(public code: string, public message: string, public offset: u32) {}
}

/** A part of the image: where it starts in the image and how many bytes it has. */
export class Region {
  constructor(public name: string, public offset: u32, public size: u32) {}
}

export class Redirect {
  base: string = '';
  /** Number of the base function's name in the image's list of names. */
  baseName: i32 = 0;
  baseOffset: u32 = 0;
  baseSize: u32 = 0;
  newOffset: u32 = 0;
  newSize: u32 = 0;
  mode: u8 = <u8>MODE_REPLACE;
  slot: u32 = NO_SLOT;
  /** Where the entry sits in the image, for error messages. */
  entry: u32 = 0;
}

export class Import {
  module: i32 = 0;
  symbol: i32 = 0;
  slot: u32 = 0;
}

export class BaseReference {
  symbol: i32 = 0;
  slot: u32 = 0;
}

/** A reference in the patch's code or data, resolved when the patch is applied (version 2). */
export class Relocation {
  section: u8 = <u8>SECTION_CODE;
  /** The field's offset in its section (its instruction's, for ARM64 instruction kinds). */
  offset: u32 = 0;
  kind: u16 = 0;
  fieldSize: u32 = 0;
  target: u8 = <u8>TARGET_BASE;
  /** Name numbers; -1 where the target has none. */
  symbol: i32 = -1;
  module: i32 = -1;
  addend: i64 = 0;
  /** Where the entry sits in the image, for error messages. */
  entry: u32 = 0;
}

export class PatchImage {
  version: u16 = 0;
  arch: u16 = 0;
  size: u32 = 0;
  sequence: u32 = 0;
  module: i32 = 0;
  baseIdentity: string = '';
  /** Every distinct name, once; entries name them by number. */
  names: string[] = [];
  code: Region = new Region('code section', 0, 0);
  data: Region = new Region('data section', 0, 0);
  redirects: Redirect[] = [];
  imports: Import[] = [];
  baseReferences: BaseReference[] = [];
  relocations: Relocation[] = [];
}

export function archName(arch: u16): string {
  return arch == ARCH_X64 ? 'x64' : arch == ARCH_ARM64 ? 'arm64' : 'unknown';
}

// Which name of which entry a name reference is: messages say it in words only when one is refused.
const NAME_OF_MODULE: i32 = 0;
const NAME_OF_REDIRECT_BASE: i32 = 1;
const NAME_OF_IMPORT_MODULE: i32 = 2;
const NAME_OF_IMPORT_SYMBOL: i32 = 3;
const NAME_OF_BASE_REF_SYMBOL: i32 = 4;
const NAME_OF_RELOCATION_SYMBOL: i32 = 5;
const NAME_OF_RELOCATION_MODULE: i32 = 6;

function nameWords(use: i32, index: u32): string {
  const entry = index.toString();
  switch (use) {
    case NAME_OF_REDIRECT_BASE: return redirectBaseNameWords(entry);
    case NAME_OF_IMPORT_MODULE: return importModuleNameWords(entry);
    case NAME_OF_IMPORT_SYMBOL: return importSymbolNameWords(entry);
    case NAME_OF_BASE_REF_SYMBOL: return baseRefSymbolNameWords(entry);
    case NAME_OF_RELOCATION_SYMBOL: return relocationSymbolNameWords(entry);
    case NAME_OF_RELOCATION_MODULE: return relocationModuleNameWords(entry);
    default: return MODULE_NAME_WORDS;
  }
}

// Which slot of which entry.
const SLOT_OF_REDIRECT: i32 = 0;
const SLOT_OF_IMPORT: i32 = 1;
const SLOT_OF_BASE_REF: i32 = 2;

/**
 * Parses a whole image for a sandbox of `expectedArch`; `error` is set when it returns null.
 * The steps run in image order, each one only after the ones it relies on passed: the header, the
 * sections and tables it points to, the target module name, then each table's entries.
 */
export class PatchImageParser {
  error: ImageError | null = null;
  private image: PatchImage = new PatchImage();
  private strings: Region = new Region('string table', 0, 0);
  private redirectTable: Region = new Region(REDIRECT_TABLE, 0, 0);
  private importTable: Region = new Region(IMPORT_TABLE, 0, 0);
  private baseRefTable: Region = new Region(BASE_REF_TABLE, 0, 0);
  private relocationTable: Region = new Region(RELOCATION_TABLE, 0, 0);
  private names: NameTable = new NameTable(new Uint8Array(0), 0, 0);
  /** Data-section offsets of the slots claimed so far: each slot belongs to one entry. */
  private slots: Set<u32> = new Set<u32>();

  constructor(private bytes: Uint8Array, private expectedArch: u16) {}

  private fail(code: string, message: string, offset: u32): bool {
    this.error = new ImageError(code, message, offset);
    return false;
  }

  parse(): PatchImage | null {
    if (!this.readHeader()) return null;
    if (!this.readSections()) return null;
    if (!this.readModuleName()) return null;
    if (!this.readRedirects()) return null;
    if (!this.readImports()) return null;
    if (!this.readBaseReferences()) return null;
    if (!this.readRelocations()) return null;
    this.image.names = this.names.texts;
    return this.image;
  }

  /** Magic, version, architecture, sizes, sequence, flags, reserved bytes and the base identity. */
  private readHeader(): bool {
    const bytes = this.bytes;
    const image = this.image;
    const length = <u32>bytes.length;
    if (length < 4) {
      return this.fail('truncated', 'the image is ' + length.toString() + ' bytes long, too short to hold even the magic number', 0);
    }
    if (u32At(bytes, H_MAGIC) != MAGIC) {
      return this.fail('bad-magic', 'the image does not start with the magic number "HPAT": it is not a patch image', H_MAGIC);
    }
    if (length < 8) return this.fail('truncated', 'the image ends inside its header (' + length.toString() + ' bytes)', length);
    image.version = u16At(bytes, H_VERSION);
    if (<i32>image.version < FORMAT_VERSION_1 || <i32>image.version > FORMAT_VERSION) {
      return this.fail('unknown-version', 'the image is in format version ' + image.version.toString() +
        '; this engine reads versions 1 to ' + FORMAT_VERSION.toString(), H_VERSION);
    }
    if (length < <u32>HEADER_SIZE) {
      return this.fail('truncated', 'the image is ' + length.toString() + ' bytes long; its header alone takes ' +
        HEADER_SIZE.toString(), length);
    }
    image.arch = u16At(bytes, H_ARCH);
    if (image.arch != ARCH_X64 && image.arch != ARCH_ARM64) {
      return this.fail('unknown-arch', 'the image names architecture ' + image.arch.toString() +
        ', which is neither x86-64 (1) nor ARM64 (2)', H_ARCH);
    }
    if (image.arch != this.expectedArch) {
      return this.fail('wrong-arch', 'the image holds ' + archName(image.arch) + ' code but the program runs ' +
        archName(this.expectedArch), H_ARCH);
    }
    const headerSize = u32At(bytes, H_HEADER_SIZE);
    if (headerSize != HEADER_SIZE) {
      return this.fail('bad-header', 'the header size field says ' + headerSize.toString() + ' bytes; headers are ' +
        HEADER_SIZE.toString(), H_HEADER_SIZE);
    }
    image.size = u32At(bytes, H_IMAGE_SIZE);
    if (image.size > length) {
      return this.fail('truncated', 'the header says the image is ' + image.size.toString() + ' bytes long but only ' +
        length.toString() + ' are present', length);
    }
    if (image.size < length) {
      return this.fail('bad-header', 'the header says the image is ' + image.size.toString() + ' bytes long but ' +
        length.toString() + ' were given (trailing bytes)', H_IMAGE_SIZE);
    }
    image.sequence = u32At(bytes, H_SEQUENCE);
    if (image.sequence == 0) return this.fail('bad-header', 'the sequence number is 0; sequences start at 1', H_SEQUENCE);
    if (u32At(bytes, H_FLAGS) != 0) {
      return this.fail('reserved-not-zero', 'the header flags are ' + hex(u32At(bytes, H_FLAGS)) + '; version ' +
        image.version.toString() + ' defines none', H_FLAGS);
    }
    // Version 2 keeps the relocation table where version 1 has the first 8 of its reserved bytes.
    const reserved: u32 = image.version == FORMAT_VERSION_1 ? H_RESERVED : H_RESERVED_V2;
    const reservedSize: u32 = image.version == FORMAT_VERSION_1 ? H_RESERVED_SIZE : H_RESERVED_V2_SIZE;
    for (let i: u32 = 0; i < reservedSize; i++) {
      if (bytes[reserved + i] != 0) {
        return this.fail('reserved-not-zero', 'reserved header byte at ' + hex(reserved + i) + ' is not zero', reserved + i);
      }
    }
    image.baseIdentity = hexBytes(bytes.subarray(H_BASE_IDENTITY, H_BASE_IDENTITY + BASE_IDENTITY_SIZE));
    return true;
  }

  /** Where the code, the data, the tables and the string table lie: inside the image, after the header, apart. */
  private readSections(): bool {
    const image = this.image;
    image.code = this.region('code section', H_CODE, 1);
    if (this.error) return false;
    image.data = this.region('data section', H_DATA, 1);
    if (this.error) return false;
    this.redirectTable = this.table(REDIRECT_TABLE, H_REDIRECTS, REDIRECT_SIZE);
    if (this.error) return false;
    this.importTable = this.table(IMPORT_TABLE, H_IMPORTS, IMPORT_SIZE);
    if (this.error) return false;
    this.baseRefTable = this.table(BASE_REF_TABLE, H_BASE_REFS, BASE_REF_SIZE);
    if (this.error) return false;
    if (image.version != FORMAT_VERSION_1) {
      this.relocationTable = this.table(RELOCATION_TABLE, H_RELOCATIONS, RELOCATION_SIZE, MAX_RELOCATIONS);
      if (this.error) return false;
    }
    this.strings = this.region('string table', H_STRINGS, 1);
    if (this.error) return false;
    const regions: Region[] = [image.code, image.data, this.redirectTable, this.importTable, this.baseRefTable,
      this.relocationTable, this.strings];
    for (let i = 0; i < regions.length; i++) {
      for (let j = i + 1; j < regions.length; j++) {
        const a = regions[i];
        const b = regions[j];
        if (a.size == 0 || b.size == 0) continue;
        if (<u64>a.offset < <u64>b.offset + b.size && <u64>b.offset < <u64>a.offset + a.size) {
          return this.fail('overlapping-sections', 'the ' + a.name + ' (' + hex(a.offset) + '..' + hex(<u64>a.offset + a.size) +
            ') overlaps the ' + b.name + ' (' + hex(b.offset) + '..' + hex(<u64>b.offset + b.size) + ')', b.offset);
        }
      }
    }
    this.names = new NameTable(this.bytes, this.strings.offset, this.strings.size);
    return true;
  }

  private readModuleName(): bool {
    const moduleName = this.name(H_MODULE_NAME, NAME_OF_MODULE, 0);
    if (moduleName < 0) return false;
    this.image.module = moduleName;
    return true;
  }

  private readRedirects(): bool {
    const table = this.redirectTable;
    const redirects = this.image.redirects;
    for (let i: u32 = 0; i < table.size / REDIRECT_SIZE; i++) {
      const redirect = this.redirect(table.offset + i * REDIRECT_SIZE, i);
      if (redirect == null) return false;
      if (redirect.slot != NO_SLOT && !this.claimSlot(redirect.slot, redirect.entry + R_SLOT, SLOT_OF_REDIRECT, i)) return false;
      redirects.push(redirect);
    }
    return this.checkRedirectsApart(redirects);
  }

  private readImports(): bool {
    const table = this.importTable;
    for (let i: u32 = 0; i < table.size / IMPORT_SIZE; i++) {
      const at = table.offset + i * IMPORT_SIZE;
      const entry = new Import();
      const module = this.name(at + I_MODULE, NAME_OF_IMPORT_MODULE, i);
      if (module < 0) return false;
      const symbol = this.name(at + I_SYMBOL, NAME_OF_IMPORT_SYMBOL, i);
      if (symbol < 0) return false;
      entry.module = module;
      entry.symbol = symbol;
      if (u32At(this.bytes, at + I_RESERVED) != 0) {
        return this.fail('reserved-not-zero', 'import ' + i.toString() + ' has non-zero reserved bytes', at + I_RESERVED);
      }
      entry.slot = u32At(this.bytes, at + I_SLOT);
      this.image.imports.push(entry);
      if (!this.claimSlot(entry.slot, at + I_SLOT, SLOT_OF_IMPORT, i)) return false;
    }
    return true;
  }

  private readBaseReferences(): bool {
    const table = this.baseRefTable;
    for (let i: u32 = 0; i < table.size / BASE_REF_SIZE; i++) {
      const at = table.offset + i * BASE_REF_SIZE;
      const entry = new BaseReference();
      const symbol = this.name(at + B_SYMBOL, NAME_OF_BASE_REF_SYMBOL, i);
      if (symbol < 0) return false;
      entry.symbol = symbol;
      if (u32At(this.bytes, at + B_RESERVED) != 0) {
        return this.fail('reserved-not-zero', 'base reference ' + i.toString() + ' has non-zero reserved bytes', at + B_RESERVED);
      }
      entry.slot = u32At(this.bytes, at + B_SLOT);
      this.image.baseReferences.push(entry);
      if (!this.claimSlot(entry.slot, at + B_SLOT, SLOT_OF_BASE_REF, i)) return false;
    }
    return true;
  }

  /**
   * Version 2: each relocation's kind belongs to the image's architecture, its field lies inside its
   * section (ARM64 instructions at 4-byte boundaries of the code, and of the kind's instruction),
   * clear of the slots the engine fills, and apart from every other relocation's field; its target
   * names what it must and nothing else.
   */
  private readRelocations(): bool {
    const table = this.relocationTable;
    const relocations = this.image.relocations;
    for (let i: u32 = 0; i < table.size / RELOCATION_SIZE; i++) {
      const relocation = this.relocation(table.offset + i * RELOCATION_SIZE, i);
      if (relocation == null) return false;
      relocations.push(relocation);
    }
    return this.checkRelocationsApart(relocations);
  }

  private relocation(at: u32, index: u32): Relocation | null {
    const bytes = this.bytes;
    const image = this.image;
    const x64 = image.arch == ARCH_X64;
    const entry = new Relocation();
    entry.entry = at;
    entry.offset = u32At(bytes, at + L_OFFSET);
    entry.kind = u16At(bytes, at + L_KIND);
    entry.section = bytes[at + L_SECTION];
    entry.target = bytes[at + L_TARGET];
    entry.addend = <i64>u64At(bytes, at + L_ADDEND);
    entry.fieldSize = x64 ? x64RelocationFieldSize(entry.kind) : arm64RelocationFieldSize(entry.kind);
    const what = 'relocation ' + index.toString();
    if (entry.fieldSize == 0) {
      this.fail('bad-relocation', what + ' has kind ' + entry.kind.toString() + ', which is no ' + (x64 ? 'x86-64' : 'ARM64') +
        ' relocation; the kinds are ' + (x64 ? X64_RELOCATION_KINDS : ARM64_RELOCATION_KINDS), at + L_KIND);
      return null;
    }
    if (entry.section != SECTION_CODE && entry.section != SECTION_DATA) {
      this.fail('bad-relocation', what + ' names section ' + entry.section.toString() + '; sections are 0 (code) and 1 (data)',
        at + L_SECTION);
      return null;
    }
    const section = entry.section == SECTION_CODE ? image.code : image.data;
    if (<u64>entry.offset + entry.fieldSize > <u64>section.size) {
      this.fail('out-of-bounds', what + ' (' + relocationKindName(image.arch, entry.kind) + ', ' + entry.fieldSize.toString() +
        ' bytes at ' + sectionName(entry.section) + '+' + hex(entry.offset) + ') ends past the ' + section.name + ' (' +
        hex(section.size) + ' bytes)', at + L_OFFSET);
      return null;
    }
    if (!x64 && arm64RelocationIsInstruction(entry.kind)) {
      const name = arm64RelocationName(entry.kind);
      if (entry.section != SECTION_CODE) {
        this.fail('bad-relocation', what + ' (' + name + ') relocates an instruction in the data section; instructions are in the code',
          at + L_SECTION);
        return null;
      }
      if (entry.offset % 4 != 0) {
        this.fail('bad-relocation', what + ' (' + name + ') is at code+' + hex(entry.offset) + ', not at a 4-byte instruction boundary',
          at + L_OFFSET);
        return null;
      }
      const word = u32At(bytes, section.offset + entry.offset);
      if (!arm64RelocationFitsInstruction(entry.kind, word)) {
        this.fail('bad-relocation', what + ' (' + name + ') is at code+' + hex(entry.offset) + ', whose word ' + hex(word) +
          ' is not ' + arm64RelocationInstructions(entry.kind), at + L_OFFSET);
        return null;
      }
    }
    if (entry.section == SECTION_DATA) {
      // The engine fills slots after mapping the data: a field there would be lost.
      const first = entry.offset / <u32>SLOT_SIZE * <u32>SLOT_SIZE;
      for (let slot = first; slot < entry.offset + entry.fieldSize; slot += <u32>SLOT_SIZE) {
        if (this.slots.has(slot)) {
          this.fail('bad-relocation', what + ' (data+' + hex(entry.offset) + ') overlaps the slot at data offset ' + hex(slot) +
            ', which the engine fills itself', at + L_OFFSET);
          return null;
        }
      }
    }
    const symbolField = at + L_SYMBOL;
    const moduleField = at + L_MODULE;
    const named = u64At(bytes, symbolField) != 0;
    const moduled = u64At(bytes, moduleField) != 0;
    if (entry.target == TARGET_BASE || entry.target == TARGET_EXPORT) {
      entry.symbol = this.name(symbolField, NAME_OF_RELOCATION_SYMBOL, index);
      if (entry.symbol < 0) return null;
      if (entry.target == TARGET_EXPORT) {
        entry.module = this.name(moduleField, NAME_OF_RELOCATION_MODULE, index);
        if (entry.module < 0) return null;
      } else if (moduled) {
        this.fail('bad-relocation', what + ' refers to a symbol of the base module but names a module too', moduleField);
        return null;
      }
    } else if (entry.target == TARGET_PATCH_CODE || entry.target == TARGET_PATCH_DATA) {
      if (named || moduled) {
        this.fail('bad-relocation', what + ' refers to the patch\'s own ' + (entry.target == TARGET_PATCH_CODE ? 'code' : 'data') +
          ', which has no symbol or module name, but names one', named ? symbolField : moduleField);
        return null;
      }
    } else {
      this.fail('bad-relocation', what + ' has target ' + entry.target.toString() + '; targets are 0 (a base symbol), ' +
        '1 (an export of another module), 2 (the patch\'s code) and 3 (its data)', at + L_TARGET);
      return null;
    }
    return entry;
  }

  /** No two relocation fields may share a byte: the second would overwrite the first. */
  private checkRelocationsApart(relocations: Relocation[]): bool {
    const sorted = relocations.slice(0);
    sorted.sort((a: Relocation, b: Relocation): i32 => a.section != b.section ? <i32>a.section - <i32>b.section
      : a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0);
    for (let i = 1; i < sorted.length; i++) {
      const a = sorted[i - 1];
      const b = sorted[i];
      if (a.section == b.section && <u64>a.offset + a.fieldSize > <u64>b.offset) {
        this.fail('overlapping-relocations', 'the fields of two relocations overlap: ' + relocationIndexWords(relocations, a) + ' (' +
          sectionName(a.section) + '+' + hex(a.offset) + '..' + hex(<u64>a.offset + a.fieldSize) + ') and ' +
          relocationIndexWords(relocations, b) + ' (' + sectionName(b.section) + '+' + hex(b.offset) + '..' +
          hex(<u64>b.offset + b.fieldSize) + ')', b.entry);
        return false;
      }
    }
    return true;
  }

  /** Reads an (offset, size-or-count) pair and checks that the region lies after the header and inside the image. */
  private region(name: string, field: u32, entrySize: u32): Region {
    const offset = u32At(this.bytes, field);
    const count = u32At(this.bytes, field + 4);
    const size = <u64>count * entrySize;
    const end = <u64>offset + size;
    const length = <u64>this.bytes.length;
    if (size == 0) return new Region(name, offset, 0);
    if (offset < <u32>HEADER_SIZE) {
      this.fail('out-of-bounds', 'the ' + name + ' starts at ' + hex(offset) + ', inside the header', field);
    } else if (end > length) {
      const what = entrySize == 1 ? size.toString() + ' bytes' : count.toString() + ' entries of ' + entrySize.toString() + ' bytes';
      this.fail('out-of-bounds', 'the ' + name + ' (' + what + ' at ' + hex(offset) + ') ends at ' + hex(end) +
        ', past the end of the image (' + hex(length) + ')', field);
    }
    return new Region(name, offset, <u32>size);
  }

  /** A table: a region of entries, no more of them than the format allows. */
  private table(name: string, field: u32, entrySize: u32, limit: u32 = MAX_TABLE_ENTRIES): Region {
    const region = this.region(name, field, entrySize);
    const count = region.size / entrySize;
    if (this.error == null && count > limit) {
      this.fail('too-many-entries', tooManyEntriesWords(name, count.toString(), limit.toString()), field + 4);
    }
    return region;
  }

  /**
   * A name: a string reference into the string table, non-empty, at most MAX_NAME_BYTES, strict UTF-8,
   * no control characters, and the same reference as every other use of its bytes or apart from them.
   * Answers the name's number, or -1 when refused. `use` and `index` say which name it is, for messages.
   */
  private name(field: u32, use: i32, index: u32): i32 {
    const names = this.names;
    const id = names.read(field);
    if (id >= 0) return id;
    const what = nameWords(use, index);
    if (id == NAME_EMPTY) {
      this.fail('bad-name', emptyNameWords(what), field);
    } else if (id == NAME_TOO_LONG) {
      this.fail('bad-name', longNameWords(what, names.length.toString()), field);
    } else if (id == NAME_OUT_OF_BOUNDS) {
      this.fail('out-of-bounds', what + ' (' + names.length.toString() + ' bytes at ' + hex(names.offset) + ' in the string table) ends past the ' +
        'string table (' + hex(this.strings.size) + ' bytes)', field);
    } else if (id == NAME_OVERLAPS) {
      this.fail('overlapping-names', what + ' (' + names.length.toString() + ' bytes at ' + hex(names.offset) + ' in the string table) ' +
        'shares bytes with another name without being the same reference; names are shared whole or kept apart', field);
    } else if (id == NAME_NOT_UTF8) {
      this.fail('bad-name', what + ' is not valid UTF-8 (byte ' + hex(this.bytes[names.badByteAt]) + ' at image offset ' +
        hex(names.badByteAt) + ')', names.badByteAt);
    } else if (id == NAME_CONTROL) {
      this.fail('bad-name', what + ' contains the control character ' + hex(this.bytes[names.badByteAt]), names.badByteAt);
    }
    return -1;
  }

  private redirect(at: u32, index: u32): Redirect | null {
    const image = this.image;
    const bytes = this.bytes;
    const entry = new Redirect();
    entry.entry = at;
    const base = this.name(at + R_BASE_NAME, NAME_OF_REDIRECT_BASE, index);
    if (base < 0) return null;
    entry.baseName = base;
    entry.base = this.names.texts[base];
    entry.baseOffset = u32At(bytes, at + R_BASE_OFFSET);
    entry.baseSize = u32At(bytes, at + R_BASE_SIZE);
    entry.newOffset = u32At(bytes, at + R_NEW_OFFSET);
    entry.newSize = u32At(bytes, at + R_NEW_SIZE);
    entry.mode = bytes[at + R_MODE];
    entry.slot = u32At(bytes, at + R_SLOT);
    if (entry.baseSize == 0) {
      this.fail('bad-redirect', redirectWords(index, entry) + ' gives the base function a size of 0', at + R_BASE_SIZE);
      return null;
    }
    if (entry.newSize == 0) {
      this.fail('bad-redirect', redirectWords(index, entry) + ' gives the new function a size of 0', at + R_NEW_SIZE);
      return null;
    }
    if (<u64>entry.newOffset + entry.newSize > <u64>image.code.size) {
      this.fail('out-of-bounds', redirectWords(index, entry) + ': the new function (' + entry.newSize.toString() + ' bytes at ' +
        hex(entry.newOffset) + ') ends past the code section (' + hex(image.code.size) + ' bytes)', at + R_NEW_OFFSET);
      return null;
    }
    for (let i: u32 = 0; i < 3; i++) {
      if (bytes[at + R_RESERVED + i] != 0) {
        this.fail('reserved-not-zero', redirectWords(index, entry) + ' has non-zero reserved bytes', at + R_RESERVED + i);
        return null;
      }
    }
    if (entry.mode == MODE_REPLACE) {
      if (entry.slot != NO_SLOT) {
        this.fail('bad-redirect', redirectWords(index, entry) + ' is in replace mode but names a trampoline slot (' + hex(entry.slot) +
          '); only hook mode has a trampoline', at + R_SLOT);
        return null;
      }
    } else if (entry.mode == MODE_HOOK) {
      if (entry.slot == NO_SLOT) {
        this.fail('bad-redirect', redirectWords(index, entry) + ' is in hook mode but has no trampoline slot for the new code to call ' +
          'the original', at + R_SLOT);
        return null;
      }
    } else {
      this.fail('bad-redirect', redirectWords(index, entry) + ' has mode ' + entry.mode.toString() + '; modes are 0 (replace) and 1 (hook)',
        at + R_MODE);
      return null;
    }
    return entry;
  }

  /** A slot: an aligned 8-byte cell inside the data section, used by one table entry only. */
  private claimSlot(slot: u32, field: u32, use: i32, index: u32): bool {
    const image = this.image;
    const taken = this.slots;
    if (<u64>slot + SLOT_SIZE > <u64>image.data.size) {
      this.fail('slot-out-of-bounds', 'the ' + this.slotWords(use, index) + ' is at data offset ' + hex(slot) +
        ', outside the data section (' + hex(image.data.size) + ' bytes)', field);
      return false;
    }
    if (slot % SLOT_SIZE != 0) {
      this.fail('misaligned-slot', 'the ' + this.slotWords(use, index) + ' is at data offset ' + hex(slot) + ', not a multiple of 8', field);
      return false;
    }
    if (taken.has(slot)) {
      this.fail('shared-slot', 'the ' + this.slotWords(use, index) + ' is at data offset ' + hex(slot) +
        ', a slot another entry already uses', field);
      return false;
    }
    taken.add(slot);
    return true;
  }

  /** "slot of import 0 (mathlib!round_half_even)", for a message. */
  private slotWords(use: i32, index: u32): string {
    const names = this.names.texts;
    const image = this.image;
    if (use == SLOT_OF_REDIRECT) return 'trampoline slot of redirect ' + index.toString();
    if (use == SLOT_OF_IMPORT) {
      const entry = image.imports[index];
      return 'slot of import ' + index.toString() + ' (' + names[entry.module] + '!' + names[entry.symbol] + ')';
    }
    const entry = image.baseReferences[index];
    return 'slot of base reference ' + index.toString() + ' (' + names[entry.symbol] + ')';
  }

  /** No base function may be redirected twice, and no two redirected functions may share bytes. */
  private checkRedirectsApart(redirects: Redirect[]): bool {
    const seen = new Set<i32>();
    for (let i = 0; i < redirects.length; i++) {
      const r = redirects[i];
      if (seen.has(r.baseName)) {
        this.fail('duplicate-redirect', 'the base function ' + r.base + ' is redirected twice', r.entry);
        return false;
      }
      seen.add(r.baseName);
    }
    const sorted = redirects.slice(0);
    sorted.sort((a: Redirect, b: Redirect): i32 => a.baseOffset < b.baseOffset ? -1 : a.baseOffset > b.baseOffset ? 1 : 0);
    for (let i = 1; i < sorted.length; i++) {
      const a = sorted[i - 1];
      const b = sorted[i];
      if (<u64>a.baseOffset + a.baseSize > <u64>b.baseOffset) {
        this.fail('overlapping-redirects', 'the redirected functions ' + a.base + ' (' + hex(a.baseOffset) + '..' +
          hex(<u64>a.baseOffset + a.baseSize) + ') and ' + b.base + ' (' + hex(b.baseOffset) + '..' +
          hex(<u64>b.baseOffset + b.baseSize) + ') overlap in the base module', b.entry);
        return false;
      }
    }
    return true;
  }
}

export function sectionName(section: u8): string {
  return section == SECTION_CODE ? 'code' : 'data';
}

export function relocationKindName(arch: u16, kind: u16): string {
  return arch == ARCH_X64 ? x64RelocationName(kind) : arm64RelocationName(kind);
}

export function targetName(target: u8): string {
  switch (<i32>target) {
    case TARGET_BASE: return 'base';
    case TARGET_EXPORT: return 'export';
    case TARGET_PATCH_CODE: return 'patch-code';
    default: return 'patch-data';
  }
}

/** "relocation 3", for a message (the entry's place in the table gives its number). */
function relocationIndexWords(relocations: Relocation[], entry: Relocation): string {
  return 'relocation ' + relocations.indexOf(entry).toString();
}

/** "redirect 0 (price_with_tax)", for a message. */
function redirectWords(index: u32, entry: Redirect): string {
  return 'redirect ' + index.toString() + ' (' + entry.base + ')';
}

/**
 * The engine's answer: the parsed image, or the first problem found. Each distinct name is written
 * once, in `names`; entries give the number of theirs, so the answer grows with the image, not
 * with entries times name length.
 */
export function patchImageJson(bytes: Uint8Array, expectedArch: u16): string {
  const parser = new PatchImageParser(bytes, expectedArch);
  const image = parser.parse();
  // Names as UTF-16 (at most two units per byte of the string table, with escapes) and about 80 units per entry.
  const out = new JsonWriter(image == null ? 1024 : estimateJsonLength(image));
  out.beginObject();
  if (image == null) {
    const error = parser.error!;
    out.key('ok').bool(false);
    out.key('error').beginObject();
    out.key('code').string(error.code);
    out.key('message').string(error.message);
    out.key('offset').int(error.offset);
    out.endObject();
  } else {
    out.key('ok').bool(true);
    out.key('image').beginObject();
    out.key('version').int(image.version);
    out.key('arch').string(archName(image.arch));
    out.key('size').int(image.size);
    out.key('sequence').int(image.sequence);
    out.key('names').beginArray();
    for (let i = 0; i < image.names.length; i++) out.string(image.names[i]);
    out.endArray();
    out.key('module').int(image.module);
    out.key('baseIdentity').string(image.baseIdentity);
    region(out, 'code', image.code);
    region(out, 'data', image.data);
    out.key('redirects').beginArray();
    for (let i = 0; i < image.redirects.length; i++) {
      const r = image.redirects[i];
      out.beginObject();
      out.key('base').int(r.baseName);
      out.key('baseOffset').int(r.baseOffset);
      out.key('baseSize').int(r.baseSize);
      out.key('newOffset').int(r.newOffset);
      out.key('newSize').int(r.newSize);
      out.key('mode').string(r.mode == MODE_HOOK ? 'hook' : 'replace');
      if (r.slot != NO_SLOT) out.key('slot').int(r.slot);
      out.endObject();
    }
    out.endArray();
    out.key('imports').beginArray();
    for (let i = 0; i < image.imports.length; i++) {
      const entry = image.imports[i];
      out.beginObject().key('module').int(entry.module).key('symbol').int(entry.symbol).key('slot').int(entry.slot).endObject();
    }
    out.endArray();
    out.key('baseReferences').beginArray();
    for (let i = 0; i < image.baseReferences.length; i++) {
      const entry = image.baseReferences[i];
      out.beginObject().key('symbol').int(entry.symbol).key('slot').int(entry.slot).endObject();
    }
    out.endArray();
    out.key('relocations').beginArray();
    for (let i = 0; i < image.relocations.length; i++) {
      const r = image.relocations[i];
      out.beginObject();
      out.key('section').string(sectionName(r.section));
      out.key('offset').int(r.offset);
      out.key('kind').int(r.kind);
      out.key('kindName').string(relocationKindName(image.arch, r.kind));
      out.key('fieldSize').int(r.fieldSize);
      out.key('target').string(targetName(r.target));
      if (r.symbol >= 0) out.key('symbol').int(r.symbol);
      if (r.module >= 0) out.key('module').int(r.module);
      // A decimal string: JSON numbers lose precision past 2^53.
      out.key('addend').string(r.addend.toString());
      out.endObject();
    }
    out.endArray();
    out.endObject();
  }
  out.endObject();
  return out.toString();
}

function estimateJsonLength(image: PatchImage): i32 {
  let units: i64 = 1024 + <i64>(image.redirects.length + image.imports.length + image.baseReferences.length) * 80 +
    <i64>image.relocations.length * 160;
  for (let i = 0; i < image.names.length; i++) units += image.names[i].length + 3;
  return <i32>min(units, 1 << 28);
}

function region(out: JsonWriter, key: string, r: Region): void {
  out.key(key).beginObject().key('offset').int(r.offset).key('size').int(r.size).endObject();
}
