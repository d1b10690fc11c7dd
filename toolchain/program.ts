// A program: module sources assembled in load order. No file system here, so browsers use it too.
import { type Arch, PAGE_SIZE, pageCeil } from '../core/arch.ts';
import { hex } from '../core/hex.ts';
import { STACK_SIZE, STACK_TOP } from '../sandbox/loader.ts';
import { EXIT_ADDRESS } from '../sandbox/process.ts';
import { assembleModule } from './assemble.ts';
import type { GuestModule } from '../core/module.ts';
import { AssemblyError } from './source.ts';

/** Assembles module sources in order; later modules can call the exports of earlier ones. */
export async function assembleProgram(sources: { file: string; text: string }[], arch: Arch): Promise<GuestModule[]> {
  const modules: GuestModule[] = [];
  const externals = new Map<string, number>();
  const taken: Area[] = [
    { begin: EXIT_ADDRESS, end: EXIT_ADDRESS + PAGE_SIZE, what: `the page programs return to when they end (${range(EXIT_ADDRESS, EXIT_ADDRESS + PAGE_SIZE)})` },
    { begin: STACK_TOP - STACK_SIZE, end: STACK_TOP, what: `the stack (${range(STACK_TOP - STACK_SIZE, STACK_TOP)})` },
  ];
  for (const source of sources) {
    const module = await assembleModule(source.text, arch, { file: source.file, externals });
    if (modules.some((m) => m.name === module.name)) {
      throw new AssemblyError(`a module named "${module.name}" is already loaded`, undefined, undefined, source.file);
    }
    // Checked before anything is mapped, so that the loader never meets two modules on one page.
    for (const area of moduleAreas(module)) {
      const other = taken.find((t) => area.begin < t.end && t.begin < area.end);
      if (other) {
        throw new AssemblyError(`${area.what} (${range(area.begin, area.end)}) overlaps ${other.what}; give module ${module.name} another .base`,
          undefined, undefined, source.file);
      }
      taken.push({ ...area, what: `${area.what} (${source.file}, ${range(area.begin, area.end)})` });
    }
    for (const name of module.exports) externals.set(name, module.symbols.find((s) => s.name === name)!.address);
    modules.push(module);
  }
  return modules;
}

interface Area {
  begin: number;
  end: number;
  what: string;
}

/** The pages a module's code and data take once loaded (sandbox/loader.ts). */
function moduleAreas(module: GuestModule): Area[] {
  const area = (begin: number, bytes: number, part: string): Area =>
    ({ begin, end: begin + pageCeil(Math.max(bytes, 1)), what: `module ${module.name}'s ${part}` });
  const areas = [area(module.base, module.code.length, 'code')];
  if (module.data.length > 0) areas.push(area(module.dataAddress, module.data.length, 'data'));
  return areas;
}

function range(begin: number, end: number): string {
  return `${hex(begin)}..${hex(end)}`;
}
