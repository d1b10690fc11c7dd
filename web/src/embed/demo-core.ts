// One scenario, live: the guest process on a sandbox CPU, the hotpatch transactions of the example's
// timeline, and journals that can be walked one step at a time. No DOM and no messaging, so the
// same code runs in the embed's worker and, on real Unicorn, in Node (tests and the build step that
// records the disassembly the embed shows).
import type { JournalStep } from '../../../engine/host/journal.ts';
import { type AppliedTransaction, Hotpatcher, type Planner, type TransactionResult } from '../../../engine/host/transaction.ts';
import { GuestProcess } from '../../../sandbox/process.ts';
import { type Arch, type HookHandle, Prot, type Sandbox, hex } from '../../../sandbox/sandbox.ts';
import type { GuestModule } from '../../../toolchain/module.ts';
import { fromHex, toHex } from '../lab/hex.ts';
import { JournalStepper } from '../lab/journal-stepper.ts';
import type { CpuProvider, SliceEnd } from '../lab/lab-core.ts';
import type { CpuStatus, DisassemblyLine, RunState } from '../lab/protocol.ts';
import type { RedirectDrawing } from '../views/flow-diagram.ts';
import type { DemoSnapshot, NextEvent, StepView, TransactionView } from './demo-protocol.ts';
import type { Disassembler } from './instruction-table.ts';
import { guestModule, type Scenario, type ScenarioMoment, type ScenarioPatch } from './scenario.ts';

/** How patches are planned on this platform; absent (with the reason) when they cannot be. */
export type PatchingProvider =
  | { planner: Planner; trampolineSize: (arch: Arch) => Promise<number> }
  | { planner?: undefined; reason: string };

export interface DemoDependencies {
  cpu: CpuProvider;
  patching: PatchingProvider;
  disassemble: Disassembler;
}

/** Bytes of a step shown in the step view; a mapped page is mostly zeroes. */
export const MAX_SHOWN_BYTES = 64;
/** A transaction that must wait steps the guest at most this many instructions to a safe point. */
const MAX_WAIT_STEPS = 100_000;
const LINES_BEFORE = 4;
const LINES_AFTER = 9;

interface CodeRange { name: string; address: number; size: number }

/** A patch the demo has applied: where its functions went, for listings and call counters. */
interface LivePatch {
  file: string;
  module: string;
  sequence: number;
  functions: CodeRange[];
  /** Hook trampolines: the displaced instructions and the jump back into the original. */
  trampolines: CodeRange[];
  regions: { address: number; size: number }[];
  redirects: RedirectDrawing[];
  hooks: HookHandle[];
  /** The patch this one replaced: live again when this one is rolled back. */
  previous?: LivePatch;
}

interface Stepping {
  view: TransactionView;
  stepper: JournalStepper;
  /** Which step makes each redirect live (apply) or takes it away (rollback). */
  switchSteps: number[];
}

export function describeMoment(at: ScenarioMoment): string {
  if ('afterInstructions' in at) return `after ${at.afterInstructions.toLocaleString('en-US')} instructions`;
  const calls = `after ${at.afterCalls} call${at.afterCalls === 1 ? '' : 's'} of ${at.of}`;
  return at.thenInstructions ? `${calls} and ${at.thenInstructions} more instructions` : calls;
}

export class DemoCore {
  readonly arch: Arch;
  private readonly modules: GuestModule[];
  private process: GuestProcess | undefined;
  private hotpatcher: Hotpatcher | undefined;
  private live: LivePatch[] = [];
  private readonly patchCalls = new Map<string, number>();
  private nextEvent = 0;
  private transactionCount = 0;
  private stepping: Stepping | undefined;
  private lastTransaction: TransactionView | undefined;
  private note: string | undefined;
  private patchingReason: string | undefined;
  /** Why this architecture cannot run here, when the CPU lacks it. */
  private cpuReason: string | undefined;

  constructor(readonly scenario: Scenario, private readonly deps: DemoDependencies) {
    this.arch = scenario.arch;
    this.modules = scenario.modules.map((m) => guestModule(m, scenario.arch));
    this.patchingReason = deps.patching.planner ? undefined : deps.patching.reason;
  }

