// The second tier for AArch64: turns a hot decoded block that loops to itself into a WebAssembly
// function (bytes the host compiles and instantiates against this CPU's memory). The function keeps
// the registers the block uses in locals, goes round the loop while its instruction allowance lasts,
// and keeps the flags as the operands of the last flag-setting instruction, working out NZCV only
// where a condition or an exit needs it.
//
// Exactness: a guest access goes through the same TLB the interpreter fills; when the TLB has no
// entry for it (a first touch, a code page, a page a hook watches, a fault, an access crossing a
// page), the function stops before that instruction with every register, NZCV and the pc as the
// interpreter would have them there, stores the instruction's index at COMPILED_EXIT_INDEX, and the
// interpreter runs it. Blocks with any other instruction are not compiled.
import { BLOCK_COUNT, BLOCK_ENTRIES } from '../block-cache';
import { PAGE_BITS, PAGE_MASK, PAGE_SIZE, STATE } from '../layout';
import { TLB_BITS, TLB_KIND_BYTES, tlb } from '../memory';
import { ACCESS_READ, ACCESS_WRITE } from '../interface';
import {
  E_A, E_B, E_IMM, E_IMM2, E_RA, E_RD, E_RM, E_RN, ENTRY_SHIFT, MEM_LD16, MEM_LD32, MEM_LD64, MEM_LD8, MEM_LDS16_W,
  MEM_LDS16_X, MEM_LDS32, MEM_LDS8_W, MEM_LDS8_X, MEM_ST16, MEM_ST32, MEM_ST64, MEM_ST8, MODE_POST, MODE_PRE,
  OP_ADD_IMM_W, OP_ADD_IMM_X, OP_ADD_REG_W, OP_ADD_REG_X, OP_ADDS_IMM_W, OP_ADDS_IMM_W_B_COND,
  OP_ADDS_IMM_X, OP_ADDS_IMM_X_B_COND, OP_ADDS_REG_W, OP_ADDS_REG_W_B_COND, OP_ADDS_REG_X, OP_ADDS_REG_X_B_COND,
  OP_AND_IMM, OP_AND_W, OP_AND_X, OP_ANDS_IMM_W, OP_ANDS_IMM_W_B_COND, OP_ANDS_IMM_X, OP_ANDS_IMM_X_B_COND,
  OP_ANDS_W, OP_ANDS_W_B_COND, OP_ANDS_X, OP_ANDS_X_B_COND, OP_ASR_IMM_W, OP_ASR_IMM_X, OP_B, OP_B_COND, OP_BIC_W,
  OP_BIC_X, OP_BICS_W, OP_BICS_X, OP_CBNZ_W, OP_CBNZ_X, OP_CBZ_W, OP_CBZ_X, OP_EON_W, OP_EON_X, OP_EOR_IMM_W,
  OP_EOR_IMM_X, OP_EOR_W, OP_EOR_X, OP_LSL_IMM_W, OP_LSL_IMM_X, OP_LSR_IMM_W, OP_LSR_IMM_X, OP_MADD_W, OP_MADD_X,
  OP_MEM_IMM, OP_MEM_INDEXED, OP_MOV_W, OP_MOV_X, OP_MOVI, OP_MOVK, OP_MSUB_W, OP_MSUB_X, OP_NOP, OP_ORN_W, OP_ORN_X,
  OP_ORR_IMM_W, OP_ORR_IMM_X, OP_ORR_W, OP_ORR_X, OP_SUB_REG_W, OP_SUB_REG_X, OP_SUBS_IMM_W, OP_SUBS_IMM_W_B_COND,
  OP_SUBS_IMM_X, OP_SUBS_IMM_X_B_COND, OP_SUBS_REG_W, OP_SUBS_REG_W_B_COND, OP_SUBS_REG_X, OP_SUBS_REG_X_B_COND,
  OP_TBNZ, OP_TBZ, OP_UBFM_W, OP_UBFM_X,
} from './ops';
import { NZCV, PC } from './state';
import {
  BLOCK, BR, BR_IF, END, I32_ADD, I32_AND, I32_EQ, I32_EQZ, I32_EXTEND16_S, I32_EXTEND8_S, I32_GE_S, I32_GE_U, I32_GT_S, I32_GT_U, I32_LE_S, I32_LE_U, I32_LOAD, I32_LOAD16_S, I32_LOAD8_S, I32_LT_S, I32_LT_U, I32_MUL, I32_NE, I32_OR, I32_ROTR, I32_SHL, I32_SHR_S, I32_SHR_U, I32_STORE, I32_SUB, I32_WRAP_I64, I32_XOR, I64_ADD, I64_AND, I64_EQ, I64_EQZ, I64_EXTEND16_S, I64_EXTEND32_S, I64_EXTEND8_S, I64_EXTEND_I32_U, I64_GE_S, I64_GE_U, I64_GT_S, I64_GT_U, I64_LE_S, I64_LE_U, I64_LOAD, I64_LOAD16_S, I64_LOAD16_U, I64_LOAD32_S, I64_LOAD32_U, I64_LOAD8_S, I64_LOAD8_U, I64_LT_S, I64_LT_U, I64_MUL, I64_NE, I64_OR, I64_ROTR, I64_SHL, I64_SHR_S, I64_SHR_U, I64_STORE, I64_STORE16, I64_STORE32, I64_STORE8, I64_SUB, I64_XOR, IF, LOCAL_TEE, LOOP, VOID, byte, uleb, sleb, i32c, i64c, get, set, memoryOp, beginFunction, endFunction,
} from '../wasm-writer';


