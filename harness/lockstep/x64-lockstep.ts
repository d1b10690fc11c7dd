// Lockstep: the same x86-64 program on real Unicorn and on the WASM CPU, one instruction at a time,
// comparing after each instruction every general register, rip, the flags the manual defines for
// that instruction, the xmm registers an SSE instruction may change, and the data and stack memory.
//
// Flags the manual leaves undefined are masked per instruction (UNDEFINED_FLAGS below); after such
// an instruction the WASM CPU takes Unicorn's flags, so later flag readers see the same values.
import { hex } from '../../core/hex.ts';
import { type Sandbox, Prot, SandboxError } from '../../sandbox/sandbox.ts';
import { type CapstoneHandle, type DisassembledInstruction, capstoneHandle, disassemble } from '../../toolchain/capstone.ts';

import {
  AF, ARITHMETIC_FLAGS as ALL, CF, GPRS, type LockstepState, OF, PF, SF, ZF, documentedDifference, documentedFault, documentedRefusal,
  type MemoryReader, memoryAddress, needsOperandBefore,
} from './x64-departures.ts';

export { CF, OF, type LockstepState };

/**
 * Flags the Intel manual (vol. 2, each instruction's "Flags Affected") leaves undefined, by
 * mnemonic. Count-dependent cases (shifts, rotates, double shifts) are in undefinedFlags().
 */
const UNDEFINED_FLAGS: Record<string, bigint> = {
  and: AF, or: AF, xor: AF, test: AF,
  mul: SF | ZF | AF | PF, imul: SF | ZF | AF | PF,
  div: ALL, idiv: ALL,
  bt: OF | SF | AF | PF, bts: OF | SF | AF | PF, btr: OF | SF | AF | PF, btc: OF | SF | AF | PF,
  bsf: CF | OF | SF | AF | PF, bsr: CF | OF | SF | AF | PF,
  tzcnt: OF | SF | AF | PF, lzcnt: OF | SF | AF | PF,
};

const SHIFTS = new Set(['shl', 'sal', 'shr', 'sar']);
const ROTATES = new Set(['rol', 'ror', 'rcl', 'rcr']);

/** Operand width in bits of the first operand, from Capstone's text. */
function firstOperandBits(operands: string): number {
  const first = operands.split(',')[0]!.trim();
  const ptr = /^(byte|word|dword|qword)/.exec(first);
  if (ptr) return { byte: 8, word: 16, dword: 32, qword: 64 }[ptr[1] as 'byte']!;
  if (/^(r\d+b|[abcd]l|[abcd]h|spl|bpl|sil|dil)$/.test(first)) return 8;
  if (/^(r\d+w|[abcd]x|sp|bp|si|di)$/.test(first)) return 16;
  if (/^(r\d+d|e\w\w)$/.test(first)) return 32;
  return 64;
}

/** The shift count an instruction will use: its immediate, 1, or cl (read before it runs). */
function shiftCount(insn: DisassembledInstruction, rcx: bigint): number {
  const parts = insn.operands.split(',').map((s) => s.trim());
  const last = parts[parts.length - 1]!;
  if (parts.length === 1) return 1;
  if (last === 'cl') return Number(rcx & 0xffn);
  if (/^(0x[0-9a-f]+|\d+)$/.test(last)) return Number(last);
  return 1;
}

/** Flags undefined after `insn`, given rcx before it (for shift counts in cl). */
export function undefinedFlags(insn: DisassembledInstruction, rcx: bigint): bigint {
  const mnemonic = insn.mnemonic.replace(/^lock /, '');
  const fixed = UNDEFINED_FLAGS[mnemonic];
  if (fixed !== undefined) return fixed;
  const bits = firstOperandBits(insn.operands);
  if (SHIFTS.has(mnemonic) || ROTATES.has(mnemonic) || mnemonic === 'shld' || mnemonic === 'shrd') {
    const masked = shiftCount(insn, rcx) & (bits === 64 ? 63 : 31);
    if (masked === 0) return 0n;
    let mask = masked === 1 ? 0n : OF;
    if (SHIFTS.has(mnemonic) || mnemonic === 'shld' || mnemonic === 'shrd') mask |= AF;
    // shl/shr by at least the operand width (8- and 16-bit operands): CF is undefined.
    if ((mnemonic === 'shl' || mnemonic === 'sal' || mnemonic === 'shr') && masked >= bits) mask |= CF;
    // shld/shrd by more than the operand width (16-bit operands): result and flags undefined.
    if ((mnemonic === 'shld' || mnemonic === 'shrd') && masked > bits) mask |= ALL;
    return mask;
  }
  return 0n;
}

