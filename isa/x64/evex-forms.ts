// Operand-form rules of EVEX instructions, from the manual's instruction pages: which leave
// EVEX.vvvv (and V') unused, so they must be 1111b (and 1); which exist only with W0 or W1 (map 1,
// where the W bit selects between single and double precision); which take only a register or
// only a memory operand. Anything else raises #UD. Rules are kept per map, opcode and pp.
import { X64Error } from './codes';
import { ALL, NP, P66, PF2, PF3, setRules } from './form-rules';
import { X64Instruction } from './instruction';

const NO_VVVV: u8 = 1;
const W0: u8 = 2;
const W1: u8 = 4;
const REG: u8 = 8;
const MEM: u8 = 16;
/** Gathers, scatters and their prefetches: vvvv must be 1111b, V' extends the vector index. */
const VSIB_VVVV: u8 = 32;

/** One byte of rules per (map 0-7, opcode, pp). */
const RULES: usize = memory.data(8 * 256 * 4);

function rule(map: i32, first: i32, last: i32, pps: i32, flags: u8): void {
  setRules(RULES, map, first, last, pps, flags);
}

/** Single precision without prefix or with F3, double precision with 66 or F2. */
function precision(map: i32, first: i32, last: i32, pps: i32): void {
  rule(map, first, last, pps & (NP | PF3), W0);
  rule(map, first, last, pps & (P66 | PF2), W1);
}

// ---- map 1 (0F) ----
precision(1, 0x10, 0x17, ALL); // vmovups/pd/ss/sd, vmovlps/hlps/lpd/sldup/ddup, vunpck, vmovhps/lhps/hpd/shdup
rule(1, 0x10, 0x11, NP | P66, NO_VVVV); // vmovss/sd use vvvv with registers only (checked below)
rule(1, 0x12, 0x12, PF3 | PF2, NO_VVVV);
rule(1, 0x12, 0x12, P66, MEM);
rule(1, 0x13, 0x13, NP | P66, NO_VVVV | MEM);
rule(1, 0x16, 0x16, PF3, NO_VVVV);
rule(1, 0x16, 0x16, P66, MEM);
rule(1, 0x17, 0x17, NP | P66, NO_VVVV | MEM);
precision(1, 0x28, 0x29, NP | P66);
rule(1, 0x28, 0x29, NP | P66, NO_VVVV); // vmovaps/pd
precision(1, 0x2b, 0x2b, NP | P66);
rule(1, 0x2b, 0x2b, NP | P66, NO_VVVV | MEM); // vmovntps/pd
rule(1, 0x2c, 0x2d, PF3 | PF2, NO_VVVV); // vcvt(t)ss/sd2si
precision(1, 0x2e, 0x2f, NP | P66);
rule(1, 0x2e, 0x2f, NP | P66, NO_VVVV); // vucomis vcomis
precision(1, 0x51, 0x51, ALL);
rule(1, 0x51, 0x51, NP | P66, NO_VVVV); // vsqrtps/pd
precision(1, 0x54, 0x59, NP | P66); // vand vandn vor vxor vadd vmul
precision(1, 0x58, 0x59, PF3 | PF2);
precision(1, 0x5a, 0x5a, ALL); // vcvtps2pd vcvtpd2ps vcvtss2sd vcvtsd2ss
rule(1, 0x5a, 0x5a, NP | P66, NO_VVVV);
rule(1, 0x5b, 0x5b, P66 | PF3, W0); // vcvtps2dq vcvttps2dq (NP: vcvtdq2ps W0, vcvtqq2ps W1)
rule(1, 0x5b, 0x5b, NP | P66 | PF3, NO_VVVV);
precision(1, 0x5c, 0x5f, ALL); // vsub vmin vdiv vmax
rule(1, 0x62, 0x62, P66, W0); // vpunpckldq
rule(1, 0x66, 0x66, P66, W0); // vpcmpgtd
rule(1, 0x6a, 0x6b, P66, W0); // vpunpckhdq vpackssdw
rule(1, 0x6c, 0x6d, P66, W1); // vpunpcklqdq vpunpckhqdq
rule(1, 0x6e, 0x6e, P66, NO_VVVV); // vmovd/q xmm, r/m
rule(1, 0x6f, 0x6f, P66 | PF3 | PF2, NO_VVVV); // vmovdqa/u
rule(1, 0x70, 0x70, P66, W0); // vpshufd
rule(1, 0x70, 0x70, P66 | PF3 | PF2, NO_VVVV);
rule(1, 0x76, 0x76, P66, W0); // vpcmpeqd
rule(1, 0x78, 0x79, ALL, NO_VVVV); // vcvt(t)p*2u*, vcvt(t)s*2usi
rule(1, 0x7a, 0x7a, P66 | PF3 | PF2, NO_VVVV); // vcvttp*2qq, vcvtudq2pd, vcvtudq2ps
rule(1, 0x7b, 0x7b, P66, NO_VVVV); // vcvtp*2qq (F3/F2 vcvtusi2sd/ss take vvvv)
rule(1, 0x7e, 0x7e, P66 | PF3, NO_VVVV); // vmovd/q r/m, xmm; vmovq xmm, xmm/m64
rule(1, 0x7e, 0x7e, PF3, W1);
rule(1, 0x7f, 0x7f, P66 | PF3 | PF2, NO_VVVV);
precision(1, 0xc2, 0xc2, ALL); // vcmpps/pd/ss/sd
rule(1, 0xc5, 0xc5, P66, NO_VVVV | REG); // vpextrw
precision(1, 0xc6, 0xc6, NP | P66); // vshufps/pd
rule(1, 0xd2, 0xd2, P66, W0); // vpsrld
rule(1, 0xd3, 0xd4, P66, W1); // vpsrlq vpaddq
rule(1, 0xd6, 0xd6, P66, NO_VVVV | W1); // vmovq xmm/m64, xmm
rule(1, 0xe6, 0xe6, P66 | PF2, W1); // vcvttpd2dq vcvtpd2dq
rule(1, 0xe6, 0xe6, P66 | PF3 | PF2, NO_VVVV);
rule(1, 0xe7, 0xe7, P66, NO_VVVV | W0 | MEM); // vmovntdq
rule(1, 0xf2, 0xf2, P66, W0); // vpslld
rule(1, 0xf3, 0xf4, P66, W1); // vpsllq vpmuludq
rule(1, 0xfa, 0xfa, P66, W0); // vpsubd
rule(1, 0xfb, 0xfb, P66, W1); // vpsubq
rule(1, 0xfe, 0xfe, P66, W0); // vpaddd

