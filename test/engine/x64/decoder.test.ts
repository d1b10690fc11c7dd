// Hand-written cases for the x86-64 decoder: each immediate-size rule, prefixes, ModRM/SIB forms,
// flow classes and targets, and refusals. Expected values come from the architecture manuals;
// Capstone must agree on each length (except the documented differences).
import { hexToBytes } from '../../../core/hex.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { X64Decoder, type X64DecodedInstruction } from '../../../engine/host/x64-decoder.ts';
import { capstoneDecode, loadCapstoneX64 } from '../../../harness/oracles/x64-capstone.ts';

let decoder: X64Decoder;
beforeAll(async () => {
  decoder = await X64Decoder.load();
  await loadCapstoneX64();
});

const ADDRESS = 0x401000n;
const hex = (text: string) => hexToBytes(text.replace(/\s+/g, ''));
function decode(text: string, address = ADDRESS): X64DecodedInstruction {
  return decoder.decode(hex(text), address);
}
/** Decodes and checks that Capstone measures the same length. */
function decodeAgreeing(text: string): X64DecodedInstruction {
  const ours = decode(text);
  const capstone = capstoneDecode(hex(text), ADDRESS);
  expect(ours.valid, `${text}: ${ours.reason}`).toBe(true);
  expect(capstone?.length, `Capstone on ${text}`).toBe(ours.length);
  return ours;
}

describe('x86-64 decoder: immediate sizes', () => {
  it.each([
    ['04 7f', 2, 1], // add al, imm8
    ['05 78 56 34 12', 5, 4], // add eax, imm32
    ['66 05 34 12', 4, 2], // add ax, imm16
    ['48 05 78 56 34 12', 6, 4], // add rax, imm32 (sign-extended, not imm64)
    ['66 48 05 78 56 34 12', 7, 4], // REX.W beats 66
    ['81 c1 78 56 34 12', 6, 4], // add ecx, imm32
    ['66 81 c1 34 12', 5, 2],
    ['83 c1 7f', 3, 1],
    ['c7 00 78 56 34 12', 6, 4], // mov dword [rax], imm32
    ['66 c7 00 34 12', 5, 2],
    ['48 c7 c0 ff ff ff ff', 7, 4], // mov rax, -1 (imm32)
    ['b8 78 56 34 12', 5, 4], // mov eax, imm32
    ['66 b8 34 12', 4, 2],
    ['48 b8 88 77 66 55 44 33 22 11', 10, 8], // mov rax, imm64
    ['49 bf 88 77 66 55 44 33 22 11', 10, 8], // mov r15, imm64
    ['f6 c1 7f', 3, 1], // test cl, imm8 (F6 /0 has one, F6 /2..7 none)
    ['f7 c1 78 56 34 12', 6, 4], // test ecx, imm32
    ['66 f7 c1 34 12', 5, 2],
    ['48 f7 c1 78 56 34 12', 7, 4],
    ['f6 d1', 2, 0], // not cl: no immediate
    ['f7 d9', 2, 0], // neg ecx
    ['68 78 56 34 12', 5, 4], // push imm32
    ['66 68 34 12', 4, 2], // push imm16
    ['6a 80', 2, 1],
    ['69 c1 78 56 34 12', 6, 4], // imul eax, ecx, imm32
    ['6b c1 80', 3, 1],
    ['c2 08 00', 3, 2], // ret imm16
    ['ca 08 00', 3, 2], // retf imm16
    ['cd 80', 2, 1], // int 0x80
    ['0f ba e0 05', 4, 1], // bt eax, 5
    ['0f a4 c1 03', 4, 1], // shld ecx, eax, 3
    ['66 0f 3a 0f c1 08', 6, 1], // palignr xmm0, xmm1, 8
    ['0f c2 c1 01', 4, 1], // cmpltps
  ])('%s is %i bytes with a %i-byte immediate', (text, length, immSize) => {
    const ours = decodeAgreeing(text);
    expect(ours.length).toBe(length);
    expect(ours.immSize).toBe(immSize);
  });

  it('moffs: 8-byte address, 4-byte with 67', () => {
    const wide = decodeAgreeing('a1 88 77 66 55 44 33 22 11');
    expect([wide.length, wide.immSize, wide.imm]).toEqual([9, 8, 0x1122334455667788n]);
    const narrow = decodeAgreeing('67 a1 44 33 22 11');
    expect([narrow.length, narrow.immSize, narrow.addressSize]).toEqual([6, 4, 4]);
    expect(decodeAgreeing('48 a3 88 77 66 55 44 33 22 11').length).toBe(10);
  });

  it('enter has imm16 then imm8', () => {
    const enter = decodeAgreeing('c8 20 01 03');
    expect([enter.immSize, enter.imm, enter.imm2Size, enter.imm2, enter.imm2Offset]).toEqual([2, 0x120n, 1, 3n, 3]);
  });

  it('extrq / insertq carry two imm8 (AMD SSE4a)', () => {
    const extrq = decodeAgreeing('66 0f 78 c0 04 08');
    expect([extrq.immSize, extrq.imm, extrq.imm2]).toEqual([1, 4n, 8n]);
    expect(decodeAgreeing('f2 0f 78 c1 04 08').length).toBe(6);
  });

  it('3DNow! keeps its opcode suffix as the immediate', () => {
    const pfadd = decodeAgreeing('0f 0f c1 9e');
    expect([pfadd.immSize, Number(pfadd.imm) & 0xff]).toEqual([1, 0x9e]);
    expect(decode('0f 0f c1 00').error).toBe('undefined-opcode');
  });
});

