// Integer vector operations compilers emit (vectorised loops, popcount, copies). Lane-by-lane and
// unhurried: they are rare next to scalar code. Results go through a scratch register so that a
// destination may also be a source.

export const LOGIC_AND: u8 = 1;
export const LOGIC_BIC: u8 = 2;
export const LOGIC_ORR: u8 = 3;
export const LOGIC_ORN: u8 = 4;
export const LOGIC_EOR: u8 = 5;
export const LOGIC_BSL: u8 = 6;
export const LOGIC_BIT: u8 = 7;
export const LOGIC_BIF: u8 = 8;

export const ARITH_ADD: u8 = 1;
export const ARITH_SUB: u8 = 2;
export const ARITH_MUL: u8 = 3;
export const ARITH_SSHL: u8 = 4;
export const ARITH_USHL: u8 = 5;
export const ARITH_CMTST: u8 = 6;
export const ARITH_CMEQ: u8 = 7;
export const ARITH_CMGT: u8 = 8;
export const ARITH_CMHI: u8 = 9;
export const ARITH_CMGE: u8 = 10;
export const ARITH_CMHS: u8 = 11;
export const ARITH_SMAX: u8 = 12;
export const ARITH_UMAX: u8 = 13;
export const ARITH_SMIN: u8 = 14;
export const ARITH_UMIN: u8 = 15;
export const ARITH_ADDP: u8 = 16;
export const ARITH_ABS: u8 = 17;
export const ARITH_NEG: u8 = 18;

export const UNARY_CNT: u8 = 1;
export const UNARY_NOT: u8 = 2;
export const UNARY_RBIT: u8 = 3;
export const UNARY_ABS: u8 = 4;
export const UNARY_NEG: u8 = 5;
export const UNARY_XTN: u8 = 6;
export const UNARY_REV64: u8 = 7;
export const UNARY_REV32: u8 = 8;
export const UNARY_REV16: u8 = 9;
export const UNARY_CMEQ0: u8 = 10;
export const UNARY_CMLE0: u8 = 11;
export const UNARY_CMGT0: u8 = 12;
export const UNARY_CMGE0: u8 = 13;
export const UNARY_CMLT0: u8 = 14;

export const SHIFT_SSHR: u8 = 1;
export const SHIFT_USHR: u8 = 2;
export const SHIFT_SSRA: u8 = 3;
export const SHIFT_USRA: u8 = 4;
export const SHIFT_SHL: u8 = 5;
export const SHIFT_SHRN: u8 = 6;
export const SHIFT_SSHLL: u8 = 7;
export const SHIFT_USHLL: u8 = 8;

export const PERMUTE_UZP1: u8 = 1;
export const PERMUTE_UZP2: u8 = 2;
export const PERMUTE_TRN1: u8 = 3;
export const PERMUTE_TRN2: u8 = 4;
export const PERMUTE_ZIP1: u8 = 5;
export const PERMUTE_ZIP2: u8 = 6;

export const REDUCE_ADDV: u8 = 1;
export const REDUCE_SADDLV: u8 = 2;
export const REDUCE_UADDLV: u8 = 3;
export const REDUCE_SMAXV: u8 = 4;
export const REDUCE_UMAXV: u8 = 5;
export const REDUCE_SMINV: u8 = 6;
export const REDUCE_UMINV: u8 = 7;

const scratch: usize = memory.data(16, 16);

@inline function lane(register: usize, bytes: u32, index: u32): u64 {
  const at = register + <usize>(index * bytes);
  if (bytes == 8) return load<u64>(at);
  if (bytes == 4) return <u64>load<u32>(at);
  if (bytes == 2) return <u64>load<u16>(at);
  return <u64>load<u8>(at);
}

@inline function setLane(register: usize, bytes: u32, index: u32, value: u64): void {
  const at = register + <usize>(index * bytes);
  if (bytes == 8) store<u64>(at, value);
  else if (bytes == 4) store<u32>(at, <u32>value);
  else if (bytes == 2) store<u16>(at, <u16>value);
  else store<u8>(at, <u8>value);
}

@inline function signedLane(value: u64, bytes: u32): i64 {
  const shift = <u64>(64 - (bytes << 3));
  return (<i64>(value << shift)) >> shift;
}

