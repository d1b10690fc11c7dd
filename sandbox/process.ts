// A guest process: modules loaded into a sandbox, a stack, the guest ABI, and counters,
// run in resumable slices so that the host can act between them (apply a patch, draw the page).
import { ARCH, type Arch, type ArchSpec, PAGE_SIZE } from '../core/arch.ts';
import type { GuestModule, ModuleSymbol } from '../core/module.ts';
import { placeName, rangeAt, symbolize } from '../core/symbolizer.ts';
import type { CallFrame } from './call-stack.ts';
import { GuestIO } from './guest-abi.ts';
import { enterCall, loadModule, mapStack } from './loader.ts';
import type { RunBudget } from './run-budget.ts';
import { Prot, type Sandbox, SandboxError, type StopReason } from './sandbox.ts';
import { DEFAULT_SLICE, type GuestThreadRecord, MAX_SLICE, ThreadScheduler, threadReturnStub } from './threads.ts';

/** Where the entry function returns to: reaching it ends the program. */
export const EXIT_ADDRESS = 0x1_0000;
/** Where a thread's function returns to, in the same page: a stub that ends the thread. */
export const THREAD_RETURN_ADDRESS = EXIT_ADDRESS + 0x10;
/** The page of the thread-local slot the host rewrites at every thread switch (ThreadScheduler.slot). */
export const THREAD_SLOT_ADDRESS = 0x1_1000;

export type ProcessState = 'ready' | 'paused' | 'exited' | 'failed';

export interface RunLimits {
  maxInstructions?: number;
  timeLimitMs?: number;
}

export interface ProcessOptions {
  modules: GuestModule[];
  /** Function to start in; default: the entry of the first module that declares one. */
  entry?: string;
  /** The budget of the whole run: every run() spends from it (see `budget`). */
  budget?: RunBudget;
  /**
   * Count every instruction exactly (on Unicorn a hook per instruction, slower). Default true.
   * A process that does not count leaves its instruction limits to Unicorn's own counter, at full
   * speed, for runs whose output alone matters: a hlt under such a limit then reads as the limit.
   */
  countInstructions?: boolean;
  // Once a program has started a thread, its runs are counted anyway: the schedule depends on counts.
  // (On Unicorn 2.0.1, the first counted run after one under Unicorn's own counter can take about ten
  // seconds: a program that may start threads is best run by a process that counts.)
  /** Instructions a thread runs before the next one gets the CPU (default DEFAULT_SLICE). */
  slice?: number;
}

/** What a thread is doing, for people: the page's lanes and the command line's summary. */
export interface ThreadSummary {
  id: number;
  name: string;
  state: 'running' | 'runnable' | 'blocked' | 'exited';
  pc: number;
  sp: number;
  lr?: number;
  instructions: number;
  /** Calls in progress, outermost first. */
  calls: readonly CallFrame[];
  exitValue?: number;
  /** The thread it waits for. */
  joining?: string;
}

function checkSlice(slice: number): number {
  if (!Number.isSafeInteger(slice) || slice < 1 || slice > MAX_SLICE) {
    throw new ProcessError(`a slice is a whole number of instructions from 1 to ${MAX_SLICE.toLocaleString('en-US')}`, 'setup');
  }
  return slice;
}

export class ProcessError extends Error {
  constructor(message: string, readonly kind: 'fault' | 'syscall' | 'limit' | 'setup', readonly address?: number) {
    super(message);
    this.name = 'ProcessError';
  }
}

export interface RunOutcome {
  state: ProcessState;
  /** Why this slice ended. */
  reason: StopReason | 'exit' | 'fault';
}

