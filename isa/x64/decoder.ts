// x86-64 instruction decoder (64-bit mode). Reads from linear memory so the same code decodes a
// buffer the host filled and guest memory the CPU owns. Fills an X64Instruction in place.
//
// Order of work: prefixes and REX, vector prefix (VEX/EVEX) or escape bytes, opcode table,
// mandatory prefix, ModRM/SIB/displacement, opcode-extension group, immediates, LOCK, facts.
import { X64Encoding, X64Error, X64Flow } from './codes';
import { X64Instruction } from './instruction';
import { failMissingByte, failShort, MAX_INSTRUCTION_LENGTH, readPrefixes } from './prefixes';
import { readModrm } from './modrm';
import {
  descriptorOf, DEFAULT_64, FORCE_64, GROUP, IMM_16, IMM_16_8, IMM_8, IMM_8_8, IMM_MASK, IMM_MOFFS, IMM_NONE, IMM_V, IMM_Z,
  INVALID_64, LOCKABLE, MAP_0F, MAP_0F38, MAP_0F3A, MEM_ONLY, MOD_IS_REG, MODRM, NP, ONE_BYTE, P66, PF2, PF3,
  PP_MASK, REG_ONLY, REL_32, REL_8, REL_Z, UNDEFINED,
} from './legacy-opcodes';
import { resolveGroup } from './opcode-groups';
import { isThreeDNowSuffix } from './three-dnow';
import { readVectorPrefix } from './vector-prefixes';
import { finishVectorOperands, vectorOpcodeDescriptor } from './vector-opcodes';
import { checkVexForm } from './vex-forms';
import { checkEvexForm } from './evex-forms';

export { X64Instruction } from './instruction';

/**
 * Decodes one instruction at `ptr` (at most `available` bytes may be read) that sits at guest
 * `address`. Returns `out.valid`; on failure `out.error` and `out.reason` say why, and
 * X64Error.TRUNCATED tells bytes that ran out apart from bytes that are invalid.
 */
