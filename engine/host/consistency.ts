// Consistency models: when does each guest thread see the new code?
//
//   entry      (Windows hotpatch) the transaction as transaction.ts makes it: it waits until no
//              thread stands inside the bytes it overwrites or on code it removes; calls already in
//              flight finish in the old code, new calls run the new code.
//   fixup      (Detours) the same writes, but a thread whose program counter is at an instruction the
//              entry jump overwrites is moved to that instruction's copy in the trampoline (and, on
//              rollback, a thread in the trampoline back to the original instruction), so nobody
//              waits. Refused, with the reason, where no copy exists (a replace-mode redirect has no
//              trampoline).
//   per-thread (Linux livepatch) every redirect goes through a dispatcher the engine emits next to
//              the patch: it reads the running thread's universe from a thread-local byte (the page
//              at THREAD_SLOT_ADDRESS, which the scheduler rewrites whenever a thread gets the CPU)
//              and jumps to the new function or, through a trampoline, to the old one. Each thread
//              starts in the old universe and switches to the new one on its own, at a safe moment:
//              when none of the patched functions is on its call stack (sandbox/call-stack.ts) and
//              its program counter is in none of them, checked when the transaction runs, at the end
//              of each slice (every thread) and at each of the thread's system calls. Until every
//              thread has switched, a thread that calls a patched pair runs both halves in one
//              universe. A transition that takes more than its budget is stalled: reported, reversed
//              (every thread goes back to the old universe the same way, then the patch is removed)
//              or forced (every thread switched at once, the risk named). A per-thread rollback runs
//              the same transition backwards and then removes the patch.
import { ARCH, pageCeil } from '../../core/arch.ts';
import { CONSISTENCY_MODELS, type ConsistencyChoice, type ConsistencyModel, DEFAULT_STALL_AFTER, type StallAction } from '../../core/timeline.ts';
import { hex } from '../../core/hex.ts';
import type { GuestProcess } from '../../sandbox/process.ts';
import { Prot } from '../../sandbox/sandbox.ts';
import type { GuestThreadRecord } from '../../sandbox/threads.ts';
import type { Engine } from './engine.ts';
import type { JournalStep } from './journal.ts';
import { explainPlan } from './plan-record.ts';
import { parsePatchImageWith } from './patch-image.ts';
import { choosePlacement } from './placement.ts';
import type { RedirectPlan } from './plan.ts';
import {
  type ActivePatch, type Planner, type PreparationContext, type PreparedApply, type PreparedRollback, prepareApply, prepareRollback, writeHazard,
} from './prepare.ts';
import { type GuestThread, type Hazard, describeUnsafeThread, findUnsafeThread } from './safe-point.ts';
import type { ApplyExtras } from './transaction.ts';
import type { RefusedTransaction, TransactionRefusalCode, TransactionResult } from './transaction-result.ts';

export type { ConsistencyModel, StallAction };
export { CONSISTENCY_MODELS };

/** The model of a transaction; per-thread: the instructions before a stall (DEFAULT_STALL_AFTER) and what a stall does. */
export type TransactionOptions = ConsistencyChoice;

export { DEFAULT_STALL_AFTER };

/** fixup: a thread moved between an original instruction and its copy in a trampoline. */
export interface ThreadMove {
  thread: string;
  from: number;
  to: number;
  /** Said to a person. */
  explanation: string;
}

export type Universe = 'old' | 'new';

/** One thread's switch of universe. */
export interface TransitionEvent {
  thread: string;
  to: Universe;
  /** The process's instruction count then. */
  at: number;
  when: 'transaction' | 'slice' | 'syscall' | 'created' | 'forced';
}

export type TransitionStatus = 'in-progress' | 'complete' | 'stalled' | 'forced' | 'reversed' | 'removed';

export interface TransitionReport {
  module: string;
  sequence: number;
  /** 'patch': old to new; 'unpatch': new to old (a rollback, or a reversal). */
  direction: 'patch' | 'unpatch';
  status: TransitionStatus;
  /** Each thread that has not ended: its universe, and what keeps it from switching. */
  threads: { thread: string; universe: Universe; waitingFor?: string }[];
  events: TransitionEvent[];
  /** Said to a person: a stall (who is stuck where), a forced transition's risk, a reversal. */
  message?: string;
}