describe('x86-64 decoder: relative branches', () => {
  it.each([
    ['eb 10', 'jmp-rel', 1, ADDRESS + 2n + 0x10n],
    ['eb fe', 'jmp-rel', 1, ADDRESS],
    ['e9 00 01 00 00', 'jmp-rel', 4, ADDRESS + 5n + 0x100n],
    ['66 e9 00 01 00 00', 'jmp-rel', 4, ADDRESS + 6n + 0x100n], // 66 ignored: still rel32
    ['48 e9 fb ff ff ff', 'jmp-rel', 4, ADDRESS + 1n],
    ['e8 00 00 00 00', 'call-rel', 4, ADDRESS + 5n],
    ['66 e8 f0 ff ff ff', 'call-rel', 4, ADDRESS + 6n - 0x10n],
    ['74 80', 'jcc-rel', 1, ADDRESS + 2n - 0x80n],
    ['0f 8f 00 00 00 80', 'jcc-rel', 4, BigInt.asUintN(64, ADDRESS + 6n - 0x80000000n)],
    ['66 0f 84 10 00 00 00', 'jcc-rel', 4, ADDRESS + 7n + 0x10n],
    ['e2 fe', 'loop-rel', 1, ADDRESS],
    ['e0 05', 'loop-rel', 1, ADDRESS + 7n],
    ['e1 05', 'loop-rel', 1, ADDRESS + 7n],
    ['e3 05', 'loop-rel', 1, ADDRESS + 7n],
    ['67 e3 05', 'loop-rel', 1, ADDRESS + 8n], // jecxz
    ['c7 f8 00 01 00 00', 'xbegin-rel', 4, ADDRESS + 6n + 0x100n],
    ['66 c7 f8 00 01', 'xbegin-rel', 2, ADDRESS + 5n + 0x100n],
  ])('%s: %s with a %i-byte field to the right target', (text, flow, relSize, target) => {
    const ours = decodeAgreeing(text);
    expect(ours.flow).toBe(flow);
    expect(ours.relSize).toBe(relSize);
    expect(ours.branchTarget).toBe(target);
    expect(ours.relOffset + ours.relSize).toBe(ours.length);
    const capstone = capstoneDecode(hex(text), ADDRESS)!;
    expect(capstone.branchTarget).toBe(target);
  });

  it('jcc reports its condition code', () => {
    expect(decode('70 00').condition).toBe(0);
    expect(decode('7f 00').condition).toBe(15);
    expect(decode('0f 84 00 00 00 00').condition).toBe(4);
    expect(decode('eb 00').condition).toBe(-1);
  });

  it('targets wrap around the address space', () => {
    expect(decode('eb 10', 0xfffffffffffffff0n).branchTarget).toBe(0x2n);
    expect(decode('e9 00 00 00 80', 0x10n).branchTarget).toBe(0xffffffff80000015n);
  });
});

