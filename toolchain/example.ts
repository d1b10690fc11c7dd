// Examples: a directory with example.json and, per architecture, the module sources it lists.
// Reads files (Node only); browsers get the sources bundled and call assembleProgram directly.
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Arch } from '../sandbox/sandbox.ts';
import type { TimelineEvent } from '../engine/host/timeline.ts';
import { assembleModule } from './assemble.ts';
import type { GuestModule } from '../core/module.ts';
import { checkExampleManifest, exampleFilePath, type ExampleManifest } from './example-manifest.ts';
import { buildPatch } from './patch.ts';
import { assembleProgram } from './program.ts';

export { assembleProgram, type ExampleManifest };

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

/** The example's timeline for `arch`, with every patch built (against the running modules unless said otherwise). */
export async function buildExampleTimeline(dir: string, arch: Arch, manifest: ExampleManifest,
  modules: GuestModule[]): Promise<TimelineEvent[]> {
  const listed = Array.isArray(manifest.timeline) ? manifest.timeline : manifest.timeline?.[arch] ?? [];
  const events: TimelineEvent[] = [];
  for (const [i, entry] of listed.entries()) {
    const where = `${join(dir, 'example.json')}: timeline entry ${i + 1}`;
    if (!entry.at || (entry.apply === undefined) === (entry.rollback === undefined)) {
      throw new Error(`${where} needs "at" and one of "apply" or "rollback"`);
    }
    const expect = entry.expect ?? 'applied';
    const note = entry.note === undefined ? {} : { note: entry.note };
    if (entry.rollback !== undefined) {
      events.push({ at: entry.at, action: { kind: 'rollback', module: entry.rollback }, expect, ...note });
      continue;
    }
    const file = exampleFile(dir, arch, entry.apply!);
    let base: GuestModule | undefined;
    if (entry.builtAgainst !== undefined) {
      // Another build of the module, assembled with the same view of the modules loaded before it.
      const against = exampleFile(dir, arch, entry.builtAgainst);
      const externals = new Map(modules.flatMap((m) => m.exports.map((name) => [name, m.symbols.find((s) => s.name === name)!.address] as const)));
      base = await assembleModule(await readFile(against, 'utf8'), arch, { file: against, externals });
    }
    const built = await buildPatch(await readFile(file, 'utf8'), arch, { file, modules, ...(base ? { base } : {}) });
    events.push({ at: entry.at, action: { kind: 'apply', name: basename(file), image: built.image }, expect, ...note });
  }
  return events;
}
