// Random module sources and random edits of module sources, for the edit fuzzer: an immediate, an
// inserted or deleted instruction, a new helper function called from a changed one, a read or write
// of an existing global, a call of an unchanged function, a new global, a changed branch, and now
// and then a rude edit (a global's initial value or size). Addresses an edit loads stay in x16 and
// x17 on ARM64 (and are never kept on x86-64), and an edit stores only values it computed from
// globals: new globals live elsewhere in the patched program, so an address left in a register the
// code computes with, or stored, would differ between the two by design. For the same reason an
// edit's lines stay together: a second edit never goes between an ARM64 adrp and the :lo12: access
// that completes it, nor deletes one of them.
import type { Arch } from '../../core/arch.ts';

/** A seeded generator (xorshift32). */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = (seed >>> 0) || 0x9e3779b9;
  }
  next(): number {
    let x = this.state;
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    this.state = x;
    return x / 0x1_0000_0000;
  }
  int(limit: number): number {
    return Math.floor(this.next() * limit);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** A module with random functions: leaves and callers of later functions, reading and writing 8-byte globals. */
export function generateModule(random: Random, arch: Arch, name = 'gen'): string {
  const functions = 2 + random.int(5);
  const globals = 1 + random.int(4);
  const x64 = arch === 'x64';
  const lines = [`// A generated module for the edit fuzzer.`, `.module ${name}`, `.arch ${arch}`, '.entry f0', '', '.data'];
  for (let g = 0; g < globals; g++) lines.push(`g${g}:`, `    .quad ${random.int(1000)}`);
  lines.push('', '.text');
  for (let f = 0; f < functions; f++) {
    lines.push(`.func f${f}`, x64 ? '    mov rax, rdi' : '    mov x9, x0');
    const steps = 2 + random.int(6);
    for (let s = 0; s < steps; s++) {
      const n = 1 + random.int(200);
      const g = `g${random.int(globals)}`;
      const op = random.int(7);
      if (op === 0) lines.push(x64 ? `    add rax, ${n}` : `    add x9, x9, #${n}`);
      else if (op === 1) lines.push(x64 ? '    imul rax, rsi' : '    mul x9, x9, x1');
      else if (op === 2) lines.push(x64 ? `    add rax, qword ptr [rip + ${g}]` : `    adrp x10, ${g}\n    ldr x10, [x10, :lo12:${g}]\n    add x9, x9, x10`);
      else if (op === 3) lines.push(x64 ? `    mov qword ptr [rip + ${g}], rax` : `    adrp x10, ${g}\n    str x9, [x10, :lo12:${g}]`);
      else if (op === 4 && f + 1 < functions) {
        const callee = `f${f + 1 + random.int(functions - f - 1)}`;
        lines.push(x64 ? `    push rdi\n    mov rdi, rax\n    call ${callee}\n    pop rdi`
          : `    stp x0, x30, [sp, #-16]!\n    mov x0, x9\n    bl ${callee}\n    mov x9, x0\n    ldp x0, x30, [sp], #16`);
      } else if (op === 5) {
        const label = `f${f}_l${s}`;
        lines.push(x64 ? `    cmp rax, ${n}\n    jb ${label}\n    sub rax, ${1 + random.int(9)}\n${label}:`
          : `    cmp x9, #${n}\n    b.lo ${label}\n    sub x9, x9, #${1 + random.int(9)}\n${label}:`);
      } else {
        lines.push(x64 ? `    xor rax, rsi` : `    eor x9, x9, x1`);
      }
    }
    lines.push(...(x64 ? ['    ret'] : ['    mov x0, x9', '    ret']), '.endfunc', '');
  }
  return lines.join('\n');
}

export type EditKind = 'immediate' | 'insert' | 'delete' | 'helper' | 'global-read' | 'global-write' | 'call' | 'new-global'
  | 'branch' | 'rude-value' | 'rude-size';

export interface SourceEdit {
  kinds: EditKind[];
  text: string;
}

interface Layout {
  lines: string[];
  /** Index of each function's `.func` and `.endfunc` lines. */
  functions: { name: string; start: number; end: number }[];
  /** Data labels with the line of their label and whether the data after it is at least 8 bytes (a .quad or .zero >= 8). */
  globals: { name: string; line: number; wide: boolean; narrow: boolean }[];
  dataLine: number;
}

const stripped = (line: string, arch: Arch) => (arch === 'x64' ? line.replace(/[;#].*$/, '') : line).replace(/\/\/.*$/, '').trim();

function layout(text: string, arch: Arch): Layout {
  const lines = text.split('\n');
  const functions: Layout['functions'] = [];
  const globals: Layout['globals'] = [];
  let section = 'text';
  let dataLine = -1;
  let open: { name: string; start: number } | undefined;
  lines.forEach((raw, i) => {
    const line = stripped(raw, arch);
    if (/^\.data\b/.test(line)) { section = 'data'; dataLine = i; return; }
    if (/^\.text\b/.test(line)) { section = 'text'; return; }
    const func = /^\.func\s+([\w.$]+)/.exec(line);
    if (func) { open = { name: func[1]!, start: i }; return; }
    if (/^\.endfunc\b/.test(line) && open) { functions.push({ ...open, end: i }); open = undefined; return; }
    const label = /^([A-Za-z_.$][\w.$]*):(.*)$/.exec(line);
    if (section === 'data' && label) {
      const next = (label[2]!.trim() || stripped(lines[i + 1] ?? '', arch));
      const size = /^\.quad\b/.test(next) ? 8 : /^\.zero\s+(\d+)/.exec(next) ? Number(/^\.zero\s+(\d+)/.exec(next)![1]) : /^\.(long|word)\b/.test(next) ? 4 : 0;
      globals.push({ name: label[1]!, line: i, wide: size >= 8, narrow: size >= 4 });
    }
  });
  return { lines, functions, globals, dataLine };
}

/** Lines of a function's body that are instructions (no label, no directive, no comment). */
function instructionLines(l: Layout, f: Layout['functions'][number], arch: Arch): number[] {
  const result: number[] = [];
  for (let i = f.start + 1; i < f.end; i++) {
    const line = stripped(l.lines[i]!, arch);
    if (line && !line.endsWith(':') && !line.startsWith('.')) result.push(i);
  }
  return result;
}

// The lines of a block an edit inserts carry a comment: the first BLOCK_START, the others BLOCK_REST.
const BLOCK_START = ' // edit';
const BLOCK_REST = ' // edit, continued';

/** `lines` marked as one block (a single line needs no mark: nothing can come between its parts). */
function block(lines: string[]): string[] {
  return lines.length < 2 ? lines : lines.map((line, i) => line + (i === 0 ? BLOCK_START : BLOCK_REST));
}

const insideBlock = (line: string) => line.endsWith(BLOCK_REST);
const inBlock = (line: string) => line.endsWith(BLOCK_START) || line.endsWith(BLOCK_REST);

let helpers = 0;

/** One random edit of `text` (sometimes two); undefined when the source offers no place for it. */
export function editSource(random: Random, arch: Arch, text: string): SourceEdit | undefined {
  const kinds: EditKind[] = [];
  let current = text;
  const count = random.chance(0.2) ? 2 : 1;
  for (let i = 0; i < count; i++) {
    const result = oneEdit(random, arch, current);
    if (!result) continue;
    kinds.push(result.kind);
    current = result.text;
  }
  return kinds.length === 0 ? undefined : { kinds, text: current };
}

const ARM64_SCRATCH = ['x9', 'x10', 'x11'];

function oneEdit(random: Random, arch: Arch, text: string): { kind: EditKind; text: string } | undefined {
  const l = layout(text, arch);
  if (l.functions.length === 0) return undefined;
  const x64 = arch === 'x64';
  const f = random.pick(l.functions);
  const body = instructionLines(l, f, arch);
  // An insertion goes before an instruction, never between the lines of an earlier edit's block.
  const places = body.filter((i) => !insideBlock(l.lines[i]!));
  const at = places.length > 0 ? random.pick(places) : f.end;
  const insert = (lineIndex: number, ...added: string[]) => {
    const lines = [...l.lines];
    lines.splice(lineIndex, 0, ...block(added));
    return lines.join('\n');
  };
  const n = () => 1 + random.int(100);
  const roll = random.next();
  const kind: EditKind = roll < 0.17 ? 'immediate' : roll < 0.32 ? 'insert' : roll < 0.42 ? 'delete' : roll < 0.52 ? 'helper'
    : roll < 0.62 ? 'global-read' : roll < 0.69 ? 'global-write' : roll < 0.78 ? 'call' : roll < 0.86 ? 'new-global'
      : roll < 0.95 ? 'branch' : roll < 0.98 ? 'rude-value' : 'rude-size';
  switch (kind) {
    case 'immediate': {
      const candidates = body.filter((i) => /(,\s*#?)(\d+)\s*(?:$|[;/#])/.test(l.lines[i]!));
      if (candidates.length === 0) return undefined;
      const i = random.pick(candidates);
      const lines = [...l.lines];
      lines[i] = lines[i]!.replace(/(,\s*#?)(\d+)(\s*(?:$|[;/#]))/, (_m, p: string, v: string, s: string) =>
        `${p}${Math.max(0, Number(v) + random.pick([-3, -1, 1, 2, 7, 50]))}${s}`);
      return { kind, text: lines.join('\n') };
    }
    case 'insert': {
      const options = x64 ? [`    add eax, ${n()}`, `    add rax, ${n()}`, '    xor ecx, ecx', `    imul eax, eax, ${n()}`, '    nop', `    sub rdx, ${n()}`]
        : [`    add x0, x0, #${n()}`, `    add w0, w0, #${n()}`, `    mov ${random.pick(ARM64_SCRATCH)}, #${n()}`, '    nop', `    sub x1, x1, #${n()}`];
      return { kind, text: insert(at, random.pick(options)) };
    }
    case 'delete': {
      const deletable = body.filter((i) => !inBlock(l.lines[i]!));
      if (body.length < 2 || deletable.length === 0) return undefined;
      const lines = [...l.lines];
      lines.splice(random.pick(deletable), 1);
      return { kind, text: lines.join('\n') };
    }
    case 'helper': {
      const name = `helper_${helpers++}`;
      const helper = x64 ? [`.func ${name}`, `    lea rax, [rax + ${n()}]`, '    ret', '.endfunc']
        : [`.func ${name}`, `    add x0, x0, #${n()}`, '    ret', '.endfunc'];
      const call = x64 ? [`    call ${name}`] : ['    stp x29, x30, [sp, #-16]!', `    bl ${name}`, '    ldp x29, x30, [sp], #16'];
      const withCall = insert(at, ...call);
      return { kind, text: `${withCall}\n\n${helper.join('\n')}\n` };
    }
    case 'global-read': case 'global-write': {
      const usable = l.globals.filter((g) => g.narrow);
      if (usable.length === 0) return undefined;
      const g = random.pick(usable);
      const wide = g.wide;
      const read = x64 ? [wide ? `    add rax, qword ptr [rip + ${g.name}]` : `    add eax, dword ptr [rip + ${g.name}]`]
        : ['    adrp x16, ' + g.name, wide ? `    ldr x17, [x16, :lo12:${g.name}]` : `    ldr w17, [x16, :lo12:${g.name}]`, '    add x0, x0, x17'];
      const write = x64 ? [wide ? `    mov qword ptr [rip + ${g.name}], rax` : `    mov dword ptr [rip + ${g.name}], eax`]
        : ['    adrp x16, ' + g.name, wide ? `    str x0, [x16, :lo12:${g.name}]` : `    str w0, [x16, :lo12:${g.name}]`];
      return { kind, text: insert(at, ...(kind === 'global-read' ? read : write)) };
    }
    case 'call': {
      // A leaf function (no calls), so no recursion comes of it.
      const leaves = l.functions.filter((g) => g.name !== f.name &&
        !l.lines.slice(g.start, g.end).some((line) => /\b(call|bl|syscall|svc)\b/.test(stripped(line, arch))));
      if (leaves.length === 0) return undefined;
      const callee = random.pick(leaves).name;
      const call = x64 ? [`    call ${callee}`] : ['    stp x29, x30, [sp, #-16]!', `    bl ${callee}`, '    ldp x29, x30, [sp], #16'];
      return { kind, text: insert(at, ...call) };
    }
    case 'new-global': {
      const name = `added_${helpers++}`;
      // Read it into the result, and count the reads in it.
      const read = x64 ? [`    add rax, qword ptr [rip + ${name}]`, `    inc qword ptr [rip + ${name}]`]
        : [`    adrp x16, ${name}`, `    ldr x17, [x16, :lo12:${name}]`, '    add x0, x0, x17', '    add x17, x17, #1',
          `    str x17, [x16, :lo12:${name}]`];
      const withRead = l.lines.slice();
      withRead.splice(at, 0, ...block(read));
      const data = ['.data', `${name}:`, `    .quad ${random.int(100_000)}`, '.text'];
      return { kind, text: `${withRead.join('\n')}\n${data.join('\n')}\n` };
    }
    case 'branch': {
      const flips: [RegExp, string][] = x64
        ? [[/\bjb\b/, 'jae'], [/\bjae\b/, 'jb'], [/\bja\b/, 'jbe'], [/\bjbe\b/, 'ja'], [/\bjnz\b/, 'jz'], [/\bjz\b/, 'jnz'], [/\bjne\b/, 'je'], [/\bje\b/, 'jne']]
        : [[/\bb\.lo\b/, 'b.hs'], [/\bb\.hs\b/, 'b.lo'], [/\bb\.hi\b/, 'b.ls'], [/\bb\.ls\b/, 'b.hi'], [/\bb\.ne\b/, 'b.eq'], [/\bb\.eq\b/, 'b.ne'],
          [/\bcbz\b/, 'cbnz'], [/\bcbnz\b/, 'cbz']];
      const candidates = body.filter((i) => flips.some(([p]) => p.test(stripped(l.lines[i]!, arch))));
      if (candidates.length === 0) return undefined;
      const i = random.pick(candidates);
      const [pattern, replacement] = flips.find(([p]) => p.test(stripped(l.lines[i]!, arch)))!;
      const lines = [...l.lines];
      lines[i] = lines[i]!.replace(pattern, replacement);
      return { kind, text: lines.join('\n') };
    }
    case 'rude-value': case 'rude-size': {
      if (l.globals.length === 0) return undefined;
      const g = random.pick(l.globals);
      const lines = [...l.lines];
      const target = stripped(lines[g.line]!, arch).endsWith(':') ? g.line + 1 : g.line;
      if (kind === 'rude-size') {
        lines.splice(target + 1, 0, '    .quad 0');
      } else {
        const replaced = lines[target]!.replace(/(\.(?:quad|long|word|byte)\s+)(\d+)/, (_m, p: string, v: string) => `${p}${Number(v) + 1}`);
        if (replaced === lines[target]) return undefined;
        lines[target] = replaced;
      }
      return { kind, text: lines.join('\n') };
    }
  }
}