describe('x86-64 decoder: other flow classes', () => {
  it.each([
    ['c3', 'ret-near'], ['c2 10 00', 'ret-near'], ['f3 c3', 'ret-near'],
    ['cb', 'ret-far'], ['ca 08 00', 'ret-far'], ['48 cf', 'ret-far'],
    ['ff e0', 'jmp-indirect'], ['41 ff 24 24', 'jmp-indirect'], ['ff 25 00 00 00 00', 'jmp-indirect'], ['48 ff 28', 'jmp-indirect'],
    ['ff d0', 'call-indirect'], ['ff 15 10 00 00 00', 'call-indirect'], ['ff 18', 'call-indirect'],
    ['cc', 'interrupt'], ['cd 03', 'interrupt'], ['f1', 'interrupt'], ['0f 05', 'interrupt'], ['0f 34', 'interrupt'],
    ['0f 0b', 'interrupt'], ['f4', 'interrupt'], ['0f 07', 'interrupt'],
    ['90', 'none'], ['f3 0f 1e fa', 'none'], ['0f 1f 44 00 00', 'none'],
  ])('%s is %s', (text, flow) => {
    expect(decodeAgreeing(text).flow).toBe(flow);
  });

  it('near indirect branches are 64-bit, far ones keep the operand size', () => {
    expect(decode('66 ff e0').operandSize).toBe(8);
    expect(decode('ff 28').operandSize).toBe(4);
    expect(decode('48 ff 28').operandSize).toBe(8);
  });
});

describe('x86-64 decoder: ModRM, SIB and RIP-relative operands', () => {
  it('RIP-relative: displacement position, value and target', () => {
    const lea = decodeAgreeing('48 8d 05 f9 ff ff ff'); // lea rax, [rip - 7]
    expect([lea.ripRelative, lea.dispOffset, lea.dispSize, lea.disp, lea.ripTarget]).toEqual([true, 3, 4, -7n, ADDRESS]);
    const cmp = decodeAgreeing('81 3d 10 00 00 00 78 56 34 12'); // cmp dword [rip+0x10], imm32: imm after disp
    expect([cmp.dispOffset, cmp.immOffset, cmp.ripTarget]).toEqual([2, 6, ADDRESS + 10n + 0x10n]);
    const eip = decodeAgreeing('67 8b 05 00 00 00 00'); // mov eax, [eip]
    expect([eip.ripRelative, eip.ripTarget]).toEqual([true, (ADDRESS + 7n) & 0xffffffffn]);
  });

  it('SIB: base, index, scale with REX extensions', () => {
    const sib = decodeAgreeing('4b 8b 44 e5 08'); // mov rax, [r13 + r12*8 + 8]
    expect([sib.hasSib, sib.base, sib.index, sib.scale, sib.dispSize, sib.disp]).toEqual([true, 13, 12, 8, 1, 8n]);
    const noIndex = decodeAgreeing('8b 04 24'); // mov eax, [rsp]
    expect([noIndex.base, noIndex.index, noIndex.scale]).toEqual([4, -1, 1]);
    const noBase = decodeAgreeing('8b 04 8d 00 10 00 00'); // mov eax, [rcx*4 + 0x1000]
    expect([noBase.base, noBase.index, noBase.scale, noBase.dispSize, noBase.ripRelative]).toEqual([-1, 1, 4, 4, false]);
    const absolute = decodeAgreeing('8b 04 25 00 10 00 00'); // mov eax, [0x1000]
    expect([absolute.base, absolute.index, absolute.ripRelative]).toEqual([-1, -1, false]);
    const r13 = decodeAgreeing('41 8b 45 00'); // mov eax, [r13 + 0]: r13 needs a displacement like rbp
    expect([r13.base, r13.dispSize]).toEqual([13, 1]);
    const r12 = decodeAgreeing('41 8b 04 24'); // mov eax, [r12]: r12 needs a SIB like rsp
    expect([r12.hasSib, r12.base]).toEqual([true, 12]);
  });

  it('registers: reg and rm with REX.R and REX.B', () => {
    const mov = decodeAgreeing('4d 89 c8'); // mov r8, r9
    expect([mov.mod, mov.reg, mov.rm, mov.operandSize]).toEqual([3, 9, 8, 8]);
  });

  it('mov to/from control registers ignores ModRM.mod (no displacement)', () => {
    expect(decodeAgreeing('0f 20 00').length).toBe(3); // mov rax, cr0 (mod=00 still a register)
    expect(decodeAgreeing('44 0f 22 c0').reg).toBe(8); // mov cr8, rax
  });
});

