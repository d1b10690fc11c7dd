// Patching a program while it runs: the guest runs up to the moments a timeline chooses (after N
// calls of a function, or after N instructions); at each, a transaction applies a patch or rolls one
// back, and a transaction that must wait for a thread steps the guest one instruction at a time and
// retries. runToMoment and applyWhenSafe are those two halves, shared by the command line (which runs
// a whole timeline: runTimeline), the playground and the embeds. The limits of a run are the
// process's budget (GuestProcess.budget): every slice, every step of a wait and every transaction in
// between spend from it, and once a limit has run out no later moment is reached.
import type { ConsistencyChoice, ConsistencyModel, PatchMoment, TimelineEntry } from '../../core/timeline.ts';
import type { TransitionReport } from './consistency.ts';
import type { GuestProcess, RunLimits } from '../../sandbox/process.ts';
import type { LimitReason, RunBudget } from '../../sandbox/run-budget.ts';
import type { Hotpatcher, TransactionResult } from './transaction.ts';

/** What a transaction does: apply a patch image, or roll back a module's active patch. */
export type PatchAction = { kind: 'apply'; image: Uint8Array } | { kind: 'rollback'; module: string };

export type TimelineAction = { kind: 'apply'; name: string; image: Uint8Array } | { kind: 'rollback'; module: string };

export type TimelineEvent = TimelineEntry<TimelineAction>;

export interface EventRecord {
  at: PatchMoment;
  action: 'apply' | 'rollback';
  /** Patch source name, or the module rolled back. */
  name: string;
  /** Where the program was when the transaction started; null when the moment was not reached. */
  reached: { instructions: number | null; pc: number; where: string; outputLines: number } | null;
  /** Why the moment was not reached (the program ended, a limit of the run ran out), and where the program was then. */
  missed: { why: Shortfall; instructions: number | null; where: string } | null;
  /**
   * The waits before the transaction went through: the first reason, and how many instructions the
   * guest was stepped; `gaveUp`, when the transaction was still waiting at the end.
   */
  wait: { message: string; steppedInstructions: number; resumedAt: string; gaveUp?: WaitEnd } | null;
  result: TransactionResult | null;
  /** The consistency model the transaction used. */
  consistency: ConsistencyModel;
  /** per-thread: the transition as it stood when the next event came, or the program ended. */
  transition?: TransitionReport;
  /** True when the outcome is the one the timeline expects. */
  asExpected: boolean;
  note?: string;
}

/** While a per-thread transition is unfinished, the rest of the program runs in pieces of this many instructions. */
export const SETTLE_STEP = 1000;

/** A transaction waits for at most this many single-instruction steps of the guest. */
export const MAX_WAIT_STEPS = 100_000;

/** Why a run did not get where it was going: the program ended, a limit of the run ran out, or something stopped it. */
export type Shortfall = 'ended' | LimitReason | 'stopped';

/**
 * Why a wait ended with the transaction still waiting: the most steps allowed, a limit (of its own
 * allowance or of the guest's run), the program ended, or the guest could not be stepped further.
 */
export type WaitEnd = 'steps' | LimitReason | 'ended' | 'guest';

/** Why `process` is not where a run was taking it. */
export function shortfall(process: GuestProcess): Shortfall {
  return process.finished ? 'ended' : process.budget?.exhausted() ?? 'stopped';
}

/**
 * How a run toward a moment ended: at the moment; not run, the moment being behind the guest
 * already; the program ended first; or a limit (or a stop) ended the run first, and running on may
 * still reach the moment.
 */
export type MomentOutcome = 'reached' | 'passed' | 'ended' | 'short';

/** Runs the guest to the moment, within `limits`. A call moment's stop is not left armed when the run ends short of it. */
export function runToMoment(process: GuestProcess, at: PatchMoment, limits: RunLimits = {}): MomentOutcome {
  if ('afterInstructions' in at) {
    if (process.instructions === undefined) throw new Error('instruction moments need a process that counts instructions');
    const left = at.afterInstructions - process.instructions;
    if (left < 0) return 'passed';
    if (left > 0) process.run({ ...limits, maxInstructions: Math.min(left, limits.maxInstructions ?? left) });
    if (process.finished) return 'ended';
    return process.instructions === at.afterInstructions ? 'reached' : 'short';
  }
  if ((process.calls.get(at.of) ?? 0) > at.afterCalls) return 'passed';
  process.stopAtCall(at.of, at.afterCalls + 1);
  const outcome = process.run(limits);
  if (process.finished) return 'ended';
  if (outcome.reason !== 'stopped') {
    // Left armed, the stop would end some later run at that call.
    process.stopAtCall(at.of, Number.MAX_SAFE_INTEGER);
    return 'short';
  }
  if (at.thenInstructions) {
    const before = process.instructions;
    const then = process.run({ maxInstructions: at.thenInstructions });
    if (process.finished) return 'ended';
    const ran = before === undefined ? then.reason === 'instruction-limit' && !process.budget?.exhausted()
      : process.instructions === before + at.thenInstructions;
    if (!ran) return 'short';
  }
  return 'reached';
}

/**
 * Runs one instruction of the guest; false when it could not (the program has ended, or the run's
 * budget has run out), or the program has ended with it.
 */
export function stepGuest(process: GuestProcess): boolean {
  if (process.finished || process.budget?.exhausted()) return false;
  process.run({ maxInstructions: 1 });
  return !process.finished;
}

