// Strict UTF-8 validation (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
// Names in a patch image are shown to people and matched against symbol tables, so a name that
// is not text is refused instead of being decoded with replacement characters.

/** Offset of the first invalid byte in bytes[start, start + length), or -1 when all is valid. */
export function firstInvalidUtf8(bytes: Uint8Array, start: i32, length: i32): i32 {
  const end = start + length;
  let i = start;
  while (i < end) {
    const b0 = <u32>bytes[i];
    if (b0 < 0x80) { i++; continue; }
    let need: i32;
    let min: u32;
    let cp: u32;
    if (b0 >= 0xc2 && b0 <= 0xdf) { need = 1; min = 0x80; cp = b0 & 0x1f; }
    else if (b0 >= 0xe0 && b0 <= 0xef) { need = 2; min = 0x800; cp = b0 & 0x0f; }
    else if (b0 >= 0xf0 && b0 <= 0xf4) { need = 3; min = 0x10000; cp = b0 & 0x07; }
    else return i;
    if (i + need >= end) return i; // the sequence is cut off by the end of the name
    for (let k = 1; k <= need; k++) {
      const b = <u32>bytes[i + k];
      if ((b & 0xc0) != 0x80) return i;
      cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}