/** What the models need from the hotpatcher. */
export interface ConsistencyHost {
  context: PreparationContext;
  process: GuestProcess | undefined;
  engine: Engine;
  active(module: string): ActivePatch | undefined;
  writeApply(prepared: PreparedApply, extras?: ApplyExtras): TransactionResult;
  writeRollback(prepared: PreparedRollback): TransactionResult;
  symbolize(address: number): string;
}

/** Bytes of one dispatcher slot: the stub, then (replace mode) the trampoline to the old body. */
const DISPATCHER_BYTES = 64;

interface Dispatch {
  fn: string;
  start: number;
  end: number;
  dispatcher: number;
  trampoline: number;
  replacement: number;
}

/** A per-thread patch: its dispatchers, its byte in the thread-local page. */
interface PerThreadPatch {
  module: string;
  sequence: number;
  slotIndex: number;
  region: { address: number; size: number };
  codeRegion: { address: number; size: number } | undefined;
  dispatches: Dispatch[];
}

function refused(code: TransactionRefusalCode, message: string): RefusedTransaction {
  return { status: 'refused', code, message };
}

export class ConsistencyModels {
  /** Plans of the patches applied with fixup, for their rollback. */
  private readonly fixupPlans = new Map<string, { sequence: number; plans: RedirectPlan[] }>();
  private readonly perThread = new Map<string, PerThreadPatch>();
  private nextSlot = 0;
  /** The per-thread transition in progress or last run. */
  transition: Transition | undefined;
  /** Told of each switch and of every change of a transition's status. */
  listener: ((report: TransitionReport, event?: TransitionEvent) => void) | undefined;

  constructor(private readonly host: ConsistencyHost) {}

  /** A refusal while a transition is in progress (only one at a time), for any transaction but its own module's. */
  blocking(module?: string): RefusedTransaction | undefined {
    const t = this.transition;
    if (!t || !t.unfinished) return undefined;
    void module;
    return refused('transition-in-progress', `a per-thread transition of ${t.patch.module} patch ${t.patch.sequence} is ` +
      `${t.status === 'stalled' ? 'stalled' : 'in progress'} (${t.describeWaiting()}); it must complete, be reversed or be forced first`);
  }

  /** True while a transition still has work for settle(): a reversal or rollback whose patch is to be removed. */
  get pending(): boolean {
    return this.transition?.removalDue === true || (this.transition?.unfinished ?? false);
  }

  async apply(imageBytes: Uint8Array, options: TransactionOptions): Promise<TransactionResult> {
    const process = this.host.process;
    if (!process) return refused('needs-process', `the ${options.consistency} model moves and switches threads: the hotpatcher needs the process`);
    return options.consistency === 'fixup' ? this.applyFixup(process, imageBytes) : this.applyPerThread(process, imageBytes, options);
  }

  async rollback(module: string, options: TransactionOptions): Promise<TransactionResult> {
    const process = this.host.process;
    if (!process) return refused('needs-process', `the ${options.consistency} model moves and switches threads: the hotpatcher needs the process`);
    return options.consistency === 'fixup' ? this.rollbackFixup(process, module) : this.rollbackPerThread(process, module, options);
  }

  // ---- fixup ----

