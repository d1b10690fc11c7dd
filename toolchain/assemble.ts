// Assembles a module source with Keystone into a GuestModule with exact symbol addresses and sizes.
//
// Keystone returns only bytes, so the symbol table is recovered by appending a table of label
// addresses (`.quad a, b, ...`) after the program: the tail of the output is then the address of
// each label. Keystone also drops a statement it cannot read without a word when another statement
// follows; so every statement gets a marker label too, and the table says what each one made: a
// statement that made nothing (or not what it must) is an error on its line.
import { ARCH, type Arch } from '../core/arch.ts';
import { hex } from '../core/hex.ts';
import type { GuestModule, ModuleSymbol, SourceSpan } from '../core/module.ts';
import { keystoneAssemble } from './keystone.ts';
import {
  AssemblyError, functionEndLabel, type ModuleSource, readModuleSource, readStatements, RESERVED_PREFIX, type SourceStatement,
  type StatementSize,
} from './source.ts';

const TEXT_END = `${RESERVED_PREFIX}text_end`;
const DATA_START = `${RESERVED_PREFIX}data_start`;
const DATA_END = `${RESERVED_PREFIX}data_end`;

export interface AssembleOptions {
  file?: string;
  /** Used when the source has no `.module` line. */
  name?: string;
  /** Used when the source has no `.base` line. */
  base?: number;
  /** Addresses of symbols defined elsewhere (exports of modules loaded before this one). */
  externals?: ReadonlyMap<string, number>;
  /**
   * Whether each statement's bytes are checked (default true); the patch toolchain's second trial
   * build skips it, being compared byte for byte with a checked one.
   */
  check?: boolean;
}

export async function assembleModule(source: string, arch: Arch, options: AssembleOptions = {}): Promise<GuestModule> {
  const parsed = readModuleSource(source, arch, { file: options.file });
  return assembleParsed(parsed, arch, options);
}

/** Assembles an already-read source (the patch toolchain reads its own header first). */
export async function assembleParsed(parsed: ModuleSource, arch: Arch, options: AssembleOptions = {}): Promise<GuestModule> {
  const file = options.file ?? parsed.file;
  const name = parsed.name ?? options.name;
  if (!name) throw new AssemblyError('the source has no ".module <name>" line', undefined, undefined, file);
  const base = parsed.base ?? options.base ?? ARCH[arch].defaultBase;

  const program = [...externalDefinitions(parsed, options.externals), ...layout(parsed)];
  const labels = definedLabels(program);
  const addresses = await assembleWithLabels(program, labels, arch, base, file, options.check ?? true);

  const image = addresses.bytes;
  const at = (label: string) => addresses.labels.get(label)!;
  const textEnd = at(TEXT_END) - base;
  const dataAddress = parsed.data.length > 0 ? at(DATA_START) : alignUp(base + textEnd, 0x1000);
  const dataEnd = parsed.data.length > 0 ? at(DATA_END) : dataAddress;

  const symbols: ModuleSymbol[] = parsed.functions.map((fn) => ({
    name: fn.name, address: at(fn.name), size: at(functionEndLabel(fn.name)) - at(fn.name), kind: 'function',
  }));
  parsed.dataLabels.forEach((label, i) => {
    const next = parsed.dataLabels[i + 1];
    const end = next === undefined ? dataEnd : at(next);
    symbols.push({ name: label, address: at(label), size: end - at(label), kind: 'data' });
  });

  const fill = fillRanges(parsed, at, base);
  const lines = addresses.spans?.filter((span) => span.address < base + textEnd);

  for (const exported of parsed.exports) {
    if (!symbols.some((s) => s.name === exported.name)) {
      throw new AssemblyError(`exported symbol "${exported.name}" is not a function (.func) or a data label`,
        exported.line, undefined, file);
    }
  }
  if (parsed.entry && !symbols.some((s) => s.name === parsed.entry && s.kind === 'function')) {
    throw new AssemblyError(`entry symbol "${parsed.entry}" is not defined as a function (.func ${parsed.entry})`,
      undefined, undefined, file);
  }

  return {
    name,
    arch,
    base,
    code: image.slice(0, textEnd),
    dataAddress,
    data: image.slice(dataAddress - base, dataEnd - base),
    symbols,
    exports: parsed.exports.map((e) => e.name),
    ...(parsed.entry ? { entry: parsed.entry } : {}),
    fill,
    ...(lines ? { lines } : {}),
  };
}

