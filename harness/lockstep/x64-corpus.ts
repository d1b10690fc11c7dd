// The x86-64 compiler corpus in lockstep: every function of a gcc or clang build called with random
// arguments on Unicorn and the WASM CPU, compared after every instruction, then called again from
// the same state at full speed (blocks chained) and compared at the end.
import { type Sandbox, SandboxError } from '../../sandbox/sandbox.ts';
import { UnicornSandbox } from '../../sandbox/unicorn/unicorn-sandbox.ts';
import { WasmSandbox } from '../../sandbox/wasm/wasm-sandbox.ts';
import { type CorpusBuild, RETURN_ADDRESS, loadBuild, randomArguments } from '../corpus/corpus.ts';
import { startCompletingPopcnt } from '../corpus/popcnt.ts';
import { LiveInstructions, LockstepRunner, type MemoryWindow } from './x64-lockstep.ts';
import { compiledLoops } from './x64-random.ts';

const ARGUMENTS = ['rdi', 'rsi', 'rdx', 'rcx', 'r8', 'r9'];
const GPRS = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip'];
const STACK_TOP = 0x7fff_0000;
/** 16-byte aligned before the call pushed the return address, as the ABI has it. */
const ENTRY_RSP = STACK_TOP - 0x100 - 8;
const STACK_WINDOW: MemoryWindow = { address: STACK_TOP - 0x4000, size: 0x4000 };

export interface CorpusLockstepTally {
  calls: number;
  /** Calls also run whole on both and compared at the end. */
  wholeRuns: number;
  instructions: number;
  /** How calls ended: returned, or an exception both raised alike. */
  endings: Record<string, number>;
  /** Instructions where Unicorn departs from the manual in a documented way, by case. */
  documented: Record<string, number>;
  divergences: string[];
}

export function emptyCorpusTally(): CorpusLockstepTally {
  return { calls: 0, wholeRuns: 0, instructions: 0, endings: {}, documented: {}, divergences: [] };
}

/** Both backends with the build loaded, and a runner comparing its writable data and the stack. */
class CorpusPair {
  readonly reference: Sandbox = new UnicornSandbox('x64');
  // Loops compile on their first entry, so whole runs check the compiled tier too.
  readonly subject: Sandbox = new WasmSandbox('x64', { compileAfter: 0 });
  readonly windows: MemoryWindow[];
  readonly runner: LockstepRunner;

  constructor(build: CorpusBuild, mnemonics?: Map<string, number>) {
    for (const sandbox of this.both) loadBuild(sandbox, build);
    const writable = build.elf.segments.filter((segment) => segment.writable);
    const start = Math.floor(Math.min(...writable.map((w) => w.address)) / 0x1000) * 0x1000;
    const end = Math.ceil(Math.max(...writable.map((w) => w.address + w.memorySize)) / 0x1000) * 0x1000;
    this.windows = [{ address: start, size: end - start }, STACK_WINDOW];
    this.runner = new LockstepRunner(this.reference, this.subject, this.windows, mnemonics);
  }

  get both(): Sandbox[] {
    return [this.reference, this.subject];
  }

  /** Sets up a call of a function with `args` on both: arguments, stack and return address. */
  prepareCall(address: number, args: bigint[]): void {
    const ret = new Uint8Array(8);
    new DataView(ret.buffer).setBigUint64(0, BigInt(RETURN_ADDRESS), true);
    for (const sandbox of this.both) {
      args.forEach((value, i) => sandbox.writeRegister(ARGUMENTS[i]!, value));
      sandbox.write(ENTRY_RSP, ret);
      sandbox.writeRegister('rsp', ENTRY_RSP);
      sandbox.writeRegister('rip', address);
    }
  }

  snapshot(): Uint8Array[] {
    return this.windows.map((w) => this.reference.read(w.address, w.size));
  }

  restore(snapshot: Uint8Array[]): void {
    for (const sandbox of this.both) this.windows.forEach((w, i) => sandbox.write(w.address, snapshot[i]!));
  }

