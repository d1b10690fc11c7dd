// The journal's read-ahead: writes take their `before` bytes from one read per run of nearby ranges
// instead of a read each, and record exactly what reading each range would have given, whatever
// the writes overlap, wherever the copies end, and after an unmap.
import { describe, expect, it } from 'vitest';
import { Journal } from '../../engine/host/journal.ts';
import { Prot, type Sandbox } from '../../sandbox/sandbox.ts';
import { BACKENDS } from '../helpers.ts';

const BASE = 0x10000;

/** A sandbox with two regions of patterned bytes, and a count of its reads. */
function sandboxWithReads(create: () => Sandbox): { sandbox: Sandbox; reads: () => number } {
  const sandbox = create();
  sandbox.map(BASE, 0x2000, Prot.READ | Prot.EXEC);
  sandbox.map(BASE + 0x10000, 0x1000, Prot.READ | Prot.WRITE);
  sandbox.write(BASE, Uint8Array.from({ length: 0x2000 }, (_, i) => (i * 7) & 0xff));
  sandbox.write(BASE + 0x10000, Uint8Array.from({ length: 0x1000 }, (_, i) => (i * 13) & 0xff));
  let reads = 0;
  const read = sandbox.read.bind(sandbox);
  sandbox.read = (address, size) => { reads++; return read(address, size); };
  return { sandbox, reads: () => reads };
}

/** Writes that overlap one another, run past the ranges read ahead, and cross into a second region. */
const WRITES: [number, number[]][] = [
  [BASE + 0x10, [1, 2, 3, 4, 5]],
  [BASE + 0x12, [9, 9, 9, 9]], // overlaps the write before it
  [BASE + 0x30, [7, 7]],
  [BASE + 0x1ffe, [6, 6]], // the end of the first region
  [BASE + 0x10000 + 8, [1, 1, 1, 1, 1, 1, 1, 1]],
  [BASE + 0x40, [8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8]], // longer than the range read ahead there
  [BASE + 0x0e, [5, 5, 5, 5]], // starts before the first range read ahead
];
const AHEAD = [
  { address: BASE + 0x10, size: 5 }, { address: BASE + 0x12, size: 4 }, { address: BASE + 0x30, size: 2 },
  { address: BASE + 0x1ffe, size: 2 }, { address: BASE + 0x10000 + 8, size: 8 }, { address: BASE + 0x40, size: 4 },
  { address: BASE + 0x3000, size: 4 }, // not mapped: left to be read when written
];

function run(journal: Journal): { address: number; before: number[]; after: number[] }[] {
  for (const [address, bytes] of WRITES) journal.write(address, Uint8Array.from(bytes), 'entry-jump', 'a write');
  return journal.steps.map((s) => ({ address: s.address, before: [...s.before], after: [...s.after] }));
}

describe.each(BACKENDS.filter((b) => b.arches.includes('x64')))('the journal reading ahead ($name)', (backend) => {
  it('records the bytes each write replaced, as reading each range would', () => {
    const plain = sandboxWithReads(() => backend.create('x64'));
    const expected = run(new Journal(plain.sandbox));
    expect(plain.reads()).toBe(WRITES.length);

    const ahead = sandboxWithReads(() => backend.create('x64'));
    const journal = new Journal(ahead.sandbox);
    journal.readAhead(AHEAD);
    expect(run(journal)).toEqual(expected);
    // One read for the ranges near the start, one at the end of the first region, one in the second;
    // then the two writes that reach past them read for themselves.
    expect(ahead.reads()).toBe(3 + 2);
    expect(ahead.sandbox.read(BASE, 0x80)).toEqual(plain.sandbox.read(BASE, 0x80));

    expect(journal.undo()).toEqual([]);
    expect(journal.differences()).toEqual([]);
  });

  it('reads a thousand nearby ranges in one call', () => {
    const { sandbox, reads } = sandboxWithReads(() => backend.create('x64'));
    const journal = new Journal(sandbox);
    const ranges = Array.from({ length: 1000 }, (_, i) => ({ address: BASE + i * 8, size: 5 }));
    journal.readAhead(ranges);
    for (const r of ranges) journal.write(r.address, Uint8Array.of(0xe9, 1, 2, 3, 4), 'entry-jump', 'a jump');
    expect(reads()).toBe(1);
    expect(journal.steps[999]!.before).toEqual(Uint8Array.from({ length: 5 }, (_, k) => ((999 * 8 + k) * 7) & 0xff));
    journal.undo();
    expect(journal.differences()).toEqual([]);
  });

  it('forgets what it read of memory that is unmapped', () => {
    const { sandbox, reads } = sandboxWithReads(() => backend.create('x64'));
    const journal = new Journal(sandbox);
    journal.readAhead([{ address: BASE + 0x10000, size: 16 }]);
    journal.unmap(BASE + 0x10000, 0x1000, 'unmap', 'gone');
    sandbox.map(BASE + 0x10000, 0x1000, Prot.READ | Prot.WRITE);
    sandbox.write(BASE + 0x10000, Uint8Array.of(42, 43));
    const before = reads();
    journal.write(BASE + 0x10000, Uint8Array.of(1, 2), 'slot', 'a slot');
    expect([...journal.steps[1]!.before]).toEqual([42, 43]);
    expect(reads()).toBe(before + 1);
  });
});
