// Integer vector operations (Advanced SIMD): the element-wise classes (three same, two-register
// miscellaneous, shift by immediate, across lanes, permutes), their scalar forms, and the widening,
// narrowing, pairwise and by-element forms compilers emit for vectorised loops. Lane by lane and
// unhurried: they are rare next to scalar code. Results go through a scratch register so that a
// destination may also be a source. Saturating operations set FPSR.QC when they saturate, as the
// architecture (and Unicorn) do.
import { FPSR } from './state';

export const LOGIC_AND: u8 = 1;
export const LOGIC_BIC: u8 = 2;
export const LOGIC_ORR: u8 = 3;
export const LOGIC_ORN: u8 = 4;
export const LOGIC_EOR: u8 = 5;
export const LOGIC_BSL: u8 = 6;
export const LOGIC_BIT: u8 = 7;
export const LOGIC_BIF: u8 = 8;

// vectorArith: lanes of n and m (same size) into lanes of d
export const ARITH_ADD: u8 = 1;
export const ARITH_SUB: u8 = 2;
export const ARITH_MUL: u8 = 3;
export const ARITH_SSHL: u8 = 4;
export const ARITH_USHL: u8 = 5;
export const ARITH_CMTST: u8 = 6;
export const ARITH_CMEQ: u8 = 7;
export const ARITH_CMGT: u8 = 8;
export const ARITH_CMHI: u8 = 9;
export const ARITH_CMGE: u8 = 10;
export const ARITH_CMHS: u8 = 11;
export const ARITH_SMAX: u8 = 12;
export const ARITH_UMAX: u8 = 13;
export const ARITH_SMIN: u8 = 14;
export const ARITH_UMIN: u8 = 15;
export const ARITH_ADDP: u8 = 16;
export const ARITH_SHADD: u8 = 17;
export const ARITH_UHADD: u8 = 18;
export const ARITH_SRHADD: u8 = 19;
export const ARITH_URHADD: u8 = 20;
export const ARITH_SHSUB: u8 = 21;
export const ARITH_UHSUB: u8 = 22;
export const ARITH_SQADD: u8 = 23;
export const ARITH_UQADD: u8 = 24;
export const ARITH_SQSUB: u8 = 25;
export const ARITH_UQSUB: u8 = 26;
export const ARITH_SQSHL: u8 = 27;
export const ARITH_UQSHL: u8 = 28;
export const ARITH_SRSHL: u8 = 29;
export const ARITH_URSHL: u8 = 30;
export const ARITH_SQRSHL: u8 = 31;
export const ARITH_UQRSHL: u8 = 32;
export const ARITH_SABD: u8 = 33;
export const ARITH_UABD: u8 = 34;
export const ARITH_SABA: u8 = 35;
export const ARITH_UABA: u8 = 36;
export const ARITH_MLA: u8 = 37;
export const ARITH_MLS: u8 = 38;
export const ARITH_PMUL: u8 = 39;
export const ARITH_SMAXP: u8 = 40;
export const ARITH_UMAXP: u8 = 41;
export const ARITH_SMINP: u8 = 42;
export const ARITH_UMINP: u8 = 43;
export const ARITH_SQDMULH: u8 = 44;
export const ARITH_SQRDMULH: u8 = 45;

// vectorUnary: lanes of n (and d for the accumulating ones) into lanes of d
export const UNARY_CNT: u8 = 1;
export const UNARY_NOT: u8 = 2;
export const UNARY_RBIT: u8 = 3;
export const UNARY_ABS: u8 = 4;
export const UNARY_NEG: u8 = 5;
export const UNARY_REV64: u8 = 7;
export const UNARY_REV32: u8 = 8;
export const UNARY_REV16: u8 = 9;
export const UNARY_CMEQ0: u8 = 10;
export const UNARY_CMLE0: u8 = 11;
export const UNARY_CMGT0: u8 = 12;
export const UNARY_CMGE0: u8 = 13;
export const UNARY_CMLT0: u8 = 14;
export const UNARY_CLS: u8 = 15;
export const UNARY_CLZ: u8 = 16;
export const UNARY_SQABS: u8 = 17;
export const UNARY_SQNEG: u8 = 18;
export const UNARY_SUQADD: u8 = 19;
export const UNARY_USQADD: u8 = 20;

// vectorShift: lanes of n shifted by an immediate into lanes of d
export const SHIFT_SSHR: u8 = 1;
export const SHIFT_USHR: u8 = 2;
export const SHIFT_SSRA: u8 = 3;
export const SHIFT_USRA: u8 = 4;
export const SHIFT_SHL: u8 = 5;
export const SHIFT_SRSHR: u8 = 6;
export const SHIFT_URSHR: u8 = 7;
export const SHIFT_SRSRA: u8 = 8;
export const SHIFT_URSRA: u8 = 9;
export const SHIFT_SRI: u8 = 10;
export const SHIFT_SLI: u8 = 11;
export const SHIFT_SQSHL: u8 = 12;
export const SHIFT_UQSHL: u8 = 13;
export const SHIFT_SQSHLU: u8 = 14;

