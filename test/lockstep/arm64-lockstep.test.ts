// A sample of the lockstep proof (npm run lockstep:arm64 runs over a million instructions): random
// template programs, every template on its own, and compiler output, each instruction checked against
// real Unicorn.
import { afterAll, describe, expect, it } from 'vitest';
import { Prot } from '../../sandbox/sandbox.ts';
import { assembleStatements } from '../../toolchain/assemble.ts';
import { loadCorpus } from '../../harness/corpus/corpus.ts';
import { TEMPLATE_NAMES } from '../../harness/lockstep/arm64-programs.ts';
import { emptyTally, randomProgramLockstep, runCorpusBuild, runRandomPrograms } from '../../harness/lockstep/arm64-drivers.ts';
import { Arm64Lockstep } from '../../harness/lockstep/arm64-lockstep.ts';

describe('AArch64 lockstep against Unicorn', () => {
  const lockstep = randomProgramLockstep();
  afterAll(() => lockstep.close());

  it('agrees on random template programs', async () => {
    const tally = emptyTally();
    await runRandomPrograms(lockstep, tally, { seed: 7000, programs: 12, statements: 150 });
    expect(tally.divergences).toEqual([]);
    expect(tally.instructions).toBeGreaterThan(2000);
  });

  it('agrees on every template', async () => {
    const tally = emptyTally();
    for (const [i, name] of TEMPLATE_NAMES.entries()) {
      await runRandomPrograms(lockstep, tally, { seed: 9000 + 10 * i, programs: 2, statements: 30, only: [name] });
    }
    expect(tally.divergences).toEqual([]);
    expect(tally.programs).toBe(2 * TEMPLATE_NAMES.length);
  });

  it('agrees on compiler output (gcc and clang, with and without PAC/BTI)', async () => {
    const tally = emptyTally();
    const builds = loadCorpus('arm64').filter((b) => ['arm64-gcc-O2-pac', 'arm64-clang-Os'].includes(b.name));
    expect(builds).toHaveLength(2);
    for (const build of builds) await runCorpusBuild(build, tally, { seed: 3, callsPerFunction: 1, maxSteps: 100_000 });
    expect(tally.divergences).toEqual([]);
    expect(tally.instructions).toBeGreaterThan(10_000);
  });

  it('reports a difference when the two CPUs disagree', async () => {
    const planted = new Arm64Lockstep();
    planted.map(0x10_0000, 0x1000, Prot.READ | Prot.EXEC);
    const code = await assembleStatements('add x0, x0, #1\nnop', 'arm64', 0x10_0000);
    planted.write(0x10_0000, code);
    planted.subject.writeRegister('x3', 1);
    const result = planted.run(0x10_0000, 0x10_0004, 10);
    planted.close();
    expect(result.end).toBe('divergence');
    expect(result.divergence?.differences).toEqual(['x3: unicorn 0x0, wasm 0x1']);
  });
});
