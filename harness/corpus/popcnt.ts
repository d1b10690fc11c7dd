// Unicorn 2.0.1's x86-64 CPU leaves POPCNT out (it raises #UD: a documented departure, see
// harness/lockstep/x64-departures.ts), but compilers emit it for x86-64-v2, which the corpus has
// builds for. Where Unicorn is the reference for a whole run, the harness completes each popcnt it
// refuses as the manual defines it ("DEST := count of bits set in SRC; OF, SF, ZF, AF, CF, PF
// cleared, then ZF set if SRC = 0") and resumes after it. The WASM CPU runs popcnt itself.
import { type Sandbox, SandboxError, type StartOptions, type StartResult } from '../../sandbox/sandbox.ts';

const REGISTERS = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
/** CF, PF, AF, ZF, SF, OF */
const ARITHMETIC_FLAGS = 0x8d5n;
const ZF = 0x40n;

interface Popcnt { size: number; destination: number; source: { register: number } | { address: bigint }; length: number }

/** Decodes a popcnt (F3, optional 66 and REX, 0F B8, ModRM) at `address`, or undefined if it is something else. */
export function decodePopcnt(sandbox: Sandbox, address: number): Popcnt | undefined {
  let bytes: Uint8Array;
  try {
    bytes = sandbox.read(address, 15);
  } catch {
    bytes = sandbox.read(address, 0x1000 - (address & 0xfff)); // the instruction ends on the last mapped page
  }
  let i = 0;
  let operandSize16 = false;
  let repeat = false;
  for (; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x66) operandSize16 = true;
    else if (b === 0xf3) repeat = true;
    else if (b !== 0xf2 && b !== 0x2e && b !== 0x3e && b !== 0x26 && b !== 0x36) break;
  }
  let rex = 0;
  if ((bytes[i]! & 0xf0) === 0x40) rex = bytes[i++]!;
  if (!repeat || bytes[i] !== 0x0f || bytes[i + 1] !== 0xb8) return undefined;
  i += 2;
  const modrm = bytes[i++]!;
  const mod = modrm >> 6;
  const reg = ((modrm >> 3) & 7) | ((rex & 4) << 1);
  let rm = modrm & 7;
  const size = (rex & 8) !== 0 ? 8 : operandSize16 ? 2 : 4;
  const gpr = (n: number) => sandbox.readRegister(REGISTERS[n]!);
  if (mod === 3) return { size, destination: reg, source: { register: rm | ((rex & 1) << 3) }, length: i };
  let base: bigint | undefined;
  let index = 0n;
  let ripRelative = false;
  if (rm === 4) {
    const sib = bytes[i++]!;
    const scale = 1n << BigInt(sib >> 6);
    const indexRegister = ((sib >> 3) & 7) | ((rex & 2) << 2);
    if (indexRegister !== 4) index = gpr(indexRegister) * scale;
    rm = sib & 7;
    if (!(rm === 5 && mod === 0)) base = gpr(rm | ((rex & 1) << 3));
  } else if (rm === 5 && mod === 0) {
    ripRelative = true;
  } else {
    base = gpr(rm | ((rex & 1) << 3));
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  let displacement = 0n;
  if (mod === 1) displacement = BigInt(view.getInt8(i++));
  else if (mod === 2 || base === undefined) {
    displacement = BigInt(view.getInt32(i, true));
    i += 4;
  }
  const effective = ripRelative ? BigInt(address + i) + displacement : (base ?? 0n) + index + displacement;
  return { size, destination: reg, source: { address: BigInt.asUintN(64, effective) }, length: i };
}

/** Completes the popcnt at rip on `sandbox` as the manual defines it; returns the next instruction's address. */
function completePopcnt(sandbox: Sandbox, insn: Popcnt, address: number): number {
  const bits = BigInt(insn.size * 8);
  let value: bigint;
  if ('register' in insn.source) value = BigInt.asUintN(Number(bits), sandbox.readRegister(REGISTERS[insn.source.register]!));
  else {
    const bytes = sandbox.read(Number(insn.source.address), insn.size);
    value = bytes.reduceRight((acc, byte) => (acc << 8n) | BigInt(byte), 0n);
  }
  let count = 0n;
  for (let v = value; v !== 0n; v >>= 1n) count += v & 1n;
  const name = REGISTERS[insn.destination]!;
  const old = sandbox.readRegister(name);
  // A 32-bit destination clears the upper half; a 16-bit one keeps the rest of the register.
  sandbox.writeRegister(name, insn.size === 2 ? (old & ~0xffffn) | count : count);
  const flags = sandbox.readRegister('rflags');
  sandbox.writeRegister('rflags', (flags & ~ARITHMETIC_FLAGS) | (value === 0n ? ZF : 0n));
  return address + insn.length;
}

/**
 * `sandbox.start`, completing every popcnt Unicorn refuses and going on from the next instruction
 * (a limit on instructions applies to each stretch between them). Other sandboxes run as they are.
 */
export function startCompletingPopcnt(sandbox: Sandbox, begin: number, options: StartOptions): StartResult {
  let pc = begin;
  for (;;) {
    try {
      return sandbox.start(pc, options);
    } catch (error) {
      if (!(error instanceof SandboxError) || error.code !== 'UC_ERR_INSN_INVALID' || sandbox.arch !== 'x64') throw error;
      const at = Number(sandbox.readRegister('rip'));
      const insn = decodePopcnt(sandbox, at);
      if (!insn) throw error;
      pc = completePopcnt(sandbox, insn, at);
    }
  }
}
