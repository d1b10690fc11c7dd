// Random x86-64 programs for lockstep runs: Intel-syntax statements drawn from templates (random
// registers of every width, immediates, memory operands into a mapped data area, flag producers
// before flag consumers, balanced stack use, bounded loops, calls, string instructions, SSE moves, the
// integer SSE2, SSSE3 and SSE4 operations), assembled by Keystone.
//
// Registers r12 and r13 always point into the data area and r14 holds a small index, so every
// generated memory operand stays mapped; no template writes them (or rsp, except through the stack
// instructions, which keep it inside the stack area).
import { hex } from '../../core/hex.ts';

export const X64_CODE = 0x10_0000;
export const X64_DATA = 0x20_0000;
export const X64_DATA_SIZE = 0x2000;
export const X64_STACK = 0x30_0000;
export const X64_STACK_SIZE = 0x1_0000;
/** Initial rsp: the middle of the stack area, so pushes and enter frames both fit. */
export const X64_STACK_POINTER = X64_STACK + 0x8000;
export const BASE_A = X64_DATA + 0x400; // r12, 16-byte aligned
export const BASE_B = X64_DATA + 0xc00; // r13, 16-byte aligned

/** A deterministic generator (xorshift64*). */
export class Random {
  private state: bigint;
  constructor(seed: number) {
    this.state = (BigInt(seed) * 0x9e3779b97f4a7c15n + 0x2545f4914f6cdd1dn) & 0xffff_ffff_ffff_ffffn || 1n;
  }
  next64(): bigint {
    let x = this.state;
    x ^= x >> 12n;
    x ^= (x << 25n) & 0xffff_ffff_ffff_ffffn;
    x ^= x >> 27n;
    this.state = x;
    return (x * 0x2545f4914f6cdd1dn) & 0xffff_ffff_ffff_ffffn;
  }
  int(n: number): number {
    return Number(this.next64() % BigInt(n));
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.int(1_000_000) < p * 1_000_000;
  }
  /** A value of `bits` bits: edges, small numbers, single bits, or anything. */
  value(bits: number): bigint {
    const mask = (1n << BigInt(bits)) - 1n;
    switch (this.int(6)) {
      case 0: return this.pick([0n, 1n, 2n, mask, mask >> 1n, (mask >> 1n) + 1n, mask - 1n]);
      case 1: return BigInt(this.int(256));
      case 2: return (1n << BigInt(this.int(bits))) & mask;
      case 3: return (mask - BigInt(this.int(256))) & mask;
      default: return this.next64() & mask;
    }
  }
}

const GPR64 = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
const GPR32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'r8d', 'r9d', 'r10d', 'r11d', 'r12d', 'r13d', 'r14d', 'r15d'];
const GPR16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di', 'r8w', 'r9w', 'r10w', 'r11w', 'r12w', 'r13w', 'r14w', 'r15w'];
const GPR8 = ['al', 'cl', 'dl', 'bl', 'spl', 'bpl', 'sil', 'dil', 'r8b', 'r9b', 'r10b', 'r11b', 'r12b', 'r13b', 'r14b', 'r15b'];
const HIGH8 = ['ah', 'ch', 'dh', 'bh'];
/** Registers no template may write: the stack pointer and the memory-operand bases and index. */
const RESERVED = new Set([4, 12, 13, 14]);
const WRITABLE = [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 15];

export type Width = 8 | 16 | 32 | 64;
const WIDTHS: Width[] = [8, 16, 32, 64];
const PTR: Record<Width, string> = { 8: 'byte', 16: 'word', 32: 'dword', 64: 'qword' };

function regName(n: number, width: Width): string {
  return (width === 64 ? GPR64 : width === 32 ? GPR32 : width === 16 ? GPR16 : GPR8)[n]!;
}

const CONDITIONS = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g',
  'c', 'nc', 'z', 'nz', 'nae', 'nb', 'na', 'nbe', 'pe', 'po', 'nge', 'nl', 'ng', 'nle'];

/** endbr64, which Keystone does not know. */
const ENDBR64 = '.byte 0xf3, 0x0f, 0x1e, 0xfa';

/** The nops of 2 to 15 bytes compilers and assemblers pad with (operand-size and segment prefixes included). */
const MULTI_BYTE_NOPS = [
  '.byte 0x66, 0x90', '.byte 0x0f, 0x1f, 0x00', '.byte 0x0f, 0x1f, 0x40, 0x00', '.byte 0x0f, 0x1f, 0x44, 0x00, 0x00',
  '.byte 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00', '.byte 0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00',
  '.byte 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00', '.byte 0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00',
  '.byte 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00',
  ...[2, 3, 4, 5, 6].map((n) => `.byte ${Array(n).fill('0x66').join(', ')}, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00`),
  'nop dword ptr [rax]', 'nop word ptr [rax + rax]', 'nop dword ptr [r12 + r14*8 + 0x100]',
];

/** Instructions that end a run: a breakpoint, a halt, a system call, an undefined opcode, a software interrupt. */
const TRAPS = ['int3', 'hlt', 'syscall', 'ud2', 'int 0x80'];

