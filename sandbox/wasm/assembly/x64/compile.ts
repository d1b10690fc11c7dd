// The second tier for x86-64 (see arm64/compile.ts and compiled-blocks.ts): a hot block that jumps
// back to its own start, made of register moves, add/sub/cmp/and/or/xor/test with a register or an
// immediate, inc and dec (64- and 32-bit forms) and the jcc or jmp that ends it, becomes one
// WebAssembly function. The registers it uses live in locals; the flags stay as the operands of the
// last flag-setting instruction, and on leaving, the lazy flag record is written exactly as that
// instruction writes it in the interpreter. The run loop folds the flags into RFLAGS before each
// call, so the function starts from RFLAGS alone. Nothing here touches guest memory.
import { BLOCK_COUNT, BLOCK_ENTRIES } from '../block-cache';
import { STATE } from '../layout';
import {
  E_IMM, E_NEXT, E_REG, E_RM, E_SUB, ENTRY_SHIFT, OP_ALU_RI32, OP_ALU_RI32_JCC, OP_ALU_RI64, OP_ALU_RI64_JCC,
  OP_ALU_RR32, OP_ALU_RR32_JCC, OP_ALU_RR64, OP_ALU_RR64_JCC, OP_DEC32, OP_DEC32_JCC, OP_DEC64, OP_DEC64_JCC,
  OP_INC32, OP_INC64, OP_JCC, OP_JMP, OP_MOV_RI64, OP_MOV_RR32, OP_MOV_RR64, OP_NOP, OP_TEST_RI32,
  OP_TEST_RI32_JCC, OP_TEST_RI64, OP_TEST_RI64_JCC, OP_TEST_RR32, OP_TEST_RR32_JCC, OP_TEST_RR64, OP_TEST_RR64_JCC,
} from './ops';
import { ALU_ADD, ALU_AND, ALU_CMP, ALU_OR, ALU_SUB, ALU_XOR } from './arith';
import { LAZY_ADD, LAZY_DEC, LAZY_INC, LAZY_RESULT_AUX, LAZY_SUB } from './flags';
import { LAZY_A, LAZY_AUX, LAZY_B, LAZY_KIND, LAZY_RESULT, LAZY_SIZE, RFLAGS, RIP } from './state';
import {
  BLOCK, BR, BR_IF, END, I32_EQZ, I32_LT_U, I32_OR, I32_STORE, I32_SUB, I32_WRAP_I64, I32_XOR, I64_ADD, I64_AND,
  I64_EQ, I64_EQZ, I64_EXTEND_I32_U, I64_LE_U, I64_LOAD, I64_LT_U, I64_NE, I64_OR, I64_SHR_U, I64_STORE, I64_SUB,
  I64_XOR, IF, LOCAL_TEE, LOOP, VOID, beginFunction, byte, endFunction, get, i32c, i64c, memoryOp, set, uleb,
} from '../wasm-writer';

const L_ALLOWED: u32 = 0;
const L_LEFT: u32 = 1;
const L_PC: u32 = 2; // i64 from here on
const L_FA: u32 = 3;
const L_FB: u32 = 4;
const L_FR: u32 = 5;
const L_CF: u32 = 6; // the carry inc and dec keep
const FIRST_REGISTER_LOCAL: u32 = 7;
const SLOTS: u32 = 16;
const registerLocal = memory.data(SLOTS * 4, 4);
const registerWritten = memory.data(SLOTS, 4);
let registerLocals: u32 = 0;

// Where the flags are: RFLAGS (folded in before the call), or the operands of the last setter.
const K_RFLAGS: i32 = 0;
const K_ADD: i32 = 1;
const K_SUB: i32 = 2;
const K_LOGIC: i32 = 3;
const K_INC: i32 = 4;
const K_DEC: i32 = 5;
let kind: i32 = K_RFLAGS;
let kindSize: u32 = 8;
/** Set when the block needs something this tier does not do (a parity condition on lazy flags). */
let failed = false;
let depth: u32 = 0;

@inline function entryOp(p: usize): i32 {
  return <i32>load<u16>(p);
}

