// Opcode tables of the VEX and EVEX maps, written from the architecture manuals' opcode maps
// (AVX, AVX2, FMA, F16C, BMI1/2, AVX-VNNI, AVX-IFMA, AVX-NE-CONVERT, VAES, GFNI, AMX for VEX;
// AVX-512 F/CD/BW/DQ/VL/IFMA/VBMI/VBMI2/VNNI/BITALG/VPOPCNTDQ/BF16/FP16/VP2INTERSECT for EVEX)
// and AMD's FMA4. Every vector instruction has a ModRM byte except vzeroupper/vzeroall.
// Entries say which mandatory prefix (pp) selects an instruction; VEX operand-form rules (vvvv, L,
// W, register or memory) are in vex-forms.ts.
import { X64Encoding, X64Error } from './codes';
import { X64Instruction } from './instruction';
import { GROUP, IMM_8, MODRM, NP, NP_66, P66, PF2, PF3, PP_ALL, UNDEFINED } from './legacy-opcodes';

/** Gathers, scatters and their prefetches: the memory operand must use a SIB byte (vector index). */
const VSIB: u32 = 1 << 24;

// Descriptors by map * 256 + opcode, in static memory like the legacy tables.
const VEX_MAPS: usize = memory.data(4 * 256 * 4);
const EVEX_MAPS: usize = memory.data(8 * 256 * 4);

function vex(map: i32, first: i32, last: i32, descriptor: u32): void {
  for (let op = first; op <= last; op++) store<u32>(VEX_MAPS + (<usize>(map * 256 + op) << 2), descriptor | MODRM);
}

function evex(map: i32, first: i32, last: i32, descriptor: u32): void {
  for (let op = first; op <= last; op++) store<u32>(EVEX_MAPS + (<usize>(map * 256 + op) << 2), descriptor | MODRM);
}

for (let i = 0; i < 4 * 256; i++) store<u32>(VEX_MAPS + (<usize>i << 2), UNDEFINED);
for (let i = 0; i < 8 * 256; i++) store<u32>(EVEX_MAPS + (<usize>i << 2), UNDEFINED);

// ---- VEX map 1 (0F) --------------------------------------------------------------------------
vex(1, 0x10, 0x11, PP_ALL); // vmovups vmovupd vmovss vmovsd
vex(1, 0x12, 0x12, PP_ALL); // vmovlps/vmovhlps vmovlpd vmovsldup vmovddup
vex(1, 0x13, 0x13, NP_66); // vmovlps vmovlpd (store)
vex(1, 0x14, 0x15, NP_66); // vunpcklps/pd vunpckhps/pd
vex(1, 0x16, 0x16, NP | P66 | PF3); // vmovhps/vmovlhps vmovhpd vmovshdup
vex(1, 0x17, 0x17, NP_66); // vmovhps vmovhpd (store)
vex(1, 0x28, 0x29, NP_66); // vmovaps vmovapd
vex(1, 0x2a, 0x2a, PF3 | PF2); // vcvtsi2ss vcvtsi2sd
vex(1, 0x2b, 0x2b, NP_66); // vmovntps vmovntpd
vex(1, 0x2c, 0x2d, PF3 | PF2); // vcvt(t)ss2si vcvt(t)sd2si
vex(1, 0x2e, 0x2f, NP_66); // vucomiss/sd vcomiss/sd
vex(1, 0x41, 0x42, NP_66); // kand kandn
vex(1, 0x44, 0x47, NP_66); // knot kor kxnor kxor
vex(1, 0x4a, 0x4b, NP_66); // kadd kunpck
vex(1, 0x50, 0x50, NP_66); // vmovmskps/pd
vex(1, 0x51, 0x51, PP_ALL); // vsqrt
vex(1, 0x52, 0x53, NP | PF3); // vrsqrt vrcp
vex(1, 0x54, 0x57, NP_66); // vand vandn vor vxor
vex(1, 0x58, 0x5a, PP_ALL); // vadd vmul vcvt
vex(1, 0x5b, 0x5b, NP | P66 | PF3); // vcvtdq2ps vcvtps2dq vcvttps2dq
vex(1, 0x5c, 0x5f, PP_ALL); // vsub vmin vdiv vmax
vex(1, 0x60, 0x6e, P66); // vpunpck vpack vpcmpgt vmovd/q
vex(1, 0x6f, 0x6f, P66 | PF3); // vmovdqa vmovdqu
vex(1, 0x70, 0x70, P66 | PF3 | PF2 | IMM_8); // vpshufd vpshufhw vpshuflw
vex(1, 0x71, 0x73, P66 | IMM_8 | GROUP); // shifts by imm8
vex(1, 0x74, 0x76, P66); // vpcmpeq
store<u32>(VEX_MAPS + (<usize>(1 * 256 + 0x77) << 2), NP); // vzeroupper / vzeroall: no ModRM
vex(1, 0x7c, 0x7d, P66 | PF2); // vhadd vhsub
vex(1, 0x7e, 0x7e, P66 | PF3); // vmovd/q r/m, xmm; vmovq xmm, xmm/m64
vex(1, 0x7f, 0x7f, P66 | PF3); // vmovdqa vmovdqu (store)
vex(1, 0x90, 0x90, NP_66); // kmov k, k/m
vex(1, 0x91, 0x91, NP_66); // kmov m, k
vex(1, 0x92, 0x93, NP | P66 | PF2); // kmov k, r / r, k
vex(1, 0x98, 0x99, NP_66); // kortest ktest
vex(1, 0xae, 0xae, NP | GROUP); // vldmxcsr vstmxcsr
vex(1, 0xc2, 0xc2, PP_ALL | IMM_8); // vcmp
vex(1, 0xc4, 0xc5, P66 | IMM_8); // vpinsrw vpextrw
vex(1, 0xc6, 0xc6, NP_66 | IMM_8); // vshufps/pd
vex(1, 0xd0, 0xd0, P66 | PF2); // vaddsub
vex(1, 0xd1, 0xd6, P66);
vex(1, 0xd7, 0xd7, P66); // vpmovmskb
vex(1, 0xd8, 0xe5, P66);
vex(1, 0xe6, 0xe6, P66 | PF3 | PF2); // vcvttpd2dq vcvtdq2pd vcvtpd2dq
vex(1, 0xe7, 0xe7, P66); // vmovntdq
vex(1, 0xe8, 0xef, P66);
vex(1, 0xf0, 0xf0, PF2); // vlddqu
vex(1, 0xf1, 0xf7, P66); // shifts, vpmuludq, vpmaddwd, vpsadbw, vmaskmovdqu
vex(1, 0xf8, 0xfe, P66);

