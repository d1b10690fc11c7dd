// A64 instruction fields: the bit-level reading both A64 decoders share, the engine's (which
// classifies words for relocation) and the CPU's (which turns them into interpreter entries).
// Everything is inlined, so a decoder pays nothing for calling here.

/** The `count`-bit field of `word` that starts at bit `lo`. */
// @ts-ignore: decorator
@inline export function bits(word: u32, lo: u32, count: u32): u32 {
  return (word >> lo) & ((<u32>1 << count) - 1);
}

/** Bit `at` of `word`, 0 or 1. */
// @ts-ignore: decorator
@inline export function bit(word: u32, at: u32): u32 {
  return (word >> at) & 1;
}

/** The `count`-bit field of `word` that starts at bit `lo`, read as a signed number. */
// @ts-ignore: decorator
@inline export function signedBits(word: u32, lo: u32, count: u32): i64 {
  return <i64>(<i32>(word << (32 - lo - count)) >> (32 - count));
}

/** The top-level encoding group, op0 (bits 28:25), that the architecture's encoding index starts from. */
// @ts-ignore: decorator
@inline export function op0(word: u32): u32 {
  return (word >> 25) & 15;
}

/** B and BL: the byte offset of the target (imm26, in words). */
// @ts-ignore: decorator
@inline export function branchOffset26(word: u32): i64 {
  return signedBits(word, 0, 26) << 2;
}

/** B.cond, BC.cond, CBZ, CBNZ and the literal loads: the byte offset of the target (imm19 at bit 5, in words). */
// @ts-ignore: decorator
@inline export function offset19(word: u32): i64 {
  return signedBits(word, 5, 19) << 2;
}

/** TBZ and TBNZ: the byte offset of the target (imm14 at bit 5, in words). */
// @ts-ignore: decorator
@inline export function offset14(word: u32): i64 {
  return signedBits(word, 5, 14) << 2;
}

/** ADR and ADRP: immhi:immlo, ADR's offset in bytes and ADRP's in 4 KiB pages. */
// @ts-ignore: decorator
@inline export function adrImmediate(word: u32): i64 {
  return (signedBits(word, 5, 19) << 2) | <i64>bits(word, 29, 2);
}

/**
 * The element size DecodeBitMasks chooses for N:imms, as its log2 (1 to 6), or 0 for an encoding
 * that selects none (the architecture reserves it).
 */
// @ts-ignore: decorator
@inline export function bitmaskElementLog2(n: u32, imms: u32): u32 {
  const combined = (n << 6) | (~imms & 63);
  return combined <= 1 ? 0 : 31 - clz<u32>(combined);
}

/**
 * Whether N:imms encode a logical immediate (AND, ORR, EOR, ANDS): an element size exists and
 * the element is not all ones. The data size (N clear for 32-bit forms) is the caller's to check.
 */
// @ts-ignore: decorator
@inline export function isLogicalImmediate(n: u32, imms: u32): bool {
  const log2 = bitmaskElementLog2(n, imms);
  if (log2 == 0) return false;
  const levels = (<u32>1 << log2) - 1;
  return (imms & levels) != levels;
}
