// Reads module source before Keystone sees any of it: a lexer per line (strings, character literals,
// comments, the characters a line may hold), our header directives, sections and functions, the
// assembler directives the toolchain accepts (their arguments checked), and an upper bound of the
// bytes and statements a source can make. Keystone 0.9.2 loops forever on an unclosed string, stops
// reading at a NUL, drops statements it cannot read without saying so, and expands `.rept` and
// `.zero` without limit; everything it could trip on is refused here, with the line.
import { ARCH, type Arch, archNamed } from '../core/arch.ts';
import { hex } from '../core/hex.ts';

export class AssemblyError extends Error {
  constructor(
    message: string,
    /** 1-based source line, when the error belongs to one. */
    readonly line?: number,
    readonly lineText?: string,
    readonly file?: string,
  ) {
    super(message);
    this.name = 'AssemblyError';
  }
}

/** What a statement must make, checked against what Keystone made of it. */
export type StatementSize =
  /** Data: exactly this many bytes. */
  | { kind: 'exact'; bytes: number }
  /** An instruction: 1 to 15 bytes on x86-64, 4 on ARM64. */
  | { kind: 'instruction' }
  /** Padding up to the next multiple of `alignment`, none if that is more than `max`. */
  | { kind: 'align'; alignment: number; max?: number }
  /** The repetitions of a `.rept` after its first, whose statements were checked one by one. */
  | { kind: 'range'; min: number; max: number };

/** One statement that goes to Keystone, with the source line it came from (0: added by the toolchain). */
export interface SourceStatement {
  text: string;
  line: number;
  /** What it must make; statements the toolchain adds are not checked. */
  size?: StatementSize;
  /** Said with the error when the statement does not assemble: what the line may have meant. */
  hint?: string;
}

export interface FunctionDeclaration {
  name: string;
  line: number;
}

export interface ModuleSource {
  file?: string;
  name?: string;
  arch?: Arch;
  base?: number;
  entry?: string;
  exports: { name: string; line: number }[];
  text: SourceStatement[];
  data: SourceStatement[];
  functions: FunctionDeclaration[];
  /** Labels defined in the data section, in order: the module's data symbols. */
  dataLabels: string[];
  /** Every label the source defines, in either section. */
  labels: Set<string>;
  /** Directives this reader does not know, for headers built on top of it (patch sources). */
  extraDirectives: { name: string; args: string[]; line: number; text: string }[];
  /** Upper bounds of what the source makes: bytes of code and data, statements Keystone reads (after `.rept`). */
  bound: { bytes: number; statements: number };
}

/** What a source may be and make; README "Writing modules" gives the same numbers. */
export const SOURCE_LIMITS = {
  /** Bytes of source text (UTF-8). */
  sourceBytes: 256 * 1024,
  /** Bytes of code and data a module (or a patch) may make, counting every statement at its largest. */
  moduleBytes: 1024 * 1024,
  /** Statements Keystone reads, each repetition of a `.rept` counted. */
  statements: 100_000,
  /** Largest `.p2align`/`.balign`/`.align`: a page, since modules are only page-aligned. */
  alignment: 4096,
  /** `.rept` inside `.rept` inside ... */
  reptDepth: 8,
} as const;

/** Names the toolchain gives its own labels; a source may not use them. */
export const RESERVED_PREFIX = '__hp_';

/** End label of a function, placed by `.endfunc`. */
export function functionEndLabel(name: string): string {
  return `${RESERVED_PREFIX}end_${name}`;
}

const IDENTIFIER = /^[A-Za-z_.$][\w.$]*$/;
const LABEL = /^([A-Za-z_.$][\w.$]*):/;
const MNEMONIC = /^[A-Za-z][\w.]*$/;

/** Our directives; the assembler's are ASSEMBLER_DIRECTIVES. */
export const HEADER_DIRECTIVES: ReadonlySet<string> = new Set(['.module', '.arch', '.base', '.entry', '.export', '.func', '.endfunc',
  '.text', '.data']);

/** Data directives and the size of each value, per architecture (`.word` is 2 bytes on x86-64, 4 on ARM64). */
const DATA_WIDTHS: Record<Arch, Record<string, number>> = {
  x64: { '.byte': 1, '.short': 2, '.2byte': 2, '.word': 2, '.int': 4, '.long': 4, '.4byte': 4, '.quad': 8, '.8byte': 8 },
  arm64: { '.byte': 1, '.short': 2, '.2byte': 2, '.hword': 2, '.word': 4, '.int': 4, '.long': 4, '.4byte': 4, '.quad': 8, '.8byte': 8 },
};
const STRING_DIRECTIVES: Record<string, number> = { '.ascii': 0, '.asciz': 1, '.string': 1 };
const FILL_DIRECTIVES = new Set(['.zero', '.space', '.skip', '.fill']);
const ALIGN_DIRECTIVES = new Set(['.p2align', '.balign', '.align']);
const SYMBOL_DIRECTIVES = new Set(['.set', '.equ', '.globl', '.global']);

