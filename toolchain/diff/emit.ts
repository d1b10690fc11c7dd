// The patch source of an edit: the changed and new functions as the edited source writes them, each
// changed one redirected (replace mode) to its new body, and the new globals in the patch's data.
// Names the carried code uses and the patch does not define are the running base's symbols and other
// modules' exports: the patch builder (toolchain/patch.ts) turns them into relocations.
import type { DiffBuild } from './build.ts';
import type { ModuleDiff } from './classify.ts';

export interface PatchSourceOptions {
  /** The sequence number: one more than the patch it replaces. */
  sequence: number;
  /** Names the edited source and the base build go by, for the header comment. */
  editedName?: string;
  baseIdentity?: string;
}

export function patchSourceFor(diff: ModuleDiff, edited: DiffBuild, options: PatchSourceOptions): string {
  if (diff.rude) throw new Error('an edit with rude edits has no patch');
  const c = '//';
  const lines = edited.source.text.split(/\r?\n/);
  const out: string[] = [
    `${c} Generated from ${options.editedName ?? edited.source.name}: the edit as a patch of the running ${diff.module}` +
      (options.baseIdentity ? ` (sha256:${options.baseIdentity})` : '') + '.',
    `${c} Cumulative against the base build: it replaces any patch of ${diff.module} with a lower sequence number.`,
    `.patch ${diff.module}`,
    `.sequence ${options.sequence}`,
    ...diff.redirected.map((name) => `.redirect ${name} -> ${name}`),
  ];
  if (edited.constants.length > 0) out.push('', ...edited.constants.map((s) => s.text));
  if (diff.newGlobals.length > 0) {
    out.push('', '.data');
    for (const name of diff.newGlobals) {
      out.push('.p2align 3', ...edited.dataStatements.get(name)!.map((s) => s.text));
    }
  }
  out.push('', '.text');
  for (const name of diff.carried) {
    const { first, last } = edited.functionLines.get(name)!;
    out.push(...lines.slice(first - 1, last));
    const next = diff.fallsInto[name];
    // In the edited build the function runs on into the next one; in the patch, a jump does.
    if (next !== undefined) out.push(`    ${diff.arch === 'x64' ? 'jmp' : 'b'} ${next}    ${c} ${name} runs on into ${next}`);
    if (diff.runsOff.includes(name)) out.push(`    ${diff.arch === 'x64' ? 'int3' : 'brk #0'}    ${c} ${name} runs on past the end of the code`);
    out.push('');
  }
  return out.join('\n');
}