// vectorNarrow: lanes of n (twice as wide as d's), shifted by an immediate (0 for the XTN family)
export const NARROW_XTN: u8 = 1;
export const NARROW_SQXTN: u8 = 2;
export const NARROW_UQXTN: u8 = 3;
export const NARROW_SQXTUN: u8 = 4;
export const NARROW_SHRN: u8 = 5;
export const NARROW_RSHRN: u8 = 6;
export const NARROW_SQSHRN: u8 = 7;
export const NARROW_UQSHRN: u8 = 8;
export const NARROW_SQRSHRN: u8 = 9;
export const NARROW_UQRSHRN: u8 = 10;
export const NARROW_SQSHRUN: u8 = 11;
export const NARROW_SQRSHRUN: u8 = 12;

// vectorWiden: lanes of half of n, extended and shifted left into lanes of d twice as wide
export const WIDEN_SSHLL: u8 = 1;
export const WIDEN_USHLL: u8 = 2;

// vectorLong (three different): n and m narrow (L), n wide (W), or both wide with a narrow result (HN)
export const LONG_SADDL: u8 = 1;
export const LONG_UADDL: u8 = 2;
export const LONG_SSUBL: u8 = 3;
export const LONG_USUBL: u8 = 4;
export const LONG_SABAL: u8 = 5;
export const LONG_UABAL: u8 = 6;
export const LONG_SABDL: u8 = 7;
export const LONG_UABDL: u8 = 8;
export const LONG_SMLAL: u8 = 9;
export const LONG_UMLAL: u8 = 10;
export const LONG_SMLSL: u8 = 11;
export const LONG_UMLSL: u8 = 12;
export const LONG_SMULL: u8 = 13;
export const LONG_UMULL: u8 = 14;
export const LONG_SQDMLAL: u8 = 15;
export const LONG_SQDMLSL: u8 = 16;
export const LONG_SQDMULL: u8 = 17;
export const LONG_PMULL: u8 = 18;
export const LONG_SADDW: u8 = 20;
export const LONG_UADDW: u8 = 21;
export const LONG_SSUBW: u8 = 22;
export const LONG_USUBW: u8 = 23;
export const LONG_ADDHN: u8 = 30;
export const LONG_RADDHN: u8 = 31;
export const LONG_SUBHN: u8 = 32;
export const LONG_RSUBHN: u8 = 33;
// Pairwise long (two-register miscellaneous), on n alone
export const LONG_SADDLP: u8 = 40;
export const LONG_UADDLP: u8 = 41;
export const LONG_SADALP: u8 = 42;
export const LONG_UADALP: u8 = 43;
// Shift left long by the element size (SHLL), on half of n alone
export const LONG_SHLL: u8 = 44;

export const PERMUTE_UZP1: u8 = 1;
export const PERMUTE_UZP2: u8 = 2;
export const PERMUTE_TRN1: u8 = 3;
export const PERMUTE_TRN2: u8 = 4;
export const PERMUTE_ZIP1: u8 = 5;
export const PERMUTE_ZIP2: u8 = 6;

export const REDUCE_ADDV: u8 = 1;
export const REDUCE_SADDLV: u8 = 2;
export const REDUCE_UADDLV: u8 = 3;
export const REDUCE_SMAXV: u8 = 4;
export const REDUCE_UMAXV: u8 = 5;
export const REDUCE_SMINV: u8 = 6;
export const REDUCE_UMINV: u8 = 7;

/** Which part of the destination a narrowing or widening form uses (the "2" forms take the upper half). */
export const PART_LOWER: u32 = 0;
export const PART_UPPER: u32 = 1;
/** A scalar form: one lane, the rest of the destination cleared. */
export const PART_SCALAR: u32 = 2;

const scratch: usize = memory.data(16, 16);
/** One lane of m repeated, for the by-element forms. */
const broadcast: usize = memory.data(16, 16);

const QC: u64 = 1 << 27;

@inline function lane(register: usize, bytes: u32, index: u32): u64 {
  const at = register + <usize>(index * bytes);
  if (bytes == 8) return load<u64>(at);
  if (bytes == 4) return <u64>load<u32>(at);
  if (bytes == 2) return <u64>load<u16>(at);
  return <u64>load<u8>(at);
}

@inline function setLane(register: usize, bytes: u32, index: u32, value: u64): void {
  const at = register + <usize>(index * bytes);
  if (bytes == 8) store<u64>(at, value);
  else if (bytes == 4) store<u32>(at, <u32>value);
  else if (bytes == 2) store<u16>(at, <u16>value);
  else store<u8>(at, <u8>value);
}

@inline function signedLane(value: u64, bytes: u32): i64 {
  const shift = <u64>(64 - (bytes << 3));
  return (<i64>(value << shift)) >> shift;
}

@inline function laneMask(bytes: u32): u64 {
  return bytes == 8 ? 0xffff_ffff_ffff_ffff : (<u64>1 << (<u64>bytes << 3)) - 1;
}

@inline function signedMax(bytes: u32): i64 {
  return <i64>(laneMask(bytes) >> 1);
}

@inline function signedMin(bytes: u32): i64 {
  return -signedMax(bytes) - 1;
}

/** Set when a saturating operation saturated; the operation then sets FPSR.QC. */
let saturated: bool = false;

function setQcIfSaturated(): void {
  if (saturated) store<u64>(FPSR, load<u64>(FPSR) | QC);
  saturated = false;
}