/** The assembler directives a source may use (besides HEADER_DIRECTIVES), per architecture. */
export function assemblerDirectives(arch: Arch): string[] {
  return [...Object.keys(DATA_WIDTHS[arch]), ...Object.keys(STRING_DIRECTIVES), ...FILL_DIRECTIVES, ...ALIGN_DIRECTIVES,
    ...SYMBOL_DIRECTIVES, '.rept', '.endr'];
}

/** Why some directives people reach for are not there. */
const UNSUPPORTED_BECAUSE: Record<string, string> = {
  '.section': 'the sections are .text and .data',
  '.bss': 'put zeroed data in .data with .zero',
  '.rodata': 'the sections are .text and .data',
  '.include': 'a source cannot read other files',
  '.incbin': 'a source cannot read other files',
  '.macro': 'macros are not supported; write the lines out, or use .rept',
  '.irp': 'write the lines out, or use .rept',
  '.irpc': 'write the lines out, or use .rept',
  '.intel_syntax': 'x86-64 sources are always Intel syntax; remove the line',
  '.att_syntax': 'x86-64 sources are Intel syntax (mov eax, 5); AT&T syntax is not supported',
  '.end': 'a source ends at its last line',
  '.org': 'place code with .base and padding with .zero or .p2align',
};

/** Everything the lexer found on a line. */
export interface LexedLine {
  /** The statement, comment removed, trimmed. */
  code: string;
  /** 0-based column where a comment starts, and the characters that started it. */
  comment?: { at: number; marker: string };
}

type Fail = (message: string) => never;

const STRING_ESCAPES = 'bfnrt"\\';
const CHARACTER_ESCAPES = 'ntb\'"\\';

/** `"é" (U+00E9)`; just `U+00A0` for what cannot be seen (controls, spaces, format characters). */
function describeCharacter(text: string, index: number): string {
  const code = text.codePointAt(index)!;
  const hex = code.toString(16).toUpperCase().padStart(4, '0');
  const character = String.fromCodePoint(code);
  return /[\p{Cc}\p{Cf}\p{Z}\p{Cs}]/u.test(character) ? `U+${hex}` : `"${character}" (U+${hex})`;
}

function controlCharacter(text: string, index: number, fail: Fail): never {
  const code = text.charCodeAt(index);
  const column = index + 1;
  if (code === 0) fail(`a NUL character (U+0000) at column ${column}; write \\0 inside a string, or .byte 0`);
  if (code === 0x0d) fail(`a carriage return (U+000D) at column ${column} inside a line; lines end with \\n or \\r\\n`);
  return fail(`a control character (${describeCharacter(text, index)}) at column ${column}; a line holds tabs, spaces and printable characters`);
}

function isControl(code: number): boolean {
  return (code < 0x20 && code !== 0x09) || code === 0x7f;
}

/** Index of the closing quote of the string opening at `start`. */
function scanString(text: string, start: number, fail: Fail): number {
  for (let i = start + 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (isControl(code)) controlCharacter(text, i, fail);
    if (code === 0x22) return i;
    if (code !== 0x5c) continue;
    const next = text[i + 1];
    if (next === undefined) break;
    if (next >= '0' && next <= '7') {
      let digits = 1;
      while (digits < 3 && text[i + 1 + digits]! >= '0' && text[i + 1 + digits]! <= '7') digits++;
      const octal = text.slice(i + 1, i + 1 + digits);
      if (parseInt(octal, 8) > 0xff) fail(`octal escape \\${octal} at column ${i + 1} is over 255 (\\377)`);
      i += digits;
    } else if (STRING_ESCAPES.includes(next)) {
      i += 1;
    } else {
      if (isControl(next.charCodeAt(0))) controlCharacter(text, i + 1, fail);
      fail(`unknown escape \\${String.fromCodePoint(text.codePointAt(i + 1)!)} in a string at column ${i + 1}; ` +
        'strings know \\b \\f \\n \\r \\t \\" \\\\ and octal \\NNN (\\0 for NUL)');
    }
  }
  return fail(`unterminated string: the " at column ${start + 1} is never closed`);
}