@inline function laneMask(bytes: u32): u64 {
  return bytes == 8 ? 0xffff_ffff_ffff_ffff : (<u64>1 << (<u64>bytes << 3)) - 1;
}

/** Copies the scratch result to `destination`, keeping `written` bytes and zeroing the rest. */
function commit(destination: usize, written: u32): void {
  store<u64>(destination, load<u64>(scratch));
  store<u64>(destination, written == 16 ? load<u64>(scratch, 8) : 0, 8);
}

export function vectorLogic(d: usize, n: usize, m: usize, operation: u8, written: u32): void {
  for (let half: usize = 0; half < 16; half += 8) {
    const a = load<u64>(n + half);
    const b = load<u64>(m + half);
    const old = load<u64>(d + half);
    let r: u64 = 0;
    switch (operation) {
      case LOGIC_AND: r = a & b; break;
      case LOGIC_BIC: r = a & ~b; break;
      case LOGIC_ORR: r = a | b; break;
      case LOGIC_ORN: r = a | ~b; break;
      case LOGIC_EOR: r = a ^ b; break;
      case LOGIC_BSL: r = (old & a) | (~old & b); break;
      case LOGIC_BIT: r = (old & ~b) | (a & b); break;
      case LOGIC_BIF: r = (old & b) | (a & ~b); break;
    }
    store<u64>(scratch + half, r);
  }
  commit(d, written);
}

/** Shift by a signed register amount (SSHL/USHL): negative shifts right; no rounding or saturation. */
function shiftByRegister(value: u64, amount: i64, bytes: u32, signed: bool): u64 {
  const width = <i64>(bytes << 3);
  if (amount >= 0) return amount >= width ? 0 : (value << <u64>amount) & laneMask(bytes);
  const right = -amount;
  if (signed) {
    const s = signedLane(value, bytes);
    return <u64>(s >> <i64>min<i64>(right, width - 1)) & laneMask(bytes);
  }
  return right >= width ? 0 : value >> <u64>right;
}

export function vectorArith(d: usize, n: usize, m: usize, operation: u8, bytes: u32, written: u32): void {
  const lanes = written / bytes;
  const mask = laneMask(bytes);
  for (let i: u32 = 0; i < lanes; i++) {
    const a = lane(n, bytes, i);
    const b = lane(m, bytes, i);
    const sa = signedLane(a, bytes);
    const sb = signedLane(b, bytes);
    let r: u64 = 0;
    switch (operation) {
      case ARITH_ADD: r = a + b; break;
      case ARITH_SUB: r = a - b; break;
      case ARITH_MUL: r = a * b; break;
      case ARITH_SSHL: r = shiftByRegister(a, <i64>(<i8>b), bytes, true); break;
      case ARITH_USHL: r = shiftByRegister(a, <i64>(<i8>b), bytes, false); break;
      case ARITH_CMTST: r = (a & b) != 0 ? mask : 0; break;
      case ARITH_CMEQ: r = a == b ? mask : 0; break;
      case ARITH_CMGT: r = sa > sb ? mask : 0; break;
      case ARITH_CMHI: r = a > b ? mask : 0; break;
      case ARITH_CMGE: r = sa >= sb ? mask : 0; break;
      case ARITH_CMHS: r = a >= b ? mask : 0; break;
      case ARITH_SMAX: r = sa > sb ? a : b; break;
      case ARITH_UMAX: r = a > b ? a : b; break;
      case ARITH_SMIN: r = sa < sb ? a : b; break;
      case ARITH_UMIN: r = a < b ? a : b; break;
      case ARITH_ADDP: {
        // Pairwise: the low half of the result from n's pairs, the high half from m's.
        const half = lanes >> 1;
        const source = i < half ? n : m;
        const pairIndex = (i < half ? i : i - half) << 1;
        r = lane(source, bytes, pairIndex) + lane(source, bytes, pairIndex + 1);
        break;
      }
    }
    setLane(scratch, bytes, i, r & mask);
  }
  commit(d, written);
}

