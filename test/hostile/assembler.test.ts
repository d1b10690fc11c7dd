// Hostile sources for the assembler front end (toolchain/source.ts) and the Keystone adapter
// (toolchain/assemble.ts, keystone.ts): each is refused at once with one message naming its line, in
// a module, in a patch and from the command line, on both architectures. Each refusal is timed: a
// hang fails the test (Keystone runs in a thread with a deadline, so even a hang that got past the
// front end ends in an error rather than a stuck test).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GuestModule } from '../../core/module.ts';
import { ARCHES, type Arch } from '../../core/arch.ts';
import { assembleModule, assembleStatements } from '../../toolchain/assemble.ts';
import { keystoneAssemble, keystoneThreadsStarted } from '../../toolchain/keystone.ts';
import { buildPatch } from '../../toolchain/patch.ts';
import { AssemblyError, SOURCE_LIMITS } from '../../toolchain/source.ts';

/** Generous: a refusal takes milliseconds; this only tells a refusal from a hang or a crawl. */
const QUICK_MS = 10_000;

async function refusal(promise: Promise<unknown>, maxMs = QUICK_MS): Promise<{ line: number | undefined; message: string }> {
  const start = performance.now();
  try {
    await promise;
  } catch (error) {
    expect(performance.now() - start).toBeLessThan(maxMs);
    expect(error).toBeInstanceOf(AssemblyError);
    const { line, message } = error as AssemblyError;
    return { line, message };
  }
  throw new Error('expected the source to be refused');
}

/** A module whose main function holds `lines`; `data` goes in .data. Returns the source and the line of `lines[0]`. */
function moduleSource(arch: Arch, lines: string[], data: string[] = []): { text: string; line: number } {
  const head = ['.module m', `.arch ${arch}`, '.entry main', ...(data.length ? ['.data', ...data, '.text'] : []), '.func main'];
  const exit = arch === 'x64' ? ['mov eax, 60', 'syscall'] : ['mov x8, #93', 'svc #0'];
  return { text: [...head, ...lines, ...exit, '.endfunc', ''].join('\n'), line: head.length + 1 };
}

const at = (arch: Arch, lines: string[]) => moduleSource(arch, lines);
const inData = (arch: Arch, lines: string[]) => {
  const source = moduleSource(arch, [], lines);
  return { text: source.text, line: 5 };
};

let pricing: Record<Arch, GuestModule>;
beforeAll(async () => {
  pricing = {
    x64: await assembleModule(readFileSync('examples/price-tax/x64/pricing.s', 'utf8'), 'x64', { file: 'pricing.s' }),
    arm64: await assembleModule(readFileSync('examples/price-tax/arm64/pricing.s', 'utf8'), 'arm64', { file: 'pricing.s' }),
  };
});

/** A patch of price-tax whose new function holds `lines`. */
function patchSource(lines: string[]): { text: string; line: number } {
  const head = ['.patch pricing', '.sequence 1', '.redirect price_with_tax -> fixed', '.text', '.func fixed'];
  return { text: [...head, ...lines, 'ret', '.endfunc', ''].join('\n'), line: head.length + 1 };
}

