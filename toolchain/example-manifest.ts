// An example's example.json: what it is about and which module sources it loads, per architecture.
import type { ExampleTimelineEntry } from '../core/timeline.ts';
import type { Arch } from '../sandbox/sandbox.ts';

export interface ExampleManifest {
  title: string;
  summary: string;
  arches: Arch[];
  /** Module sources in load order; each module sees the exports of those before it. */
  modules: string[];
  /** Patches applied or rolled back while the program runs: one list, or one per architecture. */
  timeline?: ExampleTimelineEntry[] | Partial<Record<Arch, ExampleTimelineEntry[]>>;
}

/** Checks the fields every reader relies on; `where` names the file in the error. */
export function checkExampleManifest(value: unknown, where: string): ExampleManifest {
  const manifest = value as ExampleManifest;
  if (typeof manifest !== 'object' || manifest === null || !Array.isArray(manifest.arches) ||
    !Array.isArray(manifest.modules) || manifest.modules.length === 0) {
    throw new Error(`${where} must list "arches" and "modules"`);
  }
  return manifest;
}

/**
 * Where a file an example names lives, relative to the examples directory. A plain name is in the
 * example's own directory for the architecture ("pricing.s" -> "price-tax/x64/pricing.s"); "other:name"
 * is the file of the same architecture in another example, so examples that start from the same
 * program share one copy of its sources ("price-tax:pricing.s" -> "price-tax/x64/pricing.s").
 */
export function exampleFilePath(example: string, arch: Arch, name: string): string {
  const shared = /^([\w.-]+):([^:]+)$/.exec(name);
  return shared ? `${shared[1]}/${arch}/${shared[2]}` : `${example}/${arch}/${name}`;
}

/** The name a file goes by in listings, tabs and patch names: "price-tax:pricing.s" is "pricing.s". */
export function exampleFileName(name: string): string {
  return name.split(/[/:]/).at(-1)!;
}
