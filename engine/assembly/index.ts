// The hotpatch engine: AssemblyScript compiled to engine.wasm, the same module in Node and the browser.
// It is pure: bytes and addresses in, plans out. The host applies plans to the sandbox.

/** Version of the interface between engine.wasm and its TypeScript host; they must agree. */
export const INTERFACE_VERSION: i32 = 1;

export function interfaceVersion(): i32 {
  return INTERFACE_VERSION;
}

export { inputBuffer } from './common/input';
export { patchImageBuffer, parsePatchImage } from './patch/exports';
// x86-64: the writer, redirect plans, and the decoder (scratch buffer, one decode with a facts record, batch decodes).
export {
  x64Encode, x64PlanRedirect, x64TrampolineMaxSize,
  x64DecoderBuffer, x64FactCount, x64Decode, x64Facts, x64DecodeReason, x64DecodeRun, x64DecodeWindows,
} from './x64/exports';
export { arm64Encode, arm64PlanRedirect, arm64TrampolineMaxSize, decodeArm64Words } from './arm64/exports';