/** Two-register operations; `written` is 8 or 16, or for XTN 0 (low half) or 0x100 (upper half). */
export function vectorUnary(d: usize, n: usize, operation: u8, bytes: u32, written: u32): void {
  if (operation == UNARY_XTN) {
    // Source lanes are 2*bytes wide; results fill 8 bytes, in the low or high half of d.
    const upper = written == 0x100;
    store<u64>(scratch, load<u64>(d));
    store<u64>(scratch, 0, 8);
    const lanes = <u32>8 / bytes;
    for (let i: u32 = 0; i < lanes; i++) {
      setLane(scratch + (upper ? 8 : 0), bytes, i, lane(n, bytes << 1, i));
    }
    if (!upper) store<u64>(scratch, 0, 8);
    commit(d, 16);
    return;
  }
  const lanes = written / bytes;
  const mask = laneMask(bytes);
  for (let i: u32 = 0; i < lanes; i++) {
    const a = lane(n, bytes, i);
    const s = signedLane(a, bytes);
    let r: u64 = 0;
    switch (operation) {
      case UNARY_CNT: r = <u64>popcnt<u64>(a); break;
      case UNARY_NOT: r = ~a; break;
      case UNARY_RBIT: r = <u64>(reverseBits8(<u32>a)); break;
      case UNARY_ABS: r = <u64>(s < 0 ? -s : s); break;
      case UNARY_NEG: r = <u64>(-s); break;
      case UNARY_CMEQ0: r = s == 0 ? mask : 0; break;
      case UNARY_CMLE0: r = s <= 0 ? mask : 0; break;
      case UNARY_CMGT0: r = s > 0 ? mask : 0; break;
      case UNARY_CMGE0: r = s >= 0 ? mask : 0; break;
      case UNARY_CMLT0: r = s < 0 ? mask : 0; break;
      case UNARY_REV64: r = lane(n, bytes, (i ^ ((8 / bytes) - 1))); break;
      case UNARY_REV32: r = lane(n, bytes, (i ^ ((4 / bytes) - 1))); break;
      case UNARY_REV16: r = lane(n, bytes, (i ^ 1)); break;
    }
    setLane(scratch, bytes, i, r & mask);
  }
  commit(d, written);
}

function reverseBits8(value: u32): u32 {
  let r: u32 = 0;
  for (let i = 0; i < 8; i++) r |= ((value >> i) & 1) << (7 - i);
  return r;
}

/**
 * Shifts by immediate. For SHRN/SSHLL/USHLL, `written` says which half: 0 the low half (and the
 * upper half of the destination is cleared), 0x100 the upper half (SHRN2 keeps the low half).
 */
export function vectorShift(d: usize, n: usize, operation: u8, bytes: u32, amount: u32, written: u32): void {
  const mask = laneMask(bytes);
  if (operation == SHIFT_SHRN) {
    const upper = written == 0x100;
    store<u64>(scratch, load<u64>(d));
    store<u64>(scratch, 0, 8);
    const lanes = <u32>8 / bytes;
    for (let i: u32 = 0; i < lanes; i++) {
      setLane(scratch + (upper ? 8 : 0), bytes, i, (lane(n, bytes << 1, i) >> <u64>amount) & mask);
    }
    if (!upper) store<u64>(scratch, 0, 8);
    commit(d, 16);
    return;
  }
  if (operation == SHIFT_SSHLL || operation == SHIFT_USHLL) {
    // Widen 8 bytes of n (low or high half) to lanes of 2*bytes.
    const source = n + (written == 0x100 ? 8 : 0);
    const lanes = <u32>8 / bytes;
    const wide = bytes << 1;
    for (let i: u32 = 0; i < lanes; i++) {
      let value = lane(source, bytes, i);
      if (operation == SHIFT_SSHLL) value = <u64>signedLane(value, bytes);
      setLane(scratch, wide, i, (value << <u64>amount) & laneMask(wide));
    }
    commit(d, 16);
    return;
  }
  const lanes = written / bytes;
  const width = bytes << 3;
  for (let i: u32 = 0; i < lanes; i++) {
    const a = lane(n, bytes, i);
    let r: u64 = 0;
    switch (operation) {
      case SHIFT_SSHR: r = <u64>(signedLane(a, bytes) >> <i64>min<u32>(amount, width - 1)); break;
      case SHIFT_USHR: r = amount >= width ? 0 : a >> <u64>amount; break;
      case SHIFT_SSRA: r = lane(d, bytes, i) + <u64>(signedLane(a, bytes) >> <i64>min<u32>(amount, width - 1)); break;
      case SHIFT_USRA: r = lane(d, bytes, i) + (amount >= width ? 0 : a >> <u64>amount); break;
      case SHIFT_SHL: r = a << <u64>amount; break;
    }
    setLane(scratch, bytes, i, r & mask);
  }
  commit(d, written);
}