// ---- VEX map 2 (0F38) ------------------------------------------------------------------------
vex(2, 0x00, 0x0f, P66); // vpshufb ... vpmulhrsw, vpermilps/pd, vtestps/pd
vex(2, 0x13, 0x13, P66); // vcvtph2ps
vex(2, 0x16, 0x1a, P66); // vpermps vptest vbroadcastss/sd/f128
vex(2, 0x1c, 0x1e, P66); // vpabs
vex(2, 0x20, 0x25, P66); // vpmovsx
vex(2, 0x28, 0x2f, P66); // vpmuldq vpcmpeqq vmovntdqa vpackusdw vmaskmovps/pd
vex(2, 0x30, 0x41, P66); // vpmovzx vpermd vpcmpgtq vpmin/max vpmulld vphminposuw
vex(2, 0x45, 0x47, P66); // vpsrlv vpsravd vpsllv
vex(2, 0x49, 0x49, NP | P66 | PF2); // ldtilecfg sttilecfg tilerelease / tilezero (AMX)
vex(2, 0x4b, 0x4b, P66 | PF3 | PF2); // tileloaddt1 tilestored tileloadd (AMX)
vex(2, 0x50, 0x53, NP | P66 | PF3 | PF2); // vpdpbusd(s) vpdpwssd(s) (AVX-VNNI), vpdpb*d (AVX-VNNI-INT8)
vex(2, 0x58, 0x5a, P66); // vpbroadcastd/q vbroadcasti128
vex(2, 0x5c, 0x5c, PF3 | PF2); // tdpbf16ps tdpfp16ps (AMX)
vex(2, 0x5e, 0x5e, NP | P66 | PF3 | PF2); // tdpbsud tdpbusd tdpbssd tdpbuud (AMX)
vex(2, 0x72, 0x72, PF3); // vcvtneps2bf16 (AVX-NE-CONVERT)
vex(2, 0x78, 0x79, P66); // vpbroadcastb/w
vex(2, 0x8c, 0x8c, P66); // vpmaskmovd/q load
vex(2, 0x8e, 0x8e, P66); // vpmaskmovd/q store
vex(2, 0x90, 0x93, P66 | VSIB); // gathers
vex(2, 0x96, 0x9f, P66); // fmaddsub ... fnmsub
vex(2, 0xa6, 0xaf, P66);
vex(2, 0xb0, 0xb1, NP | P66 | PF3 | PF2); // vcvtneoph2ps ... vbcstnesh2ps (AVX-NE-CONVERT)
vex(2, 0xb4, 0xb5, P66); // vpmadd52luq/huq (AVX-IFMA)
vex(2, 0xb6, 0xbf, P66);
vex(2, 0xcf, 0xcf, P66); // vgf2p8mulb
vex(2, 0xdb, 0xdf, P66); // vaesimc vaesenc vaesenclast vaesdec vaesdeclast
vex(2, 0xf2, 0xf2, NP); // andn
vex(2, 0xf3, 0xf3, NP | GROUP); // blsr blsmsk blsi
vex(2, 0xf5, 0xf5, NP | PF3 | PF2); // bzhi pext pdep
vex(2, 0xf6, 0xf6, PF2); // mulx
vex(2, 0xf7, 0xf7, PP_ALL); // bextr shlx sarx shrx

