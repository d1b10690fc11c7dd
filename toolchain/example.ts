// Examples: a directory with example.json and, per architecture, the module sources it lists.
// Reads files (Node only); browsers get the sources bundled and call assembleProgram directly.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Arch } from '../sandbox/sandbox.ts';
import type { GuestModule } from './module.ts';
import { checkExampleManifest, type ExampleManifest } from './example-manifest.ts';
import { assembleProgram } from './program.ts';

export { assembleProgram, type ExampleManifest };

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
    const file = join(dir, arch, name);
    return { file, text: await readFile(file, 'utf8') };
  }));
  return { manifest, modules: await assembleProgram(sources, arch) };
}