export class GuestProcess {
  readonly arch: Arch;
  private readonly spec: ArchSpec;
  readonly io: GuestIO;
  readonly modules: GuestModule[];
  state: ProcessState = 'ready';
  pc: number;
  /** Instructions executed so far; undefined when not counting. */
  instructions: number | undefined;
  /** Entries into each function, keyed "module!function". */
  readonly calls = new Map<string, number>();
  error: ProcessError | undefined;
  /**
   * The budget of the whole run (instructions and a deadline): each run() is cut to what is left of
   * it and spends from it, and once a limit has run out, run() returns at once with that limit as its
   * reason. Needs a process that counts instructions, for the instruction allowance.
   */
  budget: RunBudget | undefined;
  private readonly counting: boolean;
  private stopAfterSlice = false;
  private callStop: { key: string; count: number } | undefined;
  /** The program's threads and the order they get the CPU in. */
  readonly scheduler: ThreadScheduler;

  constructor(readonly sandbox: Sandbox, options: ProcessOptions) {
    this.arch = sandbox.arch;
    this.spec = ARCH[this.arch];
    this.modules = options.modules;
    for (const module of this.modules) loadModule(sandbox, module);
    sandbox.map(EXIT_ADDRESS, PAGE_SIZE, Prot.READ | Prot.EXEC);
    sandbox.write(EXIT_ADDRESS, this.spec.stopInstruction);
    sandbox.write(THREAD_RETURN_ADDRESS, threadReturnStub(this.arch));
    mapStack(sandbox);
    this.pc = this.resolveEntry(options.entry);
    // The entry function returns to EXIT_ADDRESS.
    enterCall(sandbox, this.pc, EXIT_ADDRESS);
    this.scheduler = new ThreadScheduler(sandbox, checkSlice(options.slice ?? DEFAULT_SLICE), THREAD_RETURN_ADDRESS, this.pc);
    this.io = new GuestIO(sandbox);
    this.io.threads = this.scheduler;
    this.io.onSyscall = () => this.scheduler.checkpoint?.(this.scheduler.current, 'syscall');
    // The sandbox counts (and says why a run stopped from what the CPU did, not from the bytes at pc).
    this.counting = options.countInstructions ?? true;
    if (this.counting) this.instructions = 0;
    this.budget = options.budget;
    for (const module of this.modules) {
      for (const fn of module.symbols.filter((s) => s.kind === 'function')) this.countCalls(module, fn);
    }
  }

  private resolveEntry(entry: string | undefined): number {
    const name = entry ?? this.modules.find((m) => m.entry)?.entry;
    if (!name) throw new ProcessError('no entry point: no module declares ".entry <function>"', 'setup');
    for (const module of this.modules) {
      const symbol = module.symbols.find((s) => s.name === name && s.kind === 'function');
      if (symbol) return symbol.address;
    }
    throw new ProcessError(`entry function "${name}" is not defined in any loaded module`, 'setup');
  }

  private countCalls(module: GuestModule, fn: ModuleSymbol): void {
    const key = `${module.name}!${fn.name}`;
    this.calls.set(key, 0);
    const { sp, link } = this.spec.registers;
    const end = fn.address + Math.max(fn.size, 1);
    this.sandbox.addHook({ type: 'code', begin: fn.address, end: fn.address, callback: () => {
      this.scheduler.current.calls.enter(key, fn.address, end, Number(this.sandbox.readRegister(sp)),
        link ? Number(this.sandbox.readRegister(link)) : undefined);
      const count = this.calls.get(key)! + 1;
      this.calls.set(key, count);
      if (this.callStop?.key === key && this.callStop.count === count) {
        // Stopping from a code hook leaves the instruction unrun (the sandbox does not count it):
        // its entry is counted again when it runs.
        this.calls.set(key, count - 1);
        this.callStop = undefined;
        this.requestStop();
      }
    } });
  }

  /**
   * Ends the next slice at the entry of call number `count` of `key` ("module!function"), before
   * that call runs: exactly `count - 1` calls will have run.
   */
  stopAtCall(key: string, count: number): void {
    if (!this.calls.has(key)) throw new ProcessError(`no function "${key}" is loaded`, 'setup');
    this.callStop = { key, count };
  }

