// x86-64 redirect planner: decides how to send a function's callers to a replacement, checks that
// doing so is safe, and answers with the plan (the shared contract of engine/host/plan.ts) as JSON.
//
// Landing pads: a function built for CET's indirect branch tracking starts with endbr64, the only
// instruction an indirect call or jmp may reach under IBT. It stays first and the entry jump goes
// after it (as frida and Linux's ftrace patch after it), the trampoline starts with endbr64 too, and
// the absolute jumps the trampoline needs beyond 2 GiB carry notrack (or are refused when strict
// landing pads are asked for), since they land in the middle of code, where there is no endbr64.
import { hex, spacedHexAt } from '../common/hex';
import { RedirectMode } from '../common/interface';
import { JsonWriter } from '../common/json';
import {
  NO_BYTES, PlanRecordWriter, RedirectRequest, Refusal, copyOut, refusalJson, refusalRecord, writeDisplaced, writeStep, writeTrampoline,
} from '../common/plan';
import { PlanStepKind } from '../common/plan-record';
import { X64Instruction, decodeX64 } from '../../../isa/x64/decoder';
import { InstructionKind, SourceInstruction } from './facts';
import { Relocation, Tracking, relocateX64 } from './relocator';
import { ENDBR64_SIZE, JMP_ABSOLUTE_SIZE, JMP_REL32_SIZE, JMP_REL8_SIZE, NOTRACK_SIZE, X64Writer, fitsRel32 } from './writer';

/** How the entry is redirected. */
const enum EntryForm {
  /** The jump over the function's first bytes. */
  Direct,
  /** Long jump in the padding, 2-byte short jump at the entry. */
  HotPatch,
}

/**
 * The largest trampoline the relocator can produce: endbr64, then at most 14 overwritten bytes, so
 * displaced instructions starting at offsets 0..13 (28 bytes at most), each growing by at most 17
 * bytes (loop over a 15-byte notrack jump), then a 15-byte jump back.
 */
export const X64_TRAMPOLINE_MAX_SIZE: i32 = ENDBR64_SIZE + 28 + 14 * (16 + NOTRACK_SIZE) + JMP_ABSOLUTE_SIZE + NOTRACK_SIZE;

export function planX64Redirect(request: RedirectRequest): string {
  const planner = new Planner(request);
  const refusal = planner.plan();
  const answer = refusal != null ? refusalJson(refusal) : planner.json();
  planner.release();
  return answer;
}

/** The plan as a binary record (common/plan-record.ts), without its sentences; answers its address. */
export function planX64Record(request: RedirectRequest): usize {
  const planner = new Planner(request);
  const refusal = planner.plan();
  const answer = refusal != null ? refusalRecord(refusal) : planner.record();
  planner.release();
  return answer;
}

class Planner {
  private readonly functionStart: usize;
  private instructions: SourceInstruction[] = [];
  private form: EntryForm = EntryForm.Direct;
  private formName: string = '';
  /** Bytes changed at the entry. */
  private overwritten: i32 = 0;
  private displacedCount: i32 = 0;
  private entryBytes: Uint8Array = NO_BYTES;
  private paddingJump: Uint8Array = NO_BYTES;
  private paddingJumpName: string = '';
  private relocation: Relocation | null = null;
  /** Why the first undecodable bytes did not decode (the decoder's sentence). */
  private undecodableReason: string = '';
  /** The function starts with endbr64, which stays: the jump and the displaced instructions start after it. */
  private padKept: bool = false;
  /** Index of the first displaced instruction (1 after a kept endbr64). */
  private first: i32 = 0;
  /** Where the entry jump goes. */
  private site: u64 = 0;

  constructor(private readonly request: RedirectRequest) {
    this.functionStart = request.code + <usize>request.paddingLength;
  }

  private get label(): string {
    const r = this.request;
    return r.name.length > 0 ? r.name + ' (' + hex(r.address) + ')' : 'the function at ' + hex(r.address);
  }

  /** "0x401004 (name+0x4)" */
  private where(address: u64): string {
    const r = this.request;
    const offset = address - r.address;
    return hex(address) + ' (' + (r.name.length > 0 ? r.name : 'function') + '+0x' + offset.toString(16) + ')';
  }

