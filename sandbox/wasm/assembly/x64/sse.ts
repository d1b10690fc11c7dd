// SSE: the moves compilers use for copying, the SSE2 integer operations and the SSSE3, SSE4.1 and
// SSE4.2 integer operations they emit for vectorised loops (x86-64-v2), and the bit-exact moves,
// shuffles and blends of the floating-point types. xmm registers are 16 bytes in the state area,
// handled as two u64 halves or as lanes. No floating-point arithmetic is done here; the one
// conversion, cvttps2dq, truncates, so its result does not depend on MXCSR's rounding mode.
import { read64, readSized, write64, writeSized } from '../memory';
import { faulted } from '../status';
import { setFlagBits } from './flags';
import {
  E_IMM, E_REG, E_RM, E_SIZE, E_SUB, SSE_BINARY_END, SSE_BINARY_START, SSE_BLENDPD, SSE_BLENDPS, SSE_BLENDVPD,
  SSE_BLENDVPS, SSE_CVTTPS2DQ, SSE_INSERTPS, SSE_LOAD128, SSE_MASKMOVDQU, SSE_MOVD_FROM_XMM, SSE_MOVD_TO_XMM,
  SSE_MOVDDUP, SSE_MOVHLPS, SSE_MOVHP_LOAD, SSE_MOVHP_STORE, SSE_MOVLHPS, SSE_MOVLP_LOAD, SSE_MOVLP_STORE,
  SSE_MOVMSKPD, SSE_MOVMSKPS, SSE_MOVQ_LOAD, SSE_MOVQ_STORE, SSE_MOVSD_LOAD, SSE_MOVSD_STORE, SSE_MOVSHDUP,
  SSE_MOVSLDUP, SSE_MOVSS_LOAD, SSE_MOVSS_STORE, SSE_MPSADBW, SSE_PABSB, SSE_PABSD, SSE_PABSW, SSE_PACKSSDW,
  SSE_PACKSSWB, SSE_PACKUSDW, SSE_PACKUSWB, SSE_PADDB, SSE_PADDD, SSE_PADDQ, SSE_PADDSB, SSE_PADDSW, SSE_PADDUSB,
  SSE_PADDUSW, SSE_PADDW, SSE_PALIGNR, SSE_PAND, SSE_PANDN, SSE_PAVGB, SSE_PAVGW, SSE_PBLENDVB, SSE_PBLENDW,
  SSE_PCMPEQB, SSE_PCMPEQD, SSE_PCMPEQQ, SSE_PCMPEQW, SSE_PCMPGTB, SSE_PCMPGTD, SSE_PCMPGTQ, SSE_PCMPGTW, SSE_PEXTR,
  SSE_PHADDD, SSE_PHADDSW, SSE_PHADDW, SSE_PHMINPOSUW, SSE_PHSUBD, SSE_PHSUBSW, SSE_PHSUBW, SSE_PINSR, SSE_PMADDUBSW,
  SSE_PMADDWD, SSE_PMAXSB, SSE_PMAXSD, SSE_PMAXSW, SSE_PMAXUB, SSE_PMAXUD, SSE_PMAXUW, SSE_PMINSB, SSE_PMINSD,
  SSE_PMINSW, SSE_PMINUB, SSE_PMINUD, SSE_PMINUW, SSE_PMOVMSKB, SSE_PMOVSXBW, SSE_PMOVZXDQ, SSE_PMULDQ, SSE_PMULHRSW,
  SSE_PMULHUW, SSE_PMULHW, SSE_PMULLD, SSE_PMULLW, SSE_PMULUDQ, SSE_POR, SSE_PSADBW, SSE_PSHUFB, SSE_PSHUFD,
  SSE_PSHUFHW, SSE_PSHUFLW, SSE_PSIGNB, SSE_PSIGND, SSE_PSIGNW, SSE_PSLLD, SSE_PSLLD_I, SSE_PSLLDQ_I, SSE_PSLLQ,
  SSE_PSLLQ_I, SSE_PSLLW, SSE_PSLLW_I, SSE_PSRAD, SSE_PSRAD_I, SSE_PSRAW, SSE_PSRAW_I, SSE_PSRLD, SSE_PSRLD_I,
  SSE_PSRLDQ_I, SSE_PSRLQ, SSE_PSRLQ_I, SSE_PSRLW, SSE_PSRLW_I, SSE_PSUBB, SSE_PSUBD, SSE_PSUBQ, SSE_PSUBSB,
  SSE_PSUBSW, SSE_PSUBUSB, SSE_PSUBUSW, SSE_PSUBW, SSE_PTEST, SSE_PUNPCKHBW, SSE_PUNPCKHDQ, SSE_PUNPCKHQDQ,
  SSE_PUNPCKHWD, SSE_PUNPCKLBW, SSE_PUNPCKLDQ, SSE_PUNPCKLQDQ, SSE_PUNPCKLWD, SSE_PXOR, SSE_SHUFPD, SSE_SHUFPS,
  SSE_STORE128,
} from './ops';
import { ARITHMETIC_FLAGS, CF, ZF, xmmSlot } from './state';

