// Examples: a directory with example.json and, per architecture, the module sources it lists.
// Reads files (Node only, through files.ts); browsers get the sources bundled and call
// assembleProgram and buildExamplePatch directly. An example reads only files in its own directory
// and in the directories of the examples it names ("price-tax:pricing.s"), also after following
// symbolic links.
import { realpath, stat } from 'node:fs/promises';
import { basename, join, resolve, sep } from 'node:path';
import type { Arch } from '../core/arch.ts';
import type { TimelineEntry } from '../core/timeline.ts';
import type { GuestModule } from '../core/module.ts';
import {
  checkExampleManifest, EXAMPLE_LIMITS, exampleEditTimeline, exampleFileName, exampleFilePath, type ExampleManifest, exampleTimeline,
  ManifestError, parseExampleFileName, timelineField,
} from './example-manifest.ts';
import { buildExampleEdit, buildExamplePatch, type SourceText } from './example-patch.ts';
import { FileError, fileError, readJsonFile, readTextFile } from './files.ts';
import type { BuiltPatch } from './patch.ts';
import { assembleProgram } from './program.ts';
import { readModuleSource } from './source.ts';

export { assembleProgram, type ExampleManifest };

/** What an event of an example's timeline does, an apply's patch built (a TimelineEvent, engine/host/timeline.ts). */
export type BuiltAction = { kind: 'apply'; name: string; image: Uint8Array; built: BuiltPatch } | { kind: 'rollback'; module: string };

export type BuiltTimelineEvent = TimelineEntry<BuiltAction>;

/** The path of a file the example in `dir` names (see exampleFilePath): its own, or another example's. */
export function exampleFile(dir: string, arch: Arch, name: string): string {
  return join(dir, '..', exampleFilePath(basename(resolve(dir)), arch, name));
}

/** Whether `path` is `root` or inside it (both real paths). */
function inside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** Reads the example's example.json and checks every field (example-manifest.ts). */
export async function readExampleManifest(dir: string): Promise<ExampleManifest> {
  const file = join(dir, 'example.json');
  let real: string;
  try {
    real = await realpath(file);
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') throw new Error(`${dir} is not an example: it has no example.json`);
    throw fileError(file, error);
  }
  if (!inside(await realpath(dir), real)) {
    throw new FileError(`${file} leads outside the example's directory through a symbolic link`, file, 'OUTSIDE');
  }
  const value = await readJsonFile(real, { maxBytes: EXAMPLE_LIMITS.manifestBytes, what: 'example.json files', shownAs: file, noFollow: true });
  return checkExampleManifest(value, file);
}

/**
 * Reads a file the example in `dir` names (`name`, from the field `field` of its example.json): in
 * its own directory, or in the directory of the example it names, and nowhere else once symbolic
 * links are followed; a regular file of at most EXAMPLE_LIMITS.sourceBytes bytes of UTF-8.
 */
export async function readExampleFile(dir: string, arch: Arch, name: string, field: string): Promise<SourceText> {
  const manifest = join(dir, 'example.json');
  const parsed = parseExampleFileName(name);
  if (!parsed) throw new ManifestError(`${manifest}: "${field}" is not a file name an example may use`, manifest, field);
  const folder = parsed.example === undefined ? dir : join(dir, '..', parsed.example);
  const file = join(folder, arch, parsed.file);
  const context = (error: unknown) => {
    const { message, path, code } = fileError(file, error);
    return new FileError(`${message} ("${field}" of ${manifest})`, path, code);
  };
  if (parsed.example !== undefined && !(await stat(join(folder, 'example.json')).then((s) => s.isFile(), () => false))) {
    throw new ManifestError(`${manifest}: "${field}" names a file of the example "${parsed.example}", and there is no such example ` +
      `(${folder} has no example.json)`, manifest, field);
  }
  let root: string;
  let real: string;
  try {
    root = await realpath(folder);
    real = await realpath(file);
  } catch (error) {
    throw context(error);
  }
  if (!inside(root, real)) {
    throw new ManifestError(`${manifest}: "${field}" leads outside ${parsed.example === undefined ? 'the example\'s directory' : `the directory of the example "${parsed.example}"`} ` +
      'through a symbolic link; an example reads only its own files and those of the examples it names', manifest, field);
  }
  try {
    return { name: file, text: await readTextFile(real, { maxBytes: EXAMPLE_LIMITS.sourceBytes, what: 'sources', shownAs: file, noFollow: true }) };
  } catch (error) {
    throw context(error);
  }
}