/** Index of the closing quote of the character literal opening at `start`. */
function scanCharacter(text: string, start: number, fail: Fail): number {
  const bad = () => fail(`bad character literal at column ${start + 1}: write one ASCII character between single quotes, ` +
    'as in \'a\', or one of \'\\n\' \'\\t\' \'\\b\' \'\\\'\' \'\\"\' \'\\\\\'; other values as numbers (0x0d)');
  let i = start + 1;
  if (i >= text.length) fail(`unterminated character literal: the ' at column ${start + 1} is never closed`);
  const code = text.charCodeAt(i);
  if (isControl(code)) controlCharacter(text, i, fail);
  if (code === 0x5c) {
    const escaped = text[i + 1];
    if (escaped === undefined) fail(`unterminated character literal: the ' at column ${start + 1} is never closed`);
    if (isControl(escaped!.charCodeAt(0))) controlCharacter(text, i + 1, fail);
    if (!CHARACTER_ESCAPES.includes(escaped!)) bad();
    i++;
  } else if (code > 0x7e || code === 0x27) {
    bad();
  }
  i++;
  if (i >= text.length) fail(`unterminated character literal: the ' at column ${start + 1} is never closed`);
  if (text[i] !== '\'') bad();
  return i;
}

/**
 * Splits one line into its statement and its comment, and refuses what Keystone must never see:
 * control characters (NUL included), non-ASCII text outside strings and comments, unclosed strings
 * and character literals, unknown escapes, block comments, and on ARM64 a `;` taken for a comment.
 */
export function lexLine(raw: string, arch: Arch, fail: Fail): LexedLine {
  let end = raw.length;
  let comment: LexedLine['comment'];
  for (let i = 0; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    if (isControl(code)) controlCharacter(raw, i, fail);
    if (code === 0x22) { i = scanString(raw, i, fail); continue; }
    if (code === 0x27) { i = scanCharacter(raw, i, fail); continue; }
    const next = raw[i + 1];
    if (code === 0x2f && next === '*') {
      fail(`block comments (/* */) are not supported; a comment runs from // to the end of the line${arch === 'x64' ? ' (also ; or #)' : ''}`);
    }
    if ((code === 0x2f && next === '/') || (arch === 'x64' && (code === 0x3b || code === 0x23))) {
      comment = { at: i, marker: code === 0x2f ? '//' : raw[i]! };
      end = i;
      break;
    }
    if (arch === 'arm64' && code === 0x3b) {
      fail(`";" at column ${i + 1} does not start a comment on ARM64 (it separates statements); comments start with //`);
    }
    if (code > 0x7e) {
      fail(`${describeCharacter(raw, i)} at column ${i + 1} is not ASCII; labels, instructions and operands are ASCII ` +
        '(names: letters, digits, _ . $); other text belongs in strings and comments');
    }
  }
  if (comment) {
    for (let i = end; i < raw.length; i++) if (isControl(raw.charCodeAt(i))) controlCharacter(raw, i, fail);
  }
  return { code: raw.slice(0, end).trim(), ...(comment ? { comment } : {}) };
}

/** A line without its comment; never throws (for quick looks at a source, such as its ".patch" line). */
export function stripComment(line: string, arch: Arch): string {
  try {
    return lexLine(line, arch, (message) => { throw new Error(message); }).code;
  } catch {
    return '';
  }
}

export function parseNumber(text: string): number | undefined {
  const t = text.trim().replace(/_/g, '');
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(t)) return undefined;
  const value = Number(t);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** Why `.base` cannot take `text`, or its address: a page below the architecture's address limit. */
function parseBase(text: string, arch: Arch): number | string {
  const t = text.trim().replace(/_/g, '');
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(t)) return `.base needs an address, such as 0x400000; "${text}" is not a number`;
  const value = BigInt(t);
  const highest = BigInt(ARCH[arch].addressLimit - 0x1000);
  if (value > highest) return `.base ${t} is above the highest address a module can start at (${hex(highest)})`;
  if (value % 0x1000n !== 0n) return `.base ${t} is not page-aligned (a multiple of 0x1000)`;
  return Number(value);
}

/** A count the toolchain can bound: a literal number, decimal or 0x hex (Keystone gets it as written). */
function parseCount(text: string | undefined): number | undefined {
  const t = text?.trim() ?? '';
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(t)) return undefined;
  const value = Number(t);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** Splits operands at the commas outside strings, character literals and brackets (the line is lexed). */
export function splitOperands(text: string): string[] {
  if (!text.trim()) return [];
  const operands: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '\'') {
      i += text[i + 1] === '\\' ? 3 : 2;
    } else if (c === '(' || c === '[' || c === '{') {
      depth++;
    } else if (c === ')' || c === ']' || c === '}') {
      depth--;
    } else if (c === ',' && depth === 0) {
      operands.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  operands.push(text.slice(start).trim());
  return operands;
}

