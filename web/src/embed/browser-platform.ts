// The platform a scenario plays on in the browser: the page's CPU, the engine's planners, and the
// disassembly recorded at build time.
import { browserCpu } from '../lab/browser-cpu.ts';
import type { DemoDependencies } from './demo-core.ts';
import { enginePatching } from './engine-patching.ts';

export const browserPlatform: Omit<DemoDependencies, 'disassemble'> = {
  cpu: browserCpu,
  patching: enginePatching,
};
