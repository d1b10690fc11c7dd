// What the lab (assembler, CPU, hotpatch engine; in a Web Worker) tells the page, and what the page
// asks of it. Plain data only: everything here crosses postMessage.
import type { Arch } from '../../../core/arch.ts';
import type { SourceSpan } from '../../../core/module.ts';
import type { ConsistencyChoice, ConsistencyModel, ExpectedOutcome, PatchMoment } from '../../../core/timeline.ts';
import type { PatchFile, SourceFile } from '../state/lab-state.ts';
import type { HotEditView } from './hot-edit.ts';
import type { Scenario, ScenarioModule } from '../embed/scenario.ts';
import type { ScenarioSpec } from './scenario-maker.ts';
import type { InstructionRecord } from '../embed/instruction-table.ts';

/**
 * A gallery example as the build assembled and disassembled it (its embed scenario's modules and
 * instruction table): loaded without Keystone, listed without Capstone.
 */
export interface PrebuiltProgram {
  modules: ScenarioModule[];
  instructions: InstructionRecord[];
}

export interface ProgramSpec {
  arch: Arch;
  files: SourceFile[];
}

/** An assembler or loader error, placed on its file and line when it has one. */
export interface Diagnostic {
  file: string;
  line?: number;
  message: string;
}

export interface SymbolSummary {
  name: string;
  address: number;
  size: number;
  kind: 'function' | 'data';
}

export interface ModuleSummary {
  name: string;
  file: string;
  base: number;
  codeSize: number;
  dataAddress: number;
  dataSize: number;
  entry?: string;
  exports: string[];
  symbols: SymbolSummary[];
  /** The code each source line made (GuestModule.lines), to link the editor's lines with addresses. */
  lines?: SourceSpan[];
}

export interface AssembleReport {
  ok: boolean;
  diagnostics: Diagnostic[];
  modules: ModuleSummary[];
}

/** A patch source checked against the loaded program: built into an image, or its errors. */
export interface PatchReport {
  file: string;
  ok: boolean;
  diagnostics: Diagnostic[];
  /** The module it patches, its sequence number, and its new code. */
  module?: string;
  sequence?: number;
  functions?: string[];
  codeSize?: number;
  /** The other build of the module the patch was built against, when not the loaded one. */
  builtAgainst?: string;
}

/** Whether patches can be applied here, and if not, why. */
export type PatchingStatus = { available: true } | { available: false; reason: string };

/** Whether guests can run here, and on what. */
export type CpuStatus = { available: true; backend: string } | { available: false; reason: string };

export interface LoadReport extends AssembleReport {
  cpu: CpuStatus;
  patching: PatchingStatus;
}

export interface DisassemblyLine {
  address: number;
  /** Hex. */
  bytes: string;
  mnemonic: string;
  operands: string;
  /** "module!function" when a symbol starts here. */
  label?: string;
  /** Bytes Capstone could not decode, shown as data. */
  undecodable?: boolean;
  /** The source file and line whose statement made this instruction (a module's code; not a patch's). */
  source?: { file: string; line: number };
}

export interface RegisterValue {
  name: string;
  /** Hex, zero-padded to the register's width. */
  value: string;
  /** Different from the previous stop. */
  changed: boolean;
}

export interface MemoryWindow {
  address: number;
  /** Hex; empty where unmapped. */
  bytes: string;
  /** The same range as the modules were loaded (hex), to mark what has changed since; null when none. */
  loaded: string | null;
  /** What the range is, e.g. "pricing!price_with_tax". */
  label: string;
}

export interface CallCounter {
  /** "module!function", or "module patch N!function" for a patch's new code. */
  name: string;
  /** Times this function's own code started: entries not sent elsewhere, plus calls through a hook's trampoline. */
  calls: number;
  /** Entries a live redirect sent on to the new code. */
  redirected: number;
  kind: 'base' | 'patch';
}

/** One entry of a transaction's journal, as the patch view shows it. */
export interface TransactionStepView {
  /** 1-based, as in the journal. */
  step: number;
  action: 'map' | 'write' | 'unmap' | 'note';
  stage: string;
  title: string;
  explanation: string;
  address: number;
  size: number;
  /** Hex, at most DISPLAYED_BYTES of them. */
  before: string;
  after: string;
  /** Code around the written bytes, before and after the step; `changed` marks lines the step rewrote. */
  code?: { before: DisassemblyLine[]; after: DisassemblyLine[]; changed: number[] };
}