/** Where a compiled block that stopped before an instruction it cannot run puts that instruction's index. */
export const COMPILED_EXIT_INDEX: usize = memory.data(8, 8);

// ---- locals ----

const L_ALLOWED: u32 = 0; // the parameter: instructions the function may run
const L_LEFT: u32 = 1; // i32: of them, still to run
const L_NZCV: u32 = 2; // i32: the flags, when FLAGS_KNOWN
const L_HOST: u32 = 3; // i32: host address of an access
const I32_LOCALS: u32 = 3;
const L_PC: u32 = 4; // i64: the pc to leave with
const L_FA: u32 = 5; // i64: operands and result of the last flag-setting instruction
const L_FB: u32 = 6;
const L_FR: u32 = 7;
const L_ADDRESS: u32 = 8;
const L_BASE: u32 = 9;
const FIRST_REGISTER_LOCAL: u32 = 10;
/** X0..X30, SP, the zero slot and the sink slot. */
const SLOTS: u32 = 34;
const registerLocal = memory.data(SLOTS * 4, 4);
const registerWritten = memory.data(SLOTS, 4);
let registerLocals: u32 = 0;

// Where the flags are: in L_NZCV, or as the operands of an instruction of this kind.
const FLAGS_KNOWN: i32 = 0;
const FLAGS_ADD64: i32 = 1;
const FLAGS_SUB64: i32 = 2;
const FLAGS_LOGIC64: i32 = 3;
const FLAGS_ADD32: i32 = 4;
const FLAGS_SUB32: i32 = 5;
const FLAGS_LOGIC32: i32 = 6;
let flags: i32 = FLAGS_KNOWN;

/** The slot number of a register field, allocating its local; -1 if it is no general register slot. */
function slotNumber(p: usize, field: usize): i32 {
  const address = <usize>load<u16>(p + field);
  if (address < STATE || address >= STATE + <usize>SLOTS * 8 || ((address - STATE) & 7) != 0) return -1;
  const n = <u32>((address - STATE) >> 3);
  if (load<u32>(registerLocal + (<usize>n << 2)) == 0xffff_ffff) {
    store<u32>(registerLocal + (<usize>n << 2), FIRST_REGISTER_LOCAL + registerLocals);
    registerLocals++;
  }
  return <i32>n;
}

@inline function localOf(p: usize, field: usize): u32 {
  return load<u32>(registerLocal + ((<usize>load<u16>(p + field) - STATE) >> 3 << 2));
}
@inline function getX(p: usize, field: usize): void {
  get(localOf(p, field));
}
@inline function getW(p: usize, field: usize): void {
  get(localOf(p, field));
  byte(I32_WRAP_I64);
}
/** Stores the i64 on the stack into the register of `field`. */
@inline function setX(p: usize, field: usize): void {
  const address = <usize>load<u16>(p + field);
  store<u8>(registerWritten + ((address - STATE) >> 3), 1);
  set(localOf(p, field));
}
/** Stores the i32 on the stack, zero-extended. */
@inline function setW(p: usize, field: usize): void {
  byte(I64_EXTEND_I32_U);
  setX(p, field);
}
@inline function imm(p: usize): u64 {
  return load<u64>(p, E_IMM);
}
@inline function imm2(p: usize): u64 {
  return load<u64>(p, E_IMM2);
}
@inline function fieldA(p: usize): u32 {
  return <u32>load<u8>(p, E_A);
}
@inline function fieldB(p: usize): u32 {
  return <u32>load<u8>(p, E_B);
}

// ---- what can be compiled ----

const USES_RD: u32 = 1;
const USES_RN: u32 = 2;
const USES_RM: u32 = 4;
const USES_RA: u32 = 8;
const USES_NONE: u32 = 16;

/** The plain operation of a flag-setting instruction fused with the b.cond after it. */
function unfused(op: i32): i32 {
  switch (op) {
    case OP_ADDS_IMM_X_B_COND: return OP_ADDS_IMM_X;
    case OP_ADDS_IMM_W_B_COND: return OP_ADDS_IMM_W;
    case OP_SUBS_IMM_X_B_COND: return OP_SUBS_IMM_X;
    case OP_SUBS_IMM_W_B_COND: return OP_SUBS_IMM_W;
    case OP_ADDS_REG_X_B_COND: return OP_ADDS_REG_X;
    case OP_ADDS_REG_W_B_COND: return OP_ADDS_REG_W;
    case OP_SUBS_REG_X_B_COND: return OP_SUBS_REG_X;
    case OP_SUBS_REG_W_B_COND: return OP_SUBS_REG_W;
    case OP_ANDS_IMM_X_B_COND: return OP_ANDS_IMM_X;
    case OP_ANDS_IMM_W_B_COND: return OP_ANDS_IMM_W;
    case OP_ANDS_X_B_COND: return OP_ANDS_X;
    case OP_ANDS_W_B_COND: return OP_ANDS_W;
  }
  return op;
}

