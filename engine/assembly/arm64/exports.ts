// The ARM64 engine's WebAssembly exports. Inputs arrive in the shared input buffer.
import { inputBytes, outputBuffer } from '../common/input';
import { Arm64Instruction, decode } from './decoder';

/** Bytes per record written by decodeArm64Words. */
export const ARM64_DECODE_RECORD_SIZE: i32 = 16;

const scratch = new Arm64Instruction();

/**
 * Decodes `count` little-endian words from the input buffer, the first at `address`, into records
 * of 16 bytes: form u8, reg u8, cond u8, flags u8 (1: wide, 2: group checked), group u8, 3 zero
 * bytes, target u64. Returns the address of the first record.
 */
export function decodeArm64Words(count: i32, address: u64): usize {
  const words = inputBytes(0, count << 2).dataStart;
  const records = outputBuffer(count * ARM64_DECODE_RECORD_SIZE).dataStart;
  for (let i = 0; i < count; i++) {
    const instruction = decode(load<u32>(words + (<usize>i << 2)), address + (<u64>i << 2), scratch);
    const record = records + <usize>i * ARM64_DECODE_RECORD_SIZE;
    store<u32>(record, u32(instruction.form) | (u32(instruction.reg) << 8) | (u32(instruction.cond) << 16)
      | ((instruction.wide ? 1 : 0) << 24) | ((instruction.checked ? 2 : 0) << 24));
    store<u32>(record, u32(instruction.group), 4);
    store<u64>(record, instruction.target, 8);
  }
  return records;
}