export interface SafeOutcome {
  result: TransactionResult;
  /**
   * When the transaction first answered `wait`: that reason, how many instructions the guest was
   * stepped, and why the wait ended if the transaction was still waiting.
   */
  wait?: { message: string; steppedInstructions: number; gaveUp?: WaitEnd };
}

export interface WaitOptions {
  /** At most this many steps (default MAX_WAIT_STEPS). */
  maxSteps?: number;
  /** The wait's own allowance (the page gives a wait a time limit); the steps spend the guest's run budget anyway. */
  budget?: RunBudget;
  /** The consistency model and its options (default: entry). */
  consistency?: ConsistencyChoice;
}

/**
 * Applies or rolls back. While the transaction answers `wait` (a thread is where the transaction would
 * write), `step` runs the guest one instruction (false when it cannot go on) and the transaction is
 * tried again, at most `maxSteps` times and while `budget` lasts; the last answer may still be `wait`.
 */
export async function applyWhenSafe(hotpatcher: Hotpatcher, action: PatchAction, step: () => boolean,
  options: WaitOptions = {}): Promise<SafeOutcome> {
  const maxSteps = options.maxSteps ?? MAX_WAIT_STEPS;
  const choice = options.consistency ?? {};
  const attempt = () => action.kind === 'apply' ? hotpatcher.apply(action.image, choice) : hotpatcher.rollback(action.module, choice);
  let result = await attempt();
  if (result.status !== 'wait') return { result };
  const message = result.message;
  let steppedInstructions = 0;
  let gaveUp: WaitEnd | undefined;
  while (result.status === 'wait') {
    gaveUp = steppedInstructions >= maxSteps ? 'steps' : options.budget?.exhausted() ?? (step() ? undefined : 'guest');
    if (gaveUp) break;
    steppedInstructions++;
    options.budget?.spend(1);
    result = await attempt();
  }
  return { result, wait: { message, steppedInstructions, ...(result.status === 'wait' && gaveUp ? { gaveUp } : {}) } };
}

export interface TimelineHooks {
  /** New guest output since the last call, in order with the events. */
  output?(text: string): void;
  event?(record: EventRecord): void;
}

/**
 * Runs the program to its end, doing at each moment of `events` what it says, within the process's
 * budget: once a limit has run out, the later moments are missed at once, each saying which limit.
 */
export async function runTimeline(process: GuestProcess, hotpatcher: Hotpatcher, events: readonly TimelineEvent[],
  hooks: TimelineHooks = {}): Promise<EventRecord[]> {
  // Only what is new each time: the output can be large, and is kept within a bound (GuestIO).
  const reader = process.io.reader();
  const flush = () => {
    const text = reader.next();
    if (text.length > 0) hooks.output?.(text);
  };
  const records: EventRecord[] = [];
  // A per-thread transition goes on while the program runs: its record shows where it got to.
  let transitionRecord: EventRecord | undefined;
  const noteTransition = () => {
    const transition = hotpatcher.models.transition;
    if (transitionRecord && transition) transitionRecord.transition = transition.report();
  };
  for (const event of events) {
    await hotpatcher.models.settle();
    const reached = runToMoment(process, event.at) === 'reached';
    await hotpatcher.models.settle();
    noteTransition();
    flush();
    const here = { instructions: process.instructions ?? null, where: hotpatcher.symbolize(process.pc) };
    const record: EventRecord = {
      at: event.at, action: event.action.kind, name: event.action.kind === 'apply' ? event.action.name : event.action.module,
      reached: reached ? { ...here, pc: process.pc, outputLines: process.io.lines } : null,
      missed: reached ? null : { why: shortfall(process), ...here },
      wait: null, result: null, consistency: event.consistency ?? 'entry', asExpected: false,
      ...(event.note === undefined ? {} : { note: event.note }),
    };
    if (reached) {
      const consistency: ConsistencyChoice = {
        ...(event.consistency === undefined ? {} : { consistency: event.consistency }),
        ...(event.stallAfter === undefined ? {} : { stallAfter: event.stallAfter }),
        ...(event.onStall === undefined ? {} : { onStall: event.onStall }),
      };
      const { result, wait } = await applyWhenSafe(hotpatcher, event.action, () => stepGuest(process), { consistency });
      flush();
      if (wait) {
        // A guest that could not be stepped ended, or its run's budget ran out: say which.
        const why = shortfall(process);
        const gaveUp: WaitEnd | undefined = wait.gaveUp === 'guest' && why !== 'stopped' ? why : wait.gaveUp;
        record.wait = { ...wait, ...(gaveUp ? { gaveUp } : {}), resumedAt: hotpatcher.symbolize(process.pc) };
      }
      record.result = result;
      record.asExpected = result.status === event.expect;
      if (result.status === 'applied' && result.transition) {
        record.transition = result.transition;
        transitionRecord = record;
      }
    }
    records.push(record);
    hooks.event?.(record);
  }
  // The rest of the program; a limit leaves it paused, which the caller reports. While a
  // transition has a patch to remove, the program runs in pieces, between which it is removed.
  for (;;) {
    await hotpatcher.models.settle();
    if (process.finished) break;
    const pending = hotpatcher.models.pending;
    const outcome = process.run(pending ? { maxInstructions: SETTLE_STEP } : {});
    flush();
    if (pending && outcome.reason === 'instruction-limit' && !process.budget?.exhausted()) continue;
    if (outcome.reason !== 'stopped') break;
  }
  await hotpatcher.models.settle();
  noteTransition();
  flush();
  return records;
}
