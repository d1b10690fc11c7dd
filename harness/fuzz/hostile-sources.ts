// Random hostile sources for the assembler front end and the Keystone adapter: modules, patches and
// plain statements on both architectures, built from lines that are valid, nearly valid and hostile
// (open quotes, odd escapes, NUL and control characters, non-ASCII text, directives inside and outside
// the allowlist, repeat/zero/align counts up to 2^32, AT&T syntax, very long lines, many labels).
// Each case either assembles or is refused with an AssemblyError; scripts/fuzz-hostile.ts times them.
import { readFileSync } from 'node:fs';
import type { GuestModule } from '../../core/module.ts';
import type { Arch } from '../../core/arch.ts';
import { assembleModule, assembleStatements } from '../../toolchain/assemble.ts';
import { buildPatch } from '../../toolchain/patch.ts';
import { AssemblyError } from '../../toolchain/source.ts';
import { Random } from './patch-fuzzer.ts';

/** One input for the hostile fuzz script: what it is, how big, and how to try it. */
export interface HostileCase {
  label: string;
  /** Size of the input in bytes (the time bound scales with it). */
  bytes: number;
  /** The input itself, to print when the case fails. */
  input: string;
  /** Resolves to undefined when the input was accepted, to the refusal's message when it was refused cleanly; throws otherwise. */
  run(): Promise<string | undefined>;
}

/** A source of hostile cases; scripts/fuzz-hostile.ts runs a list of them. */
export interface HostileGenerator {
  name: string;
  /** Called once before the first case. */
  prepare?(): Promise<void>;
  /** Called once after the last case (temporary files go). */
  finish?(): void;
  next(random: Random): HostileCase;
}

const X64_LINES = ['nop', 'ret', 'mov eax, 5', 'mov rax, 0x1122334455667788', 'add rax, rbx', 'lea rdi, [rip + msg]',
  'mov dword ptr [rbp - 12], edi', 'call f', 'jmp done', 'jne top', 'push rbx', 'pop rbx', 'syscall', 'xor eax, eax',
  'imul eax, edi, 120', 'movzx eax, byte ptr [rsi]', 'cmp rax, -1', 'ud2', 'int3', 'rep movsb', 'lock add dword ptr [rax], 1'];
const ARM64_LINES = ['nop', 'ret', 'mov x0, #5', 'movz x0, #0x1234, lsl #16', 'add x0, x1, x2', 'adrp x0, msg',
  'add x0, x0, :lo12:msg', 'bl f', 'b done', 'b.ne top', 'ldr x1, [sp, #8]', 'str x1, [sp, #-16]!', 'svc #0',
  'cbz x0, done', 'stp x29, x30, [sp, #-16]!', 'ldp x29, x30, [sp], #16', 'tbz w0, #3, top', 'ldr w0, [x1, x2, lsl #2]'];
/** Near misses and wrong dialects: each assembles to nothing in Keystone unless caught. */
const BROKEN = ['mov eax,', 'mov x0,', 'add eax, #5', 'mov w1, #120', 'movl $5, %eax', 'movq (%rax), %rbx', 'mov x0, #1 #2',
  'mov eax, 5 5', 'frobnicate', 'ldr x0, =0x1234', 'jmp', 'b', 'mov eax, [rax+]', 'ldr x0, [x1', 'x = 5', '1:', '"a": nop',
  'mov eax, \'a', 'mov rax, qword ptr [-8]', 'push', 'ret x0, x1'];
const DIRECTIVES = ['.byte', '.short', '.2byte', '.hword', '.word', '.int', '.long', '.4byte', '.quad', '.8byte', '.ascii',
  '.asciz', '.string', '.zero', '.space', '.skip', '.fill', '.p2align', '.balign', '.align', '.set', '.equ', '.globl', '.global',
  '.rept', '.endr'];
const OTHER_DIRECTIVES = ['.include', '.incbin', '.macro', '.endm', '.irp', '.err', '.error', '.end', '.cfi_startproc', '.org',
  '.section', '.bss', '.intel_syntax', '.att_syntax', '.if', '.endif', '.equiv', '.comm', '.ident', '.file', '.loc', '.inst',
  '.octa', '.float', '.altmacro', '.purgem', '.exitm', '.ltorg', '.nops', '.code64'];
const NAMES = ['f', 'top', 'done', 'msg', 'x', 'n', 'table', '_start', '.Lloop', 'a$b', 'l0', 'L123', '__hp_s1', 'main'];
const STRANGE = ['\0', '\x01', '\x07', '\x1b', '\x7f', '\r', '\t', '\u00a0', '\u00e9', '\u03bb', '\u2028', '\ufeff', '\ud83d\ude00',
  '\ud800', '"', '\'', '\\', '#', ';', '//', '/*', '*/', '%', '$', '@', '{', '}', '[', ']', '(', ')', ',', ':', '=', '!'];

function count(random: Random): string {
  const value = random.pick([0, 1, 2, 3, 7, 8, 12, 13, 16, 64, 100, 255, 4096, 65536, 100_000, 1_000_000, 0x1000_0000,
    2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 53, random.next(), random.below(5000)]);
  const text = random.below(3) === 0 ? '0x' + value.toString(16) : String(value);
  return random.pick([text, text, text, text, `-${text}`, `${text} + 1`, 'n', `(${text})`, `${text}_0`, '']);
}