describe.each(ARCHES)('%s: a string or character literal left open is refused on its line (finding 1)', (arch) => {
  const cases: [string, string][] = [
    ['.ascii "hello', 'unterminated string: the " at column 8 is never closed'],
    ['.asciz "abc', 'unterminated string: the " at column 8 is never closed'],
    ['.string "abc', 'unterminated string: the " at column 9 is never closed'],
    ['.ascii "a\\', 'unterminated string: the " at column 8 is never closed'],
    ['.ascii "a\\"', 'unterminated string: the " at column 8 is never closed'],
    ['.ascii "ok", "b', 'unterminated string: the " at column 14 is never closed'],
    ['.section "abc', 'unterminated string: the " at column 10 is never closed'],
    ['.file "a', 'unterminated string: the " at column 7 is never closed'],
    ['.incbin "abc', 'unterminated string: the " at column 9 is never closed'],
    ['.include "abc', 'unterminated string: the " at column 10 is never closed'],
    ['.set x, "a', 'unterminated string: the " at column 9 is never closed'],
    ['.byte \'a', 'unterminated character literal: the \' at column 7 is never closed'],
    ['.ascii \'a', 'unterminated character literal: the \' at column 8 is never closed'],
    ['msg: .ascii "x', 'unterminated string: the " at column 13 is never closed'],
  ];

  it.each(cases)('in a module: %s', async (line, message) => {
    const source = at(arch, ['nop', line, 'nop']);
    expect(await refusal(assembleModule(source.text, arch))).toEqual({ line: source.line + 1, message });
    const data = inData(arch, [line]);
    expect(await refusal(assembleModule(data.text, arch))).toEqual({ line: data.line, message });
  });

  it.each(cases.slice(0, 4))('in a patch: %s', async (line, message) => {
    const source = patchSource([line]);
    expect(await refusal(buildPatch(source.text, arch, { modules: [pricing[arch]] }))).toEqual({ line: source.line, message });
  });

  it('in plain statements', async () => {
    expect(await refusal(assembleStatements('nop\n.ascii "x', arch, 0x1000))).toEqual({ line: 2,
      message: 'unterminated string: the " at column 8 is never closed' });
  });

  it('reads quotes, escapes and comment characters inside literals as data', async () => {
    const bytes = await assembleStatements('.byte \'#\', \';\', \'"\', \'\\\'\' // c\n.ascii "a;b#c//d\\"\\\\\\101\\0"', arch, 0x1000);
    expect(Buffer.from(bytes).toString('latin1')).toBe('#;"\'a;b#c//d"\\A\0');
  });
});

