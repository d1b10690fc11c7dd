// ARM64 relocation kinds of patch images (format version 2), with ELF's names and numbers: which
// instruction each one belongs to, which bits of it it fills, and how far it reaches. P is the
// instruction's address and the addend is only what is written after the symbol (`sym + 8`), as in
// ELF's RELA relocations for AArch64.
//   R_AARCH64_ABS64                 8 bytes of data (or code): S + A
//   R_AARCH64_ADR_PREL_PG_HI21      adrp: Page(S + A) - Page(P) in pages, 21 bits (+-4 GiB)
//   R_AARCH64_ADD_ABS_LO12_NC       add (immediate, unshifted): (S + A) & 0xfff
//   R_AARCH64_LDSTn_ABS_LO12_NC     ldr/str (unsigned offset) of n bits: ((S + A) & 0xfff) / (n / 8),
//                                   which must divide exactly (8, 16, 32, 64, 128)
//   R_AARCH64_JUMP26, _CALL26       b, bl: (S + A - P) / 4 in 26 bits (+-128 MiB)
//   R_AARCH64_CONDBR19              b.cond, cbz, cbnz: (S + A - P) / 4 in 19 bits (+-1 MiB)
//   R_AARCH64_TSTBR14               tbz, tbnz: (S + A - P) / 4 in 14 bits (+-32 KiB)
//   R_AARCH64_LD_PREL_LO19          ldr (literal), ldrsw (literal), prfm (literal): as CONDBR19
import {
  R_AARCH64_ABS64, R_AARCH64_ADD_ABS_LO12_NC, R_AARCH64_ADR_PREL_PG_HI21, R_AARCH64_CALL26, R_AARCH64_CONDBR19,
  R_AARCH64_JUMP26, R_AARCH64_LDST128_ABS_LO12_NC, R_AARCH64_LDST16_ABS_LO12_NC, R_AARCH64_LDST32_ABS_LO12_NC,
  R_AARCH64_LDST64_ABS_LO12_NC, R_AARCH64_LDST8_ABS_LO12_NC, R_AARCH64_LD_PREL_LO19, R_AARCH64_TSTBR14,
} from '../../../core/patch-format';
import { Outcome, signedDistance } from '../patch/relocation';

/** Bytes of the field a kind fills (the whole instruction for instruction kinds), or 0 when it is no ARM64 kind. */
export function arm64RelocationFieldSize(kind: u32): u32 {
  if (kind == R_AARCH64_ABS64) return 8;
  return arm64RelocationName(kind).length > 0 ? 4 : 0;
}

export function arm64RelocationName(kind: u32): string {
  switch (kind) {
    case R_AARCH64_ABS64: return 'R_AARCH64_ABS64';
    case R_AARCH64_LD_PREL_LO19: return 'R_AARCH64_LD_PREL_LO19';
    case R_AARCH64_ADR_PREL_PG_HI21: return 'R_AARCH64_ADR_PREL_PG_HI21';
    case R_AARCH64_ADD_ABS_LO12_NC: return 'R_AARCH64_ADD_ABS_LO12_NC';
    case R_AARCH64_LDST8_ABS_LO12_NC: return 'R_AARCH64_LDST8_ABS_LO12_NC';
    case R_AARCH64_TSTBR14: return 'R_AARCH64_TSTBR14';
    case R_AARCH64_CONDBR19: return 'R_AARCH64_CONDBR19';
    case R_AARCH64_JUMP26: return 'R_AARCH64_JUMP26';
    case R_AARCH64_CALL26: return 'R_AARCH64_CALL26';
    case R_AARCH64_LDST16_ABS_LO12_NC: return 'R_AARCH64_LDST16_ABS_LO12_NC';
    case R_AARCH64_LDST32_ABS_LO12_NC: return 'R_AARCH64_LDST32_ABS_LO12_NC';
    case R_AARCH64_LDST64_ABS_LO12_NC: return 'R_AARCH64_LDST64_ABS_LO12_NC';
    case R_AARCH64_LDST128_ABS_LO12_NC: return 'R_AARCH64_LDST128_ABS_LO12_NC';
    default: return '';
  }
}

export const ARM64_RELOCATION_KINDS = 'R_AARCH64_ABS64 (257), LD_PREL_LO19 (273), ADR_PREL_PG_HI21 (275), ' +
  'ADD_ABS_LO12_NC (277), LDST8/16/32/64/128_ABS_LO12_NC (278, 284, 285, 286, 299), TSTBR14 (279), CONDBR19 (280), ' +
  'JUMP26 (282), CALL26 (283)';

/** Whether the kind fills bits of one instruction (and so belongs at a 4-byte boundary of the code). */
export function arm64RelocationIsInstruction(kind: u32): bool {
  return kind != R_AARCH64_ABS64 && arm64RelocationName(kind).length > 0;
}

/** log2 of the access size of a load or store (unsigned offset) instruction, or -1 when the word is none. */
function loadStoreScale(word: u32): i32 {
  if ((word & 0x3b000000) != 0x39000000) return -1;
  const size = <i32>(word >> 30);
  const vector = (word >> 26) & 1;
  const opc = (word >> 22) & 3;
  return vector == 1 && size == 0 && opc >= 2 ? 4 : size;
}

