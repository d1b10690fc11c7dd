// Public entry point "hotpatch-playground/examples" (Node only): the example folders the package
// ships, and the functions the command line uses to read an example, assemble it and build the
// patches of its timeline. An example folder of one's own works the same way.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Arch } from '../core/arch.ts';
import { readExampleManifest } from './example.ts';
import type { ExampleManifest } from './example-manifest.ts';
import { packageRoot } from './package-root.ts';

export {
  assembleExample, buildExampleEditTimeline, buildExampleTimeline, readExampleManifest, type BuiltAction, type BuiltTimelineEvent,
} from './example.ts';
export type { ExampleManifest } from './example-manifest.ts';
export { packageVersion } from './package-root.ts';

/** The folder of the examples that come with the package. */
export function bundledExamplesDir(): string {
  return join(packageRoot(), 'examples');
}

export interface ExampleSummary {
  /** The folder's name: what `hotpatch run <name>` accepts. */
  name: string;
  dir: string;
  title: string;
  arches: Arch[];
  /** Whether it applies patches while it runs. */
  timeline: boolean;
}

/** Every example in `dir` (default: the bundled ones), by name. */
export async function listExamples(dir = bundledExamplesDir()): Promise<ExampleSummary[]> {
  const names = (await readdir(dir)).sort();
  const examples: ExampleSummary[] = [];
  for (const name of names) {
    const folder = join(dir, name);
    if (!(await stat(join(folder, 'example.json')).then((s) => s.isFile(), () => false))) continue;
    const manifest: ExampleManifest = await readExampleManifest(folder);
    examples.push({ name, dir: folder, title: manifest.title, arches: manifest.arches, timeline: manifest.timeline !== undefined });
  }
  return examples;
}

/**
 * The example folder `target` names: a path to a folder, or else the name of a bundled example
 * ("price-tax"); undefined when it is neither.
 */
export async function findExample(target: string): Promise<string | undefined> {
  if (await stat(target).then((s) => s.isDirectory(), () => false)) return target;
  if (!/^[a-z0-9][a-z0-9-]*$/.test(target)) return undefined;
  const bundled = join(bundledExamplesDir(), target);
  return (await stat(join(bundled, 'example.json')).then((s) => s.isFile(), () => false)) ? bundled : undefined;
}
