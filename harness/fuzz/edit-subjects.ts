// The examples' module sources as subjects of the edit fuzzer, each with the modules loaded before it.
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Arch } from '../../core/arch.ts';
import { exampleFile, readExampleManifest } from '../../toolchain/example.ts';
import type { EditSubject } from './edit-fuzzer.ts';

const EXAMPLES = new URL('../../examples/', import.meta.url).pathname;

export async function exampleSubjects(arch: Arch): Promise<EditSubject[]> {
  const subjects = new Map<string, EditSubject>();
  for (const name of readdirSync(EXAMPLES).sort()) {
    const dir = `${EXAMPLES}${name}`;
    const manifest = await readExampleManifest(dir);
    if (!manifest.arches.includes(arch)) continue;
    const files = await Promise.all(manifest.modules.map(async (module) => {
      const file = exampleFile(dir, arch, module);
      return { file, text: await readFile(file, 'utf8') };
    }));
    files.forEach((f, i) => {
      const key = f.file.slice(EXAMPLES.length);
      if (!subjects.has(key)) subjects.set(key, { name: key, text: f.text, before: files.slice(0, i) });
    });
  }
  return [...subjects.values()];
}