/** An exact signed value clamped to a signed lane of `bytes` (for lanes narrower than 64 bits). */
function saturateSigned(value: i64, bytes: u32): u64 {
  const high = signedMax(bytes);
  const low = signedMin(bytes);
  if (value > high) { saturated = true; return <u64>high; }
  if (value < low) { saturated = true; return <u64>low & laneMask(bytes); }
  return <u64>value & laneMask(bytes);
}

/** An exact signed value clamped to an unsigned lane of `bytes` (for lanes narrower than 64 bits). */
function saturateUnsigned(value: i64, bytes: u32): u64 {
  if (value < 0) { saturated = true; return 0; }
  if (<u64>value > laneMask(bytes)) { saturated = true; return laneMask(bytes); }
  return <u64>value;
}

/** An unsigned value clamped to an unsigned lane of `bytes`. */
function saturateUnsignedValue(value: u64, bytes: u32): u64 {
  if (value > laneMask(bytes)) { saturated = true; return laneMask(bytes); }
  return value;
}

/** Copies the scratch result to `destination`, keeping `written` bytes and zeroing the rest. */
function commit(destination: usize, written: u32): void {
  const low = load<u64>(scratch);
  store<u64>(destination, written >= 8 ? low : low & laneMask(written));
  store<u64>(destination, written == 16 ? load<u64>(scratch, 8) : 0, 8);
}

export function vectorLogic(d: usize, n: usize, m: usize, operation: u8, written: u32): void {
  for (let half: usize = 0; half < 16; half += 8) {
    const a = load<u64>(n + half);
    const b = load<u64>(m + half);
    const old = load<u64>(d + half);
    let r: u64 = 0;
    switch (operation) {
      case LOGIC_AND: r = a & b; break;
      case LOGIC_BIC: r = a & ~b; break;
      case LOGIC_ORR: r = a | b; break;
      case LOGIC_ORN: r = a | ~b; break;
      case LOGIC_EOR: r = a ^ b; break;
      case LOGIC_BSL: r = (old & a) | (~old & b); break;
      case LOGIC_BIT: r = (old & ~b) | (a & b); break;
      case LOGIC_BIF: r = (old & b) | (a & ~b); break;
    }
    store<u64>(scratch + half, r);
  }
  commit(d, written);
}

// ---- shifts shared by the register and immediate forms ----

/**
 * `value` (a lane, sign-extended when `signed`) shifted right by `amount` (1 to 128), rounded to
 * nearest when `rounding` (adding half of the last bit shifted out). The result always fits the lane.
 */
function shiftRight(value: u64, amount: u32, signed: bool, rounding: bool): u64 {
  let r: u64;
  if (signed) r = <u64>(<i64>value >> <i64>min<u32>(amount, 63));
  else r = amount >= 64 ? 0 : value >> <u64>amount;
  if (rounding) {
    const last = amount - 1;
    const bit = signed ? <u64>(<i64>value >> <i64>min<u32>(last, 63)) & 1 : last >= 64 ? 0 : (value >> <u64>last) & 1;
    r += bit;
  }
  return r;
}

/**
 * `value` (a lane of `bytes`, sign-extended when `signed`) shifted left by `amount` (0 to 127),
 * saturated to the lane when `saturating` (to the unsigned range when `unsignedResult`), else
 * truncated to it.
 */
function shiftLeft(value: u64, amount: u32, bytes: u32, signed: bool, saturating: bool, unsignedResult: bool): u64 {
  const mask = laneMask(bytes);
  const width = bytes << 3;
  if (!saturating) return amount >= width ? 0 : (value << <u64>amount) & mask;
  if (signed && <i64>value < 0 && unsignedResult) { saturated = true; return 0; }
  if (value == 0) return 0;
  if (signed && !unsignedResult) {
    const s = <i64>value;
    const high = signedMax(bytes);
    const low = signedMin(bytes);
    if (amount >= width) { saturated = true; return <u64>(s < 0 ? low : high) & mask; }
    const shifted = s << <i64>amount;
    // Exact when no significant bit left the 64-bit value; then clamp to the lane.
    if ((shifted >> <i64>amount) != s || shifted > high || shifted < low) {
      saturated = true;
      return <u64>(s < 0 ? low : high) & mask;
    }
    return <u64>shifted & mask;
  }
  // Unsigned result from an unsigned (or non-negative signed) value.
  if (amount >= width) { saturated = true; return mask; }
  const shifted = value << <u64>amount;
  if ((shifted >> <u64>amount) != value || shifted > mask) { saturated = true; return mask; }
  return shifted;
}

/** SSHL, USHL and their rounding and saturating forms: shift by the signed low byte of the amount lane. */
function shiftByRegister(a: u64, amountLane: u64, bytes: u32, signed: bool, rounding: bool, saturating: bool): u64 {
  const amount = <i32>(<i8>amountLane);
  const value = signed ? <u64>signedLane(a, bytes) : a;
  if (amount >= 0) return shiftLeft(value, <u32>amount, bytes, signed, saturating, false);
  return shiftRight(value, <u32>(-amount), signed, rounding) & laneMask(bytes);
}

// ---- three same ----