  /** Ends the current slice after the instruction being executed (callable from hooks). */
  requestStop(): void {
    this.stopAfterSlice = true;
    this.sandbox.stop();
  }

  get finished(): boolean {
    return this.state === 'exited' || this.state === 'failed';
  }

  /**
   * Runs until the program exits or faults, or a limit (of this slice, or of the run's budget) is
   * reached; then it can be resumed.
   */
  run(limits: RunLimits = {}): RunOutcome {
    if (this.finished) return { state: this.state, reason: this.state === 'exited' ? 'exit' : 'fault' };
    const spent = this.budget?.exhausted();
    if (spent) return { state: this.state, reason: spent };
    if (this.budget?.maxInstructions !== undefined && !this.counting) {
      throw new ProcessError('an instruction allowance needs a process that counts instructions', 'setup');
    }
    const { maxInstructions, timeLimitMs } = this.budget ? this.budget.cut(limits) : limits;
    this.stopAfterSlice = false;
    // With several threads the run goes on slice after slice until one of its own limits is reached.
    let left = maxInstructions || undefined;
    const deadline = timeLimitMs ? performance.now() + timeLimitMs : undefined;
    const scheduler = this.scheduler;
    for (;;) {
      const sliceLeft = scheduler.sliceLeft();
      const count = this.counting || sliceLeft !== undefined || scheduler.threaded;
      const slice = sliceLeft === undefined ? left : Math.min(sliceLeft, left ?? sliceLeft);
      const ms = deadline === undefined ? undefined : Math.max(deadline - performance.now(), 0.001);
      let reason: StopReason;
      let ran: number;
      try {
        ({ reason } = this.sandbox.start(this.pc, {
          until: EXIT_ADDRESS, maxInstructions: slice, timeLimitMs: ms, countInstructions: count, nativeLimit: !count,
        }));
        this.pc = Number(this.sandbox.readRegister(this.spec.registers.pc));
        ran = this.countRun();
      } catch (error) {
        this.pc = Number(this.sandbox.readRegister(this.spec.registers.pc));
        this.countRun();
        const message = error instanceof Error ? error.message : String(error);
        const address = error instanceof SandboxError ? error.address : undefined;
        return this.fail(new ProcessError(`${message}${this.where(error instanceof SandboxError ? error.pc : undefined)}` +
          this.inThread(), 'fault', address));
      }
      if (left !== undefined) left -= ran;
      if (this.io.error) return this.fail(new ProcessError(this.io.error.message + this.where(this.io.error.address) +
        this.inThread(), 'syscall', this.io.error.address));
      if (this.io.exitCode !== undefined) return this.exit(this.io.exitCode);
      if (reason === 'until') {
        return this.exit(Number(this.sandbox.readRegister(this.spec.registers.result) & 0xffn));
      }
      if (reason === 'halted') {
        return this.fail(new ProcessError(`the guest halted${this.where(this.pc - 1)}${this.inThread()}`, 'fault', this.pc - 1));
      }
      const sliceEnded = sliceLeft !== undefined && reason === 'instruction-limit' && ran >= sliceLeft;
      const switched = scheduler.event !== undefined || sliceEnded;
      if (switched) {
        const ending = scheduler.current.name;
        const outcome = scheduler.schedule(this.instructions ?? 0, sliceEnded);
        if (outcome === 'deadlock') {
          return this.fail(new ProcessError(`deadlock: no thread can run (${this.waits()}); thread ${ending} ` +
            `was the last to run${this.where(this.pc)}`, 'fault', this.pc));
        }
        if (outcome === 'ended') return this.exit(Number((scheduler.threads[0]!.exitValue ?? 0n) & 0xffn));
        this.pc = Number(this.sandbox.readRegister(this.spec.registers.pc));
        this.io.thread = scheduler.current.name;
      }
      if (this.stopAfterSlice) break;
      if (reason === 'time-limit' || (left !== undefined && left <= 0)) {
        this.state = 'paused';
        return { state: this.state, reason: reason === 'time-limit' ? reason : 'instruction-limit' };
      }
      // Stopped, but not by the scheduler nor by a limit of this run: by a hook or the host.
      if (!switched && (reason === 'stopped' || ran === 0)) break;
    }
    this.state = 'paused';
    return { state: this.state, reason: 'stopped' };
  }

