// Lockstep drivers shared by the npm test sample and `npm run lockstep:arm64`: random template
// programs, and the compiler-output corpus called with random arguments.
import { Prot } from '../../sandbox/sandbox.ts';
import { disassemble } from '../../toolchain/capstone.ts';
import { keystoneAssemble } from '../../toolchain/keystone.ts';
import { type CorpusBuild, RETURN_ADDRESS, randomArguments } from '../corpus/corpus.ts';
import { CODE, DATA, DATA_MIDDLE, DATA_SIZE, Random, randomProgram } from './arm64-programs.ts';
import { Arm64Lockstep, describeDivergence, type LockstepResult } from './arm64-lockstep.ts';

export interface LockstepTally {
  programs: number;
  /** Programs also run whole (blocks chained at full speed) on both and compared at the end. */
  wholeRuns: number;
  instructions: number;
  /** Runs that ended in a fault both CPUs raised identically. */
  faults: number;
  /** Loops the WASM CPU compiled (its whole runs compile every loop it can on first entry). */
  compiledLoops: number;
  divergences: string[];
}

export function emptyTally(): LockstepTally {
  return { programs: 0, wholeRuns: 0, instructions: 0, faults: 0, compiledLoops: 0, divergences: [] };
}

const CODE_SIZE = 0x1_0000;

async function record(tally: LockstepTally, result: LockstepResult, lockstep: Arm64Lockstep, label: string): Promise<void> {
  tally.instructions += result.steps;
  if (result.end === 'fault') tally.faults++;
  if (result.divergence) {
    const d = result.divergence;
    const word = new Uint8Array(new Uint32Array([d.word >>> 0]).buffer);
    const [insn] = await disassemble('arm64', word, d.pc);
    tally.divergences.push(`${label}\n${describeDivergence(d, insn ? `${insn.mnemonic} ${insn.operands}` : '(undecodable)')}`);
  }
  void lockstep;
}

/** Sets every register and the data area to random values, identically on both CPUs. */
function randomState(lockstep: Arm64Lockstep, r: Random): void {
  for (let i = 0; i <= 30; i++) lockstep.setRegister(`x${i}`, r.u64());
  lockstep.setRegister('x28', DATA_MIDDLE);
  lockstep.setRegister('sp', DATA_MIDDLE + 0x100);
  lockstep.setRegister('nzcv', BigInt(r.int(0, 15)) << 28n);
  for (let i = 0; i < 32; i++) lockstep.setRegister(`q${i}`, (r.u64() << 64n) | r.u64());
  const data = new Uint8Array(DATA_SIZE);
  for (let i = 0; i < data.length; i += 4) new DataView(data.buffer).setUint32(i, r.next(), true);
  lockstep.write(DATA, data);
}

/** A lockstep pair with the code and data areas of the random programs mapped. */
export function randomProgramLockstep(): Arm64Lockstep {
  const lockstep = new Arm64Lockstep();
  lockstep.map(CODE, CODE_SIZE, Prot.READ | Prot.EXEC);
  lockstep.map(DATA, DATA_SIZE, Prot.READ | Prot.WRITE);
  return lockstep;
}

/** Runs `programs` random programs of `statements` template statements each. */
export async function runRandomPrograms(lockstep: Arm64Lockstep, tally: LockstepTally, options: {
  seed: number; programs: number; statements: number; only?: string[];
}): Promise<void> {
  for (let n = 0; n < options.programs; n++) {
    const seed = options.seed + n;
    const source = randomProgram(seed, options.statements, options.only);
    const assembled = await keystoneAssemble('arm64', source, CODE);
    if (!assembled.ok) throw new Error(`random program ${seed} does not assemble: ${assembled.message}`);
    const code = new Uint8Array(CODE_SIZE);
    code.set(assembled.bytes);
    lockstep.write(CODE, code);
    randomState(lockstep, new Random(seed ^ 0x5eed));
    const until = CODE + assembled.bytes.length;
    const result = lockstep.run(CODE, until, 50_000);
    tally.programs++;
    await record(tally, result, lockstep, `random program seed ${seed}`);
    // The same program again at full speed, from the same state.
    randomState(lockstep, new Random(seed ^ 0x5eed));
    const differences = lockstep.runWhole(CODE, until, 50_000, [[DATA, DATA_SIZE]]);
    tally.wholeRuns++;
    if (differences.length > 0) tally.divergences.push(`random program seed ${seed}, run whole\n  ${differences.join('\n  ')}`);
  }
}

/** Calls every function of `build` with random arguments on both CPUs in lockstep. */
export async function runCorpusBuild(build: CorpusBuild, tally: LockstepTally, options: {
  seed: number; callsPerFunction: number; maxSteps: number;
}): Promise<void> {
  const lockstep = new Arm64Lockstep();
  try {
    for (const sandbox of lockstep.both) {
      const { loadBuild } = await import('../corpus/corpus.ts');
      loadBuild(sandbox, build);
    }
    const writable = build.elf.segments.filter((segment) => segment.writable);
    const writableStart = Math.floor(Math.min(...writable.map((w) => w.address)) / 0x1000) * 0x1000;
    const writableSize = Math.ceil(Math.max(...writable.map((w) => w.address + w.memorySize)) / 0x1000) * 0x1000 - writableStart;
    const next = randomArguments(options.seed);
    const STACK_TOP = 0x7fff_0000;
    for (const fn of build.functions) {
      for (let call = 0; call < options.callsPerFunction; call++) {
        const args = Array.from({ length: fn.arity }, next);
        args.forEach((value, i) => lockstep.setRegister(`x${i}`, value));
        lockstep.setRegister('sp', STACK_TOP - 0x100);
        lockstep.setRegister('lr', RETURN_ADDRESS);
        const before = lockstep.reference.read(writableStart, writableSize);
        const result = lockstep.run(fn.address, RETURN_ADDRESS, options.maxSteps);
        tally.programs++;
        await record(tally, result, lockstep, `${build.name} ${fn.name}(${args.join(', ')})`);
        if (result.divergence) return;
        // Again at full speed from the same arguments and globals.
        lockstep.write(writableStart, before);
        args.forEach((value, i) => lockstep.setRegister(`x${i}`, value));
        lockstep.setRegister('sp', STACK_TOP - 0x100);
        lockstep.setRegister('lr', RETURN_ADDRESS);
        const differences = lockstep.runWhole(fn.address, RETURN_ADDRESS, options.maxSteps,
          [[writableStart, writableSize], [STACK_TOP - 0x1000, 0x1000]]);
        tally.wholeRuns++;
        if (differences.length > 0) {
          tally.divergences.push(`${build.name} ${fn.name}(${args.join(', ')}), run whole\n  ${differences.join('\n  ')}`);
          return;
        }
      }
    }
  } finally {
    tally.compiledLoops += lockstep.subject.compiledBlocks;
    lockstep.close();
  }
}
