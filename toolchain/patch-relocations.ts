// Relocations of a patch source: the base module's symbols and other modules' exports that patch
// code uses by name (`call price_with_tax`, `lea rax, [rip + tax_rate]`, `adrp x0, tax_rate`,
// `bl round_half`), and the absolute 64-bit addresses of the patch's own code and data (`.quad f`,
// `movabs rax, f`), found and checked like this:
//   1. Each such symbol becomes a label in an area just before the patch's code, at an address of
//      its own that differs between two trial builds (the patch at two addresses too), so that every
//      field that depends on it differs between them, and by an amount that tells which symbol it is.
//   2. The statements that name a symbol are marked; their instructions are decoded (the engine's
//      x86-64 decoder; ARM64 by instruction class) to find the field: a rel32 (R_X86_64_PLT32), a
//      RIP-relative displacement (R_X86_64_PC32), a 64-bit immediate or datum (R_X86_64_64,
//      R_AARCH64_ABS64), or the immediate of b/bl, b.cond/cbz/cbnz, tbz/tbnz, ldr (literal), adrp,
//      add and ldr/str (unsigned offset). A field that differs becomes a relocation to the symbol
//      whose move explains the difference, with the addend the first build gives.
//   3. The engine then resolves the image's relocations at both trial addresses: the result must be
//      Keystone's bytes exactly, or the build is refused at the statement's line. Bytes that still
//      differ between the builds, outside every relocation's field, are refused as before: the
//      patch is not position-independent there.
import type { Arch } from '../core/arch.ts';
import { hex } from '../core/hex.ts';
import type { GuestModule } from '../core/module.ts';
import {
  R_AARCH64_ABS64, R_AARCH64_ADD_ABS_LO12_NC, R_AARCH64_ADR_PREL_PG_HI21, R_AARCH64_CALL26, R_AARCH64_CONDBR19,
  R_AARCH64_JUMP26, R_AARCH64_LDST128_ABS_LO12_NC, R_AARCH64_LDST16_ABS_LO12_NC, R_AARCH64_LDST32_ABS_LO12_NC,
  R_AARCH64_LDST64_ABS_LO12_NC, R_AARCH64_LDST8_ABS_LO12_NC, R_AARCH64_LD_PREL_LO19, R_AARCH64_TSTBR14, R_X86_64_64,
  R_X86_64_PC32, R_X86_64_PLT32,
} from '../core/patch-format.ts';
import { loadEngine } from '../engine/host/engine.ts';
import { linkPatch } from '../engine/host/link.ts';
import { parsePatchImageWith } from '../engine/host/patch-image.ts';
import { X64Decoder } from '../engine/host/x64-decoder.ts';
import type { RelocationContents } from './patch-image-writer.ts';
import { type ModuleSource, RESERVED_PREFIX, type SourceStatement, functionEndLabel } from './source.ts';

/** A name patch code uses that the patch does not define. */
export interface ExternalSymbol {
  /** As the source writes it. */
  name: string;
  target: 'base' | 'export';
  /** Export targets: the module. */
  module?: string;
  symbol: string;
}

/** External symbols a patch may name: each is a label of the trial builds. */
export const MAX_EXTERNAL_SYMBOLS = 4096;

const MARKER_PREFIX = `${RESERVED_PREFIX}ref`;
const PAGE = 0x1000;
const pageCeil = (value: number) => Math.ceil(value / PAGE) * PAGE;

export const isMarker = (name: string) => name.startsWith(MARKER_PREFIX) || name.startsWith(functionEndLabel(MARKER_PREFIX));

/** A statement that names an external symbol or a label of the patch, wrapped in labels to find its bytes. */
interface Marker {
  name: string;
  statement: SourceStatement;
  section: 'code' | 'data';
  /** The external symbols it names, in order. */
  externals: ExternalSymbol[];
}

/** Where the external symbols are in one trial build. */
export interface Trial {
  /** The patch's code address. */
  base: number;
  /** Bytes of the area before the code that holds the symbols' labels. */
  area: number;
  addresses: Map<string, number>;
}

const NAME = /[A-Za-z_.$][\w.$]*/g;

/** The names of a statement (mnemonics and registers too; callers look up what they know). */
const namesIn = (text: string) => text.match(NAME) ?? [];

/**
 * The two trial layouts for `externals`: the code at `bases[t]`, the symbols in an area before it,
 * 16 bytes apart in the first build; in the second each is `16 * k` further (k = 1, 2, ... skipping
 * every multiple of 256) and the area a page more than the largest of those longer. So each symbol
 * moves by an amount of its own, a multiple of 16 (an aligned 128-bit load stays encodable) that is
 * never a multiple of 4 KiB (its low 12 bits change), and at least a page less than the patch itself
 * moves (its page, relative to the patch's, changes).
 */
