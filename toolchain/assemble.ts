// Assembles a module source with Keystone into a GuestModule with exact symbol addresses and sizes.
//
// Keystone returns only bytes, so the symbol table is recovered by appending `.quad label` for every
// label after the program: the tail of the output is then the address of each label.
import { ARCH, type Arch } from '../core/arch.ts';
import { hex } from '../core/hex.ts';
import type { GuestModule, ModuleSymbol } from '../core/module.ts';
import { keystoneAssemble } from './keystone.ts';
import {
  AssemblyError, functionEndLabel, type ModuleSource, readModuleSource, type SourceStatement, stripComment,
} from './source.ts';

const TEXT_END = '__hp_text_end';
const DATA_START = '__hp_data_start';
const DATA_END = '__hp_data_end';

export interface AssembleOptions {
  file?: string;
  /** Used when the source has no `.module` line. */
  name?: string;
  /** Used when the source has no `.base` line. */
  base?: number;
  /** Addresses of symbols defined elsewhere (exports of modules loaded before this one). */
  externals?: ReadonlyMap<string, number>;
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
  const addresses = await assembleWithLabels(program, labels, arch, base, file);

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
  const statements = source.split(/\r?\n/).map((text, i) => ({ text: stripComment(text, arch).trim(), line: i + 1 }))
    .filter((s) => s.text);
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
}

async function assembleWithLabels(program: SourceStatement[], labels: string[], arch: Arch, base: number,
  file: string | undefined): Promise<Assembled> {
  const table = labels.map((label) => `.quad ${label}`);
  const run = async (resolved: Map<string, number> | undefined) => {
    const text = [...program.map((s) => rewriteForKeystone(s.text, arch, resolved)), ...table].join('\n');
    return keystoneAssemble(arch, text, base);
  };
  // ARM64: Keystone mis-encodes ADRP and :lo12: against labels, so a first pass finds the labels
  // and a second pass gives those operands as numbers.
  const needsSecondPass = arch === 'arm64' && program.some((s) => ARM64_PAGE_OPERAND.test(s.text));
  let result = await run(needsSecondPass ? new Map() : undefined);
  if (result.ok && needsSecondPass) result = await run(readLabelTable(result.bytes, labels));
  if (!result.ok) throw await locateError(program, arch, base, file, result.message);
  if (result.bytes.length < labels.length * 8) {
    throw new AssemblyError('the assembler produced less output than expected', undefined, undefined, file);
  }
  const bytes = result.bytes.slice(0, result.bytes.length - labels.length * 8);
  return { bytes, labels: readLabelTable(result.bytes, labels) };
}

function readLabelTable(bytes: Uint8Array, labels: string[]): Map<string, number> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = bytes.length - labels.length * 8;
  return new Map(labels.map((label, i) => [label, Number(view.getBigUint64(start + i * 8, true))]));
}

const ARM64_PAGE_OPERAND = /\badrp\b|:lo12:/i;
const ADRP = /^(\s*adrp\s+\w+\s*,\s*)([A-Za-z_.$][\w.$]*)\s*(([+-])\s*(0x[0-9a-f]+|\d+))?\s*$/i;
const LO12 = /:lo12:([A-Za-z_.$][\w.$]*)(\s*([+-])\s*(0x[0-9a-f]+|\d+))?/gi;

/** Works around Keystone's quirks so that a statement means what it means to GNU as. */
function rewriteForKeystone(text: string, arch: Arch, resolved: Map<string, number> | undefined): string {
  return arch === 'x64' ? decimalsToHex(text) : resolveArm64PageOperands(text, resolved);
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
function resolveArm64PageOperands(text: string, resolved: Map<string, number> | undefined): string {
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
    return `${adrp[1]}#${hex(Math.floor(target / 0x1000) * 0x1000)}`;
  }
  return text.replace(LO12, (whole, label: string, _o, sign?: string, offset?: string) => {
    const target = value(label, sign, offset);
    return target === undefined ? whole : `#${hex(target % 0x1000)}`;
  });
}

/**
 * Keystone reports no line numbers. The first statement at which a prefix of the program stops
 * assembling is the culprit; labels the prefix does not reach are stubbed at its end.
 */
async function locateError(program: SourceStatement[], arch: Arch, base: number, file: string | undefined,
  message: string): Promise<AssemblyError> {
  const defined = (statements: SourceStatement[]) => new Set(definedLabels(statements));
  const everyLabel = defined(program);
  const prefixAssembles = async (count: number) => {
    const prefix = program.slice(0, count);
    const have = defined(prefix);
    const stubs = [...everyLabel].filter((l) => !have.has(l)).map((l) => `${l}:`);
    const text = [...prefix.map((s) => rewriteForKeystone(s.text, arch, new Map())), ...stubs].join('\n');
    return (await keystoneAssemble(arch, text, base)).ok;
  };
  if (await prefixAssembles(program.length)) {
    return new AssemblyError(`assembly failed: ${message}`, undefined, undefined, file);
  }
  let good = 0;
  let bad = program.length; // prefixAssembles(good) && !prefixAssembles(bad)
  while (bad - good > 1) {
    const mid = (good + bad) >> 1;
    if (await prefixAssembles(mid)) good = mid; else bad = mid;
  }
  const culprit = program[bad - 1]!;
  return new AssemblyError(`cannot assemble "${culprit.text}": ${message}`,
    culprit.line || undefined, culprit.text, file);
}
