// Writes WebAssembly modules for the compiled tier (compiled-blocks.ts): a byte buffer, the opcodes
// the compilers use, and the module around one function (i32) -> i32 named "run" that imports
// env.memory. A compiler calls beginFunction(), writes the body (locals first), then endFunction().

// ---- output ----

/** The module is written here; the function body first goes to the second half, then is copied in. */
const OUTPUT_SIZE: usize = 256 * 1024;
let output: usize = 0;
let at: usize = 0;
let limit: usize = 0;
let overflow = false;
let bodyStart: usize = 0;

@inline export function byte(value: u32): void {
  if (at >= limit) {
    overflow = true;
    return;
  }
  store<u8>(at, <u8>value);
  at++;
}

export function uleb(value: u64): void {
  do {
    let b = <u32>(value & 0x7f);
    value >>= 7;
    if (value != 0) b |= 0x80;
    byte(b);
  } while (value != 0);
}

export function sleb(value: i64): void {
  while (true) {
    const b = <u32>(value & 0x7f);
    value >>= 7;
    if ((value == 0 && (b & 0x40) == 0) || (value == -1 && (b & 0x40) != 0)) {
      byte(b);
      return;
    }
    byte(b | 0x80);
  }
}

// ---- WebAssembly opcodes used ----

export const BLOCK: u32 = 0x02;
export const LOOP: u32 = 0x03;
export const IF: u32 = 0x04;
export const END: u32 = 0x0b;
export const BR: u32 = 0x0c;
export const BR_IF: u32 = 0x0d;
export const VOID: u32 = 0x40;
export const LOCAL_GET: u32 = 0x20;
export const LOCAL_SET: u32 = 0x21;
export const LOCAL_TEE: u32 = 0x22;
export const I32_LOAD: u32 = 0x28;
export const I64_LOAD: u32 = 0x29;
export const I32_LOAD8_S: u32 = 0x2c;
export const I32_LOAD16_S: u32 = 0x2e;
export const I64_LOAD8_S: u32 = 0x30;
export const I64_LOAD8_U: u32 = 0x31;
export const I64_LOAD16_S: u32 = 0x32;
export const I64_LOAD16_U: u32 = 0x33;
export const I64_LOAD32_S: u32 = 0x34;
export const I64_LOAD32_U: u32 = 0x35;
export const I32_STORE: u32 = 0x36;
export const I64_STORE: u32 = 0x37;
export const I64_STORE8: u32 = 0x3c;
export const I64_STORE16: u32 = 0x3d;
export const I64_STORE32: u32 = 0x3e;
export const I32_CONST: u32 = 0x41;
export const I64_CONST: u32 = 0x42;
export const I32_EQZ: u32 = 0x45;
export const I32_EQ: u32 = 0x46;
export const I32_NE: u32 = 0x47;
export const I32_LT_S: u32 = 0x48;
export const I32_LT_U: u32 = 0x49;
export const I32_GT_S: u32 = 0x4a;
export const I32_GT_U: u32 = 0x4b;
export const I32_LE_S: u32 = 0x4c;
export const I32_LE_U: u32 = 0x4d;
export const I32_GE_S: u32 = 0x4e;
export const I32_GE_U: u32 = 0x4f;
export const I64_EQZ: u32 = 0x50;
export const I64_EQ: u32 = 0x51;
export const I64_NE: u32 = 0x52;
export const I64_LT_S: u32 = 0x53;
export const I64_LT_U: u32 = 0x54;
export const I64_GT_S: u32 = 0x55;
export const I64_GT_U: u32 = 0x56;
export const I64_LE_S: u32 = 0x57;
export const I64_LE_U: u32 = 0x58;
export const I64_GE_S: u32 = 0x59;
export const I64_GE_U: u32 = 0x5a;
export const I32_ADD: u32 = 0x6a;
export const I32_SUB: u32 = 0x6b;
export const I32_MUL: u32 = 0x6c;
export const I32_AND: u32 = 0x71;
export const I32_OR: u32 = 0x72;
export const I32_XOR: u32 = 0x73;
export const I32_SHL: u32 = 0x74;
export const I32_SHR_S: u32 = 0x75;
export const I32_SHR_U: u32 = 0x76;
export const I32_ROTR: u32 = 0x78;
export const I64_ADD: u32 = 0x7c;
export const I64_SUB: u32 = 0x7d;
export const I64_MUL: u32 = 0x7e;
export const I64_AND: u32 = 0x83;
export const I64_OR: u32 = 0x84;
export const I64_XOR: u32 = 0x85;
export const I64_SHL: u32 = 0x86;
export const I64_SHR_S: u32 = 0x87;
export const I64_SHR_U: u32 = 0x88;
export const I64_ROTR: u32 = 0x8a;
export const I32_WRAP_I64: u32 = 0xa7;
export const I64_EXTEND_I32_U: u32 = 0xad;
export const I32_EXTEND8_S: u32 = 0xc0;
export const I32_EXTEND16_S: u32 = 0xc1;
export const I64_EXTEND8_S: u32 = 0xc2;
export const I64_EXTEND16_S: u32 = 0xc3;
export const I64_EXTEND32_S: u32 = 0xc4;

