// The WASM CPU (sandbox/wasm/) against real Unicorn measured in the same run: guest instructions
// per second on the tight loop and on calls into the compiler-output corpus, and how soon a stop
// request from another thread ends a runaway guest.
import { Worker } from 'node:worker_threads';
import { Prot, type Sandbox } from '../sandbox/sandbox.ts';
import type { Arch } from '../core/arch.ts';
import { UnicornSandbox } from '../sandbox/unicorn/unicorn-sandbox.ts';
import { WasmSandbox } from '../sandbox/wasm/wasm-sandbox.ts';
import {
  type CorpusBuild, RETURN_ADDRESS, loadBuild, loadCorpus, prepareCall, randomArguments,
} from '../harness/corpus/corpus.ts';
import { assembleStatements } from '../toolchain/assemble.ts';
import { figure, median } from './format.ts';
import { tightLoopRate } from './unicorn.ts';

const ARCHES = ['x64', 'arm64'] as const;
const wasm = (arch: Arch): Sandbox => new WasmSandbox(arch);
const unicorn = (arch: Arch): Sandbox => new UnicornSandbox(arch);

/** Unicorn's tight loop, then the WASM CPU's with its ratio to it, by wall-clock and by CPU time. */
export async function cpuTightLoop(): Promise<string[]> {
  const lines: string[] = [];
  const unit = 'M guest instructions/s';
  for (const arch of ARCHES) {
    const native = await tightLoopRate(arch, unicorn);
    const ours = await tightLoopRate(arch, wasm);
    const reference = { name: `unicorn ${arch} tight loop`, value: native.wall / 1e6 };
    lines.push(figure(reference.name, reference.value, unit));
    lines.push(figure(`wasm-cpu ${arch} tight loop`, ours.wall / 1e6, unit, reference));
    lines.push(figure(`wasm-cpu ${arch} tight loop per second of CPU time`, ours.cpu / 1e6, unit,
      { name: 'unicorn per second of CPU time', value: native.cpu / 1e6 }));
  }
  return lines;
}

// ---- the compiler-output corpus ----

const CALLS_PER_FUNCTION = 4;
/** A call that runs longer is left out (random arguments can make a loop count huge); Unicorn enforces it with its own counter (nativeLimit), as fast as before. */
const MAX_CALL_INSTRUCTIONS = 1_000_000;

interface Call { address: number; args: bigint[] }

/** The build loaded into a fresh sandbox, with a way to put its writable data back as loaded. */
function loaded(create: (arch: Arch) => Sandbox, build: CorpusBuild): { sandbox: Sandbox; resetData: () => void } {
  const sandbox = create(build.arch);
  loadBuild(sandbox, build);
  const writable = build.elf.segments.filter((s) => s.writable);
  return { sandbox, resetData: () => { for (const s of writable) sandbox.write(s.address, s.bytes); } };
}

/**
 * The calls of a build that return normally on both backends, each from the data as loaded, with
 * the instructions each takes on the WASM CPU (the same on Unicorn: the lockstep scripts check it).
 */
function returningCalls(build: CorpusBuild): { calls: Call[]; instructions: number } {
  const next = randomArguments(7);
  const candidates = build.functions.flatMap((fn) =>
    Array.from({ length: CALLS_PER_FUNCTION }, () => ({ address: fn.address, args: Array.from({ length: fn.arity }, next) })));
  const both = [loaded(wasm, build), loaded(unicorn, build)] as const;
  const calls: Call[] = [];
  let instructions = 0;
  for (const call of candidates) {
    const ok = both.every(({ sandbox, resetData }) => {
      resetData();
      prepareCall(sandbox, call.address, call.args);
      try {
        return sandbox.start(call.address, { until: RETURN_ADDRESS, maxInstructions: MAX_CALL_INSTRUCTIONS, nativeLimit: true }).reason === 'until';
      } catch {
        return false; // a fault: random pointers often point nowhere
      }
    });
    if (!ok) continue;
    calls.push(call);
    instructions += (both[0].sandbox as WasmSandbox).lastInstructionCount;
  }
  for (const { sandbox } of both) sandbox.close();
  return { calls, instructions };
}

