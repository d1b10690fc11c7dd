// Every example on both CPUs, on both architectures: run as written, and patched live as its timeline
// says; the WASM CPU must print, count and patch exactly as Unicorn does.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resultToJson } from '../../cli/patch-report.ts';
import { runTimeline } from '../../engine/host/timeline.ts';
import { RunBudget } from '../../sandbox/run-budget.ts';
import { Hotpatcher } from '../../engine/host/transaction.ts';
import { GuestProcess } from '../../sandbox/process.ts';
import { type Sandbox } from '../../sandbox/sandbox.ts';
import { type Arch, ARCHES } from '../../core/arch.ts';
import { UnicornSandbox } from '../../sandbox/unicorn/unicorn-sandbox.ts';
import { WasmSandbox } from '../../sandbox/wasm/wasm-sandbox.ts';
import { assembleExample, buildExampleTimeline, readExampleManifest } from '../../toolchain/example.ts';

const EXAMPLES = new URL('../../examples/', import.meta.url).pathname;
const both = (arch: Arch): Sandbox[] => [new UnicornSandbox(arch), new WasmSandbox(arch)];

/** The examples that have `arch`, assembled, with their timelines built. */
async function examplesFor(arch: Arch) {
  const found = [];
  for (const name of readdirSync(EXAMPLES)) {
    const dir = `${EXAMPLES}${name}`;
    const manifest = await readExampleManifest(dir);
    if (!manifest.arches.includes(arch)) continue;
    const { modules } = await assembleExample(dir, arch);
    found.push({ name, modules, slice: manifest.slice, timeline: await buildExampleTimeline(dir, arch, manifest, modules) });
  }
  return found;
}

function record(process: GuestProcess) {
  return { state: process.state, output: process.io.text(), exit: process.io.exitCode, instructions: process.instructions,
    calls: Object.fromEntries(process.calls) };
}

describe.each(ARCHES)('every %s example on Unicorn and on the WASM CPU', (arch) => {
  it('runs to the same output, exit code, instruction count and calls', async () => {
    const examples = await examplesFor(arch);
    for (const { name, modules, slice } of examples) {
      const runs = both(arch).map((sandbox) => {
        const process = new GuestProcess(sandbox, { modules, slice });
        process.run({ maxInstructions: 10_000_000 });
        const result = record(process);
        process.close();
        return result;
      });
      expect(runs[1], name).toEqual(runs[0]);
      expect(runs[0]!.state, name).toBe('exited');
    }
    expect(examples.length).toBeGreaterThanOrEqual(5);
  });

  it('patches live as the timeline says, with the same output, calls and transactions', async () => {
    const examples = (await examplesFor(arch)).filter((e) => e.timeline.length > 0);
    for (const { name, modules, timeline, slice } of examples) {
      const runs = [];
      for (const sandbox of both(arch)) {
        const process = new GuestProcess(sandbox, { modules, slice, budget: new RunBudget({ maxInstructions: 10_000_000 }) });
        const hotpatcher = await Hotpatcher.create(sandbox, modules, { process });
        const records = await runTimeline(process, hotpatcher, timeline);
        runs.push({ ...record(process), events: records.map((r) => ({ ...r, result: r.result && resultToJson(r.result) })) });
        process.close();
      }
      expect(runs[1], name).toEqual(runs[0]);
      expect(runs[0]!.events.every((e) => e.asExpected), name).toBe(true);
    }
    expect(examples.length).toBeGreaterThanOrEqual(5);
  });
});
