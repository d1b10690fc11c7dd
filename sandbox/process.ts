// A guest process: modules loaded into a sandbox, a stack, the guest ABI, and counters,
// run in resumable slices so that the host can act between them (apply a patch, draw the page).
import type { GuestModule, ModuleSymbol } from '../core/module.ts';
import { GuestIO } from './guest-abi.ts';
import { loadModule, mapStack } from './loader.ts';
import { PC_REGISTER } from '../core/registers.ts';
import { type Arch, Prot, type Sandbox, SandboxError, type StopReason, hex } from './sandbox.ts';

/** Where the entry function returns to: reaching it ends the program. */
export const EXIT_ADDRESS = 0x1_0000;
const EXIT_CODE: Record<Arch, Uint8Array> = {
  x64: Uint8Array.of(0xf4), // hlt
  arm64: Uint8Array.of(0x00, 0x00, 0x3e, 0xd4), // brk #0xf000
};
const RESULT_REGISTER: Record<Arch, string> = { x64: 'rax', arm64: 'x0' };

export type ProcessState = 'ready' | 'paused' | 'exited' | 'failed';

export interface RunLimits {
  maxInstructions?: number;
  timeLimitMs?: number;
}

export interface ProcessOptions {
  modules: GuestModule[];
  /** Function to start in; default: the entry of the first module that declares one. */
  entry?: string;
  /** Count every instruction exactly (a hook per instruction, slower). Default true. */
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
  readonly io: GuestIO;
  readonly modules: GuestModule[];
  state: ProcessState = 'ready';
  pc: number;
  /** Instructions executed so far; undefined when not counting. */
  instructions: number | undefined;
  /** Entries into each function, keyed "module!function". */
  readonly calls = new Map<string, number>();
  error: ProcessError | undefined;
  private stopAfterSlice = false;
  private callStop: { key: string; count: number } | undefined;

  constructor(readonly sandbox: Sandbox, options: ProcessOptions) {
    this.arch = sandbox.arch;
    this.modules = options.modules;
    for (const module of this.modules) loadModule(sandbox, module);
    sandbox.map(EXIT_ADDRESS, 0x1000, Prot.READ | Prot.EXEC);
    sandbox.write(EXIT_ADDRESS, EXIT_CODE[this.arch]);
    mapStack(sandbox);
    this.pc = this.resolveEntry(options.entry);
    this.enterFunction();
    this.io = new GuestIO(sandbox);
    if (options.countInstructions ?? true) {
      this.instructions = 0;
      sandbox.addHook({ type: 'code', callback: () => { this.instructions!++; } });
    }
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

  /** Sets up the call into the entry function so that its return lands on EXIT_ADDRESS. */
  private enterFunction(): void {
    if (this.arch === 'x64') {
      const rsp = Number(this.sandbox.readRegister('rsp')) - 8;
      const ret = new Uint8Array(8);
      new DataView(ret.buffer).setBigUint64(0, BigInt(EXIT_ADDRESS), true);
      this.sandbox.write(rsp, ret);
      this.sandbox.writeRegister('rsp', rsp);
    } else {
      this.sandbox.writeRegister('lr', EXIT_ADDRESS);
    }
    this.sandbox.writeRegister(PC_REGISTER[this.arch], this.pc);
  }

  private countCalls(module: GuestModule, fn: ModuleSymbol): void {
    const key = `${module.name}!${fn.name}`;
    this.calls.set(key, 0);
    this.sandbox.addHook({ type: 'code', begin: fn.address, end: fn.address, callback: () => {
      const count = this.calls.get(key)! + 1;
      this.calls.set(key, count);
      if (this.callStop?.key === key && this.callStop.count === count) {
        // Stopping from a code hook leaves the instruction unrun: it is counted again when it runs.
        this.calls.set(key, count - 1);
        if (this.instructions !== undefined) this.instructions--;
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

  /** Runs until the program exits or faults, or a limit is reached (then it can be resumed). */
  run(limits: RunLimits = {}): RunOutcome {
    if (this.finished) return { state: this.state, reason: this.state === 'exited' ? 'exit' : 'fault' };
    this.stopAfterSlice = false;
    let reason: StopReason;
    try {
      ({ reason } = this.sandbox.start(this.pc, {
        until: EXIT_ADDRESS, maxInstructions: limits.maxInstructions, timeLimitMs: limits.timeLimitMs,
      }));
      this.pc = Number(this.sandbox.readRegister(PC_REGISTER[this.arch]));
    } catch (error) {
      this.pc = Number(this.sandbox.readRegister(PC_REGISTER[this.arch]));
      const message = error instanceof Error ? error.message : String(error);
      const address = error instanceof SandboxError ? error.address : undefined;
      return this.fail(new ProcessError(`${message}${this.where(error instanceof SandboxError ? error.pc : undefined)}`,
        'fault', address));
    }
    if (this.io.error) return this.fail(new ProcessError(this.io.error.message + this.where(this.io.error.address),
      'syscall', this.io.error.address));
    if (this.io.exitCode !== undefined) return this.exit(this.io.exitCode);
    if (reason === 'until') {
      return this.exit(Number(this.sandbox.readRegister(RESULT_REGISTER[this.arch]) & 0xffn));
    }
    if (reason === 'halted') {
      return this.fail(new ProcessError(`the guest halted${this.where(this.pc - 1)}`, 'fault', this.pc - 1));
    }
    this.state = 'paused';
    return { state: this.state, reason };
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
    const place = this.symbolize(address);
    return place.startsWith('0x') ? '' : ` (${place})`;
  }

  /** "module!function+0x12" for an address inside a loaded symbol, else the hex address. */
  symbolize(address: number): string {
    for (const module of this.modules) {
      for (const s of module.symbols) {
        if (address >= s.address && address < s.address + Math.max(s.size, 1)) {
          const offset = address - s.address;
          return `${module.name}!${s.name}${offset ? '+' + hex(offset) : ''}`;
        }
      }
    }
    return hex(address);
  }

  close(): void {
    this.sandbox.close();
  }
}
