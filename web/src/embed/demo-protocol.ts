// What a demo (one scenario in an embed) shows and what it can be asked to do. Plain data: it
// crosses postMessage between the embed and its worker.
import type { JournalStep } from '../../../engine/host/journal.ts';
import type { CallCounter, CpuStatus, DisassemblyLine, RunState } from '../lab/protocol.ts';
import type { RedirectDrawing } from '../views/flow-diagram.ts';
import type { Scenario } from './scenario.ts';

/** One journal step as the step view shows it. */
export interface StepView {
  step: number;
  action: JournalStep['action'];
  stage: JournalStep['stage'];
  address: number;
  size: number;
  explanation: string;
  /** Bytes before and after (hex), at most MAX_SHOWN_BYTES of them. */
  before: string;
  after: string;
  /** What the address is, e.g. "pricing!price_with_tax" or "fix-rounding code". */
  place: string;
  /** For code: the disassembly of the range around the write, before and after it. */
  listing?: { before: DisassemblyLine[]; after: DisassemblyLine[] };
}

export interface TransactionView {
  /** Increases with every transaction, so views know when to redraw. */
  id: number;
  action: 'apply' | 'rollback';
  /** The patch file applied, or the module rolled back. */
  name: string;
  status: 'applied' | 'refused' | 'wait';
  /** One sentence: what happened, or why not. */
  message: string;
  /** Refusal code, when refused. */
  code?: string;
  /** The guest was stepped to a safe point first. */
  waited?: string;
  steps: StepView[];
  /** Steps written so far; equals steps.length once the transaction is complete. */
  position: number;
  /** The redirects this transaction makes live (apply) or takes away (rollback), as drawn at `position`. */
  redirects: RedirectDrawing[];
}

/** The next thing the example's timeline does. */
export interface NextEvent {
  index: number;
  kind: 'apply' | 'rollback';
  /** Patch file or module. */
  name: string;
  /** "after 4 calls of pricing!price_with_tax". */
  moment: string;
  note?: string;
  expect: 'applied' | 'refused';
}

export interface DemoSnapshot {
  state: RunState;
  cpu: CpuStatus;
  /** Why patches cannot be applied here, when they cannot. */
  patchingUnavailable?: string;
  pc: number;
  where: string;
  instructions: number;
  output: string;
  calls: CallCounter[];
  disassembly: DisassemblyLine[];
  note?: string;
  exitCode?: number;
  error?: string;
  next?: NextEvent;
  /** Active patches, oldest first. */
  active: { module: string; sequence: number; file: string }[];
  transaction?: TransactionView;
  /** Disassembly lines the build-time table did not hold (should stay 0). */
  listingMisses: number;
}

export interface RunOptions {
  /** Instructions per second; 0 = as fast as possible. */
  speed: number;
  /** Pause at the moment of the next timeline event. */
  stopAtMoments: boolean;
}

export type DemoRequest =
  | { type: 'load'; scenario: Scenario }
  | { type: 'reset' }
  | { type: 'run'; options: RunOptions }
  | { type: 'pause' }
  | { type: 'step-instruction' }
  /** Performs the next timeline event (or the named patch), at once or ready to step through. */
  | { type: 'apply'; patch?: string; stepwise: boolean }
  | { type: 'rollback'; stepwise: boolean }
  /** One journal step forward or back in the transaction being stepped through. */
  | { type: 'transaction-step'; direction: 1 | -1 }
  | { type: 'transaction-finish' };

export type DemoMessage =
  | { kind: 'reply'; id: number; ok: true }
  | { kind: 'reply'; id: number; ok: false; message: string }
  | { kind: 'snapshot'; snapshot: DemoSnapshot };