  get cpuStatus(): CpuStatus {
    const cpu = this.deps.cpu;
    if (this.cpuReason) return { available: false, reason: this.cpuReason };
    return cpu.create ? { available: true, backend: cpu.backend } : { available: false, reason: cpu.reason };
  }

  /** A fresh guest at its entry point, no patch applied, the timeline from its start. */
  async reset(): Promise<void> {
    this.process?.close();
    this.process = undefined;
    this.hotpatcher = undefined;
    this.live = [];
    this.patchCalls.clear();
    this.nextEvent = 0;
    this.stepping = undefined;
    this.lastTransaction = undefined;
    this.note = undefined;
    if (!this.deps.cpu.create) return;
    let sandbox: Sandbox;
    try {
      sandbox = this.deps.cpu.create(this.arch);
    } catch (error) {
      // A CPU without this architecture: the scenario is shown, not run.
      this.cpuReason = `${error instanceof Error ? error.message : String(error)}; the program is shown but cannot run here`;
      return;
    }
    const process = new GuestProcess(sandbox, { modules: this.modules });
    this.process = process;
    const patching = this.deps.patching;
    if (!patching.planner) return;
    let trampolineSize: number;
    try {
      trampolineSize = await patching.trampolineSize(this.arch);
    } catch (error) {
      // No planner for this architecture: the program runs, patches cannot be applied.
      this.patchingReason = error instanceof Error ? error.message : String(error);
      return;
    }
    this.hotpatcher = await Hotpatcher.create(process.sandbox, this.modules, { planner: patching.planner, trampolineSize });
  }

  get state(): RunState {
    return this.process?.state ?? 'ready';
  }

  /** Whether the guest may run now (not finished, no transaction half-way through its steps). */
  get canRun(): boolean {
    return this.process !== undefined && !this.process.finished;
  }

  get guest(): GuestProcess | undefined {
    return this.process;
  }

  setNote(note: string | undefined): void {
    this.note = note;
  }

  /** Runs at most `maxInstructions`; a half-stepped transaction is completed first. */
  runSlice(maxInstructions: number, timeLimitMs = 0): SliceEnd {
    const process = this.process;
    if (!process || process.finished) return process?.state === 'failed' ? 'failed' : 'exited';
    this.finishTransaction();
    const outcome = process.run({ maxInstructions, timeLimitMs });
    if (outcome.state === 'exited') { this.note = `the program exited with code ${process.io.exitCode}`; return 'exited'; }
    if (outcome.state === 'failed') { this.note = process.error?.message; return 'failed'; }
    return outcome.reason === 'stopped' ? 'stopped' : 'running';
  }

  step(): SliceEnd {
    const end = this.runSlice(1);
    if (end === 'running') this.note = 'stepped one instruction';
    return end;
  }

  // ---- the timeline

  private eventName(index: number): NextEvent | undefined {
    const event = this.scenario.timeline[index];
    if (!event) return undefined;
    const patch = event.patch === undefined ? undefined : this.scenario.patches[event.patch];
    return {
      index, kind: patch ? 'apply' : 'rollback', name: patch ? patch.file : event.rollback ?? '',
      moment: describeMoment(event.at), expect: event.expect, ...(event.note ? { note: event.note } : {}),
    };
  }

  get next(): NextEvent | undefined {
    return this.eventName(this.nextEvent);
  }

  // ---- transactions

  private patchingBlocked(): string | undefined {
    if (!this.process) return this.cpuStatus.available ? 'the program is not loaded' : (this.cpuStatus as { reason: string }).reason;
    return this.patchingReason;
  }

