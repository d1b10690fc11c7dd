// What the host calls to parse a patch image: it asks for an input buffer of the image's size,
// copies the image into wasm memory there, then asks for the parse.
import { answer } from '../common/input';
import { patchImageJson } from './parse';

/** Grows to the largest image seen and is reused, so parsing many images does not churn memory. */
let patchBuffer = new Uint8Array(0);
let patchInput = new Uint8Array(0);

/** Makes room for an image of `length` bytes and returns where the host writes it. */
export function patchImageBuffer(length: i32): usize {
  const size = length < 0 ? 0 : length;
  if (patchBuffer.length < size) patchBuffer = new Uint8Array(size);
  patchInput = Uint8Array.wrap(patchBuffer.buffer, 0, size);
  return patchInput.dataStart;
}

/**
 * Parses the image last written to the buffer, for a program of architecture `arch` (1 x64, 2 arm64);
 * answers the JSON text by address (see answer).
 */
export function parsePatchImage(arch: i32): usize {
  return answer(patchImageJson(patchInput, <u16>arch));
}
