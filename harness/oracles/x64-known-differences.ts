// Every deliberate difference between the engine's x86-64 decoder and Capstone, where Capstone
// decodes something the decoder refuses or measures differently. Each has a reason taken from
// the architecture manuals, an example, and a matcher that recognises it. The fuzz test fails on
// any disagreement no entry explains, and a test pins this list, so it cannot grow silently.
// docs/engine.md ("The x86-64 decoder") lists the same entries.
import type { X64DecodedInstruction, X64Decoder } from '../../engine/host/x64-decoder.ts';
import { baseMnemonic, capstoneDecode, type CapstoneFacts } from './x64-capstone.ts';

/** What a matcher may look at: both decodes, the bytes, and the decoder to try variants. */
export interface DifferenceCase {
  ours: X64DecodedInstruction;
  capstone: CapstoneFacts;
  bytes: Uint8Array;
  address: bigint;
  decoder: X64Decoder;
}

export interface KnownDifference {
  id: string;
  /** What Capstone does and what the decoder does instead, and why. */
  summary: string;
  /** Bytes that show it. */
  example: string;
  matches(c: DifferenceCase): boolean;
}

export const KNOWN_DIFFERENCES: readonly KnownDifference[] = [
  {
    id: 'ud0-ud1-modrm',
    summary: 'Capstone decodes ud0 (0F FF) and ud1 (0F B9) as 2 bytes; the Intel manual gives both a ModRM byte '
      + '(UD0 r32, r/m32 and UD1 r32, r/m32), so the decoder counts ModRM, SIB and displacement too.',
    example: '0fb94010',
    matches: ({ ours, capstone: cs }) => ours.valid && ours.map === 1 && (ours.opcode === 0xb9 || ours.opcode === 0xff)
      && ['ud0', 'ud1'].includes(baseMnemonic(cs.mnemonic)),
  },
  {
    id: 'lock-on-non-lockable',
    summary: 'Capstone accepts LOCK before any instruction; the CPU raises #UD unless the instruction is one of the '
      + 'read-modify-write instructions with a memory destination, so the decoder refuses the rest.',
    example: 'f01300',
    matches: ({ ours }) => !ours.valid && ours.error === 'bad-lock',
  },
  {
    id: 'mov-to-cs',
    summary: 'Capstone decodes mov cs, r/m (8E /1); loading CS with mov raises #UD, so the decoder refuses it '
      + '(and 8C/8E with ModRM.reg 6 or 7, which name no segment register).',
    example: '8ec8',
    matches: ({ ours }) => !ours.valid && ours.error === 'bad-register' && ours.map === 0 && (ours.opcode === 0x8e || ours.opcode === 0x8c),
  },
  {
    id: 'nonexistent-control-or-debug-register',
    summary: 'Capstone decodes mov to and from cr1, cr5-cr7, cr9-cr15 and dr8-dr15 (REX.R); those registers do not '
      + 'exist and the CPU raises #UD, so the decoder refuses them (cr0, cr2, cr3, cr4, cr8 and dr0-dr7 decode).',
    example: '0f20c8',
    matches: ({ ours }) => !ours.valid && ours.error === 'bad-register' && ours.map === 1 && ours.opcode >= 0x20 && ours.opcode <= 0x23,
  },
  {
    id: 'reserved-mandatory-prefix',
    summary: 'Capstone decodes some SSE-space opcodes with a 66, F2 or F3 prefix that selects no instruction there '
      + '(e.g. F3 with MMX psubsw, 66 with sha1rnds4, 66 0F 12 with a register operand) as if the prefix were '
      + 'absent; the manual lists no such form and calls these uses reserved, so the decoder refuses them. The test '
      + 'checks that without those prefix bytes both decoders agree.',
    example: 'f3490fe986fc6f8345',
    matches: ({ ours, capstone, bytes, address, decoder }) => {
      if (ours.valid || (ours.error !== 'bad-mandatory-prefix' && ours.error !== 'bad-operand-form' && ours.error !== 'undefined-extension')) return false;
      let prefixEnd = 0;
      while (prefixEnd < bytes.length && isPrefixByte(bytes[prefixEnd]!)) prefixEnd++;
      // Without the reserved prefixes (and LOCK, refused for its own reason) both decoders must agree.
      return [[0x66, 0xf2, 0xf3, 0xf0], [0xf2, 0xf3, 0xf0]].some((drop) => {
        const kept = Array.from(bytes.subarray(0, prefixEnd)).filter((b) => !drop.includes(b));
        const stripped = Uint8Array.from([...kept, ...bytes.subarray(prefixEnd)]);
        const removed = bytes.length - stripped.length;
        if (removed === 0) return false;
        const plain = decoder.decode(stripped, address);
        const plainCapstone = capstoneDecode(stripped, address);
        if (!plainCapstone || plainCapstone.length !== capstone.length - removed) return false;
        if (!sameInstruction(plainCapstone.mnemonic, capstone.mnemonic)) return false;
        if (plain.valid) return plain.length === plainCapstone.length;
        // Without the prefixes another documented difference may remain (e.g. extrq's ModRM.reg).
        const other = explainDifference({ ours: plain, capstone: plainCapstone, bytes: stripped, address, decoder });
        return other !== undefined && other.id !== 'reserved-mandatory-prefix';
      });
    },
  },
  {
    id: 'prefix-before-vex',
    summary: 'Capstone accepts 66, F2 or F3 before a VEX prefix; the manual says any VEX-encoded instruction with a '
      + '66, F2, F3, LOCK or REX prefix before VEX raises #UD, so the decoder refuses it.',
    example: '66c5f877',
    matches: ({ ours }) => !ours.valid && ours.error === 'bad-vector-prefix' && (ours.operandSizePrefix || ours.rep || ours.repne),
  },
  {
    id: 'branch-66-rel16',
    summary: 'Capstone decodes jcc rel32 (0F 80-8F) as rel16 when 66 comes with other prefixes; in 64-bit mode '
      + 'Intel processors ignore 66 on near branches (rel32 always), as Capstone itself does when 66 stands alone, '
      + 'so the decoder reads 4 bytes of displacement.',
    example: '66260f800000000000',
    matches: ({ ours, capstone }) => ours.valid && ours.operandSizePrefix && ours.relSize === 4
      && ours.flow === capstone.flow && ours.length === capstone.length + 2,
  },
  {
    id: 'ret-imm16-with-66-rex-w',
    summary: 'Capstone reads four immediate bytes for ret imm16 (C2) when 66 and REX.W come together; the manual '
      + 'defines only C2 iw (a 16-bit count), so the decoder reads two.',
    example: '6648c208000000',
    matches: ({ ours, capstone }) => ours.valid && ours.map === 0 && ours.opcode === 0xc2 && ours.operandSizePrefix
      && ours.rexW && capstone.length === ours.length + 2,
  },
  {
    id: 'movdir64b-without-66',
    summary: 'Capstone decodes 0F 38 F8 without a prefix as movdir64b when 67 is present; movdir64b is defined only '
      + 'as 66 0F 38 F8 (F3 and F2 select enqcmds and enqcmd), so the decoder refuses the unprefixed form.',
    example: '67480f38f800',
    matches: ({ ours, capstone }) => !ours.valid && ours.error === 'bad-mandatory-prefix' && ours.map === 2 && ours.opcode === 0xf8
      && baseMnemonic(capstone.mnemonic) === 'movdir64b',
  },
  {
    id: 'extrq-reg-field',
    summary: 'Capstone decodes extrq xmm, imm8, imm8 (66 0F 78) whatever ModRM.reg holds; AMD defines it only as '
      + '66 0F 78 /0, so the decoder refuses the other seven.',
    example: '660f78e40102',
    matches: ({ ours }) => !ours.valid && ours.error === 'undefined-extension' && ours.map === 1 && ours.opcode === 0x78,
  },
  {
    id: 'x87-fstp1-alias',
    summary: 'Capstone decodes D9 D8+i as fstpnce, an undocumented alias of fstp; neither the Intel nor the AMD '
      + 'manual defines it, so the decoder refuses it (as it refuses the other undocumented x87 register aliases, '
      + 'which Capstone refuses too).',
    example: 'd9d9',
    matches: ({ ours }) => !ours.valid && ours.error === 'undefined-extension' && ours.map === 0 && ours.opcode === 0xd9
      && ours.modrm >= 0xd8 && ours.modrm <= 0xdf,
  },
  {
    id: 'amd-xop',
    summary: 'Capstone decodes AMD XOP and TBM instructions (8F with a map of 8 or more); they exist only on AMD '
      + 'family 15h processors and were dropped from Zen, so the decoder treats 8F as pop r/m only.',
    example: '8fe978c1c8',
    matches: ({ ours }) => !ours.valid && ours.map === 0 && ours.opcode === 0x8f && ours.error === 'undefined-extension',
  },
];

/** The entry that explains a disagreement, if any. */
export function explainDifference(c: DifferenceCase): KnownDifference | undefined {
  return KNOWN_DIFFERENCES.find((difference) => difference.matches(c));
}

/**
 * Same mnemonic, ignoring a d/q or 64 size suffix: Capstone names movd/movq, wrssd/wrssq and
 * xrstor/xrstor64 by prefixes inconsistently, and calls clflush with REX.W "clflushopt".
 */
function sameInstruction(a: string, b: string): boolean {
  const strip = (m: string) => baseMnemonic(m).replace(/^clflushopt$/, 'clflush').replace(/64$/, '').replace(/[dq]$/, '');
  return strip(a) === strip(b);
}

function isPrefixByte(byte: number): boolean {
  return (byte & 0xf0) === 0x40 || [0xf0, 0xf2, 0xf3, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65, 0x66, 0x67].includes(byte);
}