function unfused(op: i32): i32 {
  switch (op) {
    case OP_ALU_RR64_JCC: return OP_ALU_RR64;
    case OP_ALU_RR32_JCC: return OP_ALU_RR32;
    case OP_ALU_RI64_JCC: return OP_ALU_RI64;
    case OP_ALU_RI32_JCC: return OP_ALU_RI32;
    case OP_TEST_RR64_JCC: return OP_TEST_RR64;
    case OP_TEST_RR32_JCC: return OP_TEST_RR32;
    case OP_TEST_RI64_JCC: return OP_TEST_RI64;
    case OP_TEST_RI32_JCC: return OP_TEST_RI32;
    case OP_DEC64_JCC: return OP_DEC64;
    case OP_DEC32_JCC: return OP_DEC32;
  }
  return op;
}

/** Allocates the local of a register field; false if the field is not a whole general register. */
function useSlot(p: usize, field: usize): bool {
  const address = <usize>load<u16>(p + field);
  if (address < STATE || address >= STATE + <usize>SLOTS * 8 || ((address - STATE) & 7) != 0) return false;
  const n = (address - STATE) >> 3;
  if (load<u32>(registerLocal + (n << 2)) == 0xffff_ffff) {
    store<u32>(registerLocal + (n << 2), FIRST_REGISTER_LOCAL + registerLocals);
    registerLocals++;
  }
  return true;
}

@inline function localOf(p: usize, field: usize): u32 {
  return load<u32>(registerLocal + ((<usize>load<u16>(p + field) - STATE) >> 3 << 2));
}
@inline function write(p: usize, field: usize): void {
  store<u8>(registerWritten + ((<usize>load<u16>(p + field) - STATE) >> 3), 1);
  set(localOf(p, field));
}

function aluSupported(sub: u32): bool {
  return sub == ALU_ADD || sub == ALU_SUB || sub == ALU_CMP || sub == ALU_AND || sub == ALU_OR || sub == ALU_XOR;
}

/** Register fields an instruction uses (1 reg, 2 rm), or -1 when this tier does not compile it. */
function uses(p: usize, op: i32): i32 {
  switch (op) {
    case OP_NOP: return 0;
    case OP_MOV_RR64: case OP_MOV_RR32: case OP_TEST_RR64: case OP_TEST_RR32: return 3;
    case OP_MOV_RI64: case OP_INC64: case OP_INC32: case OP_DEC64: case OP_DEC32: case OP_TEST_RI64: case OP_TEST_RI32:
      return 2;
    case OP_ALU_RR64: case OP_ALU_RR32: return aluSupported(<u32>load<u8>(p, E_SUB)) ? 3 : -1;
    case OP_ALU_RI64: case OP_ALU_RI32: return aluSupported(<u32>load<u8>(p, E_SUB)) ? 2 : -1;
    case OP_JCC: case OP_JMP: return 0;
  }
  return -1;
}

@inline function mask(size: u32): u64 {
  return size == 8 ? 0xffff_ffff_ffff_ffff : 0xffff_ffff;
}
@inline function signBit(size: u32): u64 {
  return <u64>1 << ((<u64>size << 3) - 1);
}
@inline function maskTop(size: u32): void {
  if (size != 8) { i64c(0xffff_ffff); byte(I64_AND); }
}

/** Leaves the current carry (0 or 1, as i64) on the stack, as carryFlag() would give it. */
function carry(): void {
  switch (kind) {
    case K_RFLAGS: i32c(<i32>RFLAGS); memoryOp(I64_LOAD, 0); i64c(1); byte(I64_AND); return;
    case K_ADD: get(L_FR); get(L_FA); byte(I64_LT_U); byte(I64_EXTEND_I32_U); return;
    case K_SUB: get(L_FA); get(L_FB); byte(I64_LT_U); byte(I64_EXTEND_I32_U); return;
    case K_LOGIC: i64c(0); return;
  }
  get(L_CF);
}

