// `hotpatch diff` and `hotpatch make-patch`: an edited source of a module against the source of its
// running build, classified symbol by symbol (toolchain/diff/), and its patch image.
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { paint, UsageError } from './conventions.ts';
import { type Arch, ARCHES } from '../core/arch.ts';
import type { GuestModule } from '../core/module.ts';
import { diffEdit, formatDiff, makeEditPatch, type ModuleDiff } from '../toolchain/diff/index.ts';
import { assembleProgram } from '../toolchain/program.ts';

export const DIFF_USAGE = `  diff <base.s> <edited.s> [options]
      Compare an edited source of a module with the source of its running build, function by
      function with references named, and print one line per symbol: changed (redirected to its
      new body), new (carried), unchanged, base (used by changed code: reached through a relocation),
      import, new-global (carried in the patch's data), removed, or rude (refused, with the reason).
      Exit code 1 when an edit is rude.
      --arch x64|arm64          architecture (default: the sources' .arch line, else x64)
      --with <module.s>         a module loaded before this one, whose exports it uses (repeatable)
      --json                    print one JSON record
`;

export const MAKE_PATCH_USAGE = `  make-patch <base.s> <edited.s> -o <fix.hpat> [options]
      Make the patch image that turns the running build into the edited one (cumulative against
      the base build), through the same patch builder as hand-written patch sources.
      --sequence N              the patch's sequence number (default 1; one more than the patch it replaces)
      --source <fix.s>          also write the generated patch source
      --arch, --with            as for diff
      --json                    print one JSON record (the file written, the patch, the classification)
                                instead of the classification and a line
`;

/** The architecture a source names with `.arch`, if any. */
function declaredArch(text: string): Arch | undefined {
  const name = /^\s*\.arch\s+(\w+)/im.exec(text)?.[1]?.toLowerCase();
  return name === 'x64' || name === 'x86-64' || name === 'x86_64' ? 'x64' : name === 'arm64' || name === 'aarch64' ? 'arm64' : undefined;
}

interface EditFiles {
  arch: Arch;
  base: { name: string; text: string };
  edited: { name: string; text: string };
  before: GuestModule[];
}

async function readEditFiles(positionals: string[], values: { arch?: string; with?: string[] }, usage: string): Promise<EditFiles> {
  if (positionals.length !== 2) throw new UsageError(`needs the base source and the edited source\n\n${usage}`);
  const [basePath, editedPath] = positionals as [string, string];
  const [baseText, editedText] = await Promise.all([readFile(basePath, 'utf8'), readFile(editedPath, 'utf8')]);
  if (values.arch !== undefined && !ARCHES.includes(values.arch as Arch)) {
    throw new UsageError(`--arch must be one of ${ARCHES.join(', ')}, not "${values.arch}"`);
  }
  const arch = (values.arch as Arch | undefined) ?? declaredArch(baseText) ?? 'x64';
  const withFiles = values.with ?? [];
  const before = withFiles.length === 0 ? []
    : await assembleProgram(await Promise.all(withFiles.map(async (file) => ({ file, text: await readFile(file, 'utf8') }))), arch);
  return { arch, base: { name: basePath, text: baseText }, edited: { name: editedPath, text: editedText }, before };
}

function diffJson(diff: ModuleDiff, patchSource: string | undefined): unknown {
  return { arch: diff.arch, module: diff.module, rude: diff.rude, symbols: diff.symbols, carried: diff.carried,
    redirected: diff.redirected, newGlobals: diff.newGlobals, ...(patchSource === undefined ? {} : { patchSource }) };
}

export async function diffCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: {
    arch: { type: 'string' }, with: { type: 'string', multiple: true }, json: { type: 'boolean', default: false },
  } });
  const files = await readEditFiles(positionals, values, DIFF_USAGE);
  const edit = await diffEdit(files);
  if (values.json) {
    process.stdout.write(JSON.stringify(diffJson(edit.diff, edit.patchSource), null, 2) + '\n');
  } else {
    process.stdout.write(colourDiff(formatDiff(edit.diff), process.stdout).join('\n') + '\n');
    process.stderr.write(edit.diff.rude ? `-- ${edit.diff.symbols.filter((s) => s.class === 'rude').length} rude edit(s): no patch can be made\n`
      : `-- a patch would redirect ${edit.diff.redirected.length} function(s), carry ${edit.diff.carried.length} and ` +
        `${edit.diff.newGlobals.length} new global(s)\n`);
  }
  return edit.diff.rude ? 1 : 0;
}

export async function makePatchCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: {
    arch: { type: 'string' }, with: { type: 'string', multiple: true }, output: { type: 'string', short: 'o' },
    sequence: { type: 'string', default: '1' }, source: { type: 'string' }, json: { type: 'boolean', default: false },
  } });
  if (!values.output) throw new UsageError(`make-patch needs -o <file.hpat>\n\n${MAKE_PATCH_USAGE}`);
  const sequence = Number(values.sequence);
  if (!Number.isSafeInteger(sequence) || sequence < 1 || sequence > 0xffffffff) {
    throw new UsageError(`--sequence needs a whole number from 1 to 4294967295, not "${values.sequence}"`);
  }
  const files = await readEditFiles(positionals, values, MAKE_PATCH_USAGE);
  const edit = await makeEditPatch({ ...files, sequence });
  if (!values.json) process.stderr.write(colourDiff(formatDiff(edit.diff), process.stderr).join('\n') + '\n');
  if (edit.patch) {
    if (values.source) await writeFile(values.source, edit.patchSource!);
    await writeFile(values.output, edit.patch.image);
  }
  if (values.json) {
    process.stdout.write(JSON.stringify({
      output: edit.patch ? values.output : null, source: edit.patch ? values.source ?? null : null,
      patch: edit.patch ? { bytes: edit.patch.image.length, module: edit.patch.module, sequence: edit.patch.sequence,
        baseIdentity: `sha256:${edit.patch.baseIdentity}` } : null,
      ...diffJson(edit.diff, edit.patchSource) as object,
    }, null, 2) + '\n');
    return edit.patch ? 0 : 1;
  }
  if (!edit.patch) {
    process.stderr.write('hotpatch: the edit cannot be applied to the running program: see the rude edits above\n');
    return 1;
  }
  process.stdout.write(`wrote ${values.output}: ${edit.patch.image.length} bytes, patch ${edit.patch.sequence} of ` +
    `${edit.patch.module} (sha256:${edit.patch.baseIdentity}), redirecting ${edit.diff.redirected.join(', ') || 'nothing'}` +
    `${values.source ? `; its source is ${basename(values.source)}` : ''}\n`);
  return 0;
}

/** The classification's lines, their class coloured on a terminal. */
function colourDiff(lines: string[], stream: { isTTY?: boolean }): string[] {
  const p = paint(stream);
  const colour: Record<string, (text: string) => string> = { changed: p.yellow, new: p.green, 'new-global': p.green, rude: p.red, removed: p.red };
  return lines.map((line) => {
    const word = /^\S+/.exec(line)?.[0] ?? '';
    return Object.hasOwn(colour, word) ? colour[word]!(word) + line.slice(word.length) : line;
  });
}
