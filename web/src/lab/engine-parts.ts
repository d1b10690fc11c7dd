// The engine's parts a transaction needs, per architecture: the redirect planner and the room a
// hook's trampoline may take. An architecture whose planner is not built yet says so.
import { planRedirect, trampolineSizeBound } from '../../../engine/host/redirect.ts';
import { ARCH, type Arch } from '../../../core/arch.ts';
import type { EngineParts } from './patch-lab.ts';

export async function engineParts(arch: Arch): Promise<EngineParts> {
  try {
    return { planner: planRedirect, trampolineSize: await trampolineSizeBound(arch) };
  } catch (error) {
    return { reason: `Patches cannot be applied to ${ARCH[arch].displayName} programs in this build: ` +
      `${error instanceof Error ? error.message : String(error)}.` };
  }
}
