// Hex text for numbers and bytes, as messages, listings and the page's protocol write them.

/** "0x1f"; a negative value as "-0x1f"; `digits` pads with zeros ("0x0000001f"). */
export function hex(value: number | bigint, digits = 0): string {
  const negative = value < 0;
  const text = (negative ? -value : value).toString(16).padStart(digits, '0');
  return negative ? `-0x${text}` : `0x${text}`;
}

/**
 * A 64-bit address or register value, exactly, as the CPU holds it: -8 from a signed source and
 * 2^64 - 8 both read 0xfffffffffffffff8. Pass a bigint for values that can exceed 2^53 (a number is
 * exact only below it).
 */
export function hexAddress(value: number | bigint): string {
  return '0x' + BigInt.asUintN(64, BigInt(value)).toString(16);
}

/** Two lowercase digits a byte, with `separator` between them: "c3", "48 89 e5". */
export function bytesToHex(bytes: Uint8Array, separator = ''): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(separator);
}

/** The bytes of a string of hex digit pairs (either case), as bytesToHex writes them. */
export function hexToBytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length >> 1);
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] = (hexDigit(text.charCodeAt(i * 2)) << 4) | hexDigit(text.charCodeAt(i * 2 + 1));
  }
  return bytes;
}

/** The value of one hex digit's character code (0-9, a-f, A-F). */
function hexDigit(code: number): number {
  return code <= 57 ? code - 48 : (code | 32) - 87;
}
