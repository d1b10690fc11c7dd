// The A64 decoder against Capstone (an oracle the project did not write), on random words and on
// every PC-relative form Keystone assembles at the edges of its reach.
import { hex } from '../../../core/hex.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Arm64Decoded, Arm64Form, decodeArm64 } from '../../../engine/host/arm64.ts';
import { type Engine, loadEngine } from '../../../engine/host/engine.ts';
import { disassemble } from '../../../toolchain/capstone.ts';
import { keystoneAssemble } from '../../../toolchain/keystone.ts';
import { compareWithCapstone, emptyReport, oracleFacts, randomCheckedGroupWords, randomWords } from '../../../harness/oracles/arm64-capstone.ts';

/** High enough that no target wraps below zero, with ADRP's ±4 GiB on both sides. */
const BASE = 0x10_0000_0000n;

let engine: Engine;
beforeAll(async () => { engine = await loadEngine(); });

function words(...values: number[]): Uint8Array {
  return new Uint8Array(Uint32Array.from(values).buffer);
}

describe('ARM64 decoder against Capstone', () => {
  it('agrees on 600,000 uniformly random words', async () => {
    const report = await compareWithCapstone(engine, randomWords(600_000, 0x5eed), BASE);
    expect(report.mismatches).toEqual([]);
    expect(report.mismatchCount).toBe(0);
    // The sample reaches every kind of answer.
    expect(report.pcRelative).toBeGreaterThan(50_000);
    expect(report.undefinedByEngine).toBeGreaterThan(100_000);
    expect(report.decoded).toBeGreaterThan(150_000);
  }, 120_000);

  it('agrees on 400,000 random words in the groups whose allocation it checks', async () => {
    const report = await compareWithCapstone(engine, randomCheckedGroupWords(400_000, 0xc0de), BASE);
    expect(report.mismatches).toEqual([]);
    expect(report.mismatchCount).toBe(0);
  }, 120_000);
});

interface FormCase { source: string; form: number; offset: bigint; reg?: number; cond?: number; wide?: boolean }

/** Offsets at and next to both ends of a reach of `bits` signed bits in units of `scale` bytes. */
function edges(bits: number, scale: bigint): bigint[] {
  const max = ((1n << BigInt(bits - 1)) - 1n) * scale;
  const min = -(1n << BigInt(bits - 1)) * scale;
  return [min, min + scale, -scale, 0n, scale, max - scale, max];
}

/** Keystone reads `#n` as relative to the start of the whole source; `.+n` is relative to the statement. */
const here = (offset: bigint) => (offset < 0n ? `.-0x${(-offset).toString(16)}` : `.+0x${offset.toString(16)}`);

function pcRelativeCases(): FormCase[] {
  const cases: FormCase[] = [];
  for (const offset of edges(26, 4n)) {
    cases.push({ source: `b ${here(offset)}`, form: Arm64Form.B, offset });
    cases.push({ source: `bl ${here(offset)}`, form: Arm64Form.BL, offset });
  }
  const conditions = ['eq', 'ne', 'hs', 'lo', 'mi', 'pl', 'vs', 'vc', 'hi', 'ls', 'ge', 'lt', 'gt', 'le', 'al', 'nv'];
  for (const offset of edges(19, 4n)) {
    conditions.forEach((c, cond) => cases.push({ source: `b.${c} ${here(offset)}`, form: Arm64Form.BCond, offset, cond }));
    for (const [r, reg, wide] of [['w0', 0, false], ['x17', 17, true], ['xzr', 31, true], ['w30', 30, false]] as const) {
      cases.push({ source: `cbz ${r}, ${here(offset)}`, form: Arm64Form.CBZ, offset, reg, wide });
      cases.push({ source: `cbnz ${r}, ${here(offset)}`, form: Arm64Form.CBNZ, offset, reg, wide });
    }
    for (const [r, reg, form] of [['w1', 1, Arm64Form.LdrLiteralW], ['x2', 2, Arm64Form.LdrLiteralX],
      ['s3', 3, Arm64Form.LdrLiteralS], ['d4', 4, Arm64Form.LdrLiteralD], ['q31', 31, Arm64Form.LdrLiteralQ],
      ['xzr', 31, Arm64Form.LdrLiteralX]] as const) {
      cases.push({ source: `ldr ${r}, ${here(offset)}`, form, offset, reg });
    }
    cases.push({ source: `ldrsw x5, ${here(offset)}`, form: Arm64Form.LdrswLiteral, offset, reg: 5 });
    for (const [op, reg] of [['pldl1keep', 0], ['pstl3strm', 21], ['plil2keep', 10]] as const) {
      cases.push({ source: `prfm ${op}, ${here(offset)}`, form: Arm64Form.PrfmLiteral, offset, reg });
    }
  }
  for (const offset of edges(14, 4n)) {
    for (const [r, bit, reg] of [['w0', 0, 0], ['w9', 31, 9], ['x16', 32, 16], ['x30', 63, 30]] as const) {
      cases.push({ source: `tbz ${r}, #${bit}, ${here(offset)}`, form: Arm64Form.TBZ, offset, reg, cond: bit, wide: bit >= 32 });
      cases.push({ source: `tbnz ${r}, #${bit}, ${here(offset)}`, form: Arm64Form.TBNZ, offset, reg, cond: bit, wide: bit >= 32 });
    }
  }
  for (const offset of [...edges(21, 1n), 1n, 3n, -3n]) {
    cases.push({ source: `adr x7, ${here(offset)}`, form: Arm64Form.ADR, offset, reg: 7 });
  }
  return cases;
}

