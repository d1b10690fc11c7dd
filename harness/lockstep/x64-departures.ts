// Where Unicorn 2.0.1 departs from the Intel manual (vol. 2) on x86-64. The lockstep accepts a
// difference only when the WASM CPU's result is the manual's, computed here from the state before
// the instruction; it counts each case by name and continues from the manual's values.
//
// - `cmpxchg-32-accumulator`: cmpxchg writes the accumulator only when the comparison fails
//   ("Operation": TEMP := DEST; IF accumulator = TEMP THEN DEST := SRC ELSE accumulator := TEMP;
//   DEST := TEMP). On a match Unicorn writes a 32-bit accumulator too, clearing the upper half of rax.
// - `lock-neg-flags`: "CF flag set to 0 if the source operand is 0; otherwise it is set to 1. The
//   OF, SF, ZF, AF, and PF flags are set according to the result." With a lock prefix Unicorn
//   computes them from another value (the memory result itself is right).
// - `shld-shrd-rip-count-byte`: a RIP-relative address is relative to the end of the instruction,
//   count byte included ("RIP + displacement", RIP holding the next instruction's address). For
//   shld/shrd with an immediate count Unicorn leaves the count byte out and shifts the memory one
//   byte too low.
// - `sse-alignment-unchecked`: a legacy SSE instruction with a 128-bit memory operand that is not
//   16-byte aligned raises #GP(0) ("If a memory operand is not aligned on a 16-byte boundary"),
//   except the unaligned moves; Unicorn runs it (its interrupt 13 comes only for cmpxchg16b).
// - `phadd-phsub-same-register`: phaddw, phaddd, phaddsw, phsubw, phsubd, phsubsw take the low half
//   of the result from the destination's pairs and the high half from the source's, both as they
//   were before the instruction; with one register as both operands the two halves are equal.
//   Unicorn writes the low half first and then takes the high half from what it wrote.
// - `popcnt-refused`: Unicorn's x86 CPU leaves POPCNT out of its CPUID features, so it raises #UD
//   (the manual's rule for a CPU without CPUID.01H:ECX.POPCNT). Compilers emit it for any target of
//   the last fifteen years, so the WASM CPU runs it: "DEST := count of bits set in SRC; OF, SF, ZF,
//   AF, CF, PF cleared, then ZF set if SRC = 0".
import type { DisassembledInstruction } from '../../toolchain/capstone.ts';

export const CF = 0x1n;
export const PF = 0x4n;
export const AF = 0x10n;
export const ZF = 0x40n;
export const SF = 0x80n;
export const OF = 0x800n;
export const ARITHMETIC_FLAGS = CF | PF | AF | ZF | SF | OF;

export const GPRS = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
const GPRS_32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'r8d', 'r9d', 'r10d', 'r11d', 'r12d', 'r13d', 'r14d', 'r15d'];
const GPRS_16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di', 'r8w', 'r9w', 'r10w', 'r11w', 'r12w', 'r13w', 'r14w', 'r15w'];
const GPRS_8 = ['al', 'cl', 'dl', 'bl', 'spl', 'bpl', 'sil', 'dil', 'r8b', 'r9b', 'r10b', 'r11b', 'r12b', 'r13b', 'r14b', 'r15b'];
const HIGH_8 = ['ah', 'ch', 'dh', 'bh'];

export interface LockstepState {
  gprs: bigint[];
  rip: bigint;
  flags: bigint;
  xmm: bigint[] | undefined;
}

/** Reads guest memory (the WASM CPU's; the departures never differ in memory). */
export type MemoryReader = (address: number, size: number) => Uint8Array;

interface RegisterOperand { index: number; bits: number; shift: number }

/** A general register named as Capstone prints it. */
export function registerOperand(name: string): RegisterOperand | undefined {
  for (const [names, bits] of [[GPRS, 64], [GPRS_32, 32], [GPRS_16, 16], [GPRS_8, 8]] as const) {
    const index = names.indexOf(name);
    if (index >= 0) return { index, bits, shift: 0 };
  }
  const high = HIGH_8.indexOf(name);
  return high >= 0 ? { index: high, bits: 8, shift: 8 } : undefined;
}

const mask = (bits: number) => (1n << BigInt(bits)) - 1n;