  private async applyFixup(process: GuestProcess, imageBytes: Uint8Array): Promise<TransactionResult> {
    const { context } = this.host;
    const prepared = await prepareApply({ ...context, threads: () => [] }, imageBytes);
    if (prepared.status !== 'ready') return prepared;
    const threads = context.threads();
    const hazards = applyHazards(prepared);
    const moves: ThreadMove[] = [];
    for (const thread of threads) {
      const hazard = hazards.find((h) => h.kind === 'overwrite' && thread.pc >= h.start && thread.pc < h.end && !h.safe?.includes(thread.pc));
      if (!hazard) continue;
      const plan = prepared.plans.find((p) => thread.pc >= p.overwritten.address && thread.pc < p.overwritten.address + p.overwritten.length);
      const where = `thread ${thread.name} stands at ${hex(thread.pc)} (${this.host.symbolize(thread.pc)}), inside ${hazard.label}`;
      if (!plan) return refused('fixup-impossible', `${where}, outside the instructions the entry jump displaces: no copy of it exists to move the thread to`);
      if (!plan.trampoline) {
        return refused('fixup-impossible', `${where}, and the redirect is in replace mode: no trampoline holds a copy of the ` +
          'displaced instructions, so there is no equivalent instruction to move the thread to (a hook-mode redirect has one)');
      }
      const moved = explainPlan(plan).displaced.find((d) => d.address === thread.pc);
      if (moved?.relocatedAddress === undefined) {
        return refused('fixup-impossible', `${where}, not at the start of an instruction the trampoline holds a copy of`);
      }
      moves.push({ thread: thread.name, from: thread.pc, to: moved.relocatedAddress, explanation: `move thread ${thread.name} ` +
        `from ${hex(thread.pc)} (${this.host.symbolize(thread.pc)}, about to be overwritten) to ${hex(moved.relocatedAddress)}, ` +
        `the trampoline's copy of that instruction (${moved.relocation}); it goes on from there and jumps back into the old body` });
    }
    // What a move cannot help with (a thread on code about to be removed) waits, as under entry.
    const unsafe = unsafeAfterMoves(context, threads, moves, hazards);
    if (unsafe) return { status: 'wait', unsafe, message: describeUnsafeThread(unsafe, this.host.symbolize) };
    const result = this.host.writeApply({ ...prepared, threads }, moves.length === 0 ? undefined : {
      after: (journal) => { for (const m of moves) journal.note('fixup', m.explanation, m.to); }, regions: [],
    });
    if (result.status !== 'applied') return result;
    for (const m of moves) process.setThreadPc(m.thread, m.to);
    this.fixupPlans.set(result.module, { sequence: result.sequence!, plans: result.plans });
    return { ...result, consistency: 'fixup', moves };
  }

  private async rollbackFixup(process: GuestProcess, module: string): Promise<TransactionResult> {
    const { context } = this.host;
    const prepared = await prepareRollback({ ...context, threads: () => [] }, module);
    if (prepared.status !== 'ready') return prepared;
    const { active } = prepared;
    const plans = this.fixupPlans.get(module)?.sequence === active.sequence ? this.fixupPlans.get(module)!.plans : [];
    const threads = context.threads();
    const moves: ThreadMove[] = [];
    for (const thread of threads) {
      for (const plan of plans) {
        const t = plan.trampoline;
        if (!t || thread.pc < t.address || thread.pc >= t.address + t.bytes.length) continue;
        const copy = plan.displaced.find((d) => d.relocatedAddress === thread.pc);
        const last = plan.displaced.at(-1);
        const jumpBack = last?.relocatedAddress !== undefined ? last.relocatedAddress + (last.relocatedBytes?.length ?? 0) : undefined;
        const to = copy ? copy.address : thread.pc === jumpBack ? plan.overwritten.address + plan.overwritten.length : undefined;
        if (to === undefined) {
          return refused('fixup-impossible', `thread ${thread.name} stands at ${hex(thread.pc)} in the trampoline of ` +
            `${this.host.symbolize(plan.target)}, inside an instruction rewritten for the trampoline: no original instruction matches it`);
        }
        moves.push({ thread: thread.name, from: thread.pc, to, explanation: `move thread ${thread.name} from ${hex(thread.pc)} in the ` +
          `trampoline back to ${hex(to)} (${this.host.symbolize(to)}), the original instruction, whose bytes come back now` });
      }
    }
    const unsafe = unsafeAfterMoves(context, threads, moves, rollbackHazards(active, context));
    if (unsafe) return { status: 'wait', unsafe, message: describeUnsafeThread(unsafe, this.host.symbolize) };
    const result = this.host.writeRollback({ ...prepared, threads });
    if (result.status !== 'applied') return result;
    for (const m of moves) process.setThreadPc(m.thread, m.to);
    const steps = [...result.steps, ...moves.map((m, i): JournalStep => ({ step: result.steps.length + i + 1, action: 'note', stage: 'fixup',
      address: m.to, size: 0, before: new Uint8Array(0), after: new Uint8Array(0), explanation: m.explanation }))];
    return { ...result, steps, consistency: 'fixup', moves };
  }

