// Where patches are mapped: the nearest free range to the functions they redirect.
import { describe, expect, it } from 'vitest';
import { ARCH } from '../../core/arch.ts';
import { choosePlacement } from '../../engine/host/placement.ts';

const region = (address: number, size: number) => ({ address, size, prot: 5 });

describe('patch placement', () => {
  it('takes the free pages right next to the module', () => {
    const regions = [region(0x10000, 0x1000), region(0x400000, 0x2000), region(0x402000, 0x1000), region(0x7ff00000, 0x100000)];
    const placed = choosePlacement('x64', regions, 0x3000, [0x400100, 0x401f00], 0x400000);
    expect(placed).toEqual({ address: 0x3fd000, farthest: 0x401f00 - 0x3fd000, withinShortReach: true });
  });

  it('never overlaps mapped memory, and goes after the module when the pages before are taken', () => {
    const regions = [region(0x3f0000, 0x10000), region(0x400000, 0x3000)];
    const placed = choosePlacement('arm64', regions, 0x2000, [0x400000], 0x400000)!;
    expect(placed.address).toBe(0x403000);
  });

  it('says when the nearest free range is out of short-jump reach', () => {
    // 256 MiB taken from the lowest usable address up; the target sits in its middle.
    const taken = region(0x100000, 0x1000_0000);
    const placed = choosePlacement('arm64', [taken], 0x1000, [0x100000 + 0x800_0000], 0x100000)!;
    expect(placed.address).toBe(0x1010_0000);
    expect(placed.farthest).toBeGreaterThan(ARCH.arm64.shortBranchReach);
    expect(placed.withinShortReach).toBe(false);
  });

  it('finds nothing when memory is full', () => {
    expect(choosePlacement('x64', [region(0, 2 ** 47)], 0x1000, [0x400000], 0x400000)).toBeUndefined();
  });
});