describe.each(ARCHES)('%s: what a source makes is bounded before Keystone runs (finding 2)', (arch) => {
  const limit = 'a module or patch makes at most 1 MiB of code and data';
  const cases: [string[], number, string][] = [
    [['.rept 100000000', 'nop', '.endr'], 0,
      `.rept 100000000 would make the module larger than 1 MiB (up to ${arch === 'x64' ? '1.4 GiB' : '381 MiB'}); ${limit}`],
    [['.rept 1000', '.rept 1000', 'nop', '.endr', '.endr'], 0,
      `.rept 1000 would make the module larger than 1 MiB (up to ${arch === 'x64' ? '14.3 MiB' : '4,000,000 bytes'}); ${limit}`],
    [['.rept 4294967296', '.endr'], 0, '.rept 4294967296 would have the assembler read more than 100,000 statements ' +
      '(4,294,967,296, each repetition counted)'],
    [['.rept 200000', '.set x, 1', '.endr'], 0, '.rept 200000 would have the assembler read more than 100,000 statements ' +
      '(400,000, each repetition counted)'],
    [['.zero 0x10000000'], 0, `.zero 0x10000000 would make the module larger than 1 MiB (up to 256 MiB); ${limit}`],
    [['.space 0x100001'], 0, `.space 0x100001 would make the module larger than 1 MiB (up to 1,048,577 bytes); ${limit}`],
    [['.fill 0x1000000, 1, 0x90'], 0, `.fill 0x1000000 would make the module larger than 1 MiB (up to 16 MiB); ${limit}`],
    [['.fill 3, 16, 1'], 0, '.fill needs a size from 0 to 8, written as a number (decimal or 0x hex), not 16'],
    [['.set n, 0x1000000', '.zero n'], 1,
      '.zero needs a byte count from 0 to 4,294,967,296, written as a number (decimal or 0x hex); "n" is not one'],
    [['.zero -1'], 0, '.zero needs a byte count from 0 to 4,294,967,296, written as a number (decimal or 0x hex); "-1" is not one'],
    [['.p2align 26'], 0, '.p2align needs an exponent (the alignment is 2 to that power) from 0 to 12, written as a number ' +
      '(decimal or 0x hex), not 26'],
    [['.p2align 0x20'], 0, '.p2align needs an exponent (the alignment is 2 to that power) from 0 to 12, written as a number ' +
      '(decimal or 0x hex), not 0x20'],
    [['.balign 3'], 0, '.balign 3: the alignment must be a power of two'],
    [['.rept 3', 'nop'], 4, '.endfunc inside .rept (the .rept at line 5 has no .endr before it)'],
    [['nop', '.endr'], 1, '.endr without .rept'],
    [['.rept 2', 'again: nop', '.endr'], 1, 'label "again" inside .rept would be defined once per repetition; put it before the .rept'],
    [['.rept 2', '.endfunc', '.endr'], 1, '.endfunc inside .rept (the .rept at line 5 has no .endr before it)'],
    [['.macro m', 'm', '.endm'], 0, 'directive .macro is not supported: macros are not supported; write the lines out, or use .rept'],
  ];

  it.each(cases)('%j', async (lines, offset, message) => {
    const before = process.memoryUsage().rss;
    const source = at(arch, lines);
    expect(await refusal(assembleModule(source.text, arch), 200)).toEqual({ line: source.line + offset, message });
    expect(process.memoryUsage().rss - before).toBeLessThan(50 * 2 ** 20);
  });

  it('assembles a module at the limit: 1 MiB of .zero, in time', async () => {
    const start = performance.now();
    const module = await assembleModule(moduleSource(arch, [], [`.zero ${SOURCE_LIMITS.moduleBytes - 64}`]).text, arch);
    expect(module.data.length).toBe(SOURCE_LIMITS.moduleBytes - 64);
    expect(performance.now() - start).toBeLessThan(QUICK_MS);
  });

  it('repeats with .rept as written, nested, with each repetition checked', async () => {
    const bytes = await assembleStatements(['.rept 3', '.byte 1', '.rept 2', '.byte 2', '.endr', '.endr', '.rept 0', '.byte 9', '.endr'].join('\n'),
      arch, 0x1000);
    expect([...bytes]).toEqual([1, 2, 2, 1, 2, 2, 1, 2, 2]);
    const error = await refusal(assembleStatements(['nop', '.rept 2', 'nop', arch === 'x64' ? 'mov eax,' : 'mov x0,', '.endr'].join('\n'), arch, 0x1000));
    expect(error.line).toBe(4);
    expect(await refusal(assembleStatements('nop\n.rept 3\nnop', arch, 0x1000))).toEqual({ line: 2, message: '.rept has no .endr' });
  });

  it('in a patch', async () => {
    const source = patchSource(['.zero 0x10000000']);
    expect(await refusal(buildPatch(source.text, arch, { modules: [pricing[arch]] }), 200)).toEqual({ line: source.line,
      message: `.zero 0x10000000 would make the module larger than 1 MiB (up to 256 MiB); ${limit}` });
  });
});

