// What resolving one relocation found: the number that had to fit its field, the range it had to
// fit, and why it did not. Each architecture's kinds (x64/relocations.ts, arm64/relocations.ts)
// encode their fields and fill one of these; the link step (link.ts) turns a failure into the
// engine's answer, and the host into a message that names the relocation, the symbol and the distance.

export const RESOLVED: i32 = 0;
/** The value or distance does not fit the field (`value` is it, `min`..`max` what fits). */
export const OUT_OF_REACH: i32 = 1;
/** The value or distance is not a multiple of what the field counts in (`alignment`). */
export const MISALIGNED: i32 = 2;
/** S + A is outside the 64-bit address space, or the distance outside 64 bits. */
export const OVERFLOW: i32 = 3;

export class Outcome {
  status: i32 = RESOLVED;
  /** The distance (PC-relative kinds), the page distance (ADRP), or the value (absolute kinds). */
  value: i64 = 0;
  min: i64 = 0;
  max: i64 = 0;
  alignment: i64 = 0;
  /** Scratch results of addAddend and signedDistance. */
  sum: u64 = 0;
  distance: i64 = 0;

  reset(): void {
    this.status = RESOLVED;
    this.value = 0;
    this.min = 0;
    this.max = 0;
    this.alignment = 0;
  }

  /** Whether `value` lies in `min`..`max` and is a multiple of `alignment`; records why not. */
  fits(value: i64, min: i64, max: i64, alignment: i64): bool {
    this.value = value;
    this.min = min;
    this.max = max;
    this.alignment = alignment;
    if (alignment > 1 && value % alignment != 0) {
      this.status = MISALIGNED;
      return false;
    }
    if (value < min || value > max) {
      this.status = OUT_OF_REACH;
      return false;
    }
    return true;
  }

  overflow(): bool {
    this.status = OVERFLOW;
    return false;
  }
}

/** S + A into `out.sum`, or false (with OVERFLOW recorded) when it leaves the 64-bit address space. */
export function addAddend(symbol: u64, addend: i64, out: Outcome): bool {
  const sum = symbol + <u64>addend;
  if ((addend >= 0 && sum < symbol) || (addend < 0 && sum > symbol)) return out.overflow();
  out.sum = sum;
  return true;
}

/** `to - from` into `out.distance` as a signed 64-bit number, or false (with OVERFLOW recorded) when it does not fit. */
export function signedDistance(from: u64, to: u64, out: Outcome): bool {
  if (to >= from) {
    const d = to - from;
    if (d > <u64>i64.MAX_VALUE) return out.overflow();
    out.distance = <i64>d;
  } else {
    const d = from - to;
    if (d > (<u64>1 << 63)) return out.overflow();
    out.distance = -<i64>d;
  }
  return true;
}