/** Register fields an operation reads or writes (USES_*), or 0 when this tier does not compile it. */
function registerUses(op: i32, p: usize): u32 {
  switch (op) {
    case OP_NOP: return USES_NONE;
    case OP_MOVI: return USES_RD;
    case OP_MOVK: return USES_RD | USES_RN;
    case OP_MOV_X: case OP_MOV_W: return USES_RD | USES_RM;
    case OP_ADD_IMM_X: case OP_ADD_IMM_W: case OP_ADDS_IMM_X: case OP_ADDS_IMM_W: case OP_SUBS_IMM_X:
    case OP_SUBS_IMM_W: case OP_AND_IMM: case OP_ORR_IMM_X: case OP_ORR_IMM_W: case OP_EOR_IMM_X: case OP_EOR_IMM_W:
    case OP_ANDS_IMM_X: case OP_ANDS_IMM_W: case OP_LSL_IMM_X: case OP_LSL_IMM_W: case OP_LSR_IMM_X:
    case OP_LSR_IMM_W: case OP_ASR_IMM_X: case OP_ASR_IMM_W: case OP_UBFM_X: case OP_UBFM_W:
      return USES_RD | USES_RN;
    case OP_ADD_REG_X: case OP_ADD_REG_W: case OP_ADDS_REG_X: case OP_ADDS_REG_W: case OP_SUB_REG_X:
    case OP_SUB_REG_W: case OP_SUBS_REG_X: case OP_SUBS_REG_W: case OP_AND_X: case OP_AND_W: case OP_ORR_X:
    case OP_ORR_W: case OP_EOR_X: case OP_EOR_W: case OP_ANDS_X: case OP_ANDS_W: case OP_BIC_X: case OP_BIC_W:
    case OP_ORN_X: case OP_ORN_W: case OP_EON_X: case OP_EON_W: case OP_BICS_X: case OP_BICS_W:
      return USES_RD | USES_RN | USES_RM;
    case OP_MADD_X: case OP_MADD_W: case OP_MSUB_X: case OP_MSUB_W: return USES_RD | USES_RN | USES_RM | USES_RA;
    case OP_B: case OP_B_COND: return USES_RD; // rd of b.cond holds its condition mask, not a register
    case OP_CBZ_X: case OP_CBZ_W: case OP_CBNZ_X: case OP_CBNZ_W: case OP_TBZ: case OP_TBNZ: return USES_RN;
  }
  if (op >= OP_MEM_IMM && op <= OP_MEM_IMM + MEM_ST8) return USES_RD | USES_RN;
  if (op >= OP_MEM_INDEXED && op <= OP_MEM_INDEXED + MEM_ST8) {
    const mode = <u8>fieldA(p);
    return mode == MODE_PRE || mode == MODE_POST ? USES_RD | USES_RN : USES_RD | USES_RN | USES_RM;
  }
  return 0;
}

function isBranch(op: i32): bool {
  return op == OP_B || op == OP_B_COND || op == OP_CBZ_X || op == OP_CBZ_W || op == OP_CBNZ_X || op == OP_CBNZ_W ||
    op == OP_TBZ || op == OP_TBNZ;
}

// ---- flags ----

/** Works out NZCV from the flag operands into L_NZCV; flags are then FLAGS_KNOWN. */
function materialize(kind: i32): void {
  if (kind == FLAGS_KNOWN) return;
  const wide = kind <= FLAGS_LOGIC64;
  // N
  get(L_FR);
  if (wide) { i64c(63); byte(I64_SHR_U); byte(I32_WRAP_I64); } else { byte(I32_WRAP_I64); i32c(31); byte(I32_SHR_U); }
  i32c(3); byte(I32_SHL);
  // Z
  get(L_FR);
  if (wide) byte(I64_EQZ); else { byte(I32_WRAP_I64); byte(I32_EQZ); }
  i32c(2); byte(I32_SHL);
  byte(I32_OR);
  if (kind == FLAGS_SUB64 || kind == FLAGS_SUB32 || kind == FLAGS_ADD64 || kind == FLAGS_ADD32) {
    const sub = kind == FLAGS_SUB64 || kind == FLAGS_SUB32;
    // C: no borrow for a subtraction, a carry out for an addition (operands zero-extended for W)
    if (sub) { get(L_FA); get(L_FB); byte(I64_GE_U); } else { get(L_FR); get(L_FA); byte(I64_LT_U); }
    i32c(1); byte(I32_SHL);
    byte(I32_OR);
    // V: (a ^ b) & (a ^ r) for a subtraction, (a ^ r) & (b ^ r) for an addition, at the sign bit
    if (sub) { get(L_FA); get(L_FB); byte(I64_XOR); get(L_FA); get(L_FR); byte(I64_XOR); }
    else { get(L_FA); get(L_FR); byte(I64_XOR); get(L_FB); get(L_FR); byte(I64_XOR); }
    byte(I64_AND);
    i64c(wide ? 63 : 31);
    byte(I64_SHR_U);
    byte(I32_WRAP_I64);
    i32c(1);
    byte(I32_AND);
    byte(I32_OR);
  }
  set(L_NZCV);
}