/** Statements that produce only fill: alignment, and the one-byte nop and int3. */
const FILL_STATEMENT = /^(\.(p2align|balign|align)\b.*|nop|int3)$/i;

/**
 * The ranges of .text known to hold fill: between a function's .endfunc (or the start of the text)
 * and the next .func, where every statement is alignment, nop or int3 and no label stands. Anything
 * else there (a table, a string, a label, code outside a function) makes that gap no fill at all.
 */
function fillRanges(parsed: ModuleSource, at: (label: string) => number, base: number): { address: number; size: number }[] {
  const functions = new Set(parsed.functions.map((fn) => fn.name));
  const ends = new Set(parsed.functions.map((fn) => functionEndLabel(fn.name)));
  const fill: { address: number; size: number }[] = [];
  /** Where the current gap between functions starts; undefined inside a function. */
  let gapStart: number | undefined = base;
  let onlyFill = true;
  for (const statement of parsed.text) {
    const label = /^([A-Za-z_.$][\w.$]*):$/.exec(statement.text)?.[1];
    if (label !== undefined && functions.has(label)) {
      if (gapStart !== undefined && onlyFill && at(label) > gapStart) fill.push({ address: gapStart, size: at(label) - gapStart });
      gapStart = undefined;
    } else if (label !== undefined && ends.has(label)) {
      gapStart = at(label);
      onlyFill = true;
    } else if (gapStart !== undefined && (label !== undefined || !FILL_STATEMENT.test(statement.text.trim()))) {
      onlyFill = false;
    }
  }
  return fill;
}

/** `.set` lines for external symbols the source uses and does not define itself. */
function externalDefinitions(parsed: ModuleSource, externals: ReadonlyMap<string, number> | undefined): SourceStatement[] {
  if (!externals) return [];
  const used = new Set([...parsed.text, ...parsed.data].flatMap((s) => s.text.match(/[A-Za-z_.$][\w.$]*/g) ?? []));
  return [...externals].filter(([name]) => used.has(name) && !parsed.labels.has(name))
    .map(([name, address]) => ({ text: `.set ${name}, ${hex(address)}`, line: 0 }));
}

/**
 * Assembles plain statements (no module header, no symbol table) at `address`, with the same
 * meaning as in a module: decimals are decimal on x86-64, page operands work on ARM64.
 */
export async function assembleStatements(source: string, arch: Arch, address: number): Promise<Uint8Array> {
  const statements = readStatements(source, arch);
  return (await assembleWithLabels(statements, definedLabels(statements), arch, address, undefined)).bytes;
}

const LABEL_DEFINITION = /^([A-Za-z_.$][\w.$]*):/;

function definedLabels(statements: SourceStatement[]): string[] {
  return [...new Set(statements.map((s) => LABEL_DEFINITION.exec(s.text)?.[1]).filter((l) => l !== undefined))];
}

/** Text, then the data section on its own page, with markers for where each ends. */
function layout(parsed: ModuleSource): SourceStatement[] {
  const statements = [...parsed.text, { text: `${TEXT_END}:`, line: 0 }];
  if (parsed.data.length > 0) {
    statements.push({ text: '.p2align 12', line: 0 }, { text: `${DATA_START}:`, line: 0 }, ...parsed.data);
  }
  statements.push({ text: `${DATA_END}:`, line: 0 });
  return statements;
}

function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

interface Assembled {
  bytes: Uint8Array;
  labels: Map<string, number>;
  /** What each checked statement with a source line made, in address order; absent when statements were not checked. */
  spans?: SourceSpan[];
}

