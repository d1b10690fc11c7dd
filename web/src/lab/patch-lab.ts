// Patches in the lab: the engine's transaction applies or rolls back a patch on the running guest;
// this turns its journal into the step-by-step view, replays the journal one step at a time when
// asked to, and counts calls so they can be seen moving from old functions to new ones.
import { type JournalStep, undoStep } from '../../../engine/host/journal.ts';
import type { RedirectPlan } from '../../../engine/host/plan.ts';
import { applyWhenSafe, type SafeOutcome } from '../../../engine/host/timeline.ts';
import { RunBudget } from '../../../sandbox/run-budget.ts';
import { type AppliedTransaction, Hotpatcher, type Planner, type TransactionResult } from '../../../engine/host/transaction.ts';
import type { GuestProcess } from '../../../sandbox/process.ts';
import { type Sandbox } from '../../../sandbox/sandbox.ts';
import type { Arch } from '../../../core/arch.ts';
import { bytesToHex, hex } from '../../../core/hex.ts';
import type { GuestModule, ModuleSymbol } from '../../../core/module.ts';
import type { NamedRange } from '../../../core/symbolizer.ts';
import type { BuiltPatch } from '../../../toolchain/patch.ts';
import type { ConsistencyChoice } from '../../../core/timeline.ts';
import type { Transition } from '../../../engine/host/consistency.ts';
import { byteLine } from './byte-line.ts';
import type { CallCounter, DisassemblyLine, RedirectView, TransactionStepView, TransactionView } from './protocol.ts';

/**
 * Turns code bytes into lines: Capstone in the playground (disassembly.ts), the listings recorded at
 * build time in the embeds, which load no disassembler.
 */
export type CodeDisassembler = (arch: Arch, bytes: Uint8Array, address: number) => Promise<DisassemblyLine[]>;

/** What a transaction needs of a built patch: its image, and its functions to name and count. */
export type PatchBuild = Pick<BuiltPatch, 'image' | 'module' | 'sequence' | 'functions'>;

/** The engine's parts a transaction needs; absent from builds that do not have them yet. */
export type EngineParts = { planner: Planner; trampolineSize: number } | { planner?: undefined; reason: string };

/** Bytes of a step shown in the view (a mapped code section can be large). */
const DISPLAYED_BYTES = 96;
const CONTEXT_BYTES = 24;
const MAX_LINES = 24;

const STEP_TITLES: Record<string, string> = {
  identity: 'Check the base build', 'safe-point': 'Check that every thread is at a safe point',
  'map-code': 'Map the patch code', 'map-data': 'Map the patch data', 'map-trampolines': 'Map room for trampolines',
  slot: 'Fill a slot', trampoline: 'Write the trampoline', 'padding-jump': 'Write a jump into the padding',
  'entry-jump': 'Write the jump over the entry', 'flush-icache': 'Flush the instruction cache',
  restore: 'Put the earlier bytes back', unmap: 'Unmap the old patch',
  fixup: 'Move a thread', 'map-dispatch': 'Map the per-thread dispatchers', switch: 'A thread switches universe',
};
const CODE_STAGES = new Set(['map-code', 'trampoline', 'padding-jump', 'entry-jump', 'restore']);
/**
 * A transaction that waits for a safe point steps the guest for at most this long: the worker
 * handles no other request meanwhile (a pause among them). The steps also spend the guest's budget.
 */
export const WAIT_TIME_LIMIT_MS = 2000;

interface Stepping {
  steps: JournalStep[];
  position: number;
}

export class PatchLab {
  private hotpatcher: Hotpatcher | undefined;
  private stepping: Stepping | undefined;
  /** Base functions a patch has redirected at some point: entry address -> counts. */
  private readonly redirected = new Map<number, { key: string; count: number; viaTrampoline: number; original: Uint8Array }>();
  /** Entries currently redirected (their first bytes differ from the loaded ones). */
  private live = new Set<number>();
  private readonly trampolines = new Map<number, number>();
  /** Patch functions: address -> counter; a later patch mapped at the same place takes the address over. */
  private readonly patchFunctions = new Map<number, { key: string; count: number }>();
  private readonly patchCounters: { key: string; count: number }[] = [];
  /** Code the transactions brought in (new functions, trampolines), newest last. */
  private readonly newCode: NamedRange[] = [];

