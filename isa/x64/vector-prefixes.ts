// VEX (C4 3-byte, C5 2-byte) and EVEX (62) prefixes. Their register-extension bits are stored
// inverted; here they become the same rexR/rexX/rexB facts a REX byte gives, plus vvvv, L, W, pp
// and the opcode map they select.
import { X64Encoding, X64Error } from './codes';
import { X64Instruction } from './instruction';
import { failShort, MAX_INSTRUCTION_LENGTH } from './prefixes';

/**
 * Reads the vector prefix at `position` (its first byte is C4, C5 or 62).
 * Returns the offset of the opcode byte, or -1 after failing `out`.
 */
export function readVectorPrefix(ptr: usize, available: i32, position: i32, out: X64Instruction): i32 {
  const limit = available < MAX_INSTRUCTION_LENGTH ? available : MAX_INSTRUCTION_LENGTH;
  const first = <u32>load<u8>(ptr + <usize>position);
  const size: i32 = first == 0xc5 ? 2 : first == 0xc4 ? 3 : 4;
  if (position + size > limit) { failShort(out, position + size); return -1; }
  const p0 = <u32>load<u8>(ptr + <usize>position + 1);
  if (first == 0xc5) {
    out.encoding = X64Encoding.VEX2;
    out.rexR = (p0 & 0x80) == 0;
    out.vvvv = <i32>((~p0 >> 3) & 15);
    out.vectorLength = <i32>((p0 >> 2) & 1);
    out.pp = <i32>(p0 & 3);
    out.map = 1;
    return position + 2;
  }
  const p1 = <u32>load<u8>(ptr + <usize>position + 2);
  out.rexR = (p0 & 0x80) == 0;
  out.rexX = (p0 & 0x40) == 0;
  out.rexB = (p0 & 0x20) == 0;
  out.vexW = (p1 & 0x80) != 0;
  out.vvvv = <i32>((~p1 >> 3) & 15);
  out.pp = <i32>(p1 & 3);
  if (first == 0xc4) {
    out.encoding = X64Encoding.VEX3;
    out.map = <i32>(p0 & 0x1f);
    out.vectorLength = <i32>((p1 >> 2) & 1);
    if (out.map < 1 || out.map > 3) { out.fail(X64Error.BAD_VECTOR_PREFIX, 'reserved VEX opcode map'); return -1; }
    return position + 3;
  }
  const p2 = <u32>load<u8>(ptr + <usize>position + 3);
  out.encoding = X64Encoding.EVEX;
  out.map = <i32>(p0 & 7);
  if ((p0 & 0x08) != 0) { out.fail(X64Error.BAD_VECTOR_PREFIX, 'EVEX reserved bit (P0 bit 3) must be 0'); return -1; }
  if ((p1 & 0x04) == 0) { out.fail(X64Error.BAD_VECTOR_PREFIX, 'EVEX fixed bit (P1 bit 2) must be 1'); return -1; }
  if (out.map == 0 || out.map == 4 || out.map == 7) { out.fail(X64Error.BAD_VECTOR_PREFIX, 'reserved EVEX opcode map'); return -1; }
  // R' extends ModRM.reg to 32 registers (applied once ModRM is read); V' does the same for vvvv.
  if ((p0 & 0x10) == 0) out.evexHighReg = true;
  if ((p2 & 0x08) == 0) out.vvvv += 16;
  out.evexZeroing = (p2 & 0x80) != 0;
  out.vectorLength = <i32>((p2 >> 5) & 3);
  out.evexBroadcast = (p2 & 0x10) != 0;
  out.evexMask = <i32>(p2 & 7);
  return position + 4;
}