/** Assembles each case at its own address (4 bytes apart) and decodes it with the engine and Capstone. */
async function assembleCases(cases: FormCase[], base: bigint) {
  const assembled = await keystoneAssemble('arm64', cases.map((c) => c.source).join('\n'), Number(base));
  if (!assembled.ok) throw new Error(`Keystone: ${assembled.message}`);
  expect(assembled.bytes.length).toBe(cases.length * 4);
  return { ours: decodeArm64(engine, assembled.bytes, base), bytes: assembled.bytes };
}

async function capstoneFacts(bytes: Uint8Array, address: bigint) {
  const [insn] = await disassemble('arm64', bytes, Number(address), 1);
  return insn ? oracleFacts({ mnemonic: insn.mnemonic, operands: insn.operands }) : undefined;
}

function expectCase(ours: Arm64Decoded, c: FormCase, address: bigint) {
  expect({ form: ours.form, target: ours.target }, c.source).toEqual({ form: c.form, target: address + c.offset });
  if (c.reg !== undefined) expect(ours.reg, c.source).toBe(c.reg);
  if (c.cond !== undefined) expect(ours.cond, c.source).toBe(c.cond);
  if (c.wide !== undefined) expect(ours.wide, c.source).toBe(c.wide);
}

describe('ARM64 decoder on Keystone-assembled PC-relative forms', () => {
  it('decodes every form at both ends of its reach, as Capstone does', async () => {
    const cases = pcRelativeCases();
    expect(cases.length).toBeGreaterThan(300);
    const { ours, bytes } = await assembleCases(cases, BASE);
    for (const [i, c] of cases.entries()) {
      const address = BASE + BigInt(i * 4);
      expectCase(ours[i]!, c, address);
      const oracle = await capstoneFacts(bytes.subarray(i * 4, i * 4 + 4), address);
      expect(oracle?.form, c.source).toBe(c.form);
      expect(BigInt.asUintN(64, oracle!.target!), c.source).toBe(address + c.offset);
    }
  });

  it('decodes ADRP pages at both ends of its ±4 GiB reach, from the start and the end of a page', async () => {
    for (const base of [BASE, BASE + 0xffcn]) {
      const page = base & ~0xfffn;
      const deltas = [-(1n << 32n), -(1n << 32n) + 0x1000n, -0x1000n, 0n, 0x1000n, (1n << 32n) - 0x2000n, (1n << 32n) - 0x1000n];
      for (const [reg, delta] of deltas.entries()) {
        const source = `adrp x${reg * 4}, #${hex(page + delta)}`;
        // Keystone takes ADRP's operand as an absolute page, and mis-encodes the far end when the
        // statement is not at the start of a page: assemble at the page, decode at `base` (the
        // encoding does not depend on the low 12 bits of the address).
        const assembled = await keystoneAssemble('arm64', source, Number(page));
        if (!assembled.ok) throw new Error(`Keystone: ${assembled.message} for ${source}`);
        const [ours] = decodeArm64(engine, assembled.bytes, base);
        expect({ form: ours!.form, target: ours!.target, reg: ours!.reg }, source)
          .toEqual({ form: Arm64Form.ADRP, target: page + delta, reg: reg * 4 });
        const oracle = await capstoneFacts(assembled.bytes, base);
        expect(BigInt.asUintN(64, oracle!.target!), source).toBe(page + delta);
      }
    }
  });

  it('names branches through registers, hints and exception-generating instructions Keystone assembles', async () => {
    const named: [string, number, number?][] = [
      ['ret', Arm64Form.RET, 30], ['ret x1', Arm64Form.RET, 1], ['br x16', Arm64Form.BR, 16], ['blr x8', Arm64Form.BLR, 8],
      ['eret', Arm64Form.ERET], ['drps', Arm64Form.DRPS], ['nop', Arm64Form.NOP], ['yield', Arm64Form.Hint],
      ['hint #42', Arm64Form.Hint], ['hint #25', Arm64Form.PACIASP], ['hint #29', Arm64Form.AUTIASP],
      ['hint #34', Arm64Form.BTI], ['svc #0', Arm64Form.SVC], ['brk #0x3e8', Arm64Form.BRK], ['hlt #1', Arm64Form.HLT],
      ['hvc #2', Arm64Form.HVC], ['smc #3', Arm64Form.SMC],
    ];
    const assembled = await keystoneAssemble('arm64', named.map(([s]) => s).join('\n'), Number(BASE));
    if (!assembled.ok) throw new Error(assembled.message);
    const ours = decodeArm64(engine, assembled.bytes, BASE);
    named.forEach(([source, form, reg], i) => {
      expect(ours[i]!.form, source).toBe(form);
      if (reg !== undefined) expect(ours[i]!.reg, source).toBe(reg);
    });
    const report = await compareWithCapstone(engine, assembled.bytes, BASE, emptyReport());
    expect(report.mismatches).toEqual([]);
  });

  it('names the pointer-authentication and BTI forms Keystone 0.9.2 does not know, as Capstone does', async () => {
    // Encodings from the architecture's tables; Capstone confirms each name.
    const named: [number, number, string][] = [
      [0xd65f0bff, Arm64Form.RETAA, 'retaa'], [0xd65f0fff, Arm64Form.RETAB, 'retab'],
      [0xd71f0820, Arm64Form.BRAA, 'braa'], [0xd71f0c60, Arm64Form.BRAB, 'brab'],
      [0xd61f089f, Arm64Form.BRAAZ, 'braaz'], [0xd61f0cbf, Arm64Form.BRABZ, 'brabz'],
      [0xd73f08c7, Arm64Form.BLRAA, 'blraa'], [0xd73f0d09, Arm64Form.BLRAB, 'blrab'],
      [0xd63f095f, Arm64Form.BLRAAZ, 'blraaz'], [0xd63f0d7f, Arm64Form.BLRABZ, 'blrabz'],
      [0xd69f0bff, Arm64Form.ERETAA, 'eretaa'], [0xd69f0fff, Arm64Form.ERETAB, 'eretab'],
      [0xd503233f, Arm64Form.PACIASP, 'paciasp'], [0xd503237f, Arm64Form.PACIBSP, 'pacibsp'],
      [0xd50323bf, Arm64Form.AUTIASP, 'autiasp'], [0xd50323ff, Arm64Form.AUTIBSP, 'autibsp'],
      [0xd503231f, Arm64Form.PACIAZ, 'paciaz'], [0xd50323df, Arm64Form.AUTIBZ, 'autibz'],
      [0xd503211f, Arm64Form.PACIA1716, 'pacia1716'], [0xd50321df, Arm64Form.AUTIB1716, 'autib1716'],
      [0xd50320ff, Arm64Form.XPACLRI, 'xpaclri'],
      [0xd503241f, Arm64Form.BTI, 'bti'], [0xd503245f, Arm64Form.BTI, 'bti'], [0xd503249f, Arm64Form.BTI, 'bti'],
      [0xd50324df, Arm64Form.BTI, 'bti'], [0x54000010, Arm64Form.BCCond, 'bc.eq'],
    ];
    const bytes = words(...named.map(([word]) => word));
    const ours = decodeArm64(engine, bytes, BASE);
    for (const [i, [word, form, mnemonic]] of named.entries()) {
      expect(ours[i]!.form, mnemonic).toBe(form);
      const [insn] = await disassemble('arm64', bytes.subarray(i * 4, i * 4 + 4), Number(BASE));
      expect(insn?.mnemonic, word.toString(16)).toBe(mnemonic);
    }
    expect(ours.slice(21, 25).map((d) => d.cond)).toEqual([32, 34, 36, 38]);
    const report = await compareWithCapstone(engine, bytes, BASE, emptyReport());
    expect(report.mismatches).toEqual([]);
  });

  it('reports unallocated words as undefined, where Capstone rejects them too', async () => {
    const unallocated = [
      0x00010000, // reserved group, not UDF
      0x02000000, 0x07ffffff, // op0 0001 and 0011
      0xdc000000, // LDR (literal) with opc 11 and V 1
      0x55000000, // B.cond with bit 24 set
      0xd61f0801, // BRAAZ with a register in the modifier field
      0xd65f0c00, // RET with an unallocated op3
      0x12400000, // 32-bit logical immediate with N set
      0xd4000000, // exception generation with LL 00 and opc 000
    ];
    const ours = decodeArm64(engine, words(...unallocated), BASE);
    expect(ours.map((d) => d.form)).toEqual(unallocated.map(() => Arm64Form.Undefined));
    const report = await compareWithCapstone(engine, words(...unallocated), BASE, emptyReport());
    expect(report.decoded).toBe(0);
    expect(report.mismatches).toEqual([]);
    // UDF is allocated: permanently undefined, but an instruction.
    expect(decodeArm64(engine, words(0x00000000, 0x0000ffff), BASE).map((d) => d.form)).toEqual([Arm64Form.UDF, Arm64Form.UDF]);
  });
});