function saturatingAdd(a: u64, b: u64, bytes: u32, signed: bool, subtract: bool): u64 {
  if (bytes < 8) {
    if (signed) {
      const sa = signedLane(a, bytes);
      const sb = signedLane(b, bytes);
      return saturateSigned(subtract ? sa - sb : sa + sb, bytes);
    }
    return saturateUnsigned(subtract ? <i64>a - <i64>b : <i64>a + <i64>b, bytes);
  }
  if (signed) {
    const r = subtract ? a - b : a + b;
    const overflow = subtract ? ((a ^ b) & (a ^ r)) >> 63 : (~(a ^ b) & (a ^ r)) >> 63;
    if (overflow != 0) {
      saturated = true;
      return <i64>a < 0 ? 0x8000_0000_0000_0000 : 0x7fff_ffff_ffff_ffff;
    }
    return r;
  }
  if (subtract) {
    if (b > a) { saturated = true; return 0; }
    return a - b;
  }
  const r = a + b;
  if (r < a) { saturated = true; return 0xffff_ffff_ffff_ffff; }
  return r;
}

/** SQDMULH and SQRDMULH on 16- or 32-bit lanes: the high half of twice the product. */
function doublingMultiplyHigh(a: u64, b: u64, bytes: u32, rounding: bool): u64 {
  const sa = signedLane(a, bytes);
  const sb = signedLane(b, bytes);
  const low = signedMin(bytes);
  if (sa == low && sb == low) { saturated = true; return <u64>signedMax(bytes); }
  const width = <i64>(bytes << 3);
  let product = sa * sb * 2;
  if (rounding) product += <i64>1 << (width - 1);
  return <u64>(product >> width) & laneMask(bytes);
}

/** Carry-less (polynomial) product of two values of `bits` bits. */
function polynomialMultiply(a: u64, b: u64, bits: u32): u64 {
  let r: u64 = 0;
  for (let i: u32 = 0; i < bits; i++) if (((b >> <u64>i) & 1) != 0) r ^= a << <u64>i;
  return r;
}

@inline function absoluteDifference(a: u64, b: u64, bytes: u32, signed: bool): u64 {
  if (signed) {
    const sa = signedLane(a, bytes);
    const sb = signedLane(b, bytes);
    return sa > sb ? <u64>(sa - sb) : <u64>(sb - sa);
  }
  return a > b ? a - b : b - a;
}

export function vectorArith(d: usize, n: usize, m: usize, operation: u8, bytes: u32, written: u32): void {
  const lanes = written / bytes;
  const mask = laneMask(bytes);
  const half = lanes >> 1;
  for (let i: u32 = 0; i < lanes; i++) {
    const a = lane(n, bytes, i);
    const b = lane(m, bytes, i);
    const sa = signedLane(a, bytes);
    const sb = signedLane(b, bytes);
    let r: u64 = 0;
    switch (operation) {
      case ARITH_ADD: r = a + b; break;
      case ARITH_SUB: r = a - b; break;
      case ARITH_MUL: r = a * b; break;
      case ARITH_SSHL: r = shiftByRegister(a, b, bytes, true, false, false); break;
      case ARITH_USHL: r = shiftByRegister(a, b, bytes, false, false, false); break;
      case ARITH_SRSHL: r = shiftByRegister(a, b, bytes, true, true, false); break;
      case ARITH_URSHL: r = shiftByRegister(a, b, bytes, false, true, false); break;
      case ARITH_SQSHL: r = shiftByRegister(a, b, bytes, true, false, true); break;
      case ARITH_UQSHL: r = shiftByRegister(a, b, bytes, false, false, true); break;
      case ARITH_SQRSHL: r = shiftByRegister(a, b, bytes, true, true, true); break;
      case ARITH_UQRSHL: r = shiftByRegister(a, b, bytes, false, true, true); break;
      case ARITH_CMTST: r = (a & b) != 0 ? mask : 0; break;
      case ARITH_CMEQ: r = a == b ? mask : 0; break;
      case ARITH_CMGT: r = sa > sb ? mask : 0; break;
      case ARITH_CMHI: r = a > b ? mask : 0; break;
      case ARITH_CMGE: r = sa >= sb ? mask : 0; break;
      case ARITH_CMHS: r = a >= b ? mask : 0; break;
      case ARITH_SMAX: r = sa > sb ? a : b; break;
      case ARITH_UMAX: r = a > b ? a : b; break;
      case ARITH_SMIN: r = sa < sb ? a : b; break;
      case ARITH_UMIN: r = a < b ? a : b; break;
      case ARITH_SHADD: r = <u64>((sa + sb) >> 1); break;
      case ARITH_UHADD: r = (a + b) >> 1; break;
      case ARITH_SRHADD: r = <u64>((sa + sb + 1) >> 1); break;
      case ARITH_URHADD: r = (a + b + 1) >> 1; break;
      case ARITH_SHSUB: r = <u64>((sa - sb) >> 1); break;
      case ARITH_UHSUB: r = <u64>((<i64>a - <i64>b) >> 1); break;
      case ARITH_SQADD: r = saturatingAdd(a, b, bytes, true, false); break;
      case ARITH_UQADD: r = saturatingAdd(a, b, bytes, false, false); break;
      case ARITH_SQSUB: r = saturatingAdd(a, b, bytes, true, true); break;
      case ARITH_UQSUB: r = saturatingAdd(a, b, bytes, false, true); break;
      case ARITH_SABD: r = absoluteDifference(a, b, bytes, true); break;
      case ARITH_UABD: r = absoluteDifference(a, b, bytes, false); break;
      case ARITH_SABA: r = lane(d, bytes, i) + absoluteDifference(a, b, bytes, true); break;
      case ARITH_UABA: r = lane(d, bytes, i) + absoluteDifference(a, b, bytes, false); break;
      case ARITH_MLA: r = lane(d, bytes, i) + a * b; break;
      case ARITH_MLS: r = lane(d, bytes, i) - a * b; break;
      case ARITH_PMUL: r = polynomialMultiply(a, b, 8); break;
      case ARITH_SQDMULH: r = doublingMultiplyHigh(a, b, bytes, false); break;
      case ARITH_SQRDMULH: r = doublingMultiplyHigh(a, b, bytes, true); break;
      case ARITH_ADDP: case ARITH_SMAXP: case ARITH_UMAXP: case ARITH_SMINP: case ARITH_UMINP: {
        // Pairwise: the low half of the result from n's pairs, the high half from m's.
        const source = i < half ? n : m;
        const pairIndex = (i < half ? i : i - half) << 1;
        const x = lane(source, bytes, pairIndex);
        const y = lane(source, bytes, pairIndex + 1);
        const sx = signedLane(x, bytes);
        const sy = signedLane(y, bytes);
        if (operation == ARITH_ADDP) r = x + y;
        else if (operation == ARITH_SMAXP) r = sx > sy ? x : y;
        else if (operation == ARITH_UMAXP) r = x > y ? x : y;
        else if (operation == ARITH_SMINP) r = sx < sy ? x : y;
        else r = x < y ? x : y;
        break;
      }
    }
    setLane(scratch, bytes, i, r & mask);
  }
  commit(d, written);
  setQcIfSaturated();
}

