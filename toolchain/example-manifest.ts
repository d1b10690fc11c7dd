// An example's example.json: what it is about and which module sources it loads, per architecture.
import type { Arch } from '../sandbox/sandbox.ts';

export interface ExampleManifest {
  title: string;
  summary: string;
  arches: Arch[];
  /** Module sources in load order; each module sees the exports of those before it. */
  modules: string[];
}

/** Checks the fields every reader relies on; `where` names the file in the error. */
export function checkExampleManifest(value: unknown, where: string): ExampleManifest {
  const manifest = value as ExampleManifest;
  if (typeof manifest !== 'object' || manifest === null || !Array.isArray(manifest.arches) ||
    !Array.isArray(manifest.modules) || manifest.modules.length === 0) {
    throw new Error(`${where} must list "arches" and "modules"`);
  }
  return manifest;
}
