// Copies of guest memory read in one call per run of nearby ranges rather than one call per range:
// a thousand-function patch checks and then replaces a thousand small ranges, and every read of the
// sandbox crosses into the CPU. The copies are kept up to date by whoever writes (written), so they
// keep saying what memory holds.
import type { MemoryRegion, Sandbox } from '../../sandbox/sandbox.ts';

export class MemoryCopies {
  private constructor(private copies: { address: number; bytes: Uint8Array }[]) {}

  static none(): MemoryCopies {
    return new MemoryCopies([]);
  }

  /**
   * Reads `ranges`, one read per run of ranges less than `gap` bytes apart. A run that is not all
   * mapped is not copied: asking for its bytes answers undefined, for the caller to read as it would have.
   */
  static read(sandbox: Sandbox, ranges: Iterable<{ address: number; size: number }>, gap = 256): MemoryCopies {
    const sorted = [...ranges].filter((r) => r.size > 0).sort((a, b) => a.address - b.address);
    const runs: { address: number; end: number }[] = [];
    for (const r of sorted) {
      const last = runs[runs.length - 1];
      if (last && r.address <= last.end + gap) last.end = Math.max(last.end, r.address + r.size);
      else runs.push({ address: r.address, end: r.address + r.size });
    }
    const regions = sandbox.regions();
    const copies: { address: number; bytes: Uint8Array }[] = [];
    for (const run of runs) {
      const size = run.end - run.address;
      if (mappedSize(regions, run.address, size) !== size) continue;
      copies.push({ address: run.address, bytes: sandbox.read(run.address, size).slice() });
    }
    return new MemoryCopies(copies);
  }

  get empty(): boolean {
    return this.copies.length === 0;
  }

  /** A copy of the bytes at `address`, or undefined when the copies do not hold all of them. */
  bytes(address: number, size: number): Uint8Array | undefined {
    return this.view(address, size)?.slice();
  }

  /** The bytes at `address` as a view of the copy (to read at once, not to keep), or undefined when the copies do not hold all of them. */
  view(address: number, size: number): Uint8Array | undefined {
    const copy = this.copies[this.indexAt(address)];
    if (!copy || address < copy.address || address + size > copy.address + copy.bytes.length) return undefined;
    return copy.bytes.subarray(address - copy.address, address - copy.address + size);
  }

  /** Copies bytes written at `address` into the copies they overlap. */
  written(address: number, bytes: Uint8Array): void {
    const copies = this.copies;
    const end = address + bytes.length;
    for (let i = this.indexAt(address); i < copies.length && copies[i]!.address < end; i++) {
      const copy = copies[i]!;
      const from = Math.max(address, copy.address);
      const to = Math.min(end, copy.address + copy.bytes.length);
      if (from < to) copy.bytes.set(bytes.subarray(from - address, to - address), from - copy.address);
    }
  }

  /** Drops the copies that overlap memory going away. */
  forget(address: number, size: number): void {
    if (this.copies.length > 0) this.copies = this.copies.filter((c) => c.address + c.bytes.length <= address || c.address >= address + size);
  }

  /** Drops every copy (after a write that may have taken effect in part). */
  clear(): void {
    this.copies = [];
  }

  /** The index of the last copy that starts at or before `address` (0 when none does). */
  private indexAt(address: number): number {
    const copies = this.copies;
    let low = 0;
    let high = copies.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (copies[middle]!.address <= address) low = middle;
      else high = middle - 1;
    }
    return low;
  }
}

function mappedSize(regions: readonly MemoryRegion[], address: number, size: number): number {
  const end = address + size;
  let mapped = 0;
  for (const r of regions) {
    const from = Math.max(r.address, address);
    const to = Math.min(r.address + r.size, end);
    if (from < to) mapped += to - from;
  }
  return mapped;
}