  plan(): Refusal | null {
    const r = this.request;
    const bad = this.checkRequest();
    if (bad != null) return bad;

    // Every instruction of the function: the displaced ones are moved, and all of them are checked
    // for branches into the bytes the redirect overwrites.
    const undecodable = this.decodeFunction();
    this.padKept = r.keepLandingPads && this.instructions.length > 1 && isEndbr64(this.instructions[0]);
    this.first = this.padKept ? 1 : 0;
    const skip = this.padKept ? ENDBR64_SIZE : 0;
    this.site = r.address + <u64>skip;
    const room = r.functionLength - skip;

    const nearReplacement = fitsRel32(this.site + <u64>JMP_REL32_SIZE, r.replacement);
    const entryJumpSize = nearReplacement ? JMP_REL32_SIZE : JMP_ABSOLUTE_SIZE;
    // The padding jump ends where the function starts.
    const paddingJumpSize = fitsRel32(r.address, r.replacement) ? JMP_REL32_SIZE : JMP_ABSOLUTE_SIZE;
    const paddingFits = r.paddingLength >= paddingJumpSize;
    const firstLength = this.instructions.length > this.first ? this.instructions[this.first].insn.length : 0;

    if (paddingFits && firstLength == 2) {
      this.form = EntryForm.HotPatch;
      this.overwritten = JMP_REL8_SIZE;
    } else if (room >= entryJumpSize) {
      this.form = EntryForm.Direct;
      this.overwritten = entryJumpSize;
    } else if (paddingFits && room >= JMP_REL8_SIZE) {
      this.form = EntryForm.HotPatch;
      this.overwritten = JMP_REL8_SIZE;
    } else {
      return this.tooShort(entryJumpSize, paddingJumpSize, nearReplacement);
    }

    // The displaced instructions: those that overlap the overwritten bytes.
    let covered = 0;
    while (covered < this.overwritten) {
      if (this.first + this.displacedCount >= this.instructions.length) {
        const at = this.site + <u64>covered;
        return new Refusal('undecodable', 'The bytes ' + this.hexAt(at, 8) + ' at ' + this.where(at) +
          ' are not a valid x86-64 instruction' + this.because() + ', so the first instructions of ' + this.label +
          ' cannot be moved out of the way of the jump.', at);
      }
      covered += this.instructions[this.first + this.displacedCount].insn.length;
      this.displacedCount++;
    }
    if (undecodable != 0) {
      return new Refusal('undecodable', 'The bytes ' + this.hexAt(undecodable, 8) + ' at ' + this.where(undecodable) +
        ' are not a valid x86-64 instruction' + this.because() + ', so ' + this.label +
        ' cannot be checked for branches into its first ' + this.overwritten.toString() + ' bytes.', undecodable);
    }

    const flow = this.checkDisplacedFlow();
    if (flow != null) return flow;
    const into = this.checkBranchesInto();
    if (into != null) return into;

    if (r.mode == RedirectMode.Hook) {
      const last = this.instructions[this.first + this.displacedCount - 1];
      const tracking = !this.padKept ? Tracking.None : r.strictLandingPads ? Tracking.Strict : Tracking.NoTrack;
      const relocation = relocateX64(this.instructions.slice(this.first, this.first + this.displacedCount), r.trampoline,
        last.end, tracking);
      if (relocation.failure != null) return relocation.failure;
      this.relocation = relocation;
    }
    this.writeJumps(nearReplacement, paddingJumpSize);
    return null;
  }

  private checkRequest(): Refusal | null {
    const r = this.request;
    if (r.functionLength <= 0) {
      return new Refusal('bad-request', 'No bytes were given for ' + this.label + '.', r.address);
    }
    if (r.paddingLength < 0 || <u64>r.paddingLength > r.address) {
      return new Refusal('bad-request', 'The padding before ' + this.label + ' would start below address 0.', r.address);
    }
    const start = r.address - <u64>r.paddingLength;
    const end = r.address + <u64>r.functionLength;
    if (r.replacement >= r.address && r.replacement < end) {
      return new Refusal('bad-request', 'The replacement ' + hex(r.replacement) + ' lies inside ' + this.label +
        ' itself.', r.replacement);
    }
    if (r.mode == RedirectMode.Hook) {
      if (!r.hasTrampoline) {
        return new Refusal('bad-request', 'Hook mode needs a trampoline address: the relocated first instructions of ' +
          this.label + ' are written there.', r.address);
      }
      const tEnd = r.trampoline + <u64>X64_TRAMPOLINE_MAX_SIZE;
      if (r.trampoline < end && tEnd > start) {
        return new Refusal('bad-request', 'The trampoline at ' + hex(r.trampoline) + ' overlaps ' + this.label +
          ' or its padding.', r.trampoline);
      }
    }
    return null;
  }