// ---- VEX map 3 (0F3A): every instruction has an imm8 -----------------------------------------
vex(3, 0x00, 0x02, P66 | IMM_8); // vpermq vpermpd vpblendd
vex(3, 0x04, 0x06, P66 | IMM_8); // vpermilps/pd vperm2f128
vex(3, 0x08, 0x0f, P66 | IMM_8); // vround vblend vpblendw vpalignr
vex(3, 0x14, 0x19, P66 | IMM_8); // vpextr vextractps vinsertf128 vextractf128
vex(3, 0x1d, 0x1d, P66 | IMM_8); // vcvtps2ph
vex(3, 0x20, 0x22, P66 | IMM_8); // vpinsrb vinsertps vpinsrd/q
vex(3, 0x30, 0x33, P66 | IMM_8); // kshiftr/kshiftl
vex(3, 0x38, 0x39, P66 | IMM_8); // vinserti128 vextracti128
vex(3, 0x40, 0x42, P66 | IMM_8); // vdpps vdppd vmpsadbw
vex(3, 0x44, 0x44, P66 | IMM_8); // vpclmulqdq
vex(3, 0x46, 0x46, P66 | IMM_8); // vperm2i128
vex(3, 0x48, 0x49, P66 | IMM_8); // vpermil2ps vpermil2pd (AMD)
vex(3, 0x4a, 0x4c, P66 | IMM_8); // vblendvps/pd vpblendvb
vex(3, 0x5c, 0x5f, P66 | IMM_8); // FMA4 (AMD) fmaddsub/fmsubadd
vex(3, 0x60, 0x63, P66 | IMM_8); // vpcmpestrm ... vpcmpistri
vex(3, 0x68, 0x6f, P66 | IMM_8); // FMA4 (AMD)
vex(3, 0x78, 0x7f, P66 | IMM_8); // FMA4 (AMD)
vex(3, 0xce, 0xcf, P66 | IMM_8); // vgf2p8affineqb vgf2p8affineinvqb
vex(3, 0xdf, 0xdf, P66 | IMM_8); // vaeskeygenassist
vex(3, 0xf0, 0xf0, PF2 | IMM_8); // rorx

