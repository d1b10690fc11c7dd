// Walks a finished transaction's journal one step at a time: the transaction wrote every step at
// once; rewinding undoes them (newest first) and each step forward writes exactly what the
// transaction wrote, so guest memory at step k is the memory the transaction had after step k.
// The guest must not run until the journal is complete again (`finish`).
import { type JournalStep, undoStep } from '../../../engine/host/journal.ts';
import type { Sandbox } from '../../../sandbox/sandbox.ts';

/** Does a journal step again, as the transaction did it. */
export function redoStep(sandbox: Sandbox, step: JournalStep): void {
  switch (step.action) {
    case 'map':
      sandbox.map(step.address, step.size, step.prot!);
      if (step.after.length > 0) sandbox.write(step.address, step.after);
      break;
    case 'write': sandbox.write(step.address, step.after); break;
    case 'unmap': sandbox.unmap(step.address, step.size); break;
    case 'note': break;
  }
}

export class JournalStepper {
  /** Number of steps currently written. */
  position: number;

  constructor(private readonly sandbox: Sandbox, readonly steps: readonly JournalStep[]) {
    this.position = steps.length;
  }

  get complete(): boolean {
    return this.position === this.steps.length;
  }

  forward(): JournalStep | undefined {
    const step = this.steps[this.position];
    if (!step) return undefined;
    redoStep(this.sandbox, step);
    this.position++;
    return step;
  }

  back(): JournalStep | undefined {
    const step = this.steps[this.position - 1];
    if (!step) return undefined;
    undoStep(this.sandbox, step);
    this.position--;
    return step;
  }

  rewind(): void {
    while (this.position > 0) this.back();
  }

  finish(): void {
    while (!this.complete) this.forward();
  }
}
