// What the redirect engine needs to know about one decoded instruction: how it changes the flow of
// execution, and a short name for it in messages.
import { X64Flow } from '../../../isa/x64/codes';
import { X64Instruction } from '../../../isa/x64/instruction';
import { spacedHexAt } from '../common/hex';

export const enum InstructionKind {
  /** Runs the same from any address once RIP-relative operands are adjusted. */
  Plain,
  JmpRel,
  JccRel,
  CallRel,
  /** loop, loope, loopne, jrcxz/jecxz: rel8 only, no rel32 form exists. */
  Loop,
  Ret,
  JmpIndirect,
  CallIndirect,
  Interrupt,
  /** Cannot be moved at all. */
  Unmovable,
}

/** One instruction of the function: where it is, its bytes (in linear memory) and its decoding. */
export class SourceInstruction {
  constructor(
    readonly address: u64,
    readonly ptr: usize,
    readonly insn: X64Instruction,
  ) {}

  get end(): u64 {
    return this.address + <u64>this.insn.length;
  }

  get kind(): InstructionKind {
    return kindOf(this.insn);
  }

  /** Whether execution can continue with the next instruction (not a ret or unconditional jump). */
  get fallsThrough(): bool {
    const kind = this.kind;
    return kind != InstructionKind.Ret && kind != InstructionKind.JmpRel && kind != InstructionKind.JmpIndirect;
  }

  get isRelativeBranch(): bool {
    const kind = this.kind;
    return kind == InstructionKind.JmpRel || kind == InstructionKind.JccRel || kind == InstructionKind.CallRel ||
      kind == InstructionKind.Loop;
  }

  /** "the je rel8 (74 05)": a name and the bytes, for messages. */
  describe(): string {
    return 'the ' + nameOf(this) + ' (' + spacedHexAt(this.ptr, this.insn.length) + ')';
  }
}

export function kindOf(insn: X64Instruction): InstructionKind {
  switch (insn.flow) {
    case X64Flow.JMP_REL: return InstructionKind.JmpRel;
    case X64Flow.JCC_REL: return InstructionKind.JccRel;
    case X64Flow.CALL_REL: return InstructionKind.CallRel;
    case X64Flow.LOOP_REL: return InstructionKind.Loop;
    case X64Flow.RET_NEAR:
    case X64Flow.RET_FAR: return InstructionKind.Ret;
    case X64Flow.JMP_INDIRECT: return InstructionKind.JmpIndirect;
    case X64Flow.CALL_INDIRECT: return InstructionKind.CallIndirect;
    case X64Flow.INTERRUPT: return InstructionKind.Interrupt;
    // xbegin's relative field names the abort handler; it has no long form to re-target it with.
    case X64Flow.XBEGIN_REL: return InstructionKind.Unmovable;
  }
  return InstructionKind.Plain;
}

const CONDITIONS: StaticArray<string> = ['jo', 'jno', 'jb', 'jae', 'je', 'jne', 'jbe', 'ja', 'js', 'jns', 'jp', 'jnp', 'jl', 'jge', 'jle', 'jg'];
const LOOPS: StaticArray<string> = ['loopne', 'loope', 'loop', 'jrcxz'];

function nameOf(source: SourceInstruction): string {
  const insn = source.insn;
  const rel = insn.relSize == 1 ? ' rel8' : ' rel32';
  switch (source.kind) {
    case InstructionKind.JmpRel: return 'jmp' + rel;
    case InstructionKind.JccRel: return CONDITIONS[insn.condition & 15] + rel;
    case InstructionKind.CallRel: return 'call rel32';
    case InstructionKind.Loop: return insn.opcode == 0xe3 && insn.addressSizePrefix ? 'jecxz' : LOOPS[insn.opcode & 3];
    case InstructionKind.Ret: return insn.flow == X64Flow.RET_FAR ? 'far return' : 'ret';
    case InstructionKind.JmpIndirect: return 'indirect jmp';
    case InstructionKind.CallIndirect: return 'indirect call';
    case InstructionKind.Interrupt: return 'interrupt instruction';
    case InstructionKind.Unmovable: return 'xbegin';
  }
  return insn.ripRelative ? 'rip-relative instruction' : 'instruction';
}
