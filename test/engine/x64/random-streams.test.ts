// The x86-64 decoder against Capstone on 1,000,000 random byte streams (`npm run fuzz:x64-decoder`
// runs many more): wherever Capstone decodes, lengths, flow classes, branch targets and
// RIP-relative targets agree, or a documented difference explains why not.
import { beforeAll, describe, expect, it } from 'vitest';
import { X64Decoder } from '../../../engine/host/x64-decoder.ts';
import { capstoneDecode, loadCapstoneX64 } from '../../../harness/oracles/x64-capstone.ts';
import { KNOWN_DIFFERENCES } from '../../../harness/oracles/x64-known-differences.ts';
import { compareWindows, newComparison, randomSource, randomWindows } from '../../../harness/fuzz/x64-random-streams.ts';

let decoder: X64Decoder;
beforeAll(async () => {
  decoder = await X64Decoder.load();
  await loadCapstoneX64();
});

describe('x86-64 decoder vs Capstone: known differences', () => {
  it('the list of deliberate differences is exactly this one (docs/engine.md documents each)', () => {
    expect(KNOWN_DIFFERENCES.map((d) => d.id)).toEqual([
      'ud0-ud1-modrm',
      'lock-on-non-lockable',
      'mov-to-cs',
      'nonexistent-control-or-debug-register',
      'reserved-mandatory-prefix',
      'prefix-before-vex',
      'branch-66-rel16',
      'ret-imm16-with-66-rex-w',
      'movdir64b-without-66',
      'extrq-reg-field',
      'x87-fstp1-alias',
      'amd-xop',
    ]);
  });

  it.each(KNOWN_DIFFERENCES.map((d) => [d.id, d] as const))('%s: its example shows it', (_id, difference) => {
    const bytes = Uint8Array.from(Buffer.from(difference.example, 'hex'));
    const address = 0x401000n;
    const ours = decoder.decode(bytes, address);
    const capstone = capstoneDecode(bytes, address);
    expect(capstone, 'Capstone decodes the example').toBeDefined();
    expect(ours.valid && ours.length === capstone!.length, 'the decoders disagree on it').toBe(false);
    expect(difference.matches({ ours, capstone: capstone!, bytes, address, decoder })).toBe(true);
    // No other entry claims it.
    expect(KNOWN_DIFFERENCES.filter((d) => d.matches({ ours, capstone: capstone!, bytes, address, decoder })).map((d) => d.id)).toEqual([difference.id]);
  });
});

describe('x86-64 decoder vs Capstone: random byte streams', () => {
  it('agrees on 1,000,000 random streams wherever Capstone decodes', () => {
    const next = randomSource(0x5eed1);
    const result = newComparison();
    const total = 1_000_000;
    const batch = 65536;
    for (let done = 0; done < total; done += batch) {
      compareWindows(decoder, randomWindows(Math.min(batch, total - done), next), 0x7f0000000000n, result);
    }
    expect(result.windows).toBe(total);
    expect(result.unexplained).toEqual([]);
    // Most streams must be decoded by both, or the comparison proves little.
    expect(result.capstoneDecoded).toBeGreaterThan(total / 2);
    expect(result.agreed / result.capstoneDecoded).toBeGreaterThan(0.97);
  }, 120_000);
});
