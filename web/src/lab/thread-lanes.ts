// The thread lanes of a snapshot: each guest thread's state, call stack and universe (the code it
// runs: old, new, or switching while a per-thread transition has not yet moved it), and the
// transition's switches, which are the transaction's steps after its journal.
import type { Transition } from '../../../engine/host/consistency.ts';
import type { GuestProcess } from '../../../sandbox/process.ts';
import type { ThreadLane, TransitionView } from './protocol.ts';

/** Switches a snapshot carries at most (the newest). */
export const MAX_SWITCHES_SHOWN = 64;
/** Frames of a call stack a lane shows at most (the innermost). */
const MAX_FRAMES_SHOWN = 16;

/**
 * One lane per thread. Without a per-thread transition every thread runs the same code: new once a
 * patch is live (for the calls made since, under entry and fixup), old before.
 */
export function threadLanes(process: GuestProcess, transition: Transition | undefined, patched: boolean,
  symbolize: (address: number) => string): ThreadLane[] {
  const report = transition?.report();
  // Once the program has exited, the thread that ended it (returning from main, or calling exit) has too.
  const over = process.state === 'exited';
  return process.threads().map((t) => {
    const calls = over ? [] : t.calls.map((f) => f.fn);
    const state = over ? 'exited' : t.state;
    const lane: ThreadLane = {
      name: t.name, state, where: state === 'exited' ? 'ended' : symbolize(t.pc), instructions: t.instructions,
      calls: calls.length > MAX_FRAMES_SHOWN ? ['…', ...calls.slice(-MAX_FRAMES_SHOWN)] : calls,
      universe: patched ? 'new' : 'old',
      ...(t.joining === undefined ? {} : { joining: t.joining }),
    };
    if (!report) return lane;
    const last = report.events.findLast((e) => e.thread === t.name);
    if (last) { lane.switchedAt = last.at; lane.switchedWhen = last.when; }
    const entry = report.threads.find((e) => e.thread === t.name);
    const target = report.direction === 'patch' ? 'new' : 'old';
    const unfinished = report.status === 'in-progress' || report.status === 'stalled';
    if (report.status === 'removed') {
      lane.universe = 'old';
    } else if (!entry) {
      // Ended: the universe it ended in (one that never switched is where a transition to new starts).
      lane.universe = last?.to ?? (report.direction === 'patch' ? 'old' : 'new');
    } else if (unfinished && entry.universe !== target) {
      lane.universe = 'switching';
      lane.from = entry.universe;
      if (entry.waitingFor) lane.waitingFor = entry.waitingFor;
    } else {
      lane.universe = entry.universe;
    }
    return lane;
  });
}

export function transitionView(transition: Transition): TransitionView {
  const report = transition.report();
  const switches = report.events.slice(-MAX_SWITCHES_SHOWN).map((e) => ({ thread: e.thread, to: e.to, at: e.at, when: e.when }));
  const unfinished = transition.unfinished;
  return {
    module: report.module, sequence: report.sequence, direction: report.direction, status: report.status,
    ...(report.message ? { message: report.message } : {}),
    switches, earlierSwitches: report.events.length - switches.length,
    canReverse: unfinished && report.direction === 'patch', canForce: unfinished,
  };
}