/** The by-element forms: lane `index` of m repeated across a register, for vectorArith or vectorLong. */
export function broadcastLane(m: usize, bytes: u32, index: u32): usize {
  const value = lane(m, bytes, index);
  for (let i: u32 = 0; i < 16 / bytes; i++) setLane(broadcast, bytes, i, value);
  return broadcast;
}

// ---- two-register miscellaneous ----

function countLeadingZeros(value: u64, bytes: u32): u64 {
  if (value == 0) return <u64>(bytes << 3);
  return <u64>clz<u64>(value) - <u64>(64 - (bytes << 3));
}

function countLeadingSignBits(value: u64, bytes: u32): u64 {
  const width = bytes << 3;
  // CLZ of x<width-1:1> EOR x<width-2:0>, a value of width - 1 bits
  const x = ((value >> 1) ^ value) & (laneMask(bytes) >> 1);
  if (x == 0) return <u64>(width - 1);
  return <u64>clz<u64>(x) - <u64>(64 - (width - 1));
}

/** Two-register operations; `written` is the bytes written (8, 16, or a scalar lane's size). */
export function vectorUnary(d: usize, n: usize, operation: u8, bytes: u32, written: u32): void {
  const lanes = written / bytes;
  const mask = laneMask(bytes);
  const high = signedMax(bytes);
  const low = signedMin(bytes);
  for (let i: u32 = 0; i < lanes; i++) {
    const a = lane(n, bytes, i);
    const s = signedLane(a, bytes);
    let r: u64 = 0;
    switch (operation) {
      case UNARY_CNT: r = <u64>popcnt<u64>(a); break;
      case UNARY_NOT: r = ~a; break;
      case UNARY_RBIT: r = <u64>(reverseBits8(<u32>a)); break;
      case UNARY_ABS: r = <u64>(s < 0 ? -s : s); break;
      case UNARY_NEG: r = <u64>(-s); break;
      case UNARY_CMEQ0: r = s == 0 ? mask : 0; break;
      case UNARY_CMLE0: r = s <= 0 ? mask : 0; break;
      case UNARY_CMGT0: r = s > 0 ? mask : 0; break;
      case UNARY_CMGE0: r = s >= 0 ? mask : 0; break;
      case UNARY_CMLT0: r = s < 0 ? mask : 0; break;
      case UNARY_REV64: r = lane(n, bytes, (i ^ ((8 / bytes) - 1))); break;
      case UNARY_REV32: r = lane(n, bytes, (i ^ ((4 / bytes) - 1))); break;
      case UNARY_REV16: r = lane(n, bytes, (i ^ 1)); break;
      case UNARY_CLZ: r = countLeadingZeros(a, bytes); break;
      case UNARY_CLS: r = countLeadingSignBits(a, bytes); break;
      case UNARY_SQABS: case UNARY_SQNEG: {
        // MIN is the one value whose absolute value and negation do not fit: both give MAX.
        if (s == low) {
          saturated = true;
          r = <u64>high;
        } else r = <u64>(operation == UNARY_SQNEG || s < 0 ? -s : s);
        break;
      }
      case UNARY_SUQADD: { // signed accumulator plus an unsigned value, saturated to the signed range
        const accumulator = signedLane(lane(d, bytes, i), bytes);
        if (bytes < 8) r = saturateSigned(accumulator + <i64>a, bytes);
        else {
          const limit = <u64>0x7fff_ffff_ffff_ffff - <u64>accumulator;
          if (a > limit) { saturated = true; r = 0x7fff_ffff_ffff_ffff; } else r = <u64>accumulator + a;
        }
        break;
      }
      case UNARY_USQADD: { // unsigned accumulator plus a signed value, saturated to the unsigned range
        const accumulator = lane(d, bytes, i);
        if (bytes < 8) r = saturateUnsigned(<i64>accumulator + s, bytes);
        else if (s < 0) {
          const magnitude = 0 - <u64>s;
          if (magnitude > accumulator) { saturated = true; r = 0; } else r = accumulator - magnitude;
        } else {
          r = accumulator + <u64>s;
          if (r < accumulator) { saturated = true; r = 0xffff_ffff_ffff_ffff; }
        }
        break;
      }
    }
    setLane(scratch, bytes, i, r & mask);
  }
  commit(d, written);
  setQcIfSaturated();
}

