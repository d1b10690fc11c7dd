// What a hotpatch transaction answers: applied (with its journal), refused (with a code and a
// sentence), or wait (a thread is in the way). Shared by the preparation and the writes.
import type { JournalStep } from './journal.ts';
import type { RelocationRefusal } from './link.ts';
import type { PatchImageError } from './patch-image.ts';
import type { RedirectPlan, RedirectRefusal } from './plan.ts';
import type { UnsafeThread } from './safe-point.ts';
import type { ConsistencyModel, ThreadMove, TransitionReport } from './consistency.ts';

export type TransactionRefusalCode =
  | 'bad-image' // the image failed validation (see imageError)
  | 'unknown-module' // no loaded module has the image's target name
  | 'wrong-base' // built for another build of the module
  | 'stale-sequence' // not newer than the active patch
  | 'inconsistent-image' // the image's record of a base function disagrees with the module
  | 'missing-import' // an imported module or export does not exist
  | 'missing-base-symbol'
  | 'relocation-refused' // a relocation's value does not fit its field (see relocation)
  | 'no-space' // no free memory for the patch
  | 'plan-refused' // a planner refused a redirect (see refusal)
  | 'bad-plan' // a plan would write outside the places it may change
  | 'write-failed' // the sandbox failed a write; everything was undone and memory checked to be as it was
  | 'undo-failed' // the sandbox failed a write and undoing it left memory different (the message says where)
  | 'nothing-to-roll-back'
  | 'memory-changed' // memory the active patch wrote was changed since; rolling back would lose that
  | 'fixup-impossible' // fixup: a thread stands where the trampoline has no equivalent instruction
  | 'transition-in-progress' // per-thread: a transition is still going on; it must complete, be reversed or be forced first
  | 'not-per-thread' // per-thread rollback of a patch that was not applied per thread
  | 'needs-process'; // fixup and per-thread move and switch threads: the hotpatcher needs the process

export interface AppliedTransaction {
  status: 'applied';
  action: 'apply' | 'rollback';
  module: string;
  /** Sequence of the patch active after the transaction, null when none is. */
  sequence: number | null;
  /** Sequence of the patch that was active before, null when none was. */
  previous: number | null;
  /** The journal: every change in order, for the page to animate. */
  steps: JournalStep[];
  plans: RedirectPlan[];
  /** The consistency model the transaction used, when not `entry`. */
  consistency?: ConsistencyModel;
  /** fixup: the threads moved between the original entry and the trampoline. */
  moves?: ThreadMove[];
  /** per-thread: the transition the transaction started, as it stood when it returned. */
  transition?: TransitionReport;
  /** Where an applied patch was mapped. */
  placement?: { code: number; data: number; trampolines: number; size: number; withinShortReach: boolean };
}

export interface RefusedTransaction {
  status: 'refused';
  code: TransactionRefusalCode;
  message: string;
  imageError?: PatchImageError;
  refusal?: RedirectRefusal;
  /** The relocation that could not be resolved (a missing symbol, or a value that does not fit). */
  relocation?: RelocationRefusal;
}

export interface WaitingTransaction {
  status: 'wait';
  message: string;
  unsafe: UnsafeThread;
}

export type TransactionResult = AppliedTransaction | RefusedTransaction | WaitingTransaction;