  constructor(private readonly process: GuestProcess, private readonly modules: readonly GuestModule[],
    private readonly engine: { planner: Planner; trampolineSize: number }, private readonly symbolize: (address: number) => string,
    private readonly disassembleAll: CodeDisassembler) {}

  private get sandbox(): Sandbox {
    return this.process.sandbox;
  }

  /** The transaction being stepped through; it stays open at its end so that steps can be looked at again. */
  get steppingThrough(): { position: number; total: number } | undefined {
    return this.stepping ? { position: this.stepping.position, total: this.stepping.steps.length } : undefined;
  }

  /** A transaction is half replayed: the guest and other transactions wait. */
  get midTransaction(): boolean {
    return this.stepping !== undefined && this.stepping.position < this.stepping.steps.length;
  }

  /** Ends a completed step-through (the guest runs on, or another transaction starts). */
  closeStepping(): void {
    if (this.stepping && !this.midTransaction) this.stepping = undefined;
  }

  activePatches(): { module: string; sequence: number }[] {
    if (!this.hotpatcher) return [];
    return this.modules.flatMap((m) => {
      const sequence = this.hotpatcher!.activeSequence(m.name);
      return sequence === undefined ? [] : [{ module: m.name, sequence }];
    });
  }

  private async patcher(): Promise<Hotpatcher> {
    this.hotpatcher ??= await Hotpatcher.create(this.sandbox, this.modules,
      { planner: this.engine.planner, trampolineSize: this.engine.trampolineSize, process: this.process });
    return this.hotpatcher;
  }

  /** The per-thread transition in progress or last run. */
  get transition(): Transition | undefined {
    return this.hotpatcher?.models.transition;
  }

  /** Removes a patch every thread has left after a reversal or a per-thread rollback (at a moment between runs). */
  async settle(): Promise<void> {
    const models = this.hotpatcher?.models;
    if (models?.transition?.removalDue) {
      await models.settle();
      this.refreshLive();
    }
  }

  /**
   * Applies a built patch. A transaction that must wait for a thread steps the guest one
   * instruction at a time (`stepGuest`) and tries again, as the engine's safe-point rules expect.
   */
  async apply(file: string, built: PatchBuild, stepwise: boolean, stepGuest: () => boolean,
    consistency: ConsistencyChoice = {}): Promise<TransactionView> {
    this.closeStepping();
    const outcome = await applyWhenSafe(await this.patcher(), { kind: 'apply', image: built.image }, stepGuest,
      { ...waitAllowance(), consistency });
    const view = await this.view('apply', file, outcome, built);
    if (outcome.result.status === 'applied') this.connect(outcome.result, built);
    return this.finish(view, outcome.result, stepwise);
  }

  async rollback(module: string, stepwise: boolean, stepGuest: () => boolean, consistency: ConsistencyChoice = {}): Promise<TransactionView> {
    this.closeStepping();
    const outcome = await applyWhenSafe(await this.patcher(), { kind: 'rollback', module }, stepGuest,
      { ...waitAllowance(), consistency });
    return this.finish(await this.view('rollback', module, outcome), outcome.result, stepwise);
  }

  private finish(view: TransactionView, result: TransactionResult, stepwise: boolean): TransactionView {
    if (result.status === 'applied' && stepwise) {
      // The engine applied the whole transaction; stepping replays its journal from the start.
      for (let i = result.steps.length - 1; i >= 0; i--) undoStep(this.sandbox, result.steps[i]!);
      this.stepping = { steps: result.steps, position: 0 };
      view.position = 0;
    }
    this.refreshLive();
    return view;
  }