const SSE_OPERAND = /xmm/;

function readState(sandbox: Sandbox, withXmm: boolean): LockstepState {
  return {
    gprs: GPRS.map((name) => sandbox.readRegister(name)),
    rip: sandbox.readRegister('rip'),
    flags: sandbox.readRegister('rflags'),
    xmm: withXmm ? Array.from({ length: 16 }, (_, i) => sandbox.readRegister(`xmm${i}`)) : undefined,
  };
}

export interface MemoryWindow {
  address: number;
  size: number;
}

/** What one step did on one backend. */
interface StepOutcome {
  kind: 'ok' | 'interrupt' | 'error';
  detail: string;
}

export interface Divergence {
  step: number;
  address: number;
  instruction: string;
  differences: string[];
  /** Registers before the instruction (as Unicorn had them), when known. */
  before: string | undefined;
}

export interface ProgramRun {
  /** Instructions both backends executed and that compared equal. */
  executed: number;
  /** Instructions where Unicorn differs from the manual in a documented way, by case. */
  documented: Record<string, number>;
  divergence: Divergence | undefined;
  /** How the program ended: reached its end, raised an exception, or stopped on an error. */
  ending: string;
}

function describe(insn: DisassembledInstruction | undefined): string {
  return insn ? `${insn.mnemonic} ${insn.operands}`.trim() : '(not decodable by Capstone)';
}

/**
 * Steps `reference` (Unicorn) and `subject` (the WASM CPU) from `start` until `end`, comparing after
 * every instruction. Both must hold the same program and initial state.
 */
export class LockstepRunner {
  private interruptSeen: Record<string, number | undefined> = {};

  constructor(
    private readonly reference: Sandbox,
    private readonly subject: Sandbox,
    private readonly windows: MemoryWindow[],
    /** Counts the instructions both agreed on, by Capstone's mnemonic (coverage figures). */
    private readonly mnemonics?: Map<string, number>,
  ) {
    for (const [name, sandbox] of [['reference', reference], ['subject', subject]] as const) {
      sandbox.addHook({ type: 'interrupt', callback: (n) => { this.interruptSeen[name] = n; sandbox.stop(); } });
    }
  }

  /** `end` matters even for one step: Unicorn honours an end address only in code it translates with it. */
  private step(sandbox: Sandbox, name: string, pc: number, end: number, isHlt: boolean): StepOutcome {
    this.interruptSeen[name] = undefined;
    try {
      const result = sandbox.start(pc, { maxInstructions: 1, until: end });
      const interrupt = this.interruptSeen[name];
      if (interrupt !== undefined) return { kind: 'interrupt', detail: `interrupt ${interrupt}` };
      // The Unicorn backend guesses 'halted' from an F4 byte before the pc, which can be the last
      // byte of any instruction: only a hlt halts.
      return { kind: 'ok', detail: result.reason === 'halted' && isHlt ? 'halted' : 'ok' };
    } catch (error) {
      if (error instanceof SandboxError) return { kind: 'error', detail: error.code };
      throw error;
    }
  }

  private count(insn: DisassembledInstruction | undefined): void {
    if (!this.mnemonics || !insn) return;
    this.mnemonics.set(insn.mnemonic, (this.mnemonics.get(insn.mnemonic) ?? 0) + 1);
  }

  /** The bytes of the first (memory) operand of `insn` before it runs, or undefined when unmapped. */
  private operandBefore(insn: DisassembledInstruction, before: LockstepState): Uint8Array | undefined {
    const address = memoryAddress(insn.operands.split(',')[0]!, before.gprs, BigInt(insn.address + insn.size));
    try {
      return address === undefined ? undefined : this.subject.read(address, 8);
    } catch {
      return undefined;
    }
  }