/** Between the program and the label table: "HPLABELS", little-endian. */
const TABLE_MAGIC = 0x534c_4542_414c_5048n;
const LABELS_PER_LINE = 32;
const END_MARKER = `${RESERVED_PREFIX}end`;

/** The marker label of statement `index`. */
function marker(index: number): string {
  return `${RESERVED_PREFIX}s${index}`;
}

type Attempt =
  | { ok: true; bytes: Uint8Array; labels: Map<string, number>; spans?: SourceSpan[] }
  /**
   * `culprit`: index of the first statement that did not make what it must (Keystone said nothing);
   * `lost`: the output is not laid out as the program (Keystone dropped more than one statement).
   */
  | { ok: false; message: string; timedOut?: boolean; unavailable?: boolean; culprit?: number; lost?: boolean };

const LOST = 'the assembler could not read it, and dropped it with the lines after it';

function isLabel(statement: SourceStatement): boolean {
  return LABEL_ONLY.test(statement.text);
}

const LABEL_ONLY = /^[A-Za-z_.$][\w.$]*:$/;

/** Whether `made` bytes at `address` are what `size` asks for. */
function fits(size: StatementSize, made: number, address: number, arch: Arch): boolean {
  switch (size.kind) {
    case 'exact': return made === size.bytes;
    case 'instruction': return arch === 'x64' ? made >= 1 && made <= 15 : made === 4;
    case 'align': {
      const padding = (size.alignment - (address % size.alignment)) % size.alignment;
      return made === (size.max !== undefined && padding > size.max ? 0 : padding);
    }
    case 'range': return made >= size.min && made <= size.max;
  }
}

function describeSize(size: StatementSize, arch: Arch): string {
  switch (size.kind) {
    case 'exact': return `${size.bytes} bytes`;
    case 'instruction': return arch === 'x64' ? 'an instruction of 1 to 15 bytes' : 'a 4-byte instruction';
    case 'align': return 'padding to the alignment';
    case 'range': return `${size.min} to ${size.max} bytes`;
  }
}

interface AttemptOptions {
  /** Labels placed at the end of the program (names a part of the program uses but does not define). */
  stubs?: string[];
  /** ARM64: each ADRP statement's label, which says the statement's address in the second pass. */
  adrpLabels?: ReadonlyMap<SourceStatement, string>;
  /** Marker labels and the check of each statement's bytes (skipped where the output is checked otherwise). */
  check?: boolean;
}

/**
 * One Keystone run of `program` (plus stub labels at its end) with, after the program, the magic
 * number and the address of every label. Checks that the output is laid out so (nothing after the
 * program lost or gained bytes); with `check`, each statement also gets a marker label, and must
 * have made what it must.
 */
