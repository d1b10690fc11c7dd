// x86-64 relocation kinds of patch images (format version 2), with ELF's names and numbers: what
// field each one fills and how. The field is the displacement or immediate itself, little-endian:
//   R_X86_64_64     8 bytes, S + A (a movabs immediate, a .quad)
//   R_X86_64_PC32   4 bytes, S + A - P, signed (a RIP-relative operand)
//   R_X86_64_PLT32  4 bytes, S + A - P, signed (a call or jump; no PLT here, so as PC32)
// P is the field's own address, so the addend carries the distance from the field to the end of
// the instruction, as ELF's does: -4 for `call sym` (the rel32 is the last 4 bytes), -8 for
// `mov dword ptr [rip + sym], 5` (a 4-byte immediate follows the displacement), plus any offset
// written after the symbol.
import { R_X86_64_64, R_X86_64_PC32, R_X86_64_PLT32 } from '../../../core/patch-format';
import { Outcome, signedDistance } from '../patch/relocation';

/** Bytes of the field a kind fills, or 0 when it is no x86-64 kind. */
export function x64RelocationFieldSize(kind: u32): u32 {
  switch (kind) {
    case R_X86_64_64: return 8;
    case R_X86_64_PC32: return 4;
    case R_X86_64_PLT32: return 4;
    default: return 0;
  }
}

export function x64RelocationName(kind: u32): string {
  switch (kind) {
    case R_X86_64_64: return 'R_X86_64_64';
    case R_X86_64_PC32: return 'R_X86_64_PC32';
    case R_X86_64_PLT32: return 'R_X86_64_PLT32';
    default: return '';
  }
}

export const X64_RELOCATION_KINDS = 'R_X86_64_64 (1), R_X86_64_PC32 (2), R_X86_64_PLT32 (4)';

/**
 * Writes the field at `field` (memory address) for a reference from `place` to `target` (S + A).
 * Answers false, with the reason in `out`, when the field cannot hold it; nothing is written then.
 */
export function x64Relocate(kind: u32, field: usize, place: u64, target: u64, out: Outcome): bool {
  if (kind == R_X86_64_64) {
    store<u64>(field, target);
    return true;
  }
  // PC32, PLT32
  if (!signedDistance(place, target, out)) return false;
  if (!out.fits(out.distance, i32.MIN_VALUE, i32.MAX_VALUE, 1)) return false;
  store<i32>(field, <i32>out.distance);
  return true;
}