// ---- EVEX map 1 (0F) -------------------------------------------------------------------------
evex(1, 0x10, 0x12, PP_ALL); // vmovups/pd/ss/sd, vmovlps/hlps/lpd/sldup/ddup
evex(1, 0x13, 0x15, NP_66); // vmovlps/pd (store), vunpck
evex(1, 0x16, 0x16, NP | P66 | PF3); // vmovhps/lhps/hpd/shdup
evex(1, 0x17, 0x17, NP_66);
evex(1, 0x28, 0x29, NP_66); // vmovaps/pd
evex(1, 0x2a, 0x2a, PF3 | PF2); // vcvtsi2ss/sd
evex(1, 0x2b, 0x2b, NP_66); // vmovntps/pd
evex(1, 0x2c, 0x2d, PF3 | PF2); // vcvt(t)ss/sd2si
evex(1, 0x2e, 0x2f, NP_66); // vucomis vcomis
evex(1, 0x51, 0x51, PP_ALL); // vsqrt
evex(1, 0x54, 0x57, NP_66); // vand vandn vor vxor
evex(1, 0x58, 0x5a, PP_ALL); // vadd vmul vcvt
evex(1, 0x5b, 0x5b, NP | P66 | PF3); // vcvtdq2ps vcvtps2dq vcvttps2dq
evex(1, 0x5c, 0x5f, PP_ALL); // vsub vmin vdiv vmax
evex(1, 0x60, 0x6e, P66); // vpunpck vpack vpcmpgt vmovd/q
evex(1, 0x6f, 0x6f, P66 | PF3 | PF2); // vmovdqa32/64 vmovdqu32/64 vmovdqu8/16
evex(1, 0x70, 0x70, P66 | PF3 | PF2 | IMM_8); // vpshufd vpshufhw vpshuflw
evex(1, 0x71, 0x73, P66 | IMM_8 | GROUP); // shifts and rotates by imm8
evex(1, 0x74, 0x76, P66); // vpcmpeq
evex(1, 0x78, 0x79, PP_ALL); // vcvtt*2u*, vcvt*2u*
evex(1, 0x7a, 0x7b, P66 | PF3 | PF2); // vcvt*2qq, vcvtu*2*
evex(1, 0x7e, 0x7e, P66 | PF3); // vmovd/q
evex(1, 0x7f, 0x7f, P66 | PF3 | PF2); // vmovdq* (store)
evex(1, 0xc2, 0xc2, PP_ALL | IMM_8); // vcmp
evex(1, 0xc4, 0xc5, P66 | IMM_8); // vpinsrw vpextrw
evex(1, 0xc6, 0xc6, NP_66 | IMM_8); // vshufps/pd
evex(1, 0xd1, 0xd6, P66);
evex(1, 0xd8, 0xe5, P66);
evex(1, 0xe6, 0xe6, P66 | PF3 | PF2); // vcvttpd2dq vcvtdq2pd vcvtpd2dq
evex(1, 0xe7, 0xef, P66);
evex(1, 0xf1, 0xf6, P66);
evex(1, 0xf8, 0xfe, P66);

// ---- EVEX map 2 (0F38): 66 unless noted; F3 marks the down-converting moves and mask moves ----
evex(2, 0x00, 0x00, P66); // vpshufb
evex(2, 0x04, 0x04, P66); // vpmaddubsw
evex(2, 0x0b, 0x0d, P66); // vpmulhrsw vpermilps/pd
evex(2, 0x10, 0x15, P66 | PF3); // vpsrlvw vpsravw vpsllvw vcvtph2ps vprorv vprolv / vpmovus*
evex(2, 0x16, 0x1f, P66); // vpermps/pd, broadcasts, vpabs
evex(2, 0x20, 0x2a, P66 | PF3); // vpmovsx / vpmovs*, vptestm / vptestnm, vpmovm2* / vpmov*2m, vpbroadcastmb2q
evex(2, 0x2b, 0x2d, P66); // vpackusdw vscalef
evex(2, 0x30, 0x35, P66 | PF3); // vpmovzx / vpmov*
evex(2, 0x36, 0x37, P66); // vpermd/q vpcmpgtq
evex(2, 0x38, 0x3a, P66 | PF3); // vpmins / vpmovm2d/q, vpmovd/q2m, vpbroadcastmw2d
evex(2, 0x3b, 0x40, P66); // vpmin vpmax vpmull
evex(2, 0x42, 0x47, P66); // vgetexp vplzcnt shifts
evex(2, 0x4c, 0x4f, P66); // vrcp14 vrsqrt14
evex(2, 0x50, 0x51, P66); // vpdpbusd(s)
evex(2, 0x52, 0x52, P66 | PF3 | PF2); // vpdpwssd, vdpbf16ps, vp4dpwssd
evex(2, 0x53, 0x53, P66 | PF2); // vpdpwssds, vp4dpwssds
evex(2, 0x54, 0x55, P66); // vpopcnt
evex(2, 0x58, 0x5b, P66); // broadcasts
evex(2, 0x62, 0x66, P66); // vpexpand vpcompress vblendm vpblendm
evex(2, 0x68, 0x68, PF2); // vp2intersect
evex(2, 0x70, 0x71, P66); // vpshldv
evex(2, 0x72, 0x72, P66 | PF3 | PF2); // vpshrdvw, vcvtneps2bf16, vcvtne2ps2bf16
evex(2, 0x73, 0x73, P66); // vpshrdv
evex(2, 0x75, 0x7f, P66); // vpermi2 vpermt2 broadcasts
evex(2, 0x83, 0x83, P66); // vpmultishiftqb
evex(2, 0x88, 0x8b, P66); // vexpand vcompress
evex(2, 0x8d, 0x8d, P66); // vpermb/w
evex(2, 0x8f, 0x8f, P66); // vpshufbitqmb
evex(2, 0x90, 0x93, P66 | VSIB); // gathers
evex(2, 0x96, 0x99, P66); // FMA
evex(2, 0x9a, 0x9b, P66 | PF2); // FMA, v4fmaddps/ss
evex(2, 0x9c, 0x9f, P66);
evex(2, 0xa0, 0xa3, P66 | VSIB); // scatters
evex(2, 0xa6, 0xa9, P66);
evex(2, 0xaa, 0xab, P66 | PF2); // FMA, v4fnmaddps/ss
evex(2, 0xac, 0xaf, P66);
evex(2, 0xb4, 0xb5, P66); // vpmadd52
evex(2, 0xb6, 0xbf, P66); // FMA
evex(2, 0xc4, 0xc4, P66); // vpconflict
evex(2, 0xc6, 0xc7, P66 | GROUP | VSIB); // gather/scatter prefetches
evex(2, 0xc8, 0xc8, P66); // vexp2
evex(2, 0xca, 0xcd, P66); // vrcp28 vrsqrt28
evex(2, 0xcf, 0xcf, P66); // vgf2p8mulb
evex(2, 0xdc, 0xdf, P66); // vaes