describe('every statement makes its bytes or an error on its line (finding 7)', () => {
  const intel = 'x86-64 sources are Intel syntax: destination first, no % or $ (mov eax, 5)';
  const hash = '"#" starts a comment on x86-64, so the rest of the line was not read; x86-64 immediates take no "#"; is this ARM64 code?';
  const x64: [string, string][] = [
    ['movl $5, %eax', `"$5" looks like AT&T syntax; ${intel}`],
    ['mov %eax, %ebx', `"%eax" looks like AT&T syntax; ${intel}`],
    ['movq (%rax), %rbx', `"%rax" looks like AT&T syntax; ${intel}`],
    ['add eax, #5', `cannot assemble "add eax,": Unknown token in expression (KS_ERR_ASM_EXPR_TOKEN); ${hash}`],
    ['mov w1, #120', `cannot assemble "mov w1,": Unknown token in expression (KS_ERR_ASM_EXPR_TOKEN); ${hash}`],
    ['mov eax,', 'cannot assemble "mov eax,": Unknown token in expression (KS_ERR_ASM_EXPR_TOKEN)'],
    ['movl eax, 5', 'cannot assemble "movl eax, 5": Invalid mnemonic (KS_ERR_ASM_MNEMONICFAIL); ' +
      'x86-64 sources are Intel syntax (mov eax, 5), with no size suffix on the mnemonic'],
    ['.quad foo+', 'cannot assemble ".quad foo+": the assembler made nothing of it'],
  ];
  const arm64: [string, string][] = [
    ['mov x0,', 'cannot assemble "mov x0,": Unknown token in expression (KS_ERR_ASM_EXPR_TOKEN)'],
    ['mov x0, #1 #2', 'cannot assemble "mov x0, #1 #2": the assembler could not read it, and dropped it with the lines after it'],
    ['mov eax, 5', 'cannot assemble "mov eax, 5": Invalid operand (KS_ERR_ASM_INVALIDOPERAND); is this x86-64 code? This source is ARM64'],
    ['mov x0, #1 ; comment', '";" at column 12 does not start a comment on ARM64 (it separates statements); comments start with //'],
    ['ldr x0, =0x12345678', 'ldr with "=" (a literal pool) is not supported; build the value with movz/movk, or load it from a .quad in .data'],
    ['.quad foo+', 'cannot assemble ".quad foo+": the assembler made nothing of it'],
  ];
  const both: [string, string][] = [
    ['.err', 'directive .err is not supported'],
    ['.error "x"', 'directive .error is not supported'],
    ['.byte', '.byte needs at least one value'],
    ['.byte 1,', '.byte has an empty value (two commas in a row, or one at the end)'],
    ['.include "x.s"', 'directive .include is not supported: a source cannot read other files'],
    ['.incbin "/etc/passwd"', 'directive .incbin is not supported: a source cannot read other files'],
    ['.end', 'directive .end is not supported: a source ends at its last line'],
    ['.cfi_startproc', 'directive .cfi_startproc is not supported'],
    ['.section .text', 'directive .section is not supported: the sections are .text and .data'],
    ['x = 5', '"x = 5": give a symbol its value with .set name, value'],
  ];
  const table: [Arch, string, string][] = [
    ...x64.map(([l, m]) => ['x64', l, m] as [Arch, string, string]),
    ...arm64.map(([l, m]) => ['arm64', l, m] as [Arch, string, string]),
    ...ARCHES.flatMap((arch) => both.map(([l, m]) => [arch, l, m] as [Arch, string, string])),
  ];

  it.each(table)('%s: %s, first, in the middle, last, in data and in a patch', async (arch, line, message) => {
    for (const lines of [[line, 'nop'], ['nop', line, 'nop'], ['nop', line]]) {
      const source = at(arch, lines);
      expect(await refusal(assembleModule(source.text, arch)), lines.join(' / ')).toEqual({ line: source.line + lines.indexOf(line), message });
    }
    const data = inData(arch, [line, '.byte 1']);
    expect(await refusal(assembleModule(data.text, arch)), 'in .data').toEqual({ line: data.line, message });
    const patch = patchSource(['nop', line]);
    expect(await refusal(buildPatch(patch.text, arch, { modules: [pricing[arch]] })), 'in a patch')
      .toEqual({ line: patch.line + 1, message });
  });
});