/** The source operand (register copy or memory), and a scratch result: 16 bytes each. */
const SOURCE: usize = memory.data(16, 16);
const RESULT: usize = memory.data(16, 16);
const XMM0: usize = xmmSlot(0);

/**
 * Runs one SSE entry whose memory operand (if any) is at `address`. Returns false after a fault
 * (nothing written, except the bytes maskmovdqu stored before it).
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
    case SSE_PMOVMSKB: case SSE_MOVMSKPS: case SSE_MOVMSKPD: {
      // The sign bit of every byte, dword or qword.
      const width: u32 = sub == SSE_PMOVMSKB ? 1 : sub == SSE_MOVMSKPS ? 4 : 8;
      let mask: u64 = 0;
      for (let i: u32 = 0; i < 16 / width; i++) {
        mask |= <u64>(load<u8>(rm + <usize>(i * width + width - 1)) >> 7) << <u64>i;
      }
      store<u64>(dst, mask);
      return true;
    }
    case SSE_MOVDDUP: {
      const value = rm != 0 ? load<u64>(rm) : read64(address);
      if (faulted) return false;
      store<u64>(dst, value);
      store<u64>(dst, value, 8);
      return true;
    }
    case SSE_PINSR: {
      const size = <u32>load<u8>(p, E_SIZE);
      const value = rm != 0 ? load<u64>(rm) : readSized(address, size);
      if (faulted) return false;
      setLane(dst, size, <u32>load<u64>(p, E_IMM), value);
      return true;
    }
    case SSE_PEXTR: {
      const size = <u32>load<u8>(p, E_SIZE);
      const value = lane(dst, size, <u32>load<u64>(p, E_IMM));
      if (rm != 0) {
        store<u64>(rm, value); // a general register, zero-extended
        return true;
      }
      writeSized(address, size, value);
      return !faulted;
    }
    case SSE_INSERTPS: {
      const imm = <u32>load<u64>(p, E_IMM);
      let value: u32;
      if (rm != 0) value = load<u32>(rm + <usize>((imm >> 6) << 2));
      else {
        value = <u32>readSized(address, 4);
        if (faulted) return false;
      }
      store<u32>(dst + <usize>(((imm >> 4) & 3) << 2), value);
      for (let i: u32 = 0; i < 4; i++) if ((imm & (1 << i)) != 0) store<u32>(dst + <usize>(i << 2), 0);
      return true;
    }
    case SSE_MASKMOVDQU: {
      // Byte by byte, as the emulated CPU stores them: a fault keeps the bytes stored before it.
      for (let i: u32 = 0; i < 16; i++) {
        if ((load<u8>(rm + <usize>i) & 0x80) == 0) continue;
        writeSized(address + <u64>i, 1, <u64>load<u8>(dst + <usize>i));
        if (faulted) return false;
      }
      return true;
    }
  }
  if (sub >= SSE_PMOVSXBW && sub <= SSE_PMOVZXDQ) {
    const size = <u32>load<u8>(p, E_SIZE);
    const value = rm != 0 ? load<u64>(rm) : readSized(address, size);
    if (faulted) return false;
    extend(sub, dst, value);
    return true;
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
  if (sub == SSE_PTEST) {
    const a0 = load<u64>(dst);
    const a1 = load<u64>(dst, 8);
    const b0 = load<u64>(SOURCE);
    const b1 = load<u64>(SOURCE, 8);
    const zero = ((a0 & b0) | (a1 & b1)) == 0;
    const carry = ((~a0 & b0) | (~a1 & b1)) == 0;
    setFlagBits(ARITHMETIC_FLAGS, (zero ? ZF : 0) | (carry ? CF : 0));
    return true;
  }
  if (sub >= SSE_BINARY_START && sub < SSE_BINARY_END) binary(sub, dst, SOURCE);
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

@inline function lane(base: usize, size: u32, i: u32): u64 {
  const at = base + <usize>(i * size);
  if (size == 1) return <u64>load<u8>(at);
  if (size == 2) return <u64>load<u16>(at);
  if (size == 4) return <u64>load<u32>(at);
  return load<u64>(at);
}

@inline function setLane(base: usize, size: u32, i: u32, value: u64): void {
  const at = base + <usize>(i * size);
  if (size == 1) store<u8>(at, <u8>value);
  else if (size == 2) store<u16>(at, <u16>value);
  else if (size == 4) store<u32>(at, <u32>value);
  else store<u64>(at, value);
}

@inline function saturate8(v: i32): u32 { return <u32>(v < -128 ? -128 : v > 127 ? 127 : v) & 0xff; }
@inline function saturate16(v: i32): u32 { return <u32>(v < -32768 ? -32768 : v > 32767 ? 32767 : v) & 0xffff; }

/** pmovsx*, pmovzx*: lanes of the low bytes of `value` (8 of them at most), extended into dst. */
function extend(sub: u8, dst: usize, value: u64): void {
  const kind = sub - SSE_PMOVSXBW;
  const signed = kind < 6;
  const which = kind % 6; // bw bd bq wd wq dq
  const from: u32 = which < 3 ? 1 : which < 5 ? 2 : 4;
  const to: u32 = which == 0 ? 2 : which == 1 || which == 3 ? 4 : 8;
  const r = RESULT;
  store<u64>(SOURCE, value);
  for (let i: u32 = 0; i < 16 / to; i++) {
    let v = lane(SOURCE, from, i);
    if (signed) {
      const shift = <u64>(64 - (from << 3));
      v = <u64>((<i64>(v << shift)) >> shift);
    }
    setLane(r, to, i, v);
  }
  store<u64>(dst, load<u64>(r));
  store<u64>(dst, load<u64>(r, 8), 8);
}

