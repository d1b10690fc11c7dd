// SSE: the moves compilers use for copying and the SSE2 integer operations they emit for
// vectorized loops. xmm registers are 16 bytes in the state area, handled as two u64 halves or as
// lanes; no floating-point arithmetic is done here.
import { read64, readSized, write64, writeSized } from '../memory';
import { faulted } from '../status';
import {
  E_IMM, E_REG, E_RM, E_SIZE, E_SUB, SSE_BINARY_END, SSE_LOAD128, SSE_MOVD_FROM_XMM, SSE_MOVD_TO_XMM, SSE_MOVHLPS,
  SSE_MOVHP_LOAD, SSE_MOVHP_STORE, SSE_MOVLHPS, SSE_MOVLP_LOAD, SSE_MOVLP_STORE, SSE_MOVQ_LOAD, SSE_MOVQ_STORE,
  SSE_MOVSD_LOAD, SSE_MOVSD_STORE, SSE_MOVSS_LOAD, SSE_MOVSS_STORE, SSE_PACKSSDW, SSE_PACKSSWB, SSE_PACKUSWB,
  SSE_PADDB, SSE_PADDD, SSE_PADDQ, SSE_PADDUSB, SSE_PADDW, SSE_PAND, SSE_PANDN, SSE_PCMPEQB, SSE_PCMPEQD,
  SSE_PCMPEQW, SSE_PCMPGTB, SSE_PCMPGTD, SSE_PCMPGTW, SSE_PMAXUB, SSE_PMINUB, SSE_PMOVMSKB, SSE_PMULLW,
  SSE_PMULUDQ, SSE_POR, SSE_PSHUFD, SSE_PSHUFHW, SSE_PSHUFLW, SSE_PSLLD, SSE_PSLLD_I, SSE_PSLLDQ_I, SSE_PSLLQ,
  SSE_PSLLQ_I, SSE_PSLLW, SSE_PSLLW_I, SSE_PSRAD, SSE_PSRAD_I, SSE_PSRAW, SSE_PSRAW_I, SSE_PSRLD, SSE_PSRLD_I,
  SSE_PSRLDQ_I, SSE_PSRLQ, SSE_PSRLQ_I, SSE_PSRLW, SSE_PSRLW_I, SSE_PSUBB, SSE_PSUBD, SSE_PSUBQ, SSE_PSUBUSB,
  SSE_PSUBW, SSE_PUNPCKHBW, SSE_PUNPCKHDQ, SSE_PUNPCKHQDQ, SSE_PUNPCKHWD, SSE_PUNPCKLBW, SSE_PUNPCKLDQ,
  SSE_PUNPCKLQDQ, SSE_PUNPCKLWD, SSE_PXOR, SSE_SHUFPD, SSE_SHUFPS, SSE_STORE128,
} from './ops';

/** The source operand (register copy or memory), and a scratch result: 16 bytes each. */
const SOURCE: usize = memory.data(16, 16);
const RESULT: usize = memory.data(16, 16);

/**
 * Runs one SSE entry whose memory operand (if any) is at `address`. Returns false after a fault
 * (nothing written).
 */