/** Leaves an i32 on the stack: whether condition `cond` holds; may turn the flags into FLAGS_KNOWN. */
function condition(cond: u32, mask: u32): void {
  if (cond >= 14) {
    i32c(1);
    return;
  }
  const kind = flags;
  if (kind == FLAGS_SUB64 || kind == FLAGS_SUB32) {
    const wide = kind == FLAGS_SUB64;
    let opcode: u32 = 0;
    switch (cond) {
      case 0: opcode = wide ? I64_EQ : I32_EQ; break;
      case 1: opcode = wide ? I64_NE : I32_NE; break;
      case 2: opcode = wide ? I64_GE_U : I32_GE_U; break;
      case 3: opcode = wide ? I64_LT_U : I32_LT_U; break;
      case 8: opcode = wide ? I64_GT_U : I32_GT_U; break;
      case 9: opcode = wide ? I64_LE_U : I32_LE_U; break;
      case 10: opcode = wide ? I64_GE_S : I32_GE_S; break;
      case 11: opcode = wide ? I64_LT_S : I32_LT_S; break;
      case 12: opcode = wide ? I64_GT_S : I32_GT_S; break;
      case 13: opcode = wide ? I64_LE_S : I32_LE_S; break;
    }
    if (opcode != 0) {
      get(L_FA);
      if (!wide) byte(I32_WRAP_I64);
      get(L_FB);
      if (!wide) byte(I32_WRAP_I64);
      byte(opcode);
      return;
    }
  }
  if (kind != FLAGS_KNOWN && (cond == 0 || cond == 1 || cond == 4 || cond == 5)) {
    // Z and N come from the result whatever the instruction was.
    const wide = kind <= FLAGS_LOGIC64;
    get(L_FR);
    if (!wide) byte(I32_WRAP_I64);
    if (cond == 0) byte(wide ? I64_EQZ : I32_EQZ);
    else if (cond == 1) { byte(wide ? I64_EQZ : I32_EQZ); byte(I32_EQZ); }
    else { if (wide) i64c(0); else i32c(0); byte(cond == 4 ? (wide ? I64_LT_S : I32_LT_S) : (wide ? I64_GE_S : I32_GE_S)); }
    return;
  }
  materialize(kind);
  flags = FLAGS_KNOWN;
  i32c(<i32>mask);
  get(L_NZCV);
  byte(I32_SHR_U);
  i32c(1);
  byte(I32_AND);
}

// ---- exits ----

/** Nesting of the code being written inside the function's exit block (br depth of that block). */
let depth: u32 = 0;

/**
 * Leaves for the epilogue with the pc at `pc`. `index` >= 0: stopped before instruction `index`
 * of an iteration of `count` (gives back the instructions not run); -1: after the whole iteration.
 */
function exit(pc: u64, index: i32, count: u32): void {
  if (index >= 0) {
    get(L_LEFT);
    i32c(<i32>(count - <u32>index));
    byte(I32_ADD);
    set(L_LEFT);
    i32c(<i32>COMPILED_EXIT_INDEX);
    i32c(index);
    memoryOp(I32_STORE, 0);
  }
  i64c(pc);
  set(L_PC);
  materialize(flags);
  byte(BR);
  uleb(depth);
}

// ---- instructions ----

@inline function operandX(p: usize): void {
  getX(p, E_RM);
  const amount = fieldB(p);
  switch (fieldA(p)) {
    case 0: if (amount != 0) { i64c(amount); byte(I64_SHL); } return;
    case 1: if (amount != 0) { i64c(amount); byte(I64_SHR_U); } return;
    case 2: if (amount != 0) { i64c(amount); byte(I64_SHR_S); } return;
    case 3: if (amount != 0) { i64c(amount); byte(I64_ROTR); } return;
    case 4: i64c(0xff); byte(I64_AND); break;
    case 5: i64c(0xffff); byte(I64_AND); break;
    case 6: i64c(0xffff_ffff); byte(I64_AND); break;
    case 8: byte(I64_EXTEND8_S); break;
    case 9: byte(I64_EXTEND16_S); break;
    case 10: byte(I64_EXTEND32_S); break;
  }
  if (amount != 0) { i64c(amount); byte(I64_SHL); }
}