function reverseBits8(value: u32): u32 {
  let r: u32 = 0;
  for (let i = 0; i < 8; i++) r |= ((value >> i) & 1) << (7 - i);
  return r;
}

/** Writes `lanes` lanes of `bytes` from scratch into the part of d that `part` names. */
function commitPart(d: usize, bytes: u32, part: u32): void {
  if (part == PART_SCALAR) {
    commit(d, bytes);
  } else if (part == PART_UPPER) {
    store<u64>(d, load<u64>(scratch), 8); // the low half of d is kept
  } else {
    store<u64>(d, load<u64>(scratch));
    store<u64>(d, 0, 8);
  }
}

/**
 * The narrowing forms: each lane of n (2*bytes wide) shifted right by `amount` (0 for the XTN
 * family; rounded for the R forms) and truncated or saturated into a lane of `bytes`.
 */
export function vectorNarrow(d: usize, n: usize, operation: u8, bytes: u32, amount: u32, part: u32): void {
  const wide = bytes << 1;
  const lanes: u32 = part == PART_SCALAR ? 1 : <u32>8 / bytes;
  for (let i: u32 = 0; i < lanes; i++) {
    const a = lane(n, wide, i);
    const s = <u64>signedLane(a, wide);
    let r: u64 = 0;
    switch (operation) {
      case NARROW_XTN: r = a; break;
      case NARROW_SQXTN: r = saturateSigned(<i64>s, bytes); break;
      case NARROW_UQXTN: r = saturateUnsignedValue(a, bytes); break;
      case NARROW_SQXTUN: r = saturateUnsigned(<i64>s, bytes); break;
      case NARROW_SHRN: r = shiftRight(a, amount, false, false); break;
      case NARROW_RSHRN: r = shiftRight(a, amount, false, true); break;
      case NARROW_SQSHRN: r = saturateSigned(<i64>shiftRight(s, amount, true, false), bytes); break;
      case NARROW_SQRSHRN: r = saturateSigned(<i64>shiftRight(s, amount, true, true), bytes); break;
      case NARROW_SQSHRUN: r = saturateUnsigned(<i64>shiftRight(s, amount, true, false), bytes); break;
      case NARROW_SQRSHRUN: r = saturateUnsigned(<i64>shiftRight(s, amount, true, true), bytes); break;
      case NARROW_UQSHRN: case NARROW_UQRSHRN: {
        r = saturateUnsignedValue(shiftRight(a, amount, false, operation == NARROW_UQRSHRN), bytes);
        break;
      }
    }
    setLane(scratch, bytes, i, r & laneMask(bytes));
  }
  commitPart(d, bytes, part);
  setQcIfSaturated();
}

/** SSHLL and USHLL (SXTL, UXTL): the lower or upper 8 bytes of n widened and shifted left. */
export function vectorWiden(d: usize, n: usize, operation: u8, bytes: u32, amount: u32, part: u32): void {
  const source = n + (part == PART_UPPER ? 8 : 0);
  const lanes = <u32>8 / bytes;
  const wide = bytes << 1;
  for (let i: u32 = 0; i < lanes; i++) {
    let value = lane(source, bytes, i);
    if (operation == WIDEN_SSHLL) value = <u64>signedLane(value, bytes);
    setLane(scratch, wide, i, (value << <u64>amount) & laneMask(wide));
  }
  commit(d, 16);
}

// ---- shift by immediate ----

/** Shifts by immediate (right shifts: 1 to the lane width; left shifts: 0 to the width - 1). */
export function vectorShift(d: usize, n: usize, operation: u8, bytes: u32, amount: u32, written: u32): void {
  const lanes = written / bytes;
  const mask = laneMask(bytes);
  for (let i: u32 = 0; i < lanes; i++) {
    const a = lane(n, bytes, i);
    const s = <u64>signedLane(a, bytes);
    let r: u64 = 0;
    switch (operation) {
      case SHIFT_SSHR: r = shiftRight(s, amount, true, false); break;
      case SHIFT_USHR: r = shiftRight(a, amount, false, false); break;
      case SHIFT_SRSHR: r = shiftRight(s, amount, true, true); break;
      case SHIFT_URSHR: r = shiftRight(a, amount, false, true); break;
      case SHIFT_SSRA: r = lane(d, bytes, i) + shiftRight(s, amount, true, false); break;
      case SHIFT_USRA: r = lane(d, bytes, i) + shiftRight(a, amount, false, false); break;
      case SHIFT_SRSRA: r = lane(d, bytes, i) + shiftRight(s, amount, true, true); break;
      case SHIFT_URSRA: r = lane(d, bytes, i) + shiftRight(a, amount, false, true); break;
      case SHIFT_SHL: r = a << <u64>amount; break;
      case SHIFT_SRI: { // the top `amount` bits of each lane of d stay
        const keep = amount >= (bytes << 3) ? mask : ~(mask >> <u64>amount) & mask;
        r = (lane(d, bytes, i) & keep) | shiftRight(a, amount, false, false);
        break;
      }
      case SHIFT_SLI: { // the low `amount` bits of each lane of d stay
        const keep = (<u64>1 << <u64>amount) - 1;
        r = (lane(d, bytes, i) & keep) | (a << <u64>amount);
        break;
      }
      case SHIFT_SQSHL: r = shiftLeft(s, amount, bytes, true, true, false); break;
      case SHIFT_UQSHL: r = shiftLeft(a, amount, bytes, false, true, false); break;
      case SHIFT_SQSHLU: r = shiftLeft(s, amount, bytes, true, true, true); break;
    }
    setLane(scratch, bytes, i, r & mask);
  }
  commit(d, written);
  setQcIfSaturated();
}

