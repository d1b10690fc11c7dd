// "Embed this": a scenario (web/src/embed/scenario.ts) made from the playground's state, the
// program's sources as edited, its patch sources, and the timeline chosen for it. The same code runs
// in the lab's worker (Keystone, Capstone, the WASM CPU) and in Node (the docs page's example is made
// at build time by web/build/docs-snippet.ts): modules assembled, patches built, then the scenario is
// played once so that every listing the embed can show is disassembled and kept in it.
import type { Arch } from '../../../core/arch.ts';
import type { ExpectedOutcome, PatchMoment } from '../../../core/timeline.ts';
import { buildExamplePatch } from '../../../toolchain/example-patch.ts';
import type { BuiltPatch } from '../../../toolchain/patch.ts';
import { assembleProgram } from '../../../toolchain/program.ts';
import type { DemoDependencies } from '../embed/demo-core.ts';
import type { Disassembler } from '../embed/instruction-table.ts';
import { SCENARIO_FORMAT, type Scenario, toScenarioModule } from '../embed/scenario.ts';
import { type RecordedEvent, recordInstructions, scenarioTimeline } from '../embed/scenario-recording.ts';
import type { PatchFile, SourceFile } from '../state/lab-state.ts';

/** One event of the chosen timeline: a patch (by its file name among `patches`) applied, or a module's patch rolled back. */
export interface ChosenEvent {
  at: PatchMoment;
  apply?: string;
  rollback?: string;
  expect: ExpectedOutcome;
  note?: string;
}

export interface ScenarioSpec {
  arch: Arch;
  /** The example the sources started from, if any. */
  example?: string;
  title: string;
  summary: string;
  files: SourceFile[];
  patches: PatchFile[];
  timeline: ChosenEvent[];
  /** The playground's state as a link's hash (s=…), for the demo's "Open in playground". */
  playground?: string;
}

export interface MakerPlatform extends Omit<DemoDependencies, 'disassemble'> {
  disassemble: Disassembler;
}

/** The scenario of `spec`; throws with the reason when a source does not assemble or a patch does not build. */
export async function makeScenario(spec: ScenarioSpec, platform: MakerPlatform): Promise<Scenario> {
  if (spec.files.length === 0) throw new Error('the program has no modules');
  const modules = await assembleProgram(spec.files.map((f) => ({ file: f.name, text: f.text })), spec.arch);
  const built = new Map<string, BuiltPatch>();
  const events: RecordedEvent[] = [];
  for (const event of spec.timeline) {
    const common = { at: event.at, expect: event.expect, ...(event.note ? { note: event.note } : {}) };
    if (event.apply === undefined) {
      events.push({ ...common, action: { kind: 'rollback', module: event.rollback ?? '' } });
      continue;
    }
    const name = event.apply;
    const source = spec.patches.find((p) => p.name === name);
    if (!source) throw new Error(`the timeline applies ${name}, and there is no patch of that name`);
    let patch = built.get(name);
    if (!patch) {
      try {
        patch = await buildExamplePatch(source, spec.arch, modules);
      } catch (error) {
        throw new Error(`${name} does not build: ${error instanceof Error ? error.message : String(error)}`);
      }
      built.set(name, patch);
    }
    events.push({ ...common, action: { kind: 'apply', name, built: patch } });
  }
  const { patches, events: timeline } = await scenarioTimeline(events, spec.arch, 'the chosen timeline');
  const scenario: Scenario = {
    format: SCENARIO_FORMAT, id: `${spec.example ?? 'program'}/${spec.arch}/embedded`, example: spec.example ?? 'program', arch: spec.arch,
    title: spec.title, summary: spec.summary,
    modules: modules.map((m, i) => toScenarioModule(m, spec.files[i]!.name)), patches, timeline, instructions: [],
    ...(spec.playground ? { playground: spec.playground } : {}),
  };
  const { disassemble, ...deps } = platform;
  return recordInstructions(scenario, deps, disassemble);
}
