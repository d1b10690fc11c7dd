// x86-64 relocator: moves the instructions a redirect jump displaces into a trampoline at another
// address so that they mean the same there, then jumps back to the first instruction left in place.
import {
  CALL_ABSOLUTE_SIZE, CALL_REL32_SIZE, ENDBR64_SIZE, JCC_ABSOLUTE_SIZE, JCC_REL32_SIZE, JMP_ABSOLUTE_SIZE, JMP_REL32_SIZE,
  JMP_REL8_SIZE, NOTRACK_SIZE, X64Writer, distance, fitsRel32,
} from './writer';
import { hex } from '../common/hex';
import { RelocatedInstruction, Refusal } from '../common/plan';
import { InstructionKind, SourceInstruction } from './facts';

export class Relocation {
  failure: Refusal | null = null;
  instructions: RelocatedInstruction[] = [];
  /** The whole trampoline: relocated instructions and the jump back. */
  bytes: Uint8Array = new Uint8Array(0);
  /** How the trampoline returns to the function ("jmp rel32", "jmp [rip+0] abs64", "notrack jmp [rip+0] abs64" or "none"). */
  jumpBack: string = '';
  /** The trampoline starts with endbr64. */
  landingPad: bool = false;
}

/** How a function built for CET's indirect branch tracking is relocated. */
export const enum Tracking {
  /** No endbr64 kept: indirect jumps as they always were. */
  None,
  /** endbr64 first in the trampoline; absolute jumps and calls carry `notrack` (needs NO_TRACK_EN). */
  NoTrack,
  /** endbr64 first in the trampoline; absolute jumps and calls are refused (no `notrack`). */
  Strict,
}

/** How each instruction is rewritten; `Far` forms reach any address, at a larger size. */
const enum Shape {
  Copy,
  Near,
  Far,
}


/**
 * Relocates `sources` (consecutive instructions ending at `resume`) to `trampoline`. Branches
 * between the displaced instructions stay inside the trampoline; everything else keeps its
 * original target.
 */
