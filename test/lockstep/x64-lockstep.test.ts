// A sample of the x86-64 lockstep (`npm run lockstep:x64` runs a million instructions): random
// programs and compiler output on Unicorn and the WASM CPU, compared after every instruction.
import { describe, expect, it } from 'vitest';
import { disassemble } from '../../toolchain/capstone.ts';
import { loadCorpus } from '../../harness/corpus/corpus.ts';
import { emptyCorpusTally, runX64CorpusBuild } from '../../harness/lockstep/x64-corpus.ts';
import { TEMPLATE_NAMES } from '../../harness/lockstep/x64-programs.ts';
import { X64LockstepPair, runRandomLockstep } from '../../harness/lockstep/x64-random.ts';
import { X64_CODE } from '../../harness/lockstep/x64-programs.ts';
import { assembleStatements } from '../../toolchain/assemble.ts';
import { CF, OF, instructionMap, undefinedFlags } from '../../harness/lockstep/x64-lockstep.ts';
import {
  type LockstepState, documentedDifference, documentedFault, documentedRefusal, doubleShift, negFlags,
} from '../../harness/lockstep/x64-departures.ts';

describe('x86-64 lockstep against Unicorn', () => {
  it('runs random programs with no divergence', async () => {
    const result = await runRandomLockstep({ firstSeed: 9001, programs: 12, steps: 60, statesPerProgram: 2 });
    const report = result.divergences.map((d) =>
      `seed ${d.seed}/${d.state} at ${d.divergence.address.toString(16)} ${d.divergence.instruction}: ${d.divergence.differences.join('; ')}`);
    expect(report).toEqual([]);
    expect(result.instructions).toBeGreaterThan(1500);
    expect(result.wholeRuns).toBeGreaterThan(result.programs / 2); // most reach their end and are run whole too
  }, 120_000);

  it('agrees on every template', async () => {
    const mnemonics = new Map<string, number>();
    for (const [i, name] of TEMPLATE_NAMES.entries()) {
      const result = await runRandomLockstep({ firstSeed: 5000 + 10 * i, programs: 2, steps: 25, statesPerProgram: 2, only: [name], mnemonics });
      expect(result.divergences.map((d) => `${name}: ${d.divergence.instruction} ${d.divergence.differences.join('; ')}`)).toEqual([]);
      expect(result.programs).toBe(4);
    }
    expect(mnemonics.size).toBeGreaterThan(100);
  }, 120_000);

  it('agrees on compiler output (gcc and clang, with and without CET), stepped and run whole', async () => {
    const tally = emptyCorpusTally();
    const builds = loadCorpus('x64').filter((b) => ['x64-gcc-O2-cet', 'x64-clang-Os'].includes(b.name));
    expect(builds).toHaveLength(2);
    for (const build of builds) await runX64CorpusBuild(build, tally, { seed: 3, callsPerFunction: 1, maxSteps: 100_000 });
    expect(tally.divergences).toEqual([]);
    expect(tally.wholeRuns).toBe(tally.calls);
    expect(tally.instructions).toBeGreaterThan(10_000);
  }, 120_000);

  it('reports a difference when the two CPUs disagree', async () => {
    const pair = new X64LockstepPair();
    const code = await assembleStatements('add rax, 1\nnop', 'x64', X64_CODE);
    for (const sandbox of [pair.reference, pair.subject]) sandbox.write(X64_CODE, code);
    pair.subject.writeRegister('rbx', 1);
    const run = pair.runner.run(await instructionMap(code, X64_CODE), X64_CODE, X64_CODE + code.length - 1, 10);
    pair.close();
    expect(run.ending).toBe('divergence');
    expect(run.divergence?.differences).toEqual(['rbx: unicorn 0x0, wasm 0x1']);
  });

  it('masks only the flags the manual leaves undefined', async () => {
    const [shl1, shl5, shlCl, rol] = await disassemble('x64',
      Uint8Array.of(0xd1, 0xe0, 0xc1, 0xe0, 0x05, 0xd3, 0xe0, 0xc0, 0xc0, 0x02), 0x1000);
    expect(undefinedFlags(shl1!, 0n)).toBe(0x10n); // AF only
    expect(undefinedFlags(shl5!, 0n) & OF).toBe(OF);
    expect(undefinedFlags(shlCl!, 0n)).toBe(0n); // a zero count changes no flag
    expect(undefinedFlags(rol!, 0n) & CF).toBe(0n);
  });

  it('accepts a Unicorn departure only when the WASM CPU has the manual\'s result', async () => {
    // popcnt eax, ecx (Unicorn refuses it) and lock neg dword ptr [rbx]
    const [popcnt, neg] = await disassemble('x64', Uint8Array.of(0xf3, 0x0f, 0xb8, 0xc1, 0xf0, 0xf7, 0x1b), 0x1000);
    const state = (gprs: Record<number, bigint>, flags: bigint, rip: number): LockstepState =>
      ({ gprs: Array.from({ length: 16 }, (_, i) => gprs[i] ?? 0n), flags, rip: BigInt(rip), xmm: undefined });
    const before = state({ 0: 0xffff_ffff_0000_0000n, 1: 0xf0f0_0101n, 3: 0x2000n }, 0x2n | CF, 0x1000);
    const noMemory = () => { throw new Error('no memory operand'); };
    expect(documentedRefusal(popcnt!, before, state({ 0: 10n, 1: 0xf0f0_0101n, 3: 0x2000n }, 0x2n, 0x1004), noMemory))
      .toBe('popcnt-refused');
    expect(documentedRefusal(popcnt!, before, state({ 0: 9n, 1: 0xf0f0_0101n, 3: 0x2000n }, 0x2n, 0x1004), noMemory)).toBeUndefined();
    expect(documentedRefusal(popcnt!, before, state({ 0: 10n, 1: 0xf0f0_0101n, 3: 0x2000n }, 0x3n, 0x1004), noMemory)).toBeUndefined();
    // neg of 0x80000000 gives 0x80000000: CF, SF, OF and PF (low byte 0) set.
    const memory = () => Uint8Array.of(0, 0, 0, 0x80);
    expect(negFlags(0x8000_0000n, 32)).toBe(0x885n);
    const after = (flags: bigint) => state({ 0: 0xffff_ffff_0000_0000n, 1: 0xf0f0_0101n, 3: 0x2000n }, flags, 0x1007);
    expect(documentedDifference(neg!, before, after(0x2n), after(0x887n), memory)).toBe('lock-neg-flags');
    expect(documentedDifference(neg!, before, after(0x2n), after(0x886n), memory)).toBeUndefined();
    // shld of 0x44332211 by 4 from 0x12345678: 0x43322111, the last bit out (0) in CF.
    expect(doubleShift(true, 0x4433_2211n, 0x1234_5678n, 4, 32)).toEqual({ result: 0x4332_2111n, flags: 0x4n, defined: 0xc5n });
    // movaps xmm0, [rbx] and movups xmm0, [rbx]: only the first must be aligned.
    const [movaps, movups] = await disassemble('x64', Uint8Array.of(0x0f, 0x28, 0x03, 0x0f, 0x10, 0x03), 0x1000);
    const at = (rbx: bigint) => state({ 3: rbx }, 0x2n, 0x1000);
    expect(documentedFault(movaps!, at(0x2008n), 13)).toBe('sse-alignment-unchecked');
    expect(documentedFault(movaps!, at(0x2010n), 13)).toBeUndefined();
    expect(documentedFault(movaps!, at(0x2008n), 14)).toBeUndefined();
    expect(documentedFault(movups!, at(0x2008n), 13)).toBeUndefined();
    expect(doubleShift(false, 0x8000_0001n, 0n, 1, 32)).toEqual({ result: 0x4000_0000n, flags: 0x805n, defined: 0x8c5n });
  });
});
