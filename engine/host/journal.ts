// The journal: every change a transaction makes to guest memory goes through it and is recorded
// (where, the bytes before, the bytes after, which step) before it is made, so that a failure at any
// point can be undone byte for byte, whether or not the failing change took effect, and a success
// can be shown step by step. After an undo the journal checks memory against what it recorded.
import { type MemoryRegion, type Sandbox } from '../../sandbox/sandbox.ts';
import { hex } from '../../core/hex.ts';
import { MemoryCopies } from './memory-copies.ts';

export type StepAction =
  | 'map' // new memory, with its first contents
  | 'write' // bytes replaced
  | 'unmap' // memory released; `before` keeps its contents
  | 'note'; // a decision or a check that writes nothing

export type StepStage =
  | 'identity' | 'safe-point' | 'map-code' | 'map-data' | 'map-trampolines' | 'slot'
  | 'trampoline' | 'padding-jump' | 'entry-jump' | 'flush-icache' | 'restore' | 'unmap'
  /** Consistency models (consistency.ts): per-thread dispatchers, threads moved, per-thread switches. */
  | 'map-dispatch' | 'fixup' | 'transition';

export interface JournalStep {
  /** 1-based position in the transaction. */
  step: number;
  action: StepAction;
  stage: StepStage;
  address: number;
  size: number;
  before: Uint8Array;
  after: Uint8Array;
  /** Protection of mapped or unmapped memory (Prot bits). */
  prot?: number;
  /** The write is a single store on the CPU: no thread can see half of it. */
  atomic?: boolean;
  explanation: string;
}

/** What makes a step's explanation when the steps are asked for with their explanations (Journal#explained). */
export interface Explainer {
  explain(): string;
}

/** A step's explanation, or what makes it. */
export type Explanation = string | Explainer;

const EMPTY = new Uint8Array(0);

export class Journal {
  readonly steps: JournalStep[] = [];
  /** Steps whose explanation is made when first asked for (explained), and what makes it. */
  private readonly untold: [JournalStep, Explainer][] = [];
  /** The number of the step being made: the last one recorded, or the next when it failed before it could be. */
  current = 0;
  /** Every region as it was before the first step, to check an undo against. */
  private readonly regionsBefore: MemoryRegion[];
  /** Copies of the memory that writes are about to replace (readAhead); every write through the journal updates them. */
  private ahead = MemoryCopies.none();

  constructor(private readonly sandbox: Sandbox) {
    this.regionsBefore = sortedRegions(sandbox);
  }

  private record(step: Omit<JournalStep, 'step' | 'explanation'>, explanation: Explanation): void {
    this.recorded({ step: this.steps.length + 1, ...step, explanation: typeof explanation === 'string' ? explanation : '' }, explanation);
  }

  private recorded(entry: JournalStep, explanation: Explanation): void {
    if (typeof explanation !== 'string') this.untold.push([entry, explanation]);
    this.steps.push(entry);
  }

  /** Every step, each explanation made (those given as a function are made once, here). */
  explained(): JournalStep[] {
    for (const [entry, explainer] of this.untold) entry.explanation = explainer.explain();
    this.untold.length = 0;
    return this.steps;
  }

  note(stage: StepStage, explanation: Explanation, address = 0): void {
    this.current = this.steps.length + 1;
    // Written out rather than spread: a patch of a thousand ARM64 functions notes a thousand cache flushes.
    this.recorded({ step: this.steps.length + 1, action: 'note', stage, address, size: 0, before: EMPTY, after: EMPTY,
      explanation: typeof explanation === 'string' ? explanation : '' }, explanation);
  }

  /** Maps `size` bytes and writes `contents` at their start. The range must be free. */
  map(address: number, size: number, prot: number, contents: Uint8Array, stage: StepStage, explanation: string): void {
    this.current = this.steps.length + 1;
    if (mappedParts(this.sandbox.regions(), address, size).length > 0) {
      throw new Error(`cannot map ${range(address, size)}: memory there is mapped already`);
    }
    // Recorded before mapping: the range was free, so whatever is mapped there on undo is this step's.
    this.record({ action: 'map', stage, address, size, prot, before: EMPTY, after: contents.slice() }, explanation);
    this.sandbox.map(address, size, prot);
    if (contents.length > 0) this.sandbox.write(address, contents);
  }

