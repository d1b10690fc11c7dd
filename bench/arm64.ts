// ARM64 engine figures: decoder throughput against Capstone on the same compiler output, and the
// time to plan a redirect, both measured in the same run.
import { planArm64RedirectWith } from '../engine/host/arm64.ts';
import { loadEngine } from '../engine/host/engine.ts';
import { loadCorpus } from '../harness/corpus/corpus.ts';
import { capstoneHandle } from '../toolchain/capstone.ts';
import { figure, median } from './format.ts';

/** The code of every ARM64 corpus build, one after the other. */
function corpusCode(): Uint8Array {
  const segments = loadCorpus('arm64').map((b) => b.elf.segments.find((s) => s.executable)!.bytes);
  const code = new Uint8Array(segments.reduce((n, s) => n + (s.length & ~3), 0));
  let offset = 0;
  for (const s of segments) { code.set(s.subarray(0, s.length & ~3), offset); offset += s.length & ~3; }
  return code;
}

/** Median bytes per second of `run` over a few timed rounds, each repeating it until 50 ms have passed. */
function rate(bytes: number, run: () => void): number {
  run();
  const rates: number[] = [];
  for (let round = 0; round < 7; round++) {
    let repeats = 0;
    const started = performance.now();
    while (performance.now() - started < 50) { run(); repeats++; }
    rates.push((bytes * repeats) / ((performance.now() - started) / 1000));
  }
  return median(rates);
}

export async function arm64Decoder(): Promise<string[]> {
  const engine = await loadEngine();
  const code = corpusCode();
  const words = code.length / 4;
  engine.input(code.length).set(code);
  const ours = rate(code.length, () => { engine.exports.decodeArm64Words(words, 0x40_0000n); });
  const capstone = await capstoneHandle('arm64');
  const theirs = rate(code.length, () => {
    // In 4 KiB windows; Capstone stops at a word it cannot decode (literal data): resume after it.
    for (let offset = 0; offset < code.length;) {
      const window = code.subarray(offset, Math.min(offset + 4096, code.length));
      let decoded = 0;
      try { decoded = capstone.disasm(window, 0x40_0000 + offset, 0).length; } catch { decoded = 0; }
      offset += decoded * 4 < window.length ? decoded * 4 + 4 : window.length;
    }
  });
  return [figure(`arm64 decoder (${(code.length / 1024).toFixed(0)} KiB of compiler output)`, ours / 1e6, 'MB/s',
    { name: 'Capstone', value: theirs / 1e6 })];
}

export async function arm64RedirectPlanning(): Promise<string[]> {
  const engine = await loadEngine();
  const build = loadCorpus('arm64').find((b) => b.name === 'arm64-gcc-O2')!;
  const functions = build.functions;
  const time = (work: (i: number) => void) => {
    for (let i = 0; i < 50; i++) work(i); // warm up the engine and the JIT
    const times: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const started = performance.now();
      work(i);
      times.push((performance.now() - started) * 1000);
    }
    return median(times);
  };
  const capstone = await capstoneHandle('arm64');
  const lines: string[] = [];
  for (const [label, replacement] of [['b imm26', 0x50_0000], ['ldr x16 + br x16', 0x2_0000_0000]] as const) {
    const planned = time((i) => {
      const fn = functions[i % functions.length]!;
      planArm64RedirectWith(engine, { arch: 'arm64', target: { address: fn.address, bytes: fn.bytes, name: fn.name },
        replacement, mode: 'hook', trampolineAddress: replacement + 0x1000 });
    });
    const disassembled = time((i) => {
      const fn = functions[i % functions.length]!;
      try { capstone.disasm(fn.bytes, fn.address, 0); } catch { /* nothing decoded */ }
    });
    const size = median(functions.map((f) => f.size));
    lines.push(figure(`arm64 redirect planning, hook, ${label} (${build.name}, median function ${size} bytes)`, planned,
      'µs median', { name: 'Capstone disassembling the same function', value: disassembled }));
  }
  return lines;
}
