// Build step for the embeds (Node): turns examples/<id> on one architecture into a Scenario. The
// toolchain assembles the modules and builds the patch images; then the scenario is played on real
// Unicorn through the same DemoCore the embed runs, its timeline applied and rolled back, while every
// listing the embed can show is disassembled by Capstone and kept. The embed then shows disassembly
// without loading Capstone.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePatchImage } from '../../engine/host/patch-image.ts';
import type { Arch } from '../../core/arch.ts';
import { assembleExample, type BuiltTimelineEvent, buildExampleTimeline, readExampleManifest } from '../../toolchain/example.ts';
import { exampleTimeline } from '../../toolchain/example-manifest.ts';
import { disassembleAll } from '../src/lab/disassembly.ts';
import { DemoCore, type DemoDependencies } from '../src/embed/demo-core.ts';
import { InstructionTable, recordingDisassembler } from '../src/embed/instruction-table.ts';
import {
  SCENARIO_FORMAT, type Scenario, type ScenarioEvent, type ScenarioPatch, scenarioId, toScenarioModule,
} from '../src/embed/scenario.ts';
import { bytesToHex } from '../../core/hex.ts';
import { nodePlatform } from './node-platform.ts';

export interface ExampleChoice {
  example: string;
  arch: Arch;
  title: string;
}

/**
 * Every example and architecture under `examplesDir`, in directory order. A directory without
 * example.json is not an example; an example.json that cannot be read or fails its checks stops the
 * build with the reason.
 */
export async function listExamples(examplesDir: string): Promise<ExampleChoice[]> {
  const choices: ExampleChoice[] = [];
  for (const entry of (await readdir(examplesDir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory()) continue;
    const dir = join(examplesDir, entry.name);
    if (!(await stat(join(dir, 'example.json')).catch(() => undefined))) continue;
    const manifest = await readExampleManifest(dir);
    // The embeds play the entry model, as one scenario with no thread lanes: examples of threads and
    // of the other consistency models (a "slice", a "consistency") are for the command line.
    if (manifest.slice !== undefined || manifest.arches.some((a) => exampleTimeline(manifest, a).some((e) => (e.consistency ?? 'entry') !== 'entry'))) {
      continue;
    }
    for (const arch of manifest.arches) choices.push({ example: entry.name, arch, title: manifest.title });
  }
  return choices;
}

/** The timeline's patches, each image once, and its events pointing at them. */
async function scenarioTimeline(timeline: BuiltTimelineEvent[], arch: Arch, file: string):
  Promise<{ patches: ScenarioPatch[]; events: ScenarioEvent[] }> {
  const patches: ScenarioPatch[] = [];
  const events: ScenarioEvent[] = [];
  for (const [i, { at, action, expect, note }] of timeline.entries()) {
    const common = { at, expect, ...(note ? { note } : {}) } as const;
    if (action.kind === 'rollback') {
      events.push({ ...common, rollback: action.module });
      continue;
    }
    const { built } = action;
    const parsed = await parsePatchImage(built.image, arch);
    if (!parsed.ok) {
      throw new Error(`${file}: timeline entry ${i + 1}: the toolchain built an image of ${action.name} the engine rejects: ` +
        parsed.error.message);
    }
    const image = bytesToHex(built.image);
    let index = patches.findIndex((p) => p.file === action.name && p.image === image);
    if (index < 0) {
      index = patches.push({
        file: action.name, module: built.module, sequence: built.sequence, image,
        functions: built.functions, redirects: parsed.image.redirects.map((r) => ({ base: r.base, mode: r.mode })),
      }) - 1;
    }
    events.push({ ...common, patch: index });
  }
  return { patches, events };
}

/** Assembles, builds and plays one scenario; `deps` default to Unicorn, the engine's planners and Capstone. */
export async function buildScenario(examplesDir: string, example: string, arch: Arch,
  deps: Omit<DemoDependencies, 'disassemble'> = nodePlatform): Promise<Scenario> {
  const dir = join(examplesDir, example);
  const { manifest, modules } = await assembleExample(dir, arch);
  const { patches, events } = await scenarioTimeline(await buildExampleTimeline(dir, arch, manifest, modules), arch,
    join(dir, 'example.json'));
  const scenario: Scenario = {
    format: SCENARIO_FORMAT, id: scenarioId(example, arch), example, arch, title: manifest.title, summary: manifest.summary,
    modules: modules.map((m, i) => toScenarioModule(m, manifest.modules[i]!)), patches, timeline: events, instructions: [],
  };
  const table = new InstructionTable();
  await play(scenario, { ...deps, disassemble: recordingDisassembler((a, b, at) => disassembleAll(a, b, at), table) });
  scenario.instructions = table.records();
  return scenario;
}

/**
 * Everything the embed can show, once: every function before and after each transaction of the
 * timeline (applied at once and step by step, which list the same states), and after rolling back.
 */
async function play(scenario: Scenario, deps: DemoDependencies): Promise<void> {
  const core = new DemoCore(scenario, deps);
  await core.reset();
  await core.listEverything();
  // Where the guest stands does not change what a transaction writes (only whether it waits), so
  // the events are played back to back.
  for (let next = core.next; next; next = core.next) {
    const result = next.kind === 'apply' ? await core.apply(undefined, false) : await core.rollback(next.name, false);
    // Without a planner for the architecture nothing can be applied: the listings are those of the program.
    if (core.next?.index === next.index) {
      if (!core.patchingUnavailable) throw new Error(`${scenario.id}: timeline event ${next.index + 1} was not played: ${result.message}`);
      break;
    }
    await core.listEverything();
  }
  while (core.activePatches.length > 0) {
    const result = await core.rollback(core.activePatches.at(-1)!.module, false);
    if (result.status !== 'applied') throw new Error(`${scenario.id}: rolling back failed: ${result.message}`);
    await core.listEverything();
  }
}
