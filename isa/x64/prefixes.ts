// Legacy prefixes and REX. In 64-bit mode prefixes may repeat and come in any order; of F2/F3 and
// of the segment overrides the last one counts, and a REX byte only counts when it comes last,
// directly before the opcode (or escape) byte.
import { X64Error } from './codes';
import { X64Instruction } from './instruction';

/** The longest instruction the CPU accepts; longer ones raise #GP. */
export const MAX_INSTRUCTION_LENGTH: i32 = 15;

/** Fails `out` because byte `position` is not there: truncated input, or past 15 bytes. */
export function failMissingByte(out: X64Instruction, position: i32): bool {
  if (position >= MAX_INSTRUCTION_LENGTH) {
    out.length = position + 1;
    return out.fail(X64Error.TOO_LONG, 'instruction is longer than 15 bytes');
  }
  out.length = position + 1;
  return out.fail(X64Error.TRUNCATED, 'instruction continues past the available bytes');
}

/**
 * Fails `out` because an instruction needs `end` bytes and fewer are available: too long when
 * `end` is past 15 (whatever is available), truncated otherwise.
 */
export function failShort(out: X64Instruction, end: i32): bool {
  out.length = end;
  if (end > MAX_INSTRUCTION_LENGTH) return out.fail(X64Error.TOO_LONG, 'instruction is longer than 15 bytes');
  return out.fail(X64Error.TRUNCATED, 'instruction continues past the available bytes');
}

/** True for the eleven legacy prefix bytes. */
export function isLegacyPrefix(byte: u32): bool {
  switch (byte) {
    case 0xf0: case 0xf2: case 0xf3:
    case 0x2e: case 0x36: case 0x3e: case 0x26: case 0x64: case 0x65:
    case 0x66: case 0x67:
      return true;
  }
  return false;
}

/**
 * Reads legacy and REX prefixes from `ptr`, recording them in `out`.
 * Returns the offset of the first byte that is neither, or -1 after failing `out`.
 */
export function readPrefixes(ptr: usize, available: i32, out: X64Instruction): i32 {
  let position: i32 = 0;
  let rexByte: u32 = 0;
  while (true) {
    if (position >= available || position >= MAX_INSTRUCTION_LENGTH) {
      failMissingByte(out, position);
      return -1;
    }
    const byte = <u32>load<u8>(ptr + <usize>position);
    if ((byte & 0xf0) == 0x40) {
      // A later REX replaces an earlier one; only the last, if directly before the opcode, counts.
      if (rexByte != 0) out.rexIgnored = true;
      rexByte = byte;
      position++;
      continue;
    }
    if (!isLegacyPrefix(byte)) break;
    if (rexByte != 0) {
      // REX followed by a legacy prefix: the CPU ignores that REX.
      out.rexIgnored = true;
      rexByte = 0;
    }
    out.prefixCount++;
    switch (byte) {
      case 0xf0: out.lock = true; break;
      case 0xf2: out.repne = true; out.lastRepPrefix = 0xf2; break;
      case 0xf3: out.rep = true; out.lastRepPrefix = 0xf3; break;
      case 0x66: out.operandSizePrefix = true; break;
      case 0x67: out.addressSizePrefix = true; break;
      default: out.segment = <u8>byte; out.segmentPrefixCount++; break;
    }
    position++;
  }
  if (rexByte != 0) {
    out.rex = <u8>rexByte;
    out.rexW = (rexByte & 8) != 0;
    out.rexR = (rexByte & 4) != 0;
    out.rexX = (rexByte & 2) != 0;
    out.rexB = (rexByte & 1) != 0;
  }
  out.addressSize = out.addressSizePrefix ? 4 : 8;
  return position;
}
