// What the host calls to parse a patch image: it asks for an input buffer of the image's size,
// copies the image into wasm memory there, then asks for the parse.
import { patchImageJson } from './parse';

let patchInput = new Uint8Array(0);

/** Makes room for an image of `length` bytes and returns where the host writes it. */
export function patchImageBuffer(length: i32): usize {
  patchInput = new Uint8Array(length < 0 ? 0 : length);
  return patchInput.dataStart;
}

/** Parses the image last written to the buffer, for a program of architecture `arch` (1 x64, 2 arm64). */
export function parsePatchImage(arch: i32): string {
  return patchImageJson(patchInput, <u16>arch);
}
