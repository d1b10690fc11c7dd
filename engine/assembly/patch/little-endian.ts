// Little-endian numbers at an offset of an image the caller has checked holds them.

export function u16At(bytes: Uint8Array, at: u32): u16 {
  return <u16>bytes[at] | (<u16>bytes[at + 1] << 8);
}

export function u32At(bytes: Uint8Array, at: u32): u32 {
  return <u32>bytes[at] | (<u32>bytes[at + 1] << 8) | (<u32>bytes[at + 2] << 16) | (<u32>bytes[at + 3] << 24);
}

export function u64At(bytes: Uint8Array, at: u32): u64 {
  return <u64>u32At(bytes, at) | (<u64>u32At(bytes, at + 4) << 32);
}
