// Time to apply a patch (median) with a 1-function and a 1,000-function patch, next to the time
// of the same memory changes (the transaction's own maps and writes) made directly. Each apply is
// paired with the raw writes made right after it, and the ratio is the median of the pairs' ratios:
// on a shared machine the load changes between runs more than within a pair.
import { Hotpatcher } from '../engine/host/transaction.ts';
import type { JournalStep } from '../engine/host/journal.ts';
import { GuestProcess } from '../sandbox/process.ts';
import type { Sandbox } from '../sandbox/sandbox.ts';
import type { Arch } from '../core/arch.ts';
import { UnicornSandbox } from '../sandbox/unicorn/unicorn-sandbox.ts';
import { assembleStatements } from '../toolchain/assemble.ts';
import { moduleIdentity } from '../core/identity.ts';
import type { GuestModule } from '../core/module.ts';
import { writePatchImage } from '../toolchain/patch-image-writer.ts';
import { callFunction } from '../harness/corpus/corpus.ts';
import { figure, median } from './format.ts';

const BASE = 0x40_0000;
const SLOT = 16; // bytes per function, base and patch alike
const RUNS = 21;
/** Applies made first and not counted: the first runs of a process also compile the code they run. */
const WARM_UP = 3;

/** The function every base slot holds (f(x) = 3x + 1) and the one every patch slot holds (f(x) = 5x). */
const FUNCTIONS: Record<Arch, { base: string; patched: string; fill: number }> = {
  x64: { base: 'imul eax, edi, 3\nadd eax, 1\nret', patched: 'imul eax, edi, 5\nret', fill: 0xcc },
  arm64: { base: 'mov w1, #3\nmul w0, w0, w1\nadd w0, w0, #1\nret', patched: 'mov w1, #5\nmul w0, w0, w1\nret', fill: 0 },
};

/** Repeats one function `count` times, each in a 16-byte slot padded like a compiler pads. */
async function repeated(arch: Arch, source: string, count: number): Promise<{ code: Uint8Array; size: number }> {
  const fn = await assembleStatements(source, arch, BASE);
  const code = new Uint8Array(count * SLOT).fill(FUNCTIONS[arch].fill);
  for (let i = 0; i < count; i++) code.set(fn, i * SLOT);
  return { code, size: fn.length };
}

/** A module of `count` functions f0..f{count-1}, built directly (Keystone takes at most a few thousand lines). */
async function baseModule(arch: Arch, count: number): Promise<GuestModule> {
  const { code, size } = await repeated(arch, FUNCTIONS[arch].base, count);
  return {
    name: 'many', arch, base: BASE, code, dataAddress: BASE + Math.ceil(code.length / 0x1000) * 0x1000, data: new Uint8Array(0),
    symbols: Array.from({ length: count }, (_, i) => ({ name: `f${i}`, address: BASE + i * SLOT, size, kind: 'function' as const })),
    exports: [],
    fill: Array.from({ length: count }, (_, i) => ({ address: BASE + i * SLOT + size, size: SLOT - size })),
  };
}

async function patchImage(arch: Arch, module: GuestModule, count: number): Promise<Uint8Array> {
  const { code, size } = await repeated(arch, FUNCTIONS[arch].patched, count);
  return writePatchImage({
    arch, sequence: 1, module: module.name, baseIdentity: await moduleIdentity(module), code, data: new Uint8Array(0),
    redirects: Array.from({ length: count }, (_, i) => ({
      base: `f${i}`, baseOffset: i * SLOT, baseSize: module.symbols[i]!.size, newOffset: i * SLOT, newSize: size, mode: 'replace' as const,
    })),
    imports: [], baseReferences: [],
  });
}

/** The transaction's memory changes, made directly. */
function replay(sandbox: Sandbox, steps: JournalStep[]): void {
  for (const step of steps) {
    if (step.action === 'map') {
      sandbox.map(step.address, step.size, step.prot!);
      if (step.after.length > 0) sandbox.write(step.address, step.after);
    } else if (step.action === 'write') {
      sandbox.write(step.address, step.after);
    }
  }
}

function undoReplay(sandbox: Sandbox, steps: JournalStep[]): void {
  for (const step of [...steps].reverse()) {
    if (step.action === 'map') sandbox.unmap(step.address, step.size);
    else if (step.action === 'write') sandbox.write(step.address, step.before);
  }
}

async function applyTimes(arch: Arch, functions: number): Promise<{ apply: number; raw: number; ratio: number; writes: number }> {
  const module = await baseModule(arch, functions);
  const image = await patchImage(arch, module, functions);
  const process = new GuestProcess(new UnicornSandbox(arch), { modules: [module], entry: 'f0', countInstructions: false });
  const sandbox = process.sandbox;
  const hotpatcher = await Hotpatcher.create(sandbox, [module]);
  const last = module.symbols[functions - 1]!.address;
  if (callFunction(sandbox, last, [7n]) !== 22n) throw new Error('the base function does not compute 3x + 1');
  const applyTimes: number[] = [];
  const rawTimes: number[] = [];
  let steps: JournalStep[] = [];
  let placedAt: number | undefined;
  for (let run = -WARM_UP; run < RUNS; run++) {
    const started = performance.now();
    const result = await hotpatcher.apply(image);
    const applied = performance.now() - started;
    if (result.status !== 'applied') throw new Error(`the benchmark patch was not applied: ${result.message}`);
    // The steps (with their sentences, which a transaction makes only when they are read) are read
    // once: every apply places the patch at the same address, so it makes the same changes.
    if (run === -WARM_UP) {
      if (callFunction(sandbox, last, [7n]) !== 35n) throw new Error('the patched function does not compute 5x');
      steps = result.steps;
      placedAt = result.placement?.code;
    } else if (result.placement?.code !== placedAt) {
      throw new Error('the patch was placed elsewhere than the first time: its changes are not the ones replayed');
    }
    const rollback = await hotpatcher.rollback(module.name);
    if (rollback.status !== 'applied') throw new Error(`the benchmark patch was not rolled back: ${rollback.message}`);

    const rawStarted = performance.now();
    replay(sandbox, steps);
    const raw = performance.now() - rawStarted;
    undoReplay(sandbox, steps);
    if (run < 0) continue;
    applyTimes.push(applied);
    rawTimes.push(raw);
  }
  process.close();
  return { apply: median(applyTimes), raw: median(rawTimes), ratio: median(applyTimes.map((t, i) => t / rawTimes[i]!)),
    writes: steps.filter((s) => s.action !== 'note').length };
}

export async function hotpatchApply(): Promise<string[]> {
  const lines: string[] = [];
  for (const arch of ['x64', 'arm64'] as const) {
    for (const functions of [1, 1000]) {
      const { apply, raw, ratio, writes } = await applyTimes(arch, functions);
      const label = `${functions.toLocaleString('en-US')}-function patch`;
      lines.push(`${figure(`hotpatch ${arch} apply ${label} (median)`, apply, 'ms')} (${ratio.toFixed(2)}x the same ` +
        `${writes.toLocaleString('en-US')} raw maps and writes, median of each apply's ratio to those made after it; ${raw.toPrecision(3)} ms)`);
    }
  }
  return lines;
}
