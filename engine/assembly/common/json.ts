// A small JSON writer: the engine answers the host in JSON text, which is easy to read in tests
// and in the page's step view. Text goes straight into one growing UTF-16 buffer, so an answer of
// a few kilobytes costs a handful of allocations rather than one per token.
import { HEX_DIGITS } from './hex';

export class JsonWriter {
  private units: Uint16Array;
  private length: i32 = 0;
  private needsComma: bool[] = [false];

  /** `capacity`: the answer's expected length in UTF-16 units, so a long answer is not grown by doubling. */
  constructor(capacity: i32 = 2048) {
    this.units = new Uint16Array(max(capacity, 16));
  }

  private reserve(count: i32): void {
    if (this.length + count <= this.units.length) return;
    const grown = new Uint16Array(max(this.units.length * 2, this.length + count));
    memory.copy(grown.dataStart, this.units.dataStart, <usize>this.length << 1);
    this.units = grown;
  }

  private unit(code: u16): void {
    this.reserve(1);
    store<u16>(this.units.dataStart + (<usize>this.length << 1), code);
    this.length++;
  }

  private raw(text: string): void {
    const count = text.length;
    this.reserve(count);
    memory.copy(this.units.dataStart + (<usize>this.length << 1), changetype<usize>(text), <usize>count << 1);
    this.length += count;
  }

  private quoted(text: string): void {
    const count = text.length;
    this.reserve(count + 2);
    this.unit(0x22);
    const source = changetype<usize>(text);
    let start = 0;
    for (let i = 0; i < count; i++) {
      const c = load<u16>(source + (<usize>i << 1));
      if (c != 0x22 && c != 0x5c && c >= 0x20) continue;
      this.rawRange(source, start, i);
      if (c == 0x22) this.raw('\\"');
      else if (c == 0x5c) this.raw('\\\\');
      else {
        this.raw('\\u00');
        this.unit(<u16>HEX_DIGITS.charCodeAt(c >> 4));
        this.unit(<u16>HEX_DIGITS.charCodeAt(c & 15));
      }
      start = i + 1;
    }
    this.rawRange(source, start, count);
    this.unit(0x22);
  }

  private rawRange(source: usize, start: i32, end: i32): void {
    const count = end - start;
    if (count <= 0) return;
    this.reserve(count);
    memory.copy(this.units.dataStart + (<usize>this.length << 1), source + (<usize>start << 1), <usize>count << 1);
    this.length += count;
  }

  private separate(): void {
    const top = this.needsComma.length - 1;
    if (this.needsComma[top]) this.unit(0x2c);
    this.needsComma[top] = true;
  }

  beginObject(): JsonWriter { this.separate(); this.unit(0x7b); this.needsComma.push(false); return this; }
  endObject(): JsonWriter { this.unit(0x7d); this.needsComma.pop(); return this; }
  beginArray(): JsonWriter { this.separate(); this.unit(0x5b); this.needsComma.push(false); return this; }
  endArray(): JsonWriter { this.unit(0x5d); this.needsComma.pop(); return this; }

  /** The key of the next value inside an object. */
  key(name: string): JsonWriter {
    this.separate();
    this.quoted(name);
    this.unit(0x3a);
    this.needsComma[this.needsComma.length - 1] = false;
    return this;
  }

  string(value: string): JsonWriter { this.separate(); this.quoted(value); return this; }
  bool(value: bool): JsonWriter { this.separate(); this.raw(value ? 'true' : 'false'); return this; }
  int(value: i64): JsonWriter { this.separate(); this.raw(value.toString()); return this; }

  /** Addresses and other 64-bit values travel as hex strings: JSON numbers lose precision past 2^53. */
  hex(value: u64): JsonWriter {
    this.separate();
    this.raw('"0x');
    let shift = 60;
    while (shift > 0 && ((value >> u64(shift)) & 15) == 0) shift -= 4;
    for (; shift >= 0; shift -= 4) this.unit(<u16>HEX_DIGITS.charCodeAt(i32((value >> u64(shift)) & 15)));
    this.unit(0x22);
    return this;
  }

  bytes(data: Uint8Array): JsonWriter {
    this.separate();
    this.reserve(data.length * 2 + 2);
    this.unit(0x22);
    for (let i = 0; i < data.length; i++) {
      const b = data[i];
      this.unit(<u16>HEX_DIGITS.charCodeAt(b >> 4));
      this.unit(<u16>HEX_DIGITS.charCodeAt(b & 15));
    }
    this.unit(0x22);
    return this;
  }

  toString(): string { return String.UTF16.decodeUnsafe(this.units.dataStart, <usize>this.length << 1); }
}
