// A guest process: modules loaded into a sandbox, a stack, the guest ABI, and counters,
// run in resumable slices so that the host can act between them (apply a patch, draw the page).
import { ARCH, type Arch, type ArchSpec, PAGE_SIZE } from '../core/arch.ts';
import type { GuestModule, ModuleSymbol } from '../core/module.ts';
import { placeName, rangeAt, symbolize } from '../core/symbolizer.ts';
import { GuestIO } from './guest-abi.ts';
import { enterCall, loadModule, mapStack } from './loader.ts';
import type { RunBudget } from './run-budget.ts';
import { Prot, type Sandbox, SandboxError, type StopReason } from './sandbox.ts';

/** Where the entry function returns to: reaching it ends the program. */
export const EXIT_ADDRESS = 0x1_0000;

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

  constructor(readonly sandbox: Sandbox, options: ProcessOptions) {
    this.arch = sandbox.arch;
    this.spec = ARCH[this.arch];
    this.modules = options.modules;
    for (const module of this.modules) loadModule(sandbox, module);
    sandbox.map(EXIT_ADDRESS, PAGE_SIZE, Prot.READ | Prot.EXEC);
    sandbox.write(EXIT_ADDRESS, this.spec.stopInstruction);
    mapStack(sandbox);
    this.pc = this.resolveEntry(options.entry);
    // The entry function returns to EXIT_ADDRESS.
    enterCall(sandbox, this.pc, EXIT_ADDRESS);
    this.io = new GuestIO(sandbox);
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
    this.sandbox.addHook({ type: 'code', begin: fn.address, end: fn.address, callback: () => {
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
    let reason: StopReason;
    try {
      ({ reason } = this.sandbox.start(this.pc, {
        until: EXIT_ADDRESS, maxInstructions, timeLimitMs, countInstructions: this.counting, nativeLimit: !this.counting,
      }));
      this.pc = Number(this.sandbox.readRegister(this.spec.registers.pc));
      this.countRun();
    } catch (error) {
      this.pc = Number(this.sandbox.readRegister(this.spec.registers.pc));
      this.countRun();
      const message = error instanceof Error ? error.message : String(error);
      const address = error instanceof SandboxError ? error.address : undefined;
      return this.fail(new ProcessError(`${message}${this.where(error instanceof SandboxError ? error.pc : undefined)}`,
        'fault', address));
    }
    if (this.io.error) return this.fail(new ProcessError(this.io.error.message + this.where(this.io.error.address),
      'syscall', this.io.error.address));
    if (this.io.exitCode !== undefined) return this.exit(this.io.exitCode);
    if (reason === 'until') {
      return this.exit(Number(this.sandbox.readRegister(this.spec.registers.result) & 0xffn));
    }
    if (reason === 'halted') {
      return this.fail(new ProcessError(`the guest halted${this.where(this.pc - 1)}`, 'fault', this.pc - 1));
    }
    this.state = 'paused';
    return { state: this.state, reason };
  }

  private countRun(): void {
    if (this.instructions === undefined) return;
    const ran = this.sandbox.instructionsCounted ?? 0;
    this.instructions += ran;
    this.budget?.spend(ran);
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