/** Bytes a string literal (lexed, with its quotes) makes. */
function stringLength(literal: string): number {
  let bytes = 0;
  for (let i = 1; i < literal.length - 1; i++) {
    const code = literal.codePointAt(i)!;
    if (code === 0x5c) {
      const next = literal[i + 1]!;
      if (next >= '0' && next <= '7') {
        let digits = 1;
        while (digits < 3 && literal[i + 1 + digits]! >= '0' && literal[i + 1 + digits]! <= '7') digits++;
        i += digits;
      } else {
        i += 1;
      }
      bytes += 1;
    } else {
      bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
      if (code >= 0x10000) i++;
    }
  }
  return bytes;
}

const X64_REGISTER = /\b(?:[re]?[abcd]x|[abcd][lh]|[re]?[sd]il?|[re]?[sb]pl?|r(?:[89]|1[0-5])[dwb]?|[re]ip)\b/i;
const ARM64_REGISTER = /\b(?:[xw](?:[12]?\d|30)|[xw]zr|sp)\b/i;

/** What a line that does not assemble may have meant, from how it looks. */
function hintFor(code: string, lexed: LexedLine, arch: Arch): string | undefined {
  const [mnemonic = '', ...rest] = code.split(/\s+/);
  const operands = rest.join(' ');
  if (arch === 'x64') {
    if (lexed.comment?.marker === '#' && (/,\s*$/.test(code) || !operands)) {
      return '"#" starts a comment on x86-64, so the rest of the line was not read; x86-64 immediates take no "#"; ' +
        'is this ARM64 code?';
    }
    if (ARM64_REGISTER.test(operands) && !X64_REGISTER.test(operands)) return `is this ARM64 code? This source is x86-64`;
    if (/^(?:mov|add|sub|and|or|xor|cmp|test|lea|push|pop|inc|dec|neg|not|shl|shr|sar|imul|call|jmp)[bwlq]$/i.test(mnemonic)) {
      return 'x86-64 sources are Intel syntax (mov eax, 5), with no size suffix on the mnemonic';
    }
  } else if (X64_REGISTER.test(operands) && !ARM64_REGISTER.test(operands)) {
    return 'is this x86-64 code? This source is ARM64';
  }
  return undefined;
}

