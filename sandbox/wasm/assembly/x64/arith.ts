// Integer arithmetic with x86 flags: the ALU group, shifts and rotates, multiply and divide.
// Operands arrive truncated to their size; results are returned truncated. Where the manual leaves a
// flag undefined, the value chosen is the one Unicorn (QEMU) computes when that is cheap, so that
// programs which read them anyway behave the same on both backends.
import {
  LAZY_ADC, LAZY_ADD, LAZY_DEC, LAZY_INC, LAZY_SBB, LAZY_SUB, carryFlag, setFlagBits, setLazy, setResultFlags,
  signBit, sizeMask,
} from './flags';
import { CF, LAZY_AUX, OF } from './state';

export const ALU_ADD: u32 = 0;
export const ALU_OR: u32 = 1;
export const ALU_ADC: u32 = 2;
export const ALU_SBB: u32 = 3;
export const ALU_AND: u32 = 4;
export const ALU_SUB: u32 = 5;
export const ALU_XOR: u32 = 6;
export const ALU_CMP: u32 = 7;

/** One of the eight ALU operations; sets the flags and returns the result (cmp: a - b). */
export function alu(kind: u32, size: u32, a: u64, b: u64): u64 {
  return aluInline(kind, size, a, b);
}

/** alu() written out in place, for callers whose size is a constant. */
@inline export function aluInline(kind: u32, size: u32, a: u64, b: u64): u64 {
  const mask = sizeMask(size);
  let r: u64;
  switch (kind) {
    case ALU_ADD:
      r = (a + b) & mask;
      setLazy(LAZY_ADD, size, r, a, b);
      return r;
    case ALU_OR:
      r = a | b;
      setResultFlags(size, r, 0);
      return r;
    case ALU_ADC: {
      const carry = carryFlag();
      r = (a + b + carry) & mask;
      setLazy(carry != 0 ? LAZY_ADC : LAZY_ADD, size, r, a, b);
      return r;
    }
    case ALU_SBB: {
      const carry = carryFlag();
      r = (a - b - carry) & mask;
      setLazy(carry != 0 ? LAZY_SBB : LAZY_SUB, size, r, a, b);
      return r;
    }
    case ALU_AND:
      r = a & b;
      setResultFlags(size, r, 0);
      return r;
    case ALU_XOR:
      r = a ^ b;
      setResultFlags(size, r, 0);
      return r;
    default: // sub, cmp
      r = (a - b) & mask;
      setLazy(LAZY_SUB, size, r, a, b);
      return r;
  }
}

@inline export function increment(size: u32, a: u64): u64 {
  const carry = carryFlag();
  const r = (a + 1) & sizeMask(size);
  setLazy(LAZY_INC, size, r, a, 1);
  store<u64>(LAZY_AUX, carry);
  return r;
}

@inline export function decrement(size: u32, a: u64): u64 {
  const carry = carryFlag();
  const r = (a - 1) & sizeMask(size);
  setLazy(LAZY_DEC, size, r, a, 1);
  store<u64>(LAZY_AUX, carry);
  return r;
}

@inline export function negate(size: u32, a: u64): u64 {
  const r = (0 - a) & sizeMask(size);
  setLazy(LAZY_SUB, size, r, 0, a);
  return r;
}

@inline export function signExtend(value: u64, size: u32): i64 {
  const shift = 64 - (<u64>size << 3);
  return (<i64>(value << shift)) >> shift;
}

export const SHIFT_ROL: u32 = 0;
export const SHIFT_ROR: u32 = 1;
export const SHIFT_RCL: u32 = 2;
export const SHIFT_RCR: u32 = 3;
export const SHIFT_SAR: u32 = 7;

/**
 * Shift or rotate `a` (`size` bytes) by `count` (not yet masked). Flags follow the manual; a masked
 * count of zero changes none. Returns the result (the destination is written even then, so a 32-bit
 * register is zero-extended as on the real CPU).
 */