// ---- three different, shift left long, pairwise long ----

/**
 * The widening and narrowing three-register forms, and SHLL. `bytes` is the narrow lane size; L
 * forms read the lower or upper half of n and m (per `part`; a scalar form one lane), W forms all of
 * n (wide) and half of m, HN forms all of n and m (wide) with narrow results in the lower or upper
 * half of d.
 */
export function vectorLong(d: usize, n: usize, m: usize, operation: u8, bytes: u32, part: u32): void {
  const wide = bytes << 1;
  const wideMask = laneMask(wide);
  if (operation >= LONG_ADDHN && operation <= LONG_RSUBHN) {
    const lanes = <u32>8 / bytes;
    const width = <u64>(bytes << 3);
    for (let i: u32 = 0; i < lanes; i++) {
      const a = lane(n, wide, i);
      const b = lane(m, wide, i);
      let r = operation == LONG_ADDHN || operation == LONG_RADDHN ? a + b : a - b;
      if (operation == LONG_RADDHN || operation == LONG_RSUBHN) r += <u64>1 << (width - 1);
      setLane(scratch, bytes, i, ((r & wideMask) >> width) & laneMask(bytes));
    }
    commitPart(d, bytes, part);
    return;
  }
  const half: usize = part == PART_UPPER ? 8 : 0;
  const lanes: u32 = part == PART_SCALAR ? 1 : <u32>8 / bytes;
  for (let i: u32 = 0; i < lanes; i++) {
    let r: u64 = 0;
    const isW = operation >= LONG_SADDW && operation <= LONG_USUBW;
    const a = isW ? lane(n, wide, i) : lane(n + half, bytes, i);
    const b = lane(m + half, bytes, i);
    const sa = isW ? signedLane(a, wide) : signedLane(a, bytes);
    const sb = signedLane(b, bytes);
    switch (operation) {
      case LONG_SADDL: case LONG_SADDW: r = <u64>(sa + sb); break;
      case LONG_UADDL: case LONG_UADDW: r = a + b; break;
      case LONG_SSUBL: case LONG_SSUBW: r = <u64>(sa - sb); break;
      case LONG_USUBL: case LONG_USUBW: r = a - b; break;
      case LONG_SABDL: r = <u64>(sa > sb ? sa - sb : sb - sa); break;
      case LONG_UABDL: r = a > b ? a - b : b - a; break;
      case LONG_SABAL: r = lane(d, wide, i) + <u64>(sa > sb ? sa - sb : sb - sa); break;
      case LONG_UABAL: r = lane(d, wide, i) + (a > b ? a - b : b - a); break;
      case LONG_SMULL: r = <u64>(sa * sb); break;
      case LONG_UMULL: r = a * b; break;
      case LONG_SMLAL: r = lane(d, wide, i) + <u64>(sa * sb); break;
      case LONG_UMLAL: r = lane(d, wide, i) + a * b; break;
      case LONG_SMLSL: r = lane(d, wide, i) - <u64>(sa * sb); break;
      case LONG_UMLSL: r = lane(d, wide, i) - a * b; break;
      case LONG_PMULL: r = polynomialMultiply(a, b, bytes << 3); break;
      case LONG_SHLL: r = a << <u64>(bytes << 3); break;
      case LONG_SQDMULL: case LONG_SQDMLAL: case LONG_SQDMLSL: {
        // Twice the product, saturated to the wide lane (only MIN * MIN overflows), then accumulated.
        const low = signedMin(bytes);
        let product: u64;
        if (sa == low && sb == low) {
          saturated = true;
          product = <u64>signedMax(wide);
        } else product = <u64>(sa * sb * 2);
        if (operation == LONG_SQDMULL) r = product & wideMask;
        else r = saturatingAdd(lane(d, wide, i), product & wideMask, wide, true, operation == LONG_SQDMLSL);
        break;
      }
    }
    setLane(scratch, wide, i, r & wideMask);
  }
  commit(d, part == PART_SCALAR ? wide : 16);
  setQcIfSaturated();
}