// ---- map 2 (0F38) ----
rule(2, 0x10, 0x15, PF3, NO_VVVV); // vpmovus*
rule(2, 0x13, 0x13, P66, NO_VVVV | W0); // vcvtph2ps
rule(2, 0x18, 0x1f, P66, NO_VVVV); // broadcasts, vpabs
rule(2, 0x20, 0x25, P66 | PF3, NO_VVVV); // vpmovsx, vpmovs*
rule(2, 0x28, 0x29, PF3, NO_VVVV | REG); // vpmovm2b/w, vpmovb/w2m
rule(2, 0x2a, 0x2a, P66, NO_VVVV | MEM); // vmovntdqa
rule(2, 0x2a, 0x2a, PF3, NO_VVVV | REG); // vpbroadcastmb2q
rule(2, 0x30, 0x35, P66 | PF3, NO_VVVV); // vpmovzx, vpmov*
rule(2, 0x38, 0x39, PF3, NO_VVVV | REG); // vpmovm2d/q, vpmovd/q2m
rule(2, 0x3a, 0x3a, PF3, NO_VVVV | REG); // vpbroadcastmw2d
rule(2, 0x42, 0x42, P66, NO_VVVV); // vgetexpps/pd
rule(2, 0x44, 0x44, P66, NO_VVVV); // vplzcnt
rule(2, 0x4c, 0x4c, P66, NO_VVVV); // vrcp14ps/pd
rule(2, 0x4e, 0x4e, P66, NO_VVVV); // vrsqrt14ps/pd
rule(2, 0x54, 0x55, P66, NO_VVVV); // vpopcnt
rule(2, 0x58, 0x5b, P66, NO_VVVV); // broadcasts
rule(2, 0x62, 0x63, P66, NO_VVVV); // vpexpandb/w vpcompressb/w
rule(2, 0x72, 0x72, PF3, NO_VVVV); // vcvtneps2bf16
rule(2, 0x78, 0x7c, P66, NO_VVVV); // broadcasts from xmm, memory and general registers
rule(2, 0x7c, 0x7c, P66, REG);
rule(2, 0x88, 0x8b, P66, NO_VVVV); // vexpand vcompress
rule(2, 0x90, 0x93, P66, VSIB_VVVV); // gathers
rule(2, 0xa0, 0xa3, P66, VSIB_VVVV); // scatters
rule(2, 0xc4, 0xc4, P66, NO_VVVV); // vpconflict
rule(2, 0xc6, 0xc7, P66, VSIB_VVVV); // gather/scatter prefetches
rule(2, 0xc8, 0xc8, P66, NO_VVVV); // vexp2
rule(2, 0xca, 0xca, P66, NO_VVVV); // vrcp28ps/pd
rule(2, 0xcc, 0xcc, P66, NO_VVVV); // vrsqrt28ps/pd