function lo12Scale(kind: u32): i32 {
  switch (kind) {
    case R_AARCH64_LDST8_ABS_LO12_NC: return 0;
    case R_AARCH64_LDST16_ABS_LO12_NC: return 1;
    case R_AARCH64_LDST32_ABS_LO12_NC: return 2;
    case R_AARCH64_LDST64_ABS_LO12_NC: return 3;
    case R_AARCH64_LDST128_ABS_LO12_NC: return 4;
    default: return -1;
  }
}

/** The instructions a kind may relocate, in words, for messages. */
export function arm64RelocationInstructions(kind: u32): string {
  switch (kind) {
    case R_AARCH64_LD_PREL_LO19: return 'a literal load (ldr, ldrsw or prfm with a label)';
    case R_AARCH64_ADR_PREL_PG_HI21: return 'adrp';
    case R_AARCH64_ADD_ABS_LO12_NC: return 'add with an unshifted immediate';
    case R_AARCH64_TSTBR14: return 'tbz or tbnz';
    case R_AARCH64_CONDBR19: return 'b.cond, cbz or cbnz';
    case R_AARCH64_JUMP26: return 'b';
    case R_AARCH64_CALL26: return 'bl';
    default: return 'a load or store with an unsigned offset of ' + (8 << lo12Scale(kind)).toString() + ' bits';
  }
}

/** Whether `word` is an instruction of the kind's family (its field is where the kind writes). */
export function arm64RelocationFitsInstruction(kind: u32, word: u32): bool {
  switch (kind) {
    case R_AARCH64_LD_PREL_LO19: return (word & 0x3b000000) == 0x18000000;
    case R_AARCH64_ADR_PREL_PG_HI21: return (word & 0x9f000000) == 0x90000000;
    case R_AARCH64_ADD_ABS_LO12_NC: return (word & 0x7fc00000) == 0x11000000;
    case R_AARCH64_TSTBR14: return (word & 0x7e000000) == 0x36000000;
    case R_AARCH64_CONDBR19: return (word & 0xff000010) == 0x54000000 || (word & 0x7e000000) == 0x34000000;
    case R_AARCH64_JUMP26: return (word & 0xfc000000) == 0x14000000;
    case R_AARCH64_CALL26: return (word & 0xfc000000) == 0x94000000;
    default: return loadStoreScale(word) == lo12Scale(kind) && lo12Scale(kind) >= 0;
  }
}

/**
 * Fills the field of the instruction (or the 8 bytes) at `field` (memory address) for a reference
 * from `place` to `target` (S + A), keeping the instruction's other bits. Answers false, with the
 * reason in `out`, when the field cannot hold it; nothing is written then.
 */
export function arm64Relocate(kind: u32, field: usize, place: u64, target: u64, out: Outcome): bool {
  if (kind == R_AARCH64_ABS64) {
    store<u64>(field, target);
    return true;
  }
  const word = load<u32>(field);
  let encoded: u32;
  if (kind == R_AARCH64_ADR_PREL_PG_HI21) {
    if (!signedDistance(place & ~<u64>0xfff, target & ~<u64>0xfff, out)) return false;
    const pages = out.distance >> 12;
    if (!out.fits(pages, -(<i64>1 << 20), (<i64>1 << 20) - 1, 1)) return false;
    const p = <u32>pages;
    encoded = (word & 0x9f00001f) | ((p & 3) << 29) | (((p >> 2) & 0x7ffff) << 5);
  } else if (kind == R_AARCH64_ADD_ABS_LO12_NC) {
    encoded = (word & 0xffc003ff) | ((<u32>target & 0xfff) << 10);
  } else if (lo12Scale(kind) >= 0) {
    const scale = lo12Scale(kind);
    const low = <i64>(target & 0xfff);
    if (!out.fits(low, 0, 0xfff, <i64>1 << scale)) return false;
    encoded = (word & 0xffc003ff) | ((<u32>low >> scale) << 10);
  } else {
    if (!signedDistance(place, target, out)) return false;
    const d = out.distance;
    if (kind == R_AARCH64_JUMP26 || kind == R_AARCH64_CALL26) {
      if (!out.fits(d, -(<i64>1 << 27), (<i64>1 << 27) - 4, 4)) return false;
      encoded = (word & 0xfc000000) | (<u32>(d >> 2) & 0x3ffffff);
    } else if (kind == R_AARCH64_TSTBR14) {
      if (!out.fits(d, -(<i64>1 << 15), (<i64>1 << 15) - 4, 4)) return false;
      encoded = (word & 0xfff8001f) | ((<u32>(d >> 2) & 0x3fff) << 5);
    } else { // CONDBR19, LD_PREL_LO19
      if (!out.fits(d, -(<i64>1 << 20), (<i64>1 << 20) - 4, 4)) return false;
      encoded = (word & 0xff00001f) | ((<u32>(d >> 2) & 0x7ffff) << 5);
    }
  }
  store<u32>(field, encoded);
  return true;
}
