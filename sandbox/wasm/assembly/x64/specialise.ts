// Picks the size-specific form of a lowered entry where one exists (64-bit operands, or 32-bit ones
// zero-extended into the register), so the interpreter's commonest paths take no operand-size branch,
// and the fused form of a flag-setting entry followed by a jcc. Runs once per instruction at decode
// time; entries it does not recognise stay as lowered.
import {
  E_FLAGS, E_IMM, E_OP, E_REG, E_RM, E_SEGMENT, E_SIZE, F_ADDR32, OP_ALU_R_RM, OP_ALU_RI, OP_ALU_RI32, OP_ALU_RI64,
  OP_ALU_RM32, OP_ALU_RM64, OP_ALU_RR, OP_ALU_RR32, OP_ALU_RR64, OP_DEC, OP_DEC32, OP_DEC64, OP_INC, OP_INC32, OP_INC64,
  OP_LEA, OP_LEA32, OP_LEA64, OP_LOAD, OP_LOAD32, OP_LOAD64, OP_MOV_RI, OP_MOV_RI64, OP_MOV_RR, OP_MOV_RR32,
  OP_MOV_RR64, OP_STORE, OP_STORE32, OP_STORE64, OP_TEST_I, OP_TEST_R, OP_TEST_RI32, OP_TEST_RI64, OP_TEST_RR32,
  OP_TEST_RR64, OP_ALU_RR64_JCC, OP_ALU_RR32_JCC, OP_ALU_RI64_JCC, OP_ALU_RI32_JCC, OP_TEST_RR64_JCC, OP_TEST_RR32_JCC,
  OP_TEST_RI64_JCC, OP_TEST_RI32_JCC, OP_DEC64_JCC, OP_DEC32_JCC, OP_ALU_MI, OP_ALU_MI32, OP_ALU_MI64, OP_POP64,
  OP_POP_RM, OP_PUSH64, OP_PUSH_RM,
} from './ops';
import { ZERO } from './state';

export function specialiseX64(p: usize): void {
  const size = load<u8>(p, E_SIZE);
  if (size != 8 && size != 4) return;
  const wide = size == 8;
  const register = load<u16>(p, E_RM) != 0;
  // A memory operand in the plain form: 64-bit address arithmetic, no segment base.
  const plain = !register && (load<u8>(p, E_FLAGS) & F_ADDR32) == 0 && load<u16>(p, E_SEGMENT) == <u16>ZERO;
  let op: u16 = 0;
  switch (load<u16>(p, E_OP)) {
    case OP_MOV_RR: op = wide ? OP_MOV_RR64 : OP_MOV_RR32; break;
    case OP_MOV_RI: truncateImmediate(p, wide); op = OP_MOV_RI64; break;
    case OP_LOAD: if (plain) op = wide ? OP_LOAD64 : OP_LOAD32; break;
    case OP_STORE: if (plain) op = wide ? OP_STORE64 : OP_STORE32; break;
    case OP_LEA: if ((load<u8>(p, E_FLAGS) & F_ADDR32) == 0) op = wide ? OP_LEA64 : OP_LEA32; break;
    case OP_ALU_RR: op = wide ? OP_ALU_RR64 : OP_ALU_RR32; break;
    case OP_ALU_RI: truncateImmediate(p, wide); op = wide ? OP_ALU_RI64 : OP_ALU_RI32; break;
    case OP_ALU_R_RM: {
      if (register) {
        // reg op= rm between registers is rm' op= reg' with the two swapped.
        const destination = load<u16>(p, E_REG);
        store<u16>(p, load<u16>(p, E_RM), E_REG);
        store<u16>(p, destination, E_RM);
        op = wide ? OP_ALU_RR64 : OP_ALU_RR32;
      } else if (plain) {
        op = wide ? OP_ALU_RM64 : OP_ALU_RM32;
      }
      break;
    }
    case OP_TEST_R: if (register) op = wide ? OP_TEST_RR64 : OP_TEST_RR32; break;
    case OP_TEST_I: if (register) { truncateImmediate(p, wide); op = wide ? OP_TEST_RI64 : OP_TEST_RI32; } break;
    case OP_ALU_MI: if (plain) { truncateImmediate(p, wide); op = wide ? OP_ALU_MI64 : OP_ALU_MI32; } break;
    case OP_PUSH_RM: if (register && wide) op = OP_PUSH64; break; // push and pop are 8 or 2 bytes
    case OP_POP_RM: if (register && wide) op = OP_POP64; break;
    case OP_INC: if (register) op = wide ? OP_INC64 : OP_INC32; break;
    case OP_DEC: if (register) op = wide ? OP_DEC64 : OP_DEC32; break;
  }
  if (op != 0) store<u16>(p, op, E_OP);
}

/** Called when the entry after `p` is a jcc: turns `p` into its fused form, if it has one. */
export function fuseWithBranchX64(p: usize): void {
  let op: u16 = 0;
  switch (load<u16>(p, E_OP)) {
    case OP_ALU_RR64: op = OP_ALU_RR64_JCC; break;
    case OP_ALU_RR32: op = OP_ALU_RR32_JCC; break;
    case OP_ALU_RI64: op = OP_ALU_RI64_JCC; break;
    case OP_ALU_RI32: op = OP_ALU_RI32_JCC; break;
    case OP_TEST_RR64: op = OP_TEST_RR64_JCC; break;
    case OP_TEST_RR32: op = OP_TEST_RR32_JCC; break;
    case OP_TEST_RI64: op = OP_TEST_RI64_JCC; break;
    case OP_TEST_RI32: op = OP_TEST_RI32_JCC; break;
    case OP_DEC64: op = OP_DEC64_JCC; break;
    case OP_DEC32: op = OP_DEC32_JCC; break;
  }
  if (op != 0) store<u16>(p, op, E_OP);
}

@inline function truncateImmediate(p: usize, wide: bool): void {
  if (!wide) store<u64>(p, load<u64>(p, E_IMM) & 0xffff_ffff, E_IMM);
}
