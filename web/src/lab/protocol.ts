// What the lab (assembler, CPU, hotpatch engine; in a Web Worker) tells the page, and what the page
// asks of it. Plain data only: everything here crosses postMessage.
import type { Arch } from '../../../sandbox/sandbox.ts';
import type { SourceFile } from '../state/lab-state.ts';

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
}

export interface AssembleReport {
  ok: boolean;
  diagnostics: Diagnostic[];
  modules: ModuleSummary[];
}

/** Whether guests can run here, and on what. */
export type CpuStatus = { available: true; backend: string } | { available: false; reason: string };

export interface LoadReport extends AssembleReport {
  cpu: CpuStatus;
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
  /** "module!function". */
  name: string;
  calls: number;
}

export type RunState = 'empty' | 'ready' | 'running' | 'paused' | 'exited' | 'failed';

export interface Snapshot {
  state: RunState;
  arch: Arch;
  pc: number;
  /** pc as "module!function+0x.." */
  where: string;
  instructions: number;
  /** Instructions the run may still execute before it pauses. */
  budgetLeft: number;
  registers: RegisterValue[];
  disassembly: DisassemblyLine[];
  output: string;
  calls: CallCounter[];
  memory?: MemoryWindow;
  exitCode?: number;
  error?: string;
  /** Why the guest last stopped, for a person. */
  note?: string;
}

export interface RunSettings {
  /** Instructions per second; 0 = as fast as possible. */
  speed: number;
  /** Instruction budget of a run started from reset. */
  budget: number;
}

export type LabRequest =
  | { type: 'assemble'; program: ProgramSpec }
  | { type: 'load'; program: ProgramSpec; settings: RunSettings }
  | { type: 'reset'; settings: RunSettings }
  | { type: 'run'; settings: RunSettings }
  | { type: 'pause' }
  | { type: 'step' }
  | { type: 'step-over' }
  | { type: 'watch-memory'; address: number; length: number }
  | { type: 'disassemble'; arch: Arch; bytes: string; address: number };

export type LabReply =
  | { type: 'assembled'; report: AssembleReport }
  | { type: 'loaded'; report: LoadReport }
  | { type: 'disassembled'; lines: DisassemblyLine[] }
  | { type: 'done' }
  | { type: 'failed'; message: string };

/** Messages from the lab: replies to a request (with its id), and unprompted events. */
export type LabMessage =
  | { kind: 'reply'; id: number; reply: LabReply }
  | { kind: 'snapshot'; snapshot: Snapshot }
  | { kind: 'status'; toolchain: 'loading' | 'ready' | 'failed'; message?: string };
