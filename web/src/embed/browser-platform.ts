// The platform a scenario plays on in the browser: the playground's WASM CPU and engine parts.
// The disassembly comes from the build (instruction-table.ts), not from Capstone.
import { browserCpu, prepareBrowserCpu } from '../lab/browser-cpu.ts';
import { engineParts } from '../lab/engine-parts.ts';
import type { DemoDependencies } from './demo-core.ts';

/** Compiles cpu.wasm (fetched from the page's own origin); a CPU that failed to load says why when used. */
export async function browserPlatform(): Promise<Omit<DemoDependencies, 'disassemble'>> {
  await prepareBrowserCpu();
  return { cpu: browserCpu, engineFor: engineParts };
}
