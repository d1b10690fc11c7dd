// The timeline runner shared by the command line, the playground and the embeds: running the guest
// to a moment, and a transaction that waits for a safe point while the guest is stepped.
import { describe, expect, it } from 'vitest';
import { describeMoment, type PatchMoment } from '../../core/timeline.ts';
import { applyWhenSafe, runToMoment, shortfall, stepGuest } from '../../engine/host/timeline.ts';
import type { Hotpatcher, TransactionResult } from '../../engine/host/transaction.ts';
import { GuestProcess } from '../../sandbox/process.ts';
import { RunBudget } from '../../sandbox/run-budget.ts';
import { UnicornSandbox } from '../../sandbox/unicorn/unicorn-sandbox.ts';
import { assembleProgram } from '../../toolchain/program.ts';

/** main calls f five times and returns. */
const PROGRAM = `.module app
.arch x64
.entry main
.text
.func main
    push rbx
    mov ebx, 5
again:
    call f
    dec ebx
    jnz again
    pop rbx
    xor eax, eax
    ret
.endfunc
.func f
    nop
    ret
.endfunc
`;

async function newProcess(): Promise<GuestProcess> {
  const modules = await assembleProgram([{ file: 'app.s', text: PROGRAM }], 'x64');
  return new GuestProcess(new UnicornSandbox('x64'), { modules });
}

const fAddress = (process: GuestProcess) => process.modules[0]!.symbols.find((s) => s.name === 'f')!.address;

describe('describeMoment', () => {
  it('names calls, the instructions after them, and instruction counts', () => {
    const cases: [PatchMoment, string][] = [
      [{ afterCalls: 1, of: 'app!f' }, 'after 1 call of app!f'],
      [{ afterCalls: 4, of: 'pricing!price_with_tax', thenInstructions: 1 }, 'after 4 calls of pricing!price_with_tax and 1 instruction'],
      [{ afterCalls: 0, of: 'app!f', thenInstructions: 3 }, 'after 0 calls of app!f and 3 instructions'],
      [{ afterInstructions: 12345 }, 'after 12,345 instructions'],
    ];
    for (const [at, sentence] of cases) expect(describeMoment(at)).toBe(sentence);
  });
});

describe('runToMoment', () => {
  it('stops before the next call, and goes no further for a moment already passed', async () => {
    const process = await newProcess();
    expect(runToMoment(process, { afterCalls: 2, of: 'app!f' })).toBe('reached');
    expect(process.calls.get('app!f')).toBe(2);
    expect(process.pc).toBe(fAddress(process));
    const instructions = process.instructions;
    expect(runToMoment(process, { afterCalls: 1, of: 'app!f' })).toBe('passed');
    expect(process.instructions).toBe(instructions);
    process.close();
  });

  it('runs the instructions after the call the moment names', async () => {
    const [stopped, further] = [await newProcess(), await newProcess()];
    expect(runToMoment(stopped, { afterCalls: 2, of: 'app!f' })).toBe('reached');
    expect(runToMoment(further, { afterCalls: 2, of: 'app!f', thenInstructions: 2 })).toBe('reached');
    expect(further.instructions).toBe(stopped.instructions! + 2);
    stopped.run({ maxInstructions: 2 }); // nop, ret: back in main after the call
    expect(further.pc).toBe(stopped.pc);
    expect(further.pc).not.toBe(fAddress(further));
    stopped.close();
    further.close();
  });

  it('ends short of the moment within the limits, and leaves no stop behind', async () => {
    const process = await newProcess();
    expect(runToMoment(process, { afterCalls: 4, of: 'app!f' }, { maxInstructions: 3 })).toBe('short');
    expect(process.instructions).toBe(3);
    // Without its stop, the program runs to its end past call 5.
    expect(process.run().state).toBe('exited');
    expect(process.calls.get('app!f')).toBe(5);
    process.close();
  });

  it('says when the program ends first', async () => {
    const process = await newProcess();
    expect(runToMoment(process, { afterCalls: 9, of: 'app!f' })).toBe('ended');
    expect(process.state).toBe('exited');
    process.close();
  });

  it('counts instructions, within the limits', async () => {
    const process = await newProcess();
    expect(runToMoment(process, { afterInstructions: 10 })).toBe('reached');
    expect(process.instructions).toBe(10);
    expect(runToMoment(process, { afterInstructions: 5 })).toBe('passed');
    expect(runToMoment(process, { afterInstructions: 20 }, { maxInstructions: 4 })).toBe('short');
    expect(process.instructions).toBe(14);
    expect(runToMoment(process, { afterInstructions: 10_000 })).toBe('ended');
    process.close();
  });
});

/** A transaction that answers `wait` `waits` times, then goes through. */
function waitingHotpatcher(waits: number) {
  const attempts: string[] = [];
  const answer = async (what: string): Promise<TransactionResult> => {
    attempts.push(what);
    return (attempts.length <= waits ? { status: 'wait', message: `busy ${attempts.length}` }
      : { status: 'applied', module: 'app' }) as TransactionResult;
  };
  const hotpatcher = { apply: () => answer('apply'), rollback: (module: string) => answer(`rollback ${module}`) } as unknown as Hotpatcher;
  return { hotpatcher, attempts };
}

