// The x86-64 decoder on thousands of instruction forms assembled by Keystone (one instruction
// each, so Keystone gives the length) and disassembled by Capstone: length, flow class, branch
// target, RIP-relative target and immediate agree with both.
import { beforeAll, describe, expect, it } from 'vitest';
import { X64Decoder } from '../../../engine/host/x64-decoder.ts';
import { capstoneDecode, loadCapstoneX64 } from '../../../harness/oracles/x64-capstone.ts';
import { explainDifference } from '../../../harness/oracles/x64-known-differences.ts';
import { templateCorpus, type TemplateCorpus } from '../../../harness/corpus/x64-template-corpus.ts';
import { TEMPLATE_ADDRESS } from '../../../harness/corpus/x64-templates.ts';

let decoder: X64Decoder;
let corpus: TemplateCorpus;
beforeAll(async () => {
  decoder = await X64Decoder.load();
  await loadCapstoneX64();
  corpus = await templateCorpus();
}, 120_000);

const ADDRESS = BigInt(TEMPLATE_ADDRESS);
const BRANCH = /^(?:data16 )?(?:j[a-z]+|call|loop[a-z]*|jrcxz|jecxz) (0x[0-9a-f]+)$/;
const NUMBER = /^-?(?:0x[0-9a-f]+|\d+)$/;

/** The displacement written in a `[rip ± n]` operand. */
function ripDisplacement(source: string): bigint | undefined {
  const match = /\[rip(?: ([+-]) (0x[0-9a-f]+|\d+))?(?: \+ xmm\d\*\d( \+ 0x[0-9a-f]+)?)?\]/.exec(source);
  if (!match) return undefined;
  if (source.includes('xmm2*8')) return 0x10n; // VSIB with a RIP base is not RIP-relative addressing
  return match[2] ? BigInt(match[2]) * (match[1] === '-' ? -1n : 1n) : 0n;
}

describe('x86-64 decoder: Keystone template corpus', () => {
  it('covers thousands of forms', () => {
    expect(corpus.assembled.length).toBeGreaterThan(3000);
  });

  it('every form decodes as one instruction of Keystone\'s length, and Capstone agrees', () => {
    const problems: string[] = [];
    for (const { source, bytes } of corpus.assembled) {
      const ours = decoder.decode(bytes, ADDRESS);
      const where = `${source} (${Buffer.from(bytes).toString('hex')})`;
      if (!ours.valid || ours.length !== bytes.length) {
        problems.push(`${where}: decoder ${ours.valid ? `${ours.length} bytes` : ours.reason}`);
        continue;
      }
      const cs = capstoneDecode(bytes, ADDRESS);
      if (!cs || cs.length !== bytes.length) {
        if (cs && explainDifference({ ours, capstone: cs, bytes, address: ADDRESS, decoder })) continue;
        problems.push(`${where}: Capstone ${cs ? `${cs.length} bytes` : 'refuses'}`);
        continue;
      }
      if (ours.flow !== cs.flow) problems.push(`${where}: flow ${ours.flow}, Capstone ${cs.flow}`);
      const branch = BRANCH.exec(source);
      if (branch) {
        if (ours.branchTarget !== BigInt(branch[1]!) || cs.branchTarget !== ours.branchTarget) {
          problems.push(`${where}: target 0x${ours.branchTarget.toString(16)}, source ${branch[1]}, Capstone 0x${cs.branchTarget?.toString(16)}`);
        }
        if (ours.relOffset + ours.relSize !== ours.length) problems.push(`${where}: relative field not at the end`);
      }
      const disp = ripDisplacement(source);
      const isVsib = /[xyz]mm\d+\*/.test(source);
      const absolute = /\[(0x[0-9a-f]+)\]/.exec(source);
      if (absolute && !source.startsWith('movabs')) {
        // Keystone encodes [absolute] RIP-relative when it can; otherwise SIB without base and index.
        const wanted = BigInt(absolute[1]!);
        // Keystone also writes some [absolute] operands as [rip + absolute]; then both decoders must
        // say RIP-relative with that displacement. A0-A3 take the address as a 64-bit moffs.
        const moffs = ours.map === 0 && ours.opcode >= 0xa0 && ours.opcode <= 0xa3;
        const ok = moffs ? ours.imm === wanted && ours.immSize === 8
          : ours.ripRelative
            ? (ours.ripTarget === wanted || ours.disp === wanted) && cs.ripTarget === ours.ripTarget
            : ours.base === -1 && ours.index === -1 && ours.disp === wanted && cs.ripTarget === undefined;
        if (!ok) problems.push(`${where}: absolute ${absolute[1]} decoded as RIP ${ours.ripRelative} 0x${ours.ripTarget.toString(16)}, disp ${ours.disp}`);
      } else if (disp !== undefined && !isVsib) {
        const expected = ADDRESS + BigInt(bytes.length) + disp;
        if (!ours.ripRelative || ours.ripTarget !== expected || cs.ripTarget !== expected || ours.disp !== disp) {
          problems.push(`${where}: RIP target 0x${ours.ripTarget.toString(16)} (relative ${ours.ripRelative}), expected 0x${expected.toString(16)}, Capstone 0x${cs.ripTarget?.toString(16)}`);
        }
      } else if (ours.ripRelative || cs.ripTarget !== undefined) {
        if (!isVsib) problems.push(`${where}: RIP-relative ${ours.ripRelative}, Capstone ${cs.ripTarget !== undefined}`);
      }
      // The last operand, when a number, is the immediate (enter, extrq, insertq: their second one).
      const operands = source.split(',').map((s) => s.trim());
      const last = operands[operands.length - 1]!;
      if (operands.length > 1 && NUMBER.test(last) && ours.immSize > 0) {
        const value = last.startsWith('-') ? -BigInt(last.slice(1)) : BigInt(last);
        const size = ours.imm2Size > 0 ? ours.imm2Size : ours.immSize;
        const got = ours.imm2Size > 0 ? ours.imm2 : ours.imm;
        if (BigInt.asUintN(size * 8, got) !== BigInt.asUintN(size * 8, value)) {
          problems.push(`${where}: immediate ${got} (${size} bytes), source ${last}`);
        }
      }
      if (ours.dispSize > 0 && ours.dispOffset + ours.dispSize > ours.length) problems.push(`${where}: displacement outside`);
    }
    expect(problems.slice(0, 30)).toEqual([]);
  });
});