/** The address of a memory operand such as `qword ptr [r12 + r14*4 + 0x10]`, from the registers before. */
export function memoryAddress(operand: string, gprs: bigint[], nextRip: bigint): number | undefined {
  const inside = /\[(.*)\]/.exec(operand)?.[1];
  if (inside === undefined || /:/.test(operand)) return undefined; // segment overrides: not needed here
  let sum = 0n;
  for (const [, sign, term] of inside.replace(/\s+/g, '').matchAll(/([+-]?)([^+-]+)/g)) {
    const [name, scale] = term!.split('*');
    let value: bigint;
    if (name === 'rip') value = nextRip;
    else if (/^(0x[0-9a-f]+|\d+)$/.test(name!)) value = BigInt(name!);
    else {
      const register = registerOperand(name!);
      if (!register || register.bits !== 64) return undefined;
      value = gprs[register.index]!;
    }
    if (scale !== undefined) value *= BigInt(scale);
    sum += sign === '-' ? -value : value;
  }
  return Number(sum & mask(64));
}

function littleEndian(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  return value;
}

/** The value of a register or memory operand of `bits` bits, in the state before the instruction. */
function operandValue(operand: string, bits: number, before: LockstepState, nextRip: bigint, read: MemoryReader): bigint | undefined {
  const register = registerOperand(operand);
  if (register) return (before.gprs[register.index]! >> BigInt(register.shift)) & mask(register.bits);
  const address = memoryAddress(operand, before.gprs, nextRip);
  return address === undefined ? undefined : littleEndian(read(address, bits / 8));
}

function parity(value: bigint): boolean {
  let bits = 0;
  for (let v = Number(value & 0xffn); v; v >>= 1) bits += v & 1;
  return bits % 2 === 0;
}

function operands(insn: DisassembledInstruction): string[] {
  return insn.operands.split(',').map((s) => s.trim());
}

function operandBits(operand: string): number {
  const ptr = /^(byte|word|dword|qword)/.exec(operand);
  if (ptr) return { byte: 8, word: 16, dword: 32, qword: 64 }[ptr[1] as 'byte']!;
  return registerOperand(operand)?.bits ?? 64;
}

/** Only these registers differ between Unicorn (`a`) and the WASM CPU (`b`). */
function onlyDiffer(a: LockstepState, b: LockstepState, allowed: number[]): boolean {
  return a.gprs.every((value, i) => value === b.gprs[i] || allowed.includes(i));
}

/** The manual's flags after `neg` of a `bits`-bit operand whose result is `result`. */
export function negFlags(result: bigint, bits: number): bigint {
  const source = (-result) & mask(bits);
  const top = 1n << BigInt(bits - 1);
  let flags = 0n;
  if (source !== 0n) flags |= CF;
  if (parity(result)) flags |= PF;
  if (((source ^ result) & 0x10n) !== 0n) flags |= AF;
  if (result === 0n) flags |= ZF;
  if ((result & top) !== 0n) flags |= SF;
  if (source === top) flags |= OF;
  return flags;
}

/** The instructions whose memory operand the lockstep must read before they run (see documentedDifference). */
export function needsOperandBefore(insn: DisassembledInstruction): boolean {
  const [first, , count] = operands(insn);
  return (insn.mnemonic === 'shld' || insn.mnemonic === 'shrd') && first!.includes('rip') && count !== 'cl';
}

/** The manual's shld/shrd of a `bits`-bit destination by `count` (1 to bits - 1): result and defined flags. */
export function doubleShift(left: boolean, destination: bigint, source: bigint, count: number, bits: number):
  { result: bigint; flags: bigint; defined: bigint } {
  const n = BigInt(bits);
  const c = BigInt(count);
  const result = (left ? (destination << c) | (source >> (n - c)) : (destination >> c) | (source << (n - c))) & mask(bits);
  const carry = left ? (destination >> (n - c)) & 1n : (destination >> (c - 1n)) & 1n;
  const top = 1n << (n - 1n);
  let flags = carry ? CF : 0n;
  if (parity(result)) flags |= PF;
  if (result === 0n) flags |= ZF;
  if (result & top) flags |= SF;
  if (count === 1 && ((result ^ destination) & top)) flags |= OF; // OF: did the sign change (a 1-bit shift only)
  return { result, flags, defined: CF | PF | ZF | SF | (count === 1 ? OF : 0n) };
}

/**
 * The documented case that explains every difference between Unicorn (`a`) and the WASM CPU (`b`)
 * after `insn`, given the state before it (and the memory operand before it, for the instructions
 * needsOperandBefore() names), or undefined.
 */
