// Lazy arithmetic flags. A flag-setting instruction records what it did (kind, size, result and
// operands: five stores); the six arithmetic flags are computed only when something reads them, and
// conditions read straight from the record where they can (cmp + jcc never builds RFLAGS).
//
// Invariant for every kind: ZF, SF and PF come from the recorded result (PF from its low byte).
import {
  AF, ARITHMETIC_FLAGS, CF, LAZY_A, LAZY_AUX, LAZY_B, LAZY_KIND, LAZY_RESULT, LAZY_SIZE, OF, PF, RFLAGS, SF, ZF,
} from './state';
import { X64_LAZY_NONE } from './state-layout';

/** RFLAGS holds every flag. */
export const LAZY_NONE: u32 = X64_LAZY_NONE;
/** result = a + b */
export const LAZY_ADD: u32 = 1;
/** result = a + b + 1 */
export const LAZY_ADC: u32 = 2;
/** result = a - b */
export const LAZY_SUB: u32 = 3;
/** result = a - b - 1 */
export const LAZY_SBB: u32 = 4;
/** result = a + 1 (b = 1); CF is kept, in aux */
export const LAZY_INC: u32 = 5;
/** result = a - 1 (b = 1); CF is kept, in aux */
export const LAZY_DEC: u32 = 6;
/** CF, OF and AF are given in aux; ZF, SF and PF come from the result (logic, shifts, multiply) */
export const LAZY_RESULT_AUX: u32 = 7;

@inline export function sizeMask(size: u32): u64 {
  return size == 8 ? 0xffff_ffff_ffff_ffff : (<u64>1 << (<u64>size << 3)) - 1;
}

@inline export function signBit(size: u32): u64 {
  return <u64>1 << ((<u64>size << 3) - 1);
}

/** Records a flag-setting operation; values must already be truncated to `size`. */
@inline export function setLazy(kind: u32, size: u32, result: u64, a: u64, b: u64): void {
  store<u32>(LAZY_KIND, kind);
  store<u32>(LAZY_SIZE, size);
  store<u64>(LAZY_RESULT, result);
  store<u64>(LAZY_A, a);
  store<u64>(LAZY_B, b);
}

/** Records a result whose CF, OF and AF are known (`aux`, in RFLAGS positions). */
@inline export function setResultFlags(size: u32, result: u64, aux: u64): void {
  store<u32>(LAZY_KIND, LAZY_RESULT_AUX);
  store<u32>(LAZY_SIZE, size);
  store<u64>(LAZY_RESULT, result);
  store<u64>(LAZY_AUX, aux);
}

@inline function parity(value: u64): u64 {
  return (popcnt<u32>(<u32>value & 0xff) & 1) == 0 ? PF : 0;
}

/** The six arithmetic flags as the lazy record defines them (the record must not be LAZY_NONE). */
function lazyArithmetic(kind: u32): u64 {
  const size = load<u32>(LAZY_SIZE);
  const result = load<u64>(LAZY_RESULT);
  const a = load<u64>(LAZY_A);
  const b = load<u64>(LAZY_B);
  const sign = signBit(size);
  let flags: u64 = parity(result);
  if (result == 0) flags |= ZF;
  if ((result & sign) != 0) flags |= SF;
  switch (kind) {
    case LAZY_ADD:
    case LAZY_ADC:
    case LAZY_INC: {
      if (kind == LAZY_ADD ? result < a : kind == LAZY_ADC ? result <= a : (load<u64>(LAZY_AUX) & CF) != 0) flags |= CF;
      if (((a ^ result) & (b ^ result) & sign) != 0) flags |= OF;
      flags |= (a ^ b ^ result) & AF;
      break;
    }
    case LAZY_SUB:
    case LAZY_SBB:
    case LAZY_DEC: {
      if (kind == LAZY_SUB ? a < b : kind == LAZY_SBB ? a <= b : (load<u64>(LAZY_AUX) & CF) != 0) flags |= CF;
      if (((a ^ b) & (a ^ result) & sign) != 0) flags |= OF;
      flags |= (a ^ b ^ result) & AF;
      break;
    }
    default:
      flags |= load<u64>(LAZY_AUX) & (CF | OF | AF);
  }
  return flags;
}

/** The arithmetic flags now, without changing the state. */
export function arithmeticFlags(): u64 {
  const kind = load<u32>(LAZY_KIND);
  if (kind == LAZY_NONE) return load<u64>(RFLAGS) & ARITHMETIC_FLAGS;
  return lazyArithmetic(kind);
}

/** Folds the lazy record into RFLAGS and returns the whole register. */
export function materializeFlags(): u64 {
  const kind = load<u32>(LAZY_KIND);
  let flags = load<u64>(RFLAGS);
  if (kind != LAZY_NONE) {
    flags = (flags & ~ARITHMETIC_FLAGS) | lazyArithmetic(kind);
    store<u64>(RFLAGS, flags);
    store<u32>(LAZY_KIND, LAZY_NONE);
  }
  return flags;
}

