// Every example's fix also as an edited module source: the patches the generator makes from the
// edits must print exactly what the hand-written patches print, with the same outcome at every
// moment, on both architectures and both CPUs.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Arch, ARCHES } from '../../core/arch.ts';
import { runTimeline, type TimelineEvent } from '../../engine/host/timeline.ts';
import { Hotpatcher } from '../../engine/host/transaction.ts';
import type { GuestModule } from '../../core/module.ts';
import { GuestProcess } from '../../sandbox/process.ts';
import { RunBudget } from '../../sandbox/run-budget.ts';
import type { Sandbox } from '../../sandbox/sandbox.ts';
import { UnicornSandbox } from '../../sandbox/unicorn/unicorn-sandbox.ts';
import { WasmSandbox } from '../../sandbox/wasm/wasm-sandbox.ts';
import { assembleExample, buildExampleEditTimeline, buildExampleTimeline, readExampleManifest } from '../../toolchain/example.ts';
import { exampleEditGaps } from '../../toolchain/example-manifest.ts';

const EXAMPLES = new URL('../../examples/', import.meta.url).pathname;
const CPUS: [string, (arch: Arch) => Sandbox][] = [['unicorn', (arch) => new UnicornSandbox(arch)], ['wasm', (arch) => new WasmSandbox(arch)]];

async function run(newSandbox: (arch: Arch) => Sandbox, arch: Arch, modules: GuestModule[], timeline: TimelineEvent[]) {
  const sandbox = newSandbox(arch);
  const process = new GuestProcess(sandbox, { modules, budget: new RunBudget({ maxInstructions: 10_000_000 }) });
  try {
    const hotpatcher = await Hotpatcher.create(sandbox, modules);
    const records = await runTimeline(process, hotpatcher, timeline);
    return { state: process.state, output: process.io.text(), exit: process.io.exitCode,
      outcomes: records.map((r) => [r.result?.status, r.result?.status === 'refused' ? r.result.code : undefined, r.asExpected]) };
  } finally {
    process.close();
  }
}

describe.each(ARCHES)('every %s example as an edit', (arch) => {
  it('prints exactly what its hand-written patches print, on both CPUs', async () => {
    let checked = 0;
    for (const name of readdirSync(EXAMPLES)) {
      const dir = `${EXAMPLES}${name}`;
      const manifest = await readExampleManifest(dir);
      if (!manifest.arches.includes(arch)) continue;
      const { modules } = await assembleExample(dir, arch);
      const written = await buildExampleTimeline(dir, arch, manifest, modules);
      if (!written.some((e) => e.action.kind === 'apply')) continue;
      // An example whose point a generated patch cannot make says why, and the command line says it too.
      const gaps = exampleEditGaps(manifest, arch);
      if (gaps.length > 0) {
        expect(gaps.every((why) => why.length > 40), name).toBe(true);
        await expect(buildExampleEditTimeline(dir, arch, manifest, modules), name).rejects.toThrow(`has no edit: ${gaps[0]}`);
        continue;
      }
      const generated = await buildExampleEditTimeline(dir, arch, manifest, modules);
      for (const [cpu, newSandbox] of CPUS) {
        const [byHand, byEdit] = [await run(newSandbox, arch, modules, written), await run(newSandbox, arch, modules, generated)];
        expect(byEdit, `${name} on ${cpu}`).toEqual(byHand);
        expect(byEdit.outcomes.every(([, , expected]) => expected), `${name} on ${cpu}`).toBe(true);
      }
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(arch === 'arm64' ? 7 : 6);
  });
});