  // ---- per-thread ----

  private async applyPerThread(process: GuestProcess, imageBytes: Uint8Array, options: TransactionOptions): Promise<TransactionResult> {
    const { context, engine } = this.host;
    const { sandbox } = context;
    const arch = sandbox.arch;
    const parsed = parsePatchImageWith(engine, imageBytes, arch);
    const loaded = parsed.ok ? context.modules.find((m) => m.module.name === parsed.image.module) : undefined;
    const targets = parsed.ok && loaded ? parsed.image.redirects.map((r) => loaded.symbols.get(r.base)) : [];
    if (!parsed.ok || !loaded || targets.some((t) => !t) || targets.length === 0) {
      // Whatever is wrong with the image, the preparation says it as it always does.
      const prepared = await prepareApply(context, imageBytes);
      if (prepared.status !== 'ready') return prepared;
      return refused('bad-image', 'a per-thread patch needs at least one redirect: nothing was written');
    }
    const slotBytes = DISPATCHER_BYTES + context.trampolineSize;
    const size = pageCeil(targets.length * slotBytes);
    const placement = choosePlacement(arch, sandbox.regions(), size, targets.map((t) => t!.address), loaded.module.base);
    if (!placement) return refused('no-space', `no free range of ${hex(size)} bytes is left in guest memory for the per-thread dispatchers`);
    const region = placement.address;
    const dispatches: Dispatch[] = [];
    const planner: Planner = async (request) => {
      const i = targets.findIndex((t) => t!.address === request.target.address);
      const dispatcher = region + i * slotBytes;
      const own = request.mode === 'replace' ? dispatcher + DISPATCHER_BYTES : request.trampolineAddress!;
      const result = await context.planner({ ...request, replacement: dispatcher, mode: 'hook', trampolineAddress: own });
      if (!result.ok) return result;
      // The plan is copied below: its sentences first (a plan from the engine's record has them made on demand).
      const plan = explainPlan(result.plan);
      const fn = targets[i]!;
      dispatches[i] = { fn: `${loaded.module.name}!${fn.name}`, start: fn.address, end: fn.address + fn.size, dispatcher,
        trampoline: plan.trampoline!.address, replacement: request.replacement };
      if (request.mode === 'hook') return { ok: true, plan: { ...plan, replacement: request.replacement } };
      // Replace mode: the trampoline to the old body lives with the dispatcher, written with it.
      const { trampoline, ...rest } = plan;
      trampolineBytes.set(i, trampoline!.bytes);
      return { ok: true, plan: { ...rest, mode: 'replace', replacement: request.replacement,
        steps: plan.steps.filter((s) => s.address < region || s.address >= region + size) } };
    };
    const trampolineBytes = new Map<number, Uint8Array>();
    // Reserved while the patch is placed and planned, so that the patch goes elsewhere.
    sandbox.map(region, size, Prot.NONE);
    let prepared: Awaited<ReturnType<typeof prepareApply>>;
    try {
      prepared = await prepareApply({ ...context, planner }, imageBytes);
    } finally {
      sandbox.unmap(region, size);
    }
    if (prepared.status !== 'ready') return prepared;
    const slotAddress = process.mapThreadSlot();
    const slotIndex = this.nextSlot++;
    const bytes = new Uint8Array(size);
    dispatches.forEach((d, i) => {
      bytes.set(dispatcherStub(arch, slotAddress + slotIndex, d.replacement, d.trampoline), d.dispatcher - region);
      const own = trampolineBytes.get(i);
      if (own) bytes.set(own, d.dispatcher + DISPATCHER_BYTES - region);
    });
    const label = `${loaded.module.name} patch ${prepared.image.sequence}`;
    const result = this.host.writeApply(prepared, {
      steps: (journal) => journal.map(region, size, Prot.READ | Prot.EXEC, bytes, 'map-dispatch',
        `map the ${label} per-thread dispatchers (${dispatches.length}): each reads the running thread's universe at ` +
        `${hex(slotAddress + slotIndex)} (a byte the scheduler rewrites at every thread switch) and jumps to the new function ` +
        'or, through a trampoline, to the old one'),
      regions: [{ kind: 'trampolines', address: region, size }],
    });
    if (result.status !== 'applied') return result;
    const patch: PerThreadPatch = {
      module: result.module, sequence: result.sequence!, slotIndex, region: { address: region, size }, dispatches,
      codeRegion: result.placement ? { address: result.placement.code, size: result.placement.size } : undefined,
    };
    this.perThread.set(patch.module, patch);
    const transition = this.start(process, patch, 'patch', options);
    return { ...result, consistency: 'per-thread', transition: transition.report() };
  }