export function executeSse(p: usize, address: u64): bool {
  const sub = load<u8>(p, E_SUB);
  const dst = <usize>load<u16>(p, E_REG);
  const rm = <usize>load<u16>(p, E_RM);
  switch (sub) {
    case SSE_LOAD128: {
      if (rm != 0) {
        store<u64>(dst, load<u64>(rm));
        store<u64>(dst, load<u64>(rm, 8), 8);
        return true;
      }
      const low = read64(address);
      if (faulted) return false;
      const high = read64(address + 8);
      if (faulted) return false;
      store<u64>(dst, low);
      store<u64>(dst, high, 8);
      return true;
    }
    case SSE_STORE128: {
      if (rm != 0) {
        store<u64>(rm, load<u64>(dst));
        store<u64>(rm, load<u64>(dst, 8), 8);
        return true;
      }
      return storePair(address, load<u64>(dst), load<u64>(dst, 8));
    }
    case SSE_MOVQ_LOAD: {
      const value = rm != 0 ? load<u64>(rm) : read64(address);
      if (faulted) return false;
      store<u64>(dst, value);
      store<u64>(dst, 0, 8);
      return true;
    }
    case SSE_MOVQ_STORE: {
      if (rm != 0) {
        store<u64>(rm, load<u64>(dst));
        store<u64>(rm, 0, 8);
        return true;
      }
      write64(address, load<u64>(dst));
      return !faulted;
    }
    case SSE_MOVD_TO_XMM: {
      const size = <u32>load<u8>(p, E_SIZE);
      const value = rm != 0 ? (size == 8 ? load<u64>(rm) : <u64>load<u32>(rm)) : readSized(address, size);
      if (faulted) return false;
      store<u64>(dst, value);
      store<u64>(dst, 0, 8);
      return true;
    }
    case SSE_MOVD_FROM_XMM: {
      const size = <u32>load<u8>(p, E_SIZE);
      const value = size == 8 ? load<u64>(dst) : <u64>load<u32>(dst);
      if (rm != 0) {
        store<u64>(rm, value);
        return true;
      }
      writeSized(address, size, value);
      return !faulted;
    }
    case SSE_MOVSS_LOAD: case SSE_MOVSD_LOAD: {
      const size: u32 = sub == SSE_MOVSS_LOAD ? 4 : 8;
      if (rm != 0) {
        // Between registers only the low element moves.
        if (size == 4) store<u32>(dst, load<u32>(rm));
        else store<u64>(dst, load<u64>(rm));
        return true;
      }
      const value = readSized(address, size);
      if (faulted) return false;
      store<u64>(dst, value);
      store<u64>(dst, 0, 8);
      return true;
    }
    case SSE_MOVSS_STORE: case SSE_MOVSD_STORE: {
      const size: u32 = sub == SSE_MOVSS_STORE ? 4 : 8;
      if (rm != 0) {
        if (size == 4) store<u32>(rm, load<u32>(dst));
        else store<u64>(rm, load<u64>(dst));
        return true;
      }
      writeSized(address, size, size == 4 ? <u64>load<u32>(dst) : load<u64>(dst));
      return !faulted;
    }
    case SSE_MOVLP_LOAD: case SSE_MOVHP_LOAD: {
      const value = read64(address);
      if (faulted) return false;
      store<u64>(dst + (sub == SSE_MOVHP_LOAD ? 8 : 0), value);
      return true;
    }
    case SSE_MOVLP_STORE: case SSE_MOVHP_STORE: {
      write64(address, load<u64>(dst + (sub == SSE_MOVHP_STORE ? 8 : 0)));
      return !faulted;
    }
    case SSE_MOVHLPS: store<u64>(dst, load<u64>(rm, 8)); return true;
    case SSE_MOVLHPS: store<u64>(dst, load<u64>(rm), 8); return true;
    case SSE_PMOVMSKB: {
      let mask: u64 = 0;
      for (let i = 0; i < 16; i++) mask |= <u64>(load<u8>(rm + <usize>i) >> 7) << <u64>i;
      store<u64>(dst, mask);
      return true;
    }
  }
  if (sub >= SSE_PSRLW_I && sub <= SSE_PSLLDQ_I) {
    shiftImmediate(sub, dst, <u32>load<u64>(p, E_IMM));
    return true;
  }
  // Everything else reads a 128-bit source.
  if (rm != 0) {
    store<u64>(SOURCE, load<u64>(rm));
    store<u64>(SOURCE, load<u64>(rm, 8), 8);
  } else {
    const low = read64(address);
    if (faulted) return false;
    const high = read64(address + 8);
    if (faulted) return false;
    store<u64>(SOURCE, low);
    store<u64>(SOURCE, high, 8);
  }
  if (sub < SSE_BINARY_END) binary(sub, dst, SOURCE);
  else if (sub >= SSE_PSRLW && sub <= SSE_PSLLQ) shiftByRegister(sub, dst, load<u64>(SOURCE));
  else shuffle(sub, dst, SOURCE, <u32>load<u64>(p, E_IMM));
  return true;
}

