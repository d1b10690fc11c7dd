// A sample of the x86-64 lockstep (`npm run lockstep:x64` runs a million instructions): random
// programs on Unicorn and the WASM CPU, compared after every instruction.
import { describe, expect, it } from 'vitest';
import { disassemble } from '../../toolchain/capstone.ts';
import { runRandomLockstep } from './x64-random.ts';
import { CF, OF, undefinedFlags } from './x64-lockstep.ts';

describe('x86-64 lockstep against Unicorn', () => {
  it('runs random programs with no divergence', async () => {
    const result = await runRandomLockstep({ firstSeed: 9001, programs: 12, steps: 60, statesPerProgram: 2 });
    const report = result.divergences.map((d) =>
      `seed ${d.seed}/${d.state} at ${d.divergence.address.toString(16)} ${d.divergence.instruction}: ${d.divergence.differences.join('; ')}`);
    expect(report).toEqual([]);
    expect(result.instructions).toBeGreaterThan(1500);
  }, 120_000);

  it('masks only the flags the manual leaves undefined', async () => {
    const [shl1, shl5, shlCl, rol] = await disassemble('x64',
      Uint8Array.of(0xd1, 0xe0, 0xc1, 0xe0, 0x05, 0xd3, 0xe0, 0xc0, 0xc0, 0x02), 0x1000);
    expect(undefinedFlags(shl1!, 0n)).toBe(0x10n); // AF only
    expect(undefinedFlags(shl5!, 0n) & OF).toBe(OF);
    expect(undefinedFlags(shlCl!, 0n)).toBe(0n); // a zero count changes no flag
    expect(undefinedFlags(rol!, 0n) & CF).toBe(0n);
  });
});
