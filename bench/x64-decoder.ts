// Decoder throughput: the engine's x86-64 decoder against Capstone's disassembly of the same bytes,
// measured in the same run. Inputs: the functions of the gcc/clang corpus (real compiler output)
// and the Keystone template corpus (every operand shape, SSE, AVX, AVX-512).
import { existsSync } from 'node:fs';
import { X64Decoder } from '../engine/host/x64-decoder.ts';
import { capstoneHandle } from '../toolchain/capstone.ts';
import { CORPUS_BUILD_DIR, loadCorpus } from '../harness/corpus/corpus.ts';
import { templateCorpus } from '../harness/corpus/x64-template-corpus.ts';
import { figure, median } from './format.ts';

const ADDRESS = 0x401000;

function concatenate(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const part of parts) { out.set(part, at); at += part.length; }
  return out;
}

/** Bytes per second of one timed round of `run` over `bytes` (at least 100 ms). */
function round(bytes: Uint8Array, run: () => void): number {
  let repeats = 0;
  const started = performance.now();
  do { run(); repeats++; } while (performance.now() - started < 100);
  return (bytes.length * repeats) / ((performance.now() - started) / 1000);
}

/**
 * Medians of seven rounds of each, the rounds interleaved so that both see the same load on a
 * shared machine.
 */
function rates(bytes: Uint8Array, ours: () => void, reference: () => void): [number, number] {
  ours(); reference(); // warm up
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < 7; i++) { a.push(round(bytes, ours)); b.push(round(bytes, reference)); }
  return [median(a), median(b)];
}

async function measure(name: string, bytes: Uint8Array): Promise<string> {
  const decoder = await X64Decoder.load();
  const capstone = await capstoneHandle('x64');
  const ours = decoder.countRun(bytes, ADDRESS);
  const theirs = capstone.disasm(bytes, ADDRESS).length;
  if (ours !== theirs) throw new Error(`${name}: the decoder finds ${ours} instructions, Capstone ${theirs}`);
  const [decoderRate, capstoneRate] = rates(bytes, () => decoder.countRun(bytes, ADDRESS), () => capstone.disasm(bytes, ADDRESS));
  return figure(`x64 decoder, ${name} (${ours.toLocaleString('en-US')} instructions)`, decoderRate / 1e6, 'MB/s',
    { name: 'Capstone disassembly', value: capstoneRate / 1e6 });
}

export async function x64DecoderThroughput(): Promise<string[]> {
  const lines: string[] = [];
  if (existsSync(CORPUS_BUILD_DIR)) {
    const code = concatenate(loadCorpus('x64').flatMap((build) => build.functions.map((f) => f.bytes)));
    lines.push(await measure('gcc/clang output', code));
  }
  const { assembled } = await templateCorpus();
  // Forms that meet a documented difference (ud0/ud1, 66h before jcc) stay out, so both decode
  // the whole buffer instruction by instruction.
  const forms = assembled.filter((form) => !/^(ud0|ud1|data16 j)/.test(form.source)).map((form) => form.bytes);
  lines.push(await measure('template corpus', concatenate(forms)));
  return lines;
}
