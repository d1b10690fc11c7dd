// The examples gallery's data: every examples/*/example.json and its sources, bundled at build time
// so an example paints without any request.
import type { Arch } from '../../../sandbox/sandbox.ts';
import { checkExampleManifest, type ExampleManifest } from '../../../toolchain/example-manifest.ts';
import type { SourceFile } from '../state/lab-state.ts';

export interface Example {
  /** The example's directory name, e.g. "price-tax". */
  id: string;
  manifest: ExampleManifest;
  /** Module sources per architecture, in load order. */
  modules: Partial<Record<Arch, SourceFile[]>>;
  /** Patch source per architecture, when the example has one. */
  patch: Partial<Record<Arch, SourceFile>>;
}

const manifests = import.meta.glob<unknown>('../../../examples/*/example.json', { eager: true, import: 'default' });
const sources = import.meta.glob<string>('../../../examples/*/{x64,arm64}/*', { eager: true, query: '?raw', import: 'default' });

function exampleId(path: string): string {
  return path.split('/').at(-2)!;
}

function source(id: string, arch: Arch, name: string): SourceFile | undefined {
  const text = sources[`../../../examples/${id}/${arch}/${name}`];
  return text === undefined ? undefined : { name, text };
}

export const EXAMPLES: Example[] = Object.entries(manifests).map(([path, json]) => {
  const id = exampleId(path);
  const manifest = checkExampleManifest(json, `examples/${id}/example.json`) as ExampleManifest & { patch?: string };
  const modules: Example['modules'] = {};
  const patch: Example['patch'] = {};
  for (const arch of manifest.arches) {
    const files = manifest.modules.map((name) => source(id, arch, name));
    if (files.every((f) => f !== undefined)) modules[arch] = files as SourceFile[];
    const patchFile = manifest.patch === undefined ? undefined : source(id, arch, manifest.patch);
    if (patchFile) patch[arch] = patchFile;
  }
  return { id, manifest, modules, patch };
}).sort((a, b) => a.manifest.title.localeCompare(b.manifest.title));

export function findExample(id: string | undefined): Example | undefined {
  return EXAMPLES.find((example) => example.id === id);
}
