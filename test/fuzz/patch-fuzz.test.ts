// 100,000 mutated patch images (version 1 and 2), 40,000 more of version 2 only (mutations of the
// relocation table among them) and 80 large ones through the parser and the transaction on real
// Unicorn: no trap, no hang, no partial write (`npm run fuzz:patch` runs millions, large images up
// to 64 MiB among them).
import { describe, expect, it } from 'vitest';
import type { Arch } from '../../core/arch.ts';
import { fuzzPatchTransactions } from '../../harness/fuzz/patch-fuzzer.ts';

const CASES_PER_ARCH = 50_000;

describe('patch image and transaction fuzzing', () => {
  it.each(['x64', 'arm64'] as Arch[])(`applies ${CASES_PER_ARCH.toLocaleString('en-US')} mutated images on %s without a trap or a trace`, async (arch) => {
    const report = await fuzzPatchTransactions(arch, CASES_PER_ARCH, arch === 'x64' ? 1 : 2);
    expect(report.cases).toBe(CASES_PER_ARCH);
    // The mutations reach past the parser: identity and linking refusals, and images applied and rolled back.
    expect(report.outcomes['applied']).toBeGreaterThan(CASES_PER_ARCH / 50);
    expect(report.outcomes['wrong-base']).toBeGreaterThan(0);
    expect(Object.keys(report.outcomes).filter((o) => o.startsWith('bad-image:')).length).toBeGreaterThan(10);
  }, 600_000);

  it.each(['x64', 'arm64'] as Arch[])('applies 20,000 mutated version 2 images on %s (relocation tables cut, overlapping, out of bounds, naming missing symbols) without a trap or a trace', async (arch) => {
    const report = await fuzzPatchTransactions(arch, 20_000, arch === 'x64' ? 5 : 6, { versions: 2 });
    expect(report.cases).toBe(20_000);
    for (const outcome of ['applied', 'relocation-refused', 'missing-base-symbol', 'missing-import', 'bad-image:bad-relocation',
      'bad-image:overlapping-relocations', 'bad-image:out-of-bounds', 'bad-image:truncated']) {
      expect(report.outcomes[outcome], outcome).toBeGreaterThan(0);
    }
  }, 600_000);

  it.each(['x64', 'arm64'] as Arch[])('applies 40 large images on %s (tables at their bound, long shared names, big sections) without a trap or a trace', async (arch) => {
    const report = await fuzzPatchTransactions(arch, 40, arch === 'x64' ? 3 : 4, { large: { share: 1, maxBytes: 2 << 20 } });
    expect(report.largeCases).toBe(40);
    expect(report.outcomes['bad-image:too-many-entries']).toBeGreaterThan(0);
    expect(report.outcomes['applied']).toBeGreaterThan(0);
    expect(report.largestBytes).toBeGreaterThan(1 << 20);
  }, 600_000);
});
