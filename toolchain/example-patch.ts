// Building a patch of an example: its source, and optionally another build of the module it patches
// to build it against. Sources come as text, so the playground's worker builds patches with the same
// code as the command line and the embeds' build step (which read the files: example.ts).
import type { GuestModule } from '../core/module.ts';
import type { Arch } from '../core/arch.ts';
import { assembleModule } from './assemble.ts';
import { type BuiltPatch, buildPatch, patchTarget } from './patch.ts';
import { type EditPatch, formatDiff, makeEditPatch } from './diff/index.ts';
import { readModuleSource } from './source.ts';

export interface SourceText {
  name: string;
  text: string;
}

/** A patch source, and optionally another build of its module to build it against. */
export interface PatchSource extends SourceText {
  builtAgainst?: SourceText;
}

/**
 * Builds a patch against the program's `modules` (the module its ".patch" line names) or, with
 * `builtAgainst`, against that other build of the module: the image then names the other build's
 * identity, and the engine refuses it on the running program.
 */
export async function buildExamplePatch(patch: PatchSource, arch: Arch, modules: readonly GuestModule[]): Promise<BuiltPatch> {
  const options = { file: patch.name, modules };
  const replaced = patch.builtAgainst ? modules.findIndex((m) => m.name === patchTarget(patch.text, arch)) : -1;
  // Without another build, or for a module the program does not have (buildPatch says so).
  if (!patch.builtAgainst || replaced < 0) return buildPatch(patch.text, arch, options);
  const base = await otherBuild(patch.builtAgainst, arch, modules.slice(0, replaced));
  return buildPatch(patch.text, arch, { ...options, base });
}

/**
 * Another build of a module, assembled as the program assembled the loaded one (assembleProgram):
 * seeing the exports of the modules loaded before it, and only those. With every module's exports in
 * view (a later module's, or the loaded build's own), it could resolve names the loaded build could
 * not, and then differ from it for a reason other than its source.
 */
async function otherBuild(source: SourceText, arch: Arch, before: readonly GuestModule[]): Promise<GuestModule> {
  const externals = new Map(before.flatMap((m) => m.exports.map((name) => [name, m.symbols.find((s) => s.name === name)!.address] as const)));
  return assembleModule(source.text, arch, { file: source.name, externals });
}

/** An edited module source, and optionally the other build it is an edit of. */
export interface EditSource extends SourceText {
  builtAgainst?: SourceText;
}

/**
 * The patch of an edited module source (toolchain/diff/): the module it edits is the one its
 * ".module" line names among the program's `modules`, whose source is `sources[i]`; with
 * `builtAgainst`, an edit of that other build, whose patch names the other build's identity. A rude
 * edit is an error that lists the classification.
 */
export async function buildExampleEdit(edit: EditSource, arch: Arch, modules: readonly GuestModule[],
  sources: readonly SourceText[], sequence: number): Promise<EditPatch & { patch: BuiltPatch }> {
  const name = readModuleSource(edit.text, arch, { file: edit.name }).name;
  const index = modules.findIndex((m) => m.name === name);
  if (index < 0) throw new Error(`${edit.name}: the program has no module "${name ?? '(no .module line)'}" to edit`);
  const made = await makeEditPatch({
    arch, base: edit.builtAgainst ?? sources[index]!, edited: { name: edit.name, text: edit.text },
    before: modules.slice(0, index), sequence, ...(edit.builtAgainst ? {} : { running: modules[index]! }),
  });
  if (!made.patch) throw new Error(`${edit.name}: the edit cannot be applied to the running program:\n${formatDiff(made.diff).join('\n')}`);
  return { ...made, patch: made.patch };
}