  /** Moves through the journal of the transaction being stepped through. */
  step(to: 'next' | 'back' | 'end'): { position: number; total: number } {
    const stepping = this.stepping;
    if (!stepping) throw new Error('no transaction is being stepped through');
    if (to === 'back' && stepping.position > 0) {
      stepping.position--;
      undoStep(this.sandbox, stepping.steps[stepping.position]!);
    } else if (to !== 'back') {
      do {
        if (stepping.position >= stepping.steps.length) break;
        redoStep(this.sandbox, stepping.steps[stepping.position]!);
        stepping.position++;
      } while (to === 'end');
    }
    this.refreshLive();
    return { position: stepping.position, total: stepping.steps.length };
  }

  /** Hooks for the counters of what a transaction connected: redirected entries, trampolines, new functions. */
  private connect(result: AppliedTransaction, built: PatchBuild): void {
    for (const plan of result.plans) {
      if (!this.redirected.has(plan.target)) {
        const fn = this.functionAt(plan.target);
        const key = fn ? `${fn.module.name}!${fn.symbol.name}` : hex(plan.target);
        const counter = { key, count: 0, viaTrampoline: 0, original: this.loaded(plan.target, Math.min(fn?.symbol.size ?? 16, 16)) };
        this.redirected.set(plan.target, counter);
        this.sandbox.addHook({ type: 'code', begin: plan.target, end: plan.target,
          callback: () => { if (this.live.has(plan.target)) counter.count++; } });
      }
      if (plan.trampoline) {
        this.newCode.push({ name: `trampoline of ${this.symbolize(plan.target)}`, address: plan.trampoline.address,
          size: plan.trampoline.bytes.length });
      }
      if (plan.trampoline && !this.trampolines.has(plan.trampoline.address)) {
        this.trampolines.set(plan.trampoline.address, plan.target);
        const address = plan.trampoline.address;
        this.sandbox.addHook({ type: 'code', begin: address, end: address, callback: () => {
          const target = this.trampolines.get(address);
          const counter = target === undefined ? undefined : this.redirected.get(target);
          if (counter) counter.viaTrampoline++;
        } });
      }
    }
    const code = result.placement?.code;
    if (code === undefined) return;
    for (const fn of built.functions) {
      const address = code + fn.offset;
      const counter = { key: `${built.module} patch ${built.sequence}!${fn.name}`, count: 0 };
      this.patchCounters.push(counter);
      this.newCode.push({ name: counter.key, address, size: fn.size });
      const known = this.patchFunctions.has(address);
      this.patchFunctions.set(address, counter);
      if (!known) {
        this.sandbox.addHook({ type: 'code', begin: address, end: address,
          callback: () => { const c = this.patchFunctions.get(address); if (c) c.count++; } });
      }
    }
  }

  /** Functions and trampolines patches brought in, the latest at each address (it may be unmapped by now). */
  patchCode(): NamedRange[] {
    const latest = new Map(this.newCode.map((code) => [code.address, code]));
    return [...latest.values()];
  }

  /** The call counters, base functions corrected for redirected entries, then the patches' functions. */
  counters(calls: ReadonlyMap<string, number>): CallCounter[] {
    const byKey = new Map([...this.redirected.values()].map((r) => [r.key, r]));
    return [
      ...[...calls].map(([name, entries]) => {
        const r = byKey.get(name);
        return { name, calls: entries - (r?.count ?? 0) + (r?.viaTrampoline ?? 0), redirected: r?.count ?? 0, kind: 'base' as const };
      }),
      ...this.patchCounters.map((c) => ({ name: c.key, calls: c.count, redirected: 0, kind: 'patch' as const })),
    ];
  }

  private refreshLive(): void {
    this.live = new Set([...this.redirected].filter(([address, r]) => {
      try {
        return !equal(this.sandbox.read(address, r.original.length), r.original);
      } catch {
        return false;
      }
    }).map(([address]) => address));
  }

  private loaded(address: number, length: number): Uint8Array {
    const fn = this.functionAt(address);
    if (!fn) return new Uint8Array(0);
    return fn.module.code.slice(address - fn.module.base, address - fn.module.base + length);
  }