export interface RedirectView {
  mode: 'replace' | 'hook';
  target: number;
  targetName: string;
  replacement: number;
  replacementName: string;
  form: string;
  overwritten: number;
  trampoline?: number;
  /** Hook mode: where the trampoline jumps back to, past the displaced instructions (they may cover more than the jump). */
  resumesAt?: number;
  /** Step after which the redirect is live (its entry jump). */
  liveAtStep: number;
}

export interface TransactionView {
  action: 'apply' | 'rollback';
  /** Patch file applied, or module rolled back. */
  subject: string;
  status: 'applied' | 'refused' | 'not-built' | 'waited-too-long';
  /** For a refusal: its code and sentence; for a build error: the assembler's. */
  code?: string;
  message?: string;
  /** Instructions the guest was stepped until every thread was at a safe point, and why. */
  wait?: { message: string; instructions: number };
  module?: string;
  sequence?: number | null;
  previous?: number | null;
  steps: TransactionStepView[];
  redirects: RedirectView[];
  /** Journal steps currently in effect: all of them, unless the view is being stepped through. */
  position: number;
  /** The run (Snapshot.run) the transaction went into; a later run started without it. */
  run?: number;
  /** The consistency model the transaction used (entry unless chosen). */
  consistency?: ConsistencyModel;
}

/** One guest thread as its lane shows it (programs that started threads). */
export interface ThreadLane {
  name: string;
  state: 'running' | 'runnable' | 'blocked' | 'exited';
  /** pc as "module!function+0x..". */
  where: string;
  instructions: number;
  /** Its call stack, outermost first ("module!function"). */
  calls: string[];
  /**
   * The code it runs: old or new; switching while a per-thread transition has not moved it to the
   * universe the transition goes to (`from` says which it is still in, `waitingFor` why).
   */
  universe: 'old' | 'new' | 'switching';
  from?: 'old' | 'new';
  waitingFor?: string;
  /** Its last switch of universe: the process's instruction count, and the moment (slice end, system call, ...). */
  switchedAt?: number;
  switchedWhen?: string;
  /** The thread it waits for, when blocked. */
  joining?: string;
}

/** A per-thread transition, as the thread lanes show it: the transaction's steps after its journal. */
export interface TransitionView {
  module: string;
  sequence: number;
  direction: 'patch' | 'unpatch';
  status: 'in-progress' | 'complete' | 'stalled' | 'forced' | 'reversed' | 'removed';
  message?: string;
  /** Each thread's switch, in order (the newest MAX_SWITCHES_SHOWN). */
  switches: { thread: string; to: 'old' | 'new'; at: number; when: string }[];
  /** Switches left out of `switches`, the oldest. */
  earlierSwitches: number;
  /** A transition that has not ended can be reversed (back to all-old) or forced (everyone now). */
  canReverse: boolean;
  canForce: boolean;
}

/** A transaction that took effect while the program ran: what it was, and how much output came before it. */
export interface OutputMark {
  /** Bytes of output the guest had written (kept or not) when the transaction took effect. */
  offset: number;
  /** "fix-rounding.s applied (pricing sequence 1)". */
  label: string;
}

export type RunState = 'empty' | 'ready' | 'running' | 'paused' | 'exited' | 'failed';

export interface Snapshot {
  state: RunState;
  /** Which run of the loaded program this is: every load and reset starts a new one, from the loaded code. */
  run: number;
  arch: Arch;
  pc: number;
  /** pc as "module!function+0x.." */
  where: string;
  instructions: number;
  /** Instructions the run may still execute before it pauses. */
  budgetLeft: number;
  registers: RegisterValue[];
  disassembly: DisassemblyLine[];
  /**
   * The guest's output written since the previous snapshot, for the view to append (where the guest
   * wrote more than is kept, a line says how many bytes were dropped).
   */
  output: string;
  /** The output starts over with this snapshot (a program loaded or reset): the view clears first. */
  outputRestart?: boolean;
  /** Bytes the guest has written in all. */
  outputBytes: number;
  /** Transactions that took effect during this run, in order. */
  marks: OutputMark[];
  calls: CallCounter[];
  memory?: MemoryWindow;
  /** Patches live now, per module. */
  patches: { module: string; sequence: number }[];
  /** A transaction being stepped through: how many of its steps are in effect. */
  stepping?: { position: number; total: number };
  exitCode?: number;
  error?: string;
  /** Why the guest last stopped, for a person. */
  note?: string;
  /** Programs that started threads: one lane per thread. */
  threads?: ThreadLane[];
  /** The per-thread transition in progress or last run. */
  transition?: TransitionView;
  /** Where runs stop: the breakpoints, and the run-to-here address while it has not been reached. */
  breakpoints?: number[];
  runTo?: number;
  /** The example's story, while it is being played. */
  story?: StoryView;
}

