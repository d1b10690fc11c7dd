// Random-program lockstep for x86-64: generates, assembles with Keystone and runs programs on both
// backends (shared by `npm run lockstep:x64` and the sample in `npm test`). A program that reaches its
// end is then run again on the WASM CPU at full speed, where blocks are chained, loops go round
// without a lookup and compare-and-branch pairs run fused, and must end exactly as it did stepped.
import { Prot, type Sandbox } from '../../sandbox/sandbox.ts';
import { UnicornSandbox } from '../../sandbox/unicorn/unicorn-sandbox.ts';
import { WasmSandbox } from '../../sandbox/wasm/wasm-sandbox.ts';
import { assembleStatements } from '../../toolchain/assemble.ts';
import {
  X64_CODE, X64_DATA, X64_DATA_SIZE, X64_STACK, X64_STACK_POINTER, X64_STACK_SIZE, generateSource, generateState,
} from './x64-programs.ts';
import { type Divergence, LockstepRunner, instructionMap } from './x64-lockstep.ts';

const CODE_SIZE = 0x8000;

export interface RandomLockstepResult {
  programs: number;
  instructions: number;
  /** Programs also run whole on the WASM CPU and compared with their stepped run. */
  wholeRuns: number;
  divergences: { seed: number; state: number; divergence: Divergence; source: string }[];
  endings: Record<string, number>;
  /** Instructions where Unicorn departs from the manual in a documented way, by case. */
  documented: Record<string, number>;
}

export interface RandomLockstepOptions {
  firstSeed: number;
  programs: number;
  /** Templates per program. */
  steps: number;
  /** Random initial states each program runs from (assembling costs more than running). */
  statesPerProgram: number;
  /** Draw every program's templates from these only. */
  only?: readonly string[];
  /** Counts the instructions both CPUs agreed on, by mnemonic. */
  mnemonics?: Map<string, number>;
  /** Stop after this many divergences. */
  maxDivergences?: number;
  onProgress?: (result: RandomLockstepResult) => void;
}

/** Loops the WASM CPU compiled in the whole runs so far (they compile every loop on first entry). */
export const compiledLoops = { random: 0, corpus: 0 };

/** The two backends with the program's regions mapped, reused from program to program. */
export class X64LockstepPair {
  readonly reference: Sandbox = new UnicornSandbox('x64');
  // Loops compile on their first entry, so whole runs check the compiled tier too.
  readonly subject: Sandbox = new WasmSandbox('x64', { compileAfter: 0 });
  readonly runner: LockstepRunner;

  constructor(mnemonics?: Map<string, number>) {
    for (const sandbox of [this.reference, this.subject]) {
      sandbox.map(X64_CODE, CODE_SIZE, Prot.READ | Prot.EXEC);
      sandbox.map(X64_DATA, X64_DATA_SIZE, Prot.READ | Prot.WRITE);
      sandbox.map(X64_STACK, X64_STACK_SIZE, Prot.READ | Prot.WRITE);
    }
    this.runner = new LockstepRunner(this.reference, this.subject, [
      { address: X64_DATA, size: X64_DATA_SIZE },
      { address: X64_STACK_POINTER - 0x1000, size: 0x1100 },
    ], mnemonics);
  }

  close(): void {
    compiledLoops.random += (this.subject as WasmSandbox).compiledBlocks;
    this.reference.close();
    this.subject.close();
  }
}