  /**
   * Reads the memory of the ranges that writes are about to replace, in one call per run of ranges
   * less than `gap` bytes apart, so that each write takes its `before` bytes from the copy rather than
   * with a read of its own. Ranges that are not all mapped are left to be read when written.
   */
  readAhead(ranges: Iterable<{ address: number; size: number }>, gap = 256): void {
    this.ahead = MemoryCopies.read(this.sandbox, ranges, gap);
  }

  write(address: number, bytes: Uint8Array, stage: StepStage, explanation: Explanation, atomic = false): void {
    this.current = this.steps.length + 1;
    const before = this.ahead.bytes(address, bytes.length) ?? this.sandbox.read(address, bytes.length);
    // Recorded before writing: whether or not a failing write changed anything, undoing restores `before`.
    this.recorded({ step: this.steps.length + 1, action: 'write', stage, address, size: bytes.length, before, after: bytes.slice(), atomic,
      explanation: typeof explanation === 'string' ? explanation : '' }, explanation);
    if (this.ahead.empty) {
      this.sandbox.write(address, bytes);
      return;
    }
    try {
      this.sandbox.write(address, bytes);
    } catch (error) {
      // Whatever part of the write took effect, the copies no longer say.
      this.ahead.clear();
      throw error;
    }
    this.ahead.written(address, bytes);
  }

  unmap(address: number, size: number, stage: StepStage, explanation: string): void {
    this.current = this.steps.length + 1;
    const region = this.sandbox.regions().find((r) => r.address <= address && address + size <= r.address + r.size);
    if (!region) throw new Error(`cannot unmap ${range(address, size)}: it is not one mapped region`);
    const contents = this.sandbox.read(address, size);
    // Copies of memory that is going away are of no more use.
    this.ahead.forget(address, size);
    // Recorded before unmapping, with the contents and protection to map back.
    this.record({ action: 'unmap', stage, address, size, prot: region.prot, before: contents, after: EMPTY }, explanation);
    this.sandbox.unmap(address, size);
  }

