// Compares the engine's A64 decoder with Capstone, word by word. Shared by the decoder tests and
// `npm run fuzz:arm64-decoder`.
//
// What must agree (a disagreement is a mismatch):
// - every PC-relative form, both ways: form, register, condition or tested bit, and target;
// - branches through registers (RET, BR, BLR, the pointer-authenticating variants, ERET, DRPS),
//   the named PAC and BTI hints, NOP and the exception-generating instructions, both ways;
// - a word the engine calls undefined is one Capstone rejects;
// - in encoding groups whose allocation the engine checks, a word Capstone rejects is undefined.
// In the other groups (SIMD and FP, SVE, SME, data processing with registers, loads and stores other
// than literal loads) the engine does not check allocation: a word Capstone rejects there is counted,
// not a mismatch; none of those groups holds a PC-relative form.
import { type Arm64Decoded, Arm64Form, arm64FormName, decodeArm64Records, readRecord } from '../../engine/host/arm64.ts';
import type { Engine } from '../../engine/host/engine.ts';
import { capstoneHandle } from '../../toolchain/capstone.ts';

export interface OracleInstruction { mnemonic: string; operands: string }

const CONDITIONS = ['eq', 'ne', 'hs', 'lo', 'mi', 'pl', 'vs', 'vc', 'hi', 'ls', 'ge', 'lt', 'gt', 'le', 'al', 'nv'];
/** Capstone prints hs/lo as cs/cc in some versions. */
const CONDITION_ALIASES: Record<string, string> = { cs: 'hs', cc: 'lo' };

const NAMED: Partial<Record<string, Arm64Form>> = {
  b: Arm64Form.B, bl: Arm64Form.BL, cbz: Arm64Form.CBZ, cbnz: Arm64Form.CBNZ, tbz: Arm64Form.TBZ, tbnz: Arm64Form.TBNZ,
  adr: Arm64Form.ADR, adrp: Arm64Form.ADRP, ldrsw: Arm64Form.LdrswLiteral, prfm: Arm64Form.PrfmLiteral,
  ret: Arm64Form.RET, br: Arm64Form.BR, blr: Arm64Form.BLR, retaa: Arm64Form.RETAA, retab: Arm64Form.RETAB,
  braa: Arm64Form.BRAA, brab: Arm64Form.BRAB, braaz: Arm64Form.BRAAZ, brabz: Arm64Form.BRABZ,
  blraa: Arm64Form.BLRAA, blrab: Arm64Form.BLRAB, blraaz: Arm64Form.BLRAAZ, blrabz: Arm64Form.BLRABZ,
  eret: Arm64Form.ERET, eretaa: Arm64Form.ERETAA, eretab: Arm64Form.ERETAB, drps: Arm64Form.DRPS,
  nop: Arm64Form.NOP, bti: Arm64Form.BTI, paciasp: Arm64Form.PACIASP, pacibsp: Arm64Form.PACIBSP,
  autiasp: Arm64Form.AUTIASP, autibsp: Arm64Form.AUTIBSP, paciaz: Arm64Form.PACIAZ, pacibz: Arm64Form.PACIBZ,
  autiaz: Arm64Form.AUTIAZ, autibz: Arm64Form.AUTIBZ, pacia1716: Arm64Form.PACIA1716, pacib1716: Arm64Form.PACIB1716,
  autia1716: Arm64Form.AUTIA1716, autib1716: Arm64Form.AUTIB1716, xpaclri: Arm64Form.XPACLRI,
  svc: Arm64Form.SVC, hvc: Arm64Form.HVC, smc: Arm64Form.SMC, brk: Arm64Form.BRK, hlt: Arm64Form.HLT,
  udf: Arm64Form.UDF, dcps1: Arm64Form.DCPS, dcps2: Arm64Form.DCPS, dcps3: Arm64Form.DCPS, tcancel: Arm64Form.TCANCEL,
};

/** Hint numbers the engine names; every other hint number is the generic form. */
const NAMED_HINTS = new Set<number>([0, 7, 8, 10, 12, 14, 24, 25, 26, 27, 28, 29, 30, 31, 32, 34, 36, 38]);

/** What Capstone's text says, in the engine's terms. */
export interface OracleFacts {
  form: Arm64Form;
  reg?: number;
  cond?: number;
  wide?: boolean;
  target?: bigint;
}

function register(text: string | undefined): { reg: number; wide: boolean } | undefined {
  const m = /^([wxsdq])(\d+|zr)$/.exec(text ?? '');
  if (!m) return undefined;
  return { reg: m[2] === 'zr' ? 31 : Number(m[2]), wide: m[1] === 'x' };
}

