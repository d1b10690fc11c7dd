// The names of a patch image: references (offset, length) into its string table. However many
// entries share a name, its bytes are checked and decoded once, the first time it is referenced;
// references that are not the same reference must not share bytes. So the work and the memory
// spent on names grow with the string table, never with entries times name length.
import { MAX_NAME_BYTES } from '../../../core/patch-format';
import { u32At } from './little-endian';
import { firstInvalidUtf8 } from './utf8';

// Why a reference was refused (read() answers one of these, negative, instead of a name's number).
export const NAME_EMPTY: i32 = -1;
export const NAME_TOO_LONG: i32 = -2;
export const NAME_OUT_OF_BOUNDS: i32 = -3;
export const NAME_OVERLAPS: i32 = -4;
export const NAME_NOT_UTF8: i32 = -5;
export const NAME_CONTROL: i32 = -6;

export class NameTable {
  /** Each distinct name once, in the order first referenced; entries hold its number. */
  texts: string[] = [];
  /** After a refusal: the name's length and offset in the string table, and the offending image byte's offset. */
  length: u32 = 0;
  offset: u32 = 0;
  badByteAt: u32 = 0;
  private byReference: Map<u64, i32> = new Map<u64, i32>();
  private byText: Map<string, i32> = new Map<string, i32>();
  /** One bit per string table byte: set where a name already read lies. */
  private used: Uint32Array;

  constructor(private bytes: Uint8Array, private tableOffset: u32, private tableSize: u32) {
    this.used = new Uint32Array(<i32>((tableSize + 31) >> 5));
  }

  /** The number of the name referenced at image offset `field`, or a NAME_ refusal (< 0). */
  read(field: u32): i32 {
    const bytes = this.bytes;
    const offset = u32At(bytes, field);
    const length = u32At(bytes, field + 4);
    this.offset = offset;
    this.length = length;
    if (length == 0) return NAME_EMPTY;
    if (length > <u32>MAX_NAME_BYTES) return NAME_TOO_LONG;
    if (<u64>offset + length > <u64>this.tableSize) return NAME_OUT_OF_BOUNDS;
    const key = (<u64>offset << 32) | <u64>length;
    if (this.byReference.has(key)) return this.byReference.get(key);

    // The bitmap has a bit for every byte of the string table, and the name lies inside it (checked above).
    const used = this.used;
    for (let i = offset; i < offset + length; i++) {
      if ((unchecked(used[i >> 5]) & (1 << (i & 31))) != 0) return NAME_OVERLAPS;
    }
    const start = this.tableOffset + offset;
    const invalid = firstInvalidUtf8(bytes, <i32>start, <i32>length);
    if (invalid >= 0) {
      this.badByteAt = <u32>invalid;
      return NAME_NOT_UTF8;
    }
    for (let i: u32 = 0; i < length; i++) {
      const c = unchecked(bytes[start + i]);
      if (c < 0x20 || c == 0x7f) {
        this.badByteAt = start + i;
        return NAME_CONTROL;
      }
    }
    for (let i = offset; i < offset + length; i++) unchecked(used[i >> 5] |= 1 << (i & 31));

    // The same text stored twice (a writer that does not share names) is still one name.
    const text = String.UTF8.decodeUnsafe(bytes.dataStart + start, length);
    let id: i32;
    if (this.byText.has(text)) {
      id = this.byText.get(text);
    } else {
      id = this.texts.length;
      this.texts.push(text);
      this.byText.set(text, id);
    }
    this.byReference.set(key, id);
    return id;
  }
}