export function trials(externals: readonly ExternalSymbol[], bases: readonly [number, number]): [Trial, Trial] {
  const step = (i: number) => 16 * (i + 1 + Math.floor(i / 255));
  const first = pageCeil(16 * externals.length + 512);
  const areas = [first, first + pageCeil(step(Math.max(0, externals.length - 1))) + PAGE];
  const at = (t: number, i: number) => bases[t]! - areas[t]! + 16 * i + (t === 0 ? 0 : step(i));
  return [0, 1].map((t) => ({
    base: bases[t]!, area: areas[t]!, addresses: new Map(externals.map((e, i) => [e.name, at(t, i)])),
  })) as [Trial, Trial];
}

/** The statements that name an external symbol or a patch label, each between two labels (a marker function). */
export function markStatements(parsed: ModuleSource, externals: readonly ExternalSymbol[]): { parsed: ModuleSource; markers: Marker[] } {
  const byName = new Map(externals.map((e) => [e.name, e]));
  const markers: Marker[] = [];
  const mark = (statements: SourceStatement[], section: 'code' | 'data'): SourceStatement[] => statements.flatMap((statement) => {
    if (/^[A-Za-z_.$][\w.$]*:$/.test(statement.text)) return [statement];
    const names = namesIn(statement.text);
    const named = names.map((n) => byName.get(n)).filter((e): e is ExternalSymbol => e !== undefined);
    if (named.length === 0 && !names.some((n) => parsed.labels.has(n))) return [statement];
    const name = `${MARKER_PREFIX}${markers.length}`;
    markers.push({ name, statement, section, externals: named });
    return [{ text: `${name}:`, line: statement.line }, statement, { text: `${functionEndLabel(name)}:`, line: statement.line }];
  });
  const text = mark(parsed.text, 'code');
  const data = mark(parsed.data, 'data');
  return {
    parsed: { ...parsed, text, data, functions: [...parsed.functions, ...markers.map((m) => ({ name: m.name, line: m.statement.line }))] },
    markers,
  };
}

/** The source of one trial build: the symbols' area, then the patch (assembled at `trial.base - trial.area`). */
export function trialSource(parsed: ModuleSource, externals: readonly ExternalSymbol[], trial: Trial): ModuleSource {
  const area: SourceStatement[] = [];
  let at = trial.base - trial.area;
  const sorted = [...externals].sort((a, b) => trial.addresses.get(a.name)! - trial.addresses.get(b.name)!);
  for (const e of sorted) {
    const address = trial.addresses.get(e.name)!;
    if (address > at) area.push({ text: `.zero ${address - at}`, line: 0 });
    area.push({ text: `${e.name}:`, line: 0 });
    at = address;
  }
  if (trial.base > at) area.push({ text: `.zero ${trial.base - at}`, line: 0 });
  return { ...parsed, text: [...area, ...parsed.text], labels: new Set([...parsed.labels, ...externals.map((e) => e.name)]) };
}

/** The build's module without the symbols' area in front: its code starts at `trial.base`. */
export function withoutArea(module: GuestModule, trial: Trial): GuestModule {
  return { ...module, base: trial.base, code: module.code.slice(trial.area) };
}

interface Field {
  /** Offset of the field's instruction or datum in its section, and of the field within it. */
  offset: number;
  size: number;
  kind: number;
  /** Exact kinds: the field's value reads back whole (a distance from `place`, or an address). */
  relative: boolean;
  read(bytes: Uint8Array, at: number): bigint | undefined;
}

const signed = (value: number, bits: number) => BigInt.asIntN(bits, BigInt(value));
const u32 = (bytes: Uint8Array, at: number) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(at, true);

/** The ARM64 field of `word` and how to read it back exactly (undefined: page and low-12-bit kinds, taken from the text). */
function arm64Field(word: number, offset: number): Field | undefined {
  const at = (kind: number, relative: boolean, read: Field['read']) => ({ offset, size: 4, kind, relative, read });
  const branch = (bits: number, lo: number) => (b: Uint8Array, o: number) => signed((u32(b, o) >>> lo) & (2 ** bits - 1), bits) * 4n;
  if ((word & 0xfc000000) >>> 0 === 0x14000000) return at(R_AARCH64_JUMP26, true, branch(26, 0));
  if ((word & 0xfc000000) >>> 0 === 0x94000000) return at(R_AARCH64_CALL26, true, branch(26, 0));
  if ((word & 0xff000010) >>> 0 === 0x54000000 || (word & 0x7e000000) >>> 0 === 0x34000000) return at(R_AARCH64_CONDBR19, true, branch(19, 5));
  if ((word & 0x7e000000) >>> 0 === 0x36000000) return at(R_AARCH64_TSTBR14, true, branch(14, 5));
  if ((word & 0x3b000000) >>> 0 === 0x18000000) return at(R_AARCH64_LD_PREL_LO19, true, branch(19, 5));
  const text = () => undefined;
  if ((word & 0x9f000000) >>> 0 === 0x90000000) return at(R_AARCH64_ADR_PREL_PG_HI21, true, text);
  if ((word & 0x7fc00000) >>> 0 === 0x11000000) return at(R_AARCH64_ADD_ABS_LO12_NC, false, text);
  if ((word & 0x3b000000) >>> 0 === 0x39000000) {
    const size = word >>> 30;
    const scale = (word >>> 26) & 1 && size === 0 && ((word >>> 22) & 3) >= 2 ? 4 : size;
    const kinds = [R_AARCH64_LDST8_ABS_LO12_NC, R_AARCH64_LDST16_ABS_LO12_NC, R_AARCH64_LDST32_ABS_LO12_NC,
      R_AARCH64_LDST64_ABS_LO12_NC, R_AARCH64_LDST128_ABS_LO12_NC];
    return at(kinds[scale]!, false, text);
  }
  return undefined;
}

