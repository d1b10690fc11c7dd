// A gallery example, unedited, is loaded as the build prepared it for the embeds (its scenario:
// modules assembled and code disassembled at build time), so it runs before Keystone and Capstone
// have loaded; the first edit brings them in. The example a visit without a link opens comes with
// the page's script: its load is asked for while the page is drawn, not after.
import { SCENARIOS } from 'virtual:hotpatch-scenarios';
import firstScenario, { FIRST_SCENARIO } from 'virtual:hotpatch-first-scenario';
import { findExample } from '../examples/catalog.ts';
import type { PrebuiltProgram, ProgramSpec } from './protocol.ts';

/** The prebuilt form of `program` when it is exactly example `exampleId`'s sources; otherwise undefined. */
export async function prebuiltProgram(exampleId: string | undefined, program: ProgramSpec): Promise<PrebuiltProgram | undefined> {
  const example = findExample(exampleId);
  const files = example?.modules[program.arch];
  if (!example || !files || files.length !== program.files.length
    || files.some((f, i) => f.name !== program.files[i]!.name || f.text !== program.files[i]!.text)) return undefined;
  const entry = SCENARIOS.find((s) => s.example === example.id && s.arch === program.arch);
  try {
    const scenario = example.id === FIRST_SCENARIO.example && program.arch === FIRST_SCENARIO.arch ? firstScenario : await entry?.load();
    if (!scenario || scenario.modules.length !== files.length) return undefined;
    return { modules: scenario.modules, instructions: scenario.instructions };
  } catch {
    // Not reachable (offline without it kept): the assembler does it.
    return undefined;
  }
}