async function attempt(program: SourceStatement[], labels: string[], arch: Arch, base: number,
  resolved: Map<string, number> | undefined, { stubs = [], check = true, adrpLabels }: AttemptOptions = {}): Promise<Attempt> {
  const lines: string[] = [];
  const marked: number[] = [];
  program.forEach((statement, index) => {
    const label = adrpLabels?.get(statement);
    const at = label === undefined ? undefined : resolved?.get(label);
    const text = rewriteForKeystone(statement.text, arch, resolved, at === undefined ? undefined : { at });
    if (!check || isLabel(statement)) {
      lines.push(text);
    } else {
      marked.push(index);
      lines.push(`${marker(index)}: ${text}`);
    }
  });
  for (const stub of stubs) lines.push(`${stub}:`);
  lines.push(`${END_MARKER}:`, `.quad 0x${TABLE_MAGIC.toString(16)}`);
  const table = [...labels, ...marked.map(marker), END_MARKER];
  for (let i = 0; i < table.length; i += LABELS_PER_LINE) lines.push(`.quad ${table.slice(i, i + LABELS_PER_LINE).join(', ')}`);

  const result = await keystoneAssemble(arch, lines.join('\n'), base);
  if (!result.ok) return result;
  const bytes = result.bytes;
  const tableStart = bytes.length - table.length * 8;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lost = { ok: false as const, message: LOST, lost: true };
  if (tableStart < 8 || view.getBigUint64(tableStart - 8, true) !== TABLE_MAGIC) return lost;
  const address = (i: number) => Number(view.getBigUint64(tableStart + i * 8, true));
  const programEnd = address(table.length - 1);
  if (programEnd !== base + tableStart - 8) return lost;
  const spans: SourceSpan[] = [];
  for (let k = 0; k < marked.length; k++) {
    const index = marked[k]!;
    const size = program[index]!.size;
    const start = address(labels.length + k);
    const end = k + 1 < marked.length ? address(labels.length + k + 1) : programEnd;
    if (end < start) return lost;
    const line = program[index]!.line;
    if (line > 0 && end > start) spans.push({ address: start, size: end - start, line });
    if (size && !fits(size, end - start, start, arch)) {
      const made = end - start;
      return { ok: false, culprit: index, message: made === 0 ? 'the assembler made nothing of it'
        : `the assembler made ${made} bytes of it, where it must make ${describeSize(size, arch)}` };
    }
  }
  return { ok: true, bytes: bytes.slice(0, tableStart - 8), labels: new Map(labels.map((label, i) => [label, address(i)])),
    ...(check ? { spans: spans.sort((a, b) => a.address - b.address) } : {}) };
}

async function assembleWithLabels(program: SourceStatement[], labels: string[], arch: Arch, base: number,
  file: string | undefined, check = true): Promise<Assembled> {
  // ARM64: Keystone mis-encodes ADRP and :lo12: against labels, so a first pass finds the labels
  // and a second pass gives those operands as numbers (and is the one checked). Keystone gets
  // ADRP's page wrong with a number too (counted from where the assembly, or a part of it, starts,
  // not from the instruction's page): each ADRP gets a label, and the second pass writes its word.
  const needsSecondPass = arch === 'arm64' && program.some((s) => ARM64_PAGE_OPERAND.test(s.text));
  if (needsSecondPass) checkPageOperands(program, file);
  const adrpLabels = new Map<SourceStatement, string>();
  if (needsSecondPass) program.forEach((s, i) => { if (ADRP.test(s.text)) adrpLabels.set(s, `${RESERVED_PREFIX}adrp${i}`); });
  const statements = adrpLabels.size === 0 ? program
    : program.flatMap((s) => (adrpLabels.has(s) ? [{ text: `${adrpLabels.get(s)!}:`, line: s.line }, s] : [s]));
  const allLabels = [...labels, ...adrpLabels.values()];
  let result = await attempt(statements, allLabels, arch, base, needsSecondPass ? new Map() : undefined,
    { check: check && !needsSecondPass, adrpLabels });
  if (result.ok && needsSecondPass) result = await attempt(statements, allLabels, arch, base, result.labels, { check, adrpLabels });
  if (!result.ok) throw await explain(statements, arch, base, file, result);
  return result;
}

const ARM64_PAGE_OPERAND = /\badrp\b|:lo12:/i;
const ADRP = /^(\s*adrp\s+\w+\s*,\s*)([A-Za-z_.$][\w.$]*)\s*(([+-])\s*(0x[0-9a-f]+|\d+))?\s*$/i;
const LO12 = /:lo12:([A-Za-z_.$][\w.$]*)(\s*([+-])\s*(0x[0-9a-f]+|\d+))?/gi;

/** Where an ADRP is. */
interface AdrpPlace { at: number }

/** Works around Keystone's quirks so that a statement means what it means to GNU as. */
function rewriteForKeystone(text: string, arch: Arch, resolved: Map<string, number> | undefined, adrp?: AdrpPlace): string {
  if (arch === 'x64') return decimalsToHex(text);
  return text.includes('\n') ? text.split('\n').map((line) => resolveArm64PageOperands(line, resolved)).join('\n')
    : resolveArm64PageOperands(text, resolved, adrp);
}