/** The templates and their share of a mixed program, in percent. */
const TEMPLATE_SHARES: [string, number][] = [
  ['alu', 14], ['move', 8], ['unary', 5], ['shift', 8], ['multiply-divide', 6], ['bit', 5], ['condition', 7],
  ['flow', 7], ['stack', 6], ['string', 5], ['atomic', 6], ['misc', 4], ['sse', 8], ['sse-more', 2], ['sse4', 2],
  ['flag', 7],
];
export const TEMPLATE_NAMES = TEMPLATE_SHARES.map(([name]) => name);

function pickByShare(percent: number): string {
  for (const [name, share] of TEMPLATE_SHARES) {
    if (percent < share) return name;
    percent -= share;
  }
  throw new Error('the template shares do not add up to 100');
}

/** Builds the statements of one program; `size` is about how many random instructions it has. */
export class ProgramBuilder {
  private readonly lines: string[] = [];
  private readonly subroutines: string[] = [];
  private labels = 0;
  private stackDepth = 0;

  constructor(private readonly rng: Random) {}

  private label(): string {
    return `L${this.labels++}`;
  }

  private emit(line: string): void {
    this.lines.push(line);
  }

  /** A register operand to write: not reserved; 8-bit ones may be AH..BH when `allowHigh`. */
  private dst(width: Width, allowHigh = false): string {
    if (width === 8 && allowHigh && this.rng.chance(0.15)) return this.rng.pick(HIGH8);
    return regName(this.rng.pick(WRITABLE), width);
  }

  /** A register operand to read: any register. */
  private src(width: Width, allowHigh = false): string {
    if (width === 8 && allowHigh && this.rng.chance(0.15)) return this.rng.pick(HIGH8);
    return regName(this.rng.int(16), width);
  }

  /**
   * Two registers for one instruction (AH..BH cannot share one with a REX register); the second is
   * writable too when `bothWritten` (xchg, xadd).
   */
  private pair(width: Width, bothWritten = false): [string, string] {
    if (width === 8 && this.rng.chance(0.3)) {
      const legacy = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'];
      return [this.rng.pick(legacy), this.rng.pick(legacy)];
    }
    return [this.dst(width), bothWritten ? this.dst(width) : this.src(width)];
  }

  /** A memory operand of `width` bits inside the data area (or code, for RIP-relative reads). */
  mem(width: Width | 128, readOnly = false, alignment = 1): string {
    const ptr = width === 128 ? 'xmmword' : PTR[width];
    const disp = (this.rng.int(0x3f0 / alignment) * alignment);
    const base = this.rng.pick(['r12', 'r13']);
    const form = this.rng.int(8);
    switch (form) {
      case 0: return `${ptr} ptr [${base}]`;
      case 1: return `${ptr} ptr [${base} + ${hex(disp)}]`;
      case 2: {
        if (alignment > 1) return `${ptr} ptr [${base} + ${hex(disp)}]`;
        return `${ptr} ptr [${base} + r14*${this.rng.pick([1, 2, 4, 8])} + ${hex(disp)}]`;
      }
      case 3: return `${ptr} ptr [${base} - ${hex(this.rng.int(0x100 / alignment) * alignment)}]`;
      case 4: return `${ptr} ptr [${hex(X64_DATA + 0x1000 + disp)}]`;
      case 5: {
        if (alignment > 1) return `${ptr} ptr [${base} + ${hex(disp)}]`;
        return `${ptr} ptr [${base} + r14 + ${hex(this.rng.int(0x200))}]`;
      }
      case 6: {
        if (alignment > 1) return `${ptr} ptr [${base} + ${hex(disp)}]`;
        if (readOnly) return `${ptr} ptr [rip + ${hex(this.rng.int(0x40))}]`; // reads the code itself
        return this.ripData(ptr);
      }
      default: {
        if (alignment > 1) return `${ptr} ptr [${base} + ${hex(disp)}]`;
        return this.ripData(ptr);
      }
    }
  }

  /**
   * A RIP-relative operand into the data area: the code is 1 MiB below it, and programs are short
   * enough that the next instruction's address plus this stays inside it.
   */
  private ripData(ptr: string): string {
    return `${ptr} ptr [rip + 0x${(X64_DATA - X64_CODE + this.rng.int(0x400)).toString(16)}]`;
  }

  /** 16 for operands that must be aligned; now and then 1, so the #GP for a misaligned one is checked too. */
  private sseAlignment(misaligned = 0.03): number {
    return this.rng.chance(misaligned) ? 1 : 16;
  }

  private imm(width: Width): string {
    const value = this.rng.value(width === 64 ? 32 : width);
    // Keystone wants 64-bit immediates sign-extended from 32 bits; give it small or negative forms.
    if (width === 64) return this.rng.chance(0.5) ? '0x' + (value & 0x7fff_ffffn).toString(16) : '-' + (BigInt(this.rng.int(1 << 30)) + 1n);
    return '0x' + value.toString(16);
  }

  private width(): Width {
    return this.rng.pick(WIDTHS);
  }

