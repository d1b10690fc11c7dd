// The ARM64 writer's encodings, read back by Capstone, at the edges of each form's reach.
import { describe, expect, it } from 'vitest';
import { type Arm64WriterForm, encodeArm64 } from '../../../engine/host/arm64.ts';
import { disassemble } from '../../../toolchain/capstone.ts';

const AT = 0x10_0000_0000;

async function text(form: Arm64WriterForm, address: number, options: Parameters<typeof encodeArm64>[2] = {}) {
  const bytes = await encodeArm64(form, address, options);
  if (!bytes) return undefined;
  return (await disassemble('arm64', bytes, address)).map((i) => `${i.mnemonic} ${i.operands}`.trim());
}

const hex = (n: number) => '#0x' + n.toString(16);

describe('ARM64 writer', () => {
  it('writes b and bl to both ends of ±128 MiB, and refuses one word further', async () => {
    for (const form of ['b', 'bl'] as const) {
      expect(await text(form, AT, { target: AT + 0x7ff_fffc })).toEqual([`${form} ${hex(AT + 0x7ff_fffc)}`]);
      expect(await text(form, AT, { target: AT - 0x800_0000 })).toEqual([`${form} ${hex(AT - 0x800_0000)}`]);
      expect(await text(form, AT, { target: AT + 0x800_0000 })).toBeUndefined();
      expect(await text(form, AT, { target: AT - 0x800_0004 })).toBeUndefined();
      expect(await text(form, AT, { target: AT + 2 })).toBeUndefined(); // not a word address
    }
  });

  it('writes b.cond to both ends of ±1 MiB with every condition', async () => {
    const names = ['eq', 'ne', 'hs', 'lo', 'mi', 'pl', 'vs', 'vc', 'hi', 'ls', 'ge', 'lt', 'gt', 'le', 'al', 'nv'];
    for (const [condition, name] of names.entries()) {
      expect(await text('b.cond', AT, { target: AT + 0xf_fffc, condition })).toEqual([`b.${name} ${hex(AT + 0xf_fffc)}`]);
      expect(await text('b.cond', AT, { target: AT - 0x10_0000, condition })).toEqual([`b.${name} ${hex(AT - 0x10_0000)}`]);
    }
    expect(await text('b.cond', AT, { target: AT + 0x10_0000, condition: 0 })).toBeUndefined();
  });

  it('writes the 16-byte absolute jump: ldr x16, #8; br x16; the target', async () => {
    const target = 0x1234_5678_9abc;
    const bytes = (await encodeArm64('ldr x16 + br x16', AT, { target }))!;
    expect(bytes.length).toBe(16);
    const insns = await disassemble('arm64', bytes.subarray(0, 8), AT);
    expect(insns.map((i) => `${i.mnemonic} ${i.operands}`)).toEqual([`ldr x16, ${hex(AT + 8)}`, 'br x16']);
    expect(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(8, true)).toBe(BigInt(target));
  });

  it('writes adr (±1 MiB, any byte) and adrp (±4 GiB of pages)', async () => {
    expect(await text('adr', AT, { target: AT + 0xf_ffff, register: 3 })).toEqual([`adr x3, ${hex(AT + 0xf_ffff)}`]);
    expect(await text('adr', AT, { target: AT - 0x10_0000, register: 3 })).toEqual([`adr x3, ${hex(AT - 0x10_0000)}`]);
    expect(await text('adr', AT, { target: AT + 0x10_0000, register: 3 })).toBeUndefined();
    const from = AT + 0xabc;
    expect(await text('adrp', from, { target: AT + 0xffff_f123, register: 9 })).toEqual([`adrp x9, ${hex(AT + 0xffff_f000)}`]);
    expect(await text('adrp', from, { target: AT - 0x1_0000_0000, register: 9 })).toEqual([`adrp x9, ${hex(AT - 0x1_0000_0000)}`]);
    expect(await text('adrp', from, { target: AT + 0x1_0000_0000, register: 9 })).toBeUndefined();
  });

  it('writes literal loads, branches through registers, bti c and nop', async () => {
    expect(await text('ldr literal', AT, { target: AT - 0x10_0000, register: 17 })).toEqual([`ldr x17, ${hex(AT - 0x10_0000)}`]);
    expect(await text('ldr literal', AT, { target: AT + 0x10_0000, register: 17 })).toBeUndefined();
    expect(await text('br', AT, { register: 16 })).toEqual(['br x16']);
    expect(await text('blr', AT, { register: 17 })).toEqual(['blr x17']);
    expect(await text('bti c', AT)).toEqual(['bti c']);
    expect(await text('nop', AT)).toEqual(['nop']);
  });
});