  /**
   * Applies a patch: the one named, else the next apply of the timeline. Stepwise, memory is put
   * back as before the transaction and each `stepTransaction(1)` writes one more step.
   */
  async apply(patchFile: string | undefined, stepwise: boolean): Promise<TransactionView> {
    this.finishTransaction();
    const index = patchFile === undefined
      ? this.scenario.timeline.findIndex((e, i) => i >= this.nextEvent && e.patch !== undefined)
      : this.scenario.patches.findIndex((p) => p.file === patchFile);
    const patch = patchFile === undefined ? this.scenario.patches[this.scenario.timeline[index]?.patch ?? -1]
      : this.scenario.patches[index];
    if (!patch) {
      return this.settle(this.refusal('apply', patchFile ?? '', patchFile === undefined
        ? 'the example has no more patches to apply' : `the example has no patch "${patchFile}"`));
    }
    const blocked = this.patchingBlocked();
    if (blocked) return this.settle(this.refusal('apply', patch.file, blocked));
    if (patchFile === undefined) this.nextEvent = index + 1;
    else if (this.scenario.timeline[this.nextEvent]?.patch === index) this.nextEvent++;
    const image = fromHex(patch.image);
    return this.transact('apply', patch.file, () => this.hotpatcher!.apply(image), stepwise, patch);
  }

  /** Rolls back the newest active patch (or the module's). */
  async rollback(module: string | undefined, stepwise: boolean): Promise<TransactionView> {
    this.finishTransaction();
    const target = module ?? this.live.at(-1)?.module ?? this.scenario.patches[0]?.module ?? '';
    const blocked = this.patchingBlocked();
    if (blocked) return this.settle(this.refusal('rollback', target, blocked));
    const next = this.scenario.timeline[this.nextEvent];
    if (next?.rollback === target) this.nextEvent++;
    return this.transact('rollback', target, () => this.hotpatcher!.rollback(target), stepwise);
  }

  private refusal(action: 'apply' | 'rollback', name: string, message: string): TransactionView {
    return { id: ++this.transactionCount, action, name, status: 'refused', message, steps: [], position: 0, redirects: [] };
  }

  private settle(view: TransactionView): TransactionView {
    this.lastTransaction = view;
    return view;
  }

  /** Runs a transaction, stepping the guest to a safe point when it has to wait. */
  private async transact(action: 'apply' | 'rollback', name: string, attempt: () => Promise<TransactionResult>,
    stepwise: boolean, patch?: ScenarioPatch): Promise<TransactionView> {
    const process = this.process!;
    let result = await attempt();
    let waited: string | undefined;
    if (result.status === 'wait') {
      const first = result.message;
      let stepped = 0;
      while (result.status === 'wait' && stepped < MAX_WAIT_STEPS && !process.finished) {
        process.run({ maxInstructions: 1 });
        stepped++;
        result = await attempt();
      }
      waited = `${first}; the program ran ${stepped} more instruction${stepped === 1 ? '' : 's'} to ${process.symbolize(process.pc)} first`;
    }
    const id = ++this.transactionCount;
    if (result.status !== 'applied') {
      const view: TransactionView = { id, action, name, status: result.status, message: result.message,
        ...(result.status === 'refused' ? { code: result.code } : {}), ...(waited ? { waited } : {}),
        steps: [], position: 0, redirects: [] };
      return this.settle(view);
    }
    const removed = action === 'rollback' ? this.live.findLast((p) => p.module === name) : undefined;
    const added = action === 'apply' ? this.livePatch(patch!, result) : undefined;
    const replaced = action === 'apply' ? this.live.findLast((p) => p.module === added!.module) : undefined;
    if (removed) {
      this.forget(removed);
      // Rolling back a replacement brings the patch it replaced back, at the same addresses.
      const back = removed.previous;
      if (back && back.sequence === result.sequence) {
        back.hooks = this.countCalls(back.functions);
        this.live.push(back);
      }
    }
    if (replaced) this.forget(replaced);
    if (added) {
      if (replaced) added.previous = replaced;
      this.live.push(added);
    }
    const drawings = (added ?? removed)?.redirects ?? [];
    const view: TransactionView = {
      id, action, name, status: 'applied', message: this.summary(result, added, removed), ...(waited ? { waited } : {}),
      steps: [], position: result.steps.length, redirects: drawings,
    };
    const stepper = new JournalStepper(process.sandbox, result.steps);
    const switchSteps = drawings.map((d) => this.switchStep(result.steps, d.target, action));
    stepper.rewind();
    for (const step of result.steps) view.steps.push(await this.stepView(stepper, step));
    this.stepping = { view, stepper, switchSteps };
    if (stepwise) stepper.rewind();
    this.redraw();
    if (!stepwise) this.stepping = undefined;
    return this.settle(view);
  }