describe.each(ARCHES)('%s: NUL, control characters and non-ASCII text are refused on their line (findings 8, 17)', (arch) => {
  const nul = (column: number) => `a NUL character (U+0000) at column ${column}; write \\0 inside a string, or .byte 0`;
  const notAscii = (what: string, column: number) => `${what} at column ${column} is not ASCII; labels, instructions and operands ` +
    'are ASCII (names: letters, digits, _ . $); other text belongs in strings and comments';
  const cases: [string, string][] = [
    [`${arch === 'x64' ? 'mov eax, 7' : 'mov x0, #7'}\0`, nul(arch === 'x64' ? 11 : 11)],
    ['.ascii "a\0b"', nul(10)],
    ['la\0bel: nop', nul(3)],
    ['ret \0', nul(5)],
    ['nop // a comment with \0', nul(23)],
    ['nop\rnop', 'a carriage return (U+000D) at column 4 inside a line; lines end with \\n or \\r\\n'],
    ['nop \x07', 'a control character (U+0007) at column 5; a line holds tabs, spaces and printable characters'],
    ['.ascii "\x1b[2J"', 'a control character (U+001B) at column 9; a line holds tabs, spaces and printable characters'],
    ['λ:', notAscii('"λ" (U+03BB)', 1)],
    ['café: nop', notAscii('"é" (U+00E9)', 4)],
    [`${arch === 'x64' ? 'jmp' : 'b'} café`, notAscii('"é" (U+00E9)', arch === 'x64' ? 8 : 6)],
    ['nop\u00a0', notAscii('U+00A0', 4)],
  ];

  it.each(cases)('%j', async (line, message) => {
    const source = at(arch, ['nop', line]);
    expect(await refusal(assembleModule(source.text, arch))).toEqual({ line: source.line + 1, message });
    const patch = patchSource([line]);
    expect(await refusal(buildPatch(patch.text, arch, { modules: [pricing[arch]] }))).toEqual({ line: patch.line, message });
  });

  it('keeps non-ASCII text in strings and comments', async () => {
    const bytes = await assembleStatements('.ascii "café λ" // ünïcode', arch, 0x1000);
    expect(new TextDecoder().decode(bytes)).toBe('café λ');
  });
});

describe.each(ARCHES)('%s: limits count the user\'s lines and bytes (finding 9)', (arch) => {
  const nop = 'nop';
  it('assembles 2,500 lines, and 1,500 lines with 1,200 labels', async () => {
    // moduleSource adds 7 lines: 4 before the given ones, 3 after.
    const lines = moduleSource(arch, Array(2500 - 7).fill(nop));
    expect(lines.text.split('\n').length - 1).toBe(2500);
    expect((await assembleModule(lines.text, arch)).code.length).toBeGreaterThan(2490);
    const labels = moduleSource(arch, [...Array.from({ length: 1200 }, (_, i) => `l${i}:`), ...Array(1500 - 1200 - 7).fill(nop)]);
    expect(labels.text.split('\n').length - 1).toBe(1500);
    await assembleModule(labels.text, arch);
  });

  it('assembles 20,000 lines (80 KB and more: Keystone\'s own entry crashed at about 75 KB)', async () => {
    const source = moduleSource(arch, Array(20_000).fill(nop));
    expect(source.text.length).toBeGreaterThan(80_000);
    const module = await assembleModule(source.text, arch);
    // The nops, then the exit: mov eax, 60 (5 bytes) and syscall (2), or two ARM64 instructions.
    expect(module.code.length).toBe(arch === 'x64' ? 20_000 + 7 : (20_000 + 2) * 4);
  });

  it('reports an error on line 2,400 of 2,500 as line 2,400', async () => {
    const lines = Array(2500 - 7).fill(nop);
    lines[2400 - 5] = 'frobnicate';
    const source = moduleSource(arch, lines);
    expect(source.text.split('\n')[2399]).toBe('frobnicate');
    expect(await refusal(assembleModule(source.text, arch), 10_000)).toEqual({ line: 2400,
      message: 'cannot assemble "frobnicate": Invalid mnemonic (KS_ERR_ASM_MNEMONICFAIL)' });
  });

  it('refuses a source over 256 KiB by its size, naming no line', async () => {
    const source = moduleSource(arch, Array(70_000).fill(nop));
    expect(await refusal(assembleModule(source.text, arch, { file: 'big.s' }))).toEqual({ line: undefined,
      message: `the source is ${source.text.length.toLocaleString('en-US')} bytes; a source is at most 256 KiB` });
  });

  it('keeps the names it gives its own labels out of the source', async () => {
    const source = at(arch, ['__hp_s1: nop']);
    expect(await refusal(assembleModule(source.text, arch))).toEqual({ line: source.line,
      message: 'names starting with __hp_ are kept for the toolchain\'s own labels' });
  });
});