  /**
   * Undoes every recorded step, newest first, whether or not it took effect, and goes on past a step
   * whose undo fails. Answers what failed; `differences` then says whether memory is as it was.
   */
  undo(): string[] {
    this.ahead.clear();
    const failures: string[] = [];
    for (let i = this.steps.length - 1; i >= 0; i--) {
      const step = this.steps[i]!;
      try {
        undoWhateverTookEffect(this.sandbox, step);
      } catch (error) {
        failures.push(`undoing step ${step.step} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return failures;
  }

  /**
   * How memory differs from before the first step, in the regions (addresses, sizes, protections)
   * and in the bytes of every step; empty when it is as it was.
   */
  differences(): string[] {
    try {
      const found: string[] = [];
      const now = sortedRegions(this.sandbox);
      const key = (r: MemoryRegion) => `${r.address}+${r.size}/${r.prot}`;
      const nowKeys = new Set(now.map(key));
      const beforeKeys = new Set(this.regionsBefore.map(key));
      for (const r of this.regionsBefore) {
        if (!nowKeys.has(key(r))) found.push(`${range(r.address, r.size)} was mapped ${protName(r.prot)} and is not any more`);
      }
      for (const r of now) {
        if (!beforeKeys.has(key(r))) found.push(`${range(r.address, r.size)} is mapped ${protName(r.prot)}, which it was not`);
      }
      // Each byte a step changed must hold what it held before the first step that changed it.
      const expected = new Map<number, { byte: number; step: number }>();
      for (let i = this.steps.length - 1; i >= 0; i--) {
        const step = this.steps[i]!;
        if (step.action !== 'write' && step.action !== 'unmap') continue;
        step.before.forEach((byte, k) => expected.set(step.address + k, { byte, step: step.step }));
      }
      const isMapped = (regions: readonly MemoryRegion[], address: number) =>
        regions.some((r) => address >= r.address && address < r.address + r.size);
      // Bytes of memory the transaction mapped itself are gone with it (the regions say whether they are).
      const checked = [...expected.keys()].filter((a) => isMapped(this.regionsBefore, a) && isMapped(now, a)).sort((a, b) => a - b);
      const wrong: number[] = [];
      for (let i = 0; i < checked.length;) {
        let j = i + 1;
        while (j < checked.length && checked[j] === checked[j - 1]! + 1) j++;
        const bytes = this.sandbox.read(checked[i]!, j - i);
        bytes.forEach((byte, k) => { if (byte !== expected.get(checked[i]! + k)!.byte) wrong.push(checked[i]! + k); });
        i = j;
      }
      for (let i = 0; i < wrong.length;) {
        let j = i + 1;
        while (j < wrong.length && wrong[j] === wrong[j - 1]! + 1) j++;
        const start = wrong[i]!;
        const size = wrong[j - 1]! - start + 1;
        const was = Uint8Array.from({ length: Math.min(size, 8) }, (_, k) => expected.get(start + k)!.byte);
        found.push(`${range(start, size)} holds ${byteList(this.sandbox.read(start, size), 0)} where it held ` +
          `${byteList(was, 0)} before step ${expected.get(start)!.step}`);
        i = j;
      }
      return found;
    } catch (error) {
      return [`memory could not be read back to check it (${error instanceof Error ? error.message : String(error)})`];
    }
  }
}

/** Undoes one step that took effect (the page's step-through uses it to go back a step). */
export function undoStep(sandbox: Sandbox, step: JournalStep): void {
  switch (step.action) {
    case 'write': sandbox.write(step.address, step.before); break;
    case 'map': sandbox.unmap(step.address, step.size); break;
    case 'unmap':
      sandbox.map(step.address, step.size, step.prot!);
      sandbox.write(step.address, step.before);
      break;
    case 'note': break;
  }
}

/** Undoes one step whether it took effect, took effect in part, or did not. */
function undoWhateverTookEffect(sandbox: Sandbox, step: JournalStep): void {
  const parts = mappedParts(sandbox.regions(), step.address, step.size);
  const mapped = parts.reduce((n, p) => n + p.size, 0);
  switch (step.action) {
    case 'write':
      // A write into memory that is gone has nothing to put back.
      if (mapped === step.size) sandbox.write(step.address, step.before);
      break;
    case 'map':
      // The range was free when the step was recorded: what is mapped there now is the step's.
      for (const part of parts) sandbox.unmap(part.address, part.size);
      break;
    case 'unmap':
      if (mapped === step.size && parts.every((p) => p.prot === step.prot)) {
        // The unmap did not take effect: the bytes are there; put them back in case.
        sandbox.write(step.address, step.before);
        break;
      }
      for (const part of parts) sandbox.unmap(part.address, part.size);
      sandbox.map(step.address, step.size, step.prot!);
      sandbox.write(step.address, step.before);
      break;
    case 'note': break;
  }
}

function sortedRegions(sandbox: Sandbox): MemoryRegion[] {
  return sandbox.regions().map((r) => ({ address: r.address, size: r.size, prot: r.prot })).sort((a, b) => a.address - b.address);
}

/** The parts of [address, address + size) that `regions` map, with their protection. */
export function mappedParts(regions: readonly MemoryRegion[], address: number, size: number): MemoryRegion[] {
  const end = address + size;
  return regions.filter((r) => r.address < end && address < r.address + r.size)
    .map((r) => {
      const start = Math.max(r.address, address);
      return { address: start, size: Math.min(r.address + r.size, end) - start, prot: r.prot };
    })
    .sort((a, b) => a.address - b.address);
}

export function range(address: number, size: number): string {
  return `${hex(address)}..${hex(address + size)}`;
}

export function protName(prot: number): string {
  return `${prot & 1 ? 'r' : '-'}${prot & 2 ? 'w' : '-'}${prot & 4 ? 'x' : '-'}`;
}

/** Up to 8 bytes from `at`, in hex. */
function byteList(bytes: Uint8Array, at: number): string {
  return [...bytes.subarray(at, at + 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}