  private functionAt(address: number): { module: GuestModule; symbol: ModuleSymbol } | undefined {
    for (const module of this.modules) {
      const symbol = module.symbols.find((s) => s.kind === 'function' && address >= s.address && address < s.address + s.size);
      if (symbol) return { module, symbol };
    }
    return undefined;
  }

  private async view(action: 'apply' | 'rollback', subject: string, { result, wait }: SafeOutcome,
    built?: PatchBuild): Promise<TransactionView> {
    const base = { action, subject, steps: [], redirects: [], position: 0,
      ...(wait ? { wait: { message: wait.message, instructions: wait.steppedInstructions } } : {}) };
    if (result.status === 'refused') return { ...base, status: 'refused', code: result.code, message: result.message };
    if (result.status === 'wait') {
      const why = { steps: 'the most steps allowed', 'time-limit': `${WAIT_TIME_LIMIT_MS / 1000} s`, 'instruction-limit': 'its steps',
        ended: 'the program ended', guest: 'the guest could not be stepped further' }[wait?.gaveUp ?? 'steps'];
      return { ...base, status: 'waited-too-long',
        message: `${result.message}; still waiting after ${wait?.steppedInstructions ?? 0} instructions (${why})` };
    }
    const steps = await Promise.all(result.steps.map((step, i) => this.stepView(result.steps, i)));
    // Per thread, the threads that switched at the transaction's moment are its last steps; the
    // others switch later, each shown in its lane and in the transition's steps.
    for (const event of result.transition?.events ?? []) {
      steps.push({ step: steps.length + 1, action: 'note', stage: 'switch', title: STEP_TITLES.switch!,
        explanation: `thread ${event.thread} switches to the ${event.to} universe at the transaction's moment: no patched function ` +
          'is on its stack', address: 0, size: 0, before: '', after: '' });
    }
    const redirects = result.plans.map((plan) => this.redirectView(plan, result, built));
    return { ...base, status: 'applied', module: result.module, sequence: result.sequence, previous: result.previous,
      steps, redirects, position: steps.length, consistency: result.consistency ?? 'entry' };
  }

  private redirectView(plan: RedirectPlan, result: AppliedTransaction, built: PatchBuild | undefined): RedirectView {
    const offset = result.placement ? plan.replacement - result.placement.code : -1;
    const fn = built?.functions.find((f) => f.offset === offset);
    const jump = result.steps.find((s) => s.stage === 'entry-jump' && s.address === plan.target);
    return {
      mode: plan.mode, target: plan.target, targetName: this.symbolize(plan.target), replacement: plan.replacement,
      replacementName: fn && built ? `${built.module} patch ${built.sequence}!${fn.name}` : hex(plan.replacement),
      form: plan.form, overwritten: plan.overwritten.length,
      ...(plan.trampoline ? { trampoline: plan.trampoline.address,
        resumesAt: Math.max(...plan.displaced.map((d) => d.address + d.length)) } : {}),
      liveAtStep: jump?.step ?? 0,
    };
  }

  private async stepView(steps: JournalStep[], index: number): Promise<TransactionStepView> {
    const step = steps[index]!;
    const view: TransactionStepView = {
      step: step.step, action: step.action, stage: step.stage, title: STEP_TITLES[step.stage] ?? step.stage,
      explanation: step.explanation, address: step.address, size: step.size,
      before: bytesToHex(step.before.subarray(0, DISPLAYED_BYTES)), after: bytesToHex(step.after.subarray(0, DISPLAYED_BYTES)),
    };
    if (CODE_STAGES.has(step.stage) && step.action !== 'unmap') {
      const code = await this.codeAround(steps, index);
      if (code) view.code = code;
    }
    return view;
  }