function immediate(text: string | undefined): bigint | undefined {
  const m = /^#(-?)(0x[0-9a-f]+|\d+)$/.exec(text ?? '');
  if (!m) return undefined;
  const value = BigInt(m[2]!);
  return m[1] ? -value : value;
}

/** Reads a Capstone instruction as engine facts. */
export function oracleFacts(insn: OracleInstruction): OracleFacts {
  const { mnemonic } = insn;
  const operands = insn.operands.split(', ').map((s) => s.trim());
  const dot = /^(b|bc)\.(\w+)$/.exec(mnemonic);
  if (dot) {
    const cond = CONDITIONS.indexOf(CONDITION_ALIASES[dot[2]!] ?? dot[2]!);
    return { form: dot[1] === 'b' ? Arm64Form.BCond : Arm64Form.BCCond, cond, target: immediate(operands[0]) };
  }
  // Literal loads: a register and a target, no brackets.
  if (mnemonic === 'ldr' && operands.length === 2 && !insn.operands.includes('[')) {
    const r = register(operands[0]);
    const kind = operands[0]![0];
    const form = kind === 'w' ? Arm64Form.LdrLiteralW : kind === 'x' ? Arm64Form.LdrLiteralX : kind === 's'
      ? Arm64Form.LdrLiteralS : kind === 'd' ? Arm64Form.LdrLiteralD : Arm64Form.LdrLiteralQ;
    return { form, reg: r?.reg, target: immediate(operands[1]) };
  }
  if ((mnemonic === 'ldrsw' || mnemonic === 'prfm') && !insn.operands.includes('[')) {
    const reg = mnemonic === 'ldrsw' ? register(operands[0])?.reg : undefined;
    return { form: NAMED[mnemonic]!, reg, target: immediate(operands[1]) };
  }
  if (mnemonic === 'ldrsw' || mnemonic === 'prfm') return { form: Arm64Form.Other };
  if (mnemonic === 'adr' && insn.operands.startsWith('z')) return { form: Arm64Form.Other }; // SVE vector ADR
  const named = NAMED[mnemonic];
  if (named === undefined) return { form: mnemonic === 'hint' ? Arm64Form.Hint : Arm64Form.Other };
  switch (named) {
    case Arm64Form.B: case Arm64Form.BL: return { form: named, target: immediate(operands[0]) };
    case Arm64Form.CBZ: case Arm64Form.CBNZ: {
      const r = register(operands[0]);
      return { form: named, reg: r?.reg, wide: r?.wide, target: immediate(operands[1]) };
    }
    case Arm64Form.TBZ: case Arm64Form.TBNZ: {
      const r = register(operands[0]);
      const bit = immediate(operands[1]);
      return { form: named, reg: r?.reg, cond: bit === undefined ? undefined : Number(bit), wide: r?.wide,
        target: immediate(operands[2]) };
    }
    case Arm64Form.ADR: case Arm64Form.ADRP:
      return { form: named, reg: register(operands[0])?.reg, target: immediate(operands[1]) };
    case Arm64Form.RET: case Arm64Form.BR: case Arm64Form.BLR: case Arm64Form.BRAA: case Arm64Form.BRAB:
    case Arm64Form.BRAAZ: case Arm64Form.BRABZ: case Arm64Form.BLRAA: case Arm64Form.BLRAB:
    case Arm64Form.BLRAAZ: case Arm64Form.BLRABZ:
      return { form: named, reg: insn.operands === '' ? 30 : register(operands[0])?.reg };
    default: return { form: named };
  }
}

const PC_RELATIVE_LAST = Arm64Form.LdrLiteralQ;

/** Why the engine and Capstone disagree about one word, or undefined when they agree. */
export function compareWord(ours: Arm64Decoded, insn: OracleInstruction | undefined): string | undefined {
  if (!insn) {
    if (ours.form === Arm64Form.Undefined) return undefined;
    if (!ours.checked) return undefined; // counted by the caller
    return `Capstone rejects it, the engine says ${arm64FormName(ours.form)}`;
  }
  const text = `${insn.mnemonic} ${insn.operands}`.trim();
  if (ours.form === Arm64Form.Undefined) return `the engine says undefined, Capstone decodes "${text}"`;
  const facts = oracleFacts(insn);
  // Hints Capstone names but the engine does not single out are the engine's generic hint.
  const oracleForm = facts.form === Arm64Form.Other && ours.form === Arm64Form.Hint && !NAMED_HINTS.has(ours.cond)
    ? Arm64Form.Hint : facts.form;
  if (oracleForm !== ours.form) {
    return `the engine says ${arm64FormName(ours.form)}, Capstone decodes "${text}"`;
  }
  if (ours.form === Arm64Form.BTI) {
    const variant = ['', 'c', 'j', 'jc'][(ours.cond - 32) >> 1];
    if (insn.operands !== variant) return `the engine says bti ${variant}, Capstone decodes "${text}"`;
  }
  if (ours.form >= Arm64Form.B && ours.form <= PC_RELATIVE_LAST) {
    if (facts.target === undefined) return `cannot read a target from Capstone's "${text}"`;
    if (BigInt.asUintN(64, facts.target) !== ours.target) {
      return `target 0x${ours.target.toString(16)}, Capstone decodes "${text}"`;
    }
    if (facts.reg !== undefined && facts.reg !== ours.reg) return `register ${ours.reg}, Capstone decodes "${text}"`;
    if (facts.cond !== undefined && facts.cond !== ours.cond) return `condition/bit ${ours.cond}, Capstone decodes "${text}"`;
    if (facts.wide !== undefined && facts.wide !== ours.wide) return `width ${ours.wide ? 'x' : 'w'}, Capstone decodes "${text}"`;
  }
  if (ours.form >= Arm64Form.RET && ours.form <= Arm64Form.BLRABZ && facts.reg !== undefined && facts.reg !== ours.reg) {
    return `register x${ours.reg}, Capstone decodes "${text}"`;
  }
  return undefined;
}

