// The high half of 64 x 64-bit products, which both architectures' multiply-high instructions
// need (A64 UMULH and SMULH, x86-64 MUL and IMUL): WebAssembly has no 128-bit product.

/** High 64 bits of the unsigned 128-bit product. */
export function multiplyHighUnsigned(a: u64, b: u64): u64 {
  const aLow = a & 0xffff_ffff;
  const aHigh = a >> 32;
  const bLow = b & 0xffff_ffff;
  const bHigh = b >> 32;
  const lowLow = aLow * bLow;
  const highLow = aHigh * bLow;
  const lowHigh = aLow * bHigh;
  // At most 2^64 - 1: no carry is lost.
  const cross = (lowLow >> 32) + (highLow & 0xffff_ffff) + lowHigh;
  return aHigh * bHigh + (highLow >> 32) + (cross >> 32);
}

/** High 64 bits of the signed 128-bit product. */
export function multiplyHighSigned(a: u64, b: u64): u64 {
  let high = multiplyHighUnsigned(a, b);
  if (<i64>a < 0) high -= b;
  if (<i64>b < 0) high -= a;
  return high;
}
