// The examples gallery's data: every examples/*/example.json and its sources, bundled at build time
// so an example paints without any request.
import type { Arch } from '../../../sandbox/sandbox.ts';
import { checkExampleManifest, exampleFileName, exampleFilePath, type ExampleManifest } from '../../../toolchain/example-manifest.ts';
import type { PatchFile, SourceFile } from '../state/lab-state.ts';

/** One moment of an example's timeline: a patch applied or rolled back while the program runs. */
export interface ExampleEvent {
  at: { afterCalls: number; of: string; thenInstructions?: number } | { afterInstructions: number };
  apply?: string;
  /** Another build of the patched module the patch is built against (the engine refuses it). */
  builtAgainst?: string;
  rollback?: string;
  note?: string;
}

type Manifest = ExampleManifest & { timeline?: ExampleEvent[] | Partial<Record<Arch, ExampleEvent[]>> };

export interface Example {
  /** The example's directory name, e.g. "price-tax". */
  id: string;
  manifest: Manifest;
  /** Module sources per architecture, in load order. */
  modules: Partial<Record<Arch, SourceFile[]>>;
  /** Patch sources per architecture, in the order the example applies them. */
  patches: Partial<Record<Arch, PatchFile[]>>;
  timeline: Partial<Record<Arch, ExampleEvent[]>>;
}

const manifests = import.meta.glob<unknown>('../../../examples/*/example.json', { eager: true, import: 'default' });
const sources = import.meta.glob<string>('../../../examples/*/**/*.s', { eager: true, query: '?raw', import: 'default' });

/** A file an example names: its own, or another example's ("price-tax:pricing.s"). */
function source(id: string, arch: Arch, name: string): SourceFile | undefined {
  const text = sources[`../../../examples/${exampleFilePath(id, arch, name)}`];
  return text === undefined ? undefined : { name: exampleFileName(name), text };
}

function timelineFor(manifest: Manifest, arch: Arch): ExampleEvent[] {
  const timeline = manifest.timeline;
  if (!timeline) return [];
  return Array.isArray(timeline) ? timeline : timeline[arch] ?? [];
}

export const EXAMPLES: Example[] = Object.entries(manifests).map(([path, json]) => {
  const id = path.split('/').at(-2)!;
  const manifest = checkExampleManifest(json, `examples/${id}/example.json`) as Manifest;
  const example: Example = { id, manifest, modules: {}, patches: {}, timeline: {} };
  for (const arch of manifest.arches) {
    const files = manifest.modules.map((name) => source(id, arch, name));
    if (!files.every((f) => f !== undefined)) continue;
    example.modules[arch] = files as SourceFile[];
    const timeline = timelineFor(manifest, arch);
    example.timeline[arch] = timeline;
    const applied = timeline.filter((event) => event.apply !== undefined);
    const first = applied.filter((event, i) => applied.findIndex((e) => e.apply === event.apply) === i);
    example.patches[arch] = first.flatMap((event): PatchFile[] => {
      const patch = source(id, arch, event.apply!);
      const against = event.builtAgainst === undefined ? undefined : source(id, arch, event.builtAgainst);
      return patch ? [against ? { ...patch, builtAgainst: against } : patch] : [];
    });
  }
  return example;
}).filter((example) => Object.keys(example.modules).length > 0)
  .sort((a, b) => (a.id === 'price-tax' ? -1 : b.id === 'price-tax' ? 1 : a.manifest.title.localeCompare(b.manifest.title)));

export function findExample(id: string | undefined): Example | undefined {
  return EXAMPLES.find((example) => example.id === id);
}