export async function runRandomLockstep(options: RandomLockstepOptions): Promise<RandomLockstepResult> {
  const result: RandomLockstepResult = { programs: 0, instructions: 0, wholeRuns: 0, divergences: [], endings: {}, documented: {} };
  let pair = new X64LockstepPair(options.mnemonics);
  try {
    for (let seed = options.firstSeed; seed < options.firstSeed + options.programs; seed++) {
      const source = generateSource(seed, options.steps, options.only);
      let code: Uint8Array;
      try {
        code = await assembleStatements(source, 'x64', X64_CODE);
      } catch (error) {
        throw new Error(`seed ${seed}: the generator made a program Keystone refuses: ${(error as Error).message}`);
      }
      if (code.length > CODE_SIZE) throw new Error(`seed ${seed}: program of ${code.length} bytes is too large`);
      const end = X64_CODE + code.length - 1; // the final nop
      const padded = new Uint8Array(CODE_SIZE);
      padded.set(code);
      const instructions = await instructionMap(code, X64_CODE);
      for (let k = 0; k < options.statesPerProgram; k++) {
        const state = generateState(seed * 1000 + k);
        const load = (sandbox: Sandbox) => {
          sandbox.write(X64_CODE, padded);
          sandbox.write(X64_DATA, state.data);
          sandbox.write(X64_STACK, new Uint8Array(X64_STACK_SIZE));
          for (const [name, value] of Object.entries(state.registers)) sandbox.writeRegister(name, value);
          for (const [name, value] of Object.entries(state.xmm)) sandbox.writeRegister(name, value);
          sandbox.writeRegister('rflags', state.flags);
        };
        load(pair.reference);
        load(pair.subject);
        const run = pair.runner.run(instructions, X64_CODE, end, 20_000);
        if (run.ending === 'end' && !run.divergence) {
          const stepped = finalState(pair.subject);
          load(pair.subject);
          const whole = pair.subject.start(X64_CODE, { until: end, maxInstructions: 20_000 });
          const differences = whole.reason === 'until' && whole.pc === end
            ? compareStates(stepped, finalState(pair.subject))
            : [`the whole run ended with ${whole.reason} at 0x${whole.pc.toString(16)}, the stepped run at its end`];
          result.wholeRuns++;
          if (differences.length > 0) {
            result.divergences.push({ seed, state: k, source, divergence: {
              step: run.executed, address: end, instruction: 'the whole program at full speed', differences, before: undefined } });
          }
        }
        result.programs++;
        result.instructions += run.executed;
        result.endings[run.ending] = (result.endings[run.ending] ?? 0) + 1;
        for (const [name, n] of Object.entries(run.documented)) result.documented[name] = (result.documented[name] ?? 0) + n;
        if (run.ending !== 'end') {
          // After an exception Unicorn's CPU keeps state (a later #DE becomes a double fault): start afresh.
          pair.close();
          pair = new X64LockstepPair(options.mnemonics);
        }
        if (run.divergence) {
          result.divergences.push({ seed, state: k, divergence: run.divergence, source });
          if (result.divergences.length >= (options.maxDivergences ?? Infinity)) return result;
        }
      }
      options.onProgress?.(result);
    }
  } finally {
    pair.close();
  }
  return result;
}

const WHOLE_RUN_REGISTERS = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13',
  'r14', 'r15', 'rip', 'rflags', ...Array.from({ length: 16 }, (_, i) => `xmm${i}`)];

interface FinalState {
  registers: Map<string, bigint>;
  data: Uint8Array;
  stack: Uint8Array;
}

function finalState(sandbox: Sandbox): FinalState {
  return {
    registers: new Map(WHOLE_RUN_REGISTERS.map((name) => [name, sandbox.readRegister(name)])),
    data: sandbox.read(X64_DATA, X64_DATA_SIZE),
    stack: sandbox.read(X64_STACK, X64_STACK_SIZE),
  };
}

/** What differs between the stepped run's end state and the whole run's, register by register. */
function compareStates(stepped: FinalState, whole: FinalState): string[] {
  const differences: string[] = [];
  for (const [name, value] of stepped.registers) {
    const other = whole.registers.get(name)!;
    if (other !== value) differences.push(`${name}: stepped 0x${value.toString(16)}, whole 0x${other.toString(16)}`);
  }
  for (const [name, base, a, b] of [['data', X64_DATA, stepped.data, whole.data], ['stack', X64_STACK, stepped.stack, whole.stack]] as const) {
    const at = a.findIndex((byte, i) => byte !== b[i]);
    if (at >= 0) differences.push(`${name} memory first differs at 0x${(base + at).toString(16)}: stepped ${a[at]}, whole ${b[at]}`);
  }
  return differences;
}