  private async rollbackPerThread(process: GuestProcess, module: string, options: TransactionOptions): Promise<TransactionResult> {
    const active = this.host.active(module);
    const patch = this.perThread.get(module);
    if (!active) return refused('nothing-to-roll-back', `no patch is active for ${module}: there is nothing to roll back`);
    if (!patch || patch.sequence !== active.sequence) {
      return refused('not-per-thread', `${module} patch ${active.sequence} was not applied per thread: its redirects do not go ` +
        'through dispatchers, so threads cannot go back one by one; roll it back with entry or fixup');
    }
    const transition = this.start(process, patch, 'unpatch', options);
    await this.settle();
    const report = transition.report();
    return { status: 'applied', action: 'rollback', module, sequence: active.sequence, previous: active.sequence, steps: [], plans: [],
      consistency: 'per-thread', transition: report };
  }

  private start(process: GuestProcess, patch: PerThreadPatch, direction: 'patch' | 'unpatch', options: TransactionOptions): Transition {
    const transition = new Transition(process, patch, direction, options, (report, event) => this.listener?.(report, event));
    this.transition = transition;
    const scheduler = process.scheduler;
    // One byte per per-thread patch, 1 where the running thread is in the new universe: patches
    // whose transition is over are new for everyone.
    scheduler.slot = {
      address: process.mapThreadSlot(),
      value: (thread) => {
        const bytes = new Uint8Array(this.nextSlot).fill(1);
        const current = this.transition;
        if (current) bytes[current.patch.slotIndex] = current.universe(thread) === 'new' ? 1 : 0;
        return bytes;
      },
    };
    scheduler.checkpoint = (thread, when) => this.transition?.checkpoint(thread, when);
    transition.begin();
    return transition;
  }

  /**
   * Finishes what a transition left for a moment between runs: once every thread is back in the old
   * universe after a reversal or a per-thread rollback, the patch is rolled back (entry model: it
   * may wait for a thread on its code). Answers the rollback when it happened.
   */
  async settle(): Promise<TransactionResult | undefined> {
    const t = this.transition;
    if (!t?.removalDue) return undefined;
    const prepared = await prepareRollback(this.host.context, t.patch.module);
    if (prepared.status !== 'ready') return prepared.status === 'refused' ? (t.removalFailed(prepared.message), prepared) : undefined;
    const result = this.host.writeRollback(prepared);
    if (result.status === 'applied') {
      this.perThread.delete(t.patch.module);
      t.removed();
    }
    return result;
  }
}

/** A per-thread transition: each thread's universe, switched one thread at a time. */
export class Transition {
  status: TransitionStatus = 'in-progress';
  target: Universe;
  readonly events: TransitionEvent[] = [];
  private readonly universes = new Map<number, Universe>();
  /** When the transition (or its reversal) started, in the process's instructions. */
  private startedAt: number;
  private readonly stallAfter: number;
  private onStall: StallAction;
  message: string | undefined;
  removalDue = false;
  private direction: 'patch' | 'unpatch';
  private readonly waiting = new Map<number, string>();
  /** Until begin() has run, the transaction's own result reports the transition. */
  private begun = false;

  constructor(private readonly process: GuestProcess, readonly patch: PerThreadPatch, direction: 'patch' | 'unpatch',
    options: TransactionOptions, private readonly tell: (report: TransitionReport, event?: TransitionEvent) => void) {
    this.direction = direction;
    this.target = direction === 'patch' ? 'new' : 'old';
    this.startedAt = process.instructions ?? 0;
    this.stallAfter = options.stallAfter ?? DEFAULT_STALL_AFTER;
    this.onStall = options.onStall ?? 'report';
    const from: Universe = this.target === 'new' ? 'old' : 'new';
    for (const t of process.scheduler.threads) if (t.state !== 'exited') this.universes.set(t.id, from);
  }

