// A program: module sources assembled in load order. No file system here, so browsers use it too.
import type { Arch } from '../core/arch.ts';
import { assembleModule } from './assemble.ts';
import type { GuestModule } from '../core/module.ts';
import { AssemblyError } from './source.ts';

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