  /** Runs one program; `instructions` gives Capstone's view of the instruction at an address. */
  run(instructions: InstructionLookup, start: number, end: number, maxSteps: number): ProgramRun {
    let pc = start;
    let executed = 0;
    const documented: Record<string, number> = {};
    let previous: LockstepState = readState(this.reference, false);
    for (let stepIndex = 0; stepIndex < maxSteps; stepIndex++) {
      if (pc === end) return { executed, documented, divergence: undefined, ending: 'end' };
      const insn = instructions.get(pc);
      const rcx = this.reference.readRegister('rcx');
      const sse = insn !== undefined && SSE_OPERAND.test(insn.operands);
      const isHlt = insn?.mnemonic === 'hlt';
      const operandBefore = insn && needsOperandBefore(insn) ? this.operandBefore(insn, previous) : undefined;
      let expected = this.step(this.reference, 'reference', pc, end, isHlt);
      // Stepped one instruction at a time, Unicorn ends a repeated string instruction whose count
      // reached zero with one more, empty, execution of it: count that as the same instruction.
      if (expected.kind === 'ok' && insn && /^rep/.test(insn.mnemonic) &&
        Number(this.reference.readRegister('rip')) === pc && this.reference.readRegister('rcx') === 0n) {
        expected = this.step(this.reference, 'reference', pc, end, isHlt);
      }
      const actual = this.step(this.subject, 'subject', pc, end, isHlt);
      const before = stepIndex;
      const diverge = (differences: string[]): ProgramRun => ({
        executed,
        documented,
        divergence: {
          step: before, address: pc, instruction: describe(insn), differences,
          before: GPRS.map((name, i) => `${name}=${hex(previous.gprs[i]!)}`).join(' ') + ` rflags=${hex(previous.flags)}`,
        },
        ending: 'divergence',
      });
      const read: MemoryReader = (address, size) => this.subject.read(address, size);
      if (expected.kind !== actual.kind || expected.detail !== actual.detail) {
        const vector = /^interrupt (\d+)$/.exec(actual.detail)?.[1];
        const fault = insn && expected.detail === 'ok' && vector !== undefined &&
          documentedFault(insn, previous, Number(vector));
        if (fault) {
          // The WASM CPU raised the exception the manual requires where Unicorn ran on: the run ends here.
          documented[fault] = (documented[fault] ?? 0) + 1;
          return { executed, documented, divergence: undefined, ending: actual.detail };
        }
        const refused = insn && expected.detail === 'UC_ERR_INSN_INVALID' && actual.detail === 'ok' &&
          documentedRefusal(insn, previous, readState(this.subject, false), read);
        if (!refused) return diverge([`outcome: unicorn ${expected.detail}, wasm ${actual.detail}`]);
        // Unicorn refused an instruction the manual defines: continue from the manual's result.
        documented[refused] = (documented[refused] ?? 0) + 1;
        const b = readState(this.subject, false);
        GPRS.forEach((name, i) => this.reference.writeRegister(name, b.gprs[i]!));
        this.reference.writeRegister('rflags', b.flags);
        this.reference.writeRegister('rip', b.rip);
        executed++;
        this.count(insn);
        pc = Number(b.rip);
        previous = b;
        continue;
      }
      const a = readState(this.reference, sse);
      const b = readState(this.subject, sse);
      const differences: string[] = [];
      GPRS.forEach((name, i) => {
        if (a.gprs[i] !== b.gprs[i]) differences.push(`${name}: unicorn ${hex(a.gprs[i]!)}, wasm ${hex(b.gprs[i]!)}`);
      });
      if (a.rip !== b.rip) differences.push(`rip: unicorn ${hex(a.rip)}, wasm ${hex(b.rip)}`);
      const undefinedMask = insn ? undefinedFlags(insn, rcx) : 0n;
      if (((a.flags ^ b.flags) & ~undefinedMask) !== 0n) {
        differences.push(`rflags: unicorn ${hex(a.flags)}, wasm ${hex(b.flags)} (undefined ${hex(undefinedMask)})`);
      }
      if (a.xmm && b.xmm) {
        a.xmm.forEach((value, i) => {
          if (value !== b.xmm![i]) differences.push(`xmm${i}: unicorn ${hex(value)}, wasm ${hex(b.xmm![i]!)}`);
        });
      }
      // Memory can only change through a memory operand or the stack and string instructions.
      const touchesMemory = insn === undefined || insn.operands.includes('[') ||
        /^(push|call|enter|rep|stos|movs|lock|maskmov)/.test(insn.mnemonic);
      for (const window of touchesMemory ? this.windows : []) {
        const left = this.reference.read(window.address, window.size);
        const right = this.subject.read(window.address, window.size);
        if (Buffer.compare(left, right) !== 0) {
          const at = left.findIndex((byte, i) => byte !== right[i]);
          differences.push(`memory at ${hex(window.address + at)}: unicorn ${hex(left[at]!)}, wasm ${hex(right[at]!)}`);
        }
      }
      if (differences.length > 0) {
        const known = insn && documentedDifference(insn, previous, a, b, read, operandBefore);
        if (!known) return diverge(differences);
        // Unicorn is the one that is wrong here: continue from the manual's values.
        documented[known] = (documented[known] ?? 0) + 1;
        for (const window of this.windows) this.reference.write(window.address, this.subject.read(window.address, window.size));
        GPRS.forEach((name, i) => { if (a.gprs[i] !== b.gprs[i]) this.reference.writeRegister(name, b.gprs[i]!); });
        if (a.flags !== b.flags) this.reference.writeRegister('rflags', b.flags);
        b.xmm?.forEach((value, i) => { if (a.xmm?.[i] !== value) this.reference.writeRegister(`xmm${i}`, value); });
        a.gprs = [...b.gprs];
        a.flags = b.flags;
        a.xmm = b.xmm;
      }
      // Undefined flags: continue from Unicorn's values so later readers agree.
      if (a.flags !== b.flags) this.subject.writeRegister('rflags', a.flags);
      if (expected.kind === 'ok' && expected.detail === 'ok') executed++;
      this.count(insn);
      if (expected.kind !== 'ok' || expected.detail === 'halted') {
        return { executed, documented, divergence: undefined, ending: expected.detail };
      }
      pc = Number(a.rip);
      previous = a;
    }
    return { executed, documented, divergence: undefined, ending: 'step limit' };
  }
}