/** Writes the lazy flag record as the last flag-setting instruction left it. */
function writeFlags(): void {
  if (kind == K_RFLAGS) return;
  const lazy = kind == K_ADD ? LAZY_ADD : kind == K_SUB ? LAZY_SUB : kind == K_LOGIC ? LAZY_RESULT_AUX
    : kind == K_INC ? LAZY_INC : LAZY_DEC;
  i32c(<i32>LAZY_KIND); i32c(<i32>lazy); memoryOp(I32_STORE, 0);
  i32c(<i32>LAZY_SIZE); i32c(<i32>kindSize); memoryOp(I32_STORE, 0);
  i32c(<i32>LAZY_RESULT); get(L_FR); memoryOp(I64_STORE, 0);
  if (kind == K_LOGIC) {
    i32c(<i32>LAZY_AUX); i64c(0); memoryOp(I64_STORE, 0);
    return;
  }
  i32c(<i32>LAZY_A); get(L_FA); memoryOp(I64_STORE, 0);
  i32c(<i32>LAZY_B); get(L_FB); memoryOp(I64_STORE, 0);
  if (kind == K_INC || kind == K_DEC) { i32c(<i32>LAZY_AUX); get(L_CF); memoryOp(I64_STORE, 0); }
}

function exit(pc: u64): void {
  i64c(pc);
  set(L_PC);
  writeFlags();
  byte(BR);
  uleb(depth);
}

/** Leaves i32 1 on the stack if bit `bit` of RFLAGS is set. */
function rflagsBit(bit: u32): void {
  i32c(<i32>RFLAGS); memoryOp(I64_LOAD, 0); i64c(bit); byte(I64_SHR_U); byte(I32_WRAP_I64); i32c(1);
  byte(0x71); // i32.and
}

/** Leaves i32 1 on the stack if the result is negative. */
function negative(): void {
  get(L_FR); i64c(signBit(kindSize)); byte(I64_AND); i64c(0); byte(I64_NE);
}

/** OF of the current kind (not for K_RFLAGS or K_LOGIC). */
function overflow(): void {
  const sign = signBit(kindSize);
  switch (kind) {
    case K_SUB: get(L_FA); get(L_FB); byte(I64_XOR); get(L_FA); get(L_FR); byte(I64_XOR); byte(I64_AND); break;
    case K_ADD: get(L_FA); get(L_FR); byte(I64_XOR); get(L_FB); get(L_FR); byte(I64_XOR); byte(I64_AND); break;
    case K_INC: get(L_FR); i64c(sign); byte(I64_EQ); return;
    default: get(L_FA); i64c(sign); byte(I64_EQ); return; // K_DEC
  }
  i64c(sign); byte(I64_AND); i64c(0); byte(I64_NE);
}

/** Leaves i32: whether condition `cc` (0 o, 2 b, 4 e, 6 be, 8 s, 10 p, 12 l, 14 le; odd: not) holds. */
function condition(cc: u32): void {
  const group = cc >> 1;
  if (kind == K_RFLAGS) {
    switch (group) {
      case 0: rflagsBit(11); break;
      case 1: rflagsBit(0); break;
      case 2: rflagsBit(6); break;
      case 3: rflagsBit(0); rflagsBit(6); byte(I32_OR); break;
      case 4: rflagsBit(7); break;
      case 5: rflagsBit(2); break;
      case 6: rflagsBit(7); rflagsBit(11); byte(I32_XOR); break;
      default: rflagsBit(7); rflagsBit(11); byte(I32_XOR); rflagsBit(6); byte(I32_OR); break;
    }
  } else if (group == 5) {
    failed = true; // parity of a lazy result: left to the interpreter
    i32c(0);
  } else if (kind == K_SUB) {
    const sign = signBit(kindSize);
    switch (group) {
      case 0: overflow(); break;
      case 1: get(L_FA); get(L_FB); byte(I64_LT_U); break;
      case 2: get(L_FA); get(L_FB); byte(I64_EQ); break;
      case 3: get(L_FA); get(L_FB); byte(I64_LE_U); break;
      case 4: negative(); break;
      case 6: get(L_FA); i64c(sign); byte(I64_XOR); get(L_FB); i64c(sign); byte(I64_XOR); byte(I64_LT_U); break;
      default: get(L_FA); i64c(sign); byte(I64_XOR); get(L_FB); i64c(sign); byte(I64_XOR); byte(I64_LE_U); break;
    }
  } else if (kind == K_LOGIC) {
    switch (group) {
      case 0: case 1: i32c(0); break;
      case 2: case 3: get(L_FR); byte(I64_EQZ); break;
      case 4: case 6: negative(); break;
      default: get(L_FR); byte(I64_EQZ); negative(); byte(I32_OR); break;
    }
  } else {
    // K_ADD, K_INC, K_DEC
    switch (group) {
      case 0: overflow(); break;
      case 1: carry(); i64c(0); byte(I64_NE); break;
      case 2: get(L_FR); byte(I64_EQZ); break;
      case 3: carry(); i64c(0); byte(I64_NE); get(L_FR); byte(I64_EQZ); byte(I32_OR); break;
      case 4: negative(); break;
      case 6: negative(); overflow(); byte(I32_XOR); break;
      default: negative(); overflow(); byte(I32_XOR); get(L_FR); byte(I64_EQZ); byte(I32_OR); break;
    }
  }
  if ((cc & 1) != 0) byte(I32_EQZ);
}

