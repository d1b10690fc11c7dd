// The engine's redirect planner, which the transaction needs to apply patches. Until the planners
// (engine/host/redirect.ts) are part of the build, patches are built and checked but not applied.
import type { EngineParts } from './patch-lab.ts';

export const engineParts: EngineParts = {
  reason: 'This build has no redirect planner yet, so patches are built and checked here but cannot be applied.',
};