function stringLiteral(random: Random): string {
  const parts: string[] = [];
  for (let i = random.below(8); i > 0; i--) {
    parts.push(random.pick(['abc', 'hello world', '\\n', '\\t', '\\"', '\\\\', '\\0', '\\101', '\\777', '\\x41', '\\q', '\\',
      'caf\u00e9', '\u03bb', '#;//', '\'', random.pick(STRANGE)]));
  }
  const body = parts.join('');
  return random.pick([`"${body}"`, `"${body}"`, `"${body}`, `'${body.slice(0, 1)}'`, `'${body.slice(0, 2)}`, `"${body}\\"`]);
}

function operands(random: Random): string {
  const items: string[] = [];
  for (let i = random.below(5); i > 0; i--) {
    items.push(random.pick([count(random), stringLiteral(random), random.pick(NAMES), `${random.pick(NAMES)} + 4`, '\'a\'', '\'#\'', '']));
  }
  return items.join(random.pick([', ', ',', ' , ', ' ']));
}

function line(random: Random, arch: Arch): string {
  const kind = random.below(20);
  const instructions = arch === 'x64' ? X64_LINES : ARM64_LINES;
  let text: string;
  if (kind < 6) text = random.pick(instructions);
  else if (kind < 8) text = random.pick(random.below(2) ? X64_LINES : ARM64_LINES);
  else if (kind < 10) text = random.pick(BROKEN);
  else if (kind < 14) text = `${random.pick(DIRECTIVES)} ${operands(random)}`;
  else if (kind < 15) text = `${random.pick(OTHER_DIRECTIVES)} ${operands(random)}`;
  else if (kind < 16) text = `${random.pick(NAMES)}${random.below(1000)}:`;
  else if (kind < 17) text = Array.from({ length: 1 + random.below(6) }, () => random.pick(STRANGE)).join('');
  else if (kind < 18) text = `.ascii ${stringLiteral(random)}`;
  else if (kind < 19) text = random.pick(['.rept', '.endr', '.rept 2', '.rept 1000000', '.rept 0x100000000']);
  else text = `.ascii "${'a'.repeat(random.below(200))}"`;
  // Mutations: a stray character, a comment, a label in front.
  const mutation = random.below(12);
  if (mutation === 0) {
    const at = random.below(text.length + 1);
    text = text.slice(0, at) + random.pick(STRANGE) + text.slice(at);
  } else if (mutation === 1) {
    text += ` ${random.pick(['//', '#', ';', '/*', '@'])} comment ${random.pick(STRANGE)}`;
  } else if (mutation === 2) {
    text = `${random.pick(NAMES)}${random.below(100)}: ${text}`;
  }
  return text;
}

/**
 * A random source: mostly a few hostile lines; sometimes thousands of them, a big source of valid
 * instructions near the 256 KiB limit (some over it), one very long line, or thousands of labels.
 */
function lines(random: Random, arch: Arch): string[] {
  const valid = arch === 'x64' ? X64_LINES : ARM64_LINES;
  const shape = random.below(20);
  if (shape < 7) return Array.from({ length: 1 + random.below(20) }, () => line(random, arch));
  if (shape < 14) {
    // Valid code with a hostile line or two, so that Keystone sees most of these.
    const out = Array.from({ length: 1 + random.below(50) }, () => random.pick(valid));
    for (let i = random.below(3); i > 0; i--) out.splice(random.below(out.length + 1), 0, line(random, arch));
    return out;
  }
  if (shape < 17) return Array.from({ length: random.below(3000) }, () => line(random, arch));
  if (shape < 18) {
    const out = Array.from({ length: 10_000 + random.below(25_000) }, () => random.pick(valid));
    for (let i = random.below(3); i > 0; i--) out[random.below(out.length)] = line(random, arch);
    return out;
  }
  if (shape < 19) return [random.pick(valid), `.ascii "${'a'.repeat(random.below(300_000))}"`, random.pick(valid)];
  return [...Array.from({ length: random.below(20_000) }, (_, i) => `l${i}: ${random.pick(valid)}`), line(random, arch)];
}

function refusal(error: unknown): string {
  if (error instanceof AssemblyError) return error.message;
  throw error;
}

/** Module sources, patch sources and plain statements, on both architectures. */
export function hostileSources(): HostileGenerator {
  const bases: Partial<Record<Arch, GuestModule>> = {};
  return {
    name: 'sources',
    async prepare() {
      for (const arch of ['x64', 'arm64'] as Arch[]) {
        bases[arch] = await assembleModule(readFileSync(new URL(`../../examples/price-tax/${arch}/pricing.s`, import.meta.url), 'utf8'), arch, { file: 'pricing.s' });
      }
    },
    next(random) {
      const arch: Arch = random.below(2) ? 'x64' : 'arm64';
      const body = lines(random, arch);
      const form = random.pick(['module', 'module', 'patch', 'statements'] as const);
      let input: string;
      let run: () => Promise<unknown>;
      if (form === 'module') {
        const data = random.below(3) === 0 ? ['.data', ...lines(random, arch).slice(0, 50), '.text'] : [];
        input = ['.module m', '.entry main', ...data, '.func main', ...body, 'ret', '.endfunc'].join('\n');
        run = () => assembleModule(input, arch, { file: 'm.s' });
      } else if (form === 'patch') {
        input = ['.patch pricing', '.sequence 1', '.redirect price_with_tax -> fixed', '.func fixed', ...body, 'ret', '.endfunc'].join('\n');
        run = () => buildPatch(input, arch, { file: 'p.s', modules: [bases[arch]!] });
      } else {
        input = body.join('\n');
        run = () => assembleStatements(input, arch, 0x1000_0000);
      }
      return {
        label: `${arch} ${form}, ${body.length.toLocaleString('en-US')} lines`,
        bytes: new TextEncoder().encode(input).length,
        input,
        run: () => run().then(() => undefined, refusal),
      };
    },
  };
}