export function relocateX64(sources: SourceInstruction[], trampoline: u64, resume: u64, tracking: Tracking = Tracking.None): Relocation {
  const result = new Relocation();
  const notrack = tracking == Tracking.NoTrack;
  const extra = notrack ? NOTRACK_SIZE : 0;
  const prefix = tracking != Tracking.None ? ENDBR64_SIZE : 0;
  result.landingPad = prefix != 0;
  const count = sources.length;
  const blockStart = sources[0].address;
  const blockEnd = sources[count - 1].end;

  // Refuse what cannot run elsewhere before laying anything out.
  for (let i = 0; i < count; i++) {
    const source = sources[i];
    const kind = source.kind;
    if (kind == InstructionKind.Unmovable) {
      result.failure = new Refusal('unmovable-instruction',
        source.describe() + ' cannot run from another address.', source.address);
      return result;
    }
    if (source.isRelativeBranch) {
      const target = source.insn.branchTarget;
      if (target > blockStart && target < blockEnd && indexAt(sources, target) < 0) {
        result.failure = new Refusal('unmovable-instruction',
          source.describe() + ' at ' + hex(source.address) + ' jumps to ' + hex(target) +
          ', into the middle of another displaced instruction.', source.address);
        return result;
      }
    }
  }

  // Layout: every instruction starts in its smallest shape; shapes only grow until all reach.
  const shapes = new Array<Shape>(count + 1);
  for (let i = 0; i < count; i++) shapes[i] = sources[i].isRelativeBranch ? Shape.Near : Shape.Copy;
  shapes[count] = Shape.Near; // the jump back
  const offsets = new Array<i32>(count + 2);
  const jumpBack = sources[count - 1].fallsThrough;
  for (let round = 0; ; round++) {
    let offset = prefix;
    for (let i = 0; i < count; i++) {
      offsets[i] = offset;
      offset += sizeOf(sources[i], shapes[i]) + (shapes[i] == Shape.Far ? extra : 0);
    }
    offsets[count] = offset;
    offsets[count + 1] = offset + (jumpBack ? (shapes[count] == Shape.Far ? JMP_ABSOLUTE_SIZE + extra : JMP_REL32_SIZE) : 0);
    let grew = false;
    for (let i = 0; i < count; i++) {
      if (shapes[i] != Shape.Near) continue;
      const source = sources[i];
      // Branches between displaced instructions stay inside the trampoline: rel32 always reaches.
      if (isInternal(source, blockStart, blockEnd)) continue;
      const target = source.insn.branchTarget;
      const end = trampoline + <u64>(offsets[i] + nearBranchEnd(source));
      if (shapes[i] == Shape.Near && !fitsRel32(end, target) && tracking == Tracking.Strict) {
        result.failure = new Refusal('out-of-range', source.describe() + ' at ' + hex(source.address) + ' targets ' + hex(target) +
          ', beyond 2 GiB of the trampoline at ' + hex(trampoline) + '; the function is built for indirect branch tracking and ' +
          'strict landing pads are asked for, so the absolute jump or call it would become needs endbr64 at ' + hex(target) +
          ', which the engine cannot see (and notrack is ruled out). Place the trampoline within 2 GiB of ' + hex(target) + '.',
          source.address);
        return result;
      }
      if (!fitsRel32(end, target)) {
        shapes[i] = Shape.Far;
        grew = true;
      }
    }
    if (jumpBack && shapes[count] == Shape.Near && !fitsRel32(trampoline + <u64>(offsets[count] + JMP_REL32_SIZE), resume)) {
      if (tracking == Tracking.Strict) {
        result.failure = new Refusal('out-of-range', 'The trampoline at ' + hex(trampoline) + ' is more than 2 GiB from ' +
          hex(resume) + ', where it must jump back into the middle of the function; the function is built for indirect ' +
          'branch tracking, so an absolute jmp [rip+0] there (no endbr64) would raise #CP, and strict landing pads rule out ' +
          'notrack. Place the trampoline within 2 GiB of the function.', blockStart);
        return result;
      }
      shapes[count] = Shape.Far;
      grew = true;
    }
    if (!grew) break;
  }

  // Emit at the final offsets.
  const w = new X64Writer(trampoline);
  if (prefix != 0) w.putEndbr64();
  for (let i = 0; i < count; i++) {
    const source = sources[i];
    const record = new RelocatedInstruction();
    record.address = w.pc;
    const start = w.length;
    const note = emit(w, source, shapes[i], sources, offsets, trampoline, blockStart, blockEnd, notrack);
    if (note.length == 0) {
      const ripTarget = source.insn.ripTarget;
      result.failure = new Refusal('out-of-range',
        source.describe() + ' at ' + hex(source.address) + ' addresses memory at ' + hex(ripTarget) +
        ' relative to the instruction pointer; the trampoline at ' + hex(trampoline) +
        ' is more than 2 GiB away from it, so the instruction cannot be moved there. Place the trampoline within 2 GiB of the function.',
        source.address);
      return result;
    }
    record.relocation = note;
    record.bytes = w.bytesFrom(start);
    result.instructions.push(record);
  }
  if (jumpBack) {
    if (shapes[count] == Shape.Far) {
      w.putJmpAbsolute(resume, notrack);
      result.jumpBack = notrack ? 'notrack jmp [rip+0] abs64' : 'jmp [rip+0] abs64';
    } else {
      w.putJmpRel32(resume);
      result.jumpBack = 'jmp rel32';
    }
  } else {
    result.jumpBack = 'none';
  }
  result.bytes = w.toBytes();
  return result;
}

function isInternal(source: SourceInstruction, blockStart: u64, blockEnd: u64): bool {
  const target = source.insn.branchTarget;
  return target >= blockStart && target < blockEnd;
}

function indexAt(sources: SourceInstruction[], address: u64): i32 {
  for (let i = 0; i < sources.length; i++) if (sources[i].address == address) return i;
  return -1;
}

/** Offset, within the rewritten form, of the end of the rel32 branch whose reach matters. */
function nearBranchEnd(source: SourceInstruction): i32 {
  const kind = source.kind;
  if (kind == InstructionKind.JmpRel) return JMP_REL32_SIZE;
  if (kind == InstructionKind.JccRel) return JCC_REL32_SIZE;
  if (kind == InstructionKind.CallRel) return CALL_REL32_SIZE;
  // loop/jrcxz: the original instruction, a short jump over the long one, then the long jump.
  return source.insn.length + JMP_REL8_SIZE + JMP_REL32_SIZE;
}