export interface OracleReport {
  words: number;
  /** Words Capstone decodes. */
  decoded: number;
  pcRelative: number;
  undefinedByEngine: number;
  /** Words Capstone rejects in groups whose allocation the engine does not check, per group. */
  uncheckedRejected: Record<string, number>;
  /** Every mismatch counted; the first few kept in `mismatches`. */
  mismatchCount: number;
  mismatches: { word: number; address: bigint; reason: string }[];
}

/** Decodes `words` (one at each 4-byte step from `address`) with the engine and with Capstone, and compares. */
export async function compareWithCapstone(engine: Engine, bytes: Uint8Array, address: bigint,
  report: OracleReport = emptyReport(), maxMismatches = 50): Promise<OracleReport> {
  const capstone = await capstoneHandle('arm64');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  decodeArm64Records(engine, bytes, address, (index, records, offset) => {
    const ours = readRecord(records, offset);
    const at = address + BigInt(index * 4);
    let insn: OracleInstruction | undefined;
    try {
      const decoded = capstone.disasm(bytes.subarray(index * 4, index * 4 + 4), Number(at), 1)[0];
      if (decoded) insn = { mnemonic: decoded.mnemonic, operands: decoded.op_str };
    } catch {
      insn = undefined; // Capstone.js throws when nothing decodes
    }
    report.words++;
    if (insn) report.decoded++;
    if (ours.form >= Arm64Form.B && ours.form <= PC_RELATIVE_LAST) report.pcRelative++;
    if (ours.form === Arm64Form.Undefined) report.undefinedByEngine++;
    if (!insn && !ours.checked && ours.form !== Arm64Form.Undefined) {
      report.uncheckedRejected[ours.group] = (report.uncheckedRejected[ours.group] ?? 0) + 1;
    }
    const reason = compareWord(ours, insn);
    if (reason) {
      report.mismatchCount++;
      if (report.mismatches.length < maxMismatches) {
        report.mismatches.push({ word: view.getUint32(index * 4, true), address: at, reason });
      }
    }
  });
  return report;
}

export function emptyReport(): OracleReport {
  return { words: 0, decoded: 0, pcRelative: 0, undefinedByEngine: 0, uncheckedRejected: {}, mismatchCount: 0, mismatches: [] };
}

/** Deterministic random words (xorshift32), little-endian. */
export function randomWords(count: number, seed: number): Uint8Array {
  const words = new Uint32Array(count);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    words[i] = state;
  }
  return new Uint8Array(words.buffer);
}

/**
 * Random words inside the encoding groups whose allocation the engine checks (data processing with
 * immediates, branches/exceptions/system, literal loads, the reserved group), where uniform random
 * words land only a quarter of the time.
 */
export function randomCheckedGroupWords(count: number, seed: number): Uint8Array {
  const words = new Uint32Array(randomWords(count, seed).buffer);
  // [mask, value]: bits forced to select the group.
  const groups: [number, number][] = [
    [0x1c000000, 0x10000000], // data processing (immediate): bits 28:26 = 100
    [0x1c000000, 0x14000000], // branches, exception generation, system: bits 28:26 = 101
    [0xff000000, 0xd5000000], // system instructions and hints
    [0xfe000000, 0xd6000000], // branches through registers
    [0x3b000000, 0x18000000], // load register (literal)
    [0x9e000000, 0x00000000], // reserved
  ];
  for (let i = 0; i < count; i++) {
    const [mask, value] = groups[i % groups.length]!;
    words[i] = ((words[i]! & ~mask) | value) >>> 0;
  }
  return new Uint8Array(words.buffer);
}
