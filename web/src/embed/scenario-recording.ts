// What makes a scenario from a program and its built patches, wherever the toolchain ran: the build
// step (web/build/scenario-builder.ts, on Unicorn) and the playground's "Embed this" (in its worker,
// on the WASM CPU). The timeline's patches are kept once each; then the scenario is played through
// the same DemoCore the embed runs, and every listing the embed can show is disassembled and kept,
// so that the embed shows disassembly without loading a disassembler.
import { parsePatchImage } from '../../../engine/host/patch-image.ts';
import type { Arch } from '../../../core/arch.ts';
import type { ExpectedOutcome, PatchMoment } from '../../../core/timeline.ts';
import { bytesToHex } from '../../../core/hex.ts';
import type { BuiltPatch } from '../../../toolchain/patch.ts';
import { DemoCore, type DemoDependencies } from './demo-core.ts';
import { type Disassembler, InstructionTable, recordingDisassembler } from './instruction-table.ts';
import type { Scenario, ScenarioEvent, ScenarioPatch } from './scenario.ts';

/** A timeline event with its patch built (toolchain/example.ts: BuiltTimelineEvent has this shape). */
export interface RecordedEvent {
  at: PatchMoment;
  action: { kind: 'apply'; name: string; built: BuiltPatch } | { kind: 'rollback'; module: string };
  expect: ExpectedOutcome;
  note?: string;
}

/** The timeline's patches, each image once, and its events pointing at them. */
export async function scenarioTimeline(timeline: readonly RecordedEvent[], arch: Arch, where: string):
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
      throw new Error(`${where}: timeline entry ${i + 1}: the toolchain built an image of ${action.name} the engine rejects: ` +
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

/** Fills `scenario.instructions`: plays it with `disassemble` recording everything it decodes. */
export async function recordInstructions(scenario: Scenario, deps: Omit<DemoDependencies, 'disassemble'>,
  disassemble: Disassembler): Promise<Scenario> {
  const table = new InstructionTable();
  await play(scenario, { ...deps, disassemble: recordingDisassembler(disassemble, table) });
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