/** Keystone's x86 Intel syntax reads bare numbers as hexadecimal ("mov eax, 10" gives 16). */
function decimalsToHex(text: string): string {
  return text.split(/("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')/).map((part, i) => i % 2 === 1 ? part
    : part.replace(/(?<![\w.$])(\d+)(?![\w.$])/g, (digits) => hex(BigInt(digits)))).join('');
}

/**
 * ARM64 page operands become numbers: with `resolved` empty, placeholders (pass one or error search);
 * with addresses, the real page and low 12 bits.
 */
function resolveArm64PageOperands(text: string, resolved: Map<string, number> | undefined, place?: AdrpPlace): string {
  if (!resolved || !ARM64_PAGE_OPERAND.test(text)) return text;
  const value = (label: string, sign?: string, offset?: string) => {
    const address = resolved.get(label);
    if (address === undefined) return resolved.size === 0 ? 0 : undefined;
    const delta = offset ? Number(offset) * (sign === '-' ? -1 : 1) : 0;
    return address + delta;
  };
  const adrp = ADRP.exec(text);
  if (adrp) {
    const target = value(adrp[2]!, adrp[4], adrp[5]);
    if (target === undefined) return text;
    const page = (address: number) => Math.floor(address / 0x1000);
    const register = /^\s*adrp\s+(?:x(\d+)|(xzr))\s*,/i.exec(text);
    const pages = place ? page(target) - page(place.at) : undefined;
    const number = register?.[2] ? 31 : Number(register?.[1]);
    if (pages !== undefined && number <= 31 && pages >= -(2 ** 20) && pages < 2 ** 20) {
      // The instruction's word: ADRP Xd with the page distance in immhi:immlo.
      const imm = pages & 0x1fffff;
      return `.word ${hex((0x90000000 | ((imm & 3) << 29) | ((imm >>> 2) << 5) | number) >>> 0)}`;
    }
    return `${adrp[1]}#${hex(page(target) * 0x1000)}`;
  }
  return text.replace(LO12, (whole, label: string, _o, sign?: string, offset?: string) => {
    const target = value(label, sign, offset);
    return target === undefined ? whole : `#${hex(target % 0x1000)}`;
  });
}

/**
 * ARM64 page operands name labels the program defines: the first pass gives unknown ones a
 * placeholder, so one that is defined nowhere must be found here.
 */
function checkPageOperands(program: SourceStatement[], file: string | undefined): void {
  const names = definedNames(program);
  for (const statement of program) {
    if (!ARM64_PAGE_OPERAND.test(statement.text)) continue;
    for (const line of statement.text.split('\n')) {
      const used = [ADRP.exec(line)?.[2], ...[...line.matchAll(LO12)].map((m) => m[1])];
      const missing = used.find((name) => name !== undefined && !names.has(name));
      if (missing !== undefined) {
        throw new AssemblyError(`cannot assemble "${line}": "${missing}" is not defined`, statement.line || undefined, line, file);
      }
    }
  }
}

/**
 * The error for a program that did not assemble, on the user's line. Keystone reports no line
 * numbers: a statement that made the wrong bytes is known from its marker; otherwise the culprit is
 * found by halves (the first half that fails on its own, labels it does not define stubbed at its
 * end), and failing that, as the first prefix of the program that stops assembling.
 */
async function explain(program: SourceStatement[], arch: Arch, base: number, file: string | undefined,
  failure: Attempt & { ok: false }): Promise<AssemblyError> {
  if (failure.timedOut || failure.unavailable) return new AssemblyError(failure.message, undefined, undefined, file);
  const resolved = arch === 'arm64' ? new Map<string, number>() : undefined;
  const everyName = definedNames(program);
  const part = async (start: number, end: number, check: boolean): Promise<Attempt> => {
    const statements = program.slice(start, end);
    const have = definedNames(statements);
    const stubs = [...everyName].filter((name) => !have.has(name));
    const result = await attempt(statements, [], arch, base, resolved, { stubs, check });
    return result.ok || result.culprit === undefined ? result : { ...result, culprit: result.culprit + start };
  };
  /** `quiet`: Keystone gave no error for it (it made the wrong bytes, or none). */
  const found = failure.culprit !== undefined ? { index: failure.culprit, message: failure.message, quiet: true }
    : await byHalves(program.length, part) ?? await byPrefixes(program.length, part);
  if (!found) return new AssemblyError(`assembly failed: ${failure.message}`, undefined, undefined, file);
  if ('stopped' in found) return new AssemblyError(found.message, undefined, undefined, file);
  const culprit = program[found.index]!;
  if (!culprit.line) return new AssemblyError(`assembly failed: ${found.message}`, undefined, undefined, file);
  let message = found.message;
  if (found.quiet) {
    // Keystone reports a statement's error when it is the last: ask it about the statement alone.
    const alone = await keystoneAssemble(arch, [...[...everyName].map((name) => `${name}:`),
      rewriteForKeystone(culprit.text, arch, resolved)].join('\n'), base);
    if (!alone.ok && !alone.timedOut && !alone.unavailable) message = alone.message;
  }
  const shown = culprit.text.split('\n')[0]!;
  return new AssemblyError(`cannot assemble "${shown}": ${message}${culprit.hint ? `; ${culprit.hint}` : ''}`,
    culprit.line, culprit.text, file);
}

/** `stopped`: the search ended on a call that gave no verdict (deadline missed, Keystone unavailable). */
type Found = { index: number; message: string; quiet: boolean } | { stopped: true; message: string };
type Part = (start: number, end: number, check: boolean) => Promise<Attempt>;

function foundIn(result: Attempt & { ok: false }, index: number): Found {
  if (result.timedOut || result.unavailable) return { stopped: true, message: result.message };
  return { index: result.culprit ?? index, message: result.message, quiet: result.culprit !== undefined || !!result.lost };
}

/**
 * The first statement that fails on its own: halves are tried left first, so the work adds up to
 * about one assembly of the program. They are looking for an error Keystone reports, or output it
 * lost, so they skip the markers (a statement that made the wrong bytes quietly was found by them
 * already). Undefined when the failure needs more than one part of the program (the statement found
 * then assembles alone).
 */
async function byHalves(count: number, part: Part): Promise<Found | undefined> {
  let start = 0;
  let end = count;
  while (end - start > 1) {
    const middle = (start + end) >> 1;
    const left = await part(start, middle, false);
    if (left.ok) {
      start = middle;
    } else {
      if (left.culprit !== undefined || left.timedOut || left.unavailable) return foundIn(left, middle - 1);
      end = middle;
    }
  }
  const alone = count > 0 ? await part(start, start + 1, true) : { ok: true as const };
  return alone.ok ? undefined : foundIn(alone, start);
}

/** The statement at which a prefix of the program stops assembling. */
async function byPrefixes(count: number, part: Part): Promise<Found | undefined> {
  let bad = await part(0, count, true);
  if (bad.ok) return undefined;
  let good = 0;
  let badCount = count;
  while (bad.culprit === undefined && !bad.timedOut && !bad.unavailable && badCount - good > 1) {
    const middle = (good + badCount) >> 1;
    const result = await part(0, middle, true);
    if (result.ok) {
      good = middle;
    } else {
      bad = result;
      badCount = middle;
    }
  }
  return foundIn(bad, badCount - 1);
}

/** Labels and `.set`/`.equ` names the statements define. */
function definedNames(statements: SourceStatement[]): Set<string> {
  const names = new Set(definedLabels(statements));
  for (const s of statements) {
    const set = /^\.(?:set|equ)\s+([A-Za-z_.$][\w.$]*)\s*,/i.exec(s.text);
    if (set) names.add(set[1]!);
  }
  return names;
}