/** Replaces the arithmetic flags in `mask` by those in `value` (an instruction that sets some flags). */
export function setFlagBits(mask: u64, value: u64): void {
  const flags = materializeFlags();
  store<u64>(RFLAGS, (flags & ~mask) | (value & mask));
}

@inline export function carryFlag(): u64 {
  const kind = load<u32>(LAZY_KIND);
  if (kind == LAZY_SUB) return load<u64>(LAZY_A) < load<u64>(LAZY_B) ? 1 : 0;
  if (kind == LAZY_ADD) return load<u64>(LAZY_RESULT) < load<u64>(LAZY_A) ? 1 : 0;
  // inc/dec keep CF in aux, and results with known flags have it there: no need to build them all.
  if (kind >= LAZY_INC) return load<u64>(LAZY_AUX) & CF;
  return arithmeticFlags() & CF;
}

/**
 * Evaluates condition code `cc` (0 o, 1 no, 2 b, 3 ae, 4 e, 5 ne, 6 be, 7 a, 8 s, 9 ns, 10 p,
 * 11 np, 12 l, 13 ge, 14 le, 15 g).
 */
export function condition(cc: u32): bool {
  const kind = load<u32>(LAZY_KIND);
  const test = cc >> 1;
  let holds: bool;
  if (kind == LAZY_SUB && test != 0 && test != 4 && test != 5) {
    // After cmp/sub the unsigned and signed orders of the operands answer directly.
    const a = load<u64>(LAZY_A);
    const b = load<u64>(LAZY_B);
    const sign = signBit(load<u32>(LAZY_SIZE));
    switch (test) {
      case 1: holds = a < b; break;
      case 2: holds = a == b; break;
      case 3: holds = a <= b; break;
      case 6: holds = (a ^ sign) < (b ^ sign); break;
      default: holds = (a ^ sign) <= (b ^ sign); break;
    }
  } else if (kind != LAZY_NONE && test == 2) {
    holds = load<u64>(LAZY_RESULT) == 0;
  } else {
    const flags = kind == LAZY_NONE ? load<u64>(RFLAGS) : lazyArithmetic(kind);
    switch (test) {
      case 0: holds = (flags & OF) != 0; break;
      case 1: holds = (flags & CF) != 0; break;
      case 2: holds = (flags & ZF) != 0; break;
      case 3: holds = (flags & (CF | ZF)) != 0; break;
      case 4: holds = (flags & SF) != 0; break;
      case 5: holds = (flags & PF) != 0; break;
      case 6: holds = ((flags & SF) != 0) != ((flags & OF) != 0); break;
      default: holds = (flags & ZF) != 0 || ((flags & SF) != 0) != ((flags & OF) != 0); break;
    }
  }
  return (cc & 1) != 0 ? !holds : holds;
}

// ---- conditions straight from an operation's operands and result (a fused flag setter and jcc) ----
// Each gives what condition(cc) would give on the lazy record the operation just wrote; the rare
// conditions they do not cover (parity, and CF after dec) still ask condition().

/** After sub or cmp: a - b = r, of `size` bytes. */
@inline export function subtractCondition(size: u32, cc: u32, a: u64, b: u64, r: u64): bool {
  const sign = signBit(size);
  let holds: bool;
  switch (cc >> 1) {
    case 0: holds = ((a ^ b) & (a ^ r) & sign) != 0; break;
    case 1: holds = a < b; break;
    case 2: holds = a == b; break;
    case 3: holds = a <= b; break;
    case 4: holds = (r & sign) != 0; break;
    case 5: return condition(cc);
    case 6: holds = (a ^ sign) < (b ^ sign); break;
    default: holds = (a ^ sign) <= (b ^ sign); break;
  }
  return (cc & 1) != 0 ? !holds : holds;
}

/** After and, or, xor or test giving r: CF and OF are clear. */
@inline export function logicCondition(size: u32, cc: u32, r: u64): bool {
  const negative = (r & signBit(size)) != 0;
  let holds: bool;
  switch (cc >> 1) {
    case 0: case 1: holds = false; break;
    case 2: case 3: holds = r == 0; break;
    case 4: case 6: holds = negative; break;
    case 5: return condition(cc);
    default: holds = r == 0 || negative; break;
  }
  return (cc & 1) != 0 ? !holds : holds;
}

/** After dec: a - 1 = r; OF is set when a was the most negative value. CF is the one dec kept. */
@inline export function decrementCondition(size: u32, cc: u32, a: u64, r: u64): bool {
  const sign = signBit(size);
  const negative = (r & sign) != 0;
  let holds: bool;
  switch (cc >> 1) {
    case 0: holds = a == sign; break;
    case 2: holds = r == 0; break;
    case 4: holds = negative; break;
    case 6: holds = negative != (a == sign); break;
    case 7: holds = r == 0 || negative != (a == sign); break;
    default: return condition(cc); // b, be, p
  }
  return (cc & 1) != 0 ? !holds : holds;
}
