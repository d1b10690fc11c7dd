// Public entry point "hotpatch-playground/toolchain": assemble modules (Keystone), build patch images
// from patch sources, make a patch from an edited source (the edit diff), and read a patch image field
// by field. No file system: it runs in Node and in browsers alike. Example folders on disk are
// "hotpatch-playground/examples".
export { assembleModule, type AssembleOptions } from './assemble.ts';
export { assembleProgram } from './program.ts';
export { buildPatch, patchTarget, type BuiltPatch, type PatchBuildOptions } from './patch.ts';
export {
  diffEdit, formatDiff, makeEditPatch, type Edit, type EditInput, type EditPatch, type ModuleDiff, type SourceText,
  type SymbolClass, type SymbolDiff,
} from './diff/index.ts';
export {
  inspectPatchImage, type InspectedEntry, type InspectedField, type InspectedTable, type Inspection, type Verdict,
} from './patch-image-inspect.ts';
export { ARCHES, type Arch } from '../core/arch.ts';
export { findSymbol, moduleImage, symbolAt, type GuestModule, type ModuleSymbol } from '../core/module.ts';
