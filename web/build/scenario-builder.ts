// Build step for the embeds (Node): turns examples/<id> on one architecture into a Scenario. The
// toolchain assembles the modules and builds the patch images; then the scenario is played on real
// Unicorn through the same DemoCore the embed runs, its timeline applied and rolled back, while every
// listing the embed can show is disassembled by Capstone and kept. The embed then shows disassembly
// without loading Capstone.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePatchImage } from '../../engine/host/patch-image.ts';
import type { Arch } from '../../sandbox/sandbox.ts';
import { assembleExample, exampleFile } from '../../toolchain/example.ts';
import { exampleFileName } from '../../toolchain/example-manifest.ts';
import type { GuestModule } from '../../core/module.ts';
import { buildPatch } from '../../toolchain/patch.ts';
import { disassembleAll } from '../src/lab/disassembly.ts';
import { DemoCore, type DemoDependencies } from '../src/embed/demo-core.ts';
import { InstructionTable, recordingDisassembler } from '../src/embed/instruction-table.ts';
import {
  SCENARIO_FORMAT, type Scenario, type ScenarioEvent, type ScenarioPatch, scenarioId, toScenarioModule,
} from '../src/embed/scenario.ts';
import { toHex } from '../src/lab/hex.ts';
import { nodePlatform } from './node-platform.ts';

/** The timeline entries of example.json this step reads. */
interface TimelineEntry {
  at: ScenarioEvent['at'];
  apply?: string;
  rollback?: string;
  builtAgainst?: string;
  expect?: 'applied' | 'refused';
  note?: string;
}

export interface ExampleChoice {
  example: string;
  arch: Arch;
}

/** Every example and architecture under `examplesDir`, in directory order. */
export async function listExamples(examplesDir: string): Promise<ExampleChoice[]> {
  const choices: ExampleChoice[] = [];
  for (const entry of (await readdir(examplesDir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory()) continue;
    let manifest: { arches?: Arch[] };
    try {
      manifest = JSON.parse(await readFile(join(examplesDir, entry.name, 'example.json'), 'utf8')) as { arches?: Arch[] };
    } catch {
      continue;
    }
    for (const arch of manifest.arches ?? []) choices.push({ example: entry.name, arch });
  }
  return choices;
}

async function buildPatches(dir: string, arch: Arch, modules: GuestModule[], timeline: TimelineEntry[]):
  Promise<{ patches: ScenarioPatch[]; events: ScenarioEvent[] }> {
  const patches: ScenarioPatch[] = [];
  const events: ScenarioEvent[] = [];
  for (const [i, entry] of timeline.entries()) {
    const where = `${join(dir, 'example.json')}: timeline entry ${i + 1}`;
    if (!entry.at || (entry.apply === undefined) === (entry.rollback === undefined)) {
      throw new Error(`${where} needs "at" and one of "apply" or "rollback"`);
    }
    const common = { at: entry.at, expect: entry.expect ?? 'applied', ...(entry.note ? { note: entry.note } : {}) } as const;
    if (entry.rollback !== undefined) {
      events.push({ ...common, rollback: entry.rollback });
      continue;
    }
    const file = exampleFile(dir, arch, entry.apply!);
    const source = await readFile(file, 'utf8');
    const target = /^\s*\.patch\s+([\w.$]+)/m.exec(source)?.[1];
    let base = modules.find((m) => m.name === target) ?? modules.at(-1)!;
    if (entry.builtAgainst !== undefined) {
      // Another build of the module: the image names its identity, and the engine refuses it.
      const { assembleModule } = await import('../../toolchain/assemble.ts');
      const against = exampleFile(dir, arch, entry.builtAgainst);
      const externals = new Map(modules.filter((m) => m !== base).flatMap((m) =>
        m.exports.map((name) => [name, m.symbols.find((s) => s.name === name)!.address] as const)));
      base = await assembleModule(await readFile(against, 'utf8'), arch, { file: against, externals });
    }
    const built = await buildPatch(source, arch, { file, base, modules });
    const parsed = await parsePatchImage(built.image, arch);
    if (!parsed.ok) throw new Error(`${file}: the toolchain built an image the engine rejects: ${parsed.error.message}`);
    let index = patches.findIndex((p) => p.file === exampleFileName(entry.apply!) && p.image === toHex(built.image));
    if (index < 0) {
      index = patches.push({
        file: exampleFileName(entry.apply!), module: built.module, sequence: built.sequence, image: toHex(built.image),
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
  const raw = manifest as typeof manifest & { timeline?: TimelineEntry[] | Partial<Record<Arch, TimelineEntry[]>> };
  const timeline = Array.isArray(raw.timeline) ? raw.timeline : raw.timeline?.[arch] ?? [];
  const { patches, events } = await buildPatches(dir, arch, modules, timeline);
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