/** Signed 16-bit lane i of `base`. */
@inline function s16(base: usize, i: i32): i32 { return <i32><i16>lane16(base, i); }

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
    case SSE_PSUBUSB: case SSE_PADDUSB: case SSE_PADDSB: case SSE_PSUBSB: case SSE_PAVGB: case SSE_PMINSB:
    case SSE_PMAXSB: case SSE_PSIGNB: case SSE_PABSB: case SSE_PSHUFB: case SSE_PBLENDVB: {
      for (let i = 0; i < 16; i++) {
        const a = lane8(dst, i);
        const b = lane8(src, i);
        const sa = <i32><i8>a;
        const sb = <i32><i8>b;
        let v: u32;
        switch (sub) {
          case SSE_PADDB: v = a + b; break;
          case SSE_PSUBB: v = a - b; break;
          case SSE_PCMPEQB: v = a == b ? 0xff : 0; break;
          case SSE_PCMPGTB: v = sa > sb ? 0xff : 0; break;
          case SSE_PMINUB: v = min(a, b); break;
          case SSE_PMAXUB: v = max(a, b); break;
          case SSE_PMINSB: v = sa < sb ? a : b; break;
          case SSE_PMAXSB: v = sa > sb ? a : b; break;
          case SSE_PSUBUSB: v = a > b ? a - b : 0; break;
          case SSE_PADDUSB: v = min<u32>(a + b, 0xff); break;
          case SSE_PADDSB: v = saturate8(sa + sb); break;
          case SSE_PSUBSB: v = saturate8(sa - sb); break;
          case SSE_PAVGB: v = (a + b + 1) >> 1; break;
          case SSE_PSIGNB: v = sb < 0 ? <u32>(-sa) : sb == 0 ? 0 : a; break;
          case SSE_PABSB: v = <u32>(sb < 0 ? -sb : sb); break;
          case SSE_PSHUFB: v = (b & 0x80) != 0 ? 0 : lane8(dst, <i32>(b & 15)); break;
          default: v = (lane8(XMM0, i) & 0x80) != 0 ? b : a; break; // pblendvb
        }
        store<u8>(r + <usize>i, <u8>v);
      }
      break;
    }
    case SSE_PADDW: case SSE_PSUBW: case SSE_PCMPEQW: case SSE_PCMPGTW: case SSE_PMULLW: case SSE_PSUBUSW:
    case SSE_PADDUSW: case SSE_PADDSW: case SSE_PSUBSW: case SSE_PAVGW: case SSE_PMULHUW: case SSE_PMULHW:
    case SSE_PMINSW: case SSE_PMAXSW: case SSE_PMINUW: case SSE_PMAXUW: case SSE_PSIGNW: case SSE_PABSW:
    case SSE_PMULHRSW: {
      for (let i = 0; i < 8; i++) {
        const a = lane16(dst, i);
        const b = lane16(src, i);
        const sa = <i32><i16>a;
        const sb = <i32><i16>b;
        let v: u32;
        switch (sub) {
          case SSE_PADDW: v = a + b; break;
          case SSE_PSUBW: v = a - b; break;
          case SSE_PCMPEQW: v = a == b ? 0xffff : 0; break;
          case SSE_PCMPGTW: v = sa > sb ? 0xffff : 0; break;
          case SSE_PMULLW: v = a * b; break;
          case SSE_PSUBUSW: v = a > b ? a - b : 0; break;
          case SSE_PADDUSW: v = min<u32>(a + b, 0xffff); break;
          case SSE_PADDSW: v = saturate16(sa + sb); break;
          case SSE_PSUBSW: v = saturate16(sa - sb); break;
          case SSE_PAVGW: v = (a + b + 1) >> 1; break;
          case SSE_PMULHUW: v = (a * b) >> 16; break;
          case SSE_PMULHW: v = <u32>((sa * sb) >> 16); break;
          case SSE_PMINSW: v = sa < sb ? a : b; break;
          case SSE_PMAXSW: v = sa > sb ? a : b; break;
          case SSE_PMINUW: v = min(a, b); break;
          case SSE_PMAXUW: v = max(a, b); break;
          case SSE_PSIGNW: v = sb < 0 ? <u32>(-sa) : sb == 0 ? 0 : a; break;
          case SSE_PABSW: v = <u32>(sb < 0 ? -sb : sb); break;
          default: v = <u32>((((sa * sb) >> 14) + 1) >> 1); break; // pmulhrsw
        }
        store<u16>(r + (<usize>i << 1), <u16>v);
      }
      break;
    }
    case SSE_PADDD: case SSE_PSUBD: case SSE_PCMPEQD: case SSE_PCMPGTD: case SSE_PMINSD: case SSE_PMAXSD:
    case SSE_PMINUD: case SSE_PMAXUD: case SSE_PMULLD: case SSE_PSIGND: case SSE_PABSD: case SSE_BLENDVPS:
    case SSE_MOVSLDUP: case SSE_MOVSHDUP: case SSE_CVTTPS2DQ: {
      for (let i = 0; i < 4; i++) {
        const a = lane32(dst, i);
        const b = lane32(src, i);
        let v: u32;
        switch (sub) {
          case SSE_PADDD: v = a + b; break;
          case SSE_PSUBD: v = a - b; break;
          case SSE_PCMPEQD: v = a == b ? 0xffff_ffff : 0; break;
          case SSE_PCMPGTD: v = <i32>a > <i32>b ? 0xffff_ffff : 0; break;
          case SSE_PMINSD: v = <i32>a < <i32>b ? a : b; break;
          case SSE_PMAXSD: v = <i32>a > <i32>b ? a : b; break;
          case SSE_PMINUD: v = min(a, b); break;
          case SSE_PMAXUD: v = max(a, b); break;
          case SSE_PMULLD: v = a * b; break;
          case SSE_PSIGND: v = <i32>b < 0 ? 0 - a : b == 0 ? 0 : a; break;
          case SSE_PABSD: v = <i32>b < 0 ? 0 - b : b; break;
          case SSE_BLENDVPS: v = (lane32(XMM0, i) >> 31) != 0 ? b : a; break;
          case SSE_MOVSLDUP: v = lane32(src, i & 2); break;
          case SSE_MOVSHDUP: v = lane32(src, i | 1); break;
          default: v = truncateToInt32(b); break; // cvttps2dq
        }
        store<u32>(r + (<usize>i << 2), v);
      }
      break;
    }
    case SSE_PADDQ: case SSE_PSUBQ: case SSE_PMULUDQ: case SSE_PMULDQ: case SSE_PCMPEQQ: case SSE_PCMPGTQ:
    case SSE_BLENDVPD: {
      for (let h: usize = 0; h < 16; h += 8) {
        const a = load<u64>(dst + h);
        const b = load<u64>(src + h);
        let v: u64;
        switch (sub) {
          case SSE_PADDQ: v = a + b; break;
          case SSE_PSUBQ: v = a - b; break;
          case SSE_PMULUDQ: v = (a & 0xffff_ffff) * (b & 0xffff_ffff); break;
          case SSE_PMULDQ: v = <u64>(<i64><i32>a * <i64><i32>b); break;
          case SSE_PCMPEQQ: v = a == b ? 0xffff_ffff_ffff_ffff : 0; break;
          case SSE_PCMPGTQ: v = <i64>a > <i64>b ? 0xffff_ffff_ffff_ffff : 0; break;
          default: v = (load<u64>(XMM0 + h) >> 63) != 0 ? b : a; break; // blendvpd
        }
        store<u64>(r + h, v);
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
    case SSE_PACKSSDW: case SSE_PACKUSDW: {
      for (let i = 0; i < 8; i++) {
        const word = <i32>(i < 4 ? lane32(dst, i) : lane32(src, i - 4));
        const v = sub == SSE_PACKSSDW ? saturate16(word) : <u32>(word < 0 ? 0 : word > 65535 ? 65535 : word);
        store<u16>(r + (<usize>i << 1), <u16>v);
      }
      break;
    }
    case SSE_PMADDWD: {
      for (let i = 0; i < 4; i++) {
        store<u32>(r + (<usize>i << 2), <u32>(s16(dst, 2 * i) * s16(src, 2 * i) + s16(dst, 2 * i + 1) * s16(src, 2 * i + 1)));
      }
      break;
    }
    case SSE_PMADDUBSW: { // unsigned bytes of dst times signed bytes of src, pairs added with saturation
      for (let i = 0; i < 8; i++) {
        const sum = <i32>lane8(dst, 2 * i) * <i32><i8>lane8(src, 2 * i) +
          <i32>lane8(dst, 2 * i + 1) * <i32><i8>lane8(src, 2 * i + 1);
        store<u16>(r + (<usize>i << 1), <u16>saturate16(sum));
      }
      break;
    }
    case SSE_PSADBW: {
      for (let h = 0; h < 2; h++) {
        let sum: u32 = 0;
        for (let i = 0; i < 8; i++) {
          const a = lane8(dst, 8 * h + i);
          const b = lane8(src, 8 * h + i);
          sum += a > b ? a - b : b - a;
        }
        store<u64>(r + <usize>(8 * h), <u64>sum);
      }
      break;
    }
    case SSE_PHADDW: case SSE_PHSUBW: case SSE_PHADDSW: case SSE_PHSUBSW: {
      // Adjacent pairs of words: the low four results from dst, the high four from src.
      for (let i = 0; i < 8; i++) {
        const from = i < 4 ? dst : src;
        const x = s16(from, 2 * (i & 3));
        const y = s16(from, 2 * (i & 3) + 1);
        let v: u32;
        switch (sub) {
          case SSE_PHADDW: v = <u32>(x + y); break;
          case SSE_PHSUBW: v = <u32>(x - y); break;
          case SSE_PHADDSW: v = saturate16(x + y); break;
          default: v = saturate16(x - y); break;
        }
        store<u16>(r + (<usize>i << 1), <u16>v);
      }
      break;
    }
    case SSE_PHADDD: case SSE_PHSUBD: {
      for (let i = 0; i < 4; i++) {
        const from = i < 2 ? dst : src;
        const x = lane32(from, 2 * (i & 1));
        const y = lane32(from, 2 * (i & 1) + 1);
        store<u32>(r + (<usize>i << 2), sub == SSE_PHADDD ? x + y : x - y);
      }
      break;
    }
    case SSE_PHMINPOSUW: { // the smallest unsigned word of src and its (first) index
      let best = lane16(src, 0);
      let at: u32 = 0;
      for (let i = 1; i < 8; i++) {
        const v = lane16(src, i);
        if (v < best) { best = v; at = <u32>i; }
      }
      store<u64>(r, <u64>best | (<u64>at << 16));
      store<u64>(r, 0, 8);
      break;
    }
  }
  store<u64>(dst, load<u64>(r));
  store<u64>(dst, load<u64>(r, 8), 8);
}