export function documentedDifference(insn: DisassembledInstruction, before: LockstepState, a: LockstepState,
  b: LockstepState, read: MemoryReader, operandBefore?: Uint8Array): string | undefined {
  const mnemonic = insn.mnemonic;
  const [first, second, third] = operands(insn);
  if (a.rip !== b.rip) return undefined;
  if (operandBefore && needsOperandBefore(insn)) {
    const bits = operandBits(first!);
    const count = Number(third) & (bits === 64 ? 63 : 31);
    const source = registerOperand(second!);
    const address = memoryAddress(first!, before.gprs, b.rip);
    if (!onlyDiffer(a, b, []) || !source || address === undefined || count === 0 || count >= bits) return undefined;
    const manual = doubleShift(mnemonic === 'shld', littleEndian(operandBefore.subarray(0, bits / 8)), before.gprs[source.index]! & mask(bits), count, bits);
    const written = littleEndian(read(address, bits / 8));
    return written === manual.result && (b.flags & manual.defined) === manual.flags ? 'shld-shrd-rip-count-byte' : undefined;
  }
  if (/^ph(add|sub)(w|d|sw)$/.test(mnemonic) && first === second && /^xmm\d+$/.test(first!) && a.xmm && b.xmm) {
    // The manual's result has two equal halves; Unicorn's low half is right.
    const n = Number(first!.slice(3));
    if (!onlyDiffer(a, b, []) || a.flags !== b.flags || a.xmm.some((value, i) => i !== n && value !== b.xmm![i])) return undefined;
    const low = b.xmm[n]! & mask(64);
    return (a.xmm[n]! & mask(64)) === low && b.xmm[n]! >> 64n === low ? 'phadd-phsub-same-register' : undefined;
  }
  if (mnemonic === 'lock neg') {
    if (!onlyDiffer(a, b, [])) return undefined;
    const bits = operandBits(first!);
    const address = memoryAddress(first!, before.gprs, b.rip);
    if (address === undefined) return undefined;
    const result = littleEndian(read(address, bits / 8));
    const manual = (before.flags & ~ARITHMETIC_FLAGS) | negFlags(result, bits);
    return b.flags === manual ? 'lock-neg-flags' : undefined;
  }
  if (mnemonic.replace(/^lock /, '') !== 'cmpxchg' || operandBits(first!) !== 32 || a.flags !== b.flags) return undefined;
  // Only rax differs, after a match (ZF set): the WASM CPU left it untouched, Unicorn wrote its own low half back.
  if (!onlyDiffer(a, b, [0]) || (b.flags & ZF) === 0n) return undefined;
  return b.gprs[0] === before.gprs[0] && a.gprs[0] === (before.gprs[0]! & mask(32)) ? 'cmpxchg-32-accumulator' : undefined;
}

/**
 * The documented case where Unicorn refuses `insn` (raising #UD) and the WASM CPU ran it to `b`, the
 * manual's result; or undefined.
 */
export function documentedRefusal(insn: DisassembledInstruction, before: LockstepState, b: LockstepState,
  read: MemoryReader): string | undefined {
  if (insn.mnemonic !== 'popcnt') return undefined;
  const [destination, source] = operands(insn);
  const target = registerOperand(destination!);
  const nextRip = BigInt(insn.address + insn.size);
  if (!target || b.rip !== nextRip) return undefined;
  const value = operandValue(source!, target.bits, before, nextRip, read);
  if (value === undefined) return undefined;
  let count = 0n;
  for (let v = value; v; v >>= 1n) count += v & 1n;
  const old = before.gprs[target.index]!;
  const written = target.bits === 16 ? (old & ~0xffffn) | count : count; // a 32-bit write zero-extends
  if (!onlyDiffer(before, b, [target.index]) || b.gprs[target.index] !== written) return undefined;
  const flags = (before.flags & ~ARITHMETIC_FLAGS) | (value === 0n ? ZF : 0n);
  return b.flags === flags ? 'popcnt-refused' : undefined;
}

/** Moves the manual lets have any alignment; other legacy SSE instructions fault on a misaligned 128-bit operand. */
const UNALIGNED_MOVES = new Set(['movups', 'movupd', 'movdqu', 'lddqu']);

/**
 * The documented case where Unicorn ran `insn` and the WASM CPU raised interrupt `vector`, as the
 * manual says it must, given the state before it; or undefined.
 */
export function documentedFault(insn: DisassembledInstruction, before: LockstepState, vector: number): string | undefined {
  const memory = operands(insn).find((operand) => operand.startsWith('xmmword ptr'));
  if (vector !== 13 || !memory || UNALIGNED_MOVES.has(insn.mnemonic) || insn.mnemonic.startsWith('cmpxchg')) return undefined;
  const address = memoryAddress(memory, before.gprs, BigInt(insn.address + insn.size));
  return address !== undefined && address % 16 !== 0 ? 'sse-alignment-unchecked' : undefined;
}
