// How `hotpatch run` shows live patching: each timeline event with its transaction's steps, and
// the point where the program's output starts to differ from an unpatched run.
import { describeMoment } from '../core/timeline.ts';
import type { EventRecord, WaitEnd } from '../engine/host/timeline.ts';
import type { LimitReason, RunBudget } from '../sandbox/run-budget.ts';
import type { JournalStep } from '../engine/host/journal.ts';
import type { TransactionResult } from '../engine/host/transaction.ts';
import type { TransitionEvent, TransitionReport } from '../engine/host/consistency.ts';
import { Prot } from '../sandbox/sandbox.ts';
import { bytesToHex, hex } from '../core/hex.ts';

function protection(prot: number | undefined): string {
  if (prot === undefined) return '';
  return (prot & Prot.READ ? 'r' : '-') + (prot & Prot.WRITE ? 'w' : '-') + (prot & Prot.EXEC ? 'x' : '-');
}

function spacedHex(bytes: Uint8Array, max = 16): string {
  const shown = bytesToHex(bytes.subarray(0, max), ' ');
  return bytes.length > max ? `${shown} ...` : shown;
}

export function formatStep(step: JournalStep): string {
  const head = `${String(step.step).padStart(4)}  ${step.stage.padEnd(15)}`;
  switch (step.action) {
    case 'note': return `${head} ${step.explanation}`;
    case 'map': return `${head} ${hex(step.address)} +${hex(step.size)} ${protection(step.prot)}  ${step.explanation}`;
    case 'unmap': return `${head} ${hex(step.address)} +${hex(step.size)}  ${step.explanation}`;
    case 'write': return `${head} ${hex(step.address)}  ${spacedHex(step.before)} -> ${spacedHex(step.after)}` +
      `${step.atomic ? ' (one atomic store)' : ''}\n${' '.repeat(22)}${step.explanation}`;
  }
}

/** "the time limit (1,000 ms, --time-limit)", or the limit's name alone without the budget. */
function limitName(reason: LimitReason, budget: RunBudget | undefined): string {
  if (reason === 'time-limit') {
    return `the time limit${budget?.timeLimitMs === undefined ? '' : ` (${budget.timeLimitMs.toLocaleString('en-US')} ms, --time-limit)`}`;
  }
  return `the instruction limit${budget?.maxInstructions === undefined ? ''
    : ` (${budget.maxInstructions.toLocaleString('en-US')} instructions, --max-instructions)`}`;
}

function gaveUp(why: WaitEnd, budget: RunBudget | undefined): string {
  switch (why) {
    case 'steps': return 'still waiting after the most steps allowed';
    case 'guest': return 'gave up waiting: the guest could not be stepped further';
    case 'ended': return 'gave up waiting: the program ended';
    default: return `gave up waiting: ${limitName(why, budget)} ran out`;
  }
}

/** The lines printed for one event of the timeline; `budget`, the run's, names the limits. */
export function formatEvent(record: EventRecord, budget?: RunBudget): string[] {
  const what = (record.action === 'apply' ? `apply ${record.name}` : `roll back ${record.name}`) +
    (record.consistency === 'entry' ? '' : ` (${record.consistency})`);
  const lines = [`== ${describeMoment(record.at)}: ${what}`];
  if (record.note) lines.push(`   (${record.note})`);
  const missed = record.missed;
  if (missed) {
    const at = ` at ${missed.where}${missed.instructions === null ? '' : `, ${missed.instructions.toLocaleString('en-US')} instructions in`}`;
    switch (missed.why) {
      case 'ended': return [...lines, '   the program ended before this moment'];
      case 'stopped': return [...lines, `   not reached: the run was stopped${at}`];
      default: return [...lines, `   not reached: ${limitName(missed.why, budget)} ran out${at}`];
    }
  }
  const reached = record.reached;
  if (!reached) return lines;
  lines.push(`   the program is at ${reached.where}` +
    (reached.instructions !== null ? `, ${reached.instructions.toLocaleString('en-US')} instructions in` : '') +
    `, ${reached.outputLines} output line${reached.outputLines === 1 ? '' : 's'} printed`);
  if (record.wait) {
    lines.push(`   wait: ${record.wait.message}`,
      `   stepped the guest ${record.wait.steppedInstructions} instruction${record.wait.steppedInstructions === 1 ? '' : 's'} ` +
      `and retried; it is now at ${record.wait.resumedAt}`);
  }
  const result = record.result!;
  switch (result.status) {
    case 'applied': {
      const state = result.sequence === null ? `${result.module} runs its original code`
        : `${result.module} patch ${result.sequence} is live`;
      lines.push(`   ${result.action === 'apply' ? 'applied' : 'rolled back'} in ${result.steps.length} steps; ${state}:`);
      for (const step of result.steps) lines.push(...formatStep(step).split('\n').map((l) => `  ${l}`));
      if (result.transition) lines.push(...formatTransition(result.transition));
      break;
    }
    case 'refused': lines.push(`   refused (${result.code}): ${result.message}`); break;
    case 'wait': lines.push(`   ${gaveUp(record.wait?.gaveUp ?? 'steps', budget)}: ${result.message}`); break;
  }
  if (!record.asExpected) lines.push('   this is not what the example expects');
  return lines;
}

/** A per-thread transition: its status and each thread's universe. */
export function formatTransition(report: TransitionReport): string[] {
  const threads = report.threads.map((t) => `${t.thread} ${t.universe}${t.waitingFor ? ` (${t.waitingFor})` : ''}`).join(', ');
  const lines = [`   per-thread transition of ${report.module} patch ${report.sequence} (${report.direction === 'patch' ? 'old to new' : 'new to old'}): ` +
    `${report.status}; ${threads || 'no thread'}`];
  if (report.message) lines.push(`   ${report.message}`);
  return lines;
}

/** One thread's switch, as it happens: "t2 switched to the new universe at 1,234 instructions (end of a slice)". */
export function formatSwitch(event: TransitionEvent): string {
  const when = { transaction: 'when the transaction ran', slice: 'at the end of a slice', syscall: 'at a system call',
    created: 'when it was created', forced: 'forced' }[event.when];
  return `   -- ${event.thread} switched to the ${event.to} universe at ${event.at.toLocaleString('en-US')} instructions (${when})`;
}

export interface BehaviourChange {
  /** 1-based output line where the patched run first differs from the unpatched one. */
  line: number;
  unpatched: string | null;
  patched: string | null;
  /** How many lines differ in all, out of how many. */
  differingLines: number;
  lines: number;
}

export function firstDifference(unpatched: string, patched: string): BehaviourChange | null {
  const a = unpatched.replace(/\n$/, '').split('\n');
  const b = patched.replace(/\n$/, '').split('\n');
  const lines = Math.max(a.length, b.length);
  const differing = Array.from({ length: lines }, (_, i) => i).filter((i) => a[i] !== b[i]);
  if (differing.length === 0) return null;
  const i = differing[0]!;
  return { line: i + 1, unpatched: a[i] ?? null, patched: b[i] ?? null, differingLines: differing.length, lines };
}

/** A transaction result as JSON: bytes as hex strings, addresses as "0x.." strings. */
export function resultToJson(result: TransactionResult | null): unknown {
  return JSON.parse(JSON.stringify(result, (key, value: unknown) => {
    if (value instanceof Uint8Array) return bytesToHex(value);
    if (typeof value === 'number' && /address|^pc$|^target$|^replacement$|^code$|^data$|^trampolines$/i.test(key)) return hex(value);
    return value;
  }));
}
