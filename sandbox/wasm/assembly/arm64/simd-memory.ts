// Advanced SIMD structure loads and stores (LD1..LD4, ST1..ST4 of multiple structures or of one
// lane, LD1R..LD4R), element by element in the order the emulated CPU accesses memory: LD1/ST1 of
// whole registers in 8-byte accesses, the interleaving forms one element at a time. As on Unicorn, a
// load writes each element into its register as it is read, so a fault part-way leaves the elements
// before it loaded (and the base register unchanged).
import { readSized, writeSized } from '../memory';
import { faulted } from '../status';
import {
  STRUCT_INDEX_SHIFT, STRUCT_KIND_SHIFT, STRUCT_LANE, STRUCT_LOAD, STRUCT_MULTIPLE, STRUCT_Q, STRUCT_REPEAT_SHIFT,
  STRUCT_SELEM_SHIFT, STRUCT_SIZE_SHIFT,
} from './ops';
import { vSlot } from './state';
import { readLane, vectorDuplicate, writeLane } from './simd-ops';

@inline function register(first: u32, k: u32): usize {
  return vSlot((first + k) & 31);
}

/**
 * Runs the accesses of one structure instruction from `address`; `fields` are the entry's STRUCT_*
 * bits. Returns false after a fault.
 */
export function structureAccess(first: u32, address: u64, fields: u64): bool {
  const selem = <u32>(fields >> STRUCT_SELEM_SHIFT) & 7;
  const repeat = <u32>(fields >> STRUCT_REPEAT_SHIFT) & 7;
  let sizeLog = <u32>(fields >> STRUCT_SIZE_SHIFT) & 3;
  const q = (fields & STRUCT_Q) != 0;
  const load = (fields & STRUCT_LOAD) != 0;
  const kind = <u32>(fields >> STRUCT_KIND_SHIFT) & 3;
  const registerBytes: u32 = q ? 16 : 8;
  if (kind == STRUCT_MULTIPLE) {
    // Consecutive elements of one register are accessed 8 bytes at a time.
    if (selem == 1) sizeLog = 3;
    const bytes: u32 = 1 << sizeLog;
    const elements = registerBytes >> sizeLog;
    let at = address;
    for (let r: u32 = 0; r < repeat; r++) {
      for (let e: u32 = 0; e < elements; e++) {
        for (let s: u32 = 0; s < selem; s++) {
          const v = register(first, r + s);
          if (load) {
            const value = readSized(at, bytes);
            if (faulted) return false;
            writeLane(v, bytes, e, value);
          } else {
            writeSized(at, bytes, readLane(v, bytes, e));
            if (faulted) return false;
          }
          at += bytes;
        }
      }
    }
    if (load && !q) {
      for (let k: u32 = 0; k < repeat * selem; k++) store<u64>(register(first, k), 0, 8);
    }
    return true;
  }
  const bytes: u32 = 1 << sizeLog;
  const index = <u32>(fields >> STRUCT_INDEX_SHIFT) & 15;
  let at = address;
  for (let s: u32 = 0; s < selem; s++) {
    const v = register(first, s);
    if (kind == STRUCT_LANE) {
      if (load) {
        const value = readSized(at, bytes);
        if (faulted) return false;
        writeLane(v, bytes, index, value);
      } else {
        writeSized(at, bytes, readLane(v, bytes, index));
        if (faulted) return false;
      }
    } else { // replicate: the element in every lane (LD1R..LD4R)
      const value = readSized(at, bytes);
      if (faulted) return false;
      vectorDuplicate(v, value, bytes, registerBytes);
    }
    at += bytes;
  }
  return true;
}