export function shift(kind: u32, size: u32, a: u64, count: u32): u64 {
  const bits = size << 3;
  const masked = count & (size == 8 ? 63 : 31);
  if (masked == 0) return a;
  const mask = sizeMask(size);
  const sign = signBit(size);
  const c = <u64>masked;
  switch (kind) {
    case SHIFT_ROL: case SHIFT_ROR: {
      const n = <u64>(masked & (bits - 1));
      let r: u64 = a;
      if (n != 0) r = kind == SHIFT_ROL ? ((a << n) | (a >> (<u64>bits - n))) & mask : ((a >> n) | (a << (<u64>bits - n))) & mask;
      // CF is the bit that went round; OF (defined for a count of 1) as the manual states it.
      let carry: u64;
      let overflow: u64;
      if (kind == SHIFT_ROL) {
        carry = r & 1;
        overflow = ((r & sign) != 0 ? 1 : 0) ^ carry;
      } else {
        carry = (r & sign) != 0 ? 1 : 0;
        overflow = carry ^ ((r >> (<u64>bits - 2)) & 1);
      }
      setFlagBits(CF | OF, carry | (overflow << 11));
      return r;
    }
    case SHIFT_RCL: case SHIFT_RCR: {
      // Rotation through CF: a (bits + 1)-bit rotation.
      const n = <u64>(size < 4 ? masked % (bits + 1) : masked);
      if (n == 0) return a;
      const carryIn = carryFlag();
      let r: u64;
      let carry: u64;
      if (kind == SHIFT_RCL) {
        r = (a << n) | (carryIn << (n - 1));
        if (n > 1) r |= a >> (<u64>bits + 1 - n);
        carry = (a >> (<u64>bits - n)) & 1;
      } else {
        r = (a >> n) | (carryIn << (<u64>bits - n));
        if (n > 1) r |= a << (<u64>bits + 1 - n);
        carry = (a >> (n - 1)) & 1;
      }
      r &= mask;
      const overflow: u64 = ((a ^ r) & sign) != 0 ? 1 : 0;
      setFlagBits(CF | OF, carry | (overflow << 11));
      return r;
    }
    case SHIFT_SAR: {
      const value = signExtend(a, size);
      const before = <u64>(value >> <i64>(c - 1));
      const r = <u64>(value >> <i64>c) & mask;
      setResultFlags(size, r, (before & 1) | (((before ^ r) & sign) != 0 ? OF : 0));
      return r;
    }
    case 5: { // shr
      const before = a >> (c - 1);
      const r = a >> c;
      setResultFlags(size, r, (before & 1) | (((before ^ r) & sign) != 0 ? OF : 0));
      return r;
    }
    default: { // shl, sal
      const before = a << (c - 1);
      const r = (a << c) & mask;
      const carry: u64 = (before & sign) != 0 ? 1 : 0;
      setResultFlags(size, r, carry | (((before ^ r) & sign) != 0 ? OF : 0));
      return r;
    }
  }
}

/**
 * shld (left = true) / shrd: shifts `a` by `count`, filling from `b`. A masked count of zero changes
 * nothing; counts above a 16-bit operand's width give the result QEMU gives (the manual: undefined).
 */
export function shiftDouble(left: bool, size: u32, a: u64, b: u64, count: u32): u64 {
  const masked = <u64>(count & (size == 8 ? 63 : 31));
  if (masked == 0) return a;
  const mask = sizeMask(size);
  const sign = signBit(size);
  let r: u64;
  let before: u64;
  if (size == 8) {
    // CF and OF come from the destination alone, as QEMU computes them.
    if (left) {
      r = (a << masked) | (b >> (64 - masked));
      before = a << (masked - 1);
      setResultFlags(size, r, ((before >> 63) & 1) | (((before ^ r) & sign) != 0 ? OF : 0));
    } else {
      r = (a >> masked) | (b << (64 - masked));
      before = a >> (masked - 1);
      setResultFlags(size, r, (before & 1) | (((before ^ r) & sign) != 0 ? OF : 0));
    }
    return r;
  }
  if (size == 4) {
    const wide = left ? (a << 32) | b : (b << 32) | a;
    if (left) {
      const shifted = wide << masked;
      r = (shifted >> 32) & mask;
      before = (wide << (masked - 1)) >> 32;
      setResultFlags(size, r, ((before >> 31) & 1) | (((before ^ r) & sign) != 0 ? OF : 0));
    } else {
      r = (wide >> masked) & mask;
      before = wide >> (masked - 1);
      setResultFlags(size, r, (before & 1) | (((before ^ r) & sign) != 0 ? OF : 0));
    }
    return r;
  }
  // 16 bits: the 48-bit value a:b:a is shifted, so counts of 17..31 bring a back in (as QEMU does).
  const wide = (a << 32) | (b << 16) | a;
  if (left) {
    const shifted = wide << masked;
    r = (shifted >> 32) & mask;
    before = (wide << (masked - 1)) >> 32;
    setResultFlags(size, r, ((before >> 15) & 1) | (((before ^ r) & sign) != 0 ? OF : 0));
  } else {
    r = (wide >> masked) & mask;
    before = wide >> (masked - 1);
    setResultFlags(size, r, (before & 1) | (((before ^ r) & sign) != 0 ? OF : 0));
  }
  return r & mask;
}

/** Quotient of the unsigned division high:low / divisor (the caller ensures it fits 64 bits). */
let remainder128: u64 = 0;
export function divideUnsigned128(high: u64, low: u64, divisor: u64): u64 {
  if (high == 0) {
    remainder128 = low % divisor;
    return low / divisor;
  }
  let rem = high;
  let quotient: u64 = 0;
  for (let i = 0; i < 64; i++) {
    const carry = rem >> 63;
    rem = (rem << 1) | (low >> 63);
    low <<= 1;
    quotient <<= 1;
    if (carry != 0 || rem >= divisor) {
      rem -= divisor;
      quotient |= 1;
    }
  }
  remainder128 = rem;
  return quotient;
}

export function lastRemainder(): u64 {
  return remainder128;
}