/** Two 8-byte stores, low half first, as the emulated CPU does them (a fault on the second keeps the first). */
function storePair(address: u64, low: u64, high: u64): bool {
  write64(address, low);
  if (faulted) return false;
  write64(address + 8, high);
  return !faulted;
}

@inline function lane8(base: usize, i: i32): u32 { return <u32>load<u8>(base + <usize>i); }
@inline function lane16(base: usize, i: i32): u32 { return <u32>load<u16>(base + (<usize>i << 1)); }
@inline function lane32(base: usize, i: i32): u32 { return load<u32>(base + (<usize>i << 2)); }

function binary(sub: u8, dst: usize, src: usize): void {
  const r = RESULT;
  switch (sub) {
    case SSE_PXOR: case SSE_POR: case SSE_PAND: case SSE_PANDN: {
      for (let h: usize = 0; h < 16; h += 8) {
        const a = load<u64>(dst + h);
        const b = load<u64>(src + h);
        store<u64>(r + h, sub == SSE_PXOR ? a ^ b : sub == SSE_POR ? a | b : sub == SSE_PAND ? a & b : ~a & b);
      }
      break;
    }
    case SSE_PADDB: case SSE_PSUBB: case SSE_PCMPEQB: case SSE_PCMPGTB: case SSE_PMINUB: case SSE_PMAXUB:
    case SSE_PSUBUSB: case SSE_PADDUSB: {
      for (let i = 0; i < 16; i++) {
        const a = lane8(dst, i);
        const b = lane8(src, i);
        let v: u32;
        switch (sub) {
          case SSE_PADDB: v = a + b; break;
          case SSE_PSUBB: v = a - b; break;
          case SSE_PCMPEQB: v = a == b ? 0xff : 0; break;
          case SSE_PCMPGTB: v = <i8>a > <i8>b ? 0xff : 0; break;
          case SSE_PMINUB: v = min(a, b); break;
          case SSE_PMAXUB: v = max(a, b); break;
          case SSE_PSUBUSB: v = a > b ? a - b : 0; break;
          default: v = min<u32>(a + b, 0xff); break;
        }
        store<u8>(r + <usize>i, <u8>v);
      }
      break;
    }
    case SSE_PADDW: case SSE_PSUBW: case SSE_PCMPEQW: case SSE_PCMPGTW: case SSE_PMULLW: {
      for (let i = 0; i < 8; i++) {
        const a = lane16(dst, i);
        const b = lane16(src, i);
        let v: u32;
        switch (sub) {
          case SSE_PADDW: v = a + b; break;
          case SSE_PSUBW: v = a - b; break;
          case SSE_PCMPEQW: v = a == b ? 0xffff : 0; break;
          case SSE_PCMPGTW: v = <i16>a > <i16>b ? 0xffff : 0; break;
          default: v = a * b; break;
        }
        store<u16>(r + (<usize>i << 1), <u16>v);
      }
      break;
    }
    case SSE_PADDD: case SSE_PSUBD: case SSE_PCMPEQD: case SSE_PCMPGTD: {
      for (let i = 0; i < 4; i++) {
        const a = lane32(dst, i);
        const b = lane32(src, i);
        let v: u32;
        switch (sub) {
          case SSE_PADDD: v = a + b; break;
          case SSE_PSUBD: v = a - b; break;
          case SSE_PCMPEQD: v = a == b ? 0xffff_ffff : 0; break;
          default: v = <i32>a > <i32>b ? 0xffff_ffff : 0; break;
        }
        store<u32>(r + (<usize>i << 2), v);
      }
      break;
    }
    case SSE_PADDQ: case SSE_PSUBQ: case SSE_PMULUDQ: {
      for (let h: usize = 0; h < 16; h += 8) {
        const a = load<u64>(dst + h);
        const b = load<u64>(src + h);
        store<u64>(r + h, sub == SSE_PADDQ ? a + b : sub == SSE_PSUBQ ? a - b : (a & 0xffff_ffff) * (b & 0xffff_ffff));
      }
      break;
    }
    case SSE_PUNPCKLBW: case SSE_PUNPCKHBW: {
      const from: i32 = sub == SSE_PUNPCKLBW ? 0 : 8;
      for (let i = 0; i < 8; i++) {
        store<u8>(r + <usize>(2 * i), <u8>lane8(dst, from + i));
        store<u8>(r + <usize>(2 * i + 1), <u8>lane8(src, from + i));
      }
      break;
    }
    case SSE_PUNPCKLWD: case SSE_PUNPCKHWD: {
      const from: i32 = sub == SSE_PUNPCKLWD ? 0 : 4;
      for (let i = 0; i < 4; i++) {
        store<u16>(r + <usize>(4 * i), <u16>lane16(dst, from + i));
        store<u16>(r + <usize>(4 * i + 2), <u16>lane16(src, from + i));
      }
      break;
    }
    case SSE_PUNPCKLDQ: case SSE_PUNPCKHDQ: {
      const from: i32 = sub == SSE_PUNPCKLDQ ? 0 : 2;
      for (let i = 0; i < 2; i++) {
        store<u32>(r + <usize>(8 * i), lane32(dst, from + i));
        store<u32>(r + <usize>(8 * i + 4), lane32(src, from + i));
      }
      break;
    }
    case SSE_PUNPCKLQDQ: case SSE_PUNPCKHQDQ: {
      const offset: usize = sub == SSE_PUNPCKLQDQ ? 0 : 8;
      store<u64>(r, load<u64>(dst + offset));
      store<u64>(r + 8, load<u64>(src + offset));
      break;
    }
    case SSE_PACKUSWB: case SSE_PACKSSWB: {
      for (let i = 0; i < 16; i++) {
        const word = <i32><i16>(i < 8 ? lane16(dst, i) : lane16(src, i - 8));
        const v = sub == SSE_PACKUSWB ? (word < 0 ? 0 : word > 255 ? 255 : word) : (word < -128 ? -128 : word > 127 ? 127 : word);
        store<u8>(r + <usize>i, <u8>v);
      }
      break;
    }
    case SSE_PACKSSDW: {
      for (let i = 0; i < 8; i++) {
        const word = <i32>(i < 4 ? lane32(dst, i) : lane32(src, i - 4));
        store<u16>(r + (<usize>i << 1), <u16>(word < -32768 ? -32768 : word > 32767 ? 32767 : word));
      }
      break;
    }
  }
  store<u64>(dst, load<u64>(r));
  store<u64>(dst, load<u64>(r, 8), 8);
}

