// The x86-64 writer's encodings, read back by Capstone: each form disassembles to the intended
// instruction with the intended target, and relative forms refuse targets they cannot reach.
import { describe, expect, it } from 'vitest';
import { encodeX64 } from '../../../engine/host/x64.ts';
import { disassemble } from '../../../toolchain/capstone.ts';

const CONDITIONS = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
const GiB2 = 0x8000_0000;

async function one(bytes: Uint8Array, address: number) {
  const insns = await disassemble('x64', bytes, address);
  return insns;
}

/** Capstone prints targets as hex numbers; reads one back. */
function targetOf(operands: string): number {
  return Number(operands);
}

describe('x86-64 writer', () => {
  const base = 0x40_1000;

  it('jmp rel8 reaches exactly -128..+127 from the end of the jump', async () => {
    for (const delta of [-128, -2, 0, 5, 127]) {
      const target = base + 2 + delta;
      const bytes = (await encodeX64('jmp rel8', base, { target }))!;
      const [insn] = await one(bytes, base);
      expect([bytes.length, insn!.size, insn!.mnemonic, targetOf(insn!.operands)]).toEqual([2, 2, 'jmp', target]);
    }
    expect(await encodeX64('jmp rel8', base, { target: base + 2 + 128 })).toBeUndefined();
    expect(await encodeX64('jmp rel8', base, { target: base + 2 - 129 })).toBeUndefined();
  });

  it('jmp rel32 reaches exactly +-2 GiB and refuses one byte further', async () => {
    const far = 0x1_0000_0000;
    for (const target of [far + 5 - GiB2, far + 5 + GiB2 - 1, far + 0x1234, far - 0x1234]) {
      const bytes = (await encodeX64('jmp rel32', far, { target }))!;
      const [insn] = await one(bytes, far);
      expect([bytes.length, insn!.size, insn!.mnemonic, targetOf(insn!.operands)]).toEqual([5, 5, 'jmp', target]);
    }
    expect(await encodeX64('jmp rel32', far, { target: far + 5 + GiB2 })).toBeUndefined();
    expect(await encodeX64('jmp rel32', far, { target: far + 5 - GiB2 - 1 })).toBeUndefined();
  });

  it('jmp [rip+0] with the absolute target after it: 14 bytes, any address', async () => {
    for (const target of [0, 0x40_2000, 0x7fff_ffff_f000, 2 ** 52 + 0x123]) {
      const bytes = (await encodeX64('jmp [rip+0] abs64', base, { target }))!;
      expect(bytes.length).toBe(14);
      const [insn] = await one(bytes, base);
      expect([insn!.size, insn!.mnemonic, insn!.operands]).toEqual([6, 'jmp', 'qword ptr [rip]']);
      expect(new DataView(bytes.buffer).getBigUint64(6, true)).toBe(BigInt(target));
    }
  });

  it('call rel32 and the absolute call over its literal', async () => {
    const bytes = (await encodeX64('call rel32', base, { target: base - 0x100 }))!;
    const [call] = await one(bytes, base);
    expect([call!.size, call!.mnemonic, targetOf(call!.operands)]).toEqual([5, 'call', base - 0x100]);
    expect(await encodeX64('call rel32', base, { target: base + 5 + GiB2 })).toBeUndefined();

    const target = 0x7000_1234_5678;
    const far = (await encodeX64('call [rip+2] abs64', base, { target }))!;
    expect(far.length).toBe(16);
    const [indirect, skip] = await one(far.subarray(0, 8), base);
    expect([indirect!.mnemonic, indirect!.operands]).toEqual(['call', 'qword ptr [rip + 2]']);
    // The callee returns to the short jump, which lands just past the literal.
    expect([skip!.address, skip!.mnemonic, targetOf(skip!.operands)]).toEqual([base + 6, 'jmp', base + 16]);
    expect(new DataView(far.buffer).getBigUint64(8, true)).toBe(BigInt(target));
  });

  it('jcc rel8, rel32 and the absolute form for all sixteen conditions', async () => {
    for (let condition = 0; condition < 16; condition++) {
      const near = (await encodeX64('jcc rel8', base, { target: base + 0x40, condition }))!;
      const [short] = await one(near, base);
      expect([short!.size, short!.mnemonic, targetOf(short!.operands)]).toEqual([2, `j${CONDITIONS[condition]}`, base + 0x40]);

      const long = (await encodeX64('jcc rel32', base, { target: base - 0x10_0000, condition }))!;
      const [wide] = await one(long, base);
      expect([wide!.size, wide!.mnemonic, targetOf(wide!.operands)]).toEqual([6, `j${CONDITIONS[condition]}`, base - 0x10_0000]);

      const target = 0x7f00_0000_0000;
      const abs = (await encodeX64('jcc abs64', base, { target, condition }))!;
      expect(abs.length).toBe(16);
      const [inverted, jump] = await one(abs.subarray(0, 8), base);
      // Inverted condition skips the 14-byte absolute jump.
      expect([inverted!.mnemonic, targetOf(inverted!.operands)]).toEqual([`j${CONDITIONS[condition ^ 1]}`, base + 16]);
      expect([jump!.mnemonic, jump!.operands]).toEqual(['jmp', 'qword ptr [rip]']);
      expect(new DataView(abs.buffer).getBigUint64(8, true)).toBe(BigInt(target));
    }
    expect(await encodeX64('jcc rel8', base, { target: base + 200, condition: 4 })).toBeUndefined();
    expect(await encodeX64('jcc rel32', base, { target: base + 6 + GiB2, condition: 4 })).toBeUndefined();
  });

  it('pads with int3 or with as few multi-byte nops as possible', async () => {
    const traps = (await encodeX64('int3', base, { count: 7 }))!;
    expect((await one(traps, base)).map((i) => i.mnemonic)).toEqual(Array(7).fill('int3'));
    for (let count = 1; count <= 40; count++) {
      const nops = (await encodeX64('nops', base, { count }))!;
      const insns = await one(nops, base);
      expect(nops.length).toBe(count);
      expect(insns.reduce((sum, i) => sum + i.size, 0)).toBe(count);
      expect(insns.every((i) => i.mnemonic === 'nop')).toBe(true);
      expect(insns.length).toBe(Math.ceil(count / 9));
    }
  });
});