  private countRun(): number {
    const ran = this.sandbox.instructionsCounted ?? 0;
    this.scheduler.ran(ran);
    if (this.instructions === undefined) return ran;
    this.instructions += ran;
    this.budget?.spend(ran);
    return ran;
  }

  /** " in thread t1" once the program has more than one thread. */
  private inThread(): string {
    return this.scheduler.threaded ? ` in thread ${this.scheduler.current.name}` : '';
  }

  private waits(): string {
    return this.scheduler.threads.filter((t) => t.state === 'blocked')
      .map((t) => `${t.name} waits for ${this.scheduler.threads[t.joining!]!.name}`).join(', ');
  }

  /** Instructions a thread runs before the next one gets the CPU. */
  get slice(): number {
    return this.scheduler.slice;
  }

  set slice(value: number) {
    this.scheduler.slice = checkSlice(value);
  }

  /** The threads that have not ended: registers, as the engine's safe points read them. */
  threadRegisters(): { name: string; pc: number; sp: number; lr?: number }[] {
    return this.scheduler.registers();
  }

  /** Moves a thread's program counter (the fixup model). */
  setThreadPc(name: string, pc: number): void {
    const thread = this.scheduler.threads.find((t) => t.name === name);
    if (!thread || thread.state === 'exited') throw new ProcessError(`no thread ${name} is running`, 'setup');
    this.scheduler.setPc(thread, pc);
    if (thread === this.scheduler.current) this.pc = pc;
  }

  /** Maps the page of the thread-local slot (read-only to the guest), once. */
  mapThreadSlot(): number {
    if (!this.sandbox.regions().some((r) => r.address === THREAD_SLOT_ADDRESS)) {
      this.sandbox.map(THREAD_SLOT_ADDRESS, PAGE_SIZE, Prot.READ);
    }
    return THREAD_SLOT_ADDRESS;
  }

  /** Every thread the program has had, with its state and calls in progress. */
  threads(): ThreadSummary[] {
    const live = new Map(this.scheduler.registers().map((r) => [r.name, r]));
    return this.scheduler.threads.map((t: GuestThreadRecord) => {
      const regs = live.get(t.name);
      const summary: ThreadSummary = {
        id: t.id, name: t.name, state: t === this.scheduler.current && t.state === 'runnable' ? 'running' : t.state,
        pc: regs?.pc ?? 0, sp: regs?.sp ?? 0, instructions: t.instructions,
        calls: regs ? [...t.calls.current(regs.pc, regs.sp)] : [],
      };
      if (regs?.lr !== undefined) summary.lr = regs.lr;
      if (t.exitValue !== undefined) summary.exitValue = Number(BigInt.asIntN(64, t.exitValue));
      if (t.joining !== undefined) summary.joining = this.scheduler.threads[t.joining]!.name;
      return summary;
    });
  }

  private exit(code: number): RunOutcome {
    this.io.exitCode = code;
    this.state = 'exited';
    return { state: this.state, reason: 'exit' };
  }

  private fail(error: ProcessError): RunOutcome {
    this.error = error;
    this.state = 'failed';
    return { state: this.state, reason: 'fault' };
  }

  private where(address: number | undefined): string {
    if (address === undefined) return '';
    const range = rangeAt(address, this.modules);
    return range ? ` (${placeName(address, range)})` : '';
  }

  /** "module!function+0x12" for an address inside a loaded symbol, else the hex address. */
  symbolize(address: number): string {
    return symbolize(address, this.modules);
  }

  close(): void {
    this.sandbox.close();
  }
}
