// Where a patch goes in guest memory: a free page-aligned range as close as possible to the
// functions it redirects, so that the planners can use their short jumps (x86-64 jmp rel32
// reaches +-2 GiB, ARM64 B reaches +-128 MiB) instead of the longer absolute forms.
import { ARCH, type Arch, pageCeil, pageFloor } from '../../core/arch.ts';
import type { MemoryRegion } from '../../sandbox/sandbox.ts';
/** Nothing goes below this (the first pages stay unmapped to catch null pointers). */
const LOWEST = 0x10_0000;

export interface Placement {
  address: number;
  /** Largest distance between the range and a target; within the short reach, short jumps fit. */
  farthest: number;
  withinShortReach: boolean;
}

/**
 * The free range of `size` bytes closest to `targets` (the farthest target as near as possible);
 * `near` is where to look when there are no targets. Undefined when no free range exists.
 */
export function choosePlacement(arch: Arch, regions: readonly MemoryRegion[], size: number, targets: readonly number[],
  near: number): Placement | undefined {
  const sorted = [...regions].sort((a, b) => a.address - b.address);
  const points = targets.length > 0 ? targets : [near];
  const candidates = new Set<number>();
  for (const r of sorted) {
    candidates.add(pageCeil(r.address + r.size));
    candidates.add(pageFloor(r.address - size));
  }
  for (const p of points) {
    candidates.add(pageCeil(p));
    candidates.add(pageFloor(p - size));
  }
  const free = (address: number) => address >= LOWEST && address + size <= ARCH[arch].addressLimit &&
    !sorted.some((r) => address < r.address + r.size && r.address < address + size);
  const farthest = (address: number) =>
    Math.max(...points.map((p) => Math.max(Math.abs(address + size - p), Math.abs(p - address))));
  let best: Placement | undefined;
  for (const address of candidates) {
    if (!free(address)) continue;
    const distance = farthest(address);
    if (!best || distance < best.farthest || (distance === best.farthest && address < best.address)) {
      best = { address, farthest: distance, withinShortReach: distance <= ARCH[arch].shortBranchReach };
    }
  }
  return best;
}
