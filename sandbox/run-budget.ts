// A run's budget: an instruction allowance and a deadline for the whole run of a program, spent by
// every slice the host runs it in (GuestProcess.run), every instruction a transaction's wait steps,
// and the time transactions take between them, so that limits bound the run and not each piece.

/** A limit that can run out. */
export type LimitReason = 'instruction-limit' | 'time-limit';

export interface BudgetLimits {
  /** Instructions the whole run may execute (absent: no limit). */
  maxInstructions?: number;
  /** Milliseconds the whole run may take, from the budget's creation (absent: no limit). */
  timeLimitMs?: number;
}

export class RunBudget {
  readonly maxInstructions: number | undefined;
  readonly timeLimitMs: number | undefined;
  private readonly deadline: number;
  private spent = 0;

  /** `now`: a clock in milliseconds (tests pass their own). */
  constructor(limits: BudgetLimits, private readonly now: () => number = () => performance.now()) {
    this.maxInstructions = limits.maxInstructions;
    this.timeLimitMs = limits.timeLimitMs;
    this.deadline = limits.timeLimitMs === undefined ? Infinity : now() + limits.timeLimitMs;
  }

  /** Instructions left (absent: no instruction limit). */
  get instructionsLeft(): number | undefined {
    return this.maxInstructions === undefined ? undefined : Math.max(0, this.maxInstructions - this.spent);
  }

  get instructionsSpent(): number {
    return this.spent;
  }

  /** Milliseconds left (absent: no time limit). */
  get msLeft(): number | undefined {
    return this.deadline === Infinity ? undefined : Math.max(0, this.deadline - this.now());
  }

  /** The limit that has run out, if one has. */
  exhausted(): LimitReason | undefined {
    if (this.maxInstructions !== undefined && this.spent >= this.maxInstructions) return 'instruction-limit';
    if (this.now() >= this.deadline) return 'time-limit';
    return undefined;
  }

  /** A slice's own limits cut to what is left of the budget. */
  cut(slice: { maxInstructions?: number; timeLimitMs?: number }): { maxInstructions?: number; timeLimitMs?: number } {
    const instructions = this.instructionsLeft;
    const ms = this.msLeft;
    return {
      maxInstructions: min(slice.maxInstructions, instructions),
      // Never 0 while time is left: 0 means no limit to a sandbox.
      timeLimitMs: min(slice.timeLimitMs, ms === undefined ? undefined : Math.max(ms, 0.001)),
    };
  }

  spend(instructions: number): void {
    this.spent += instructions;
  }

  /** "the time limit (1,000 ms)", "the instruction limit (1,000 instructions)". */
  describe(reason: LimitReason): string {
    return reason === 'time-limit' ? `the time limit (${(this.timeLimitMs ?? 0).toLocaleString('en-US')} ms)`
      : `the instruction limit (${(this.maxInstructions ?? 0).toLocaleString('en-US')} instructions)`;
  }
}

/** The smaller of two limits where absent (or 0, "none" to a sandbox) means no limit. */
function min(a: number | undefined, b: number | undefined): number | undefined {
  if (!a) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