  /** Adds one template's worth of instructions: any template by its share, or one of `only`. */
  step(only?: readonly string[]): void {
    const name = only ? this.rng.pick(only) : pickByShare(this.rng.int(100));
    const template = {
      alu: this.aluTemplate, move: this.moveTemplate, unary: this.unaryTemplate, shift: this.shiftTemplate,
      'multiply-divide': this.multiplyDivideTemplate, bit: this.bitTemplate, condition: this.conditionTemplate,
      flow: this.flowTemplate, stack: this.stackTemplate, string: this.stringTemplate, atomic: this.atomicTemplate,
      misc: this.miscTemplate, sse: this.sseTemplate, 'sse-more': this.sseMoreTemplate, sse4: this.sse4Template,
      flag: this.flagTemplate,
    }[name];
    if (!template) throw new Error(`no template named ${name}`);
    template.call(this);
  }

  private aluTemplate(): void {
    const r = this.rng;
    const op = r.pick(['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp', 'test']);
    const w = this.width();
    const form = r.int(5);
    if (form === 0) {
      const [a, b] = this.pair(w);
      this.emit(`${op} ${a}, ${b}`);
    } else if (form === 1) {
      this.emit(`${op} ${this.dst(w)}, ${this.mem(w, true)}`);
    } else if (form === 2) {
      const lock = op !== 'cmp' && op !== 'test' && r.chance(0.3) ? 'lock ' : '';
      this.emit(`${lock}${op} ${this.mem(w)}, ${this.src(w)}`);
    } else if (form === 3) {
      this.emit(`${op} ${this.dst(w)}, ${this.imm(w)}`);
    } else {
      // sign-extended imm8 forms
      const small = r.int(256) - 128;
      this.emit(`${op} ${r.chance(0.5) ? this.dst(w) : this.mem(w)}, ${small}`);
    }
  }

  private moveTemplate(): void {
    const r = this.rng;
    const w = this.width();
    switch (r.int(10)) {
      case 0: { const [a, b] = this.pair(w); this.emit(`mov ${a}, ${b}`); break; }
      case 1: this.emit(`mov ${this.dst(w)}, ${this.mem(w, true)}`); break;
      case 2: this.emit(`mov ${this.mem(w)}, ${this.src(w)}`); break;
      case 3: this.emit(`mov ${this.dst(w)}, ${w === 64 ? '0x' + r.value(64).toString(16) : this.imm(w)}`); break;
      case 4: this.emit(`mov ${this.mem(w)}, ${this.imm(w)}`); break;
      case 5: {
        const to = r.pick<Width>([16, 32, 64]);
        const from = r.pick<Width>(to === 16 ? [8] : [8, 16]);
        const op = r.pick(['movzx', 'movsx']);
        this.emit(`${op} ${this.dst(to)}, ${r.chance(0.5) ? this.src(from, false) : this.mem(from, true)}`);
        break;
      }
      case 6: this.emit(`movsxd ${this.dst(64)}, ${r.chance(0.5) ? this.src(32) : this.mem(32, true)}`); break;
      case 7: {
        const to = r.pick<Width>([16, 32, 64]);
        this.emit(`lea ${this.dst(to)}, ${this.mem(64, true).replace(/^\w+ ptr /, '')}`);
        break;
      }
      case 8: {
        const [a, b] = this.pair(w, true);
        const lock = r.chance(0.3) ? 'lock ' : ''; // xchg with memory locks anyway; the prefix is allowed
        this.emit(r.chance(0.5) ? `xchg ${a}, ${b}` : `${lock}xchg ${this.mem(w)}, ${this.dst(w)}`);
        break;
      }
      default: this.emit(r.pick(['cbw', 'cwde', 'cdqe', 'cwd', 'cdq', 'cqo', `bswap ${this.dst(r.pick<Width>([32, 64]))}`]));
    }
  }

  private unaryTemplate(): void {
    const r = this.rng;
    const op = r.pick(['inc', 'dec', 'neg', 'not']);
    const w = this.width();
    const lock = r.chance(0.3) ? 'lock ' : '';
    this.emit(r.chance(0.6) ? `${op} ${this.dst(w, true)}` : `${lock}${op} ${this.mem(w)}`);
  }

