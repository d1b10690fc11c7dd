// The platform a scenario plays on in Node (the build step and the tests): real Unicorn, and the
// engine's planners as the playground gets them.
import { UnicornSandbox } from '../../sandbox/unicorn/unicorn-sandbox.ts';
import type { DemoDependencies } from '../src/embed/demo-core.ts';
import { engineParts } from '../src/lab/engine-parts.ts';

export const nodePlatform: Omit<DemoDependencies, 'disassemble'> = {
  cpu: { create: (arch) => new UnicornSandbox(arch), backend: 'unicorn' },
  engineFor: engineParts,
};
