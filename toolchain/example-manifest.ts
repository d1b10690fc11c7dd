// An example's example.json: what it is about, which module sources it loads, per architecture, and
// its timeline. No file system here: the command line and the embeds' build step read the file
// (example.ts), the playground gets it bundled.
import type { ExampleTimelineEntry, TimelineEntry } from '../core/timeline.ts';
import type { Arch } from '../core/arch.ts';

export interface ExampleManifest {
  title: string;
  summary: string;
  arches: Arch[];
  /** Module sources in load order; each module sees the exports of those before it. */
  modules: string[];
  /** Patches applied or rolled back while the program runs: one list, or one per architecture. */
  timeline?: ExampleTimelineEntry[] | Partial<Record<Arch, ExampleTimelineEntry[]>>;
}

/** What a timeline entry of example.json does, with the files it names (see `exampleFilePath`). */
export type ExampleAction =
  /** Build the patch source `file` and apply it; `builtAgainst`: build it against this other build of its module. */
  | { kind: 'apply'; file: string; builtAgainst?: string }
  | { kind: 'rollback'; module: string };

export type ExampleTimelineEvent = TimelineEntry<ExampleAction>;

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
 * The example's timeline on `arch` (one list for every architecture, or one per architecture), in
 * order; `file` names example.json in the error an entry without a moment or an action gets.
 */
export function exampleTimeline(manifest: ExampleManifest, arch: Arch, file: string): ExampleTimelineEvent[] {
  const listed = Array.isArray(manifest.timeline) ? manifest.timeline : manifest.timeline?.[arch] ?? [];
  return listed.map((entry, i) => {
    if (!entry.at || (entry.apply === undefined) === (entry.rollback === undefined)) {
      throw new Error(`${file}: timeline entry ${i + 1} needs "at" and one of "apply" or "rollback"`);
    }
    const action: ExampleAction = entry.rollback !== undefined ? { kind: 'rollback', module: entry.rollback }
      : { kind: 'apply', file: entry.apply!, ...(entry.builtAgainst === undefined ? {} : { builtAgainst: entry.builtAgainst }) };
    return { at: entry.at, action, expect: entry.expect ?? 'applied', ...(entry.note === undefined ? {} : { note: entry.note }) };
  });
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