/**
 * cvttps2dq on one lane: the single-precision value truncated toward zero; NaN and values out of the
 * int32 range give the "integer indefinite" 0x80000000. Exact and independent of MXCSR (denormal
 * inputs truncate to 0, as without DAZ, MXCSR's reset state).
 */
function truncateToInt32(bits: u32): u32 {
  const value = reinterpret<f32>(bits);
  if (isNaN(value) || value >= <f32>2147483648.0 || value < <f32>-2147483648.0) return 0x8000_0000;
  return <u32>(<i32>value);
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
    case SSE_PALIGNR: // dst:src (dst high) shifted right by imm bytes
      for (let i: u32 = 0; i < 16; i++) {
        const at = i + imm;
        store<u8>(r + <usize>i, at < 16 ? load<u8>(src + <usize>at) : at < 32 ? load<u8>(dst + <usize>(at - 16)) : 0);
      }
      break;
    case SSE_PBLENDW:
      for (let i = 0; i < 8; i++) store<u16>(r + (<usize>i << 1), <u16>lane16((imm & (1 << i)) != 0 ? src : dst, i));
      break;
    case SSE_BLENDPS:
      for (let i = 0; i < 4; i++) store<u32>(r + (<usize>i << 2), lane32((imm & (1 << i)) != 0 ? src : dst, i));
      break;
    case SSE_BLENDPD:
      for (let h = 0; h < 2; h++) store<u64>(r + <usize>(8 * h), load<u64>(((imm & (1 << h)) != 0 ? src : dst) + <usize>(8 * h)));
      break;
    case SSE_MPSADBW: { // sums of absolute differences of 4-byte groups of dst against one group of src
      const from: i32 = (imm & 4) != 0 ? 4 : 0;
      const group: i32 = <i32>(imm & 3) << 2;
      for (let i = 0; i < 8; i++) {
        let sum: u32 = 0;
        for (let j = 0; j < 4; j++) {
          const a = lane8(dst, from + i + j);
          const b = lane8(src, group + j);
          sum += a > b ? a - b : b - a;
        }
        store<u16>(r + (<usize>i << 1), <u16>sum);
      }
      break;
    }
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
