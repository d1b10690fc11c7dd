// What a patch image holds, field by field, with what each field means, and the engine's verdict
// on it: what `hotpatch inspect` prints (what readelf is for ELF). The fields are read here as the
// bytes say, whatever they say, so a broken image shows as much of itself as lies inside it; the
// verdict is the engine's parser's (engine/host/patch-image.ts), the only judge of validity.
import { ARCH_ARM64, ARCH_X64, BASE_IDENTITY_SIZE, BASE_REF_SIZE, B_SLOT, B_SYMBOL, FORMAT_VERSION_1, FORMAT_VERSION_2, HEADER_SIZE,
  H_ARCH, H_BASE_IDENTITY, H_BASE_REFS, H_CODE, H_DATA, H_FLAGS, H_HEADER_SIZE, H_IMAGE_SIZE, H_IMPORTS, H_MAGIC, H_MODULE_NAME,
  H_REDIRECTS, H_RELOCATIONS, H_RESERVED, H_RESERVED_SIZE, H_RESERVED_V2, H_RESERVED_V2_SIZE, H_SEQUENCE, H_STRINGS, H_VERSION,
  IMPORT_SIZE, I_MODULE, I_SLOT, I_SYMBOL, L_ADDEND, L_KIND, L_MODULE, L_OFFSET, L_SECTION, L_SYMBOL, L_TARGET, MAGIC, MODE_HOOK,
  MODE_REPLACE, NO_SLOT, REDIRECT_SIZE, RELOCATION_SIZE, R_AARCH64_ABS64, R_AARCH64_ADD_ABS_LO12_NC, R_AARCH64_ADR_PREL_PG_HI21,
  R_AARCH64_CALL26, R_AARCH64_CONDBR19, R_AARCH64_JUMP26, R_AARCH64_LDST128_ABS_LO12_NC, R_AARCH64_LDST16_ABS_LO12_NC,
  R_AARCH64_LDST32_ABS_LO12_NC, R_AARCH64_LDST64_ABS_LO12_NC, R_AARCH64_LDST8_ABS_LO12_NC, R_AARCH64_LD_PREL_LO19,
  R_AARCH64_TSTBR14, R_BASE_NAME, R_BASE_OFFSET, R_BASE_SIZE, R_MODE, R_NEW_OFFSET, R_NEW_SIZE, R_SLOT, R_X86_64_64, R_X86_64_PC32,
  R_X86_64_PLT32, SECTION_CODE, SECTION_DATA, TARGET_BASE, TARGET_EXPORT, TARGET_PATCH_CODE, TARGET_PATCH_DATA,
} from '../core/patch-format.ts';
import type { Arch } from '../core/arch.ts';
import { bytesToHex, hex } from '../core/hex.ts';
import { type PatchImageError, parsePatchImage } from '../engine/host/patch-image.ts';

/** One field: where it is, what it holds, and what that means. */
export interface InspectedField {
  offset: number;
  size: number;
  name: string;
  /** The value as text (numbers in decimal or hex, names quoted, bytes in hex). */
  value: string;
  meaning: string;
}

export interface InspectedEntry {
  index: number;
  /** The entry's offset in the image. */
  offset: number;
  /** One line: the entry's facts. */
  summary: string;
  fields: InspectedField[];
}

export interface InspectedTable {
  name: 'redirect table' | 'import table' | 'base reference table' | 'relocation table';
  offset: number;
  count: number;
  entrySize: number;
  entries: InspectedEntry[];
  /** Entries the header counts that do not lie inside the image (not shown). */
  outside: number;
}

export type Verdict =
  | { valid: true; summary: string }
  | { valid: false; code: PatchImageError['code']; message: string; offset: number };

export interface Inspection {
  size: number;
  header: InspectedField[];
  tables: InspectedTable[];
  verdict: Verdict;
}

