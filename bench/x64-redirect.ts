// Time to plan an x86-64 redirect (hook mode, with trampoline) through the host API, per function of
// a corpus build; the reference is Capstone disassembling the same function's bytes in the same run.
import { planX64Redirect } from '../engine/host/x64.ts';
import { loadCorpus } from '../harness/corpus/corpus.ts';
import { disassemble } from '../toolchain/capstone.ts';
import { figure, median } from './format.ts';

const ROUNDS = 200;

async function medianMicroseconds(work: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 20; i++) await work(); // warm up the engine and the JIT
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = performance.now();
    await work();
    times.push((performance.now() - started) * 1000);
  }
  return median(times);
}

export async function x64RedirectPlanning(): Promise<string[]> {
  const build = loadCorpus('x64').find((b) => b.name === 'x64-gcc-O2')!;
  const functions = build.functions;
  let next = 0;
  const plan = async () => {
    const fn = functions[next++ % functions.length]!;
    await planX64Redirect({ arch: 'x64', target: { address: fn.address, bytes: fn.bytes, name: fn.name },
      replacement: 0x1000_0000, mode: 'hook', trampolineAddress: 0x1010_0000 });
  };
  const planned = await medianMicroseconds(plan);
  next = 0;
  const disassembled = await medianMicroseconds(async () => {
    const fn = functions[next++ % functions.length]!;
    await disassemble('x64', fn.bytes, fn.address);
  });
  const size = median(functions.map((f) => f.size));
  return [figure(`x64 redirect planning (${build.name}, median function ${size} bytes)`, planned, 'µs median',
    { name: 'Capstone disassembling the same function', value: disassembled })];
}
