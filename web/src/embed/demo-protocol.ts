// What a demo (one scenario in an embed) shows and what it can be asked to do. Plain data: it
// crosses postMessage between the embed and its worker.
import type { CallCounter, CpuStatus, DisassemblyLine, RunState, TransactionView } from '../lab/protocol.ts';
import type { Scenario } from './scenario.ts';

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
  /** The last transaction (apply or rollback), as the playground's patch view has it. */
  transaction?: TransactionView;
  /** Transactions so far: a new number means a new transaction. */
  transactionCount: number;
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
