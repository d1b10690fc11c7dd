// Monaco language ids of module and patch sources, one per architecture.
import type { Arch } from '../../../core/arch.ts';

export const LANGUAGE_ID: Record<Arch, string> = { x64: 'hotpatch-x64', arm64: 'hotpatch-arm64' };
