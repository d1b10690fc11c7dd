// Examples: a directory with example.json and, per architecture, the module sources it lists.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Arch } from '../sandbox/sandbox.ts';
import { assembleModule } from './assemble.ts';
import type { GuestModule } from './module.ts';
import { AssemblyError } from './source.ts';

export interface ExampleManifest {
  title: string;
  summary: string;
  arches: Arch[];
  /** Module sources in load order; each module sees the exports of those before it. */
  modules: string[];
}

export async function readExampleManifest(dir: string): Promise<ExampleManifest> {
  let text: string;
  try {
    text = await readFile(join(dir, 'example.json'), 'utf8');
  } catch {
    throw new Error(`${dir} is not an example: it has no example.json`);
  }
  const manifest = JSON.parse(text) as ExampleManifest;
  if (!Array.isArray(manifest.arches) || !Array.isArray(manifest.modules) || manifest.modules.length === 0) {
    throw new Error(`${join(dir, 'example.json')} must list "arches" and "modules"`);
  }
  return manifest;
}

/** Assembles module sources in order; later modules can call the exports of earlier ones. */
export async function assembleProgram(sources: { file: string; text: string }[], arch: Arch): Promise<GuestModule[]> {
  const modules: GuestModule[] = [];
  const externals = new Map<string, number>();
  for (const source of sources) {
    const module = await assembleModule(source.text, arch, { file: source.file, externals });
    if (modules.some((m) => m.name === module.name)) {
      throw new AssemblyError(`a module named "${module.name}" is already loaded`, undefined, undefined, source.file);
    }
    for (const name of module.exports) externals.set(name, module.symbols.find((s) => s.name === name)!.address);
    modules.push(module);
  }
  return modules;
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
