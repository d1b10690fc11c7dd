// What the host calls to parse a patch image: it asks for an input buffer of the image's size,
// copies the image into wasm memory there, then asks for the parse.
import { answer, inputBytes } from '../common/input';
import { linkImageJson } from './link';
import { patchImageJson } from './parse';
import { patchImageRecord } from './record';

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

/**
 * parsePatchImage's answer as a binary record (common/patch-image-record.ts); answers its address,
 * valid until the next parse.
 */
export function parsePatchImageRecord(arch: i32): usize {
  return patchImageRecord(patchInput, <u16>arch);
}

/**
 * Resolves the relocations of the image last written to the buffer (which must be valid), in
 * place: its code placed at `codeAddress`, its data at `dataAddress`, and the input buffer
 * (inputBuffer) holding `count` u64 symbol addresses, one per relocation. Answers JSON by address;
 * after success the linked sections are in the buffer at the offsets the answer gives.
 */
export function linkPatchImage(arch: i32, codeAddress: u64, dataAddress: u64, count: i32): usize {
  const symbols = inputBytes(0, count < 0 ? 0 : count * 8);
  return answer(linkImageJson(patchInput, <u16>arch, codeAddress, dataAddress, symbols.dataStart, count));
}