describe('applyWhenSafe', () => {
  const image = new Uint8Array(4);

  it('goes through at once without a wait', async () => {
    const { hotpatcher, attempts } = waitingHotpatcher(0);
    expect(await applyWhenSafe(hotpatcher, { kind: 'apply', image }, () => true)).toEqual({ result: { status: 'applied', module: 'app' } });
    expect(attempts).toEqual(['apply']);
  });

  it('steps the guest once per retry and says why it waited', async () => {
    const { hotpatcher, attempts } = waitingHotpatcher(3);
    let steps = 0;
    const outcome = await applyWhenSafe(hotpatcher, { kind: 'rollback', module: 'app' }, () => { steps++; return true; });
    expect(outcome).toEqual({ result: { status: 'applied', module: 'app' }, wait: { message: 'busy 1', steppedInstructions: 3 } });
    expect(steps).toBe(3);
    expect(attempts).toEqual(Array(4).fill('rollback app'));
  });

  it('stops waiting after the most steps allowed, or when the guest cannot go on', async () => {
    const bounded = await applyWhenSafe(waitingHotpatcher(10).hotpatcher, { kind: 'apply', image }, () => true, { maxSteps: 2 });
    expect(bounded).toEqual({ result: { status: 'wait', message: 'busy 3' }, wait: { message: 'busy 1', steppedInstructions: 2, gaveUp: 'steps' } });
    const stuck = await applyWhenSafe(waitingHotpatcher(10).hotpatcher, { kind: 'apply', image }, () => false);
    expect(stuck).toEqual({ result: { status: 'wait', message: 'busy 1' }, wait: { message: 'busy 1', steppedInstructions: 0, gaveUp: 'guest' } });
  });

  it('steps a guest one instruction, and not once it has ended', async () => {
    const process = await newProcess();
    expect(stepGuest(process)).toBe(true);
    expect(process.instructions).toBe(1);
    process.run();
    expect(stepGuest(process)).toBe(false);
    process.close();
  });
});

/** A clock the test moves by hand. */
function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 0;
  return { now: () => t, advance: (ms) => { t += ms; } };
}

describe('the run budget', () => {
  it('spends instructions and time across runs, and cuts each slice to what is left', () => {
    const clock = fakeClock();
    const budget = new RunBudget({ maxInstructions: 100, timeLimitMs: 50 }, clock.now);
    expect(budget.cut({ maxInstructions: 1000, timeLimitMs: 200 })).toEqual({ maxInstructions: 100, timeLimitMs: 50 });
    budget.spend(60);
    clock.advance(20);
    expect(budget.cut({})).toEqual({ maxInstructions: 40, timeLimitMs: 30 });
    expect(budget.cut({ maxInstructions: 5 })).toEqual({ maxInstructions: 5, timeLimitMs: 30 });
    expect(budget.exhausted()).toBeUndefined();
    clock.advance(30);
    expect(budget.exhausted()).toBe('time-limit');
    budget.spend(40);
    expect(budget.exhausted()).toBe('instruction-limit');
    expect(budget.describe('time-limit')).toBe('the time limit (50 ms)');
    expect(budget.describe('instruction-limit')).toBe('the instruction limit (100 instructions)');
  });

  it('bounds every run of a process: a moment out of reach, the steps, and the runs after', async () => {
    const process = await newProcess();
    process.budget = new RunBudget({ maxInstructions: 12 });
    expect(runToMoment(process, { afterCalls: 4, of: 'app!f' })).toBe('short');
    expect(process.instructions).toBe(12);
    expect(shortfall(process)).toBe('instruction-limit');
    expect(stepGuest(process)).toBe(false);
    expect(process.run()).toEqual({ state: 'paused', reason: 'instruction-limit' });
    expect(process.instructions).toBe(12);
    process.close();
  });

  it('ends a run at the deadline, however many slices it is run in', async () => {
    const clock = fakeClock();
    const process = await newProcess();
    // A sandbox run is still cut to the time left by the real clock: a minute, so a loaded machine
    // does not end the first step before its instruction.
    process.budget = new RunBudget({ timeLimitMs: 60_000 }, clock.now);
    expect(stepGuest(process)).toBe(true);
    clock.advance(60_000);
    expect(stepGuest(process)).toBe(false);
    expect(process.run()).toEqual({ state: 'paused', reason: 'time-limit' });
    expect(process.instructions).toBe(1);
    process.close();
  });

  it('gives a wait its own allowance', async () => {
    const clock = fakeClock();
    const budget = new RunBudget({ timeLimitMs: 5 }, clock.now);
    let steps = 0;
    const outcome = await applyWhenSafe(waitingHotpatcher(100).hotpatcher, { kind: 'apply', image: new Uint8Array(4) },
      () => { steps++; clock.advance(1); return true; }, { budget });
    expect(outcome.wait).toEqual({ message: 'busy 1', steppedInstructions: 5, gaveUp: 'time-limit' });
    expect(steps).toBe(5);
  });
});