describe.each(ARCHES)('%s: .base says what is wrong with the address (finding 17)', (arch) => {
  it.each([
    ['0xfffffffffffff000', '.base 0xfffffffffffff000 is above the highest address a module can start at ' +
      `(${arch === 'x64' ? '0x7ffffffff000' : '0xfffffffff000'})`],
    ['0x401001', '.base 0x401001 is not page-aligned (a multiple of 0x1000)'],
    ['pricing', '.base needs an address, such as 0x400000; "pricing" is not a number'],
  ])('.base %s', async (value, message) => {
    expect(await refusal(assembleModule(`.module m\n.base ${value}\n`, arch))).toEqual({ line: 2, message });
  });
});

describe('the assembler\'s watchdog', () => {
  it.each(ARCHES)('%s: stops a Keystone call that never ends, and the next call works', async (arch) => {
    expect((await keystoneAssemble(arch, 'nop', 0)).ok).toBe(true);
    const threads = keystoneThreadsStarted();
    const start = performance.now();
    // Straight to Keystone, past the front end that would refuse it: Keystone loops on an open string.
    const hung = await keystoneAssemble(arch, '.ascii "never closed', 0, { deadlineMs: 500 });
    expect(hung).toEqual({ ok: false, timedOut: true, message: 'the assembler did not finish within 0.5 s and was stopped' });
    expect(performance.now() - start).toBeLessThan(QUICK_MS);
    const next = await keystoneAssemble(arch, 'nop', 0);
    expect(next.ok).toBe(true);
    expect(keystoneThreadsStarted()).toBe(threads + 1);
  });
});

describe('the command line', () => {
  const exec = promisify(execFile);
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'hostile-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function run(name: string, text: string): Promise<{ code: number; stderr: string; ms: number }> {
    const file = join(dir, name);
    writeFileSync(file, text);
    const start = performance.now();
    try {
      await exec('node', ['bin/hotpatch.js', 'run', file], { timeout: 60_000 });
      return { code: 0, stderr: '', ms: performance.now() - start };
    } catch (error) {
      const e = error as { code: number; stderr: string };
      return { code: e.code, stderr: e.stderr.replace(dir, '<dir>'), ms: performance.now() - start };
    }
  }

  it.each([
    ['open.s', '.ascii "hello', 'unterminated string: the " at column 8 is never closed'],
    ['att.s', 'movl $5, %eax', '"$5" looks like AT&T syntax; x86-64 sources are Intel syntax: destination first, no % or $ (mov eax, 5)'],
    ['dropped.s', 'mov eax,', 'cannot assemble "mov eax,": Unknown token in expression (KS_ERR_ASM_EXPR_TOKEN)'],
    ['rept.s', '.rept 100000000\nnop\n.endr', '.rept 100000000 would make the module larger than 1 MiB (up to 1.4 GiB); ' +
      'a module or patch makes at most 1 MiB of code and data'],
    ['nul.s', 'mov eax, 7\0', 'a NUL character (U+0000) at column 11; write \\0 inside a string, or .byte 0'],
  ])('hotpatch run %s', async (name, line, message) => {
    const source = moduleSource('x64', ['nop', line]);
    const result = await run(name, source.text);
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')[0]).toBe(`hotpatch: <dir>/${name}:${source.line + 1}: ${message}`);
    // Node and tsx start in a second or two; a hang would take the 60 s timeout.
    expect(result.ms).toBeLessThan(20_000);
  });
});
