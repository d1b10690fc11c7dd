// The hotpatch engine: AssemblyScript compiled to engine.wasm, the same module in Node and the browser.
// It is pure: bytes and addresses in, plans out. The host applies plans to the sandbox.
import { ENGINE_INTERFACE_VERSION } from './common/interface';

/** The version of the interface this engine.wasm speaks (the host checks it against its own). */
export function interfaceVersion(): i32 {
  return ENGINE_INTERFACE_VERSION;
}

export { inputBuffer } from './common/input';
export { patchImageBuffer, parsePatchImage, parsePatchImageRecord, linkPatchImage } from './patch/exports';
// x86-64: the writer, redirect plans, and the decoder (scratch buffer, one decode with a facts record, batch decodes).
export {
  x64Encode, x64PlanRedirect, x64PlanRecords, x64TrampolineMaxSize,
  x64DecoderBuffer, x64FactCount, x64Decode, x64Facts, x64DecodeReason, x64DecodeRun, x64DecodeWindows,
} from './x64/exports';
export { arm64Encode, arm64PlanRedirect, arm64PlanRecords, arm64TrampolineMaxSize, decodeArm64Words } from './arm64/exports';
