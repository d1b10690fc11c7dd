// The SandboxError for a landing-pad fault of the WASM CPU (sandbox/wasm/assembly/branch-targets.ts):
// an AArch64 Branch Target exception or an x86-64 control-protection exception (#CP, ENDBRANCH),
// naming the branch, what it set, its target and what stands there instead of a landing pad.
import type { Arch } from '../../core/arch.ts';
import { hex } from '../../core/hex.ts';
import { SandboxError } from '../sandbox.ts';

export interface BranchTargetFault {
  /** Address of the indirect branch. */
  branch: number;
  /** AArch64: the BTYPE it set (1, 2, 3). x86-64: 1 (the tracker waited for ENDBRANCH). */
  kind: number;
  target: number;
  /** The first four bytes at the target, little-endian. */
  word: number;
}

const BTYPE_PADS: Record<number, string> = {
  1: 'bti c, bti j, bti jc, paciasp or pacibsp',
  2: 'bti c, bti jc, paciasp or pacibsp',
  3: 'bti j or bti jc',
};

/** `bytes` of the branch instruction (up to 15 read from the guest). */
export function branchTargetError(arch: Arch, fault: BranchTargetFault, branchBytes: Uint8Array, pc: number): SandboxError {
  if (arch === 'arm64') {
    const word = new DataView(branchBytes.buffer, branchBytes.byteOffset).getUint32(0, true);
    const rn = (word >>> 5) & 31;
    const name = ((word >>> 21) & 0xf) === 0b0001 ? `blr x${rn}` : `br x${rn}`;
    const btype = fault.kind.toString(2).padStart(2, '0');
    return new SandboxError(`Branch Target exception: ${name} at ${hex(fault.branch)} (BTYPE ${btype}) reached ` +
      `${hex(fault.target)}, where ${describeA64(fault.word >>> 0)} is no landing pad for it (${BTYPE_PADS[fault.kind]} ` +
      'would be); the target page is guarded', 'BRANCH_TARGET', fault.target, pc);
  }
  const bytes = [0, 8, 16, 24].map((shift) => ((fault.word >>> shift) & 0xff).toString(16).padStart(2, '0')).join(' ');
  return new SandboxError(`Control-protection exception (#CP, ENDBRANCH): the ${describeX64Branch(branchBytes)} at ` +
    `${hex(fault.branch)} reached ${hex(fault.target)}, which starts with ${bytes} instead of endbr64 (f3 0f 1e fa)`,
    'BRANCH_TARGET', fault.target, pc);
}

function describeA64(word: number): string {
  if ((word & 0xffff_ff3f) >>> 0 === 0xd503_241f) return ['bti', 'bti c', 'bti j', 'bti jc'][(word >>> 6) & 3]!;
  if (word === 0xd503_201f) return 'nop';
  if ((word & 0xfc00_0000) >>> 0 === 0x1400_0000) return `b (${hex(word, 8)})`;
  return `the instruction ${hex(word, 8)}`;
}

/** "indirect call" / "indirect jmp", from the bytes of an FF /2 or FF /4 instruction. */
function describeX64Branch(bytes: Uint8Array): string {
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x3e || bytes[i] === 0x2e || bytes[i] === 0x26 || bytes[i] === 0x36 ||
    bytes[i] === 0x64 || bytes[i] === 0x65 || bytes[i] === 0x66 || bytes[i] === 0x67 || bytes[i] === 0xf2 ||
    bytes[i] === 0xf3 || (bytes[i]! & 0xf0) === 0x40)) i++;
  const notrack = bytes.subarray(0, i).includes(0x3e);
  const group = ((bytes[i + 1] ?? 0) >>> 3) & 7;
  const what = bytes[i] === 0xff && group === 2 ? 'indirect call' : 'indirect jmp';
  return notrack ? `notrack ${what} (NO_TRACK_EN is off)` : what;
}
