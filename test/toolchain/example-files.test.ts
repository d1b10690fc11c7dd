// Where the files an example names are: its own, or another example's, so that examples starting
// from the same program share one copy of its sources.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { assembleExample, exampleFile } from '../../toolchain/example.ts';
import { exampleFileName, exampleFilePath } from '../../toolchain/example-manifest.ts';

describe('example file names', () => {
  it('finds a plain name in the example\'s directory for the architecture', () => {
    expect(exampleFilePath('price-tax', 'arm64', 'pricing.s')).toBe('price-tax/arm64/pricing.s');
    expect(exampleFileName('pricing.s')).toBe('pricing.s');
  });

  it('finds "other:name" in the other example, same architecture, under its plain name', () => {
    expect(exampleFilePath('wrong-base', 'x64', 'price-tax:pricing.s')).toBe('price-tax/x64/pricing.s');
    expect(exampleFileName('price-tax:fix-rounding.s')).toBe('fix-rounding.s');
  });

  it('resolves against the examples directory from an example directory, however it is written', () => {
    expect(exampleFile('examples/wrong-base', 'x64', 'price-tax:pricing.s')).toBe('examples/price-tax/x64/pricing.s');
    expect(exampleFile('examples/wrong-base/', 'x64', 'pricing-1.0.s')).toBe('examples/wrong-base/x64/pricing-1.0.s');
  });

  it('assembles an example from shared sources exactly as the example that owns them', async () => {
    for (const arch of ['x64', 'arm64'] as const) {
      const [shared, own] = await Promise.all([assembleExample('examples/wait-for-thread', arch), assembleExample('examples/price-tax', arch)]);
      expect(shared.modules[0]!.code).toEqual(own.modules[0]!.code);
    }
  });

  it('names a missing shared file by its path', async () => {
    await expect(readFile(exampleFile('examples/wrong-base', 'x64', 'no-such-example:pricing.s'))).rejects
      .toThrow('examples/no-such-example/x64/pricing.s');
  });
});
