// One scenario, live: the guest process on a sandbox CPU and the example's timeline of patches,
// applied, stepped through and rolled back by the playground's PatchLab (the engine's transaction
// and its journal). No DOM and no messaging, so the same code runs in the embed's worker and, on
// real Unicorn, in Node (tests, and the build step that records the disassembly the embed shows).
import { describeMoment } from '../../../core/timeline.ts';
import { runToMoment, stepGuest } from '../../../engine/host/timeline.ts';
import { GuestProcess } from '../../../sandbox/process.ts';
import type { Sandbox } from '../../../sandbox/sandbox.ts';
import type { Arch } from '../../../core/arch.ts';
import type { GuestModule } from '../../../core/module.ts';
import { type NamedRange, placeName, rangeAt } from '../../../core/symbolizer.ts';
import { hexToBytes } from '../../../core/hex.ts';
import type { CpuProvider, EngineProvider, SliceEnd } from '../lab/lab-core.ts';
import { type CodeDisassembler, type EngineParts, PatchLab } from '../lab/patch-lab.ts';
import type { CallCounter, CpuStatus, DisassemblyLine, RunState, TransactionView } from '../lab/protocol.ts';
import type { DemoSnapshot, NextEvent } from './demo-protocol.ts';
import { guestModule, type Scenario } from './scenario.ts';

export interface DemoDependencies {
  /** The CPU; `create` throws for an architecture it does not have. */
  cpu: CpuProvider;
  engineFor: EngineProvider;
  disassemble: CodeDisassembler;
}

const LINES_BEFORE = 4;
const LINES_AFTER = 9;

export class DemoCore {
  readonly arch: Arch;
  private readonly modules: GuestModule[];
  private process: GuestProcess | undefined;
  private patches: PatchLab | undefined;
  private engine: EngineParts = { reason: 'the program is not loaded' };
  private cpuReason: string | undefined;
  private nextEvent = 0;
  private transactionCount = 0;
  private transaction: TransactionView | undefined;
  private note: string | undefined;
  /** The timeline event whose moment the guest has reached (or -1): running on does not stop there again. */
  private momentReached = -1;

  constructor(readonly scenario: Scenario, private readonly deps: DemoDependencies) {
    this.arch = scenario.arch;
    this.modules = scenario.modules.map((m) => guestModule(m, scenario.arch));
  }

  get cpuStatus(): CpuStatus {
    return this.cpuReason ? { available: false, reason: this.cpuReason } : { available: true, backend: this.deps.cpu.backend };
  }

  /** Why patches cannot be applied here (no CPU, no planner for the architecture), if they cannot. */
  get patchingUnavailable(): string | undefined {
    return this.cpuReason ?? (this.engine.planner ? undefined : this.engine.reason);
  }

  /** A fresh guest at its entry point, no patch applied, the timeline from its start. */
  async reset(): Promise<void> {
    this.process?.close();
    this.process = undefined;
    this.patches = undefined;
    this.nextEvent = 0;
    this.transaction = undefined;
    this.note = undefined;
    this.momentReached = -1;
    this.cpuReason = undefined;
    let sandbox: Sandbox;
    try {
      sandbox = this.deps.cpu.create(this.arch);
    } catch (error) {
      // A CPU without this architecture (or not loaded): the scenario is shown, not run.
      this.cpuReason = `${error instanceof Error ? error.message : String(error)}; the program is shown but cannot run here`;
      return;
    }
    const process = new GuestProcess(sandbox, { modules: this.modules });
    this.process = process;
    this.engine = await this.deps.engineFor(this.arch);
    if (this.engine.planner) {
      this.patches = new PatchLab(process, this.modules, this.engine, (address) => this.place(address), this.deps.disassemble);
    }
  }

  get state(): RunState {
    return this.process?.state ?? 'ready';
  }

  get canRun(): boolean {
    return this.process !== undefined && !this.process.finished;
  }

  get guest(): GuestProcess | undefined {
    return this.process;
  }

  setNote(note: string | undefined): void {
    this.note = note;
  }