@inline function operandW(p: usize): void {
  getW(p, E_RM);
  const amount = fieldB(p);
  switch (fieldA(p)) {
    case 0: if (amount != 0) { i32c(amount); byte(I32_SHL); } return;
    case 1: if (amount != 0) { i32c(amount); byte(I32_SHR_U); } return;
    case 2: if (amount != 0) { i32c(amount); byte(I32_SHR_S); } return;
    case 3: if (amount != 0) { i32c(amount); byte(I32_ROTR); } return;
    case 4: i32c(0xff); byte(I32_AND); break;
    case 5: i32c(0xffff); byte(I32_AND); break;
    case 8: byte(I32_EXTEND8_S); break;
    case 9: byte(I32_EXTEND16_S); break;
  }
  if (amount != 0) { i32c(amount); byte(I32_SHL); }
}

/** rd = rn <op> operand, 64-bit; `operand` 0: imm, 1: shifted register, 2: inverted shifted register. */
function binaryX(p: usize, opcode: u32, operand: i32): void {
  getX(p, E_RN);
  if (operand == 0) i64c(imm(p));
  else {
    operandX(p);
    if (operand == 2) { i64c(0xffff_ffff_ffff_ffff); byte(I64_XOR); }
  }
  byte(opcode);
  setX(p, E_RD);
}

function binaryW(p: usize, opcode: u32, operand: i32): void {
  getW(p, E_RN);
  if (operand == 0) i32c(<i32>imm(p));
  else {
    operandW(p);
    if (operand == 2) { i32c(-1); byte(I32_XOR); }
  }
  byte(opcode);
  setW(p, E_RD);
}

/** A flag-setting add or subtract: FA, FB (zero-extended for W), FR = the result, also into rd. */
function flagArith(p: usize, wide: bool, sub: bool, register: bool): void {
  getX(p, E_RN);
  if (!wide) { i64c(0xffff_ffff); byte(I64_AND); }
  set(L_FA);
  if (register) {
    if (wide) operandX(p); else { operandW(p); byte(I64_EXTEND_I32_U); }
  } else {
    i64c(wide ? imm(p) : imm(p) & 0xffff_ffff);
  }
  set(L_FB);
  get(L_FA);
  get(L_FB);
  byte(sub ? I64_SUB : I64_ADD);
  if (!wide) { i64c(0xffff_ffff); byte(I64_AND); }
  byte(LOCAL_TEE);
  uleb(L_FR);
  setX(p, E_RD);
  flags = wide ? (sub ? FLAGS_SUB64 : FLAGS_ADD64) : (sub ? FLAGS_SUB32 : FLAGS_ADD32);
}

/** A flag-setting logical operation: FR = the result (zero-extended for W), also into rd. */
function flagLogic(p: usize, wide: bool, operand: i32): void {
  if (wide) {
    getX(p, E_RN);
    if (operand == 0) i64c(imm(p));
    else { operandX(p); if (operand == 2) { i64c(0xffff_ffff_ffff_ffff); byte(I64_XOR); } }
    byte(I64_AND);
  } else {
    getW(p, E_RN);
    if (operand == 0) i32c(<i32>imm(p));
    else { operandW(p); if (operand == 2) { i32c(-1); byte(I32_XOR); } }
    byte(I32_AND);
    byte(I64_EXTEND_I32_U);
  }
  byte(LOCAL_TEE);
  uleb(L_FR);
  setX(p, E_RD);
  flags = wide ? FLAGS_LOGIC64 : FLAGS_LOGIC32;
}

/**
 * Puts the host address of the guest access at L_ADDRESS (size bytes, ACCESS_READ or ACCESS_WRITE)
 * in L_HOST, or leaves before instruction `index` when the TLB does not have it.
 */
function translateAccess(kind: i32, size: u32, pc: u64, index: i32, count: u32): void {
  const pageBits = <i64>PAGE_BITS;
  get(L_ADDRESS); i64c(pageBits); byte(I64_SHR_U); byte(I32_WRAP_I64);
  i32c((1 << TLB_BITS) - 1); byte(I32_AND); i32c(4); byte(I32_SHL);
  i32c(<i32>(tlb + <usize>kind * TLB_KIND_BYTES)); byte(I32_ADD);
  set(L_HOST);
  get(L_HOST); memoryOp(I64_LOAD, 0);
  get(L_ADDRESS); i64c(pageBits); byte(I64_SHR_U);
  byte(I64_NE);
  get(L_ADDRESS); byte(I32_WRAP_I64); i32c(<i32>PAGE_MASK); byte(I32_AND);
  i32c(<i32>(PAGE_SIZE - size)); byte(I32_GT_U);
  byte(I32_OR);
  byte(IF); byte(VOID);
  depth++;
  const saved = flags;
  exit(pc, index, count);
  flags = saved;
  depth--;
  byte(END);
  get(L_HOST); memoryOp(I32_LOAD, 8);
  get(L_ADDRESS); byte(I32_WRAP_I64); i32c(<i32>PAGE_MASK); byte(I32_AND);
  byte(I32_ADD);
  set(L_HOST);
}