/** `name + 8`, `name - 0x10`: the offset written after `name` in an adrp operand or a :lo12: operand. */
function textAddend(text: string, name: string): bigint | undefined {
  const escaped = name.replace(/[.$]/g, '\\$&');
  const match = new RegExp(`(?:adrp\\s+\\w+\\s*,\\s*|:lo12:)${escaped}(?![\\w.$])\\s*(?:([+-])\\s*(0x[0-9a-f]+|\\d+))?`, 'i').exec(text);
  if (!match) return undefined;
  return match[2] ? BigInt(match[2]) * (match[1] === '-' ? -1n : 1n) : 0n;
}

export interface TrialBuild {
  trial: Trial;
  module: GuestModule;
}

export interface FoundRelocations {
  relocations: (RelocationContents & { line: number })[];
  /** Bytes of each section that relocations fill, by section. */
  covered: { code: Set<number>; data: Set<number> };
}

type Fail = (message: string, line?: number, text?: string) => never;

/**
 * The relocations of the marked statements, from the two trial builds (both without the symbols'
 * area). Fails at a statement's line when a field that differs is none the engine can relocate.
 */
export async function findRelocations(arch: Arch, builds: readonly [TrialBuild, TrialBuild], markers: readonly Marker[],
  fail: Fail): Promise<FoundRelocations> {
  const [first, second] = builds;
  const relocations: FoundRelocations['relocations'] = [];
  const covered = { code: new Set<number>(), data: new Set<number>() };
  const decoder = arch === 'x64' ? new X64Decoder(await loadEngine()) : undefined;
  const symbolAt = (module: GuestModule, name: string) => module.symbols.find((s) => s.name === name)!;

  for (const marker of markers) {
    const start0 = symbolAt(first.module, marker.name);
    const start1 = symbolAt(second.module, marker.name);
    const section = marker.section;
    const sectionStart = (b: TrialBuild) => (section === 'code' ? b.module.base : b.module.dataAddress);
    const bytes0 = section === 'code' ? first.module.code : first.module.data;
    const bytes1 = section === 'code' ? second.module.code : second.module.data;
    const offset = start0.address - sectionStart(first);
    if (start1.address - sectionStart(second) !== offset) {
      fail('the patch assembles to different sizes at different addresses before this line', marker.statement.line, marker.statement.text);
    }
    const fields: Field[] = [];
    if (section === 'data') {
      for (let at = offset; at + 8 <= offset + start0.size; at += 8) {
        fields.push({ offset: at, size: 8, kind: arch === 'x64' ? R_X86_64_64 : R_AARCH64_ABS64, relative: false,
          read: (b, o) => new DataView(b.buffer, b.byteOffset).getBigUint64(o, true) });
      }
    } else if (decoder) {
      for (let at = offset; at < offset + start0.size;) {
        const instruction = decoder.decode(bytes0, first.module.base + at, at);
        if (!instruction.valid) break;
        const i32 = (b: Uint8Array, o: number) => BigInt(new DataView(b.buffer, b.byteOffset).getInt32(o, true));
        if (instruction.relSize === 4) fields.push({ offset: at + instruction.relOffset, size: 4, kind: R_X86_64_PLT32, relative: true, read: i32 });
        if (instruction.ripRelative && instruction.dispSize === 4) {
          fields.push({ offset: at + instruction.dispOffset, size: 4, kind: R_X86_64_PC32, relative: true, read: i32 });
        }
        if (instruction.immSize === 8) {
          fields.push({ offset: at + instruction.immOffset, size: 8, kind: R_X86_64_64, relative: false,
            read: (b, o) => new DataView(b.buffer, b.byteOffset).getBigUint64(o, true) });
        }
        at += instruction.length;
      }
    } else {
      for (let at = offset; at + 4 <= offset + start0.size; at += 4) {
        const field = arm64Field(u32(bytes0, at), at);
        if (field) fields.push(field);
      }
    }

    for (const field of fields) {
      const same = bytes0.subarray(field.offset, field.offset + field.size)
        .every((b, i) => b === bytes1[field.offset + i]);
      if (same) continue;
      const found = relocationFor(field, marker, builds, section, fail);
      relocations.push({ ...found, line: marker.statement.line });
      for (let i = 0; i < field.size; i++) covered[section].add(field.offset + i);
    }
  }
  return { relocations, covered };
}

