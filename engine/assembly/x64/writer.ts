// x86-64 code writer: emits the few encodings the redirect engine needs, at a known address, so
// relative forms can be computed and checked for reach as they are written.

/** Sizes of the forms the engine emits, for layout before writing. */
export const JMP_REL8_SIZE: i32 = 2;
export const JMP_REL32_SIZE: i32 = 5;
/** `jmp qword [rip+0]` followed by the 8-byte target: reaches anywhere, clobbers nothing. */
export const JMP_ABSOLUTE_SIZE: i32 = 14;
export const CALL_REL32_SIZE: i32 = 5;
/** `call qword [rip+2]`, `jmp +8` over the literal, the 8-byte target. */
export const CALL_ABSOLUTE_SIZE: i32 = 16;
export const JCC_REL8_SIZE: i32 = 2;
export const JCC_REL32_SIZE: i32 = 6;
/** The inverted condition jumps over an absolute jump. */
export const JCC_ABSOLUTE_SIZE: i32 = JCC_REL8_SIZE + JMP_ABSOLUTE_SIZE;
/** `endbr64` (F3 0F 1E FA): the landing pad of indirect branches under CET's indirect branch tracking. */
export const ENDBR64_SIZE: i32 = 4;
/** The `notrack` prefix (3E) an indirect jump or call takes so that IBT (with NO_TRACK_EN) needs no endbr64 at its target. */
export const NOTRACK_SIZE: i32 = 1;

/** Condition codes as in the low nibble of `jcc` (o, no, b, ae, e, ne, be, a, s, ns, p, np, l, ge, le, g). */
export function invertCondition(condition: i32): i32 {
  return condition ^ 1;
}

/** The signed distance from `from` to `to`, wrapping like the CPU's 64-bit address arithmetic. */
export function distance(from: u64, to: u64): i64 {
  return <i64>(to - from);
}

export function fitsRel8(from: u64, to: u64): bool {
  const d = distance(from, to);
  return d >= -128 && d <= 127;
}

/** Whether a rel32 field in an instruction ending at `from` can reach `to`. */
export function fitsRel32(from: u64, to: u64): bool {
  const d = distance(from, to);
  return d >= -2147483648 && d <= 2147483647;
}

// Intel's recommended multi-byte nops (SDM vol. 2, NOP), lengths 1 to 9 one after the other:
// the nop of length n starts at n * (n - 1) / 2.
const NOPS: StaticArray<u8> = [
  0x90,
  0x66, 0x90,
  0x0f, 0x1f, 0x00,
  0x0f, 0x1f, 0x40, 0x00,
  0x0f, 0x1f, 0x44, 0x00, 0x00,
  0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00,
  0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00,
  0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00,
];
export const LONGEST_NOP: i32 = 9;

export class X64Writer {
  private data: Uint8Array = new Uint8Array(64);
  private size: i32 = 0;

  /** `base`: the address the first written byte will have when the code runs. */
  constructor(readonly base: u64) {}

  /** Address of the next byte to be written. */
  get pc(): u64 {
    return this.base + <u64>this.size;
  }

  get length(): i32 {
    return this.size;
  }

  private reserve(count: i32): void {
    if (this.size + count <= this.data.length) return;
    const grown = new Uint8Array(max(this.data.length * 2, this.size + count));
    grown.set(this.data);
    this.data = grown;
  }

  putU8(value: u32): void {
    this.reserve(1);
    this.data[this.size++] = <u8>value;
  }

  putU32(value: u32): void {
    this.reserve(4);
    store<u32>(this.data.dataStart + <usize>this.size, value);
    this.size += 4;
  }

  putU64(value: u64): void {
    this.reserve(8);
    store<u64>(this.data.dataStart + <usize>this.size, value);
    this.size += 8;
  }

  /** Copies `length` bytes from linear memory. */
  putBytes(ptr: usize, length: i32): void {
    this.reserve(length);
    memory.copy(this.data.dataStart + <usize>this.size, ptr, <usize>length);
    this.size += length;
  }

  /** Overwrites a 32-bit field already written at `offset` (from the start of this writer). */
  patchU32(offset: i32, value: u32): void {
    assert(offset >= 0 && offset + 4 <= this.size);
    store<u32>(this.data.dataStart + <usize>offset, value);
  }

