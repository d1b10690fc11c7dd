// A sample of the differential edit fuzzer (npm run fuzz:edits runs thousands): random edits of the
// examples' modules and of generated modules, each built fresh and, separately, applied as a
// generated patch to a running base, on both CPUs; every function of both is called with the same
// arguments from the same globals, and the outcomes and globals must be identical.
import { describe, expect, it } from 'vitest';
import { ARCHES } from '../../core/arch.ts';
import { fuzzEdits } from '../../harness/fuzz/edit-fuzzer.ts';
import { exampleSubjects } from '../../harness/fuzz/edit-subjects.ts';
import { UnicornSandbox } from '../../sandbox/unicorn/unicorn-sandbox.ts';
import { WasmSandbox } from '../../sandbox/wasm/wasm-sandbox.ts';

describe.each(ARCHES)('random edits on %s', (arch) => {
  it('behave the same patched into a running base as built fresh, or are refused with a reason', async () => {
    const report = await fuzzEdits({ arch, edits: 60, seed: 11, subjects: await exampleSubjects(arch),
      cpus: { unicorn: (a) => new UnicornSandbox(a), wasm: (a) => new WasmSandbox(a) } });
    expect(report.mismatches).toEqual([]);
    expect(report.tried).toBeGreaterThanOrEqual(50);
    for (const cpu of ['unicorn', 'wasm']) {
      expect(report.applied[cpu]).toBeGreaterThan(0);
      expect(report.identical[cpu]).toBe(report.applied[cpu]);
      expect(report.calls[cpu]).toBeGreaterThan(report.applied[cpu]!);
    }
    // Every refusal has its reason; rude edits tried are refused as rude (test/toolchain/diff.test.ts has each rude case).
    const refusals = Object.entries(report.refused);
    expect(refusals.every(([reason, count]) => /^(rude|patch builder|engine \([\w-]+\)): \S/.test(reason) && count > 0)).toBe(true);
    const rudeTried = (report.kinds['rude-value'] ?? 0) + (report.kinds['rude-size'] ?? 0);
    const rudeRefused = refusals.filter(([reason]) => reason.startsWith('rude: ')).reduce((sum, [, count]) => sum + count, 0);
    if (rudeTried > 0) expect(rudeRefused).toBeGreaterThan(0);
    // Each refusal and each applied edit is counted once: together with the unassembled ones, they are the edits tried.
    const refused = refusals.reduce((sum, [, count]) => sum + count, 0);
    expect(report.applied.unicorn! + report.unassembled + refused).toBeGreaterThanOrEqual(report.tried);
  });
});