/** ELF's relocation kinds of both architectures: name, and what the field is and holds. */
export const RELOCATION_KINDS: Record<number, { arch: Arch; name: string; meaning: string }> = {
  [R_X86_64_64]: { arch: 'x64', name: 'R_X86_64_64', meaning: '8 bytes (a movabs immediate or a .quad): S + A' },
  [R_X86_64_PC32]: { arch: 'x64', name: 'R_X86_64_PC32', meaning: '4 bytes (a RIP-relative displacement): S + A - P, signed, +-2 GiB' },
  [R_X86_64_PLT32]: { arch: 'x64', name: 'R_X86_64_PLT32', meaning: '4 bytes (the rel32 of a call or jump): S + A - P, signed, +-2 GiB' },
  [R_AARCH64_ABS64]: { arch: 'arm64', name: 'R_AARCH64_ABS64', meaning: '8 bytes (a .quad): S + A' },
  [R_AARCH64_LD_PREL_LO19]: { arch: 'arm64', name: 'R_AARCH64_LD_PREL_LO19',
    meaning: 'the imm19 of a literal ldr, ldrsw or prfm: (S + A - P) / 4, +-1 MiB' },
  [R_AARCH64_ADR_PREL_PG_HI21]: { arch: 'arm64', name: 'R_AARCH64_ADR_PREL_PG_HI21',
    meaning: 'the page of an adrp: (Page(S + A) - Page(P)) / 4096, +-4 GiB' },
  [R_AARCH64_ADD_ABS_LO12_NC]: { arch: 'arm64', name: 'R_AARCH64_ADD_ABS_LO12_NC',
    meaning: 'the imm12 of an add (immediate): (S + A) & 0xfff' },
  [R_AARCH64_LDST8_ABS_LO12_NC]: { arch: 'arm64', name: 'R_AARCH64_LDST8_ABS_LO12_NC',
    meaning: 'the imm12 of an 8-bit ldr/str (unsigned offset): (S + A) & 0xfff' },
  [R_AARCH64_LDST16_ABS_LO12_NC]: { arch: 'arm64', name: 'R_AARCH64_LDST16_ABS_LO12_NC',
    meaning: 'the imm12 of a 16-bit ldr/str (unsigned offset): ((S + A) & 0xfff) / 2' },
  [R_AARCH64_LDST32_ABS_LO12_NC]: { arch: 'arm64', name: 'R_AARCH64_LDST32_ABS_LO12_NC',
    meaning: 'the imm12 of a 32-bit ldr/str (unsigned offset): ((S + A) & 0xfff) / 4' },
  [R_AARCH64_LDST64_ABS_LO12_NC]: { arch: 'arm64', name: 'R_AARCH64_LDST64_ABS_LO12_NC',
    meaning: 'the imm12 of a 64-bit ldr/str (unsigned offset): ((S + A) & 0xfff) / 8' },
  [R_AARCH64_LDST128_ABS_LO12_NC]: { arch: 'arm64', name: 'R_AARCH64_LDST128_ABS_LO12_NC',
    meaning: 'the imm12 of a 128-bit ldr/str (unsigned offset): ((S + A) & 0xfff) / 16' },
  [R_AARCH64_TSTBR14]: { arch: 'arm64', name: 'R_AARCH64_TSTBR14', meaning: 'the imm14 of a tbz or tbnz: (S + A - P) / 4, +-32 KiB' },
  [R_AARCH64_CONDBR19]: { arch: 'arm64', name: 'R_AARCH64_CONDBR19',
    meaning: 'the imm19 of a b.cond, cbz or cbnz: (S + A - P) / 4, +-1 MiB' },
  [R_AARCH64_JUMP26]: { arch: 'arm64', name: 'R_AARCH64_JUMP26', meaning: 'the imm26 of a b: (S + A - P) / 4, +-128 MiB' },
  [R_AARCH64_CALL26]: { arch: 'arm64', name: 'R_AARCH64_CALL26', meaning: 'the imm26 of a bl: (S + A - P) / 4, +-128 MiB' },
};

