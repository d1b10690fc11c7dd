// The host hands bytes to the engine through one reusable buffer in linear memory: it asks for a
// buffer of the size it needs, copies its bytes in, then calls the export that reads them. Answers
// go back as records in a reusable output buffer, or as strings the host reads by address.

let input = new Uint8Array(0);

/** Returns the address of an input buffer of at least `size` bytes (memory may grow: re-read it). */
export function inputBuffer(size: i32): usize {
  if (input.length < size) input = new Uint8Array(max(size, input.length * 2));
  return input.dataStart;
}

/** The input buffer's size in bytes. */
export function inputSize(): i32 {
  return input.length;
}

/** The input buffer's bytes from `offset`, `length` long (a view, not a copy). */
export function inputBytes(offset: i32, length: i32): Uint8Array {
  return Uint8Array.wrap(input.buffer, offset, length);
}

let output = new Uint8Array(0);

/** A reusable output buffer of at least `size` bytes, for exports that answer with records. */
export function outputBuffer(size: i32): Uint8Array {
  if (output.length < size) output = new Uint8Array(max(size, output.length * 2));
  return output;
}

/** The last string answer, kept alive until the next one (the host reads it right after the call). */
let lastAnswer: string = '';

/**
 * Answers with the address of a string's UTF-16 code units; the byte length is the u32 before
 * them. The host decodes it natively (Engine.string), which is much faster for long answers than
 * the generated bindings' lifting.
 */
export function answer(text: string): usize {
  lastAnswer = text;
  return changetype<usize>(lastAnswer);
}