  /** Disassembly of the bytes a step wrote, with some of the code after them, as it was before and after the step. */
  private async codeAround(steps: JournalStep[], index: number): Promise<TransactionStepView['code']> {
    const step = steps[index]!;
    const arch = this.sandbox.arch;
    if (step.action === 'map') {
      const after = await this.disassembleAll(arch, step.after.subarray(0, 256), step.address);
      return { before: [], after: after.slice(0, MAX_LINES), changed: after.slice(0, MAX_LINES).map((_, i) => i) };
    }
    const fn = this.functionAt(step.address) ?? this.functionAt(step.address + step.size);
    const end = Math.max(step.address + step.size, Math.min(step.address + step.size + CONTEXT_BYTES,
      fn ? fn.symbol.address + fn.symbol.size : step.address + step.size));
    let now: Uint8Array;
    try {
      now = this.sandbox.read(step.address, end - step.address);
    } catch {
      return undefined;
    }
    // Memory as it was right after this step: later steps' writes taken back out.
    const after = now.slice();
    for (let k = steps.length - 1; k > index; k--) {
      if (steps[k]!.action === 'write') overlay(after, step.address, steps[k]!.address, steps[k]!.before);
    }
    const before = after.slice();
    overlay(before, step.address, step.address, step.before);
    const [linesBefore, wholeAfter] = await Promise.all([
      this.disassembleAll(arch, before, step.address), this.disassembleAll(arch, after, step.address)]);
    const linesAfter = await this.realigned(linesBefore, after, step) ?? wholeAfter;
    const changed = linesAfter.map((l, i) => (l.address < step.address + step.size ? i : -1)).filter((i) => i >= 0);
    // A trampoline is written into fresh, zeroed memory: decoding those zeroes would show code that never was.
    const fresh = step.stage === 'trampoline' && step.before.every((b) => b === 0);
    return { before: fresh ? [] : linesBefore.slice(0, MAX_LINES), after: linesAfter.slice(0, MAX_LINES), changed };
  }

  /**
   * The code after a write whose instructions end inside an old instruction (a 5-byte jmp over a 3-byte
   * and a 4-byte one): the written instructions, the old instruction's leftover bytes as data (nothing
   * runs them), then the code from the next old boundary on. Decoded in one piece, the leftover would
   * swallow the instructions after it. Undefined when the written bytes are not whole instructions.
   */
  private async realigned(linesBefore: DisassemblyLine[], after: Uint8Array, step: JournalStep): Promise<DisassemblyLine[] | undefined> {
    const writtenEnd = step.address + step.size;
    const resume = linesBefore.find((l) => l.address >= writtenEnd)?.address;
    if (step.action !== 'write' || resume === undefined || resume === writtenEnd) return undefined;
    const arch = this.sandbox.arch;
    const written = await this.disassembleAll(arch, after.subarray(0, step.size), step.address);
    if (written.some((l) => l.undecodable)) return undefined;
    const leftover = after.subarray(step.size, resume - step.address);
    const rest = await this.disassembleAll(arch, after.subarray(resume - step.address), resume);
    return [...written, byteLine(writtenEnd, leftover), ...rest];
  }
}

function waitAllowance(): { budget: RunBudget } {
  return { budget: new RunBudget({ timeLimitMs: WAIT_TIME_LIMIT_MS }) };
}

/** Puts `source` (bytes of `address`) over the part of `bytes` (a copy of memory from `start`) they cover. */
function overlay(bytes: Uint8Array, start: number, address: number, source: Uint8Array): void {
  for (let i = 0; i < source.length; i++) {
    const at = address + i - start;
    if (at >= 0 && at < bytes.length) bytes[at] = source[i]!;
  }
}

/** Does a journal step again (the engine's journal only undoes). */
function redoStep(sandbox: Sandbox, step: JournalStep): void {
  switch (step.action) {
    case 'write': sandbox.write(step.address, step.after); break;
    case 'map':
      sandbox.map(step.address, step.size, step.prot!);
      if (step.after.length > 0) sandbox.write(step.address, step.after);
      break;
    case 'unmap': sandbox.unmap(step.address, step.size); break;
    case 'note': break;
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
