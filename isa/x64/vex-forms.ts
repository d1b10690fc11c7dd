// Operand-form rules of VEX instructions, from the manual's instruction pages: which ones leave
// VEX.vvvv unused (it must then be 1111b), which exist only as VEX.128 (L0) or VEX.256 (L1), which
// need W0 or W1, and which take only a register or only a memory operand. Anything else raises #UD.
// Rules are kept per map, opcode and pp (the mandatory prefix).
import { X64Error } from './codes';
import { ALL, NP, P66, PF2, PF3, setRules } from './form-rules';
import { X64Instruction } from './instruction';

/** vvvv is unused and must be 1111b (0 once inverted). */
const NO_VVVV: u8 = 1;
/** VEX.L must be 0. */
const L0: u8 = 2;
/** VEX.L must be 1. */
const L1: u8 = 4;
const W0: u8 = 8;
const W1: u8 = 16;
const REG: u8 = 32;
const MEM: u8 = 64;

/** One byte of rules per (map 1-3, opcode, pp). */
const RULES: usize = memory.data(4 * 256 * 4);

function rule(map: i32, first: i32, last: i32, pps: i32, flags: u8): void {
  setRules(RULES, map, first, last, pps, flags);
}

// ---- map 1 (0F) ----
rule(1, 0x10, 0x11, NP | P66, NO_VVVV); // vmovups/pd; vmovss/sd use vvvv with registers only
rule(1, 0x12, 0x12, NP | P66, L0); rule(1, 0x12, 0x12, P66, MEM); rule(1, 0x12, 0x12, PF3 | PF2, NO_VVVV);
rule(1, 0x13, 0x13, NP | P66, NO_VVVV | L0 | MEM);
rule(1, 0x16, 0x16, NP | P66, L0); rule(1, 0x16, 0x16, P66, MEM); rule(1, 0x16, 0x16, PF3, NO_VVVV);
rule(1, 0x17, 0x17, NP | P66, NO_VVVV | L0 | MEM);
rule(1, 0x28, 0x29, NP | P66, NO_VVVV);
rule(1, 0x2b, 0x2b, NP | P66, NO_VVVV | MEM);
rule(1, 0x2c, 0x2d, PF3 | PF2, NO_VVVV);
rule(1, 0x2e, 0x2f, NP | P66, NO_VVVV);
rule(1, 0x41, 0x42, NP | P66, L1 | REG); // kand kandn
rule(1, 0x44, 0x44, NP | P66, NO_VVVV | L0 | REG); // knot
rule(1, 0x45, 0x47, NP | P66, L1 | REG); // kor kxnor kxor
rule(1, 0x4a, 0x4b, NP | P66, L1 | REG); // kadd kunpck
rule(1, 0x50, 0x50, NP | P66, NO_VVVV | REG);
rule(1, 0x51, 0x51, NP | P66, NO_VVVV);
rule(1, 0x52, 0x53, NP, NO_VVVV);
rule(1, 0x5a, 0x5a, NP | P66, NO_VVVV);
rule(1, 0x5b, 0x5b, ALL, NO_VVVV);
rule(1, 0x6e, 0x6e, P66, NO_VVVV | L0);
rule(1, 0x6f, 0x6f, ALL, NO_VVVV);
rule(1, 0x70, 0x70, ALL, NO_VVVV);
rule(1, 0x71, 0x73, P66, REG); // the shifted register is in rm, the destination in vvvv
rule(1, 0x77, 0x77, NP, NO_VVVV); // vzeroupper / vzeroall
rule(1, 0x7e, 0x7e, P66 | PF3, NO_VVVV | L0);
rule(1, 0x7f, 0x7f, ALL, NO_VVVV);
rule(1, 0x90, 0x90, NP | P66, NO_VVVV | L0); // kmov k, k/m
rule(1, 0x91, 0x91, NP | P66, NO_VVVV | L0 | MEM); // kmov m, k
rule(1, 0x92, 0x93, NP | P66 | PF2, NO_VVVV | L0 | REG); // kmov k, r / r, k
rule(1, 0x98, 0x99, NP | P66, NO_VVVV | L0 | REG); // kortest ktest
rule(1, 0xae, 0xae, NP, NO_VVVV | L0 | MEM); // vldmxcsr vstmxcsr
rule(1, 0xc4, 0xc4, P66, L0); // vpinsrw
rule(1, 0xc5, 0xc5, P66, NO_VVVV | L0 | REG); // vpextrw
rule(1, 0xd6, 0xd6, P66, NO_VVVV | L0); // vmovq xmm/m64, xmm
rule(1, 0xd7, 0xd7, P66, NO_VVVV | REG); // vpmovmskb
rule(1, 0xe6, 0xe6, P66 | PF3 | PF2, NO_VVVV);
rule(1, 0xe7, 0xe7, P66, NO_VVVV | MEM); // vmovntdq
rule(1, 0xf0, 0xf0, PF2, NO_VVVV | MEM); // vlddqu
rule(1, 0xf7, 0xf7, P66, NO_VVVV | L0 | REG); // vmaskmovdqu