  private summary(result: AppliedTransaction, added: LivePatch | undefined, removed: LivePatch | undefined): string {
    const count = `${result.steps.length} step${result.steps.length === 1 ? '' : 's'}`;
    if (added) {
      const names = added.redirects.map((r) => `${r.targetName} -> ${r.replacementName}`).join(', ');
      return `${added.file} (sequence ${added.sequence}) applied in ${count}: ${names}` +
        (result.previous !== null ? `; it replaces sequence ${result.previous}` : '');
    }
    return `${removed?.file ?? result.module} rolled back in ${count}: ` +
      (result.sequence === null ? 'the original code runs again' : `sequence ${result.sequence} is live again`);
  }

  /** The journal step that switches a function over: its entry jump, or (rollback) the restore of its entry. */
  private switchStep(steps: readonly JournalStep[], target: number, action: 'apply' | 'rollback'): number {
    const index = steps.findIndex((s) => s.action === 'write' && s.address <= target && target < s.address + s.size &&
      (action === 'rollback' ? s.stage === 'restore' : s.stage === 'entry-jump'));
    return index < 0 ? steps.length : index + 1;
  }

  private livePatch(patch: ScenarioPatch, result: AppliedTransaction): LivePatch {
    const code = result.placement?.code ?? 0;
    const stem = patch.file.replace(/\.s$/, '');
    const functions = patch.functions.map((f) => ({ name: `${stem}!${f.name}`, address: code + f.offset, size: f.size }));
    const process = this.process!;
    for (const fn of functions) this.patchCalls.set(fn.name, 0);
    const functionName = (address: number) => functions.find((f) => f.address === address)?.name ?? hex(address);
    const redirects = result.plans.map((plan): RedirectDrawing => ({
      mode: plan.mode, targetName: process.symbolize(plan.target), target: plan.target, form: plan.form,
      replacementName: functionName(plan.replacement), replacement: plan.replacement, overwritten: plan.overwritten.length,
      ...(plan.trampoline ? { trampoline: plan.trampoline.address } : {}), live: true,
    }));
    const trampolines = result.plans.flatMap((plan) => plan.trampoline
      ? [{ name: `trampoline of ${process.symbolize(plan.target)}`, address: plan.trampoline.address, size: plan.trampoline.bytes.length }]
      : []);
    const placement = result.placement;
    const regions = placement ? [{ address: placement.code, size: placement.size }] : [];
    return { file: patch.file, module: result.module, sequence: result.sequence!, functions, trampolines, regions, redirects,
      hooks: this.countCalls(functions) };
  }

  /** Counts entries into a patch's functions (they are not the modules', so the process does not). */
  private countCalls(functions: readonly CodeRange[]): HookHandle[] {
    return functions.map((fn) => this.process!.sandbox.addHook({ type: 'code', begin: fn.address, end: fn.address,
      callback: () => this.patchCalls.set(fn.name, (this.patchCalls.get(fn.name) ?? 0) + 1) }));
  }

  private forget(patch: LivePatch): void {
    for (const hook of patch.hooks) this.process!.sandbox.removeHook(hook);
    this.live = this.live.filter((p) => p !== patch);
  }