// ---- EVEX map 3 (0F3A): imm8; 66 unless noted (NP: the FP16 forms) --------------------------
evex(3, 0x00, 0x05, P66 | IMM_8); // vpermq vpermpd valign vpermilps/pd
evex(3, 0x08, 0x08, NP_66 | IMM_8); // vrndscaleph / vrndscaleps
evex(3, 0x09, 0x09, P66 | IMM_8); // vrndscalepd
evex(3, 0x0a, 0x0a, NP_66 | IMM_8); // vrndscalesh / vrndscaless
evex(3, 0x0b, 0x0b, P66 | IMM_8); // vrndscalesd
evex(3, 0x0f, 0x0f, P66 | IMM_8); // vpalignr
evex(3, 0x14, 0x1b, P66 | IMM_8); // vpextr vextractps vinsert/extract f32x4..f64x4
evex(3, 0x1d, 0x1f, P66 | IMM_8); // vcvtps2ph vpcmpu vpcmp
evex(3, 0x20, 0x23, P66 | IMM_8); // vpinsr vinsertps vshuff32x4
evex(3, 0x25, 0x25, P66 | IMM_8); // vpternlog
evex(3, 0x26, 0x27, NP_66 | IMM_8); // vgetmant (ph/sh without prefix)
evex(3, 0x38, 0x3b, P66 | IMM_8); // vinserti/vextracti
evex(3, 0x3e, 0x3f, P66 | IMM_8); // vpcmpu/vpcmp b/w
evex(3, 0x42, 0x44, P66 | IMM_8); // vdbpsadbw vshufi32x4 vpclmulqdq
evex(3, 0x50, 0x51, P66 | IMM_8); // vrange
evex(3, 0x54, 0x55, P66 | IMM_8); // vfixupimm
evex(3, 0x56, 0x57, NP_66 | IMM_8); // vreduce (ph/sh without prefix)
evex(3, 0x66, 0x67, NP_66 | IMM_8); // vfpclass (ph/sh without prefix)
evex(3, 0x70, 0x73, P66 | IMM_8); // vpshld vpshrd
evex(3, 0xc2, 0xc2, NP | PF3 | IMM_8); // vcmpph vcmpsh
evex(3, 0xce, 0xcf, P66 | IMM_8); // vgf2p8affine