/** The AT&T syntax giveaways: %register, $immediate. */
const ATT_OPERAND = /(?:^|[\s,(:])(%[a-z]\w*|\$-?(?:0x)?\d\w*)/i;

/** A size for a message: in whole KiB/MiB/GiB when it is one, in bytes below 10 MiB, else to 3 digits. */
function humanBytes(bytes: number): string {
  const [unit, size] = bytes >= 2 ** 30 ? ['GiB', 2 ** 30] : bytes >= 2 ** 20 ? ['MiB', 2 ** 20] : ['KiB', 2 ** 10];
  if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  if (bytes < 10 * 2 ** 20) return `${bytes.toLocaleString('en-US')} bytes`;
  return `${+(bytes / size).toPrecision(3)} ${unit}`;
}

function sizeRange(size: StatementSize | undefined, arch: Arch): [number, number] {
  if (!size) return [0, 0];
  switch (size.kind) {
    case 'exact': return [size.bytes, size.bytes];
    case 'instruction': return arch === 'x64' ? [1, 15] : [4, 4];
    case 'align': return [0, Math.min(size.alignment - 1, size.max ?? Infinity)];
    case 'range': return [size.min, size.max];
  }
}

interface ReptFrame {
  count: number;
  line: number;
  raw: string;
  /** The statements of one repetition, in order, each to be checked. */
  first: SourceStatement[];
  /** The body's lines as Keystone gets them, for the other repetitions. */
  body: string[];
  /** Statements Keystone reads for one repetition. */
  statements: number;
  /** ARM64: the offset (mod 4) where the body starts, and whether it holds instructions. */
  startPhase: Phase;
  hasInstructions: boolean;
}

/** An offset modulo 4 (ARM64 instructions must start at 0), or undefined when not known. */
type Phase = number | undefined;

/** The phase after `size` made at `phase`. */
function advancePhase(phase: Phase, size: StatementSize | undefined): Phase {
  if (!size) return phase;
  switch (size.kind) {
    case 'exact': return phase === undefined ? undefined : (phase + size.bytes) % 4;
    case 'instruction': return phase;
    case 'align':
      if (size.max !== undefined) return undefined;
      if (size.alignment >= 4) return 0;
      return phase === undefined ? undefined : Math.ceil(phase / size.alignment) * size.alignment % 4;
    case 'range': return undefined;
  }
}

type FailAt = (message: string, line: number, text: string) => never;

/**
 * Reads the statements of a source's sections: labels, instructions and the assembler directives of
 * the allowlist, `.rept` blocks included, keeping an upper bound of the bytes and statements made.
 */
class StatementReader {
  bytes = 0;
  statements = 0;
  private readonly repts: ReptFrame[] = [];
  /** ARM64: where the next statement of each section starts, mod 4 (sections start page-aligned). */
  private readonly phases = new Map<SourceStatement[], Phase>();

  constructor(private readonly arch: Arch, private readonly failAt: FailAt) {}

  get inRept(): ReptFrame | undefined {
    return this.repts.at(-1);
  }

  /** Fails if `bytes` or `statements` (what `what` adds, or the total) are past the limits. */
  private checkLimits(bytes: number, statements: number, what: string, fail: Fail): void {
    if (bytes > SOURCE_LIMITS.moduleBytes) {
      fail(`${what} would make the module larger than ${humanBytes(SOURCE_LIMITS.moduleBytes)} ` +
        `(up to ${humanBytes(bytes)}); a module or patch makes at most ${humanBytes(SOURCE_LIMITS.moduleBytes)} of code and data`);
    }
    if (statements > SOURCE_LIMITS.statements) {
      fail(`${what} would have the assembler read more than ${SOURCE_LIMITS.statements.toLocaleString('en-US')} statements ` +
        `(${statements.toLocaleString('en-US')}, each repetition counted)`);
    }
  }

  /** Adds what a statement or a whole `.rept` makes outside any `.rept`. */
  private count(bytes: number, statements: number, what: string, fail: Fail): void {
    this.bytes += bytes;
    this.statements += statements;
    this.checkLimits(this.bytes, this.statements, what, fail);
  }

  private push(statement: SourceStatement, target: SourceStatement[], what: string, fail: Fail): void {
    if (this.arch === 'arm64') {
      const phase = this.phases.get(target) ?? 0;
      if (statement.size?.kind === 'instruction') {
        if (phase !== undefined && phase !== 0) {
          fail(`this instruction would start ${phase} byte${phase === 1 ? '' : 's'} past a multiple of 4 (after data of that length); ` +
            'ARM64 instructions are 4-byte aligned: put .p2align 2 before it');
        }
        if (this.inRept) this.inRept.hasInstructions = true;
      }
      this.phases.set(target, advancePhase(phase, statement.size));
    }
    const frame = this.inRept;
    if (frame) {
      frame.first.push(statement);
      frame.body.push(statement.text);
      frame.statements += 1;
      return;
    }
    target.push(statement);
    this.count(sizeRange(statement.size, this.arch)[1], 1, what, fail);
  }

  /** A label: refused inside `.rept`, where each repetition would define it again. */
  label(name: string, line: number, target: SourceStatement[], fail: Fail): void {
    if (name.startsWith(RESERVED_PREFIX)) fail(`names starting with ${RESERVED_PREFIX} are kept for the toolchain's own labels`);
    if (this.inRept) fail(`label "${name}" inside .rept would be defined once per repetition; put it before the .rept`);
    target.push({ text: `${name}:`, line });
  }

  /** An instruction or an assembler directive (not ours). */
  statement(code: string, lexed: LexedLine, line: number, target: SourceStatement[], fail: Fail): void {
    const space = code.search(/\s/);
    const word = space < 0 ? code : code.slice(0, space);
    const args = space < 0 ? '' : code.slice(space + 1).trim();
    const hint = hintFor(code, lexed, this.arch);
    const statement = (size: StatementSize): SourceStatement => ({ text: code, line, size, ...(hint ? { hint } : {}) });
    if (word.startsWith('.')) {
      this.directive(word.toLowerCase(), args, code, line, target, fail, statement);
      return;
    }
    if (/^[A-Za-z_.$][\w.$]*\s*=/.test(code)) fail(`"${code}": give a symbol its value with .set name, value`);
    if (!MNEMONIC.test(word)) fail(`"${word}" is not an instruction or a directive`);
    if (this.arch === 'x64') {
      const att = ATT_OPERAND.exec(args);
      if (att) fail(`"${att[1]}" looks like AT&T syntax; x86-64 sources are Intel syntax: destination first, no % or $ (mov eax, 5)`);
    } else if (/^ldr/i.test(word) && /,\s*=/.test(args)) {
      fail('ldr with "=" (a literal pool) is not supported; build the value with movz/movk, or load it from a .quad in .data');
    }
    this.push(statement({ kind: 'instruction' }), target, 'this instruction', fail);
  }

  private directive(name: string, args: string, code: string, line: number, target: SourceStatement[], fail: Fail,
    statement: (size: StatementSize) => SourceStatement): void {
    const operands = splitOperands(args);
    /** Counts beyond the limits are read, then refused as making too much. */
    const maxCount = 2 ** 32;
    const countArg = (text: string | undefined, what: string, max: number): number => {
      const value = parseCount(text);
      if (value === undefined || value > max) {
        const given = text?.trim() ? (value === undefined ? `; "${text.trim()}" is not one` : `, not ${text.trim()}`) : '';
        fail(`${name} needs ${what} from 0 to ${max.toLocaleString('en-US')}, written as a number (decimal or 0x hex)${given}`);
      }
      return value!;
    };
    const noEmpty = () => {
      if (operands.length === 0) fail(`${name} needs at least one value`);
      if (operands.some((o) => o === '')) fail(`${name} has an empty value (two commas in a row, or one at the end)`);
    };
    const width = DATA_WIDTHS[this.arch][name];
    if (width !== undefined) {
      noEmpty();
      if (operands.some((o) => o.startsWith('"'))) fail(`${name} takes numbers; strings go in .ascii, .asciz or .string`);
      this.push(statement({ kind: 'exact', bytes: width * operands.length }), target, `this ${name}`, fail);
      return;
    }
    const terminator = STRING_DIRECTIVES[name];
    if (terminator !== undefined) {
      noEmpty();
      const bad = operands.find((o) => !/^"(?:[^"\\]|\\.)*"$/.test(o));
      if (bad !== undefined) fail(`${name} takes strings in double quotes, separated by commas; "${bad}" is not one`);
      const bytes = operands.reduce((n, o) => n + stringLength(o) + terminator, 0);
      this.push(statement({ kind: 'exact', bytes }), target, `this ${name}`, fail);
      return;
    }
    if (FILL_DIRECTIVES.has(name)) {
      if (operands.length === 0) fail(`${name} needs a count`);
      if (operands.some((o) => o === '')) fail(`${name} has an empty argument`);
      if (name === '.fill') {
        if (operands.length > 3) fail('.fill takes "repeat, size, value"');
        const repeat = countArg(operands[0], 'a repeat count', maxCount);
        const size = operands[1] === undefined ? 1 : countArg(operands[1], 'a size', 8);
        this.push(statement({ kind: 'exact', bytes: repeat * size }), target, `.fill ${operands[0]}`, fail);
      } else {
        if (operands.length > 2) fail(`${name} takes "count" or "count, fill byte"`);
        const bytes = countArg(operands[0], 'a byte count', maxCount);
        this.push(statement({ kind: 'exact', bytes }), target, `${name} ${operands[0]}`, fail);
      }
      return;
    }
    if (ALIGN_DIRECTIVES.has(name)) {
      if (operands.length === 0 || operands.length > 3) fail(`${name} takes "alignment", "alignment, fill" or "alignment, fill, max"`);
      if (operands[0] === '' || operands[2] === '') fail(`${name} has an empty argument`);
      const powerOfTwo = name === '.p2align' || (name === '.align' && this.arch === 'arm64');
      const maxPower = Math.log2(SOURCE_LIMITS.alignment);
      let alignment: number;
      if (powerOfTwo) {
        alignment = 2 ** countArg(operands[0], 'an exponent (the alignment is 2 to that power)', maxPower);
      } else {
        alignment = countArg(operands[0], 'an alignment in bytes (a power of two)', SOURCE_LIMITS.alignment);
        if (alignment === 0 || (alignment & (alignment - 1)) !== 0) fail(`${name} ${operands[0]}: the alignment must be a power of two`);
      }
      const max = operands[2] === undefined ? undefined : countArg(operands[2], 'a largest padding', SOURCE_LIMITS.alignment);
      this.push(statement({ kind: 'align', alignment, ...(max === undefined ? {} : { max }) }), target, `this ${name}`, fail);
      return;
    }
    if (name === '.set' || name === '.equ') {
      if (operands.length !== 2 || !operands[1]) fail(`${name} takes "name, value"`);
      if (!IDENTIFIER.test(operands[0]!)) fail(`"${operands[0]}" is not a valid symbol name`);
      if (operands[0]!.startsWith(RESERVED_PREFIX)) fail(`names starting with ${RESERVED_PREFIX} are kept for the toolchain's own labels`);
      this.push(statement({ kind: 'exact', bytes: 0 }), target, `this ${name}`, fail);
      return;
    }
    if (name === '.globl' || name === '.global') {
      noEmpty();
      const bad = operands.find((o) => !IDENTIFIER.test(o));
      if (bad !== undefined) fail(`"${bad}" is not a valid symbol name`);
      // Every symbol of a module is visible to the toolchain already; what other modules see is `.export`.
      return;
    }
    if (name === '.rept') {
      if (this.repts.length >= SOURCE_LIMITS.reptDepth) fail(`.rept nested more than ${SOURCE_LIMITS.reptDepth} deep`);
      const count = countArg(operands.length === 1 ? operands[0] : undefined, 'a repeat count', maxCount);
      this.repts.push({ count, line, raw: code, first: [], body: [], statements: 1, startPhase: this.phases.get(target) ?? 0,
        hasInstructions: false });
      return;
    }
    if (name === '.endr') {
      if (args) fail('.endr takes no arguments');
      const frame = this.repts.pop() ?? fail('.endr without .rept');
      this.closeRept(frame, target);
      return;
    }
    if (name === '.hword') fail('directive .hword is ARM64\'s; on x86-64, 2-byte values are .short (or .word)');
    const because = UNSUPPORTED_BECAUSE[name];
    fail(`directive ${name} is not supported${because ? `: ${because}` : ''}`);
  }

  /**
   * The first repetition becomes statements of its own, each checked; the others one `.rept` whose
   * size must be within what the first could make, repeated.
   */
  private closeRept(frame: ReptFrame, target: SourceStatement[]): void {
    const [min, max] = frame.first.reduce(([lo, hi], s) => {
      const [a, b] = sizeRange(s.size, this.arch);
      return [lo + a, hi + b];
    }, [0, 0]);
    const fail = (message: string) => this.failAt(message, frame.line, frame.raw);
    if (this.arch === 'arm64') {
      // The first repetition was checked statement by statement; the others start where it ended.
      const end = this.phases.get(target);
      if (frame.count >= 2 && frame.hasInstructions && end !== undefined && frame.startPhase !== undefined && end !== frame.startPhase) {
        fail('the body of this .rept is not a multiple of 4 bytes long, so the instructions of its later repetitions ' +
          'would not be 4-byte aligned');
      }
      const delta = min === max ? max % 4 : undefined;
      const after = frame.count === 0 ? frame.startPhase
        : frame.startPhase === undefined || delta === undefined ? undefined : (frame.startPhase + delta * frame.count) % 4;
      this.phases.set(target, after);
      if (this.inRept && frame.hasInstructions) this.inRept.hasInstructions = true;
    }
    const what = `.rept ${frame.count}`;
    // The block alone, then (outside any .rept) with the rest of the source.
    this.checkLimits(max * frame.count, frame.statements * frame.count, what, fail);
    const out: SourceStatement[] = [];
    if (frame.count >= 1) out.push(...frame.first);
    if (frame.count >= 2) {
      const rest = frame.count - 1;
      out.push({ text: [`.rept ${rest}`, ...frame.body, '.endr'].join('\n'), line: frame.line,
        size: { kind: 'range', min: min * rest, max: max * rest } });
    }
    const parent = this.inRept;
    if (parent) {
      parent.first.push(...out);
      parent.body.push(frame.raw, ...frame.body, '.endr');
      parent.statements += frame.statements * frame.count;
      return;
    }
    target.push(...out);
    this.count(max * frame.count, frame.statements * frame.count, what, fail);
  }

  /** Fails on a `.rept` left open at the end of the source. */
  finish(): void {
    const open = this.repts[0];
    if (open) this.failAt('.rept has no .endr', open.line, open.raw);
  }
}