  patchU8(offset: i32, value: u32): void {
    assert(offset >= 0 && offset < this.size);
    this.data[offset] = <u8>value;
  }

  /** `jmp rel8`; false (nothing written) when the target is out of reach. */
  putJmpRel8(target: u64): bool {
    const end = this.pc + <u64>JMP_REL8_SIZE;
    if (!fitsRel8(end, target)) return false;
    this.putU8(0xeb);
    this.putU8(<u32>distance(end, target));
    return true;
  }

  /** `jmp rel32`; false (nothing written) when the target is out of reach. */
  putJmpRel32(target: u64): bool {
    const end = this.pc + <u64>JMP_REL32_SIZE;
    if (!fitsRel32(end, target)) return false;
    this.putU8(0xe9);
    this.putU32(<u32>distance(end, target));
    return true;
  }

  putEndbr64(): void {
    this.putU8(0xf3);
    this.putU8(0x0f);
    this.putU8(0x1e);
    this.putU8(0xfa);
  }

  /** `jmp qword [rip+0]` and the target right after it: 14 bytes, any address, no register used. */
  putJmpAbsolute(target: u64, notrack: bool = false): void {
    if (notrack) this.putU8(0x3e);
    this.putU8(0xff);
    this.putU8(0x25);
    this.putU32(0);
    this.putU64(target);
  }

  /** The shortest of rel32 and absolute that reaches; returns the size written. */
  putJmpNear(target: u64): i32 {
    if (this.putJmpRel32(target)) return JMP_REL32_SIZE;
    this.putJmpAbsolute(target);
    return JMP_ABSOLUTE_SIZE;
  }

  putCallRel32(target: u64): bool {
    const end = this.pc + <u64>CALL_REL32_SIZE;
    if (!fitsRel32(end, target)) return false;
    this.putU8(0xe8);
    this.putU32(<u32>distance(end, target));
    return true;
  }

  /**
   * `call qword [rip+2]`, then `jmp +8` over the 8-byte target. The pushed return address is the
   * short jump, so the callee returns past the literal.
   */
  putCallAbsolute(target: u64, notrack: bool = false): void {
    if (notrack) this.putU8(0x3e);
    this.putU8(0xff);
    this.putU8(0x15);
    this.putU32(2);
    this.putU8(0xeb);
    this.putU8(8);
    this.putU64(target);
  }

  putJccRel8(condition: i32, target: u64): bool {
    const end = this.pc + <u64>JCC_REL8_SIZE;
    if (!fitsRel8(end, target)) return false;
    this.putU8(0x70 | <u32>(condition & 15));
    this.putU8(<u32>distance(end, target));
    return true;
  }

  putJccRel32(condition: i32, target: u64): bool {
    const end = this.pc + <u64>JCC_REL32_SIZE;
    if (!fitsRel32(end, target)) return false;
    this.putU8(0x0f);
    this.putU8(0x80 | <u32>(condition & 15));
    this.putU32(<u32>distance(end, target));
    return true;
  }

  /** The inverted condition skips an absolute jump: a conditional jump to any address. */
  putJccAbsolute(condition: i32, target: u64, notrack: bool = false): void {
    this.putU8(0x70 | <u32>(invertCondition(condition) & 15));
    this.putU8(<u32>(JMP_ABSOLUTE_SIZE + (notrack ? NOTRACK_SIZE : 0)));
    this.putJmpAbsolute(target, notrack);
  }

  putInt3(count: i32): void {
    for (let i = 0; i < count; i++) this.putU8(0xcc);
  }

  /** `count` bytes of nops, as few instructions as possible (each at most 9 bytes). */
  putNops(count: i32): void {
    while (count > 0) {
      const size = count < LONGEST_NOP ? count : LONGEST_NOP;
      const start = size * (size - 1) / 2;
      for (let i = 0; i < size; i++) this.putU8(NOPS[start + i]);
      count -= size;
    }
  }

  toBytes(): Uint8Array {
    return this.bytesFrom(0);
  }

  /** A copy of the bytes written from offset `start` on. */
  bytesFrom(start: i32): Uint8Array {
    return this.data.slice(start, this.size);
  }
}