// ---- EVEX map 5 (AVX512-FP16) ----------------------------------------------------------------
evex(5, 0x10, 0x11, PF3); // vmovsh
evex(5, 0x1d, 0x1d, NP_66); // vcvtss2sh vcvtps2phx
evex(5, 0x2a, 0x2a, PF3); // vcvtsi2sh
evex(5, 0x2c, 0x2d, PF3); // vcvt(t)sh2si
evex(5, 0x2e, 0x2f, NP); // vucomish vcomish
evex(5, 0x51, 0x51, NP | PF3); // vsqrtph/sh
evex(5, 0x58, 0x59, NP | PF3); // vaddph/sh vmulph/sh
evex(5, 0x5a, 0x5a, PP_ALL); // vcvtph2pd vcvtpd2ph vcvtsh2sd vcvtsd2sh
evex(5, 0x5b, 0x5b, NP | P66 | PF3); // vcvtdq2ph vcvtph2dq vcvttph2dq
evex(5, 0x5c, 0x5f, NP | PF3); // vsub vmin vdiv vmax
evex(5, 0x6e, 0x6e, P66); // vmovw
evex(5, 0x78, 0x79, PP_ALL); // vcvtt/vcvt ph2u*, sh2usi
evex(5, 0x7a, 0x7a, P66 | PF3 | PF2); // vcvttph2qq vcvtudq2ph vcvtuqq2ph
evex(5, 0x7b, 0x7b, P66 | PF3); // vcvtph2qq vcvtusi2sh
evex(5, 0x7c, 0x7c, NP_66); // vcvttph2uw vcvttph2w
evex(5, 0x7d, 0x7d, PP_ALL); // vcvtph2uw vcvtph2w vcvtw2ph vcvtuw2ph
evex(5, 0x7e, 0x7e, P66); // vmovw

// ---- EVEX map 6 (AVX512-FP16) ----------------------------------------------------------------
evex(6, 0x13, 0x13, NP_66); // vcvtsh2ss vcvtph2psx
evex(6, 0x2c, 0x2d, P66); // vscalefph/sh
evex(6, 0x42, 0x43, P66); // vgetexpph/sh
evex(6, 0x4c, 0x4f, P66); // vrcpph/sh vrsqrtph/sh
evex(6, 0x56, 0x57, PF3 | PF2); // vfmaddcph vfcmaddcph (and sh)
evex(6, 0x96, 0x9f, P66); // FMA
evex(6, 0xa6, 0xaf, P66);
evex(6, 0xb6, 0xbf, P66);
evex(6, 0xd6, 0xd7, PF3 | PF2); // vfmulcph vfcmulcph (and sh)

/** The descriptor of a VEX/EVEX opcode, with UNDEFINED when the mandatory prefix selects nothing. */
export function vectorOpcodeDescriptor(out: X64Instruction): u32 {
  const index = out.map * 256 + <i32>out.opcode;
  const descriptor = load<u32>((out.encoding == X64Encoding.EVEX ? EVEX_MAPS : VEX_MAPS) + (<usize>index << 2));
  if (descriptor & UNDEFINED) return UNDEFINED;
  const ppBit: u32 = NP << <u32>out.pp;
  if ((descriptor & ppBit) == 0) return UNDEFINED;
  return descriptor;
}

/**
 * Applies EVEX's fifth register bits once ModRM is known, and checks the vector opcode groups.
 * Returns false after failing `out`.
 */
export function finishVectorOperands(descriptor: u32, out: X64Instruction): bool {
  if (out.encoding == X64Encoding.EVEX) {
    if (out.evexHighReg) out.reg += 16;
    if (out.mod == 3 && out.rexX) out.rm += 16;
  }
  if ((descriptor & VSIB) && !(out.mod != 3 && (out.modrm & 7) == 4)) {
    return out.fail(X64Error.BAD_OPERAND_FORM, 'gathers and scatters need a SIB memory operand with a vector index');
  }
  if ((descriptor & GROUP) == 0) return true;
  const reg = (<u32>out.modrm >> 3) & 7;
  const memory = out.mod != 3;
  const evex = out.encoding == X64Encoding.EVEX;
  let exists = true;
  if (out.map == 1) {
    switch (out.opcode) {
      // VEX shifts by imm8 take a register; the EVEX forms also take memory.
      case 0x71: exists = (!memory || evex) && (reg == 2 || reg == 4 || reg == 6); break;
      case 0x72: exists = (!memory || evex) && (reg == 2 || reg == 4 || reg == 6 || (evex && reg <= 1)); break;
      case 0x73: exists = (!memory || evex) && (reg == 2 || reg == 3 || reg == 6 || reg == 7); break;
      case 0xae: exists = memory && (reg == 2 || reg == 3); break; // vldmxcsr vstmxcsr
    }
  } else if (out.map == 2) {
    switch (out.opcode) {
      case 0xf3: exists = reg >= 1 && reg <= 3; break; // blsr blsmsk blsi
      case 0xc6: case 0xc7: exists = memory && (reg == 1 || reg == 2 || reg == 5 || reg == 6); break; // prefetch gather/scatter
    }
  }
  if (!exists) return out.fail(X64Error.UNDEFINED_EXTENSION, 'undefined ModRM.reg extension for this vector opcode');
  return true;
}