function sizeOf(source: SourceInstruction, shape: Shape): i32 {
  if (shape == Shape.Copy) return source.insn.length;
  const kind = source.kind;
  const far = shape == Shape.Far;
  if (kind == InstructionKind.JmpRel) return far ? JMP_ABSOLUTE_SIZE : JMP_REL32_SIZE;
  if (kind == InstructionKind.JccRel) return far ? JCC_ABSOLUTE_SIZE : JCC_REL32_SIZE;
  if (kind == InstructionKind.CallRel) return far ? CALL_ABSOLUTE_SIZE : CALL_REL32_SIZE;
  return source.insn.length + JMP_REL8_SIZE + (far ? JMP_ABSOLUTE_SIZE : JMP_REL32_SIZE);
}

/** Writes one instruction in its shape; returns what was done, or "" when it cannot be moved. */
function emit(
  w: X64Writer, source: SourceInstruction, shape: Shape, sources: SourceInstruction[], offsets: i32[],
  trampoline: u64, blockStart: u64, blockEnd: u64, notrack: bool,
): string {
  const insn = source.insn;
  if (shape == Shape.Copy) {
    const start = w.length;
    w.putBytes(source.ptr, insn.length);
    if (!insn.ripRelative) return 'copied';
    const target = insn.ripTarget;
    const end = w.pc;
    // With 67h the sum wraps to 32 bits ([eip + disp32]), so any displacement reaches any target below 4 GiB.
    if (insn.addressSize == 8 && !fitsRel32(end, target)) return '';
    w.patchU32(start + insn.dispOffset, <u32>distance(end, target));
    return 'copied, rip-relative displacement adjusted';
  }

  const kind = source.kind;
  const internal = isInternal(source, blockStart, blockEnd);
  const target = internal
    ? trampoline + <u64>offsets[indexAt(sources, insn.branchTarget)]
    : insn.branchTarget;
  const where = internal ? ' (its target is displaced too, so it stays inside the trampoline)' : '';
  const far = shape == Shape.Far;
  const short = insn.relSize == 1;
  const nt = notrack ? 'notrack ' : '';
  const ntWhy = notrack ? ' (notrack: the target has no endbr64 to land on under indirect branch tracking)' : '';

  if (kind == InstructionKind.JmpRel) {
    if (far) { w.putJmpAbsolute(target, notrack); return 'jmp replaced by ' + nt + 'jmp [rip+0] abs64: the target is beyond 2 GiB' + where + ntWhy; }
    w.putJmpRel32(target);
    return (short ? 'jmp rel8 widened to rel32' : 'jmp rel32 re-targeted') + where;
  }
  if (kind == InstructionKind.JccRel) {
    if (far) {
      w.putJccAbsolute(insn.condition, target, notrack);
      return 'jcc replaced by the inverted jcc over ' + nt + 'jmp [rip+0] abs64: the target is beyond 2 GiB' + where + ntWhy;
    }
    w.putJccRel32(insn.condition, target);
    return (short ? 'jcc rel8 widened to rel32' : 'jcc rel32 re-targeted') + where;
  }
  if (kind == InstructionKind.CallRel) {
    if (far) {
      w.putCallAbsolute(target, notrack);
      return 'call replaced by ' + nt + 'call [rip+2] over an abs64 literal: the target is beyond 2 GiB' + where + ntWhy;
    }
    w.putCallRel32(target);
    return 'call rel32 re-targeted' + where;
  }
  // loop/loope/loopne/jrcxz keep their own test (and any address-size prefix) but branch two bytes
  // ahead, to a long jump; the not-taken path skips the long jump with a short one.
  const start = w.length;
  w.putBytes(source.ptr, insn.length);
  w.patchU8(start + insn.relOffset, JMP_REL8_SIZE);
  w.putU8(0xeb);
  w.putU8(<u32>(far ? JMP_ABSOLUTE_SIZE + (notrack ? NOTRACK_SIZE : 0) : JMP_REL32_SIZE));
  if (far) w.putJmpAbsolute(target, notrack);
  else w.putJmpRel32(target);
  return 'loop/jrcxz rewritten as a short branch to a ' + (far ? nt + 'jmp [rip+0] abs64' : 'jmp rel32') + ' over a short jump' + where;
}