function checkSourceSize(source: string, file: string | undefined): void {
  const max = SOURCE_LIMITS.sourceBytes;
  const bytes = source.length > max ? source.length : new TextEncoder().encode(source).length;
  if (bytes > max) {
    throw new AssemblyError(`the source is ${humanBytes(bytes)}; a source is at most ${humanBytes(max)}`, undefined, undefined, file);
  }
}

/** The lines of a source (a byte order mark at its start is dropped), after its size is checked. */
function sourceLines(source: string, file: string | undefined): string[] {
  checkSourceSize(source, file);
  return source.replace(/^\uFEFF/, '').split(/\r?\n/);
}

/**
 * Splits a module source into header facts and Keystone statements.
 * `extraDirectiveNames` lets a caller (the patch toolchain) claim more directives.
 */
export function readModuleSource(source: string, arch: Arch, options: { file?: string;
  extraDirectiveNames?: ReadonlySet<string> } = {}): ModuleSource {
  const result: ModuleSource = {
    file: options.file, exports: [], text: [], data: [], functions: [], dataLabels: [], labels: new Set(),
    extraDirectives: [], bound: { bytes: 0, statements: 0 },
  };
  const fail = (message: string, line: number, text: string): never => {
    throw new AssemblyError(message, line, text, options.file);
  };
  let section: 'text' | 'data' = 'text';
  let openFunction: FunctionDeclaration | undefined;
  const lines = sourceLines(source, options.file);
  const reader = new StatementReader(arch, fail);

  lines.forEach((raw, index) => {
    const line = index + 1;
    const failHere = (message: string) => fail(message, line, raw);
    const lexed = lexLine(raw, arch, failHere);
    let rest = lexed.code;
    const target = section === 'text' ? result.text : result.data;
    // Labels first: "name:" possibly followed by a statement.
    for (let m = LABEL.exec(rest); m; m = LABEL.exec(rest)) {
      const label = m[1]!;
      if (result.labels.has(label)) failHere(`label "${label}" is defined twice`);
      reader.label(label, line, target, failHere);
      result.labels.add(label);
      if (section === 'data') result.dataLabels.push(label);
      rest = rest.slice(m[0].length).trim();
    }
    if (!rest) return;
    const [word = '', ...args] = rest.split(/[\s,]+/).filter(Boolean);
    const directive = word.toLowerCase();
    const ours = options.extraDirectiveNames?.has(directive) || HEADER_DIRECTIVES.has(directive);
    if (ours && reader.inRept) failHere(`${directive} inside .rept (the .rept at line ${reader.inRept.line} has no .endr before it)`);
    if (options.extraDirectiveNames?.has(directive)) {
      result.extraDirectives.push({ name: directive, args, line, text: raw });
      return;
    }
    if (!HEADER_DIRECTIVES.has(directive)) {
      reader.statement(rest, lexed, line, target, failHere);
      return;
    }
    const one = (): string => {
      if (args.length !== 1) failHere(`${directive} takes one argument`);
      return args[0]!;
    };
    const name = (): string => {
      const value = one();
      if (!IDENTIFIER.test(value)) failHere(`"${value}" is not a valid symbol name`);
      return value;
    };
    switch (directive) {
      case '.module': result.name = name(); break;
      case '.arch': {
        const value = one().toLowerCase();
        const declared = archNamed(value) ?? failHere(`unknown architecture "${value}"`);
        if (declared !== arch) failHere(`source is for ${declared} but is being assembled for ${arch}`);
        result.arch = declared;
        break;
      }
      case '.base': {
        const value = parseBase(one(), arch);
        if (typeof value === 'string') failHere(value);
        result.base = value as number;
        break;
      }
      case '.entry': result.entry = name(); break;
      case '.export': for (const n of args) {
        if (!IDENTIFIER.test(n)) failHere(`"${n}" is not a valid symbol name`);
        result.exports.push({ name: n, line });
      } break;
      case '.text': section = 'text'; break;
      case '.data':
        if (openFunction) failHere(`.data inside function "${openFunction.name}" (missing .endfunc)`);
        section = 'data';
        break;
      case '.func': {
        if (section !== 'text') failHere('.func is only allowed in the .text section');
        if (openFunction) failHere(`.func inside function "${openFunction.name}" (missing .endfunc)`);
        const fn = { name: name(), line };
        if (fn.name.startsWith(RESERVED_PREFIX)) failHere(`names starting with ${RESERVED_PREFIX} are kept for the toolchain's own labels`);
        if (result.labels.has(fn.name)) failHere(`label "${fn.name}" is defined twice`);
        result.labels.add(fn.name);
        result.text.push({ text: `${fn.name}:`, line });
        result.functions.push(fn);
        openFunction = fn;
        break;
      }
      case '.endfunc': {
        if (!openFunction) failHere('.endfunc without .func');
        result.text.push({ text: `${functionEndLabel(openFunction!.name)}:`, line });
        openFunction = undefined;
        break;
      }
    }
  });
  reader.finish();
  if (openFunction) fail(`function "${openFunction.name}" has no .endfunc`, openFunction.line, lines[openFunction.line - 1]!);
  result.bound = { bytes: reader.bytes, statements: reader.statements };
  return result;
}

/** Plain statements (no header, no sections), read with the same rules as a module's. */
export function readStatements(source: string, arch: Arch): SourceStatement[] {
  const statements: SourceStatement[] = [];
  const labels = new Set<string>();
  const reader = new StatementReader(arch, (message, line, text) => {
    throw new AssemblyError(message, line, text);
  });
  const lines = sourceLines(source, undefined);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const fail = (message: string): never => {
      throw new AssemblyError(message, line, raw);
    };
    const lexed = lexLine(raw, arch, fail);
    let rest = lexed.code;
    for (let m = LABEL.exec(rest); m; m = LABEL.exec(rest)) {
      if (labels.has(m[1]!)) fail(`label "${m[1]}" is defined twice`);
      labels.add(m[1]!);
      reader.label(m[1]!, line, statements, fail);
      rest = rest.slice(m[0].length).trim();
    }
    if (rest) reader.statement(rest, lexed, line, statements, fail);
  });
  reader.finish();
  return statements;
}