// ---- map 2 (0F38) ----
rule(2, 0x0c, 0x0d, P66, W0); // vpermilps/pd (variable)
rule(2, 0x0e, 0x0f, P66, NO_VVVV | W0); // vtestps/pd
rule(2, 0x13, 0x13, P66, NO_VVVV | W0); // vcvtph2ps
rule(2, 0x16, 0x16, P66, L1 | W0); // vpermps
rule(2, 0x17, 0x17, P66, NO_VVVV); // vptest
rule(2, 0x18, 0x18, P66, NO_VVVV | W0); // vbroadcastss
rule(2, 0x19, 0x19, P66, NO_VVVV | L1 | W0); // vbroadcastsd
rule(2, 0x1a, 0x1a, P66, NO_VVVV | L1 | W0 | MEM); // vbroadcastf128
rule(2, 0x1c, 0x1e, P66, NO_VVVV); // vpabs
rule(2, 0x20, 0x25, P66, NO_VVVV); // vpmovsx
rule(2, 0x2a, 0x2a, P66, NO_VVVV | MEM); // vmovntdqa
rule(2, 0x2c, 0x2f, P66, W0 | MEM); // vmaskmovps/pd
rule(2, 0x30, 0x35, P66, NO_VVVV); // vpmovzx
rule(2, 0x36, 0x36, P66, L1 | W0); // vpermd
rule(2, 0x41, 0x41, P66, NO_VVVV | L0); // vphminposuw
rule(2, 0x46, 0x46, P66, W0); // vpsravd
rule(2, 0x49, 0x49, ALL, NO_VVVV | L0 | W0); // ldtilecfg sttilecfg tilerelease tilezero
rule(2, 0x49, 0x49, NP | P66, 0); rule(2, 0x49, 0x49, P66, MEM); rule(2, 0x49, 0x49, PF2, REG);
rule(2, 0x4b, 0x4b, P66 | PF3 | PF2, NO_VVVV | L0 | W0 | MEM); // tile loads and stores
rule(2, 0x50, 0x53, NP | P66, W0); // AVX-VNNI
rule(2, 0x5c, 0x5c, PF3 | PF2, L0 | W0 | REG); // tdpbf16ps tdpfp16ps
rule(2, 0x5e, 0x5e, ALL, L0 | W0 | REG); // tdpb*d
rule(2, 0x72, 0x72, PF3, NO_VVVV | W0); // vcvtneps2bf16
rule(2, 0x58, 0x59, P66, NO_VVVV | W0); // vpbroadcastd/q
rule(2, 0x5a, 0x5a, P66, NO_VVVV | L1 | W0 | MEM); // vbroadcasti128
rule(2, 0x78, 0x79, P66, NO_VVVV | W0); // vpbroadcastb/w
rule(2, 0x8c, 0x8c, P66, MEM); // vpmaskmovd/q load
rule(2, 0x8e, 0x8e, P66, MEM); // vpmaskmovd/q store
rule(2, 0xb0, 0xb1, ALL, NO_VVVV | W0 | MEM); // AVX-NE-CONVERT loads
rule(2, 0xb4, 0xb5, P66, W1); // vpmadd52luq/huq
rule(2, 0xcf, 0xcf, P66, W0); // vgf2p8mulb
rule(2, 0xdb, 0xdb, P66, NO_VVVV | L0); // vaesimc
rule(2, 0xf2, 0xf3, NP, L0); // andn, blsr/blsmsk/blsi (vvvv is the destination)
rule(2, 0xf5, 0xf7, ALL, L0); // bzhi pext pdep mulx bextr shlx sarx shrx

