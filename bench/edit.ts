// Time from an edited source to its patch being live, and its parts: assembling the base and the
// edited source, the diff, building the generated patch source, and the transaction that applies it
// to the running program (price-tax, its one-function fix, on Unicorn, medians).
import { readFile } from 'node:fs/promises';
import type { Arch } from '../core/arch.ts';
import { Hotpatcher } from '../engine/host/transaction.ts';
import { GuestProcess } from '../sandbox/process.ts';
import { UnicornSandbox } from '../sandbox/unicorn/unicorn-sandbox.ts';
import { makeEditPatch } from '../toolchain/diff/index.ts';
import { assembleProgram } from '../toolchain/program.ts';
import { figure, median } from './format.ts';

const RUNS = 11;

export async function editToLive(): Promise<string[]> {
  const lines: string[] = [];
  for (const arch of ['x64', 'arm64'] as Arch[]) {
    const base = { name: 'pricing.s', text: await readFile(`examples/price-tax/${arch}/pricing.s`, 'utf8') };
    const edited = { name: 'pricing-fixed.s', text: await readFile(`examples/price-tax/${arch}/pricing-fixed.s`, 'utf8') };
    const modules = await assembleProgram([{ file: base.name, text: base.text }], arch);
    const parts: Record<'assemble' | 'diff' | 'build' | 'apply' | 'total', number[]> = { assemble: [], diff: [], build: [], apply: [], total: [] };
    for (let run = 0; run <= RUNS; run++) {
      const process = new GuestProcess(new UnicornSandbox(arch), { modules, countInstructions: false });
      try {
        process.stopAtCall('pricing!price_with_tax', 5);
        process.run();
        const hotpatcher = await Hotpatcher.create(process.sandbox, modules);
        const start = performance.now();
        const made = await makeEditPatch({ arch, base, edited, running: modules[0]!, sequence: 1 });
        const applyStart = performance.now();
        const result = await hotpatcher.apply(made.patch!.image);
        const end = performance.now();
        if (result.status !== 'applied') throw new Error(`the edit's patch was not applied: ${result.status}`);
        if (run === 0) continue; // warm-up: loads Keystone, the engine and Capstone
        parts.assemble.push(made.timings.assemble);
        parts.diff.push(made.timings.diff);
        parts.build.push(made.timings.build);
        parts.apply.push(end - applyStart);
        parts.total.push(end - start);
      } finally {
        process.close();
      }
    }
    const total = median(parts.total);
    lines.push(figure(`edit ${arch} source to live, one-function edit (median)`, total, 'ms'));
    for (const part of ['assemble', 'diff', 'build', 'apply'] as const) {
      lines.push(figure(`edit ${arch} ${part} (median)`, median(parts[part]), 'ms', { name: 'of the whole', value: total }));
    }
  }
  return lines;
}