  private shiftTemplate(): void {
    const r = this.rng;
    const w = this.width();
    const target = r.chance(0.7) ? this.dst(w) : this.mem(w);
    if (r.chance(0.25)) {
      const op = r.pick(['shld', 'shrd']);
      const ww = r.pick<Width>([16, 32, 64]);
      const target2 = r.chance(0.7) ? this.dst(ww) : this.mem(ww);
      // A 16-bit operand shifted by more than 16 has an undefined result: not checkable where Unicorn
      // also mislocates the operand (RIP-relative with a count byte; Keystone makes absolute
      // addresses RIP-relative too).
      const limit = ww === 64 ? 63 : ww === 16 && /\[(rip|0x)/.test(target2) ? 15 : 31;
      const count = r.chance(0.5) ? 'cl' : String(r.pick([0, 1, 2, r.int(64)]) & limit);
      if (count === 'cl') this.emit(`mov cl, ${r.pick([0, 1, 2, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, r.int(256)])}`);
      this.emit(`${op} ${target2}, ${this.src(ww, false)}, ${count}`);
      return;
    }
    const op = r.pick(['rol', 'ror', 'rcl', 'rcr', 'shl', 'sal', 'shr', 'sar']);
    switch (r.int(3)) {
      case 0: this.emit(`${op} ${target}, 1`); break;
      case 1: this.emit(`${op} ${target}, ${r.pick([0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, r.int(256)])}`); break;
      default:
        this.emit(`mov cl, ${r.pick([0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, r.int(256)])}`);
        this.emit(`${op} ${target.replace(/^cl$/, 'dl')}, cl`);
    }
  }

  private multiplyDivideTemplate(): void {
    const r = this.rng;
    const w = this.width();
    switch (r.int(6)) {
      case 0: this.emit(`${r.pick(['mul', 'imul'])} ${r.chance(0.6) ? this.src(w) : this.mem(w, true)}`); break;
      case 1: {
        if (w === 8) break;
        this.emit(`imul ${this.dst(w, false)}, ${r.chance(0.6) ? this.src(w, false) : this.mem(w, true)}`);
        break;
      }
      case 2: {
        if (w === 8) break;
        const immediate = r.chance(0.5) ? String(r.int(256) - 128) : this.imm(w);
        this.emit(`imul ${this.dst(w, false)}, ${r.chance(0.6) ? this.src(w, false) : this.mem(w, true)}, ${immediate}`);
        break;
      }
      default: {
        // A divisor that is not zero, and a dividend whose quotient fits, most of the time.
        const signed = r.chance(0.5);
        const divisor = regName(r.pick([1, 3, 5, 6, 7, 8, 9, 10, 11, 15]), w);
        this.emit(`mov ${divisor}, ${this.imm(w)}`);
        if (r.chance(0.9)) this.emit(`or ${divisor}, ${signed && r.chance(0.5) ? -2 : 1}`);
        if (w === 8) this.emit(signed ? 'cbw' : 'movzx ax, al');
        else if (r.chance(0.9)) this.emit(signed ? { 16: 'cwd', 32: 'cdq', 64: 'cqo' }[w] : `xor edx, edx`);
        if (r.chance(0.3)) {
          const slot = `${PTR[w]} ptr [r12 + ${8 * r.int(16)}]`;
          this.emit(`mov ${slot}, ${divisor}`);
          this.emit(`${signed ? 'idiv' : 'div'} ${slot}`);
        } else {
          this.emit(`${signed ? 'idiv' : 'div'} ${divisor}`);
        }
      }
    }
  }

  private bitTemplate(): void {
    const r = this.rng;
    const w = r.pick<Width>([16, 32, 64]);
    switch (r.int(4)) {
      case 0: {
        const op = r.pick(['bt', 'bts', 'btr', 'btc']);
        const lock = op !== 'bt' && r.chance(0.3) ? 'lock ' : '';
        // Keystone takes the bit number as a signed byte.
        if (r.chance(0.5)) this.emit(`${op} ${this.dst(w)}, ${r.int(256) - 128}`);
        else this.emit(`${lock}${op} ${this.mem(w)}, ${r.int(256) - 128}`);
        break;
      }
      case 1: {
        const op = r.pick(['bt', 'bts', 'btr', 'btc']);
        if (r.chance(0.5)) {
          const [a, b] = this.pair(w);
          this.emit(`${op} ${a}, ${b}`);
        } else {
          // A bit offset that reaches a little before or after the operand.
          const offset = regName(r.pick([0, 1, 2, 3, 5, 6, 7]), w);
          this.emit(`mov ${offset}, ${r.int(1024) - 256}`);
          this.emit(`${op} ${w === 16 ? 'word' : w === 32 ? 'dword' : 'qword'} ptr [r13 + ${r.int(0x100)}], ${offset}`);
        }
        break;
      }
      default: {
        // Unicorn refuses popcnt; the lockstep checks the WASM CPU's result against the manual's rule.
        const op = r.pick(['bsf', 'bsr', 'tzcnt', 'lzcnt', 'popcnt']);
        let source = r.chance(0.6) ? this.src(w) : this.mem(w, true);
        if (r.chance(0.2)) {
          this.emit('xor eax, eax'); // a zero source
          source = regName(0, w);
        }
        this.emit(`${op} ${this.dst(w)}, ${source}`);
      }
    }
  }

  private conditionTemplate(): void {
    const r = this.rng;
    const cc = r.pick(CONDITIONS);
    this.flagProducer();
    switch (r.int(3)) {
      case 0: this.emit(`set${cc} ${r.chance(0.7) ? this.dst(8) : this.mem(8)}`); break;
      case 1: {
        const w = r.pick<Width>([16, 32, 64]);
        this.emit(`cmov${cc} ${this.dst(w)}, ${r.chance(0.6) ? this.src(w) : this.mem(w, true)}`);
        break;
      }
      default: {
        const skip = this.label();
        this.emit(`j${cc} ${skip}`);
        this.aluTemplate();
        this.emit(`${skip}:`);
      }
    }
  }

  /** An instruction that sets the flags some following instruction reads. */
  private flagProducer(): void {
    const r = this.rng;
    const w = this.width();
    const [a, b] = this.pair(w);
    switch (r.int(4)) {
      case 0: this.emit(`cmp ${a}, ${r.chance(0.5) ? b : this.imm(w)}`); break;
      case 1: this.emit(`test ${a}, ${b}`); break;
      case 2: this.emit(`${r.pick(['add', 'sub', 'and', 'xor', 'or', 'adc', 'sbb'])} ${a}, ${b}`); break;
      default: this.emit(`${r.pick(['inc', 'dec', 'neg'])} ${a}`);
    }
  }

  private flowTemplate(): void {
    const r = this.rng;
    switch (r.int(6)) {
      case 0: {
        // A counted loop with a body that leaves rcx alone.
        const top = this.label();
        this.emit(`mov ecx, ${1 + r.int(5)}`);
        this.emit(`${top}:`);
        for (let i = r.int(3); i >= 0; i--) this.emit(`add ${this.dst(64)}, ${r.int(100)}`.replace(/rcx/, 'rax'));
        this.emit(r.chance(0.5) ? `loop ${top}` : `dec ecx\njnz ${top}`);
        break;
      }
      case 1: {
        const after = this.label();
        this.emit(`${r.pick(['jrcxz', 'jecxz'])} ${after}`);
        this.emit(`inc ${this.dst(32)}`);
        this.emit(`${after}:`);
        break;
      }
      case 2: {
        const target = this.subroutine();
        this.emit(`call ${target}`);
        break;
      }
      case 3: {
        const target = this.subroutine();
        const via = this.dst(64);
        this.emit(`lea ${via}, [rip + ${target}]`);
        this.emit(r.chance(0.5) ? `call ${via}` : `mov qword ptr [r12 + 0x3f8], ${via}\ncall qword ptr [r12 + 0x3f8]`);
        break;
      }
      case 4: {
        const after = this.label();
        const via = this.dst(64);
        this.emit(`lea ${via}, [rip + ${after}]`);
        this.emit(r.chance(0.5) ? `jmp ${via}` : `mov qword ptr [r13 + 0x3f8], ${via}\njmp qword ptr [r13 + 0x3f8]`);
        this.emit(`inc ${this.dst(32)}`);
        this.emit(`${after}:`);
        break;
      }
      default: {
        const after = this.label();
        this.emit(`jmp ${after}`);
        this.emit(`ud2`);
        this.emit(`${after}:`);
      }
    }
  }

  /** A small function placed after the program's end; returns its label. */
  private subroutine(): string {
    const name = this.label();
    const r = this.rng;
    const body: string[] = [`${name}:`];
    for (let i = r.int(3); i >= 0; i--) body.push(`${r.pick(['add', 'xor', 'sub'])} ${this.dst(64)}, ${r.int(1000)}`);
    body.push(r.pick(['ret', 'ret', 'ret', 'ret 0', '.byte 0xf3, 0xc3'])); // the last is "rep ret", which older gcc emits
    this.subroutines.push(...body);
    return name;
  }

  private stackTemplate(): void {
    const r = this.rng;
    switch (r.int(6)) {
      case 0: case 1: {
        if (this.stackDepth < 32 && r.chance(0.6)) {
          const what = r.int(4);
          this.emit(what === 0 ? `push ${this.src(64)}` : what === 1 ? `push ${r.chance(0.5) ? r.int(256) - 128 : this.imm(32)}`
            : what === 2 ? `push ${this.mem(64, true)}` : `push ${this.src(16, false)}`);
          this.stackDepth += what === 3 ? 0.25 : 1;
          if (what === 3) this.emit(`pop ${this.dst(16, false)}`);
        } else if (this.stackDepth >= 1) {
          this.emit(r.chance(0.7) ? `pop ${this.dst(64)}` : `pop ${this.mem(64)}`);
          this.stackDepth -= 1;
        }
        break;
      }
      case 2: {
        this.emit(`push ${this.src(64)}`);
        this.emit(`${r.pick(['add', 'xor', 'sub'])} qword ptr [rsp], ${r.int(100)}`);
        this.emit(`pop ${this.dst(64)}`);
        break;
      }
      case 3: {
        // enter with a nesting level copies frame pointers from rbp: point rbp at the stack first.
        const level = r.pick([0, 0, 1, 2, 3]);
        this.emit('mov rbp, rsp');
        this.emit(`enter ${r.int(64) * 8}, ${level}`);
        this.emit(`mov qword ptr [rbp - 8], ${this.src(64)}`);
        this.emit('leave');
        break;
      }
      case 4: {
        this.emit('pushfq');
        this.emit(`pop ${this.dst(64)}`);
        break;
      }
      default: {
        // popfq of arithmetic flags and DF only (TF would single-step), then DF cleared again.
        const value = this.rng.value(64) & 0xcd5n;
        this.emit(`push ${value}`);
        this.emit('popfq');
        this.emit('cld');
      }
    }
  }

  private stringTemplate(): void {
    const r = this.rng;
    const suffix = r.pick(['b', 'w', 'd', 'q']);
    const count = r.pick([0, 1, 2, 3, 5, 8, 17]);
    const down = r.chance(0.25);
    const op = r.pick(['movs', 'stos', 'lods', 'cmps', 'scas']);
    const rep = op === 'cmps' || op === 'scas' ? r.pick(['', 'repe ', 'repne ']) : r.pick(['', 'rep ']);
    const start = down ? 8 * 17 + r.int(64) : r.int(64);
    this.emit(`lea rsi, [r12 + ${start}]`);
    this.emit(`lea rdi, [r13 + ${start + (r.chance(0.3) ? 0 : r.int(16))}]`);
    if (op === 'cmps' && r.chance(0.5)) this.emit(`lea rdi, [r12 + ${start}]`); // equal runs
    this.emit(`mov ecx, ${count}`);
    if (down) this.emit('std');
    // Keystone does not know the string form of movsd: give its bytes.
    if (op === 'movs' && suffix === 'd') this.emit(rep ? '.byte 0xf3, 0xa5' : '.byte 0xa5');
    else this.emit(`${rep}${op}${suffix}`);
    if (down) this.emit('cld');
  }

  private atomicTemplate(): void {
    const r = this.rng;
    const w = this.width();
    const lock = r.chance(0.5) ? 'lock ' : '';
    switch (r.int(4)) {
      case 0: {
        if (r.chance(0.5)) {
          const [a, b] = this.pair(w);
          this.emit(`cmpxchg ${a}, ${b}`);
        } else {
          const target = this.mem(w);
          if (r.chance(0.5)) this.emit(`mov ${regName(0, w)}, ${target}`); // a match
          this.emit(`${lock}cmpxchg ${target}, ${this.src(w, false)}`);
        }
        break;
      }
      case 1: {
        if (r.chance(0.5)) {
          const [a, b] = this.pair(w, true);
          this.emit(`xadd ${a}, ${b}`);
        } else this.emit(`${lock}xadd ${this.mem(w)}, ${this.dst(w, false)}`);
        break;
      }
      case 2: {
        const sixteen = r.chance(0.5);
        const target = sixteen ? `xmmword ptr [r12 + ${16 * r.int(32)}]` : `qword ptr [r13 + ${8 * r.int(64)}]`;
        if (r.chance(0.5)) {
          this.emit(`mov rax, qword ptr [${sixteen ? 'r12' : 'r13'} + ${0}]`);
        }
        this.emit(`${lock}${sixteen ? 'cmpxchg16b' : 'cmpxchg8b'} ${target.replace(/^xmmword ptr /, 'xmmword ptr ')}`);
        break;
      }
      default: this.emit(`${lock}${r.pick(['add', 'sub', 'or', 'and', 'xor'])} ${this.mem(w)}, ${this.src(w)}`);
    }
  }

  private miscTemplate(): void {
    const r = this.rng;
    switch (r.int(5)) {
      case 0: this.emit(r.pick(['nop', 'pause', 'mfence', 'lfence', 'sfence', ENDBR64, this.rng.pick(MULTI_BYTE_NOPS)])); break;
      case 1: this.emit('lea rbx, [r12 + 0x40]\nxlatb'); break;
      case 2: this.emit(r.pick(['lahf', 'sahf'])); break;
      case 3: this.emit(`prefetcht0 ${this.mem(8, true)}`); break;
      default: {
        // The accumulator to or from an absolute 64-bit address (moffs).
        const w = this.width();
        const address = '0x' + (X64_DATA + r.int(0x1000)).toString(16);
        const accumulator = regName(0, w);
        this.emit(r.chance(0.5) ? `movabs ${accumulator}, ${PTR[w]} ptr [${address}]` : `movabs ${PTR[w]} ptr [${address}], ${accumulator}`);
      }
    }
  }

  private flagTemplate(): void {
    const r = this.rng;
    const w = this.width();
    this.emit(r.pick(['clc', 'stc', 'cmc']));
    if (r.chance(0.5)) this.emit(`${r.pick(['adc', 'sbb'])} ${this.dst(w)}, ${r.chance(0.5) ? this.src(w) : this.imm(w)}`);
    else this.emit(`${r.pick(['rcl', 'rcr'])} ${this.dst(w)}, ${r.pick(['1', '3', 'cl'])}`);
  }

  private sseTemplate(): void {
    const r = this.rng;
    const x = () => `xmm${r.int(16)}`;
    switch (r.int(10)) {
      case 0: this.emit(`${r.pick(['movdqu', 'movups', 'movupd'])} ${x()}, ${r.chance(0.5) ? x() : this.mem(128, true)}`); break;
      case 1: this.emit(`${r.pick(['movdqu', 'movups', 'movupd'])} ${this.mem(128)}, ${x()}`); break;
      case 2: this.emit(`${r.pick(['movdqa', 'movaps', 'movapd'])} ${x()}, ${r.chance(0.5) ? x() : this.mem(128, true, this.sseAlignment())}`); break;
      case 3: this.emit(`${r.pick(['movdqa', 'movaps', 'movapd', 'movntdq', 'movntps'])} ${this.mem(128, false, this.sseAlignment())}, ${x()}`); break;
      case 4: {
        const forms = [
          `movq ${x()}, ${this.src(64)}`, `movq ${this.dst(64)}, ${x()}`, `movd ${x()}, ${this.src(32)}`,
          `movd ${this.dst(32)}, ${x()}`, `movq ${x()}, ${x()}`, `movq ${x()}, ${this.mem(64, true)}`,
          `movq ${this.mem(64)}, ${x()}`, `movd ${x()}, ${this.mem(32, true)}`, `movd ${this.mem(32)}, ${x()}`,
          `movss ${x()}, ${this.mem(32, true)}`, `movsd ${x()}, ${this.mem(64, true)}`, `movss ${x()}, ${x()}`,
          `movsd ${x()}, ${x()}`, `movss ${this.mem(32)}, ${x()}`, `movsd ${this.mem(64)}, ${x()}`,
          `movlps ${x()}, ${this.mem(64, true)}`, `movhps ${x()}, ${this.mem(64, true)}`, `movlpd ${this.mem(64)}, ${x()}`,
          `movhpd ${this.mem(64)}, ${x()}`, `movhlps ${x()}, ${x()}`, `movlhps ${x()}, ${x()}`,
          `movnti ${this.mem(64)}, ${this.src(64)}`, `pmovmskb ${this.dst(32)}, ${x()}`,
        ];
        this.emit(r.pick(forms));
        break;
      }
      case 5: case 6: case 7: {
        const op = r.pick(['pxor', 'por', 'pand', 'pandn', 'xorps', 'xorpd', 'andps', 'orps', 'andnps', 'paddb', 'paddw',
          'paddd', 'paddq', 'psubb', 'psubw', 'psubd', 'psubq', 'pmullw', 'pmuludq', 'pcmpeqb', 'pcmpeqw', 'pcmpeqd',
          'pcmpgtb', 'pcmpgtw', 'pcmpgtd', 'punpcklbw', 'punpcklwd', 'punpckldq', 'punpcklqdq', 'punpckhbw',
          'punpckhwd', 'punpckhdq', 'punpckhqdq', 'packuswb', 'packsswb', 'packssdw', 'pminub', 'pmaxub', 'psubusb',
          'paddusb', 'psrlw', 'psrld', 'psrlq', 'psraw', 'psrad', 'psllw', 'pslld', 'psllq']);
        this.emit(`${op} ${x()}, ${r.chance(0.7) ? x() : this.mem(128, true, this.sseAlignment())}`);
        break;
      }
      case 8: {
        const op = r.pick(['pshufd', 'pshuflw', 'pshufhw', 'shufps', 'shufpd']);
        this.emit(`${op} ${x()}, ${r.chance(0.7) ? x() : this.mem(128, true, this.sseAlignment())}, ${r.int(256)}`);
        break;
      }
      default: {
        const op = r.pick(['psrlw', 'psrld', 'psrlq', 'psraw', 'psrad', 'psllw', 'pslld', 'psllq', 'psrldq', 'pslldq']);
        this.emit(`${op} ${x()}, ${r.pick([0, 1, 3, 7, 8, 15, 16, 31, 32, 63, 64, r.int(256)])}`);
      }
    }
  }

  /** The SSE2 integer operations beyond the basic ones, and the bit-exact moves of the FP types. */
  private sseMoreTemplate(): void {
    const r = this.rng;
    const x = () => `xmm${r.int(16)}`;
    const m128 = () => r.chance(0.7) ? x() : this.mem(128, true, this.sseAlignment(0.008));
    switch (r.int(8)) {
      case 0: case 1: case 2: {
        const op = r.pick(['paddsb', 'paddsw', 'psubsb', 'psubsw', 'paddusw', 'psubusw', 'pavgb', 'pavgw', 'pmulhuw',
          'pmulhw', 'pminsw', 'pmaxsw', 'pmaddwd', 'psadbw', 'unpcklps', 'unpckhps', 'unpcklpd', 'unpckhpd',
          'movsldup', 'movshdup', 'cvttps2dq']);
        this.emit(`${op} ${x()}, ${m128()}`);
        break;
      }
      case 3: this.emit(`pinsrw ${x()}, ${r.chance(0.6) ? this.src(32) : this.mem(16, true)}, ${r.int(256)}`); break;
      case 4: {
        const op = r.pick(['pextrw', 'movmskps', 'movmskpd']);
        this.emit(`${op} ${this.dst(r.chance(0.5) ? 32 : 64)}, ${x()}${op === 'pextrw' ? `, ${r.int(256)}` : ''}`);
        break;
      }
      case 5: this.emit(`movddup ${x()}, ${r.chance(0.6) ? x() : this.mem(64, true)}`); break;
      case 6: this.emit(`lddqu ${x()}, ${this.mem(128, true)}`); break;
      default: {
        // maskmovdqu stores through rdi: point it into the data area first
        this.emit(`lea rdi, [${r.pick(['r12', 'r13'])} + ${hex(r.int(0x3f0))}]`);
        this.emit(`maskmovdqu ${x()}, ${x()}`);
      }
    }
  }

  /** SSSE3, SSE4.1 and SSE4.2 integer operations (x86-64-v2), with their blends, inserts and extracts. */
  private sse4Template(): void {
    const r = this.rng;
    const x = () => `xmm${r.int(16)}`;
    const m128 = () => r.chance(0.7) ? x() : this.mem(128, true, this.sseAlignment(0.008));
    switch (r.int(10)) {
      case 0: case 1: case 2: {
        const op = r.pick(['pshufb', 'phaddw', 'phaddd', 'phaddsw', 'pmaddubsw', 'phsubw', 'phsubd', 'phsubsw', 'psignb',
          'psignw', 'psignd', 'pmulhrsw', 'pabsb', 'pabsw', 'pabsd', 'pmuldq', 'pcmpeqq', 'packusdw', 'pminsb', 'pminsd',
          'pminuw', 'pminud', 'pmaxsb', 'pmaxsd', 'pmaxuw', 'pmaxud', 'pmulld', 'phminposuw', 'pcmpgtq', 'ptest']);
        this.emit(`${op} ${x()}, ${m128()}`);
        break;
      }
      case 3: this.emit(`${r.pick(['pblendvb', 'blendvps', 'blendvpd'])} ${x()}, ${m128()}, xmm0`); break;
      case 4: {
        const op = r.pick(['palignr', 'pblendw', 'blendps', 'blendpd', 'mpsadbw']);
        this.emit(`${op} ${x()}, ${m128()}, ${r.pick([0, 1, 4, 8, 15, 16, 17, 31, 32, r.int(256)])}`);
        break;
      }
      case 5: {
        const [op, width] = r.pick([['pmovsxbw', 64], ['pmovsxbd', 32], ['pmovsxbq', 16], ['pmovsxwd', 64], ['pmovsxwq', 32],
          ['pmovsxdq', 64], ['pmovzxbw', 64], ['pmovzxbd', 32], ['pmovzxbq', 16], ['pmovzxwd', 64], ['pmovzxwq', 32],
          ['pmovzxdq', 64]] as const);
        this.emit(`${op} ${x()}, ${r.chance(0.6) ? x() : this.mem(width, true)}`);
        break;
      }
      case 6: {
        const [op, width] = r.pick([['pextrb', 8], ['pextrw', 16], ['pextrd', 32], ['pextrq', 64], ['extractps', 32]] as const);
        const target = r.chance(0.5) ? this.mem(width) : this.dst(width === 64 ? 64 : 32);
        this.emit(`${op} ${target}, ${x()}, ${r.int(256)}`);
        break;
      }
      case 7: {
        const [op, width] = r.pick([['pinsrb', 8], ['pinsrd', 32], ['pinsrq', 64]] as const);
        const source = r.chance(0.5) ? this.mem(width, true) : this.src(width === 64 ? 64 : 32);
        this.emit(`${op} ${x()}, ${source}, ${r.int(256)}`);
        break;
      }
      case 8: this.emit(`insertps ${x()}, ${r.chance(0.6) ? x() : this.mem(32, true)}, ${r.int(256)}`); break;
      default: this.emit(`movntdqa ${x()}, ${this.mem(128, true, this.sseAlignment(0.008))}`);
    }
  }

  /**
   * The program text: a jump over the subroutines, the instructions, pops for anything left on the
   * stack, and a final nop (the program ends when it reaches that nop, the last byte of the code).
   */
  finish(): string {
    while (this.stackDepth >= 1) {
      this.emit(`pop ${this.dst(64)}`);
      this.stackDepth -= 1;
    }
    // Sometimes an instruction that ends the run: both must stop alike, at the same place.
    if (this.rng.chance(0.1)) this.emit(`${this.rng.pick(TRAPS)}\nxor eax, eax`);
    return ['jmp program_start', ...this.subroutines, 'program_start:', ...this.lines, 'nop'].join('\n');
  }
}

export interface InitialState {
  /** Initial register values (the reserved ones included). */
  registers: Record<string, bigint>;
  xmm: Record<string, bigint>;
  data: Uint8Array;
  flags: bigint;
}

/** The text of a random program of about `steps` templates (drawn from `only` when given). */
export function generateSource(seed: number, steps: number, only?: readonly string[]): string {
  const builder = new ProgramBuilder(new Random(seed));
  for (let i = 0; i < steps; i++) builder.step(only);
  return builder.finish();
}

/** A random initial state: registers, xmm registers, flags and data-area contents. */
export function generateState(seed: number): InitialState {
  const rng = new Random(seed ^ 0x5a5a5a5a);
  const registers: Record<string, bigint> = {};
  GPR64.forEach((name, i) => { if (!RESERVED.has(i)) registers[name] = rng.value(64); });
  registers.r12 = BigInt(BASE_A);
  registers.r13 = BigInt(BASE_B);
  registers.r14 = BigInt(rng.int(32));
  registers.rsp = BigInt(X64_STACK_POINTER);
  const xmm: Record<string, bigint> = {};
  for (let i = 0; i < 16; i++) xmm[`xmm${i}`] = (rng.value(64) << 64n) | rng.value(64);
  const data = new Uint8Array(X64_DATA_SIZE);
  for (let i = 0; i < data.length; i += 8) {
    const v = rng.value(64);
    for (let j = 0; j < 8; j++) data[i + j] = Number((v >> BigInt(8 * j)) & 0xffn);
  }
  const flags = rng.next64() & 0x8d5n;
  return { registers, xmm, data, flags };
}