  /** Decodes the function front to back; returns the address of the first undecodable byte, or 0. */
  private decodeFunction(): u64 {
    const r = this.request;
    let offset = 0;
    while (offset < r.functionLength) {
      const insn = new X64Instruction();
      const address = r.address + <u64>offset;
      const ptr = this.functionStart + <usize>offset;
      if (!decodeX64(ptr, r.functionLength - offset, address, insn)) {
        this.undecodableReason = insn.reason; // a literal in static memory: outlives the record
        heap.free(changetype<usize>(insn));
        return address;
      }
      this.instructions.push(new SourceInstruction(address, ptr, insn));
      offset += insn.length;
    }
    return 0;
  }

  /** Decoded instructions are unmanaged records: give their memory back once the answer is written. */
  release(): void {
    for (let i = 0; i < this.instructions.length; i++) heap.free(changetype<usize>(this.instructions[i].insn));
    this.instructions = [];
  }

  private tooShort(entryJumpSize: i32, paddingJumpSize: i32, near: bool): Refusal {
    const r = this.request;
    const room = r.functionLength - <i32>(this.site - r.address);
    let message = this.label + ' is ' + r.functionLength.toString() + ' byte' + (r.functionLength == 1 ? '' : 's') +
      ' long' + (this.padKept ? ', ' + room.toString() + ' after the endbr64 it keeps as its landing pad' : '') +
      ', shorter than the ' + entryJumpSize.toString() + '-byte ' +
      (near ? 'jmp rel32' : 'jmp [rip+0] abs64 (the replacement is more than 2 GiB away)') + ' its entry would need';
    if (r.paddingLength == 0) {
      message += ', and it has no padding before it for the hot-patch form.';
    } else if (r.paddingLength < paddingJumpSize) {
      message += ', and its ' + r.paddingLength.toString() + ' bytes of padding are fewer than the ' +
        paddingJumpSize.toString() + ' the hot-patch form needs for its long jump.';
    } else {
      message += ', and even the hot-patch form needs 2 bytes at the entry.';
    }
    return new Refusal('too-short', message, r.address);
  }

  /** A displaced ret or jump must be the last displaced instruction: what follows it is reached some other way. */
  private checkDisplacedFlow(): Refusal | null {
    const r = this.request;
    for (let i = this.first; i < this.first + this.displacedCount - 1; i++) {
      const source = this.instructions[i];
      if (source.fallsThrough) continue;
      const after = <i32>(source.end - this.site);
      const what = source.kind == InstructionKind.Ret ? 'returns' : 'jumps away';
      return new Refusal('unmovable-instruction', this.label + ' ' + what + ' with ' + source.describe() + ' at ' +
        this.where(source.address) + ', before the end of the ' + this.overwritten.toString() +
        ' bytes the jump overwrites; the ' + (this.overwritten - after).toString() +
        ' bytes after it belong to code reached some other way, which the jump would destroy.', source.address);
    }
    return null;
  }

  /** No other instruction of the function may branch into the overwritten bytes (the entry itself is fine). */
  private checkBranchesInto(): Refusal | null {
    const r = this.request;
    const last = this.instructions[this.first + this.displacedCount - 1];
    const displacedEnd = last.end;
    for (let i = this.first + this.displacedCount; i < this.instructions.length; i++) {
      const source = this.instructions[i];
      if (!source.isRelativeBranch) continue;
      const target = source.insn.branchTarget;
      if (target > r.address && target < displacedEnd) {
        return new Refusal('branch-into-overwritten', source.describe() + ' at ' +
          this.where(source.address) + ' branches to ' + this.where(target) + ', inside the first ' +
          (<i32>(displacedEnd - r.address)).toString() + ' bytes that the redirect replaces; it would land in the middle of the new jump.',
          source.address);
      }
    }
    return null;
  }

