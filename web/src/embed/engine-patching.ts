// Patches are planned by the engine (engine/host/redirect.ts), in Node and in the browser alike.
import { planRedirect, trampolineSizeBound } from '../../../engine/host/redirect.ts';
import type { PatchingProvider } from './demo-core.ts';

export const enginePatching: PatchingProvider = { planner: planRedirect, trampolineSize: trampolineSizeBound };