/** Capstone's view of the instruction at an address. */
export interface InstructionLookup {
  get(address: number): DisassembledInstruction | undefined;
}

/**
 * Capstone's view of whatever code `sandbox` holds at an address, disassembled when first asked
 * for: compiled code reaches functions and bytes no symbol describes.
 */
export class LiveInstructions implements InstructionLookup {
  private readonly cache = new Map<number, DisassembledInstruction | undefined>();

  private constructor(private readonly sandbox: Sandbox, private readonly handle: CapstoneHandle) {}

  static async of(sandbox: Sandbox): Promise<LiveInstructions> {
    return new LiveInstructions(sandbox, await capstoneHandle('x64'));
  }

  get(address: number): DisassembledInstruction | undefined {
    if (this.cache.has(address)) return this.cache.get(address);
    let bytes: Uint8Array;
    try {
      bytes = this.sandbox.read(address, 15);
    } catch {
      // The instruction ends on the last mapped page: read what there is.
      const room = 0x1000 - (address & 0xfff);
      try { bytes = this.sandbox.read(address, room); } catch { bytes = new Uint8Array(0); }
    }
    const [insn] = this.handle.disasm(bytes, address, 1);
    const found = insn && { address: Number(insn.address), size: insn.size, bytes: Uint8Array.from(insn.bytes),
      mnemonic: insn.mnemonic, operands: insn.op_str };
    this.cache.set(address, found);
    return found;
  }
}

/** Capstone's view of the program, by address. */
export async function instructionMap(code: Uint8Array, address: number): Promise<Map<number, DisassembledInstruction>> {
  const map = new Map<number, DisassembledInstruction>();
  let offset = 0;
  while (offset < code.length) {
    const batch = await disassemble('x64', code.subarray(offset), address + offset);
    if (batch.length === 0) {
      offset++; // a byte Capstone does not decode (the generator's ud2 is decodable; data is not)
      continue;
    }
    for (const insn of batch) map.set(insn.address, insn);
    const last = batch[batch.length - 1]!;
    offset = last.address + last.size - address;
  }
  return map;
}

/** Maps the same regions on both sandboxes. */
export function mapBoth(sandboxes: Sandbox[], regions: { address: number; size: number; prot: number }[]): void {
  for (const sandbox of sandboxes) for (const r of regions) sandbox.map(r.address, r.size, r.prot);
}

export { Prot };
