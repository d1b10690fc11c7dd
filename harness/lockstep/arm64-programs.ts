// Random AArch64 programs for lockstep: statements drawn from templates of every instruction class the
// WASM CPU implements, with random registers, immediates, shifts, extends, conditions and memory
// operands that land in a mapped data area, then assembled by Keystone.
import { hex } from '../../core/hex.ts';

/** Deterministic random numbers (xorshift32). */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = (seed * 0x9e3779b1) >>> 0 || 1;
  }
  next(): number {
    let x = this.state;
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    this.state = x;
    return x;
  }
  int(low: number, high: number): number {
    return low + (this.next() % (high - low + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[this.next() % items.length]!;
  }
  chance(p: number): boolean {
    return this.next() / 0x1_0000_0000 < p;
  }
  /** A 64-bit value, often an edge case. */
  u64(): bigint {
    const edges = [0n, 1n, 2n, 0x7fn, 0x80n, 0xffn, 0x7fffn, 0x8000n, 0xffffn, 0x7fff_ffffn, 0x8000_0000n,
      0xffff_ffffn, 0x1_0000_0000n, 0x7fff_ffff_ffff_ffffn, 0x8000_0000_0000_0000n, 0xffff_ffff_ffff_ffffn];
    const kind = this.int(0, 7);
    if (kind === 0) return this.pick(edges);
    if (kind === 1) return BigInt(this.int(0, 300));
    if (kind === 2) return BigInt.asUintN(64, -BigInt(this.int(1, 300)));
    return (BigInt(this.next()) << 32n) | BigInt(this.next());
  }
}

/** The data area every memory operand points into; x28 holds its middle and is never written. */
export const DATA = 0x20_0000;
export const DATA_SIZE = 0x1_0000;
export const DATA_BASE_REGISTER = 'x28';
export const DATA_MIDDLE = DATA + DATA_SIZE / 2;
export const CODE = 0x10_0000;

const SHIFTS = ['lsl', 'lsr', 'asr'] as const;
const EXTENDS = ['uxtb', 'uxth', 'uxtw', 'uxtx', 'sxtb', 'sxth', 'sxtw', 'sxtx'] as const;
const CONDITIONS = ['eq', 'ne', 'cs', 'cc', 'mi', 'pl', 'vs', 'vc', 'hi', 'ls', 'ge', 'lt', 'gt', 'le', 'al'] as const;

type Template = (g: Generator) => string[];

export class Generator {
  private label = 0;
  constructor(readonly r: Random) {}

  /** A general register other than x28 (the data base), as X or W. */
  x(): string { return `x${this.regNumber()}`; }
  w(): string { return `w${this.regNumber()}`; }
  regNumber(): number {
    const n = this.r.int(0, 30);
    return n === 28 ? this.r.int(0, 27) : n;
  }
  /** A source that may be the zero register. */
  xz(): string { return this.r.chance(0.08) ? 'xzr' : this.x(); }
  wz(): string { return this.r.chance(0.08) ? 'wzr' : this.w(); }
  reg(sf: boolean): string { return sf ? this.x() : this.w(); }
  regz(sf: boolean): string { return sf ? this.xz() : this.wz(); }
  sf(): boolean { return this.r.chance(0.6); }
  cond(): string { return this.r.pick(CONDITIONS); }
  fresh(): string { return `L${this.label++}`; }
  u64Text(): string { return `0x${this.r.u64().toString(16)}`; }

  /** A base register pointing into the data area, `align`-aligned, with room for `span` bytes around it. */
  base(align = 1, avoid: string[] = []): [string, string] {
    let b = this.x();
    while (b === 'x30' || avoid.includes(b) || avoid.includes('w' + b.slice(1))) b = this.x();
    const offset = (this.r.int(-0x6000, 0x6000) & ~(align - 1));
    const op = offset >= 0 ? 'add' : 'sub';
    const magnitude = Math.abs(offset);
    const setup = `${op} ${b}, x28, #${magnitude >> 12}, lsl #12\n${op} ${b}, ${b}, #${magnitude & 0xfff}`;
    return [b, setup];
  }

  /** A valid logical (bitmask) immediate for a `size`-bit operation. */
  bitmask(size: 32 | 64): bigint {
    const esizes = [2, 4, 8, 16, 32, 64].filter((e) => e <= size);
    const e = this.r.pick(esizes);
    const ones = this.r.int(1, e - 1);
    const rotate = this.r.int(0, e - 1);
    const emask = e === 64 ? (1n << 64n) - 1n : (1n << BigInt(e)) - 1n;
    let element = (1n << BigInt(ones)) - 1n;
    element = ((element >> BigInt(rotate)) | (element << BigInt(e - rotate))) & emask;
    let value = 0n;
    for (let at = 0; at < size; at += e) value |= element << BigInt(at);
    return value;
  }
}

/** Sometimes a vector register of edge lanes (all ones, the lane minimum or maximum, a GPR's value) first. */
function primeVector(g: Generator): string[] {
  if (!g.r.chance(0.35)) return [];
  const v = g.r.int(0, 31);
  switch (g.r.int(0, 3)) {
    case 0: return [`dup v${v}.${g.r.pick(['8h', '4s'])}, ${g.wz()}`];
    case 1: return [`dup v${v}.2d, ${g.xz()}`];
    case 2: return [`movi v${v}.${g.r.pick(['8h', '4s'])}, #0x80, lsl #${g.r.pick([0, 8])}`];
    default: return [`mvni v${v}.${g.r.pick(['8h', '4s'])}, #0x80, lsl #${g.r.pick([0, 8])}`];
  }
}

/** Sometimes FPSR (its QC bit records saturation) read into a general register, or cleared. */
function readQc(g: Generator): string[] {
  const lines: string[] = [];
  if (g.r.chance(0.4)) lines.push(`mrs ${g.x()}, fpsr`);
  if (g.r.chance(0.2)) lines.push('msr fpsr, xzr');
  return lines;
}

const T: Record<string, Template> = {
  addSubImmediate: (g) => {
    const op = g.r.pick(['add', 'adds', 'sub', 'subs']);
    const sf = g.sf();
    const shift = g.r.chance(0.2) ? ', lsl #12' : '';
    const flags = op.endsWith('s');
    const rd = flags ? g.regz(sf) : g.reg(sf);
    return [`${op} ${rd}, ${g.reg(sf)}, #${g.r.int(0, 4095)}${shift}`];
  },
  compareImmediate: (g) => {
    const sf = g.sf();
    return [`${g.r.pick(['cmp', 'cmn'])} ${g.reg(sf)}, #${g.r.int(0, 4095)}${g.r.chance(0.2) ? ', lsl #12' : ''}`];
  },
  addSubShifted: (g) => {
    const sf = g.sf();
    const op = g.r.pick(['add', 'adds', 'sub', 'subs']);
    return [`${op} ${g.regz(sf)}, ${g.regz(sf)}, ${g.regz(sf)}, ${g.r.pick(SHIFTS)} #${g.r.int(0, sf ? 63 : 31)}`];
  },
  negCompare: (g) => {
    const sf = g.sf();
    const op = g.r.pick(['neg', 'negs', 'cmp', 'cmn']);
    const first = op.startsWith('neg') ? g.regz(sf) : g.reg(sf);
    return [`${op} ${first}, ${g.regz(sf)}, ${g.r.pick(SHIFTS)} #${g.r.int(0, sf ? 63 : 31)}`];
  },
  addSubExtended: (g) => {
    const sf = g.sf();
    const op = g.r.pick(['add', 'adds', 'sub', 'subs']);
    const extend = sf ? g.r.pick(EXTENDS) : g.r.pick(EXTENDS.filter((e) => !e.endsWith('x')));
    const rm = extend.endsWith('x') ? g.xz() : g.wz();
    const rd = op.endsWith('s') ? g.regz(sf) : g.reg(sf);
    return [`${op} ${rd}, ${g.reg(sf)}, ${rm}, ${extend} #${g.r.int(0, 4)}`];
  },
  stackPointerArithmetic: (g) => {
    const n = g.r.int(1, 8) * 16;
    return g.r.chance(0.5) ? [`sub sp, sp, #${n}`, `add ${g.x()}, sp, #${g.r.int(0, 64)}`, `add sp, sp, #${n}`]
      : [`add ${g.x()}, sp, ${g.w()}, uxtw #${g.r.int(0, 4)}`, `cmp sp, #${g.r.int(0, 4095)}`];
  },
  carry: (g) => {
    const sf = g.sf();
    const op = g.r.pick(['adc', 'adcs', 'sbc', 'sbcs', 'ngc', 'ngcs']);
    return op.startsWith('ngc') ? [`${op} ${g.regz(sf)}, ${g.regz(sf)}`]
      : [`${op} ${g.regz(sf)}, ${g.regz(sf)}, ${g.regz(sf)}`];
  },
  logicalImmediate: (g) => {
    const sf = g.sf();
    const op = g.r.pick(['and', 'orr', 'eor', 'ands', 'tst']);
    const value = hex(g.bitmask(sf ? 64 : 32));
    if (op === 'tst') return [`tst ${g.reg(sf)}, #${value}`];
    return [`${op} ${op === 'ands' ? g.regz(sf) : g.reg(sf)}, ${g.regz(sf)}, #${value}`];
  },
  logicalShifted: (g) => {
    const sf = g.sf();
    const op = g.r.pick(['and', 'bic', 'orr', 'orn', 'eor', 'eon', 'ands', 'bics']);
    const shift = g.r.pick([...SHIFTS, 'ror']);
    return [`${op} ${g.regz(sf)}, ${g.regz(sf)}, ${g.regz(sf)}, ${shift} #${g.r.int(0, sf ? 63 : 31)}`];
  },
  moves: (g) => {
    const sf = g.sf();
    switch (g.r.int(0, 4)) {
      case 0: return [`mov ${g.reg(sf)}, ${g.regz(sf)}`];
      case 1: return [`mvn ${g.reg(sf)}, ${g.regz(sf)}, ${g.r.pick([...SHIFTS, 'ror'])} #${g.r.int(0, sf ? 63 : 31)}`];
      case 2: return [`tst ${g.reg(sf)}, ${g.regz(sf)}`];
      case 3: return [`mov ${g.reg(sf)}, #${hex(g.bitmask(sf ? 64 : 32))}`];
      default: return [`mov ${g.x()}, sp`];
    }
  },
  moveWide: (g) => {
    const sf = g.sf();
    const op = g.r.pick(['movz', 'movn', 'movk']);
    return [`${op} ${g.reg(sf)}, #${g.r.int(0, 0xffff)}, lsl #${16 * g.r.int(0, sf ? 3 : 1)}`];
  },
  bitfield: (g) => {
    const sf = g.sf();
    const size = sf ? 64 : 32;
    const op = g.r.pick(['sbfm', 'bfm', 'ubfm']);
    return [`${op} ${g.reg(sf)}, ${g.regz(sf)}, #${g.r.int(0, size - 1)}, #${g.r.int(0, size - 1)}`];
  },
  bitfieldAliases: (g) => {
    const sf = g.sf();
    const size = sf ? 64 : 32;
    const lsb = g.r.int(0, size - 1);
    const width = g.r.int(1, size - lsb);
    switch (g.r.int(0, 6)) {
      case 0: return [`${g.r.pick(['lsl', 'lsr', 'asr'])} ${g.reg(sf)}, ${g.regz(sf)}, #${g.r.int(0, size - 1)}`];
      case 1: return [`${g.r.pick(['ubfx', 'sbfx'])} ${g.reg(sf)}, ${g.regz(sf)}, #${lsb}, #${width}`];
      case 2: return [`${g.r.pick(['ubfiz', 'sbfiz'])} ${g.reg(sf)}, ${g.regz(sf)}, #${lsb}, #${width}`];
      case 3: return [`${g.r.pick(['bfi', 'bfxil'])} ${g.reg(sf)}, ${g.regz(sf)}, #${lsb}, #${width}`];
      case 4: return [`${g.r.pick(['sxtb', 'sxth', 'uxtb', 'uxth'])} ${g.reg(sf)}, ${g.wz()}`.replace(/^(uxt[bh]) x/, '$1 w')];
      case 5: return [`sxtw ${g.x()}, ${g.wz()}`];
      default: return [`${g.r.pick(['ror'])} ${g.reg(sf)}, ${g.regz(sf)}, #${g.r.int(0, size - 1)}`];
    }
  },
  extract: (g) => {
    const sf = g.sf();
    return [`extr ${g.reg(sf)}, ${g.regz(sf)}, ${g.regz(sf)}, #${g.r.int(0, sf ? 63 : 31)}`];
  },
  variableShift: (g) => {
    const sf = g.sf();
    return [`${g.r.pick(['lslv', 'lsrv', 'asrv', 'rorv', 'lsl', 'lsr', 'asr', 'ror'])} ${g.reg(sf)}, ${g.regz(sf)}, ${g.regz(sf)}`];
  },
  multiply: (g) => {
    const sf = g.sf();
    switch (g.r.int(0, 3)) {
      case 0: return [`${g.r.pick(['madd', 'msub'])} ${g.reg(sf)}, ${g.regz(sf)}, ${g.regz(sf)}, ${g.regz(sf)}`];
      case 1: return [`${g.r.pick(['mul', 'mneg'])} ${g.reg(sf)}, ${g.regz(sf)}, ${g.regz(sf)}`];
      case 2: return [`${g.r.pick(['smaddl', 'smsubl', 'umaddl', 'umsubl'])} ${g.x()}, ${g.wz()}, ${g.wz()}, ${g.xz()}`];
      default: return [`${g.r.pick(['smull', 'umull', 'smnegl', 'umnegl'])} ${g.x()}, ${g.wz()}, ${g.wz()}`];
    }
  },
  multiplyHigh: (g) => [`${g.r.pick(['smulh', 'umulh'])} ${g.x()}, ${g.xz()}, ${g.xz()}`],
  divide: (g) => {
    const sf = g.sf();
    const lines: string[] = [];
    const rm = g.reg(sf);
    const rn = g.reg(sf);
    if (g.r.chance(0.15)) lines.push(`mov ${rm}, #${g.r.pick([0, -1, 1])}`);
    if (g.r.chance(0.1)) lines.push(sf ? `mov ${rn}, #0x8000000000000000` : `mov ${rn}, #0x80000000`);
    lines.push(`${g.r.pick(['udiv', 'sdiv'])} ${g.reg(sf)}, ${rn}, ${rm}`);
    return lines;
  },
  bits: (g) => {
    const sf = g.sf();
    const ops = sf ? ['clz', 'cls', 'rbit', 'rev', 'rev16', 'rev32'] : ['clz', 'cls', 'rbit', 'rev', 'rev16'];
    return [`${g.r.pick(ops)} ${g.reg(sf)}, ${g.regz(sf)}`];
  },
  conditionalSelect: (g) => {
    const sf = g.sf();
    switch (g.r.int(0, 2)) {
      case 0: return [`${g.r.pick(['csel', 'csinc', 'csinv', 'csneg'])} ${g.reg(sf)}, ${g.regz(sf)}, ${g.regz(sf)}, ${g.cond()}`];
      case 1: return [`${g.r.pick(['cset', 'csetm'])} ${g.reg(sf)}, ${g.cond().replace('al', 'eq')}`];
      default: return [`${g.r.pick(['cinc', 'cinv', 'cneg'])} ${g.reg(sf)}, ${g.regz(sf)}, ${g.cond().replace('al', 'ne')}`];
    }
  },
  conditionalCompare: (g) => {
    const sf = g.sf();
    const second = g.r.chance(0.5) ? `#${g.r.int(0, 31)}` : g.regz(sf);
    return [`${g.r.pick(['ccmp', 'ccmn'])} ${g.regz(sf)}, ${second}, #${g.r.int(0, 15)}, ${g.cond()}`];
  },
  crc: (g) => {
    const size = g.r.pick(['b', 'h', 'w', 'x']);
    return [`${g.r.pick(['crc32', 'crc32c'])}${size} ${g.w()}, ${g.wz()}, ${size === 'x' ? g.xz() : g.wz()}`];
  },
  flags: (g) => {
    switch (g.r.int(0, 3)) {
      case 0: return [`mrs ${g.x()}, nzcv`];
      case 1: return [`msr nzcv, ${g.xz()}`];
      case 2: return [`msr tpidr_el0, ${g.xz()}`, `mrs ${g.x()}, tpidr_el0`];
      default: return [`${g.r.pick(['nop', 'dmb ish', 'dsb sy', 'isb', 'clrex', 'yield', 'hint #34', 'hint #25', 'hint #29', 'hint #7', 'hint #36'])}`];
    }
  },
  pcRelative: (g) => {
    const label = g.fresh();
    return g.r.chance(0.5) ? [`adr ${g.x()}, ${label}`, `${label}:`] : [`adr ${g.x()}, .+${g.r.int(-100, 100) * 4}`];
  },
  loadStore: (g) => {
    const kinds = [
      ['ldr', 'x', 8], ['ldr', 'w', 4], ['ldrh', 'w', 2], ['ldrb', 'w', 1], ['ldrsb', 'x', 1], ['ldrsb', 'w', 1],
      ['ldrsh', 'x', 2], ['ldrsh', 'w', 2], ['ldrsw', 'x', 4], ['str', 'x', 8], ['str', 'w', 4], ['strh', 'w', 2],
      ['strb', 'w', 1],
    ] as const;
    const [op, width, size] = g.r.pick(kinds);
    const rt = width === 'x' ? g.xz() : g.wz();
    const [b, setup] = g.base(1, [rt]);
    const load = op.startsWith('ldr');
    const target = load && rt.endsWith('zr') ? rt : rt; // loads into xzr are allowed (discarded)
    switch (g.r.int(0, 5)) {
      case 0: return [setup, `${op} ${target}, [${b}, #${g.r.int(0, 0x400 / size) * size}]`];
      case 1: return [setup, `${op.replace('ldr', 'ldur').replace('str', 'stur')} ${target}, [${b}, #${g.r.int(-256, 255)}]`];
      case 2: return [setup, `${op} ${target}, [${b}, #${g.r.int(-256, 255)}]!`];
      case 3: return [setup, `${op} ${target}, [${b}], #${g.r.int(-256, 255)}`];
      case 4: {
        let index = g.x();
        while (index === b || index === rt) index = g.x();
        const shift = g.r.chance(0.5) ? ` #${Math.log2(size)}` : '';
        const extend = g.r.pick(['lsl', 'uxtw', 'sxtw', 'sxtx']);
        const indexReg = extend.endsWith('w') ? 'w' + index.slice(1) : index;
        const value = extend === 'uxtw' ? g.r.int(0, 64) : g.r.int(-64, 64);
        const shown = extend === 'lsl' && !shift ? '' : `, ${extend}${shift}`;
        return [setup, `mov ${index}, #${value}`, `${op} ${target}, [${b}, ${indexReg}${shown}]`];
      }
      default: return [setup, `${op.replace('ldr', 'ldtr').replace('str', 'sttr')} ${target}, [${b}, #${g.r.int(-256, 255)}]`];
    }
  },
  prefetch: (g) => {
    const [b, setup] = g.base();
    return [setup, g.r.chance(0.5) ? `prfm pldl1keep, [${b}, #${g.r.int(0, 100) * 8}]` : `prfum pstl2strm, [${b}, #${g.r.int(-256, 255)}]`];
  },
  pair: (g) => {
    const kinds = [['ldp', 'x', 8], ['ldp', 'w', 4], ['ldpsw', 'x', 4], ['stp', 'x', 8], ['stp', 'w', 4],
      ['ldnp', 'x', 8], ['stnp', 'w', 4]] as const;
    const [op, width, size] = g.r.pick(kinds);
    let first = width === 'x' ? g.xz() : g.wz();
    let second = width === 'x' ? g.xz() : g.wz();
    while (op.startsWith('ld') && second === first) second = width === 'x' ? g.x() : g.w();
    const [b, setup] = g.base(1, [first, second]);
    const offset = g.r.int(-64, 63) * size;
    if (op.endsWith('np') || g.r.chance(0.4)) return [setup, `${op} ${first}, ${second}, [${b}, #${offset}]`];
    return [setup, g.r.chance(0.5) ? `${op} ${first}, ${second}, [${b}, #${offset}]!` : `${op} ${first}, ${second}, [${b}], #${offset}`];
  },
  stackPair: (g) => {
    return [`stp x29, x30, [sp, #-16]!`, `mov x29, sp`, `ldp x29, x30, [sp], #16`];
  },
  exclusive: (g) => {
    const size = g.r.pick(['b', 'h', '', 'x']);
    const bytes = { b: 1, h: 2, '': 4, x: 8 }[size]!;
    const value = size === 'x' ? g.xz() : g.wz();
    const loaded = size === 'x' ? g.x() : g.w();
    let status = g.w();
    const [b, setup] = g.base(g.r.chance(0.97) ? bytes : 1, [value, loaded]);
    while ('x' + status.slice(1) === b || status === value || status === loaded) status = g.w();
    const suffix = size === 'x' ? '' : size;
    const acquire = g.r.chance(0.5) ? 'a' : '';
    const release = g.r.chance(0.5) ? 'l' : '';
    const lines = [setup, `ld${acquire}xr${suffix} ${loaded}, [${b}]`];
    if (g.r.chance(0.2)) lines.push(`str${suffix === '' ? '' : suffix === 'x' ? '' : suffix} ${size === 'x' ? g.x() : g.w()}, [${b}]`.replace(/^strx/, 'str'));
    if (g.r.chance(0.15)) lines.push('clrex');
    if (g.r.chance(0.1)) lines.push(`add ${b}, ${b}, #${bytes}`);
    lines.push(`st${release}xr${suffix} ${status}, ${value}, [${b}]`);
    return lines;
  },
  exclusivePair: (g) => {
    const sf = g.sf();
    let a = g.reg(sf);
    let b2 = g.reg(sf);
    while (b2 === a) b2 = g.reg(sf);
    const [b, setup] = g.base(sf ? 16 : 8, [a, b2]);
    let status = g.w();
    while ('x' + status.slice(1) === b || status.slice(1) === a.slice(1) || status.slice(1) === b2.slice(1)) status = g.w();
    return [setup, `ld${g.r.chance(0.5) ? 'a' : ''}xp ${a}, ${b2}, [${b}]`,
      `st${g.r.chance(0.5) ? 'l' : ''}xp ${status}, ${g.regz(sf)}, ${g.regz(sf)}, [${b}]`];
  },
  ordered: (g) => {
    const size = g.r.pick(['b', 'h', '', 'x']);
    const rt = size === 'x' ? g.x() : g.w();
    const [b, setup] = g.base(1, [rt]);
    return [setup, `${g.r.pick(['ldar', 'stlr'])}${size === 'x' ? '' : size} ${rt}, [${b}]`];
  },
  literal: (g) => {
    const data = g.fresh();
    const after = g.fresh();
    const value = g.u64Text();
    const op = g.r.pick([`ldr ${g.x()}`, `ldr ${g.w()}`, `ldrsw ${g.x()}`, `ldr q${g.r.int(0, 31)}`, `ldr d${g.r.int(0, 31)}`,
      `ldr s${g.r.int(0, 31)}`, 'prfm pldl1keep']);
    return [`${op}, ${data}`, `b ${after}`, '.p2align 4', `${data}:`, `.quad ${value}`, `.quad ${g.u64Text()}`, `${after}:`];
  },
  branches: (g) => {
    const skip = g.fresh();
    const filler = [`add ${g.x()}, ${g.x()}, #${g.r.int(0, 100)}`, `eor ${g.w()}, ${g.wz()}, ${g.wz()}`];
    let head: string;
    switch (g.r.int(0, 4)) {
      case 0: head = `b.${g.cond()} ${skip}`; break;
      case 1: head = `${g.r.pick(['cbz', 'cbnz'])} ${g.regz(g.sf())}, ${skip}`; break;
      case 2: head = `${g.r.pick(['tbz', 'tbnz'])} ${g.x()}, #${g.r.int(0, 63)}, ${skip}`; break;
      case 3: head = `${g.r.pick(['tbz', 'tbnz'])} ${g.w()}, #${g.r.int(0, 31)}, ${skip}`; break;
      default: head = `b ${skip}`;
    }
    return [head, ...filler, `${skip}:`];
  },
  flagsBranch: (g) => {
    // A flag-setting instruction right before the b.cond that ends its block: the CPU runs the two as
    // one entry, except when a run stops between them (as stepping does).
    const sf = g.sf();
    const skip = g.fresh();
    let setter: string;
    switch (g.r.int(0, 5)) {
      case 0: setter = `${g.r.pick(['adds', 'subs'])} ${g.regz(sf)}, ${g.reg(sf)}, #${g.r.int(0, 4095)}`; break;
      case 1: setter = `${g.r.pick(['cmp', 'cmn'])} ${g.reg(sf)}, #${g.r.int(0, 4095)}${g.r.chance(0.2) ? ', lsl #12' : ''}`; break;
      case 2: {
        const shifted = `${g.regz(sf)}, ${g.r.pick(SHIFTS)} #${g.r.int(0, sf ? 63 : 31)}`;
        setter = g.r.chance(0.5) ? `${g.r.pick(['adds', 'subs'])} ${g.regz(sf)}, ${g.regz(sf)}, ${shifted}`
          : `${g.r.pick(['cmp', 'cmn'])} ${g.regz(sf)}, ${shifted}`;
        break;
      }
      case 3: setter = `${g.r.pick(['adds', 'subs'])} ${g.regz(sf)}, ${g.reg(sf)}, ${sf ? g.xz() : g.wz()}, ${g.r.pick(sf ? ['uxtx', 'sxtx', 'lsl'] : ['uxtw', 'sxtw', 'lsl'])} #${g.r.int(0, 4)}`; break;
      case 4: setter = g.r.chance(0.5) ? `ands ${g.regz(sf)}, ${g.regz(sf)}, #${hex(g.bitmask(sf ? 64 : 32))}` : `tst ${g.reg(sf)}, #${hex(g.bitmask(sf ? 64 : 32))}`; break;
      default: {
        const shifted = `${g.regz(sf)}, ${g.r.pick([...SHIFTS, 'ror'])} #${g.r.int(0, sf ? 63 : 31)}`;
        setter = g.r.chance(0.5) ? `ands ${g.regz(sf)}, ${g.regz(sf)}, ${shifted}` : `tst ${g.regz(sf)}, ${shifted}`;
        break;
      }
    }
    return [setter, `b.${g.cond()} ${skip}`, `add ${g.x()}, ${g.x()}, #${g.r.int(0, 100)}`, `${skip}:`];
  },
  countedLoop: (g) => {
    // A loop of one block that branches to itself: the CPU takes its rounds from the chaining budget at once.
    const sf = g.sf();
    let counter = g.reg(sf);
    while (counter.slice(1) === '30') counter = g.reg(sf);
    const top = g.fresh();
    const n = g.r.int(1, 40);
    const step = g.r.pick([1, 1, 2, 3]);
    let scratch = g.x();
    while (scratch.slice(1) === counter.slice(1)) scratch = g.x();
    const body = g.r.chance(0.5) ? [`add ${scratch}, ${g.x()}, #${g.r.int(0, 100)}`] : [];
    switch (g.r.int(0, 2)) {
      case 0: return [`mov ${counter}, #${n * step}`, `${top}:`, ...body, `subs ${counter}, ${counter}, #${step}`, `b.ne ${top}`];
      case 1: return [`mov ${counter}, #${n}`, `${top}:`, ...body, `sub ${counter}, ${counter}, #1`, `cmp ${counter}, #0`, `b.${g.r.pick(['gt', 'ne', 'hi'])} ${top}`];
      default: return [`mov ${counter}, #0`, `${top}:`, ...body, `add ${counter}, ${counter}, #1`, `cmp ${counter}, #${n}`, `b.${g.r.pick(['lt', 'ne', 'cc', 'ls'])} ${top}`];
    }
  },
  calls: (g) => {
    const fn = g.fresh();
    const over = g.fresh();
    let target = g.x();
    while (target === 'x30') target = g.x();
    switch (g.r.int(0, 2)) {
      case 0: return [`bl ${fn}`, `b ${over}`, `${fn}:`, `add ${target}, x30, #4`, 'ret', `${over}:`];
      case 1: return [`adr ${target}, ${fn}`, `blr ${target}`, `b ${over}`, `${fn}:`, 'ret', `${over}:`];
      default: return [`adr ${target}, ${over}`, `br ${target}`, `mov ${g.x()}, #1`, `${over}:`];
    }
  },
  zeroBlock: (g) => {
    const [b, setup] = g.base(1);
    return [setup, `dc zva, ${b}`];
  },
  simdMoves: (g) => {
    const v = () => g.r.int(0, 31);
    switch (g.r.int(0, 11)) {
      case 0: return [`fmov d${v()}, ${g.xz()}`];
      case 1: return [`fmov ${g.x()}, d${v()}`];
      case 2: return [`fmov s${v()}, ${g.wz()}`];
      case 3: return [`fmov ${g.w()}, s${v()}`];
      case 4: return [`fmov v${v()}.d[1], ${g.xz()}`];
      case 5: return [`fmov ${g.x()}, v${v()}.d[1]`];
      case 6: return [`fmov ${g.r.pick(['d', 's'])}${v()}, ${g.r.pick(['d', 's'])}${v()}`.replace(/^fmov (d\d+), s/, 'fmov $1, d').replace(/^fmov (s\d+), d/, 'fmov $1, s')];
      case 7: return [`fmov ${g.r.pick(['d', 's'])}${v()}, #${g.r.pick(['1.0', '-2.5', '0.125', '31.0', '-0.1875'])}`];
      case 8: {
        const [size, lanes] = g.r.pick([['b', 16], ['h', 8], ['s', 4], ['d', 2]] as const);
        const gpr = size === 'd' ? g.xz() : g.wz();
        return [`mov v${v()}.${size}[${g.r.int(0, lanes - 1)}], ${gpr}`];
      }
      case 9: {
        const [size, lanes] = g.r.pick([['b', 16], ['h', 8], ['s', 4], ['d', 2]] as const);
        return [`${size === 'd' ? `umov ${g.x()}` : `umov ${g.w()}`}, v${v()}.${size}[${g.r.int(0, lanes - 1)}]`];
      }
      case 10: {
        const [size, lanes] = g.r.pick([['b', 16], ['h', 8], ['s', 4]] as const);
        const wide = size === 's' || g.r.chance(0.5);
        return [`smov ${wide ? g.x() : g.w()}, v${v()}.${size}[${g.r.int(0, lanes - 1)}]`];
      }
      default: {
        const [size, lanes] = g.r.pick([['b', 16], ['h', 8], ['s', 4], ['d', 2]] as const);
        return [`mov v${v()}.${size}[${g.r.int(0, lanes - 1)}], v${v()}.${size}[${g.r.int(0, lanes - 1)}]`];
      }
    }
  },
  simdDuplicate: (g) => {
    const v = () => g.r.int(0, 31);
    const arrangement = g.r.pick(['8b', '16b', '4h', '8h', '2s', '4s', '2d']);
    const size = arrangement.at(-1)!;
    if (g.r.chance(0.5)) return [`dup v${v()}.${arrangement}, ${size === 'd' ? g.xz() : g.wz()}`];
    const lanes = { b: 16, h: 8, s: 4, d: 2 }[size]!;
    return [`dup v${v()}.${arrangement}, v${v()}.${size}[${g.r.int(0, lanes - 1)}]`];
  },
  simdImmediate: (g) => {
    const v = () => g.r.int(0, 31);
    switch (g.r.int(0, 5)) {
      case 0: return [`movi v${v()}.${g.r.pick(['8b', '16b'])}, #${g.r.int(0, 255)}`];
      case 1: return [`movi v${v()}.${g.r.pick(['2s', '4s'])}, #${g.r.int(0, 255)}, lsl #${g.r.pick([0, 8, 16, 24])}`];
      case 2: return [`mvni v${v()}.${g.r.pick(['4h', '8h'])}, #${g.r.int(0, 255)}, lsl #${g.r.pick([0, 8])}`];
      case 3: return [`${g.r.pick(['orr', 'bic'])} v${v()}.${g.r.pick(['2s', '4s'])}, #${g.r.int(0, 255)}, lsl #${g.r.pick([0, 8, 16, 24])}`];
      case 4: return [`movi ${g.r.chance(0.5) ? `d${v()}` : `v${v()}.2d`}, #0x${g.r.pick(['ff00ff00ff00ff00', '00000000ffffffff', 'ff', '0'])}`];
      default: return [`movi v${v()}.${g.r.pick(['2s', '4s'])}, #${g.r.int(0, 255)}, msl #${g.r.pick([8, 16])}`];
    }
  },
  simdArithmetic: (g) => {
    const v = () => g.r.int(0, 31);
    const op = g.r.pick(['add', 'sub', 'mul', 'cmeq', 'cmgt', 'cmhi', 'cmge', 'cmhs', 'cmtst', 'smax', 'umax', 'smin',
      'umin', 'addp', 'ushl', 'sshl']);
    const arrangements = ['mul', 'smax', 'umax', 'smin', 'umin'].includes(op) ? ['8b', '16b', '4h', '8h', '2s', '4s']
      : ['8b', '16b', '4h', '8h', '2s', '4s', '2d'];
    const arrangement = g.r.pick(arrangements);
    return [`${op} v${v()}.${arrangement}, v${v()}.${arrangement}, v${v()}.${arrangement}`];
  },
  simdLogic: (g) => {
    const v = () => g.r.int(0, 31);
    const arrangement = g.r.pick(['8b', '16b']);
    if (g.r.chance(0.2)) return [`${g.r.pick(['mvn', 'not', 'mov'])} v${v()}.${arrangement}, v${v()}.${arrangement}`];
    const op = g.r.pick(['and', 'bic', 'orr', 'orn', 'eor', 'bsl', 'bit', 'bif']);
    return [`${op} v${v()}.${arrangement}, v${v()}.${arrangement}, v${v()}.${arrangement}`];
  },
  simdUnary: (g) => {
    const v = () => g.r.int(0, 31);
    switch (g.r.int(0, 6)) {
      case 0: return [`cnt v${v()}.${g.r.pick(['8b', '16b'])}, v${v()}.${g.r.pick(['8b', '16b'])}`.replace(/(\d+b), v(\d+)\.\d+b/, '$1, v$2.$1')];
      case 1: {
        const a = g.r.pick(['8b', '16b', '4h', '8h', '2s', '4s', '2d']);
        return [`${g.r.pick(['abs', 'neg', 'cmeq', 'cmge', 'cmgt', 'cmle', 'cmlt'])} v${v()}.${a}, v${v()}.${a}`.replace(/(cm\w+ v\d+\.\w+, v\d+\.\w+)$/, '$1, #0')];
      }
      case 2: {
        const [to, from] = g.r.pick([['8b', '8h'], ['4h', '4s'], ['2s', '2d']] as const);
        const upper = g.r.chance(0.5);
        return [`xtn${upper ? '2' : ''} v${v()}.${upper ? to.replace(/^\d+/, (n) => String(2 * Number(n))) : to}, v${v()}.${from}`];
      }
      case 3: {
        const a = g.r.pick(['8b', '16b', '4h', '8h', '2s', '4s']);
        return [`rev64 v${v()}.${a}, v${v()}.${a}`];
      }
      case 4: {
        const a = g.r.pick(['8b', '16b', '4h', '8h']);
        return [`rev32 v${v()}.${a}, v${v()}.${a}`];
      }
      case 5: {
        const a = g.r.pick(['8b', '16b']);
        return [`${g.r.pick(['rev16', 'rbit'])} v${v()}.${a}, v${v()}.${a}`];
      }
      default: {
        const [dest, src] = g.r.pick([['b', '8b'], ['b', '16b'], ['h', '4h'], ['h', '8h'], ['s', '4s']] as const);
        const op = g.r.pick(['addv', 'uaddlv', 'saddlv', 'umaxv', 'smaxv', 'uminv', 'sminv']);
        const wide = op.endsWith('lv') ? { b: 'h', h: 's', s: 'd' }[dest] : dest;
        return [`${op} ${wide}${v()}, v${v()}.${src}`];
      }
    }
  },
  simdShift: (g) => {
    const v = () => g.r.int(0, 31);
    const [a, bitsPerLane] = g.r.pick([['8b', 8], ['16b', 8], ['4h', 16], ['8h', 16], ['2s', 32], ['4s', 32], ['2d', 64]] as const);
    switch (g.r.int(0, 3)) {
      case 0: return [`${g.r.pick(['ushr', 'sshr', 'usra', 'ssra'])} v${v()}.${a}, v${v()}.${a}, #${g.r.int(1, bitsPerLane)}`];
      case 1: return [`shl v${v()}.${a}, v${v()}.${a}, #${g.r.int(0, bitsPerLane - 1)}`];
      case 2: {
        const [to, from, lane] = g.r.pick([['8b', '8h', 8], ['4h', '4s', 16], ['2s', '2d', 32]] as const);
        const upper = g.r.chance(0.5);
        const dest = upper ? to.replace(/^\d+/, (n) => String(2 * Number(n))) : to;
        return [`shrn${upper ? '2' : ''} v${v()}.${dest}, v${v()}.${from}, #${g.r.int(1, lane)}`];
      }
      default: {
        const [to, from, lane] = g.r.pick([['8h', '8b', 8], ['4s', '4h', 16], ['2d', '2s', 32]] as const);
        const upper = g.r.chance(0.5);
        const source = upper ? from.replace(/^\d+/, (n) => String(2 * Number(n))) : from;
        return [`${g.r.pick(['ushll', 'sshll'])}${upper ? '2' : ''} v${v()}.${to}, v${v()}.${source}, #${g.r.int(0, lane - 1)}`];
      }
    }
  },
  simdPermute: (g) => {
    const v = () => g.r.int(0, 31);
    if (g.r.chance(0.2)) {
      const a = g.r.pick(['8b', '16b']);
      return [`ext v${v()}.${a}, v${v()}.${a}, v${v()}.${a}, #${g.r.int(0, a === '8b' ? 7 : 15)}`];
    }
    const a = g.r.pick(['8b', '16b', '4h', '8h', '2s', '4s', '2d']);
    return [`${g.r.pick(['uzp1', 'uzp2', 'zip1', 'zip2', 'trn1', 'trn2'])} v${v()}.${a}, v${v()}.${a}, v${v()}.${a}`];
  },
  simdLoadStore: (g) => {
    const [prefix, size] = g.r.pick([['b', 1], ['h', 2], ['s', 4], ['d', 8], ['q', 16]] as const);
    const reg = `${prefix}${g.r.int(0, 31)}`;
    const op = g.r.pick(['ldr', 'str']);
    const [b, setup] = g.base();
    switch (g.r.int(0, 4)) {
      case 0: return [setup, `${op} ${reg}, [${b}, #${g.r.int(0, 64) * size}]`];
      case 1: return [setup, `${op.replace('ldr', 'ldur').replace('str', 'stur')} ${reg}, [${b}, #${g.r.int(-256, 255)}]`];
      case 2: return [setup, `${op} ${reg}, [${b}, #${g.r.int(-256, 255)}]!`];
      case 3: return [setup, `${op} ${reg}, [${b}], #${g.r.int(-256, 255)}`];
      default: {
        let index = g.x();
        while (index === b) index = g.x();
        return [setup, `mov ${index}, #${g.r.int(-32, 32)}`, `${op} ${reg}, [${b}, ${index}${g.r.chance(0.5) ? `, lsl #${Math.log2(size)}` : ''}]`];
      }
    }
  },
  simdPair: (g) => {
    const [prefix, size] = g.r.pick([['s', 4], ['d', 8], ['q', 16]] as const);
    const op = g.r.pick(['ldp', 'stp', 'ldnp', 'stnp']);
    const a = g.r.int(0, 31);
    let b2 = g.r.int(0, 31);
    while (op.startsWith('ld') && b2 === a) b2 = g.r.int(0, 31);
    const [b, setup] = g.base();
    const offset = g.r.int(-64, 63) * size;
    const form = op.endsWith('np') ? 0 : g.r.int(0, 2);
    const address = form === 0 ? `[${b}, #${offset}]` : form === 1 ? `[${b}, #${offset}]!` : `[${b}], #${offset}`;
    return [setup, `${op} ${prefix}${a}, ${prefix}${b2}, ${address}`];
  },
  simdWiden: (g) => {
    // Three different: widening (L, W), narrowing high half (HN), and the doubling saturating forms.
    const v = () => g.r.int(0, 31);
    const [wide, narrow, narrowFull] = g.r.pick([['8h', '8b', '16b'], ['4s', '4h', '8h'], ['2d', '2s', '4s']] as const);
    const upper = g.r.chance(0.5);
    const suffix = upper ? '2' : '';
    const half = upper ? narrowFull : narrow;
    const lines = primeVector(g);
    switch (g.r.int(0, 3)) {
      case 0: {
        const op = g.r.pick(['saddl', 'uaddl', 'ssubl', 'usubl', 'sabal', 'uabal', 'sabdl', 'uabdl', 'smlal', 'umlal',
          'smlsl', 'umlsl', 'smull', 'umull']);
        lines.push(`${op}${suffix} v${v()}.${wide}, v${v()}.${half}, v${v()}.${half}`);
        break;
      }
      case 1:
        lines.push(`${g.r.pick(['saddw', 'uaddw', 'ssubw', 'usubw'])}${suffix} v${v()}.${wide}, v${v()}.${wide}, v${v()}.${half}`);
        break;
      case 2:
        lines.push(`${g.r.pick(['addhn', 'raddhn', 'subhn', 'rsubhn'])}${suffix} v${v()}.${half}, v${v()}.${wide}, v${v()}.${wide}`);
        break;
      default: {
        if (wide === '8h') {
          lines.push(`pmull${suffix} v${v()}.8h, v${v()}.${half}, v${v()}.${half}`);
          break;
        }
        lines.push(`${g.r.pick(['sqdmlal', 'sqdmlsl', 'sqdmull'])}${suffix} v${v()}.${wide}, v${v()}.${half}, v${v()}.${half}`);
        lines.push(...readQc(g));
      }
    }
    return lines;
  },
  simdSaturate: (g) => {
    // Three same: halving, saturating, rounding and saturating shifts, absolute differences,
    // multiply-accumulate, polynomial multiply, pairwise maximum and minimum, doubling multiply high.
    const v = () => g.r.int(0, 31);
    const lines = primeVector(g);
    const group = g.r.int(0, 5);
    if (group === 0) {
      const a = g.r.pick(['8b', '16b', '4h', '8h', '2s', '4s']);
      const op = g.r.pick(['shadd', 'uhadd', 'srhadd', 'urhadd', 'shsub', 'uhsub', 'sabd', 'uabd', 'saba', 'uaba', 'mla',
        'mls', 'smaxp', 'umaxp', 'sminp', 'uminp']);
      lines.push(`${op} v${v()}.${a}, v${v()}.${a}, v${v()}.${a}`);
    } else if (group === 1 || group === 2) {
      const a = g.r.pick(['8b', '16b', '4h', '8h', '2s', '4s', '2d']);
      const op = g.r.pick(['sqadd', 'uqadd', 'sqsub', 'uqsub', 'sqshl', 'uqshl', 'srshl', 'urshl', 'sqrshl', 'uqrshl']);
      if (op.includes('shl') && g.r.chance(0.6)) lines.push(`movi v${v()}.16b, #${g.r.int(0, 255)}`);
      lines.push(`${op} v${v()}.${a}, v${v()}.${a}, v${v()}.${a}`);
    } else if (group === 3) {
      const a = g.r.pick(['8b', '16b']);
      lines.push(`pmul v${v()}.${a}, v${v()}.${a}, v${v()}.${a}`);
    } else {
      const a = g.r.pick(['4h', '8h', '2s', '4s']);
      lines.push(`${g.r.pick(['sqdmulh', 'sqrdmulh'])} v${v()}.${a}, v${v()}.${a}, v${v()}.${a}`);
    }
    lines.push(...readQc(g));
    return lines;
  },
  simdMisc: (g) => {
    // Two-register miscellaneous: counting, pairwise long, saturating accumulate, absolute value and
    // negation, saturating narrowing, shift left long.
    const v = () => g.r.int(0, 31);
    const lines = primeVector(g);
    switch (g.r.int(0, 5)) {
      case 0: {
        const a = g.r.pick(['8b', '16b', '4h', '8h', '2s', '4s']);
        lines.push(`${g.r.pick(['cls', 'clz'])} v${v()}.${a}, v${v()}.${a}`);
        break;
      }
      case 1: {
        const [to, from] = g.r.pick([['4h', '8b'], ['8h', '16b'], ['2s', '4h'], ['4s', '8h'], ['1d', '2s'], ['2d', '4s']] as const);
        lines.push(`${g.r.pick(['saddlp', 'uaddlp', 'sadalp', 'uadalp'])} v${v()}.${to}, v${v()}.${from}`);
        break;
      }
      case 2: {
        const a = g.r.pick(['8b', '16b', '4h', '8h', '2s', '4s', '2d']);
        lines.push(`${g.r.pick(['suqadd', 'usqadd', 'sqabs', 'sqneg'])} v${v()}.${a}, v${v()}.${a}`);
        break;
      }
      case 3: case 4: {
        const [to, from] = g.r.pick([['8b', '8h'], ['4h', '4s'], ['2s', '2d']] as const);
        const upper = g.r.chance(0.5);
        const dest = upper ? to.replace(/^\d+/, (x) => String(2 * Number(x))) : to;
        lines.push(`${g.r.pick(['sqxtn', 'uqxtn', 'sqxtun'])}${upper ? '2' : ''} v${v()}.${dest}, v${v()}.${from}`);
        break;
      }
      default: {
        const [to, from, shift] = g.r.pick([['8h', '8b', 8], ['4s', '4h', 16], ['2d', '2s', 32]] as const);
        const upper = g.r.chance(0.5);
        const source = upper ? from.replace(/^\d+/, (x) => String(2 * Number(x))) : from;
        lines.push(`shll${upper ? '2' : ''} v${v()}.${to}, v${v()}.${source}, #${shift}`);
      }
    }
    lines.push(...readQc(g));
    return lines;
  },
  simdElement: (g) => {
    // By element: multiply (and accumulate) by one lane of a register, plain, long and doubling.
    const v = () => g.r.int(0, 31);
    const halves = g.r.chance(0.5);
    const lane = halves ? `v${g.r.int(0, 15)}.h[${g.r.int(0, 7)}]` : `v${v()}.s[${g.r.int(0, 3)}]`;
    const lines = primeVector(g);
    switch (g.r.int(0, 2)) {
      case 0: {
        const a = halves ? g.r.pick(['4h', '8h']) : g.r.pick(['2s', '4s']);
        lines.push(`${g.r.pick(['mla', 'mls', 'mul', 'sqdmulh', 'sqrdmulh'])} v${v()}.${a}, v${v()}.${a}, ${lane}`);
        break;
      }
      default: {
        const upper = g.r.chance(0.5);
        const [wide, narrow] = halves ? ['4s', upper ? '8h' : '4h'] : ['2d', upper ? '4s' : '2s'];
        const op = g.r.pick(['smlal', 'umlal', 'smlsl', 'umlsl', 'smull', 'umull', 'sqdmlal', 'sqdmlsl', 'sqdmull']);
        lines.push(`${op}${upper ? '2' : ''} v${v()}.${wide}, v${v()}.${narrow}, ${lane}`);
      }
    }
    lines.push(...readQc(g));
    return lines;
  },
  simdShiftMore: (g) => {
    // Shift by immediate: rounding, inserting and saturating forms, and the narrowing ones.
    const v = () => g.r.int(0, 31);
    const lines = primeVector(g);
    if (g.r.chance(0.6)) {
      const [a, bits] = g.r.pick([['8b', 8], ['16b', 8], ['4h', 16], ['8h', 16], ['2s', 32], ['4s', 32], ['2d', 64]] as const);
      const op = g.r.pick(['srshr', 'urshr', 'srsra', 'ursra', 'sri', 'sli', 'sqshl', 'uqshl', 'sqshlu']);
      const left = op === 'sli' || op.endsWith('shl') || op === 'sqshlu';
      lines.push(`${op} v${v()}.${a}, v${v()}.${a}, #${left ? g.r.int(0, bits - 1) : g.r.int(1, bits)}`);
    } else {
      const [to, from, bits] = g.r.pick([['8b', '8h', 8], ['4h', '4s', 16], ['2s', '2d', 32]] as const);
      const upper = g.r.chance(0.5);
      const dest = upper ? to.replace(/^\d+/, (x) => String(2 * Number(x))) : to;
      const op = g.r.pick(['rshrn', 'sqshrn', 'uqshrn', 'sqrshrn', 'uqrshrn', 'sqshrun', 'sqrshrun']);
      lines.push(`${op}${upper ? '2' : ''} v${v()}.${dest}, v${v()}.${from}, #${g.r.int(1, bits)}`);
    }
    lines.push(...readQc(g));
    return lines;
  },
  simdScalar: (g) => {
    // The scalar forms: one lane, the rest of the register cleared.
    const v = () => g.r.int(0, 31);
    const r = (size: string) => `${size}${v()}`;
    const lines = primeVector(g);
    const any = g.r.pick(['b', 'h', 's', 'd'] as const);
    switch (g.r.int(0, 9)) {
      case 0: lines.push(`${g.r.pick(['add', 'sub', 'cmeq', 'cmgt', 'cmhi', 'cmge', 'cmhs', 'cmtst', 'sshl', 'ushl', 'srshl', 'urshl'])} ${r('d')}, ${r('d')}, ${r('d')}`); break;
      case 1: lines.push(`${g.r.pick(['sqadd', 'uqadd', 'sqsub', 'uqsub', 'sqshl', 'uqshl', 'sqrshl', 'uqrshl'])} ${r(any)}, ${r(any)}, ${r(any)}`); break;
      case 2: lines.push(`addp ${r('d')}, v${v()}.2d`); break;
      case 3: lines.push(`${g.r.pick(['abs', 'neg', 'cmeq', 'cmgt', 'cmge', 'cmle', 'cmlt'])} ${r('d')}, ${r('d')}`.replace(/^(cm\w+ d\d+, d\d+)$/, '$1, #0')); break;
      case 4: lines.push(`${g.r.pick(['sqabs', 'sqneg', 'suqadd', 'usqadd'])} ${r(any)}, ${r(any)}`); break;
      case 5: {
        const [to, from] = g.r.pick([['b', 'h'], ['h', 's'], ['s', 'd']] as const);
        if (g.r.chance(0.5)) lines.push(`${g.r.pick(['sqxtn', 'uqxtn', 'sqxtun'])} ${r(to)}, ${r(from)}`);
        else {
          const bits = { b: 8, h: 16, s: 32 }[to];
          lines.push(`${g.r.pick(['sqshrn', 'uqshrn', 'sqrshrn', 'uqrshrn', 'sqshrun', 'sqrshrun'])} ${r(to)}, ${r(from)}, #${g.r.int(1, bits)}`);
        }
        break;
      }
      case 6: {
        const op = g.r.pick(['sshr', 'ushr', 'ssra', 'usra', 'srshr', 'urshr', 'srsra', 'ursra', 'sri', 'shl', 'sli']);
        const left = op === 'shl' || op === 'sli';
        lines.push(`${op} ${r('d')}, ${r('d')}, #${left ? g.r.int(0, 63) : g.r.int(1, 64)}`);
        break;
      }
      case 7: {
        const bits = { b: 8, h: 16, s: 32, d: 64 }[any];
        lines.push(`${g.r.pick(['sqshl', 'uqshl', 'sqshlu'])} ${r(any)}, ${r(any)}, #${g.r.int(0, bits - 1)}`);
        break;
      }
      case 8: {
        const lanes = { b: 16, h: 8, s: 4, d: 2 }[any];
        lines.push(`mov ${r(any)}, v${v()}.${any}[${g.r.int(0, lanes - 1)}]`);
        break;
      }
      default: {
        const size = g.r.pick(['h', 's']);
        const lane = size === 'h' ? `v${g.r.int(0, 15)}.h[${g.r.int(0, 7)}]` : `v${v()}.s[${g.r.int(0, 3)}]`;
        const wide = size === 'h' ? 's' : 'd';
        switch (g.r.int(0, 3)) {
          case 0: lines.push(`${g.r.pick(['sqdmulh', 'sqrdmulh'])} ${r(size)}, ${r(size)}, ${r(size)}`); break;
          case 1: lines.push(`${g.r.pick(['sqdmulh', 'sqrdmulh'])} ${r(size)}, ${r(size)}, ${lane}`); break;
          case 2: lines.push(`${g.r.pick(['sqdmlal', 'sqdmlsl', 'sqdmull'])} ${r(wide)}, ${r(size)}, ${r(size)}`); break;
          default: lines.push(`${g.r.pick(['sqdmlal', 'sqdmlsl', 'sqdmull'])} ${r(wide)}, ${r(size)}, ${lane}`);
        }
      }
    }
    lines.push(...readQc(g));
    return lines;
  },
  simdTable: (g) => {
    // TBL and TBX with one to four table registers; indices kept small now and then so most hit.
    const v = () => g.r.int(0, 31);
    const a = g.r.pick(['8b', '16b']);
    const first = v();
    const count = g.r.int(1, 4);
    const table = Array.from({ length: count }, (_, i) => `v${(first + i) % 32}.16b`).join(', ');
    const index = v();
    const lines: string[] = [];
    if (g.r.chance(0.7)) {
      const mask = v();
      lines.push(`movi v${mask}.16b, #${g.r.pick([0x0f, 0x1f, 0x3f, 0x7f, 0x47])}`, `and v${index}.16b, v${index}.16b, v${mask}.16b`);
    }
    lines.push(`${g.r.pick(['tbl', 'tbx'])} v${v()}.${a}, {${table}}, v${index}.${a}`);
    return lines;
  },
  simdStructure: (g) => {
    // Structure loads and stores: LD1..LD4 and ST1..ST4 of whole registers or one lane, LD1R..LD4R,
    // with the base register alone, post-indexed by the size or by a register.
    const v = () => g.r.int(0, 31);
    const lines: string[] = [];
    const [b, setup] = g.base(1);
    lines.push(setup);
    const first = v();
    const list = (count: number, suffix: string) =>
      `{${Array.from({ length: count }, (_, i) => `v${(first + i) % 32}.${suffix}`).join(', ')}}`;
    let post = '';
    let bytes: number;
    let text: string;
    switch (g.r.int(0, 2)) {
      case 0: { // multiple structures
        const a = g.r.pick(['8b', '16b', '4h', '8h', '2s', '4s', '1d', '2d']);
        const n = g.r.int(1, 4);
        const interleaved = a !== '1d' && n > 1 && g.r.chance(0.6);
        text = `${g.r.pick(['ld', 'st'])}${interleaved ? n : 1} ${list(n, a)}, [${b}]`;
        bytes = n * (['8b', '4h', '2s', '1d'].includes(a) ? 8 : 16);
        break;
      }
      case 1: { // one lane
        const [size, lanes, width] = g.r.pick([['b', 16, 1], ['h', 8, 2], ['s', 4, 4], ['d', 2, 8]] as const);
        const n = g.r.int(1, 4);
        text = `${g.r.pick(['ld', 'st'])}${n} ${list(n, size)}[${g.r.int(0, lanes - 1)}], [${b}]`;
        bytes = n * width;
        break;
      }
      default: { // replicate
        const a = g.r.pick(['8b', '16b', '4h', '8h', '2s', '4s', '1d', '2d']);
        const width = { b: 1, h: 2, s: 4, d: 8 }[a.at(-1)!]!;
        const n = g.r.int(1, 4);
        text = `ld${n}r ${list(n, a)}, [${b}]`;
        bytes = n * width;
      }
    }
    if (g.r.chance(0.5)) {
      if (g.r.chance(0.5)) post = `, #${bytes}`;
      else {
        let index = g.x();
        while (index === b) index = g.x();
        lines.push(`mov ${index}, #${g.r.int(-64, 64)}`);
        post = `, ${index}`;
      }
    }
    lines.push(text + post);
    return lines;
  },
};

export const TEMPLATE_NAMES = Object.keys(T);

/** How often each template is drawn: integer work dominates, as in compiled code. */
const WEIGHTS: Record<string, number> = {
  loadStore: 6, pair: 3, addSubImmediate: 3, addSubShifted: 3, logicalImmediate: 3, logicalShifted: 3, moveWide: 2,
  bitfield: 2, bitfieldAliases: 3, branches: 3, conditionalSelect: 2, conditionalCompare: 2, multiply: 2,
  flagsBranch: 3,
};

/** `count` statements of random templates (some templates yield several lines). */
export function randomProgram(seed: number, count: number, only?: string[]): string {
  const g = new Generator(new Random(seed));
  const names = only ?? TEMPLATE_NAMES;
  const pool = names.flatMap((name) => Array<string>(WEIGHTS[name] ?? 1).fill(name));
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(...T[g.r.pick(pool)]!(g));
  return lines.join('\n');
}

/** One template's statements (for checking that each template assembles). */
export function templateSample(name: string, seed: number): string {
  const g = new Generator(new Random(seed));
  return T[name]!(g).join('\n');
}