/** A single-register load or store of `kind` (MEM_*) with the address already at L_ADDRESS. */
function access(p: usize, kind: i32, pc: u64, index: i32, count: u32): void {
  const store = kind >= MEM_ST64;
  let size: u32 = 8;
  switch (kind) {
    case MEM_LD32: case MEM_LDS32: case MEM_ST32: size = 4; break;
    case MEM_LD16: case MEM_LDS16_X: case MEM_LDS16_W: case MEM_ST16: size = 2; break;
    case MEM_LD8: case MEM_LDS8_X: case MEM_LDS8_W: case MEM_ST8: size = 1; break;
  }
  translateAccess(store ? ACCESS_WRITE : ACCESS_READ, size, pc, index, count);
  get(L_HOST);
  if (store) {
    getX(p, E_RD);
    memoryOp(kind == MEM_ST64 ? I64_STORE : kind == MEM_ST32 ? I64_STORE32 : kind == MEM_ST16 ? I64_STORE16 : I64_STORE8, 0);
    return;
  }
  switch (kind) {
    case MEM_LD64: memoryOp(I64_LOAD, 0); break;
    case MEM_LD32: memoryOp(I64_LOAD32_U, 0); break;
    case MEM_LD16: memoryOp(I64_LOAD16_U, 0); break;
    case MEM_LD8: memoryOp(I64_LOAD8_U, 0); break;
    case MEM_LDS8_X: memoryOp(I64_LOAD8_S, 0); break;
    case MEM_LDS8_W: memoryOp(I32_LOAD8_S, 0); byte(I64_EXTEND_I32_U); break;
    case MEM_LDS16_X: memoryOp(I64_LOAD16_S, 0); break;
    case MEM_LDS16_W: memoryOp(I32_LOAD16_S, 0); byte(I64_EXTEND_I32_U); break;
    case MEM_LDS32: memoryOp(I64_LOAD32_S, 0); break;
  }
  setX(p, E_RD);
}

/** Register offset of an indexed access: option in b, shift in imm (as the interpreter's indexOffset). */
function indexOffset(p: usize): void {
  getX(p, E_RM);
  const option = fieldB(p);
  if (option == 0b010) { i64c(0xffff_ffff); byte(I64_AND); } else if (option == 0b110) byte(I64_EXTEND32_S);
  const shift = imm(p);
  if (shift != 0) { i64c(shift); byte(I64_SHL); }
}