  get unfinished(): boolean {
    return this.status === 'in-progress' || this.status === 'stalled';
  }

  /** A thread's universe; one created during the transition starts in the target universe (its stack is empty). */
  universe(thread: GuestThreadRecord): Universe {
    let u = this.universes.get(thread.id);
    if (u === undefined) {
      u = this.unfinished ? this.target : this.target;
      this.universes.set(thread.id, u);
      if (this.unfinished) this.record(thread, 'created');
    }
    return u;
  }

  /** Tries every thread now (the transaction's moment). */
  begin(): void {
    for (const t of this.process.scheduler.threads) if (t.state !== 'exited') this.tryThread(t, 'transaction', false);
    this.finishIfDone();
    this.process.scheduler.writeSlot();
    this.begun = true;
  }

  /** The end of a slice (every thread is tried) or a system call (the caller only, with its live registers). */
  checkpoint(thread: GuestThreadRecord, when: 'slice' | 'syscall'): void {
    if (!this.unfinished) return;
    if (when === 'slice') {
      for (const t of this.process.scheduler.threads) if (t.state !== 'exited') this.tryThread(t, 'slice', t === thread);
    } else {
      this.tryThread(thread, 'syscall', true);
    }
    this.finishIfDone();
    if (this.unfinished && (this.process.instructions ?? 0) - this.startedAt > this.stallAfter && this.status !== 'stalled') this.stall();
    this.process.scheduler.writeSlot();
  }

  private tryThread(thread: GuestThreadRecord, when: TransitionEvent['when'], live: boolean): void {
    if (this.universe(thread) === this.target) return;
    const blocker = this.blocker(thread, live);
    if (blocker) { this.waiting.set(thread.id, blocker); return; }
    this.waiting.delete(thread.id);
    this.universes.set(thread.id, this.target);
    this.record(thread, when);
  }

  /** What keeps a thread from switching: a patched function on its stack, or its pc in patched code. */
  private blocker(thread: GuestThreadRecord, live: boolean): string | undefined {
    const { pc, sp } = live ? this.liveRegisters() : this.process.threads().find((t) => t.id === thread.id)!;
    const frames = thread.calls.current(pc, sp);
    const patched = this.patch.dispatches;
    const onStack = frames.find((f) => patched.some((d) => d.start === f.start));
    if (onStack) return `${onStack.fn} is on its stack`;
    const inside = patched.find((d) => (pc >= d.start && pc < d.end)) ? this.process.symbolize(pc)
      : (pc >= this.patch.region.address && pc < this.patch.region.address + this.patch.region.size) ? 'a per-thread dispatcher'
        : this.patch.codeRegion && pc >= this.patch.codeRegion.address && pc < this.patch.codeRegion.address + this.patch.codeRegion.size
          ? 'the patch\'s new code' : undefined;
    return inside ? `it is executing ${inside}` : undefined;
  }

  private liveRegisters(): { pc: number; sp: number } {
    const { pc, sp } = ARCH[this.process.arch].registers;
    return { pc: Number(this.process.sandbox.readRegister(pc)), sp: Number(this.process.sandbox.readRegister(sp)) };
  }

  private record(thread: GuestThreadRecord, when: TransitionEvent['when']): void {
    const event: TransitionEvent = { thread: thread.name, to: this.universes.get(thread.id)!, at: this.process.instructions ?? 0, when };
    this.events.push(event);
    if (this.begun) this.tell(this.report(), event);
  }

  private finishIfDone(): void {
    if (!this.unfinished) return;
    const live = this.process.scheduler.threads.filter((t) => t.state !== 'exited');
    if (!live.every((t) => this.universe(t) === this.target)) return;
    if (this.target === 'new') {
      this.status = 'complete';
      this.message = `every thread runs ${this.patch.module} patch ${this.patch.sequence}: the transition is complete`;
    } else {
      this.status = this.direction === 'patch' ? 'reversed' : 'complete';
      this.message = `every thread is back in the old universe; ${this.patch.module} patch ${this.patch.sequence} is removed ` +
        'at the next moment between runs';
      this.removalDue = true;
    }
    if (this.begun) this.tell(this.report());
  }