/** a <op> b for an ALU kind, with a and b at L_FA and L_FB: the result at L_FR (and on the stack). */
function alu(sub: u32, size: u32): void {
  get(L_FA);
  get(L_FB);
  switch (sub) {
    case ALU_ADD: byte(I64_ADD); break;
    case ALU_SUB: case ALU_CMP: byte(I64_SUB); break;
    case ALU_AND: byte(I64_AND); break;
    case ALU_OR: byte(I64_OR); break;
    default: byte(I64_XOR); break;
  }
  maskTop(size);
  byte(LOCAL_TEE);
  uleb(L_FR);
  kind = sub == ALU_ADD ? K_ADD : sub == ALU_SUB || sub == ALU_CMP ? K_SUB : K_LOGIC;
  kindSize = size;
}

function instruction(p: usize, op: i32): void {
  switch (op) {
    case OP_NOP: return;
    case OP_MOV_RR64: get(localOf(p, E_RM)); write(p, E_REG); return;
    case OP_MOV_RR32: get(localOf(p, E_RM)); maskTop(4); write(p, E_REG); return;
    case OP_MOV_RI64: i64c(load<u64>(p, E_IMM)); write(p, E_RM); return;
    case OP_ALU_RR64: case OP_ALU_RR32: case OP_ALU_RI64: case OP_ALU_RI32: {
      const size: u32 = op == OP_ALU_RR64 || op == OP_ALU_RI64 ? 8 : 4;
      const sub = <u32>load<u8>(p, E_SUB);
      get(localOf(p, E_RM)); maskTop(size); set(L_FA);
      if (op == OP_ALU_RR64 || op == OP_ALU_RR32) { get(localOf(p, E_REG)); maskTop(size); } else i64c(load<u64>(p, E_IMM) & mask(size));
      set(L_FB);
      alu(sub, size);
      if (sub != ALU_CMP) write(p, E_RM); else set(L_FR);
      return;
    }
    case OP_TEST_RR64: case OP_TEST_RR32: case OP_TEST_RI64: case OP_TEST_RI32: {
      const size: u32 = op == OP_TEST_RR64 || op == OP_TEST_RI64 ? 8 : 4;
      get(localOf(p, E_RM)); maskTop(size);
      if (op == OP_TEST_RR64 || op == OP_TEST_RR32) { get(localOf(p, E_REG)); maskTop(size); } else i64c(load<u64>(p, E_IMM) & mask(size));
      byte(I64_AND);
      set(L_FR);
      kind = K_LOGIC;
      kindSize = size;
      return;
    }
  }
  // inc, dec: CF stays as it was
  const size: u32 = op == OP_INC64 || op == OP_DEC64 ? 8 : 4;
  carry();
  set(L_CF);
  get(localOf(p, E_RM)); maskTop(size); set(L_FA);
  i64c(1); set(L_FB);
  get(L_FA); i64c(1); byte(op == OP_INC64 || op == OP_INC32 ? I64_ADD : I64_SUB); maskTop(size);
  byte(LOCAL_TEE); uleb(L_FR);
  write(p, E_RM);
  kind = op == OP_INC64 || op == OP_INC32 ? K_INC : K_DEC;
  kindSize = size;
}