function shuffle(sub: u8, dst: usize, src: usize, imm: u32): void {
  const r = RESULT;
  switch (sub) {
    case SSE_PSHUFD:
      for (let i = 0; i < 4; i++) store<u32>(r + (<usize>i << 2), lane32(src, <i32>((imm >> (<u32>i << 1)) & 3)));
      break;
    case SSE_PSHUFLW:
      for (let i = 0; i < 4; i++) store<u16>(r + (<usize>i << 1), <u16>lane16(src, <i32>((imm >> (<u32>i << 1)) & 3)));
      store<u64>(r, load<u64>(src, 8), 8);
      break;
    case SSE_PSHUFHW:
      store<u64>(r, load<u64>(src));
      for (let i = 0; i < 4; i++) store<u16>(r + 8 + (<usize>i << 1), <u16>lane16(src, 4 + <i32>((imm >> (<u32>i << 1)) & 3)));
      break;
    case SSE_SHUFPS:
      store<u32>(r, lane32(dst, <i32>(imm & 3)));
      store<u32>(r + 4, lane32(dst, <i32>((imm >> 2) & 3)));
      store<u32>(r + 8, lane32(src, <i32>((imm >> 4) & 3)));
      store<u32>(r + 12, lane32(src, <i32>((imm >> 6) & 3)));
      break;
    case SSE_SHUFPD:
      store<u64>(r, load<u64>(dst + ((imm & 1) != 0 ? 8 : 0)));
      store<u64>(r + 8, load<u64>(src + ((imm & 2) != 0 ? 8 : 0)));
      break;
  }
  store<u64>(dst, load<u64>(r));
  store<u64>(dst, load<u64>(r, 8), 8);
}

