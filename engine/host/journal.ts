// The journal: every change a transaction makes to guest memory goes through it and is recorded
// (where, the bytes before, the bytes after, which step), so that a failure at any point can be
// undone byte for byte, and a success can be shown step by step.
import { type Sandbox } from '../../sandbox/sandbox.ts';
import { hex } from '../../core/hex.ts';

export type StepAction =
  | 'map' // new memory, with its first contents
  | 'write' // bytes replaced
  | 'unmap' // memory released; `before` keeps its contents
  | 'note'; // a decision or a check that writes nothing

export type StepStage =
  | 'identity' | 'safe-point' | 'map-code' | 'map-data' | 'map-trampolines' | 'slot'
  | 'trampoline' | 'padding-jump' | 'entry-jump' | 'flush-icache' | 'restore' | 'unmap';

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

const EMPTY = new Uint8Array(0);

export class Journal {
  readonly steps: JournalStep[] = [];

  constructor(private readonly sandbox: Sandbox) {}

  private record(step: Omit<JournalStep, 'step'>): JournalStep {
    const entry = { step: this.steps.length + 1, ...step };
    this.steps.push(entry);
    return entry;
  }

  note(stage: StepStage, explanation: string, address = 0): void {
    this.record({ action: 'note', stage, address, size: 0, before: EMPTY, after: EMPTY, explanation });
  }

  /** Maps `size` bytes and writes `contents` at their start. */
  map(address: number, size: number, prot: number, contents: Uint8Array, stage: StepStage, explanation: string): void {
    this.sandbox.map(address, size, prot);
    // Recorded once the memory exists, so that undoing never unmaps what was not mapped.
    this.record({ action: 'map', stage, address, size, prot, before: EMPTY, after: contents.slice(), explanation });
    if (contents.length > 0) this.sandbox.write(address, contents);
  }

  write(address: number, bytes: Uint8Array, stage: StepStage, explanation: string, atomic = false): void {
    const before = this.sandbox.read(address, bytes.length);
    // Recorded before writing: whether or not a failing write changed anything, undoing restores `before`.
    this.record({ action: 'write', stage, address, size: bytes.length, before, after: bytes.slice(), atomic, explanation });
    this.sandbox.write(address, bytes);
  }

  unmap(address: number, size: number, stage: StepStage, explanation: string): void {
    const region = this.sandbox.regions().find((r) => r.address <= address && address + size <= r.address + r.size);
    if (!region) throw new Error(`cannot unmap ${hex(address)}..${hex(address + size)}: it is not one mapped region`);
    const contents = this.sandbox.read(address, size);
    this.sandbox.unmap(address, size);
    this.record({ action: 'unmap', stage, address, size, prot: region.prot, before: contents, after: EMPTY, explanation });
  }

  /** Undoes every recorded change, newest first. */
  undo(): void {
    for (let i = this.steps.length - 1; i >= 0; i--) undoStep(this.sandbox, this.steps[i]!);
    this.steps.length = 0;
  }
}

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