@inline export function i32c(value: i32): void {
  byte(I32_CONST);
  sleb(<i64>value);
}
@inline export function i64c(value: u64): void {
  byte(I64_CONST);
  sleb(<i64>value);
}
@inline export function get(local: u32): void {
  byte(LOCAL_GET);
  uleb(local);
}
@inline export function set(local: u32): void {
  byte(LOCAL_SET);
  uleb(local);
}
/** A load or store with alignment hint 0 and the given offset. */
@inline export function memoryOp(opcode: u32, offset: u32): void {
  byte(opcode);
  byte(0);
  uleb(offset);
}


export function initWriter(): void {
  output = heap.alloc(OUTPUT_SIZE);
}

/** Starts a function body (written in the second half of the output, then copied after the header). */
export function beginFunction(): void {
  overflow = false;
  bodyStart = output + OUTPUT_SIZE / 2;
  at = bodyStart;
  limit = output + OUTPUT_SIZE;
}

/** Bytes of the module endFunction last wrote at compiledOutput(). */
export let compiledLength: u32 = 0;
export function compiledOutput(): usize {
  return output;
}

/** Wraps the body written since beginFunction() in its module; false if the output overflowed. */
export function endFunction(): bool {
  if (overflow) return false;
  const bodyLength = <u32>(at - bodyStart);

  // The module: one function (i32) -> i32 named "run", importing env.memory.
  at = output;
  limit = bodyStart;
  byte(0x00); byte(0x61); byte(0x73); byte(0x6d); byte(0x01); byte(0x00); byte(0x00); byte(0x00);
  byte(1); uleb(6); byte(1); byte(0x60); byte(1); byte(0x7f); byte(1); byte(0x7f); // type section
  byte(2); uleb(15); byte(1); // import section
  byte(3); byte(0x65); byte(0x6e); byte(0x76); // "env"
  byte(6); byte(0x6d); byte(0x65); byte(0x6d); byte(0x6f); byte(0x72); byte(0x79); // "memory"
  byte(2); byte(0); byte(0); // memory, limits: min 0, no max
  byte(3); uleb(2); byte(1); byte(0); // function section
  byte(7); uleb(7); byte(1); byte(3); byte(0x72); byte(0x75); byte(0x6e); byte(0); byte(0); // export "run"
  // code section
  byte(10);
  const sizeBytes = ulebSize(bodyLength);
  uleb(1 + sizeBytes + bodyLength);
  byte(1);
  uleb(bodyLength);
  if (overflow || at + bodyLength > limit) return false;
  memory.copy(at, bodyStart, bodyLength);
  compiledLength = <u32>(at + bodyLength - output);
  return true;
}

function ulebSize(value: u32): u32 {
  let size: u32 = 1;
  while (value >= 0x80) {
    value >>= 7;
    size++;
  }
  return size;
}
