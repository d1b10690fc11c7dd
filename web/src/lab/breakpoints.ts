// Where a run stops by itself: breakpoints (addresses of the program's code), a run-to-here address,
// and the next moment of the example's story (core/timeline.ts). A code hook per address stops the
// guest before the instruction there runs; the hooks act only while a run asks them to (a single
// step, or a transaction stepping the guest to a safe point, goes past them).
import type { GuestModule } from '../../../core/module.ts';
import type { PatchMoment } from '../../../core/timeline.ts';
import type { GuestProcess, RunLimits } from '../../../sandbox/process.ts';
import type { HookHandle } from '../../../sandbox/sandbox.ts';

/** Why a slice run with stops ended: at one of them, or for any other reason (limits, the end, a pause). */
export type StopReason = 'breakpoint' | 'here' | 'moment' | 'ran';

export class Breakpoints {
  private readonly addresses = new Set<number>();
  private until: number | undefined;
  private process: GuestProcess | undefined;
  private readonly hooks = new Map<number, HookHandle>();
  /** Function entries, whose calls the process counts: address -> "module!function". */
  private entries = new Map<number, string>();
  private armed = false;
  private skip: number | undefined;
  /** The address whose hook stopped the guest, while a run is armed. */
  private hitAt: number | undefined;

  /** The breakpoints now (sorted). */
  get list(): number[] {
    return [...this.addresses].sort((a, b) => a - b);
  }

  get target(): number | undefined {
    return this.until;
  }

  /** A new guest: the hooks go on it (the old one is gone with its CPU). */
  attach(process: GuestProcess | undefined, modules: readonly GuestModule[] = []): void {
    this.process = process;
    this.entries = new Map(modules.flatMap((m) => m.symbols.filter((s) => s.kind === 'function')
      .map((s): [number, string] => [s.address, `${m.name}!${s.name}`])));
    this.hooks.clear();
    this.until = undefined;
    this.refresh();
  }

  set(addresses: readonly number[]): void {
    this.addresses.clear();
    for (const address of addresses) this.addresses.add(address);
    this.refresh();
  }

  /** Run-to-here: a stop that lasts until it is reached (or another one is asked for); undefined clears it. */
  runTo(address: number | undefined): void {
    this.until = address;
    this.refresh();
  }

  /** Whether a run stops at `address`. */
  stopsAt(address: number): boolean {
    return this.addresses.has(address) || this.until === address;
  }

  private refresh(): void {
    const process = this.process;
    if (!process) return;
    const wanted = new Set(this.addresses);
    if (this.until !== undefined) wanted.add(this.until);
    for (const [address, hook] of [...this.hooks]) {
      if (!wanted.has(address)) { process.sandbox.removeHook(hook); this.hooks.delete(address); }
    }
    for (const address of wanted) {
      if (this.hooks.has(address)) continue;
      this.hooks.set(address, process.sandbox.addHook({ type: 'code', begin: address, end: address, callback: () => this.reached(address) }));
    }
  }

  private reached(address: number): void {
    if (!this.armed || this.hitAt !== undefined) return;
    if (this.skip === address) { this.skip = undefined; return; }
    this.skip = undefined;
    this.hitAt = address;
    // Stopped from a hook, the instruction has not run: a function entry counted as a call now is
    // counted again when it does.
    const process = this.process!;
    const key = this.entries.get(address);
    const count = key === undefined ? undefined : process.calls.get(key);
    if (key !== undefined && count !== undefined && count > 0) process.calls.set(key, count - 1);
    process.requestStop();
  }

  /**
   * Runs one slice that stops at a breakpoint, the run-to-here address or `moment`. `resuming`: the
   * run starts here (a breakpoint at the program counter is where it stopped last, not a reason to stop again).
   */
  run(process: GuestProcess, limits: RunLimits, { moment, resuming }: { moment?: PatchMoment; resuming: boolean }): StopReason {
    if (!resuming && this.stopsAt(process.pc)) return this.stopAt(process.pc);
    this.armed = true;
    this.hitAt = undefined;
    this.skip = resuming ? process.pc : undefined;
    try {
      const reached = moment ? runToMomentOrStop(process, moment, limits, () => this.hitAt !== undefined, () => { this.armed = false; })
        : (process.run(limits), false);
      if (this.hitAt !== undefined) return this.stopAt(this.hitAt);
      return reached ? 'moment' : 'ran';
    } finally {
      this.armed = false;
      this.skip = undefined;
      this.hitAt = undefined;
    }
  }

  private stopAt(address: number): StopReason {
    if (address === this.until) {
      this.runTo(undefined);
      return this.addresses.has(address) ? 'breakpoint' : 'here';
    }
    return 'breakpoint';
  }
}

/** Whether the moment is behind the guest already (a run toward it would not stop there). */
export function momentPassed(process: GuestProcess, at: PatchMoment): boolean {
  if ('afterInstructions' in at) return (process.instructions ?? 0) > at.afterInstructions;
  const calls = process.calls.get(at.of) ?? 0;
  return calls > at.afterCalls;
}

/**
 * As the engine's runToMoment (engine/host/timeline.ts), but a breakpoint may end the run first:
 * then the moment's stop is not left armed and the run is not taken on to the moment.
 */
function runToMomentOrStop(process: GuestProcess, at: PatchMoment, limits: RunLimits, stopped: () => boolean,
  disarm: () => void): boolean {
  if ('afterInstructions' in at) {
    const left = at.afterInstructions - (process.instructions ?? 0);
    if (left < 0) { process.run(limits); return false; }
    if (left > 0) process.run({ ...limits, maxInstructions: Math.min(left, limits.maxInstructions ?? left) });
    return !stopped() && !process.finished && process.instructions === at.afterInstructions;
  }
  if ((process.calls.get(at.of) ?? 0) > at.afterCalls) { process.run(limits); return false; }
  process.stopAtCall(at.of, at.afterCalls + 1);
  const outcome = process.run(limits);
  const atCall = !stopped() && !process.finished && outcome.reason === 'stopped' && process.calls.get(at.of) === at.afterCalls;
  if (!atCall) {
    process.stopAtCall(at.of, Number.MAX_SAFE_INTEGER);
    return false;
  }
  if (at.thenInstructions) {
    // The few instructions into the call are part of the moment: no breakpoint ends them.
    disarm();
    const before = process.instructions ?? 0;
    process.run({ maxInstructions: at.thenInstructions });
    return !process.finished && process.instructions === before + at.thenInstructions;
  }
  return true;
}