  private writeJumps(nearReplacement: bool, paddingJumpSize: i32): void {
    const r = this.request;
    if (this.form == EntryForm.Direct) {
      const w = new X64Writer(this.site);
      if (nearReplacement) {
        w.putJmpRel32(r.replacement);
        this.formName = 'jmp rel32';
      } else {
        w.putJmpAbsolute(r.replacement);
        this.formName = 'jmp [rip+0] abs64';
      }
      this.entryBytes = w.toBytes();
      return;
    }
    const padAddress = r.address - <u64>paddingJumpSize;
    const pad = new X64Writer(padAddress);
    if (paddingJumpSize == JMP_REL32_SIZE) {
      pad.putJmpRel32(r.replacement);
      this.paddingJumpName = 'jmp rel32';
    } else {
      pad.putJmpAbsolute(r.replacement);
      this.paddingJumpName = 'jmp [rip+0] abs64';
    }
    this.paddingJump = pad.toBytes();
    const entry = new X64Writer(this.site);
    entry.putJmpRel8(padAddress);
    this.entryBytes = entry.toBytes();
    this.formName = 'hot-patch short jump';
  }

  /** Why the endbr64 stays, for the entry step. */
  private keptText(): string {
    if (!this.padKept) return '';
    return ' The function starts with endbr64, its landing pad: under CET\'s indirect branch tracking a call through a ' +
      'pointer (a function pointer, a PLT stub, a vtable) must land on endbr64 or the CPU raises #CP, so it stays first and ' +
      'the jump goes after it, as frida and Linux\'s ftrace patch.';
  }

  private endbrNote(): string {
    return this.padKept ? ' The jmp [rip+0] reaches the replacement indirectly, so under indirect branch tracking the ' +
      'replacement must start with endbr64.' : '';
  }

  private because(): string {
    return this.undecodableReason.length > 0 ? ' (' + this.undecodableReason + ')' : '';
  }

  private hexAt(address: u64, count: i32): string {
    const r = this.request;
    const offset = <i32>(address - r.address);
    const n = min(count, r.functionLength - offset);
    return spacedHexAt(this.functionStart + <usize>offset, n);
  }

  /** The plan's facts as a binary record: the same fields and steps as json(), without the sentences. */
  record(): usize {
    const r = this.request;
    const w = new PlanRecordWriter(true);
    w.head(r.address, r.replacement, this.site, this.overwritten);
    const relocation = this.relocation;
    if (relocation != null) w.trampoline(r.trampoline, relocation.bytes);
    for (let i = 0; i < this.displacedCount; i++) {
      const source = this.instructions[this.first + i];
      w.displacedInstruction(source.address, source.insn.length, relocation != null ? relocation.instructions[i] : null);
    }
    if (relocation != null) w.step(PlanStepKind.Trampoline, r.trampoline, 0, relocation.bytes, false);
    const entryBefore = this.functionStart + <usize>(this.site - r.address);
    if (this.form == EntryForm.HotPatch) {
      const padAddress = r.address - <u64>this.paddingJump.length;
      w.step(PlanStepKind.PaddingJump, padAddress, this.functionStart - <usize>this.paddingJump.length, this.paddingJump, false);
      w.step(PlanStepKind.EntryJump, this.site, entryBefore, this.entryBytes, (r.address & 63) != 63);
    } else {
      w.step(PlanStepKind.EntryJump, this.site, entryBefore, this.entryBytes, <i32>(this.site & 7) + this.entryBytes.length <= 8);
    }
    return w.finish();
  }