  /** The transition took longer than its budget. */
  private stall(): void {
    this.status = 'stalled';
    const spent = (this.process.instructions ?? 0) - this.startedAt;
    this.message = `stalled: after ${spent.toLocaleString('en-US')} instructions (the budget is ` +
      `${this.stallAfter.toLocaleString('en-US')}) ${this.describeWaiting()}`;
    this.tell(this.report());
    if (this.onStall === 'reverse') this.reverse();
    else if (this.onStall === 'force') this.force();
  }

  /** Back to all-old: the threads that switched go back the same way; then the patch is removed. */
  reverse(): void {
    if (!this.unfinished || this.target === 'old') return;
    this.target = 'old';
    this.status = 'in-progress';
    // The reversal has a budget of its own; a reversal that stalls too is reported (or forced, by hand).
    this.startedAt = this.process.instructions ?? 0;
    this.onStall = 'report';
    this.message = `reversing: every thread goes back to the old universe at its next safe moment, then ${this.patch.module} ` +
      `patch ${this.patch.sequence} is removed`;
    this.tell(this.report());
    for (const t of this.process.scheduler.threads) if (t.state !== 'exited') this.tryThread(t, 'slice', t === this.process.scheduler.current);
    this.finishIfDone();
    this.process.scheduler.writeSlot();
  }

  /** Every thread switched now, whatever is on its stack; the risk is named. */
  force(): void {
    if (!this.unfinished) return;
    const risky = this.process.scheduler.threads.filter((t) => t.state !== 'exited' && this.universes.get(t.id) !== this.target)
      .map((t) => `thread ${t.name} (${this.waiting.get(t.id) ?? 'not yet checked'})`);
    for (const t of this.process.scheduler.threads) {
      if (t.state === 'exited' || this.universes.get(t.id) === this.target) continue;
      this.universes.set(t.id, this.target);
      this.record(t, 'forced');
    }
    this.status = 'forced';
    this.message = `forced: ${risky.join(', ')} switched to the ${this.target} universe with a patched function in progress; ` +
      `what it does from there mixes old and new code, the inconsistency the per-thread model exists to prevent`;
    if (this.target === 'old') this.removalDue = true;
    this.tell(this.report());
    this.process.scheduler.writeSlot();
  }

  removed(): void {
    this.status = 'removed';
    this.removalDue = false;
    this.message = `${this.patch.module} patch ${this.patch.sequence} removed: every thread runs the old code`;
    this.tell(this.report());
  }

  removalFailed(message: string): void {
    this.removalDue = false;
    this.message = `the removal of ${this.patch.module} patch ${this.patch.sequence} was refused: ${message}`;
    this.tell(this.report());
  }

  /** "t1 waits: app!encode is on its stack". */
  describeWaiting(): string {
    const waiting = this.process.scheduler.threads.filter((t) => t.state !== 'exited' && this.universes.get(t.id) !== this.target);
    if (waiting.length === 0) return 'every thread has switched';
    return waiting.map((t) => `thread ${t.name} is still in the ${this.universes.get(t.id)} universe` +
      (this.waiting.has(t.id) ? `: ${this.waiting.get(t.id)}` : '')).join('; ');
  }

  report(): TransitionReport {
    const threads = this.process.scheduler.threads.filter((t) => t.state !== 'exited').map((t) => {
      const entry: TransitionReport['threads'][number] = { thread: t.name, universe: this.universes.get(t.id) ?? this.target };
      if (this.waiting.has(t.id) && entry.universe !== this.target) entry.waitingFor = this.waiting.get(t.id)!;
      return entry;
    });
    return {
      module: this.patch.module, sequence: this.patch.sequence, direction: this.target === 'new' ? 'patch' : 'unpatch',
      status: this.status, threads, events: [...this.events], ...(this.message ? { message: this.message } : {}),
    };
  }
}

/**
 * The first thread still in the way once the moves are made: a moved thread stands at an instruction
 * of the code it will run (a trampoline's copy, or the original restored), so the bytes it left are
 * no hazard to it; the rest of the checks (code about to be removed, other threads) stay.
 */