/** SADDLP, UADDLP, SADALP, UADALP: adjacent pairs of lanes of n added into lanes twice as wide. */
export function vectorPairwiseLong(d: usize, n: usize, operation: u8, bytes: u32, written: u32): void {
  const wide = bytes << 1;
  const signed = operation == LONG_SADDLP || operation == LONG_SADALP;
  const accumulate = operation == LONG_SADALP || operation == LONG_UADALP;
  for (let i: u32 = 0; i < written / wide; i++) {
    const x = lane(n, bytes, 2 * i);
    const y = lane(n, bytes, 2 * i + 1);
    let r = signed ? <u64>(signedLane(x, bytes) + signedLane(y, bytes)) : x + y;
    if (accumulate) r += lane(d, wide, i);
    setLane(scratch, wide, i, r & laneMask(wide));
  }
  commit(d, written);
}

// ---- permutes, reductions, extract, table lookup, duplicates ----

export function vectorPermute(d: usize, n: usize, m: usize, operation: u8, bytes: u32, written: u32): void {
  const lanes = written / bytes;
  const half = lanes >> 1;
  for (let i: u32 = 0; i < lanes; i++) {
    let r: u64 = 0;
    switch (operation) {
      case PERMUTE_UZP1: r = i < half ? lane(n, bytes, i << 1) : lane(m, bytes, (i - half) << 1); break;
      case PERMUTE_UZP2: r = i < half ? lane(n, bytes, (i << 1) + 1) : lane(m, bytes, ((i - half) << 1) + 1); break;
      case PERMUTE_TRN1: r = (i & 1) == 0 ? lane(n, bytes, i) : lane(m, bytes, i - 1); break;
      case PERMUTE_TRN2: r = (i & 1) == 0 ? lane(n, bytes, i + 1) : lane(m, bytes, i); break;
      case PERMUTE_ZIP1: r = (i & 1) == 0 ? lane(n, bytes, i >> 1) : lane(m, bytes, i >> 1); break;
      case PERMUTE_ZIP2: r = (i & 1) == 0 ? lane(n, bytes, half + (i >> 1)) : lane(m, bytes, half + (i >> 1)); break;
    }
    setLane(scratch, bytes, i, r);
  }
  commit(d, written);
}

/** Across-lanes reductions; the result is a scalar in the low lane, the rest of d cleared. */
export function vectorReduce(d: usize, n: usize, operation: u8, bytes: u32, read: u32): void {
  const lanes = read / bytes;
  let acc: u64 = lane(n, bytes, 0);
  let signedAcc: i64 = signedLane(acc, bytes);
  if (operation == REDUCE_UADDLV) signedAcc = <i64>acc;
  for (let i: u32 = 1; i < lanes; i++) {
    const a = lane(n, bytes, i);
    const s = signedLane(a, bytes);
    switch (operation) {
      case REDUCE_ADDV: acc += a; break;
      case REDUCE_UADDLV: signedAcc += <i64>a; break;
      case REDUCE_SADDLV: signedAcc += s; break;
      case REDUCE_UMAXV: if (a > acc) acc = a; break;
      case REDUCE_UMINV: if (a < acc) acc = a; break;
      case REDUCE_SMAXV: if (s > signedAcc) { signedAcc = s; acc = a; } break;
      case REDUCE_SMINV: if (s < signedAcc) { signedAcc = s; acc = a; } break;
    }
  }
  store<u64>(scratch, 0);
  store<u64>(scratch, 0, 8);
  if (operation == REDUCE_UADDLV || operation == REDUCE_SADDLV) {
    setLane(scratch, bytes << 1, 0, <u64>signedAcc & laneMask(bytes << 1));
  } else {
    setLane(scratch, bytes, 0, acc & laneMask(bytes));
  }
  commit(d, 16);
}

export function vectorExtract(d: usize, n: usize, m: usize, index: u32, written: u32): void {
  for (let i: u32 = 0; i < written; i++) {
    const at = index + i;
    store<u8>(scratch + i, at < written ? load<u8>(n + at) : load<u8>(m + at - written));
  }
  commit(d, written);
}

/**
 * TBL and TBX: each byte of m indexes the table of `registers` consecutive registers (from
 * `firstTable`, wrapping after v31, at `vectorBase`); an index past the table gives 0 (TBL) or
 * leaves d's byte (TBX).
 */
export function vectorTable(d: usize, vectorBase: usize, firstTable: u32, registers: u32, m: usize, extension: bool,
  written: u32): void {
  const limit = registers << 4;
  for (let i: u32 = 0; i < written; i++) {
    const index = <u32>load<u8>(m + i);
    let r: u8;
    if (index < limit) {
      const register = vectorBase + (<usize>((firstTable + (index >> 4)) & 31) << 4);
      r = load<u8>(register + <usize>(index & 15));
    } else r = extension ? load<u8>(d + i) : 0;
    store<u8>(scratch + i, r);
  }
  commit(d, written);
}

/** DUP from a general register or a lane: `written` bytes of copies. */
export function vectorDuplicate(d: usize, value: u64, bytes: u32, written: u32): void {
  for (let i: u32 = 0; i < written / bytes; i++) setLane(scratch, bytes, i, value);
  commit(d, written);
}

export function readLane(register: usize, bytes: u32, index: u32): u64 {
  return lane(register, bytes, index);
}

export function writeLane(register: usize, bytes: u32, index: u32, value: u64): void {
  setLane(register, bytes, index, value);
}
