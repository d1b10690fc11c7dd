// Examples: a directory with example.json and, per architecture, the module sources it lists.
// Reads files (Node only); browsers get the sources bundled and call assembleProgram and
// buildExamplePatch directly.
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Arch } from '../core/arch.ts';
import type { TimelineEntry } from '../core/timeline.ts';
import type { GuestModule } from '../core/module.ts';
import { checkExampleManifest, exampleFileName, exampleFilePath, type ExampleManifest, exampleTimeline } from './example-manifest.ts';
import { buildExamplePatch } from './example-patch.ts';
import type { BuiltPatch } from './patch.ts';
import { assembleProgram } from './program.ts';

export { assembleProgram, type ExampleManifest };

/** What an event of an example's timeline does, an apply's patch built (a TimelineEvent, engine/host/timeline.ts). */
export type BuiltAction = { kind: 'apply'; name: string; image: Uint8Array; built: BuiltPatch } | { kind: 'rollback'; module: string };

export type BuiltTimelineEvent = TimelineEntry<BuiltAction>;

/** The path of a file the example in `dir` names (see exampleFilePath): its own, or another example's. */
export function exampleFile(dir: string, arch: Arch, name: string): string {
  return join(dir, '..', exampleFilePath(basename(resolve(dir)), arch, name));
}

export async function readExampleManifest(dir: string): Promise<ExampleManifest> {
  let text: string;
  try {
    text = await readFile(join(dir, 'example.json'), 'utf8');
  } catch {
    throw new Error(`${dir} is not an example: it has no example.json`);
  }
  return checkExampleManifest(JSON.parse(text), join(dir, 'example.json'));
}

export async function assembleExample(dir: string, arch: Arch): Promise<{ manifest: ExampleManifest; modules: GuestModule[] }> {
  const manifest = await readExampleManifest(dir);
  if (!manifest.arches.includes(arch)) {
    throw new Error(`example "${manifest.title}" exists for ${manifest.arches.join(', ')}, not ${arch}`);
  }
  const sources = await Promise.all(manifest.modules.map(async (name) => {
    const file = exampleFile(dir, arch, name);
    return { file, text: await readFile(file, 'utf8') };
  }));
  return { manifest, modules: await assembleProgram(sources, arch) };
}

/** The example's timeline for `arch`, with every patch built (see buildExamplePatch) against the assembled `modules`. */
export async function buildExampleTimeline(dir: string, arch: Arch, manifest: ExampleManifest,
  modules: GuestModule[]): Promise<BuiltTimelineEvent[]> {
  const events: BuiltTimelineEvent[] = [];
  const source = async (name: string) => {
    const file = exampleFile(dir, arch, name);
    return { name: file, text: await readFile(file, 'utf8') };
  };
  for (const entry of exampleTimeline(manifest, arch, join(dir, 'example.json'))) {
    const { action } = entry;
    if (action.kind === 'rollback') {
      events.push({ ...entry, action });
      continue;
    }
    const patch = await source(action.file);
    const built = await buildExamplePatch(
      action.builtAgainst === undefined ? patch : { ...patch, builtAgainst: await source(action.builtAgainst) }, arch, modules);
    events.push({ ...entry, action: { kind: 'apply', name: exampleFileName(action.file), image: built.image, built } });
  }
  return events;
}