function unsafeAfterMoves(context: PreparationContext, threads: GuestThread[], moves: ThreadMove[], hazards: Hazard[]) {
  const moved = (t: GuestThread) => moves.find((m) => m.thread === t.name);
  const still = threads.filter((t) => !moved(t));
  const others = hazards.filter((h) => h.kind !== 'overwrite' || !moves.some((m) => (m.from >= h.start && m.from < h.end) || (m.to >= h.start && m.to < h.end)));
  return findUnsafeThread(context.sandbox, still, hazards)
    ?? findUnsafeThread(context.sandbox, threads.filter(moved).map((t) => ({ ...t, pc: moved(t)!.to })), others);
}

/** The hazards of a prepared apply, as prepare.ts checks them. */
function applyHazards(prepared: PreparedApply): Hazard[] {
  const module = prepared.loaded.module.name;
  const hazards: Hazard[] = [...prepared.changing].map((w) => writeHazard(module, w));
  if (prepared.active) hazards.push(...removalHazards(prepared.active));
  return hazards;
}

function rollbackHazards(active: ActivePatch, context: PreparationContext): Hazard[] {
  const hazards: Hazard[] = active.touched.map((r) => {
    const fn = context.modules.flatMap((m) => m.module.symbols)
      .find((s) => s.kind === 'function' && r.address >= s.address && r.address < s.address + s.size);
    return { kind: 'overwrite' as const, start: r.address, end: r.address + r.length, safe: fn ? [fn.address] : [],
      label: `bytes ${hex(r.address)}..${hex(r.address + r.length)} of ${context.symbolize(r.address)}` };
  });
  return [...hazards, ...removalHazards(active)];
}

function removalHazards(active: ActivePatch): Hazard[] {
  return active.regions.filter((r) => r.kind !== 'data').map((r) => ({
    kind: 'removed' as const, start: r.address, end: r.address + r.size,
    label: `${active.module} patch ${active.sequence} ${r.kind === 'code' ? 'code' : 'trampolines'}`,
  }));
}

/**
 * The dispatcher of one redirect: if the byte at `flag` is not 0 (the running thread is in the new
 * universe) jump to `replacement`, else to `trampoline` (the old body's first instructions, then
 * the rest of it).
 *   x86-64: cmp byte ptr [flag], 0; jne new; jmp [rip+0] old; new: jmp [rip+0] replacement
 *   ARM64:  movz/movk x16, flag; ldrb w16, [x16]; cbnz w16, new; ldr x16, old; br x16;
 *           new: ldr x16, replacement; br x16; old: .quad; replacement: .quad
 */
export function dispatcherStub(arch: 'x64' | 'arm64', flag: number, replacement: number, trampoline: number): Uint8Array {
  const out = new Uint8Array(arch === 'x64' ? 38 : 48);
  const view = new DataView(out.buffer);
  if (arch === 'x64') {
    out.set([0x80, 0x3c, 0x25], 0);
    view.setUint32(3, flag, true);
    out[7] = 0;
    out.set([0x75, 0x0e], 8);
    out.set([0xff, 0x25, 0, 0, 0, 0], 10);
    view.setBigUint64(16, BigInt(trampoline), true);
    out.set([0xff, 0x25, 0, 0, 0, 0], 24);
    view.setBigUint64(30, BigInt(replacement), true);
    return out;
  }
  const words = [
    0xd2800010 | ((flag & 0xffff) << 5), // movz x16, #lo
    0xf2a00010 | (((flag >>> 16) & 0xffff) << 5), // movk x16, #hi, lsl #16
    0x39400210, // ldrb w16, [x16]
    0x35000070, // cbnz w16, +12
    0x58000090, // ldr x16, +16 (old)
    0xd61f0200, // br x16
    0x58000090, // ldr x16, +16 (replacement)
    0xd61f0200, // br x16
  ];
  words.forEach((w, i) => view.setUint32(i * 4, w >>> 0, true));
  view.setBigUint64(32, BigInt(trampoline), true);
  view.setBigUint64(40, BigInt(replacement), true);
  return out;
}
