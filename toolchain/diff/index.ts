// The patch generator: from the source of a module's running build and an edited source of it, the
// classification of every symbol (classify.ts) and, when no edit is rude, a patch source (emit.ts)
// built into an image by the patch builder (toolchain/patch.ts), the one way images are built.
// No file system and no Node modules: the page can call it as the command line does.
import type { Arch } from '../../core/arch.ts';
import { moduleIdentity } from '../../core/identity.ts';
import type { GuestModule } from '../../core/module.ts';
import { type BuiltPatch, buildPatch } from '../patch.ts';
import { buildForDiff, type DiffBuild, type SourceText } from './build.ts';
import { classifyEdit, type ModuleDiff, type SymbolClass, type SymbolDiff } from './classify.ts';
import { patchSourceFor } from './emit.ts';

export { buildForDiff };
export type { DiffBuild, ModuleDiff, SourceText, SymbolClass, SymbolDiff };

export interface EditInput {
  arch: Arch;
  /** The source of the running build. */
  base: SourceText;
  /** The edited source of the same module. */
  edited: SourceText;
  /** The modules loaded before this one, as the program loaded them: their exports are in view. */
  before?: readonly GuestModule[];
  /** The running build: the base source must assemble to it exactly. */
  running?: GuestModule;
  /** The patch's sequence number: one more than the active patch's (default 1). */
  sequence?: number;
  /** The base source already built for a diff (by buildForDiff, with the same modules before it): it is not assembled again. */
  baseBuild?: DiffBuild;
}

/** Milliseconds spent in each part. */
export interface EditTimings {
  assemble: number;
  diff: number;
  build: number;
}

export interface Edit {
  diff: ModuleDiff;
  base: DiffBuild;
  edited: DiffBuild;
  baseIdentity: string;
  /** The patch source, when no edit is rude. */
  patchSource?: string;
  timings: EditTimings;
}

export interface EditPatch extends Edit {
  /** The built patch, when no edit is rude. */
  patch?: BuiltPatch;
}

const now = () => globalThis.performance.now();

/** The exports of `modules` by name, as assembleProgram gives them to the next module. */
function exportsOf(modules: readonly GuestModule[]): Map<string, number> {
  return new Map(modules.flatMap((m) => m.exports.map((name) => [name, m.symbols.find((s) => s.name === name)!.address] as const)));
}

/** Classifies the edit and, without rude edits, writes its patch source. */
export async function diffEdit(input: EditInput): Promise<Edit> {
  const before = input.before ?? [];
  const externals = exportsOf(before);
  let t = now();
  const [base, edited] = await Promise.all([input.baseBuild ?? buildForDiff(input.base, input.arch, externals),
    buildForDiff(input.edited, input.arch, externals)]);
  const baseIdentity = await moduleIdentity(base.module);
  if (input.running) {
    const running = await moduleIdentity(input.running);
    if (running !== baseIdentity) {
      throw new Error(`${input.base.name} is not the running build of ${input.running.name}: it assembles to sha256:${baseIdentity}, ` +
        `the running build is sha256:${running}`);
    }
  }
  const assemble = now() - t;
  t = now();
  const diff = await classifyEdit(base, edited, before);
  const patchSource = diff.rude ? undefined
    : patchSourceFor(diff, edited, { sequence: input.sequence ?? 1, editedName: input.edited.name, baseIdentity });
  return { diff, base, edited, baseIdentity, ...(patchSource === undefined ? {} : { patchSource }),
    timings: { assemble, diff: now() - t, build: 0 } };
}

/** diffEdit, then the patch source built into an image against the base build. */
export async function makeEditPatch(input: EditInput): Promise<EditPatch> {
  const edit = await diffEdit(input);
  if (edit.patchSource === undefined) return edit;
  const t = now();
  const modules = [...(input.before ?? []), edit.base.module];
  const patch = await buildPatch(edit.patchSource, input.arch, { file: `${input.edited.name} (generated patch)`, base: edit.base.module, modules });
  return { ...edit, patch, timings: { ...edit.timings, build: now() - t } };
}

/** One line per symbol: "changed   price_with_tax   redirected to ...". */
export function formatDiff(diff: ModuleDiff): string[] {
  const width = Math.max(...diff.symbols.map((s) => s.name.length), 4);
  return diff.symbols.map((s) => `${s.class.padEnd(10)} ${s.name.padEnd(width)}  ${s.reason}` +
    (s.warning ? `\n${' '.repeat(width + 13)}warning: ${s.warning}` : ''));
}