/** Lane shifts by `count`; counts past the lane width give zero (or the sign, for arithmetic shifts). */
function shiftLanes(kind: u32, width: u32, dst: usize, count: u64): void {
  const lanes: u32 = 16 / width;
  for (let i: u32 = 0; i < lanes; i++) {
    const at = dst + <usize>(i * width);
    const bits = <u64>(width << 3);
    let v: u64 = width == 2 ? <u64>load<u16>(at) : width == 4 ? <u64>load<u32>(at) : load<u64>(at);
    if (kind == 0) v = count >= bits ? 0 : v >> count; // logical right
    else if (kind == 1) { // arithmetic right
      const shift = count >= bits ? bits - 1 : count;
      const signed = (<i64>(v << (64 - bits))) >> (64 - bits);
      v = <u64>(signed >> <i64>shift);
    } else v = count >= bits ? 0 : v << count;
    if (width == 2) store<u16>(at, <u16>v);
    else if (width == 4) store<u32>(at, <u32>v);
    else store<u64>(at, v);
  }
}

function shiftImmediate(sub: u8, dst: usize, count: u32): void {
  switch (sub) {
    case SSE_PSRLW_I: shiftLanes(0, 2, dst, count); break;
    case SSE_PSRLD_I: shiftLanes(0, 4, dst, count); break;
    case SSE_PSRLQ_I: shiftLanes(0, 8, dst, count); break;
    case SSE_PSRAW_I: shiftLanes(1, 2, dst, count); break;
    case SSE_PSRAD_I: shiftLanes(1, 4, dst, count); break;
    case SSE_PSLLW_I: shiftLanes(2, 2, dst, count); break;
    case SSE_PSLLD_I: shiftLanes(2, 4, dst, count); break;
    case SSE_PSLLQ_I: shiftLanes(2, 8, dst, count); break;
    default: { // byte shifts of the whole register
      const n: u32 = count > 16 ? 16 : count;
      const r = RESULT;
      for (let i: u32 = 0; i < 16; i++) {
        let v: u8 = 0;
        if (sub == SSE_PSRLDQ_I) { if (i + n < 16) v = load<u8>(dst + <usize>(i + n)); }
        else if (i >= n) v = load<u8>(dst + <usize>(i - n));
        store<u8>(r + <usize>i, v);
      }
      store<u64>(dst, load<u64>(r));
      store<u64>(dst, load<u64>(r, 8), 8);
    }
  }
}

function shiftByRegister(sub: u8, dst: usize, count: u64): void {
  switch (sub) {
    case SSE_PSRLW: shiftLanes(0, 2, dst, count); break;
    case SSE_PSRLD: shiftLanes(0, 4, dst, count); break;
    case SSE_PSRLQ: shiftLanes(0, 8, dst, count); break;
    case SSE_PSRAW: shiftLanes(1, 2, dst, count); break;
    case SSE_PSRAD: shiftLanes(1, 4, dst, count); break;
    case SSE_PSLLW: shiftLanes(2, 2, dst, count); break;
    case SSE_PSLLD: shiftLanes(2, 4, dst, count); break;
    default: shiftLanes(2, 8, dst, count); break;
  }
}