// ---- map 3 (0F3A) ----
rule(3, 0x00, 0x01, P66, NO_VVVV | L1 | W1); // vpermq vpermpd
rule(3, 0x02, 0x02, P66, W0); // vpblendd
rule(3, 0x04, 0x05, P66, NO_VVVV | W0); // vpermilps/pd imm
rule(3, 0x06, 0x06, P66, L1 | W0); // vperm2f128
rule(3, 0x08, 0x09, P66, NO_VVVV); // vroundps/pd
rule(3, 0x14, 0x17, P66, NO_VVVV | L0); // vpextrb/w/d/q vextractps
rule(3, 0x18, 0x18, P66, L1 | W0); // vinsertf128
rule(3, 0x19, 0x19, P66, NO_VVVV | L1 | W0); // vextractf128
rule(3, 0x1d, 0x1d, P66, NO_VVVV | W0); // vcvtps2ph
rule(3, 0x20, 0x22, P66, L0); // vpinsrb vinsertps vpinsrd/q
rule(3, 0x30, 0x33, P66, NO_VVVV | L0 | REG); // kshiftr/l
rule(3, 0x38, 0x38, P66, L1 | W0); // vinserti128
rule(3, 0x39, 0x39, P66, NO_VVVV | L1 | W0); // vextracti128
rule(3, 0x41, 0x41, P66, L0); // vdppd
rule(3, 0x46, 0x46, P66, L1 | W0); // vperm2i128
rule(3, 0x4a, 0x4c, P66, W0); // vblendvps/pd vpblendvb
rule(3, 0x60, 0x63, P66, NO_VVVV | L0); // vpcmpestrm ... vpcmpistri
rule(3, 0xce, 0xcf, P66, W1); // vgf2p8affineqb / invqb
rule(3, 0xdf, 0xdf, P66, NO_VVVV | L0); // vaeskeygenassist
rule(3, 0xf0, 0xf0, PF2, NO_VVVV | L0); // rorx

/** Checks the VEX operand-form rules of `out` (ModRM already read). Returns false after failing it. */
export function checkVexForm(out: X64Instruction): bool {
  const flags = load<u8>(RULES + <usize>(((out.map * 256 + <i32>out.opcode) << 2) + out.pp));
  // vmovss / vmovsd: the memory forms have no second source.
  if (out.map == 1 && (out.opcode == 0x10 || out.opcode == 0x11) && out.pp >= 2 && out.mod != 3 && out.vvvv != 0) {
    return out.fail(X64Error.BAD_VECTOR_PREFIX, 'VEX.vvvv must be 1111b for this instruction');
  }
  if (flags == 0) return true;
  if ((flags & NO_VVVV) && out.vvvv != 0) return out.fail(X64Error.BAD_VECTOR_PREFIX, 'VEX.vvvv must be 1111b for this instruction');
  if ((flags & L0) && out.vectorLength != 0) return out.fail(X64Error.BAD_VECTOR_PREFIX, 'this instruction exists only with VEX.L = 0');
  if ((flags & L1) && out.vectorLength != 1) return out.fail(X64Error.BAD_VECTOR_PREFIX, 'this instruction exists only with VEX.L = 1');
  if ((flags & W0) && out.vexW) return out.fail(X64Error.BAD_VECTOR_PREFIX, 'this instruction exists only with VEX.W = 0');
  if ((flags & W1) && !out.vexW) return out.fail(X64Error.BAD_VECTOR_PREFIX, 'this instruction exists only with VEX.W = 1');
  if ((flags & REG) && out.mod != 3) return out.fail(X64Error.BAD_OPERAND_FORM, 'this instruction needs a register operand');
  if ((flags & MEM) && out.mod == 3) return out.fail(X64Error.BAD_OPERAND_FORM, 'this instruction needs a memory operand');
  return true;
}