describe('x86-64 decoder: prefixes', () => {
  it('records legacy prefixes, last-wins F2/F3 and segment, and REX bits', () => {
    const i = decodeAgreeing('f2 f3 64 65 66 67 48 8b 00');
    expect([i.repne, i.rep, i.lastRepPrefix, i.segment, i.segmentPrefixCount, i.operandSizePrefix, i.addressSizePrefix])
      .toEqual([true, true, 0xf3, 0x65, 2, true, true]);
    expect([i.prefixCount, i.rex, i.rexW, i.operandSize, i.addressSize]).toEqual([6, 0x48, true, 8, 4]);
  });

  it('a REX byte followed by a legacy prefix is ignored', () => {
    const i = decodeAgreeing('48 66 8b 00');
    expect([i.rex, i.rexIgnored, i.operandSize]).toEqual([0, true, 2]);
  });

  it('operand size: default 32, 64 for push/pop and branches, 16 with 66', () => {
    expect(decode('50').operandSize).toBe(8);
    expect(decode('66 50').operandSize).toBe(2);
    expect(decode('01 c0').operandSize).toBe(4);
    expect(decode('66 01 c0').operandSize).toBe(2);
    expect(decode('66 0f 58 c1').operandSize).toBe(4); // 66 is addpd's mandatory prefix, not an operand size
    expect(decode('66 0f 58 c1').mandatoryPrefix).toBe(0x66);
    expect(decode('ff 30').operandSize).toBe(8); // push qword [rax]
    expect(decode('66 ff 30').operandSize).toBe(2); // push word [rax]
    expect(decode('8f 00').operandSize).toBe(8); // pop qword [rax]
    expect(decode('c8 10 00 00').operandSize).toBe(8); // enter
    expect(decode('0f 20 c0').operandSize).toBe(8); // mov rax, cr0
    expect(decode('48 0f 78 c1').operandSize).toBe(8); // vmread
  });

  it('LOCK only on read-modify-write instructions with a memory destination', () => {
    expect(decodeAgreeing('f0 01 00').lock).toBe(true);
    expect(decodeAgreeing('f0 48 0f c7 0e').valid).toBe(true); // lock cmpxchg16b [rsi]
    expect(decode('f0 01 c0').error).toBe('bad-lock');
    expect(decode('f0 90').error).toBe('bad-lock');
    expect(decode('f0 39 00').error).toBe('bad-lock'); // cmp writes nothing
  });
});