export function decodeX64(ptr: usize, available: i32, address: u64, out: X64Instruction): bool {
  out.reset(address);
  const limit = available < MAX_INSTRUCTION_LENGTH ? available : MAX_INSTRUCTION_LENGTH;
  let position = readPrefixes(ptr, available, out);
  if (position < 0) return false;

  let byte = <u32>load<u8>(ptr + <usize>position);
  let descriptor: u32 = 0;
  if (byte == 0xc4 || byte == 0xc5 || byte == 0x62) {
    // In 64-bit mode these are always VEX / EVEX (les, lds and bound do not exist).
    if (out.lock || out.rep || out.repne || out.operandSizePrefix || out.rex != 0) {
      return out.fail(X64Error.BAD_VECTOR_PREFIX, 'a VEX or EVEX prefix may not follow a 66, F2, F3, F0 or REX prefix');
    }
    position = readVectorPrefix(ptr, available, position, out);
    if (position < 0) return false;
    if (position >= limit) return failMissingByte(out, position);
    byte = <u32>load<u8>(ptr + <usize>position);
    out.opcode = <u8>byte;
    out.opcodeOffset = position;
    position++;
    descriptor = vectorOpcodeDescriptor(out);
    if (descriptor & UNDEFINED) return out.fail(X64Error.UNDEFINED_OPCODE, 'no VEX or EVEX instruction has this opcode, map and prefix');
  } else {
    if (byte == 0x0f) {
      position++;
      if (position >= limit) return failMissingByte(out, position);
      byte = <u32>load<u8>(ptr + <usize>position);
      if (byte == 0x38 || byte == 0x3a) {
        out.map = byte == 0x38 ? 2 : 3;
        position++;
        if (position >= limit) return failMissingByte(out, position);
        byte = <u32>load<u8>(ptr + <usize>position);
      } else {
        out.map = 1;
      }
    }
    out.opcode = <u8>byte;
    out.opcodeOffset = position;
    position++;
    const table = out.map == 0 ? ONE_BYTE : out.map == 1 ? MAP_0F : out.map == 2 ? MAP_0F38 : MAP_0F3A;
    descriptor = descriptorOf(table, byte);
    if (descriptor & UNDEFINED) return out.fail(X64Error.UNDEFINED_OPCODE, 'undefined opcode');
    if (descriptor & INVALID_64) return out.fail(X64Error.INVALID_IN_64BIT, 'this opcode is not valid in 64-bit mode');
    if (descriptor & PP_MASK) {
      // SSE-style opcodes: the last of F2/F3, else 66, selects the instruction.
      const mandatory: u32 = out.lastRepPrefix != 0 ? <u32>out.lastRepPrefix : out.operandSizePrefix ? 0x66 : 0;
      const bit = mandatory == 0 ? NP : mandatory == 0x66 ? P66 : mandatory == 0xf3 ? PF3 : PF2;
      if ((descriptor & bit) == 0) return out.fail(X64Error.BAD_MANDATORY_PREFIX, 'no instruction has this opcode with this mandatory prefix');
      out.mandatoryPrefix = <u8>mandatory;
    }
  }

  if (descriptor & MODRM) {
    position = readModrm(ptr, available, position, (descriptor & MOD_IS_REG) != 0, out);
    if (position < 0) return false;
    if ((descriptor & MEM_ONLY) && out.mod == 3) return out.fail(X64Error.BAD_OPERAND_FORM, 'this instruction needs a memory operand');
    if ((descriptor & REG_ONLY) && out.mod != 3) return out.fail(X64Error.BAD_OPERAND_FORM, 'this instruction needs a register operand');
    if (out.encoding != X64Encoding.LEGACY && !finishVectorOperands(descriptor, out)) return false;
  }

  if ((out.encoding == X64Encoding.VEX2 || out.encoding == X64Encoding.VEX3) && !checkVexForm(out)) return false;
  if (out.encoding == X64Encoding.EVEX && !checkEvexForm(out)) return false;

  let immediate = descriptor & IMM_MASK;
  if ((descriptor & GROUP) && out.encoding == X64Encoding.LEGACY) {
    const groupMandatory: u32 = out.mandatoryPrefix != 0 ? <u32>out.mandatoryPrefix
      : out.lastRepPrefix != 0 ? <u32>out.lastRepPrefix : out.operandSizePrefix ? 0x66 : 0;
    const resolved = resolveGroup(out.map, byte, groupMandatory, immediate, out);
    if (resolved < 0) return false;
    immediate = <u32>resolved;
  }

  // Operand size: REX.W wins over 66; a mandatory 66 is not an operand-size prefix.
  const sizePrefix = out.operandSizePrefix && out.mandatoryPrefix != 0x66;
  let operandSize: i32 = out.rexW ? 8 : sizePrefix ? 2 : 4;
  if (out.encoding != X64Encoding.LEGACY) operandSize = out.vexW ? 8 : 4;
  else if (descriptor & FORCE_64) operandSize = 8;
  else if ((descriptor & DEFAULT_64) && operandSize == 4) operandSize = 8;
  out.operandSize = operandSize;

  if (immediate != IMM_NONE) {
    position = readImmediates(ptr, limit, position, immediate, operandSize, out);
    if (position < 0) return false;
  }
  out.length = position;

  if (out.map == 1 && byte == 0x0f && out.encoding == X64Encoding.LEGACY && !isThreeDNowSuffix(<u32>(out.imm & 0xff))) {
    return out.fail(X64Error.UNDEFINED_OPCODE, 'undefined 3DNow! suffix');
  }
  if (out.lock && !lockAllowed(descriptor, byte, out)) {
    return out.fail(X64Error.BAD_LOCK, 'LOCK is only allowed on read-modify-write instructions with a memory destination');
  }
  if (out.encoding == X64Encoding.LEGACY) setFlow(byte, out);
  if (out.ripRelative) {
    const target = out.address + <u64>out.length + <u64>out.disp;
    out.ripTarget = out.addressSize == 4 ? target & 0xffffffff : target;
  }
  out.valid = true;
  return true;
}

