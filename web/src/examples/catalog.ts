// The examples gallery's data: every examples/*/example.json and its sources, bundled at build time
// so an example paints without any request. Each manifest was checked when it was bundled
// (web/build/checked-manifests.ts), so the page does not check it again while it starts.
import type { Arch } from '../../../core/arch.ts';
import {
  exampleFileName, exampleFilePath, type ExampleManifest, exampleTimeline, type ExampleTimelineEvent,
} from '../../../toolchain/example-manifest.ts';
import type { PatchFile, SourceFile } from '../state/lab-state.ts';
import { FIRST_EXAMPLE } from './first-example.ts';

export interface Example {
  /** The example's directory name, e.g. "price-tax". */
  id: string;
  manifest: ExampleManifest;
  /** Module sources per architecture, in load order. */
  modules: Partial<Record<Arch, SourceFile[]>>;
  /** Patch sources per architecture, in the order the example applies them. */
  patches: Partial<Record<Arch, PatchFile[]>>;
  timeline: Partial<Record<Arch, ExampleTimelineEvent[]>>;
}

const manifests = import.meta.glob<ExampleManifest>('../../../examples/*/example.json', { eager: true, import: 'default' });
const sources = import.meta.glob<string>('../../../examples/*/**/*.s', { eager: true, query: '?raw', import: 'default' });

/** A file an example names: its own, or another example's ("price-tax:pricing.s"). */
function source(id: string, arch: Arch, name: string): SourceFile | undefined {
  const text = sources[`../../../examples/${exampleFilePath(id, arch, name)}`];
  return text === undefined ? undefined : { name: exampleFileName(name), text };
}

export const EXAMPLES: Example[] = Object.entries(manifests).map(([path, manifest]) => {
  const id = path.split('/').at(-2)!;
  const example: Example = { id, manifest, modules: {}, patches: {}, timeline: {} };
  for (const arch of manifest.arches) {
    const files = manifest.modules.map((name) => source(id, arch, name));
    if (!files.every((f) => f !== undefined)) continue;
    example.modules[arch] = files as SourceFile[];
    const timeline = exampleTimeline(manifest, arch);
    example.timeline[arch] = timeline;
    // Each patch once, in the order the example first applies it.
    const applied = timeline.flatMap((event) => event.action.kind === 'apply' ? [event.action] : []);
    const first = applied.filter((action, i) => applied.findIndex((a) => a.file === action.file) === i);
    example.patches[arch] = first.flatMap((action): PatchFile[] => {
      const patch = source(id, arch, action.file);
      const against = action.builtAgainst === undefined ? undefined : source(id, arch, action.builtAgainst);
      return patch ? [against ? { ...patch, builtAgainst: against } : patch] : [];
    });
  }
  return example;
}).filter((example) => Object.keys(example.modules).length > 0)
  .sort((a, b) => (a.id === FIRST_EXAMPLE ? -1 : b.id === FIRST_EXAMPLE ? 1 : byTitle(a.manifest.title, b.manifest.title)));

/**
 * Alphabetical, ignoring case. Not `localeCompare`: its first call loads the locale's collation data,
 * a cost the page would pay while it starts, and the titles are plain English.
 */
function byTitle(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

export function findExample(id: string | undefined): Example | undefined {
  return EXAMPLES.find((example) => example.id === id);
}