// ---- map 3 (0F3A) ----
rule(3, 0x00, 0x01, P66, NO_VVVV | W1); // vpermq vpermpd
rule(3, 0x04, 0x04, P66, NO_VVVV | W0); // vpermilps
rule(3, 0x05, 0x05, P66, NO_VVVV | W1); // vpermilpd
rule(3, 0x08, 0x08, NP | P66, NO_VVVV); // vrndscaleph/ps
rule(3, 0x09, 0x09, P66, NO_VVVV); // vrndscalepd
rule(3, 0x14, 0x17, P66, NO_VVVV); // vpextrb/w/d/q vextractps
rule(3, 0x19, 0x19, P66, NO_VVVV); // vextractf32x4 / f64x2
rule(3, 0x1b, 0x1b, P66, NO_VVVV); // vextractf32x8 / f64x4
rule(3, 0x1d, 0x1d, P66, NO_VVVV | W0); // vcvtps2ph
rule(3, 0x26, 0x26, NP | P66, NO_VVVV); // vgetmantph/ps/pd
rule(3, 0x39, 0x39, P66, NO_VVVV); // vextracti32x4 / i64x2
rule(3, 0x3b, 0x3b, P66, NO_VVVV); // vextracti32x8 / i64x4
rule(3, 0x56, 0x56, NP | P66, NO_VVVV); // vreduceph/ps/pd
rule(3, 0x66, 0x66, NP | P66, NO_VVVV); // vfpclassph/ps/pd

// ---- map 5 (FP16) ----
rule(5, 0x10, 0x11, PF3, W0); // vmovsh (vvvv: registers only, checked below)
rule(5, 0x1d, 0x1d, P66, NO_VVVV); // vcvtps2phx
rule(5, 0x2c, 0x2d, PF3, NO_VVVV); // vcvt(t)sh2si
rule(5, 0x2e, 0x2f, NP, NO_VVVV); // vucomish vcomish
rule(5, 0x51, 0x51, NP, NO_VVVV); // vsqrtph
rule(5, 0x5a, 0x5a, NP | P66, NO_VVVV); // vcvtph2pd vcvtpd2ph
rule(5, 0x5b, 0x5b, NP | P66 | PF3, NO_VVVV); // vcvtdq2ph vcvtph2dq vcvttph2dq
rule(5, 0x6e, 0x6e, P66, NO_VVVV); // vmovw xmm, r/m16
rule(5, 0x78, 0x79, NP | P66, NO_VVVV); // vcvt(t)ph2udq/uqq
rule(5, 0x78, 0x79, PF3, NO_VVVV); // vcvt(t)sh2usi
rule(5, 0x7a, 0x7a, P66 | PF3 | PF2, NO_VVVV); // vcvttph2qq vcvtudq2ph vcvtuqq2ph
rule(5, 0x7b, 0x7b, P66, NO_VVVV); // vcvtph2qq
rule(5, 0x7c, 0x7d, ALL, NO_VVVV); // vcvt(t)ph2(u)w, vcvt(u)w2ph
rule(5, 0x7e, 0x7e, P66, NO_VVVV); // vmovw r/m16, xmm

// ---- map 6 (FP16) ----
rule(6, 0x13, 0x13, P66, NO_VVVV); // vcvtph2psx
rule(6, 0x42, 0x42, P66, NO_VVVV); // vgetexpph
rule(6, 0x4c, 0x4c, P66, NO_VVVV); // vrcpph
rule(6, 0x4e, 0x4e, P66, NO_VVVV); // vrsqrtph

/** Checks the EVEX operand-form rules of `out` (ModRM already read). Returns false after failing it. */
export function checkEvexForm(out: X64Instruction): bool {
  const flags = load<u8>(RULES + <usize>(((out.map * 256 + <i32>out.opcode) << 2) + out.pp));
  // vmovss / vmovsd / vmovsh: the memory forms have no second source.
  const scalarMove = (out.map == 1 && out.pp >= 2) || (out.map == 5 && out.pp == 2);
  if (scalarMove && (out.opcode == 0x10 || out.opcode == 0x11) && out.mod != 3 && out.vvvv != 0) {
    return out.fail(X64Error.BAD_VECTOR_PREFIX, 'EVEX.vvvv must be 1111b for this instruction');
  }
  if (flags == 0) return true;
  if ((flags & NO_VVVV) && out.vvvv != 0) return out.fail(X64Error.BAD_VECTOR_PREFIX, 'EVEX.vvvv must be 1111b (and V\' 1) for this instruction');
  if ((flags & VSIB_VVVV) && (out.vvvv & 15) != 0) return out.fail(X64Error.BAD_VECTOR_PREFIX, 'EVEX.vvvv must be 1111b for gathers and scatters');
  if ((flags & W0) && out.vexW) return out.fail(X64Error.BAD_VECTOR_PREFIX, 'this instruction exists only with EVEX.W = 0');
  if ((flags & W1) && !out.vexW) return out.fail(X64Error.BAD_VECTOR_PREFIX, 'this instruction exists only with EVEX.W = 1');
  if ((flags & REG) && out.mod != 3) return out.fail(X64Error.BAD_OPERAND_FORM, 'this instruction needs a register operand');
  if ((flags & MEM) && out.mod == 3) return out.fail(X64Error.BAD_OPERAND_FORM, 'this instruction needs a memory operand');
  return true;
}