/** One moment of an example's story: the timeline entry, with the patch file it applies as the lab names it. */
export interface StoryEvent {
  at: PatchMoment;
  /** Patch file applied (its name among the program's patches). */
  apply?: string;
  /** Module whose patch is rolled back. */
  rollback?: string;
  expect: ExpectedOutcome;
  note?: string;
}

export interface StoryView {
  /** The next moment (0-based) and how many there are. */
  index: number;
  total: number;
  /** The guest stands at the moment: its transaction is what comes next. */
  atMoment: boolean;
  /** What is about to happen, or what comes next, for people. */
  sentence: string;
  /** The transaction of the moment. */
  apply?: string;
  rollback?: string;
  /** What the story's last transaction did. */
  last?: string;
}

export interface RunSettings {
  /** Instructions per second; 0 = as fast as possible. */
  speed: number;
  /** Instruction budget of a run started from reset. */
  budget: number;
  /** Landing pads: the CPU enforces them (from the next load or reset); patches keep them (from the next patch). */
  landingPads?: LandingPadSettings;
  /** Instructions a guest thread runs before the next one (from the next load or reset). */
  slice?: number;
  /** The consistency model of the next transaction, and for per-thread its stall budget and what a stall does. */
  consistency?: ConsistencyChoice;
}

export interface LandingPadSettings {
  /** The CPU enforces IBT (x86-64) or BTI on guarded pages (ARM64), as a CPU with them switched on does. */
  enforce: boolean;
  /** The engine keeps a function's landing pad first; off, it writes the jump over it, as it did before. */
  keep: boolean;
}

/** A request as the page posts it to the lab worker: `id` pairs it with its reply; ids count from 1 (request-inbox.ts orders by them). */
export interface LabRequestMessage { id: number; request: LabRequest }

export type LabRequest =
  | { type: 'assemble'; program: ProgramSpec }
  | { type: 'check-patches'; patches: PatchFile[] }
  | { type: 'load'; program: ProgramSpec; settings: RunSettings; prebuilt?: PrebuiltProgram }
  | { type: 'reset'; settings: RunSettings }
  | { type: 'run'; settings: RunSettings; until?: number }
  | { type: 'breakpoints'; addresses: number[] }
  | { type: 'story'; events: StoryEvent[] | null }
  | { type: 'pause' }
  /** Start loading Keystone and Capstone now (answered at once; a status message says when they are ready). */
  | { type: 'warm' }
  | { type: 'step' }
  | { type: 'step-over' }
  | { type: 'watch-memory'; address: number; length: number }
  | { type: 'disassemble'; arch: Arch; bytes: string; address: number }
  | { type: 'apply-patch'; patch: PatchFile; stepwise: boolean; settings: RunSettings }
  | { type: 'rollback-patch'; module: string; stepwise: boolean; settings: RunSettings }
  | { type: 'hot-edit'; file: SourceFile; stepwise: boolean; settings: RunSettings }
  | { type: 'transaction-step'; to: 'next' | 'back' | 'end' }
  | { type: 'transition'; action: 'reverse' | 'force' }
  /** "Embed this": a scenario of the sources, patches and timeline (scenario-maker.ts). */
  | { type: 'make-scenario'; spec: ScenarioSpec };

export type LabReply =
  | { type: 'assembled'; report: AssembleReport }
  | { type: 'patches-checked'; reports: PatchReport[] }
  | { type: 'loaded'; report: LoadReport }
  | { type: 'disassembled'; lines: DisassemblyLine[] }
  | { type: 'transaction'; view: TransactionView }
  | { type: 'hot-edit'; view: HotEditView }
  | { type: 'scenario'; scenario: Scenario }
  | { type: 'done' }
  | { type: 'failed'; message: string };

/** Messages from the lab: replies to a request (with its id), and unprompted events. */
export type LabMessage =
  | { kind: 'reply'; id: number; reply: LabReply }
  | { kind: 'snapshot'; snapshot: Snapshot }
  | { kind: 'status'; toolchain: 'loading' | 'ready' | 'failed'; message?: string };