  /** Writes the step and describes it, with listings of code before and after. */
  private async stepView(stepper: JournalStepper, step: JournalStep): Promise<StepView> {
    const range = this.listingRange(step);
    const read = () => range ? this.readCode(range.address, range.size) : undefined;
    const before = range ? await this.list(range.address, step.action === 'map' ? new Uint8Array(0) : read()) : undefined;
    stepper.forward();
    const after = range ? await this.list(range.address, step.action === 'unmap' ? new Uint8Array(0) : read()) : undefined;
    return {
      step: step.step, action: step.action, stage: step.stage, address: step.address, size: step.size,
      explanation: step.explanation,
      before: toHex(step.before.subarray(0, MAX_SHOWN_BYTES)), after: toHex(step.after.subarray(0, MAX_SHOWN_BYTES)),
      place: step.action === 'note' ? '' : this.place(step.address),
      ...(before && after ? { listing: { before, after } } : {}),
    };
  }

  /** The code a step concerns: the function around a write, or the code a map brings in or an unmap takes away. */
  private listingRange(step: JournalStep): CodeRange | undefined {
    if (step.action === 'note') return undefined;
    if (step.action === 'map' || step.action === 'unmap') {
      if (!(step.prot! & Prot.EXEC)) return undefined;
      const contents = step.action === 'map' ? step.after : step.before;
      const used = contents.length - trailingZeroes(contents);
      return used > 0 ? { name: '', address: step.address, size: Math.min(used, 4096) } : undefined;
    }
    const region = this.process!.sandbox.regions().find((r) => r.address <= step.address && step.address < r.address + r.size);
    if (!region || !(region.prot & Prot.EXEC)) return undefined;
    const fn = this.functionAt(step.address) ?? this.functionAt(step.address + step.size);
    if (!fn) return { name: '', address: step.address, size: step.size };
    const start = Math.min(fn.address, step.address);
    return { name: fn.name, address: start, size: Math.max(fn.address + fn.size, step.address + step.size) - start };
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

  private async list(address: number, bytes: Uint8Array | undefined): Promise<DisassemblyLine[]> {
    if (!bytes || bytes.length === 0) return [];
    const lines = await this.deps.disassemble(this.arch, bytes, address);
    for (const line of lines) {
      const label = this.labelAt(line.address);
      if (label) line.label = label;
      line.operands = this.nameTarget(line.operands);
    }
    return lines;
  }

  /** Steps through the transaction being stepped: one journal step forward or back. */
  stepTransaction(direction: 1 | -1): TransactionView | undefined {
    const stepping = this.stepping;
    if (!stepping) return undefined;
    if (direction === 1) stepping.stepper.forward(); else stepping.stepper.back();
    this.redraw();
    if (stepping.stepper.complete && direction === 1) this.stepping = undefined;
    return stepping.view;
  }

  /** Writes the rest of a transaction being stepped through. */
  finishTransaction(): void {
    const stepping = this.stepping;
    if (!stepping) return;
    stepping.stepper.finish();
    this.redraw();
    this.stepping = undefined;
  }

  get steppingTransaction(): boolean {
    return this.stepping !== undefined;
  }

  private redraw(): void {
    const stepping = this.stepping;
    if (!stepping) return;
    const { view, stepper, switchSteps } = stepping;
    view.position = stepper.position;
    view.redirects = view.redirects.map((r, i) => ({ ...r,
      live: view.action === 'apply' ? stepper.position >= switchSteps[i]! : stepper.position < switchSteps[i]! }));
  }

  // ---- what the views show

  /** Why patches cannot be applied here (no planner for the architecture, no CPU), if they cannot. */
  get patchingUnavailable(): string | undefined {
    return this.patchingBlocked();
  }

  get activePatches(): { module: string; sequence: number; file: string }[] {
    return this.live.map((p) => ({ module: p.module, sequence: p.sequence, file: p.file }));
  }

  /** Lists every function, base and patch, as it is now (the build step records what this decodes). */
  async listEverything(): Promise<void> {
    const ranges: CodeRange[] = [...this.modules.flatMap((m) => m.symbols.filter((s) => s.kind === 'function')
      .map((s) => ({ name: s.name, address: s.address, size: s.size }))), ...this.live.flatMap((p) => [...p.functions, ...p.trampolines])];
    for (const range of ranges) await this.list(range.address, this.readCode(range.address, range.size));
  }

  private functionAt(address: number): CodeRange | undefined {
    for (const module of this.modules) {
      const s = module.symbols.find((sym) => sym.kind === 'function' && address >= sym.address && address < sym.address + sym.size);
      if (s) return { name: `${module.name}!${s.name}`, address: s.address, size: s.size };
    }
    for (const patch of this.live) {
      const f = [...patch.functions, ...patch.trampolines].find((fn) => address >= fn.address && address < fn.address + fn.size);
      if (f) return f;
    }
    return undefined;
  }

  private labelAt(address: number): string | undefined {
    const fn = this.functionAt(address);
    return fn && fn.address === address ? fn.name : undefined;
  }

  place(address: number): string {
    const fn = this.functionAt(address);
    if (fn) return address === fn.address ? fn.name : `${fn.name}+${hex(address - fn.address)}`;
    for (const patch of this.live) {
      const region = patch.regions.find((r) => address >= r.address && address < r.address + r.size);
      if (region) return `${patch.file.replace(/\.s$/, '')} memory+${hex(address - region.address)}`;
    }
    return this.hotpatcher?.symbolize(address) ?? hex(address);
  }

  /** "call 0x4000c7" reads "call 0x4000c7 <pricing!price_with_tax>". */
  private nameTarget(operands: string): string {
    const target = /^#?(0x[0-9a-f]+)$/.exec(operands.trim());
    if (!target) return operands;
    const fn = this.functionAt(Number(target[1]));
    return fn ? `${operands} <${this.place(Number(target[1]))}>` : operands;
  }

  /** The function (or trampoline) around pc; nothing where no code of the program is (the exit stub). */
  private async disassemblyAround(pc: number): Promise<DisassemblyLine[]> {
    const fn = this.functionAt(pc);
    if (!fn) return [];
    const lines = await this.list(fn.address, this.readCode(fn.address, fn.size));
    const at = Math.max(0, lines.findIndex((l) => l.address >= pc));
    return lines.slice(Math.max(0, at - LINES_BEFORE), at + LINES_AFTER);
  }

  /** The entry function's first instructions, for the view before anything runs. */
  private entryAddress(): number {
    const entry = this.modules.find((m) => m.entry)?.entry;
    for (const module of this.modules) {
      const s = module.symbols.find((sym) => sym.name === entry);
      if (s) return s.address;
    }
    return this.modules[0]?.base ?? 0;
  }

  async snapshot(): Promise<Omit<DemoSnapshot, 'listingMisses'>> {
    const process = this.process;
    const pc = process?.pc ?? this.entryAddress();
    const calls = process ? [...process.calls] : [];
    const snapshot: Omit<DemoSnapshot, 'listingMisses'> = {
      state: this.state,
      cpu: this.cpuStatus,
      ...(this.patchingReason ? { patchingUnavailable: this.patchingReason } : {}),
      pc,
      where: process ? process.symbolize(pc) : this.place(pc),
      instructions: process?.instructions ?? 0,
      output: process?.io.text() ?? '',
      calls: [...calls, ...this.patchCalls].filter(([name, count]) => count > 0 || this.isShownFunction(name))
        .map(([name, count]) => ({ name, calls: count })),
      disassembly: await this.disassemblyAround(pc),
      active: this.activePatches,
      ...(this.note ? { note: this.note } : {}),
    };
    const next = this.next;
    if (next) snapshot.next = next;
    if (process?.state === 'exited') snapshot.exitCode = process.io.exitCode;
    if (process?.error) snapshot.error = process.error.message;
    if (this.lastTransaction) snapshot.transaction = this.lastTransaction;
    return snapshot;
  }

  /** Functions shown in the call counters before they are called: those a patch of the scenario redirects. */
  private isShownFunction(name: string): boolean {
    return this.patchCalls.has(name) || this.scenario.patches.some((p) =>
      p.redirects.some((r) => name === `${p.module}!${r.base}`));
  }
}

function trailingZeroes(bytes: Uint8Array): number {
  let count = 0;
  while (count < bytes.length && bytes[bytes.length - 1 - count] === 0) count++;
  return count;
}
