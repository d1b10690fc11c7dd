// The platform a scenario plays on in Node (the build step and the tests): real Unicorn, and the
// engine's planners.
import { UnicornSandbox } from '../../sandbox/unicorn/unicorn-sandbox.ts';
import type { DemoDependencies } from '../src/embed/demo-core.ts';
import { enginePatching } from '../src/embed/engine-patching.ts';

export const nodePlatform: Omit<DemoDependencies, 'disassemble'> = {
  cpu: { create: (arch) => new UnicornSandbox(arch), backend: 'unicorn' },
  patching: enginePatching,
};