describe('x86-64 decoder: VEX and EVEX', () => {
  it('2-byte VEX', () => {
    const i = decodeAgreeing('c5 fc 58 c1'); // vaddps ymm0, ymm0, ymm1
    expect([i.encoding, i.map, i.opcode, i.vectorLength, i.vvvv, i.pp]).toEqual(['vex2', 1, 0x58, 1, 0, 0]);
  });

  it('3-byte VEX with W, map 0F3A and an immediate', () => {
    const i = decodeAgreeing('c4 e3 fd 00 c1 1b'); // vpermq ymm0, ymm1, 0x1b
    expect([i.encoding, i.map, i.vexW, i.immSize, i.imm, i.length]).toEqual(['vex3', 3, true, 1, 0x1bn, 6]);
  });

  it('VEX with a RIP-relative operand', () => {
    const i = decodeAgreeing('c5 f8 28 05 10 00 00 00'); // vmovaps xmm0, [rip + 0x10]
    expect([i.ripRelative, i.dispOffset, i.ripTarget]).toEqual([true, 4, ADDRESS + 8n + 0x10n]);
  });

  it('EVEX: 32 registers, mask, zeroing, L\'L', () => {
    const i = decodeAgreeing('62 e1 7c cb 58 c1'); // vaddps zmm16 {k3}{z}, zmm0, zmm1
    expect([i.encoding, i.reg, i.evexMask, i.evexZeroing, i.vectorLength]).toEqual(['evex', 16, 3, true, 2]);
    const rip = decodeAgreeing('62 f1 7c 48 10 0d 00 01 00 00'); // vmovups zmm1, [rip + 0x100]
    expect([rip.ripRelative, rip.ripTarget]).toEqual([true, ADDRESS + 10n + 0x100n]);
  });

  it('vzeroupper has no ModRM', () => {
    expect(decodeAgreeing('c5 f8 77').hasModrm).toBe(false);
  });

  it('refuses VEX after 66/F2/F3/LOCK/REX and reserved maps', () => {
    expect(decode('40 c5 f8 77').error).toBe('bad-vector-prefix');
    expect(decode('f0 c5 f8 77').error).toBe('bad-vector-prefix');
    expect(decode('c4 e4 7d 00 c0').error).toBe('bad-vector-prefix'); // map 4
  });
});

describe('x86-64 decoder: invalid and truncated input', () => {
  it.each([
    ['06', 'invalid-in-64bit'], ['27', 'invalid-in-64bit'], ['60', 'invalid-in-64bit'], ['9a 00 00 00 00 00 00', 'invalid-in-64bit'],
    ['ce', 'invalid-in-64bit'], ['d4 0a', 'invalid-in-64bit'], ['ea 00 00 00 00 00 00', 'invalid-in-64bit'], ['d6', 'undefined-opcode'],
    ['0f 04', 'undefined-opcode'], ['0f 0a', 'undefined-opcode'], ['0f 3b', 'undefined-opcode'], ['0f 38 ff 00', 'undefined-opcode'],
    ['ff f8', 'undefined-extension'], ['fe d0', 'undefined-extension'], ['c6 c8 00', 'undefined-extension'],
    ['8d c0', 'bad-operand-form'], ['ff d8', 'bad-operand-form'], ['0f b2 c0', 'bad-operand-form'],
    ['f3 0f 38 00 c0', 'bad-mandatory-prefix'], ['0f 7c c0', 'bad-mandatory-prefix'],
    ['d9 d1', 'undefined-extension'], ['0f 00 f0', 'undefined-extension'],
  ])('%s: %s', (text, error) => {
    const ours = decode(text);
    expect(ours.valid).toBe(false);
    expect(ours.error).toBe(error);
    expect(ours.reason.length).toBeGreaterThan(10);
    expect(capstoneDecode(hex(text), ADDRESS)).toBeUndefined();
  });

  it('truncated input is reported as truncated, not invalid', () => {
    for (const text of ['', '48', '66 f3', '0f', '0f 38', 'e8 00 00', '8b', '8b 04', '8b 80 00 00', 'c4 e3', '62 f1 7c', '48 b8 00 00 00 00']) {
      const ours = decode(text);
      expect(ours.error, text).toBe('truncated');
    }
    expect(decode('48 b8 00 00 00 00').length).toBeGreaterThan(6);
  });

  it('more than 15 bytes is too long, however many bytes are available', () => {
    const fourteenPrefixes = '66'.repeat(14);
    expect(decode(fourteenPrefixes + '90').valid).toBe(true);
    expect(decode('66'.repeat(15) + '90').error).toBe('too-long');
    expect(decode('66'.repeat(10) + '48 b8 00 00 00 00 00 00 00 00').error).toBe('too-long');
    expect(decode('66'.repeat(12) + '81 00 00').error).toBe('too-long'); // needs 16 bytes; 15 given, and 15 is the limit
    expect(decode('66'.repeat(12) + '81 00').error).toBe('too-long'); // the immediate's size is known: 16 bytes
    expect(decode('66'.repeat(12) + '81').error).toBe('truncated'); // ModRM missing: the length is not known yet
  });

  it('the instruction reports its own bytes', () => {
    expect(Buffer.from(decode('90 cc cc').bytes).toString('hex')).toBe('90');
  });
});