  /**
   * Runs both at full speed and lists what differs: the outcome, the general registers and the
   * windows. The flags are left out: compiled code never reads the ones the manual leaves undefined,
   * which may differ; the subject then takes Unicorn's so later calls start alike. Unicorn's run
   * completes the popcnt it refuses as the manual defines it (the stepped run checks each one).
   */
  runWhole(address: number, maxInstructions: number): string[] {
    const outcomes = this.both.map((sandbox) => {
      try {
        return JSON.stringify(startCompletingPopcnt(sandbox, address, { until: RETURN_ADDRESS, maxInstructions }));
      } catch (error) {
        return error instanceof SandboxError ? `${error.code} at 0x${error.address?.toString(16)}` : String(error);
      }
    });
    const differences: string[] = [];
    if (outcomes[0] !== outcomes[1]) differences.push(`outcome: unicorn ${outcomes[0]}, wasm ${outcomes[1]}`);
    for (const name of GPRS) {
      const x = this.reference.readRegister(name);
      const y = this.subject.readRegister(name);
      if (x !== y) differences.push(`${name}: unicorn 0x${x.toString(16)}, wasm 0x${y.toString(16)}`);
    }
    for (const w of this.windows) {
      const x = this.reference.read(w.address, w.size);
      const y = this.subject.read(w.address, w.size);
      const at = x.findIndex((byte, i) => byte !== y[i]);
      if (at >= 0) differences.push(`memory 0x${(w.address + at).toString(16)}: unicorn 0x${x[at]!.toString(16)}, wasm 0x${y[at]!.toString(16)}`);
    }
    this.subject.writeRegister('rflags', this.reference.readRegister('rflags'));
    return differences;
  }

  close(): void {
    compiledLoops.corpus += (this.subject as WasmSandbox).compiledBlocks;
    this.reference.close();
    this.subject.close();
  }
}

/** Calls every function of an x86-64 `build` with random arguments on both CPUs in lockstep. */
export async function runX64CorpusBuild(build: CorpusBuild, tally: CorpusLockstepTally, options: {
  seed: number; callsPerFunction: number; maxSteps: number;
  /** Counts the instructions both CPUs agreed on, by mnemonic. */
  mnemonics?: Map<string, number>;
}): Promise<void> {
  if (build.arch !== 'x64') throw new Error(`${build.name} is not an x86-64 build`);
  const next = randomArguments(options.seed);
  let pair = new CorpusPair(build, options.mnemonics);
  let instructions = await LiveInstructions.of(pair.reference);
  try {
    for (const fn of build.functions) {
      for (let call = 0; call < options.callsPerFunction; call++) {
        const args = Array.from({ length: fn.arity }, next);
        const label = `${build.name} ${fn.name}(${args.map((a) => '0x' + a.toString(16)).join(', ')})`;
        const before = pair.snapshot();
        pair.prepareCall(fn.address, args);
        const run = pair.runner.run(instructions, fn.address, RETURN_ADDRESS, options.maxSteps);
        tally.calls++;
        tally.instructions += run.executed;
        const ending = run.ending === 'end' ? 'returned' : run.ending;
        tally.endings[ending] = (tally.endings[ending] ?? 0) + 1;
        for (const [name, n] of Object.entries(run.documented)) tally.documented[name] = (tally.documented[name] ?? 0) + n;
        if (run.divergence) {
          const d = run.divergence;
          tally.divergences.push(`${label}\n  step ${d.step} at 0x${d.address.toString(16)}: ${d.instruction}\n  ` +
            `${d.differences.join('\n  ')}\n  before: ${d.before ?? '?'}`);
          return;
        }
        if (run.ending !== 'end') {
          // After an exception Unicorn's CPU keeps state (a later one becomes a double fault): start afresh.
          pair.close();
          pair = new CorpusPair(build, options.mnemonics);
          instructions = await LiveInstructions.of(pair.reference);
          continue;
        }
        // Again at full speed from the same arguments, globals and stack.
        pair.restore(before);
        pair.prepareCall(fn.address, args);
        const differences = pair.runWhole(fn.address, options.maxSteps);
        tally.wholeRuns++;
        if (differences.length > 0) {
          tally.divergences.push(`${label}, run whole\n  ${differences.join('\n  ')}`);
          return;
        }
      }
    }
  } finally {
    pair.close();
  }
}
