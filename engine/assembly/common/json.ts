// A small JSON writer: the engine answers the host in JSON text, which is easy to read in tests
// and in the page's step view.

export class JsonWriter {
  private parts: string[] = [];
  private needsComma: bool[] = [false];

  private separate(): void {
    const top = this.needsComma.length - 1;
    if (this.needsComma[top]) this.parts.push(',');
    this.needsComma[top] = true;
  }

  beginObject(): JsonWriter { this.separate(); this.parts.push('{'); this.needsComma.push(false); return this; }
  endObject(): JsonWriter { this.parts.push('}'); this.needsComma.pop(); return this; }
  beginArray(): JsonWriter { this.separate(); this.parts.push('['); this.needsComma.push(false); return this; }
  endArray(): JsonWriter { this.parts.push(']'); this.needsComma.pop(); return this; }

  /** The key of the next value inside an object. */
  key(name: string): JsonWriter {
    this.separate();
    this.parts.push(quote(name));
    this.parts.push(':');
    this.needsComma[this.needsComma.length - 1] = false;
    return this;
  }

  string(value: string): JsonWriter { this.separate(); this.parts.push(quote(value)); return this; }
  bool(value: bool): JsonWriter { this.separate(); this.parts.push(value ? 'true' : 'false'); return this; }
  int(value: i64): JsonWriter { this.separate(); this.parts.push(value.toString()); return this; }
  /** Addresses and other 64-bit values travel as hex strings: JSON numbers lose precision past 2^53. */
  hex(value: u64): JsonWriter { this.separate(); this.parts.push('"0x' + value.toString(16) + '"'); return this; }
  bytes(data: Uint8Array): JsonWriter { this.separate(); this.parts.push('"' + toHex(data) + '"'); return this; }

  toString(): string { return this.parts.join(''); }
}

const HEX_DIGITS = '0123456789abcdef';

export function toHex(data: Uint8Array): string {
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

function quote(value: string): string {
  let plain = true;
  const units = changetype<usize>(value);
  for (let i = 0, n = value.length; i < n; i++) {
    const c = load<u16>(units + (<usize>i << 1));
    if (c == 0x22 || c == 0x5c || c < 0x20) { plain = false; break; }
  }
  if (plain) return '"' + value + '"';
  // Escapes are rare: join the runs between them.
  const parts: string[] = ['"'];
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c != 0x22 && c != 0x5c && c >= 0x20) continue;
    parts.push(value.substring(start, i));
    if (c == 0x22) parts.push('\\"');
    else if (c == 0x5c) parts.push('\\\\');
    else parts.push('\\u00' + HEX_DIGITS.charAt(c >> 4) + HEX_DIGITS.charAt(c & 15));
    start = i + 1;
  }
  parts.push(value.substring(start));
  parts.push('"');
  return parts.join('');
}