/** One instruction that is not the block's branch. */
function instruction(p: usize, op: i32, pc: u64, index: i32, count: u32): void {
  switch (op) {
    case OP_NOP: return;
    case OP_MOVI: i64c(imm(p)); setX(p, E_RD); return;
    case OP_MOVK: getX(p, E_RN); i64c(imm2(p)); byte(I64_AND); i64c(imm(p)); byte(I64_OR); setX(p, E_RD); return;
    case OP_MOV_X: getX(p, E_RM); setX(p, E_RD); return;
    case OP_MOV_W: getW(p, E_RM); setW(p, E_RD); return;
    case OP_ADD_IMM_X: binaryX(p, I64_ADD, 0); return;
    case OP_ADD_IMM_W: binaryW(p, I32_ADD, 0); return;
    case OP_ADD_REG_X: binaryX(p, I64_ADD, 1); return;
    case OP_ADD_REG_W: binaryW(p, I32_ADD, 1); return;
    case OP_SUB_REG_X: binaryX(p, I64_SUB, 1); return;
    case OP_SUB_REG_W: binaryW(p, I32_SUB, 1); return;
    case OP_ADDS_IMM_X: flagArith(p, true, false, false); return;
    case OP_ADDS_IMM_W: flagArith(p, false, false, false); return;
    case OP_SUBS_IMM_X: flagArith(p, true, true, false); return;
    case OP_SUBS_IMM_W: flagArith(p, false, true, false); return;
    case OP_ADDS_REG_X: flagArith(p, true, false, true); return;
    case OP_ADDS_REG_W: flagArith(p, false, false, true); return;
    case OP_SUBS_REG_X: flagArith(p, true, true, true); return;
    case OP_SUBS_REG_W: flagArith(p, false, true, true); return;
    case OP_AND_IMM: binaryX(p, I64_AND, 0); return;
    case OP_ORR_IMM_X: binaryX(p, I64_OR, 0); return;
    case OP_ORR_IMM_W: binaryW(p, I32_OR, 0); return;
    case OP_EOR_IMM_X: binaryX(p, I64_XOR, 0); return;
    case OP_EOR_IMM_W: binaryW(p, I32_XOR, 0); return;
    case OP_ANDS_IMM_X: flagLogic(p, true, 0); return;
    case OP_ANDS_IMM_W: flagLogic(p, false, 0); return;
    case OP_AND_X: binaryX(p, I64_AND, 1); return;
    case OP_AND_W: binaryW(p, I32_AND, 1); return;
    case OP_ORR_X: binaryX(p, I64_OR, 1); return;
    case OP_ORR_W: binaryW(p, I32_OR, 1); return;
    case OP_EOR_X: binaryX(p, I64_XOR, 1); return;
    case OP_EOR_W: binaryW(p, I32_XOR, 1); return;
    case OP_ANDS_X: flagLogic(p, true, 1); return;
    case OP_ANDS_W: flagLogic(p, false, 1); return;
    case OP_BIC_X: binaryX(p, I64_AND, 2); return;
    case OP_BIC_W: binaryW(p, I32_AND, 2); return;
    case OP_ORN_X: binaryX(p, I64_OR, 2); return;
    case OP_ORN_W: binaryW(p, I32_OR, 2); return;
    case OP_EON_X: binaryX(p, I64_XOR, 2); return;
    case OP_EON_W: binaryW(p, I32_XOR, 2); return;
    case OP_BICS_X: flagLogic(p, true, 2); return;
    case OP_BICS_W: flagLogic(p, false, 2); return;
    case OP_LSL_IMM_X: getX(p, E_RN); i64c(fieldB(p)); byte(I64_SHL); setX(p, E_RD); return;
    case OP_LSL_IMM_W: getW(p, E_RN); i32c(fieldB(p)); byte(I32_SHL); setW(p, E_RD); return;
    case OP_LSR_IMM_X: getX(p, E_RN); i64c(fieldB(p)); byte(I64_SHR_U); setX(p, E_RD); return;
    case OP_LSR_IMM_W: getW(p, E_RN); i32c(fieldB(p)); byte(I32_SHR_U); setW(p, E_RD); return;
    case OP_ASR_IMM_X: getX(p, E_RN); i64c(fieldB(p)); byte(I64_SHR_S); setX(p, E_RD); return;
    case OP_ASR_IMM_W: getW(p, E_RN); i32c(fieldB(p)); byte(I32_SHR_S); setW(p, E_RD); return;
    case OP_UBFM_X: {
      getX(p, E_RN); i64c(fieldA(p)); byte(I64_ROTR); i64c(imm(p) & imm2(p)); byte(I64_AND); setX(p, E_RD);
      return;
    }
    case OP_UBFM_W: {
      getW(p, E_RN); i32c(fieldA(p)); byte(I32_ROTR); i32c(<i32>(imm(p) & imm2(p))); byte(I32_AND); setW(p, E_RD);
      return;
    }
    case OP_MADD_X: case OP_MSUB_X: {
      getX(p, E_RA); getX(p, E_RN); getX(p, E_RM); byte(I64_MUL); byte(op == OP_MADD_X ? I64_ADD : I64_SUB);
      setX(p, E_RD);
      return;
    }
    case OP_MADD_W: case OP_MSUB_W: {
      getW(p, E_RA); getW(p, E_RN); getW(p, E_RM); byte(I32_MUL); byte(op == OP_MADD_W ? I32_ADD : I32_SUB);
      setW(p, E_RD);
      return;
    }
  }
  if (op >= OP_MEM_IMM && op <= OP_MEM_IMM + MEM_ST8) {
    getX(p, E_RN); i64c(imm(p)); byte(I64_ADD); set(L_ADDRESS);
    access(p, op - OP_MEM_IMM, pc, index, count);
    return;
  }
  // OP_MEM_INDEXED: pre-index, post-index or register offset
  const mode = <u8>fieldA(p);
  getX(p, E_RN);
  set(L_BASE);
  get(L_BASE);
  if (mode == MODE_PRE) { i64c(imm(p)); byte(I64_ADD); } else if (mode != MODE_POST) { indexOffset(p); byte(I64_ADD); }
  set(L_ADDRESS);
  access(p, op - OP_MEM_INDEXED, pc, index, count);
  if (mode == MODE_PRE) { get(L_ADDRESS); setX(p, E_RN); }
  else if (mode == MODE_POST) { get(L_BASE); i64c(imm(p)); byte(I64_ADD); setX(p, E_RN); }
}

/** Leaves an i32 on the stack: whether the block's branch at p is taken. */
function branchTaken(p: usize, op: i32): void {
  switch (op) {
    case OP_B: i32c(1); return;
    case OP_B_COND: condition(fieldA(p), <u32>load<u16>(p, E_RD)); return;
    case OP_CBZ_X: getX(p, E_RN); byte(I64_EQZ); return;
    case OP_CBNZ_X: getX(p, E_RN); byte(I64_EQZ); byte(I32_EQZ); return;
    case OP_CBZ_W: getW(p, E_RN); byte(I32_EQZ); return;
    case OP_CBNZ_W: getW(p, E_RN); byte(I32_EQZ); byte(I32_EQZ); return;
  }
  // TBZ, TBNZ
  getX(p, E_RN); i64c(fieldB(p)); byte(I64_SHR_U); i64c(1); byte(I64_AND); byte(I64_EQZ);
  if (op == OP_TBNZ) byte(I32_EQZ);
}