/** Reads the immediate(s) of kind `immediate`. Returns the offset after them, or -1. */
function readImmediates(ptr: usize, limit: i32, position: i32, immediate: u32, operandSize: i32, out: X64Instruction): i32 {
  let size: i32 = 0;
  let size2: i32 = 0;
  switch (immediate) {
    case IMM_8: case REL_8: size = 1; break;
    case IMM_16: size = 2; break;
    case IMM_Z: size = operandSize == 2 ? 2 : 4; break;
    case IMM_V: size = operandSize; break;
    case REL_32: size = 4; break;
    case REL_Z: size = out.operandSizePrefix && !out.rexW ? 2 : 4; break;
    case IMM_MOFFS: size = out.addressSize; break;
    case IMM_16_8: size = 2; size2 = 1; break;
    case IMM_8_8: size = 1; size2 = 1; break;
  }
  const end = position + size + size2;
  if (end > limit) {
    failShort(out, end);
    return -1;
  }
  const at = ptr + <usize>position;
  let value: i64 = 0;
  if (size == 1) value = <i64>load<i8>(at);
  else if (size == 2) value = <i64>load<i16>(at);
  else if (size == 4) value = <i64>load<i32>(at);
  else value = load<i64>(at);
  if (immediate == REL_8 || immediate == REL_32 || immediate == REL_Z) {
    out.relOffset = position;
    out.relSize = size;
    out.branchTarget = out.address + <u64>end + <u64>value;
  } else {
    out.immOffset = position;
    out.immSize = size;
    out.imm = value;
  }
  if (size2 > 0) {
    out.imm2Offset = position + size;
    out.imm2Size = size2;
    out.imm2 = <i64>load<i8>(at + <usize>size);
  }
  return end;
}

/** LOCK: read-modify-write instructions whose destination is memory. */
function lockAllowed(descriptor: u32, opcode: u32, out: X64Instruction): bool {
  if (out.encoding != X64Encoding.LEGACY || (descriptor & LOCKABLE) == 0 || out.mod == 3 || !out.hasModrm) return false;
  const reg = (<u32>out.modrm >> 3) & 7;
  if (out.map == 0) {
    switch (opcode) {
      case 0x80: case 0x81: case 0x83: return reg != 7; // not cmp
      case 0xf6: case 0xf7: return reg == 2 || reg == 3; // not, neg
      case 0xfe: case 0xff: return reg <= 1; // inc, dec
    }
    return true;
  }
  switch (opcode) {
    case 0xba: return reg >= 5; // bts btr btc (not bt)
    case 0xc7: return reg == 1; // cmpxchg8b / cmpxchg16b
  }
  return true;
}

/** Control-flow class of a legacy instruction. */
function setFlow(opcode: u32, out: X64Instruction): void {
  if (out.map == 0) {
    if (opcode >= 0x70 && opcode <= 0x7f) { out.flow = X64Flow.JCC_REL; out.condition = <i32>(opcode & 15); return; }
    switch (opcode) {
      case 0xe0: case 0xe1: case 0xe2: case 0xe3: out.flow = X64Flow.LOOP_REL; return;
      case 0xe8: out.flow = X64Flow.CALL_REL; return;
      case 0xe9: case 0xeb: out.flow = X64Flow.JMP_REL; return;
      case 0xc2: case 0xc3: out.flow = X64Flow.RET_NEAR; return;
      case 0xca: case 0xcb: case 0xcf: out.flow = X64Flow.RET_FAR; return;
      case 0xcc: case 0xcd: case 0xce: case 0xf1: case 0xf4: out.flow = X64Flow.INTERRUPT; return;
      case 0xc7: if (out.modrm == 0xf8) out.flow = X64Flow.XBEGIN_REL; return;
      case 0xff: {
        const reg = (<u32>out.modrm >> 3) & 7;
        if (reg == 2 || reg == 3) out.flow = X64Flow.CALL_INDIRECT;
        else if (reg == 4 || reg == 5) out.flow = X64Flow.JMP_INDIRECT;
        // Near indirect branches are always 64-bit; far ones keep the operand size (m16:16/32/64);
        // push r/m defaults to 64-bit like the other stack operations (16-bit with 66).
        if (reg == 2 || reg == 4) out.operandSize = 8;
        else if (reg == 6 && out.operandSize == 4) out.operandSize = 8;
        return;
      }
    }
    return;
  }
  if (out.map == 1) {
    if (opcode >= 0x80 && opcode <= 0x8f) { out.flow = X64Flow.JCC_REL; out.condition = <i32>(opcode & 15); return; }
    switch (opcode) {
      case 0x05: case 0x07: case 0x34: case 0x35: case 0x0b: case 0xb9: case 0xff:
        out.flow = X64Flow.INTERRUPT;
        return;
      case 0x20: case 0x21: case 0x22: case 0x23:
        out.operandSize = 8; // control and debug registers move 64 bits in 64-bit mode
        return;
      case 0x78: case 0x79:
        if (out.mandatoryPrefix == 0) out.operandSize = 8; // vmread / vmwrite are 64-bit in 64-bit mode
        return;
    }
  }
}
