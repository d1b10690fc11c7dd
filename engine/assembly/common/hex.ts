// Hexadecimal text for the engine's answers and messages: addresses, instruction words and bytes.

export const HEX_DIGITS = '0123456789abcdef';

/** An address or other number as `0x...`, no leading zeros. */
export function hex(value: u64): string {
  return '0x' + value.toString(16);
}

/** A 32-bit word as eight digits, leading zeros kept, no `0x`. */
export function hexWord(word: u32): string {
  let text = word.toString(16);
  while (text.length < 8) text = '0' + text;
  return text;
}

/** Bytes as two digits each, nothing between them: "e9fbffffff". */
export function hexBytes(data: Uint8Array): string {
  // Two UTF-16 code units per byte, written in place: concatenating per byte is quadratic.
  const length = data.length;
  const units = new Uint16Array(length * 2);
  for (let i = 0; i < length; i++) {
    const b = data[i];
    units[i * 2] = HEX_DIGITS.charCodeAt(b >> 4);
    units[i * 2 + 1] = HEX_DIGITS.charCodeAt(b & 15);
  }
  return String.UTF16.decodeUnsafe(units.dataStart, length * 4);
}

/** `length` bytes of linear memory at `address`, spaced for reading: "e9 fb ff ff ff". */
export function spacedHexAt(address: usize, length: i32): string {
  if (length <= 0) return '';
  const units = new Uint16Array(length * 3 - 1);
  for (let i = 0; i < length; i++) {
    const b = load<u8>(address + <usize>i);
    if (i > 0) units[i * 3 - 1] = 0x20;
    units[i * 3] = HEX_DIGITS.charCodeAt(b >> 4);
    units[i * 3 + 1] = HEX_DIGITS.charCodeAt(b & 15);
  }
  return String.UTF16.decodeUnsafe(units.dataStart, units.length * 2);
}