const ARCH_CODES: Record<number, Arch> = { [ARCH_X64]: 'x64', [ARCH_ARM64]: 'arm64' };
const ARCH_WORDS: Record<Arch, string> = { x64: 'x86-64', arm64: 'ARM64' };

/** Reads an image's bytes as they are, inside its bounds only. */
class Reader {
  private readonly view: DataView;
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  fits(at: number, size: number): boolean { return at >= 0 && at + size <= this.bytes.length; }
  u8(at: number): number { return this.bytes[at]!; }
  u16(at: number): number { return this.view.getUint16(at, true); }
  u32(at: number): number { return this.view.getUint32(at, true); }
  i64(at: number): bigint { return this.view.getBigInt64(at, true); }

  /** A name by its reference (offset in the string table, length), or why it cannot be read. */
  name(at: number): { text: string; ok: boolean } {
    const offset = this.u32(at);
    const length = this.u32(at + 4);
    if (offset === 0 && length === 0) return { text: '(none)', ok: false };
    if (!this.fits(H_STRINGS, 8)) return { text: '(no string table)', ok: false };
    const table = this.u32(H_STRINGS);
    const tableSize = this.u32(H_STRINGS + 4);
    if (offset + length > tableSize || !this.fits(table, tableSize)) {
      return { text: `(bytes ${hex(offset)}..${hex(offset + length)} of the string table, which are not in the image)`, ok: false };
    }
    return { text: JSON.stringify(this.decoder.decode(this.bytes.subarray(table + offset, table + offset + length))), ok: true };
  }
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

function headerFields(r: Reader): InspectedField[] {
  const fields: InspectedField[] = [];
  const field = (offset: number, size: number, name: string, value: () => string, meaning: () => string) => {
    if (r.fits(offset, size)) fields.push({ offset, size, name, value: value(), meaning: meaning() });
  };
  const version = r.fits(H_VERSION, 2) ? r.u16(H_VERSION) : FORMAT_VERSION_1;
  const region = (offset: number, name: string, unit: string, units: string, what: string) =>
    field(offset, 8, name, () => `${hex(r.u32(offset))}, ${r.u32(offset + 4)}`,
      () => `${plural(r.u32(offset + 4), unit, units)} at image offset ${hex(r.u32(offset))}: ${what}`);

  field(H_MAGIC, 4, 'magic', () => JSON.stringify(new TextDecoder().decode(r.bytes.subarray(0, 4))),
    () => (r.u32(H_MAGIC) === MAGIC ? 'a patch image' : 'not "HPAT": no patch image'));
  field(H_VERSION, 2, 'version', () => String(version), () =>
    version === FORMAT_VERSION_1 ? 'format version 1: no relocations'
      : version === FORMAT_VERSION_2 ? 'format version 2: with a relocation table' : 'no format version this engine reads (1 or 2)');
  field(H_ARCH, 2, 'architecture', () => String(r.u16(H_ARCH)), () => {
    const arch = ARCH_CODES[r.u16(H_ARCH)];
    return arch ? `${ARCH_WORDS[arch]} code` : 'no architecture (1 x86-64, 2 ARM64)';
  });
  field(H_HEADER_SIZE, 4, 'header size', () => String(r.u32(H_HEADER_SIZE)), () =>
    (r.u32(H_HEADER_SIZE) === HEADER_SIZE ? 'bytes of this header' : `headers are ${HEADER_SIZE} bytes`));
  field(H_IMAGE_SIZE, 4, 'image size', () => String(r.u32(H_IMAGE_SIZE)), () =>
    (r.u32(H_IMAGE_SIZE) === r.bytes.length ? 'bytes of the whole image, as many as there are'
      : `bytes of the whole image, but there are ${r.bytes.length}`));
  field(H_SEQUENCE, 4, 'sequence', () => String(r.u32(H_SEQUENCE)), () =>
    'applies over an active patch of the module with a lower number, and replaces it');
  field(H_FLAGS, 4, 'flags', () => hex(r.u32(H_FLAGS)), () => (r.u32(H_FLAGS) === 0 ? 'none (none are defined)' : 'none are defined'));
  field(H_BASE_IDENTITY, BASE_IDENTITY_SIZE, 'base identity',
    () => `sha256:${bytesToHex(r.bytes.subarray(H_BASE_IDENTITY, H_BASE_IDENTITY + BASE_IDENTITY_SIZE))}`,
    () => 'the SHA-256 of the module build the patch is for: it applies to that build only');
  field(H_MODULE_NAME, 8, 'module name', () => `${hex(r.u32(H_MODULE_NAME))}, ${r.u32(H_MODULE_NAME + 4)}`,
    () => `the module the patch is for: ${r.name(H_MODULE_NAME).text}`);
  region(H_CODE, 'code section', 'byte', 'bytes', 'the patch\'s code, mapped read+execute');
  region(H_DATA, 'data section', 'byte', 'bytes', 'the patch\'s data and slots, mapped read+write after the code');
  region(H_REDIRECTS, 'redirect table', 'entry', 'entries', 'base functions and the new functions they go to');
  region(H_IMPORTS, 'import table', 'entry', 'entries', 'slots filled with other modules\' exports');
  region(H_BASE_REFS, 'base reference table', 'entry', 'entries', 'slots filled with the base module\'s symbols');
  region(H_STRINGS, 'string table', 'byte', 'bytes', 'the names, UTF-8');
  if (version !== FORMAT_VERSION_2) {
    field(H_RESERVED, H_RESERVED_SIZE, 'reserved', () => bytesToHex(r.bytes.subarray(H_RESERVED, H_RESERVED + H_RESERVED_SIZE)),
      () => 'must be zero');
  } else {
    region(H_RELOCATIONS, 'relocation table', 'entry', 'entries', 'references resolved when the patch is applied');
    field(H_RESERVED_V2, H_RESERVED_V2_SIZE, 'reserved',
      () => bytesToHex(r.bytes.subarray(H_RESERVED_V2, H_RESERVED_V2 + H_RESERVED_V2_SIZE)), () => 'must be zero');
  }
  return fields;
}

type TableSpec = { name: InspectedTable['name']; header: number; size: number; entry: (r: Reader, at: number, i: number) => InspectedEntry };

const slotWords = (slot: number) => `data+${hex(slot)}`;

function redirectEntry(r: Reader, at: number, index: number): InspectedEntry {
  const base = r.name(at + R_BASE_NAME).text;
  const mode = r.u8(at + R_MODE);
  const slot = r.u32(at + R_SLOT);
  const modeWords = mode === MODE_REPLACE ? 'replace: calls of the base function run the new one instead'
    : mode === MODE_HOOK ? 'hook: calls of the base function run the new one, which may call the original through the slot'
      : 'no mode (0 replace, 1 hook)';
  const fields: InspectedField[] = [
    { offset: at + R_BASE_NAME, size: 8, name: 'base function', value: base, meaning: 'the function of the base module redirected' },
    { offset: at + R_BASE_OFFSET, size: 4, name: 'base offset', value: hex(r.u32(at + R_BASE_OFFSET)),
      meaning: 'where it starts, from the module\'s base, as built' },
    { offset: at + R_BASE_SIZE, size: 4, name: 'base size', value: String(r.u32(at + R_BASE_SIZE)), meaning: 'its size in bytes, as built' },
    { offset: at + R_NEW_OFFSET, size: 4, name: 'new offset', value: hex(r.u32(at + R_NEW_OFFSET)),
      meaning: 'where the new function starts in the code section' },
    { offset: at + R_NEW_SIZE, size: 4, name: 'new size', value: String(r.u32(at + R_NEW_SIZE)), meaning: 'the new function\'s size in bytes' },
    { offset: at + R_MODE, size: 1, name: 'mode', value: String(mode), meaning: modeWords },
    { offset: at + R_SLOT, size: 4, name: 'slot', value: hex(slot),
      meaning: slot === NO_SLOT ? 'none' : `the slot at ${slotWords(slot)} gets the address of the original function (its trampoline)` },
  ];
  const summary = `${base} (+${hex(r.u32(at + R_BASE_OFFSET))}, ${r.u32(at + R_BASE_SIZE)} bytes) -> code+${hex(r.u32(at + R_NEW_OFFSET))} ` +
    `(${r.u32(at + R_NEW_SIZE)} bytes), ${mode === MODE_REPLACE ? 'replace' : mode === MODE_HOOK ? `hook, original in ${slotWords(slot)}` : `mode ${mode}`}`;
  return { index, offset: at, summary, fields };
}

function importEntry(r: Reader, at: number, index: number): InspectedEntry {
  const module = r.name(at + I_MODULE).text;
  const symbol = r.name(at + I_SYMBOL).text;
  const slot = r.u32(at + I_SLOT);
  return {
    index, offset: at, summary: `${slotWords(slot)} <- ${module}!${symbol}`,
    fields: [
      { offset: at + I_MODULE, size: 8, name: 'module', value: module, meaning: 'a loaded module other than the base' },
      { offset: at + I_SYMBOL, size: 8, name: 'symbol', value: symbol, meaning: 'an export of that module' },
      { offset: at + I_SLOT, size: 4, name: 'slot', value: hex(slot), meaning: `the slot at ${slotWords(slot)} gets the export's address` },
    ],
  };
}

function baseReferenceEntry(r: Reader, at: number, index: number): InspectedEntry {
  const symbol = r.name(at + B_SYMBOL).text;
  const slot = r.u32(at + B_SLOT);
  return {
    index, offset: at, summary: `${slotWords(slot)} <- ${symbol} (base module)`,
    fields: [
      { offset: at + B_SYMBOL, size: 8, name: 'symbol', value: symbol, meaning: 'a symbol of the base module' },
      { offset: at + B_SLOT, size: 4, name: 'slot', value: hex(slot), meaning: `the slot at ${slotWords(slot)} gets the symbol's address` },
    ],
  };
}

function relocationEntry(r: Reader, at: number, index: number): InspectedEntry {
  const offset = r.u32(at + L_OFFSET);
  const kind = r.u16(at + L_KIND);
  const section = r.u8(at + L_SECTION);
  const target = r.u8(at + L_TARGET);
  const addend = r.i64(at + L_ADDEND);
  const known = RELOCATION_KINDS[kind];
  const sectionWords = section === SECTION_CODE ? 'code' : section === SECTION_DATA ? 'data' : `section ${section}`;
  const symbol = r.name(at + L_SYMBOL);
  const module = r.name(at + L_MODULE);
  const targetWords = target === TARGET_BASE ? `the base module's ${symbol.text}`
    : target === TARGET_EXPORT ? `the export ${symbol.text} of module ${module.text}`
      : target === TARGET_PATCH_CODE ? 'the start of the patch\'s code' : target === TARGET_PATCH_DATA ? 'the start of the patch\'s data'
        : 'no target (0 base, 1 export, 2 patch code, 3 patch data)';
  const short = target === TARGET_BASE ? symbol.text.replace(/^"|"$/g, '') : target === TARGET_EXPORT
    ? `${module.text.replace(/^"|"$/g, '')}!${symbol.text.replace(/^"|"$/g, '')}`
    : target === TARGET_PATCH_CODE ? 'patch code' : target === TARGET_PATCH_DATA ? 'patch data' : `target ${target}`;
  const addendText = addend < 0n ? ` - ${hex(-addend)}` : ` + ${hex(addend)}`;
  return {
    index, offset: at, summary: `${sectionWords}+${hex(offset)}  ${known?.name ?? `kind ${kind}`}  ${short}${addendText}`,
    fields: [
      { offset: at + L_OFFSET, size: 4, name: 'offset', value: hex(offset),
        meaning: known?.arch === 'arm64' && kind !== R_AARCH64_ABS64
          ? `the instruction whose field is filled is at ${sectionWords}+${hex(offset)}` : `the field is at ${sectionWords}+${hex(offset)}` },
      { offset: at + L_KIND, size: 2, name: 'kind', value: String(kind),
        meaning: known ? `${known.name} (${ARCH_WORDS[known.arch]}): ${known.meaning}` : 'no relocation kind this engine knows' },
      { offset: at + L_SECTION, size: 1, name: 'section', value: String(section),
        meaning: section === SECTION_CODE ? 'the code section' : section === SECTION_DATA ? 'the data section' : 'no section (0 code, 1 data)' },
      { offset: at + L_TARGET, size: 1, name: 'target', value: String(target), meaning: `S is the address of ${targetWords}` },
      { offset: at + L_SYMBOL, size: 8, name: 'symbol', value: symbol.text,
        meaning: target === TARGET_BASE || target === TARGET_EXPORT ? 'the symbol S is the address of' : 'none for this target' },
      { offset: at + L_MODULE, size: 8, name: 'module', value: module.text,
        meaning: target === TARGET_EXPORT ? 'the module that exports the symbol' : 'none for this target' },
      { offset: at + L_ADDEND, size: 8, name: 'addend', value: String(addend), meaning: 'A, added to S' },
    ],
  };
}

function tables(r: Reader): InspectedTable[] {
  const version = r.fits(H_VERSION, 2) ? r.u16(H_VERSION) : 0;
  const specs: TableSpec[] = [
    { name: 'redirect table', header: H_REDIRECTS, size: REDIRECT_SIZE, entry: redirectEntry },
    { name: 'import table', header: H_IMPORTS, size: IMPORT_SIZE, entry: importEntry },
    { name: 'base reference table', header: H_BASE_REFS, size: BASE_REF_SIZE, entry: baseReferenceEntry },
    ...(version === FORMAT_VERSION_2 ? [{ name: 'relocation table' as const, header: H_RELOCATIONS, size: RELOCATION_SIZE, entry: relocationEntry }] : []),
  ];
  const found: InspectedTable[] = [];
  for (const spec of specs) {
    if (!r.fits(spec.header, 8)) continue;
    const offset = r.u32(spec.header);
    const count = r.u32(spec.header + 4);
    const inside = offset >= r.bytes.length ? 0 : Math.min(count, Math.floor((r.bytes.length - offset) / spec.size));
    const entries = Array.from({ length: inside }, (_, i) => spec.entry(r, offset + i * spec.size, i));
    found.push({ name: spec.name, offset, count, entrySize: spec.size, entries, outside: count - inside });
  }
  return found;
}

/** Every field of `bytes` read as a patch image, and the engine's verdict for a program of the image's own architecture. */
export async function inspectPatchImage(bytes: Uint8Array): Promise<Inspection> {
  const r = new Reader(bytes);
  const arch = (r.fits(H_ARCH, 2) ? ARCH_CODES[r.u16(H_ARCH)] : undefined) ?? 'x64';
  const parsed = await parsePatchImage(bytes, arch);
  const verdict: Verdict = parsed.ok
    ? { valid: true, summary: `a valid version ${parsed.image.version} patch image: ${ARCH_WORDS[arch]}, for module ` +
      `${parsed.image.module} (sha256:${parsed.image.baseIdentity}), sequence ${parsed.image.sequence}; ` +
      `${plural(parsed.image.redirects.length, 'redirect')}, ${plural(parsed.image.imports.length, 'import')}, ` +
      `${plural(parsed.image.baseReferences.length, 'base reference')}, ${plural(parsed.image.relocations.length, 'relocation')}` }
    : { valid: false, code: parsed.error.code, message: parsed.error.message, offset: parsed.error.offset };
  return { size: bytes.length, header: headerFields(r), tables: tables(r), verdict };
}