/** Seconds spent in start() running every call once, each from the data as loaded. */
function runCalls(create: (arch: Arch) => Sandbox, build: CorpusBuild, calls: Call[]): number {
  const { sandbox, resetData } = loaded(create, build);
  let seconds = 0;
  for (const call of calls) {
    resetData();
    prepareCall(sandbox, call.address, call.args);
    const started = performance.now();
    const result = sandbox.start(call.address, { until: RETURN_ADDRESS, maxInstructions: MAX_CALL_INSTRUCTIONS, nativeLimit: true });
    seconds += (performance.now() - started) / 1000;
    if (result.reason !== 'until') throw new Error(`${sandbox.backend}: a corpus call returned before and not now`);
  }
  sandbox.close();
  return seconds;
}

export async function cpuCorpus(): Promise<string[]> {
  const lines: string[] = [];
  for (const arch of ARCHES) {
    const builds = loadCorpus(arch);
    const selected = builds.map((build) => ({ build, ...returningCalls(build) }));
    const calls = selected.reduce((sum, s) => sum + s.calls.length, 0);
    const instructions = selected.reduce((sum, s) => sum + s.instructions, 0);
    const rate = (create: (arch: Arch) => Sandbox): number => median([0, 1, 2].map(() =>
      instructions / selected.reduce((sum, s) => sum + runCalls(create, s.build, s.calls), 0)));
    const what = `${arch} compiler corpus (${builds.length} builds, ${calls} calls, ${(instructions / calls).toFixed(0)} instructions per call)`;
    const reference = { name: 'unicorn', value: rate(unicorn) / 1e6 };
    lines.push(figure(`unicorn ${what}`, reference.value, 'M guest instructions/s'));
    lines.push(figure(`wasm-cpu ${what}`, rate(wasm) / 1e6, 'M guest instructions/s', reference));
  }
  return lines;
}

// ---- stopping a runaway guest from another thread ----

const STOPS = 15;
const RUNAWAY: Record<Arch, string> = { x64: 'l: add rax, 1\njmp l', arm64: 'l: add x0, x0, #1\nb l' };

/**
 * A thread that raises the shared stop flag after a random delay and records when it did (as
 * performance.timeOrigin + now, comparable across threads) in the second half of the buffer.
 */
const STOPPER = `
const { workerData, parentPort } = require('node:worker_threads');
const flag = new Int32Array(workerData, 0, 1);
const raisedAt = new Float64Array(workerData, 8, 1);
parentPort.on('message', (delay) => setTimeout(() => {
  raisedAt[0] = performance.timeOrigin + performance.now();
  Atomics.store(flag, 0, 1);
}, delay));`;

/** Milliseconds from the flag going up in another thread to start() returning, per stop. */
async function stopLatencies(arch: Arch): Promise<number[]> {
  const shared = new SharedArrayBuffer(16);
  const flag = new Int32Array(shared, 0, 1);
  const raisedAt = new Float64Array(shared, 8, 1);
  const sandbox = new WasmSandbox(arch, { stopFlag: flag });
  const CODE = 0x10_0000;
  sandbox.map(CODE, 0x1000, Prot.READ | Prot.EXEC);
  sandbox.write(CODE, await assembleStatements(RUNAWAY[arch], arch, CODE));
  const stopper = new Worker(STOPPER, { eval: true, workerData: shared });
  const latencies: number[] = [];
  try {
    for (let i = 0; i < STOPS; i++) {
      Atomics.store(flag, 0, 0);
      stopper.postMessage(20 + Math.random() * 30);
      const result = sandbox.start(CODE, { timeLimitMs: 10_000 });
      const stoppedAt = performance.timeOrigin + performance.now();
      if (result.reason !== 'stopped') throw new Error(`the runaway ${arch} guest was not stopped (${result.reason})`);
      latencies.push(stoppedAt - raisedAt[0]!);
    }
  } finally {
    await stopper.terminate();
    sandbox.close();
  }
  return latencies;
}

export async function cpuStopLatency(): Promise<string[]> {
  const lines: string[] = [];
  for (const arch of ARCHES) {
    const latencies = await stopLatencies(arch);
    lines.push(figure(`wasm-cpu ${arch} runaway guest stopped from another thread, median of ${STOPS}`, median(latencies), 'ms'));
    lines.push(figure(`wasm-cpu ${arch} runaway guest stopped from another thread, slowest of ${STOPS}`, Math.max(...latencies), 'ms'));
  }
  return lines;
}
