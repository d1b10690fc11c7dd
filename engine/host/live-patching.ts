// Patching a program while it runs: the guest runs in slices up to the moments a timeline
// chooses (after N calls of a function, or after N instructions); at each, a transaction applies a
// patch or rolls one back. A transaction that must wait for a thread steps the guest one
// instruction at a time and retries, and the wait is recorded.
import type { GuestProcess, RunLimits } from '../../sandbox/process.ts';
import type { TransactionResult } from './transaction.ts';
import type { Hotpatcher } from './transaction.ts';

export type PatchMoment =
  /** Before call number `afterCalls + 1` of `of` ("module!function"), then `thenInstructions` more. */
  | { afterCalls: number; of: string; thenInstructions?: number }
  /** After this many instructions since the program started. */
  | { afterInstructions: number };

export type TimelineAction = { kind: 'apply'; name: string; image: Uint8Array } | { kind: 'rollback'; module: string };

export interface TimelineEvent {
  at: PatchMoment;
  action: TimelineAction;
  /** What the example expects; another outcome is an error. */
  expect: 'applied' | 'refused';
  /** What the moment shows, for people. */
  note?: string;
}

export interface EventRecord {
  at: PatchMoment;
  action: 'apply' | 'rollback';
  /** Patch source name, or the module rolled back. */
  name: string;
  /** Where the program was when the transaction started; null when it ended before that moment. */
  reached: { instructions: number | null; pc: number; where: string; outputLines: number } | null;
  /** The waits before the transaction went through: the first reason, and how many instructions the guest was stepped. */
  wait: { message: string; steppedInstructions: number; resumedAt: string } | null;
  result: TransactionResult | null;
  /** True when the outcome is the one the timeline expects. */
  asExpected: boolean;
  note?: string;
}

/** A transaction waits for at most this many single-instruction steps of the guest. */
export const MAX_WAIT_STEPS = 100_000;

export interface TimelineHooks {
  /** New guest output since the last call, in order with the events. */
  output?(text: string): void;
  event?(record: EventRecord): void;
}

export async function runTimeline(process: GuestProcess, hotpatcher: Hotpatcher, events: readonly TimelineEvent[],
  limits: RunLimits, hooks: TimelineHooks = {}): Promise<EventRecord[]> {
  let printed = 0;
  const flush = () => {
    const text = process.io.text();
    if (text.length > printed) hooks.output?.(text.slice(printed));
    printed = text.length;
  };
  const remaining = (): RunLimits => ({
    maxInstructions: limits.maxInstructions === undefined || process.instructions === undefined ? limits.maxInstructions
      : Math.max(1, limits.maxInstructions - process.instructions),
    timeLimitMs: limits.timeLimitMs,
  });
  const records: EventRecord[] = [];
  for (const event of events) {
    const reached = await runTo(process, event.at, remaining);
    flush();
    const record: EventRecord = {
      at: event.at, action: event.action.kind, name: event.action.kind === 'apply' ? event.action.name : event.action.module,
      reached: reached ? { instructions: process.instructions ?? null, pc: process.pc, where: hotpatcher.symbolize(process.pc),
        outputLines: process.io.text().split('\n').length - 1 } : null,
      wait: null, result: null, asExpected: false, ...(event.note === undefined ? {} : { note: event.note }),
    };
    if (reached) {
      const attempt = () => event.action.kind === 'apply' ? hotpatcher.apply(event.action.image) : hotpatcher.rollback(event.action.module);
      let result = await attempt();
      let stepped = 0;
      const firstWait = result.status === 'wait' ? result.message : undefined;
      while (result.status === 'wait' && stepped < MAX_WAIT_STEPS && !process.finished) {
        process.run({ maxInstructions: 1 });
        stepped++;
        result = await attempt();
      }
      flush();
      if (firstWait !== undefined) {
        record.wait = { message: firstWait, steppedInstructions: stepped, resumedAt: hotpatcher.symbolize(process.pc) };
      }
      record.result = result;
      record.asExpected = result.status === event.expect;
    }
    records.push(record);
    hooks.event?.(record);
  }
  // The rest of the program; a limit leaves it paused, which the caller reports.
  while (!process.finished && process.run(remaining()).reason === 'stopped') flush();
  flush();
  return records;
}

/** Runs until the moment; false when the program ended (or hit a limit) first. */
async function runTo(process: GuestProcess, at: PatchMoment, remaining: () => RunLimits): Promise<boolean> {
  if ('afterInstructions' in at) {
    if (process.instructions === undefined) throw new Error('instruction moments need a process that counts instructions');
    const left = at.afterInstructions - process.instructions;
    if (left > 0) process.run({ ...remaining(), maxInstructions: left });
    return !process.finished && process.instructions === at.afterInstructions;
  }
  process.stopAtCall(at.of, at.afterCalls + 1);
  const outcome = process.run(remaining());
  if (process.finished || outcome.reason !== 'stopped') return false;
  if (at.thenInstructions) {
    process.run({ maxInstructions: at.thenInstructions });
    if (process.finished) return false;
  }
  return true;
}