export async function assembleExample(dir: string, arch: Arch): Promise<{ manifest: ExampleManifest; modules: GuestModule[] }> {
  const manifest = await readExampleManifest(dir);
  if (!manifest.arches.includes(arch)) {
    throw new Error(`example "${manifest.title}" exists for ${manifest.arches.join(', ')}, not ${arch}`);
  }
  const sources: { file: string; text: string }[] = [];
  for (const [i, name] of manifest.modules.entries()) {
    const { name: file, text } = await readExampleFile(dir, arch, name, `modules.${i}`);
    sources.push({ file, text });
  }
  return { manifest, modules: await assembleProgram(sources, arch) };
}

/** The example's timeline for `arch`, with every patch built (see buildExamplePatch) against the assembled `modules`. */
export async function buildExampleTimeline(dir: string, arch: Arch, manifest: ExampleManifest,
  modules: GuestModule[]): Promise<BuiltTimelineEvent[]> {
  const file = join(dir, 'example.json');
  const events: BuiltTimelineEvent[] = [];
  for (const [i, entry] of exampleTimeline(manifest, arch).entries()) {
    const field = timelineField(manifest, arch, i);
    const refuse = (at: string, words: string) => new ManifestError(`${file}: "${field}.${at}" ${words}`, file, `${field}.${at}`);
    if ('of' in entry.at) {
      const [module, fn] = entry.at.of.split('!');
      if (!modules.some((m) => m.name === module && m.symbols.some((s) => s.kind === 'function' && s.name === fn))) {
        throw refuse('at.of', 'names no function of the program\'s modules');
      }
    }
    const { action } = entry;
    if (action.kind === 'rollback') {
      if (!modules.some((m) => m.name === action.module)) throw refuse('rollback', 'names no module of the program');
      events.push({ ...entry, action });
      continue;
    }
    const patch = await readExampleFile(dir, arch, action.file, `${field}.apply`);
    const built = await buildExamplePatch(action.builtAgainst === undefined ? patch
      : { ...patch, builtAgainst: await readExampleFile(dir, arch, action.builtAgainst, `${field}.builtAgainst`) }, arch, modules);
    events.push({ ...entry, action: { kind: 'apply', name: exampleFileName(action.file), image: built.image, built } });
  }
  return events;
}

/**
 * The example's timeline for `arch` with each patch made from its edited module source (the entries'
 * "edit") by the patch generator, cumulative against the base build: the n-th edit of a module is its
 * patch n, so a later edit replaces an earlier one.
 */
export async function buildExampleEditTimeline(dir: string, arch: Arch, manifest: ExampleManifest,
  modules: GuestModule[]): Promise<BuiltTimelineEvent[]> {
  const sources = await Promise.all(manifest.modules.map((name, i) => readExampleFile(dir, arch, name, `modules.${i}`)));
  const sequences = new Map<string, number>();
  const events: BuiltTimelineEvent[] = [];
  for (const [i, entry] of exampleEditTimeline(manifest, arch, join(dir, 'example.json')).entries()) {
    const { action } = entry;
    if (action.kind === 'rollback') {
      events.push({ ...entry, action });
      continue;
    }
    const field = timelineField(manifest, arch, i);
    const source = (name: string, at: string) => readExampleFile(dir, arch, name, `${field}.${at}`);
    const edited = await source(action.file, 'edit');
    const module = readModuleSource(edited.text, arch, { file: edited.name }).name ?? '';
    const sequence = (sequences.get(module) ?? 0) + 1;
    sequences.set(module, sequence);
    const made = await buildExampleEdit(action.builtAgainst === undefined ? edited
      : { ...edited, builtAgainst: await source(action.builtAgainst, 'builtAgainst') }, arch, modules, sources, sequence);
    events.push({ ...entry, action: { kind: 'apply', name: exampleFileName(action.file), image: made.patch.image, built: made.patch } });
  }
  return events;
}