function body(base: usize, count: u32, pc: u64, inLoop: bool): void {
  get(L_LEFT); i32c(<i32>count); byte(I32_LT_U);
  byte(IF); byte(VOID);
  depth++;
  exit(pc);
  depth--;
  byte(END);
  get(L_LEFT); i32c(<i32>count); byte(I32_SUB); set(L_LEFT);
  for (let i: u32 = 0; i + 1 < count; i++) {
    const p = base + (<usize>i << ENTRY_SHIFT);
    instruction(p, unfused(entryOp(p)));
  }
  const p = base + (<usize>(count - 1) << ENTRY_SHIFT);
  if (entryOp(p) == OP_JMP) {
    if (inLoop) { byte(BR); uleb(0); }
    return;
  }
  const takenLoops = load<u64>(p, E_IMM) == pc;
  const other = takenLoops ? load<u64>(p, E_NEXT) : load<u64>(p, E_IMM);
  condition(<u32>load<u8>(p, E_SUB));
  if (!takenLoops) byte(I32_EQZ);
  if (inLoop) {
    byte(BR_IF); uleb(0);
    exit(other);
  } else {
    byte(I32_EQZ);
    byte(IF); byte(VOID);
    depth++;
    exit(other);
    depth--;
    byte(END);
  }
}

/** Writes a module for the x86-64 block at `pc` if this tier compiles it (see above); false if not. */
export function compileX64Block(block: usize, pc: u64): bool {
  const count = load<u32>(block, BLOCK_COUNT);
  const base = <usize>load<u32>(block, BLOCK_ENTRIES);
  if (count == 0) return false;
  const last = base + (<usize>(count - 1) << ENTRY_SHIFT);
  const lastOp = entryOp(last);
  if (lastOp != OP_JCC && lastOp != OP_JMP) return false;
  if (load<u64>(last, E_IMM) != pc && !(lastOp == OP_JCC && load<u64>(last, E_NEXT) == pc)) return false;
  memory.fill(registerLocal, 0xff, SLOTS * 4);
  memory.fill(registerWritten, 0, SLOTS);
  registerLocals = 0;
  for (let i: u32 = 0; i < count; i++) {
    const p = base + (<usize>i << ENTRY_SHIFT);
    const op = unfused(entryOp(p));
    if (i + 1 < count && (op == OP_JCC || op == OP_JMP)) return false;
    const fields = uses(p, op);
    if (fields < 0) return false;
    if ((fields & 1) != 0 && !useSlot(p, E_REG)) return false;
    if ((fields & 2) != 0 && !useSlot(p, E_RM)) return false;
  }
  beginFunction();
  failed = false;
  uleb(2);
  uleb(1); byte(0x7f);
  uleb(FIRST_REGISTER_LOCAL - L_PC + registerLocals); byte(0x7e);
  get(L_ALLOWED); set(L_LEFT);
  for (let n: u32 = 0; n < SLOTS; n++) {
    const local = load<u32>(registerLocal + (<usize>n << 2));
    if (local == 0xffff_ffff) continue;
    i32c(<i32>(STATE + (<usize>n << 3))); memoryOp(I64_LOAD, 0); set(local);
  }
  byte(BLOCK); byte(VOID);
  depth = 0;
  kind = K_RFLAGS;
  kindSize = 8;
  body(base, count, pc, false);
  byte(LOOP); byte(VOID);
  depth = 1;
  body(base, count, pc, true);
  byte(END);
  byte(END);
  for (let n: u32 = 0; n < SLOTS; n++) {
    const local = load<u32>(registerLocal + (<usize>n << 2));
    if (local == 0xffff_ffff || load<u8>(registerWritten + n) == 0) continue;
    i32c(<i32>(STATE + (<usize>n << 3))); get(local); memoryOp(I64_STORE, 0);
  }
  i32c(<i32>RIP); get(L_PC); memoryOp(I64_STORE, 0);
  get(L_ALLOWED); get(L_LEFT); byte(I32_SUB);
  byte(END);
  return endFunction() && !failed;
}