  /**
   * Runs at most `maxInstructions`; a transaction half stepped through is written to its end first.
   * With `stopAtMoment`, the slice ends ('stopped') where the next timeline event happens.
   */
  runSlice(maxInstructions: number, timeLimitMs = 0, stopAtMoment = false): SliceEnd {
    const process = this.process;
    if (!process || process.finished) return process?.state === 'failed' ? 'failed' : 'exited';
    this.finishTransaction();
    this.patches?.closeStepping();
    const event = stopAtMoment && this.nextEvent !== this.momentReached ? this.scenario.timeline[this.nextEvent] : undefined;
    const limits = { maxInstructions, timeLimitMs };
    // A moment the guest is past already: the slice runs as any other.
    const toMoment = event ? runToMoment(process, event.at, limits) : 'passed';
    const outcome = toMoment === 'passed' ? process.run(limits) : undefined;
    if (process.state === 'exited') { this.note = `the program exited with code ${process.io.exitCode}`; return 'exited'; }
    if (process.state === 'failed') { this.note = process.error?.message; return 'failed'; }
    if (toMoment === 'reached') {
      this.momentReached = this.nextEvent;
      const next = this.next!;
      this.note = `paused ${next.moment}, where the example ${next.kind === 'apply' ? `applies ${next.name}` : `rolls back ${next.name}`}`;
      return 'stopped';
    }
    return outcome?.reason === 'stopped' ? 'stopped' : 'running';
  }

  step(): SliceEnd {
    const end = this.runSlice(1);
    if (end === 'running') this.note = 'stepped one instruction';
    return end;
  }

  // ---- the timeline

  get next(): NextEvent | undefined {
    const event = this.scenario.timeline[this.nextEvent];
    if (!event) return undefined;
    const patch = event.patch === undefined ? undefined : this.scenario.patches[event.patch];
    return {
      index: this.nextEvent, kind: patch ? 'apply' : 'rollback', name: patch ? patch.file : event.rollback ?? '',
      moment: describeMoment(event.at), expect: event.expect, ...(event.note ? { note: event.note } : {}),
    };
  }

  // ---- transactions

  /**
   * Applies a patch: the one named, else the next apply of the timeline. Stepwise, memory is put
   * back as before the transaction and each `stepTransaction(1)` writes one more journal step.
   */
  async apply(patchFile: string | undefined, stepwise: boolean): Promise<TransactionView> {
    this.finishTransaction();
    const { timeline, patches } = this.scenario;
    const index = patchFile === undefined
      ? timeline.findIndex((e, i) => i >= this.nextEvent && e.patch !== undefined)
      : patches.findIndex((p) => p.file === patchFile);
    const patch = patchFile === undefined ? patches[timeline[index]?.patch ?? -1] : patches[index];
    if (!patch) {
      return this.refused('apply', patchFile ?? '', patchFile === undefined
        ? 'the example has no more patches to apply' : `the example has no patch "${patchFile}"`);
    }
    if (!this.patches) return this.refused('apply', patch.file, this.patchingUnavailable ?? 'patches cannot be applied');
    if (patchFile === undefined) this.nextEvent = index + 1;
    else if (timeline[this.nextEvent]?.patch === index) this.nextEvent++;
    const build = { image: hexToBytes(patch.image), module: patch.module, sequence: patch.sequence, functions: patch.functions };
    return this.settle(await this.patches.apply(patch.file, build, stepwise, () => this.stepWhileWaiting()));
  }

  /** Rolls back the newest active patch (or the module's). */
  async rollback(module: string | undefined, stepwise: boolean): Promise<TransactionView> {
    this.finishTransaction();
    const target = module ?? this.patches?.activePatches().at(-1)?.module ?? this.scenario.patches[0]?.module ?? '';
    if (!this.patches) return this.refused('rollback', target, this.patchingUnavailable ?? 'patches cannot be rolled back');
    if (this.scenario.timeline[this.nextEvent]?.rollback === target) this.nextEvent++;
    return this.settle(await this.patches.rollback(target, stepwise, () => this.stepWhileWaiting()));
  }

  /** One instruction of the guest while a transaction waits for a safe point; false when it cannot run. */
  private stepWhileWaiting(): boolean {
    return this.process !== undefined && stepGuest(this.process);
  }

  private refused(action: 'apply' | 'rollback', subject: string, message: string): TransactionView {
    return this.settle({ action, subject, status: 'refused', message, steps: [], redirects: [], position: 0 });
  }

  private settle(view: TransactionView): TransactionView {
    this.transactionCount++;
    this.transaction = view;
    return view;
  }

  /** Steps through the transaction being stepped through: one journal step forward or back. */
  stepTransaction(direction: 1 | -1): TransactionView | undefined {
    const patches = this.patches;
    const transaction = this.transaction;
    if (!patches?.steppingThrough || !transaction) return undefined;
    transaction.position = patches.step(direction === 1 ? 'next' : 'back').position;
    return transaction;
  }

  /** Writes the rest of a transaction being stepped through. */
  finishTransaction(): void {
    if (!this.patches?.midTransaction || !this.transaction) return;
    this.transaction.position = this.patches.step('end').position;
  }