/** The relocation that explains how `field` differs between the builds. */
function relocationFor(field: Field, marker: Marker, builds: readonly [TrialBuild, TrialBuild], section: 'code' | 'data',
  fail: Fail): RelocationContents {
  const [first, second] = builds;
  const sectionStart = (b: TrialBuild) => BigInt(section === 'code' ? b.module.base : b.module.dataAddress);
  const bytes = (b: TrialBuild) => (section === 'code' ? b.module.code : b.module.data);
  const place0 = sectionStart(first) + BigInt(field.offset);
  const place1 = sectionStart(second) + BigInt(field.offset);
  const value0 = field.read(bytes(first), field.offset);
  const value1 = field.read(bytes(second), field.offset);
  const base = { section, offset: field.offset, kind: field.kind };
  const address = (b: TrialBuild, e: ExternalSymbol) => BigInt(b.trial.addresses.get(e.name)!);
  const target = (e: ExternalSymbol) => (e.target === 'base' ? { target: 'base' as const, symbol: e.symbol }
    : { target: 'export' as const, module: e.module!, symbol: e.symbol });

  if (value0 === undefined || value1 === undefined) {
    // adrp and the low-12-bit kinds: the symbol and the offset as the text writes them.
    for (const e of marker.externals) {
      const addend = textAddend(marker.statement.text, e.name);
      if (addend !== undefined) return { ...base, ...target(e), addend };
    }
    return notRelocatable(field, marker, fail);
  }
  // The value S + A each build resolved to (for relative kinds, the distance plus the field's place).
  const resolved0 = field.relative ? value0 + place0 : value0;
  const resolved1 = field.relative ? value1 + place1 : value1;
  for (const e of marker.externals) {
    if (resolved1 - resolved0 === address(second, e) - address(first, e)) {
      return { ...base, ...target(e), addend: resolved0 - address(first, e) };
    }
  }
  // The patch's own address, in an absolute field.
  if (!field.relative && resolved1 - resolved0 === BigInt(second.trial.base - first.trial.base)) {
    const data = BigInt(first.module.dataAddress);
    return resolved0 >= data && first.module.data.length > 0
      ? { ...base, target: 'patch-data', addend: resolved0 - data }
      : { ...base, target: 'patch-code', addend: resolved0 - BigInt(first.trial.base) };
  }
  return notRelocatable(field, marker, fail);
}

function notRelocatable(field: Field, marker: Marker, fail: Fail): never {
  return fail(`the bytes at ${marker.section}+${hex(field.offset)} depend on where ${marker.externals.length > 0
    ? marker.externals.map((e) => e.name).join(' and ') : 'the patch'} is, in a way no relocation expresses`,
  marker.statement.line, marker.statement.text);
}

/**
 * Resolves `image`'s relocations with the engine at each trial's addresses: the linked sections must
 * be the trial's bytes exactly. Answers the first place they are not, if any.
 */
export async function checkRelocations(arch: Arch, image: Uint8Array, builds: readonly [TrialBuild, TrialBuild],
  externals: readonly ExternalSymbol[]): Promise<{ section: 'code' | 'data'; offset: number; build: number } | undefined> {
  const engine = await loadEngine();
  const parsed = parsePatchImageWith(engine, image, arch);
  if (!parsed.ok) throw new Error(`the toolchain wrote an image the engine refuses: ${parsed.error.message}`);
  for (const [index, build] of builds.entries()) {
    const byTarget = new Map(externals.map((e) => [e.target === 'base' ? `!${e.symbol}` : `${e.module}!${e.symbol}`,
      build.trial.addresses.get(e.name)!]));
    const linked = linkPatch(engine, arch, image, parsed.image, build.module.base, build.module.dataAddress, {
      base: (name) => byTarget.get(`!${name}`),
      export: (module, symbol) => byTarget.get(`${module}!${symbol}`) ?? 'no such symbol in the trial build',
    });
    if (!linked.ok) throw new Error(`a trial build's relocations do not resolve: ${linked.message}`);
    for (const [section, got, want] of [['code', linked.code, build.module.code], ['data', linked.data, build.module.data]] as const) {
      const offset = got.findIndex((b, i) => b !== want[i]);
      if (offset >= 0) return { section, offset, build: index };
    }
  }
  return undefined;
}