  /** The plan as JSON (PlanResult with ok: true). */
  json(): string {
    const r = this.request;
    const j = new JsonWriter();
    j.beginObject().key('ok').bool(true).key('plan').beginObject();
    j.key('arch').string('x64');
    j.key('mode').string(r.mode == RedirectMode.Hook ? 'hook' : 'replace');
    j.key('target').hex(r.address);
    j.key('replacement').hex(r.replacement);
    j.key('form').string(this.formName);
    j.key('overwritten').beginObject().key('address').hex(this.site).key('length').int(this.overwritten).endObject();

    const relocation = this.relocation;
    j.key('displaced').beginArray();
    for (let i = 0; i < this.displacedCount; i++) {
      const source = this.instructions[this.first + i];
      writeDisplaced(j, source.address, source.insn.length, relocation != null ? relocation.instructions[i] : null);
    }
    j.endArray();
    if (relocation != null) writeTrampoline(j, r.trampoline, relocation.bytes);

    j.key('steps').beginArray();
    if (relocation != null) {
      const resume = this.instructions[this.first + this.displacedCount - 1].end;
      let text = 'The trampoline: ' + (relocation.landingPad ? 'endbr64 (the hook may call the trampoline through a ' +
        'pointer, and the function is built for indirect branch tracking), then ' : '') + 'the ' +
        this.displacedCount.toString() + ' displaced instruction' + (this.displacedCount == 1 ? '' : 's') + ', relocated';
      if (relocation.jumpBack == 'none') {
        text += '; it needs no jump back, since the last of them never continues to the next instruction.';
      } else {
        text += ', then a ' + relocation.jumpBack + ' back to ' + this.where(resume) + ', the first instruction left in place.';
        if (relocation.jumpBack.startsWith('notrack')) {
          text += ' The way back lands in the middle of the function, where there is no endbr64: the notrack prefix keeps ' +
            'indirect branch tracking from expecting one (it needs NO_TRACK_EN, which Linux sets for user programs; with ' +
            'strict landing pads such a plan is refused).';
        }
      }
      text += ' Calling ' + hex(r.trampoline) + ' runs the original ' + this.label + '.';
      writeStep(j, 'trampoline', r.trampoline, new Uint8Array(relocation.bytes.length), relocation.bytes, false, text);
    }
    if (this.form == EntryForm.HotPatch) {
      const padAddress = r.address - <u64>this.paddingJump.length;
      const before = copyOut(this.functionStart - <usize>this.paddingJump.length, this.paddingJump.length);
      writeStep(j, 'padding-jump', padAddress, before, this.paddingJump, false,
        'A ' + this.paddingJumpName + ' to the replacement ' + hex(r.replacement) + ' goes into the padding just before ' +
        this.label + ', which nothing executes, so writing it changes no behaviour yet.');
      const atomic = (r.address & 63) != 63;
      writeStep(j, 'entry-jump', this.site, copyOut(this.functionStart + <usize>(this.site - r.address), JMP_REL8_SIZE), this.entryBytes, atomic,
        'A 2-byte jmp rel8 ' + (this.padKept ? 'after the endbr64' : 'at the entry') + ' sends callers back to that long jump. Only these 2 bytes of the function change' +
        (atomic
          ? ', in a single 2-byte store (it does not cross a cache line), so a thread sees either the old first instruction or the short jump, never half of each.'
          : '; they cross a cache line here, so the 2-byte store is not atomic and no thread may run the entry while it is written.') +
        this.keptText());
    } else {
      const size = this.entryBytes.length;
      const atomic = <i32>(this.site & 7) + size <= 8;
      writeStep(j, 'entry-jump', this.site, copyOut(this.functionStart + <usize>(this.site - r.address), size), this.entryBytes, atomic,
        (nearReplacement(this.formName)
          ? 'A ' + this.formName + ' to the replacement ' + hex(r.replacement)
          : 'The replacement ' + hex(r.replacement) + ' is more than 2 GiB away, so a ' + this.formName +
            ', which reads its target from the 8 bytes after it,') +
        ' overwrites ' + (this.padKept ? 'the ' + size.toString() + ' bytes after the endbr64' : 'the first ' + size.toString() + ' bytes') +
        ' of ' + this.label +
        (atomic
          ? '; they lie in one aligned 8-byte word, so one 8-byte store writes them atomically.'
          : '; they span more than one aligned 8-byte word, so no thread may run them while they are written.') +
        this.keptText() + (nearReplacement(this.formName) ? '' : this.endbrNote()));
    }
    j.endArray();
    j.endObject().endObject();
    return j.toString();
  }
}

function nearReplacement(formName: string): bool {
  return formName == 'jmp rel32';
}

/** endbr64: F3 0F 1E FA. */
function isEndbr64(source: SourceInstruction): bool {
  const p = source.ptr;
  return source.insn.length == 4 && load<u8>(p) == 0xf3 && load<u8>(p, 1) == 0x0f && load<u8>(p, 2) == 0x1e && load<u8>(p, 3) == 0xfa;
}
