// Build step for the embeds (Node): turns examples/<id> on one architecture into a Scenario. The
// toolchain assembles the modules and builds the patch images; then the scenario is played on real
// Unicorn through the same DemoCore the embed runs (scenario-recording.ts), its timeline applied and
// rolled back, while every listing the embed can show is disassembled by Capstone and kept. The
// embed then shows disassembly without loading Capstone.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Arch } from '../../core/arch.ts';
import { assembleExample, buildExampleTimeline, readExampleManifest } from '../../toolchain/example.ts';
import { exampleTimeline } from '../../toolchain/example-manifest.ts';
import { disassembleAll } from '../src/lab/disassembly.ts';
import type { DemoDependencies } from '../src/embed/demo-core.ts';
import { SCENARIO_FORMAT, type Scenario, scenarioId, toScenarioModule } from '../src/embed/scenario.ts';
import { recordInstructions, scenarioTimeline } from '../src/embed/scenario-recording.ts';
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
  return recordInstructions(scenario, deps, (a, b, at) => disassembleAll(a, b, at));
}