/**
 * One round of the block. `inLoop`: written inside the loop (goes round with br 0), else before it
 * (falls into the loop).
 */
function body(base: usize, count: u32, pc: u64, inLoop: bool): void {
  // Room for a whole round, or leave at the block's start.
  get(L_LEFT); i32c(<i32>count); byte(I32_LT_U);
  byte(IF); byte(VOID);
  depth++;
  const saved = flags;
  exit(pc, -1, count);
  flags = saved;
  depth--;
  byte(END);
  get(L_LEFT); i32c(<i32>count); byte(I32_SUB); set(L_LEFT);
  for (let i: u32 = 0; i + 1 < count; i++) {
    const p = base + (<usize>i << ENTRY_SHIFT);
    instruction(p, unfused(<i32>load<u16>(p)), pc + (<u64>i << 2), <i32>i, count);
  }
  const p = base + (<usize>(count - 1) << ENTRY_SHIFT);
  const op = <i32>load<u16>(p);
  const takenLoops = imm(p) == pc;
  const other = takenLoops ? imm2(p) : imm(p);
  if (op == OP_B) {
    // Goes round for ever (the allowance ends it).
    if (inLoop) { byte(BR); uleb(0); }
    return;
  }
  branchTaken(p, op);
  if (!takenLoops) byte(I32_EQZ);
  if (inLoop) {
    byte(BR_IF); uleb(0);
    exit(other, -1, count);
  } else {
    byte(I32_EQZ);
    byte(IF); byte(VOID);
    depth++;
    const kept = flags;
    exit(other, -1, count);
    flags = kept;
    depth--;
    byte(END);
  }
}

/**
 * Writes a module for the block decoded at `pc` if it is one this tier compiles: it ends with a
 * direct branch back to its own start and holds only instructions handled above. Returns false if not.
 */
export function compileArm64Block(block: usize, pc: u64): bool {
  const count = load<u32>(block, BLOCK_COUNT);
  const base = <usize>load<u32>(block, BLOCK_ENTRIES);
  if (count == 0) return false;
  const last = base + (<usize>(count - 1) << ENTRY_SHIFT);
  const lastOp = <i32>load<u16>(last);
  if (!isBranch(lastOp)) return false;
  const conditional = lastOp != OP_B;
  if (imm(last) != pc && !(conditional && imm2(last) == pc)) return false;
  memory.fill(registerLocal, 0xff, SLOTS * 4);
  memory.fill(registerWritten, 0, SLOTS);
  registerLocals = 0;
  for (let i: u32 = 0; i < count; i++) {
    const p = base + (<usize>i << ENTRY_SHIFT);
    const op = unfused(<i32>load<u16>(p));
    if (i + 1 < count && isBranch(op)) return false;
    const uses = registerUses(op, p);
    if (uses == 0) return false;
    if (op == OP_B || op == OP_B_COND) continue;
    if ((uses & USES_RD) != 0 && slotNumber(p, E_RD) < 0) return false;
    if ((uses & USES_RN) != 0 && slotNumber(p, E_RN) < 0) return false;
    if ((uses & USES_RM) != 0 && slotNumber(p, E_RM) < 0) return false;
    if ((uses & USES_RA) != 0 && slotNumber(p, E_RA) < 0) return false;
  }

  beginFunction();
  uleb(2); // local groups
  uleb(I32_LOCALS); byte(0x7f);
  uleb(L_BASE - L_PC + 1 + registerLocals); byte(0x7e);
  get(L_ALLOWED); set(L_LEFT);
  i32c(<i32>NZCV); memoryOp(I32_LOAD, 0); set(L_NZCV);
  for (let n: u32 = 0; n < SLOTS; n++) {
    const local = load<u32>(registerLocal + (<usize>n << 2));
    if (local == 0xffff_ffff) continue;
    i32c(<i32>(STATE + (<usize>n << 3))); memoryOp(I64_LOAD, 0); set(local);
  }
  byte(BLOCK); byte(VOID);
  depth = 0;
  flags = FLAGS_KNOWN;
  body(base, count, pc, false);
  byte(LOOP); byte(VOID);
  depth = 1;
  body(base, count, pc, true);
  byte(END); // loop
  byte(END); // exit block
  for (let n: u32 = 0; n < SLOTS; n++) {
    const local = load<u32>(registerLocal + (<usize>n << 2));
    if (local == 0xffff_ffff || load<u8>(registerWritten + n) == 0) continue;
    i32c(<i32>(STATE + (<usize>n << 3))); get(local); memoryOp(I64_STORE, 0);
  }
  i32c(<i32>NZCV); get(L_NZCV); memoryOp(I32_STORE, 0);
  i32c(<i32>PC); get(L_PC); memoryOp(I64_STORE, 0);
  get(L_ALLOWED); get(L_LEFT); byte(I32_SUB);
  byte(END);
  return endFunction();
}