  get steppingTransaction(): boolean {
    return this.patches?.midTransaction ?? false;
  }

  get activePatches(): { module: string; sequence: number; file: string }[] {
    return (this.patches?.activePatches() ?? []).map((p) => ({ ...p,
      file: this.scenario.patches.find((s) => s.module === p.module && s.sequence === p.sequence)?.file ?? '' }));
  }

  // ---- what the views show

  private functionAt(address: number): NamedRange | undefined {
    return rangeAt(address, this.modules, { kind: 'function', more: this.patches?.patchCode() });
  }

  /** "pricing!price_with_tax+0x8", "pricing patch 1!fixed_price", or the address. */
  place(address: number): string {
    return placeName(address, this.functionAt(address));
  }

  /** Guest memory; with no CPU, the modules as they were built. */
  private readCode(address: number, size: number): Uint8Array | undefined {
    if (!this.process) {
      const module = this.modules.find((m) => address >= m.base && address + size <= m.base + m.code.length);
      return module?.code.slice(address - module.base, address - module.base + size);
    }
    try {
      return this.process.sandbox.read(address, size);
    } catch {
      return undefined;
    }
  }

  private async list(range: NamedRange): Promise<DisassemblyLine[]> {
    const bytes = this.readCode(range.address, range.size);
    if (!bytes) return [];
    const lines = await this.deps.disassemble(this.arch, bytes, range.address);
    lines[0] &&= { ...lines[0], label: range.name };
    for (const line of lines) {
      // Branch and call targets get their symbol: "bl #0x400050 <shop!classify>".
      const target = /^#?(0x[0-9a-f]+)$/.exec(line.operands.trim());
      if (target && this.functionAt(Number(target[1]))) line.operands = `${line.operands} <${this.place(Number(target[1]))}>`;
    }
    return lines;
  }

  /** Lists every function, base and patch, as it is now (the build step records what this decodes). */
  async listEverything(): Promise<void> {
    const ranges: NamedRange[] = [...this.modules.flatMap((m) => m.symbols.filter((s) => s.kind === 'function')
      .map((s) => ({ name: s.name, address: s.address, size: s.size }))), ...(this.patches?.patchCode() ?? [])];
    for (const range of ranges) await this.list(range);
  }

  /** The function (or trampoline) around pc; nothing where no code of the program is (the exit stub). */
  private async disassemblyAround(pc: number): Promise<DisassemblyLine[]> {
    const fn = this.functionAt(pc);
    if (!fn) return [];
    const lines = await this.list(fn);
    const at = Math.max(0, lines.findIndex((l) => l.address >= pc));
    return lines.slice(Math.max(0, at - LINES_BEFORE), at + LINES_AFTER);
  }

  private entryAddress(): number {
    const entry = this.modules.find((m) => m.entry)?.entry;
    for (const module of this.modules) {
      const s = module.symbols.find((sym) => sym.name === entry);
      if (s) return s.address;
    }
    return this.modules[0]?.base ?? 0;
  }

  private counters(): CallCounter[] {
    const process = this.process;
    if (!process) return [];
    if (this.patches) return this.patches.counters(process.calls);
    return [...process.calls].map(([name, calls]) => ({ name, calls, redirected: 0, kind: 'base' as const }));
  }

  async snapshot(): Promise<Omit<DemoSnapshot, 'listingMisses'>> {
    const process = this.process;
    const pc = process?.pc ?? this.entryAddress();
    const redirected = new Set(this.scenario.patches.flatMap((p) => p.redirects.map((r) => `${p.module}!${r.base}`)));
    const snapshot: Omit<DemoSnapshot, 'listingMisses'> = {
      state: this.state,
      cpu: this.cpuStatus,
      ...(this.patchingUnavailable ? { patchingUnavailable: this.patchingUnavailable } : {}),
      pc,
      where: this.place(pc),
      instructions: process?.instructions ?? 0,
      output: process?.io.text() ?? '',
      // The functions the example is about, and whatever has run.
      calls: this.counters().filter((c) => c.calls + c.redirected > 0 || redirected.has(c.name)),
      disassembly: await this.disassemblyAround(pc),
      active: this.activePatches,
      transactionCount: this.transactionCount,
      ...(this.note ? { note: this.note } : {}),
    };
    const next = this.next;
    if (next) snapshot.next = next;
    if (process?.state === 'exited') snapshot.exitCode = process.io.exitCode;
    if (process?.error) snapshot.error = process.error.message;
    if (this.transaction) snapshot.transaction = this.transaction;
    return snapshot;
  }
}