export function vectorPermute(d: usize, n: usize, m: usize, operation: u8, bytes: u32, written: u32): void {
  const lanes = written / bytes;
  const half = lanes >> 1;
  for (let i: u32 = 0; i < lanes; i++) {
    let r: u64 = 0;
    switch (operation) {
      case PERMUTE_UZP1: r = i < half ? lane(n, bytes, i << 1) : lane(m, bytes, (i - half) << 1); break;
      case PERMUTE_UZP2: r = i < half ? lane(n, bytes, (i << 1) + 1) : lane(m, bytes, ((i - half) << 1) + 1); break;
      case PERMUTE_TRN1: r = (i & 1) == 0 ? lane(n, bytes, i) : lane(m, bytes, i - 1); break;
      case PERMUTE_TRN2: r = (i & 1) == 0 ? lane(n, bytes, i + 1) : lane(m, bytes, i); break;
      case PERMUTE_ZIP1: r = (i & 1) == 0 ? lane(n, bytes, i >> 1) : lane(m, bytes, i >> 1); break;
      case PERMUTE_ZIP2: r = (i & 1) == 0 ? lane(n, bytes, half + (i >> 1)) : lane(m, bytes, half + (i >> 1)); break;
    }
    setLane(scratch, bytes, i, r);
  }
  commit(d, written);
}

/** Across-lanes reductions; the result is a scalar in the low lane, the rest of d cleared. */
export function vectorReduce(d: usize, n: usize, operation: u8, bytes: u32, read: u32): void {
  const lanes = read / bytes;
  let acc: u64 = lane(n, bytes, 0);
  let signedAcc: i64 = signedLane(acc, bytes);
  if (operation == REDUCE_UADDLV) signedAcc = <i64>acc;
  for (let i: u32 = 1; i < lanes; i++) {
    const a = lane(n, bytes, i);
    const s = signedLane(a, bytes);
    switch (operation) {
      case REDUCE_ADDV: acc += a; break;
      case REDUCE_UADDLV: signedAcc += <i64>a; break;
      case REDUCE_SADDLV: signedAcc += s; break;
      case REDUCE_UMAXV: if (a > acc) acc = a; break;
      case REDUCE_UMINV: if (a < acc) acc = a; break;
      case REDUCE_SMAXV: if (s > signedAcc) { signedAcc = s; acc = a; } break;
      case REDUCE_SMINV: if (s < signedAcc) { signedAcc = s; acc = a; } break;
    }
  }
  store<u64>(scratch, 0);
  store<u64>(scratch, 0, 8);
  if (operation == REDUCE_UADDLV || operation == REDUCE_SADDLV) {
    setLane(scratch, bytes << 1, 0, <u64>signedAcc & laneMask(bytes << 1));
  } else {
    setLane(scratch, bytes, 0, acc & laneMask(bytes));
  }
  commit(d, 16);
}

export function vectorExtract(d: usize, n: usize, m: usize, index: u32, written: u32): void {
  for (let i: u32 = 0; i < written; i++) {
    const at = index + i;
    store<u8>(scratch + i, at < written ? load<u8>(n + at) : load<u8>(m + at - written));
  }
  commit(d, written);
}

/** DUP from a general register or a lane: `written` bytes of copies. */
export function vectorDuplicate(d: usize, value: u64, bytes: u32, written: u32): void {
  for (let i: u32 = 0; i < written / bytes; i++) setLane(scratch, bytes, i, value);
  commit(d, written);
}

export function readLane(register: usize, bytes: u32, index: u32): u64 {
  return lane(register, bytes, index);
}

export function writeLane(register: usize, bytes: u32, index: u32, value: u64): void {
  setLane(register, bytes, index, value);
}
