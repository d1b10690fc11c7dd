// An example's timeline: at chosen moments while the program runs, a patch is applied or rolled
// back. These are the words the command line, the playground and the embeds share: when (a moment),
// what example.json says happens then, and the sentence that names a moment for people.

import { count } from './count.ts';

/** When a timeline event happens. */
export type PatchMoment =
  /** Before call number `afterCalls + 1` of `of` ("module!function"), then `thenInstructions` more. */
  | { afterCalls: number; of: string; thenInstructions?: number }
  /** After this many instructions since the program started. */
  | { afterInstructions: number };

/**
 * When threads see the new code (engine/host/consistency.ts): `entry` (Windows hotpatch: new calls,
 * calls in flight finish in the old code), `fixup` (Detours: threads inside the overwritten bytes
 * move to the trampoline), `per-thread` (Linux livepatch: each thread switches on its own when no
 * patched function is on its stack).
 */
export type ConsistencyModel = 'entry' | 'fixup' | 'per-thread';
export const CONSISTENCY_MODELS: readonly ConsistencyModel[] = ['entry', 'fixup', 'per-thread'];

/** Instructions a per-thread transition may take before it is stalled, unless the transaction says otherwise. */
export const DEFAULT_STALL_AFTER = 100_000;

/** What a stalled per-thread transition does: stays as it is (reported), goes back to all-old, or switches everyone. */
export type StallAction = 'report' | 'reverse' | 'force';

/** How a transaction treats threads: the model, and for per-thread its budget and what a stall does. */
export interface ConsistencyChoice {
  consistency?: ConsistencyModel;
  /** per-thread: instructions the transition may take before it is stalled. */
  stallAfter?: number;
  /** per-thread: what a stalled transition does (default "report"). */
  onStall?: StallAction;
}

/** The outcome an example expects of a transaction; another outcome is an error. */
export type ExpectedOutcome = 'applied' | 'refused';

/** One entry of the timeline in example.json, as written there. */
export interface ExampleTimelineEntry extends ConsistencyChoice {
  at: PatchMoment;
  /** Patch source to build and apply (a file name, see toolchain/example-manifest.ts: exampleFilePath). */
  apply?: string;
  /** Name of the module whose active patch is rolled back. */
  rollback?: string;
  /**
   * The same change as an edited source of the module the patch is for: the patch generator
   * (toolchain/diff/) makes its patch, which must print what `apply`'s prints (`hotpatch run --edits`).
   * With `builtAgainst`, an edit of that other build.
   */
  edit?: string;
  /** Instead of `edit`: why no edited source can make this patch (printed by `hotpatch run --edits`). */
  noEdit?: string;
  /** Build the patch against this module source instead of the running one: another build. */
  builtAgainst?: string;
  /** Default "applied". */
  expect?: ExpectedOutcome;
  /** What the moment shows, for people. */
  note?: string;
}

/** A timeline event once read: its moment, what happens then (`Action`), and the outcome expected. */
export interface TimelineEntry<Action> extends ConsistencyChoice {
  at: PatchMoment;
  action: Action;
  expect: ExpectedOutcome;
  /** What the moment shows, for people. */
  note?: string;
}

/** "after 4 calls of pricing!price_with_tax and 1 instruction", "after 1,000 instructions". */
export function describeMoment(at: PatchMoment): string {
  if ('afterInstructions' in at) return `after ${count(at.afterInstructions)} instructions`;
  const more = at.thenInstructions ? ` and ${at.thenInstructions} instruction${at.thenInstructions === 1 ? '' : 's'}` : '';
  return `after ${at.afterCalls} call${at.afterCalls === 1 ? '' : 's'} of ${at.of}${more}`;
}
