// Capstone as the oracle for the x86-64 decoder: one instruction at a time, with the facts the
// decoder must agree on (length, relative-branch target, RIP-relative target, flow class)
// read from Capstone's own disassembly text.
import { capstoneHandle, type CapstoneHandle } from '../../toolchain/capstone.ts';
import type { X64Flow } from '../../engine/host/x64-decoder.ts';

export interface CapstoneFacts {
  length: number;
  mnemonic: string;
  operands: string;
  /** Flow class implied by the mnemonic and operands. */
  flow: X64Flow;
  /** Absolute target printed for relative branches. */
  branchTarget?: bigint;
  /** Target of a [rip + disp] / [eip + disp] operand. */
  ripTarget?: bigint;
}

let handle: CapstoneHandle | undefined;

export async function loadCapstoneX64(): Promise<void> {
  handle = await capstoneHandle('x64');
}

/** Capstone's decode of the first instruction of `bytes` at `address`, or undefined if it refuses. */
export function capstoneDecode(bytes: Uint8Array, address: bigint): CapstoneFacts | undefined {
  if (!handle) throw new Error('call loadCapstoneX64() first');
  let insns;
  try {
    insns = handle.disasm(bytes, Number(address), 1);
  } catch {
    return undefined;
  }
  const insn = insns[0];
  if (!insn) return undefined;
  const facts: CapstoneFacts = {
    length: insn.size, mnemonic: insn.mnemonic, operands: insn.op_str,
    flow: flowOf(baseMnemonic(insn.mnemonic), insn.op_str),
  };
  if (facts.flow.endsWith('-rel') && /^0x[0-9a-f]+$/.test(insn.op_str)) facts.branchTarget = BigInt(insn.op_str);
  const rip = /\[(rip|eip)(?: ([+-]) (0x[0-9a-f]+|\d+))?\]/.exec(insn.op_str);
  if (rip) {
    const disp = rip[3] ? BigInt(rip[3]) * (rip[2] === '-' ? -1n : 1n) : 0n;
    const target = address + BigInt(insn.size) + disp;
    facts.ripTarget = rip[1] === 'eip' ? BigInt.asUintN(32, target) : BigInt.asUintN(64, target);
  }
  return facts;
}

/** Capstone prints prefixes as part of the mnemonic ("bnd jmp", "notrack call", "lock add"). */
export function baseMnemonic(mnemonic: string): string {
  const words = mnemonic.split(' ');
  return words[words.length - 1]!;
}

const JCC = new Set(['jo', 'jno', 'jb', 'jae', 'je', 'jne', 'jbe', 'ja', 'js', 'jns', 'jp', 'jnp', 'jl', 'jge', 'jle', 'jg']);
const INTERRUPTS = new Set(['int3', 'int', 'int1', 'into', 'syscall', 'sysenter', 'sysexit', 'sysret', 'sysretq', 'sysexitq', 'ud0', 'ud1', 'ud2', 'hlt']);

/** The flow class a mnemonic stands for (Capstone's Intel syntax). */
export function flowOf(mnemonic: string, operands: string): X64Flow {
  const direct = /^0x[0-9a-f]+$/.test(operands);
  if (JCC.has(mnemonic)) return 'jcc-rel';
  if (mnemonic === 'jmp') return direct ? 'jmp-rel' : 'jmp-indirect';
  if (mnemonic === 'ljmp') return 'jmp-indirect';
  if (mnemonic === 'call') return direct ? 'call-rel' : 'call-indirect';
  if (mnemonic === 'lcall') return 'call-indirect';
  if (['loop', 'loope', 'loopne', 'jrcxz', 'jecxz'].includes(mnemonic)) return 'loop-rel';
  if (mnemonic === 'ret') return 'ret-near';
  if (['retf', 'retfq', 'lret', 'iret', 'iretd', 'iretq'].includes(mnemonic)) return 'ret-far';
  if (INTERRUPTS.has(mnemonic)) return 'interrupt';
  if (mnemonic === 'xbegin') return 'xbegin-rel';
  return 'none';
}
