// ARM64 redirect planner: decides how to send a function's callers to a replacement, checks that
// it is safe, and answers with the plan (the shared contract of engine/host/plan.ts) as JSON.
//
// Entry forms, in order of preference:
// - `b imm26` when the replacement is within ±128 MiB: one aligned 4-byte store;
// - `b imm26` to `ldr x16, #8; br x16; .quad replacement` written into 16 bytes of padding
//   before the function, when there is such padding: still one 4-byte store at the entry;
// - `ldr x16, #8; br x16; .quad replacement` over the first 16 bytes of the function.
// X16 (IP0) is free at a function's entry: the AAPCS64 lets call veneers clobber it.
import { hex, hexWord } from '../common/hex';
import { JsonWriter } from '../common/json';
import { RedirectMode } from '../common/interface';
import {
  RedirectRequest, Refusal, copyOut, refusalJson, writeDisplaced, writeStep, writeTrampoline,
} from '../common/plan';
import { Arm64Instruction, decode } from './decoder';
import { endsFlow, formName, isImmediateBranch, isLiteralLoad, literalSize } from './forms';
import { Form } from './interface';
import { Relocation, RelocationInput, relocateArm64 } from './relocator';
import { Arm64Writer, FAR_JUMP_SIZE, reaches } from './writer';

const enum EntryForm {
  Branch,
  PaddingStub,
  FarJump,
}

export function planArm64Redirect(request: RedirectRequest, trampolineMaxSize: i32): string {
  const planner = new Planner(request, trampolineMaxSize);
  const refusal = planner.plan();
  if (refusal != null) return refusalJson(refusal);
  return planner.json();
}

class Planner {
  private readonly functionStart: usize;
  private words: Arm64Instruction[] = [];
  private form: EntryForm = EntryForm.Branch;
  private overwritten: i32 = 4;
  private entryBytes: Uint8Array = new Uint8Array(0);
  private stubBytes: Uint8Array = new Uint8Array(0);
  private relocation: Relocation | null = null;
  private guarded: bool = false;
  /** Displaced words that are literal data of a displaced load (not instructions). */
  private data: bool[] = [];

  constructor(private readonly request: RedirectRequest, private readonly trampolineMaxSize: i32) {
    this.functionStart = request.code + usize(request.paddingLength);
  }

  private get label(): string {
    const r = this.request;
    return r.name.length > 0 ? r.name + ' (' + hex(r.address) + ')' : 'the function at ' + hex(r.address);
  }

  /** "0x401004 (name+0x4)" */
  private where(address: u64): string {
    const r = this.request;
    const name = r.name.length > 0 ? r.name : 'function';
    return hex(address) + ' (' + (address == r.address ? name : name + '+0x' + (address - r.address).toString(16)) + ')';
  }

  private get displacedCount(): i32 { return this.overwritten >> 2; }

  plan(): Refusal | null {
    const r = this.request;
    const bad = this.checkRequest();
    if (bad != null) return bad;
    for (let offset = 0; offset < r.functionLength; offset += 4) {
      this.words.push(decode(load<u32>(this.functionStart + usize(offset)), r.address + u64(offset), new Arm64Instruction()));
    }
    const first = this.words[0];
    this.guarded = first.form == Form.BTI || first.form == Form.PACIASP || first.form == Form.PACIBSP;

    if (reaches(r.address, r.replacement, 26)) {
      this.form = EntryForm.Branch;
      this.overwritten = 4;
    } else if (r.paddingLength >= FAR_JUMP_SIZE) {
      this.form = EntryForm.PaddingStub;
      this.overwritten = 4;
    } else if (r.functionLength >= FAR_JUMP_SIZE) {
      this.form = EntryForm.FarJump;
      this.overwritten = FAR_JUMP_SIZE;
    } else {
      return new Refusal('too-short', this.label + ' is ' + r.functionLength.toString() + ' bytes long; the replacement ' +
        hex(r.replacement) + ' is beyond the ±128 MiB reach of a b instruction, and the 16-byte absolute form ' +
        '(ldr x16 + br x16 + address) does not fit in it' + (r.paddingLength > 0
          ? ', nor in its ' + r.paddingLength.toString() + ' bytes of padding.'
          : ', and it has no padding before it.') +
        ' Place the replacement within ±128 MiB, or leave 16 bytes of padding before the function.', r.address);
    }

    this.findDisplacedData();
    for (let i = 0; i < this.displacedCount; i++) {
      const insn = this.words[i];
      if (insn.form == Form.Undefined && !this.data[i]) {
        return new Refusal('undecodable', 'The word 0x' + hexWord(insn.word) + ' at ' + this.where(insn.address) +
          ' is not an A64 instruction (an unallocated encoding), so the first ' + this.overwritten.toString() +
          ' bytes of ' + this.label + ' cannot be moved out of the way of the jump.', insn.address);
      }
    }
    const flow = this.checkDisplacedFlow();
    if (flow != null) return flow;
    const into = this.checkReferencesInto();
    if (into != null) return into;

    if (r.mode == RedirectMode.Hook) {
      const input = new RelocationInput();
      input.instructions = this.words.slice(0, this.displacedCount);
      input.data = this.data;
      input.blockStart = r.address;
      input.blockEnd = r.address + u64(this.overwritten);
      input.functionBytes = copyOut(this.functionStart, r.functionLength);
      input.trampoline = r.trampoline;
      input.guarded = this.guarded;
      input.name = r.name;
      const relocation = relocateArm64(input);
      if (relocation.failure != null) return relocation.failure;
      this.relocation = relocation;
    }
    this.writeJumps();
    return null;
  }

  private checkRequest(): Refusal | null {
    const r = this.request;
    if (r.functionLength <= 0) return new Refusal('bad-request', 'No bytes were given for ' + this.label + '.', r.address);
    if (r.functionLength & 3 || r.paddingLength & 3) {
      return new Refusal('bad-request', 'A64 code is made of 4-byte words, but ' + r.functionLength.toString() +
        ' bytes of function and ' + r.paddingLength.toString() + ' bytes of padding were given for ' + this.label + '.', r.address);
    }
    if (r.address & 3) {
      return new Refusal('bad-request', this.label + ' does not start on a 4-byte boundary, where A64 instructions must start.', r.address);
    }
    if (r.replacement & 3) {
      return new Refusal('bad-request', 'The replacement ' + hex(r.replacement) +
        ' does not start on a 4-byte boundary, where A64 instructions must start.', r.replacement);
    }
    if (u64(r.paddingLength) > r.address) {
      return new Refusal('bad-request', 'The padding before ' + this.label + ' would start below address 0.', r.address);
    }
    const end = r.address + u64(r.functionLength);
    if (r.replacement >= r.address && r.replacement < end) {
      return new Refusal('bad-request', 'The replacement ' + hex(r.replacement) + ' lies inside ' + this.label + ' itself.', r.replacement);
    }
    if (r.mode == RedirectMode.Hook) {
      if (!r.hasTrampoline) {
        return new Refusal('bad-request', 'Hook mode needs a trampoline address: the relocated first instructions of ' +
          this.label + ' are written there.', r.address);
      }
      if (r.trampoline & 3) {
        return new Refusal('bad-request', 'The trampoline address ' + hex(r.trampoline) +
          ' does not start on a 4-byte boundary, where A64 instructions must start.', r.trampoline);
      }
      const start = r.address - u64(r.paddingLength);
      if (r.trampoline < end && r.trampoline + u64(this.trampolineMaxSize) > start) {
        return new Refusal('bad-request', 'The trampoline at ' + hex(r.trampoline) + ' (up to ' +
          this.trampolineMaxSize.toString() + ' bytes) overlaps ' + this.label + ' or its padding.', r.trampoline);
      }
    }
    return null;
  }

  /** Marks displaced words that a displaced literal load reads: a literal pool inside the overwritten bytes. */
  private findDisplacedData(): void {
    const r = this.request;
    for (let i = 0; i < this.displacedCount; i++) this.data.push(false);
    for (let i = 0; i < this.displacedCount; i++) {
      const insn = this.words[i];
      if (!isLiteralLoad(insn.form) || insn.form == Form.PrfmLiteral) continue;
      for (let j = 0; j < this.displacedCount; j++) {
        const word = r.address + u64(j << 2);
        if (j != i && word + 4 > insn.target && word < insn.target + u64(literalSize(insn.form))) this.data[j] = true;
      }
    }
  }

  /**
   * A displaced word after a return or jump is reached some other way; unless a displaced branch
   * goes there (its copy follows it into the trampoline), the jump would destroy it.
   */
  private checkDisplacedFlow(): Refusal | null {
    for (let i = 1; i < this.displacedCount; i++) {
      const previous = this.words[i - 1];
      if (!endsFlow(previous.form)) continue;
      const address = this.words[i].address;
      let reached = this.data[i];
      for (let k = 0; k < this.displacedCount; k++) {
        const insn = this.words[k];
        if (isImmediateBranch(insn.form) && insn.target == address) reached = true;
      }
      if (reached) continue;
      return new Refusal('unmovable-instruction', this.label + (previous.form == Form.B ? ' jumps away' : ' returns') + ' with ' +
        formName(previous.form, previous.cond) + ' at ' + this.where(previous.address) + ', before the end of the ' +
        this.overwritten.toString() + ' bytes the jump overwrites; the word after it, at ' + this.where(address) +
        ', belongs to code reached some other way, which the jump would destroy.', previous.address);
    }
    return null;
  }

  /** No instruction left in place may branch into, point into, or read literals from the overwritten words. */
  private checkReferencesInto(): Refusal | null {
    const r = this.request;
    const end = r.address + u64(this.overwritten);
    const size = this.overwritten.toString();
    for (let i = this.displacedCount; i < this.words.length; i++) {
      const insn = this.words[i];
      const name = formName(insn.form, insn.cond);
      const target = insn.target;
      if (isImmediateBranch(insn.form) && target >= r.address && target < end) {
        // A call to the entry is a recursive call: it should reach the redirect.
        if (insn.form == Form.BL && target == r.address) continue;
        return new Refusal('branch-into-overwritten', name + ' at ' + this.where(insn.address) + ' branches to ' +
          this.where(target) + ', inside the first ' + size + ' bytes that the redirect replaces; it would land ' +
          (target == r.address ? 'on the new jump and leave the function instead of looping.' : 'in the middle of the new jump.'),
          insn.address);
      }
      if (insn.form == Form.ADR && target > r.address && target < end) {
        return new Refusal('branch-into-overwritten', 'adr at ' + this.where(insn.address) + ' takes the address ' +
          this.where(target) + ', inside the first ' + size + ' bytes that the redirect replaces; code reached through it ' +
          'would run the middle of the new jump.', insn.address);
      }
      if (isLiteralLoad(insn.form) && insn.form != Form.PrfmLiteral && target < end &&
        target + u64(literalSize(insn.form)) > r.address) {
        return new Refusal('branch-into-overwritten', name + ' at ' + this.where(insn.address) + ' reads a literal at ' +
          this.where(target) + ', inside the first ' + size + ' bytes that the redirect replaces; it would read the new jump.',
          insn.address);
      }
    }
    return null;
  }

  private writeJumps(): void {
    const r = this.request;
    const entry = new Arm64Writer(r.address);
    if (this.form == EntryForm.Branch) {
      entry.putB(r.replacement);
    } else if (this.form == EntryForm.PaddingStub) {
      const stubAddress = r.address - u64(FAR_JUMP_SIZE);
      const stub = new Arm64Writer(stubAddress);
      stub.putFarJump(r.replacement);
      this.stubBytes = stub.toBytes();
      entry.putB(stubAddress);
    } else {
      entry.putFarJump(r.replacement);
    }
    this.entryBytes = entry.toBytes();
  }

  private get formText(): string {
    if (this.form == EntryForm.Branch) return 'b imm26';
    if (this.form == EntryForm.PaddingStub) return 'b imm26 to ldr x16 + br x16 in the padding';
    return 'ldr x16 + br x16';
  }

  /** The plan as JSON (PlanResult with ok: true). */
  json(): string {
    const r = this.request;
    const j = new JsonWriter();
    j.beginObject().key('ok').bool(true).key('plan').beginObject();
    j.key('arch').string('arm64');
    j.key('mode').string(r.mode == RedirectMode.Hook ? 'hook' : 'replace');
    j.key('target').hex(r.address);
    j.key('replacement').hex(r.replacement);
    j.key('form').string(this.formText);
    j.key('overwritten').beginObject().key('address').hex(r.address).key('length').int(this.overwritten).endObject();

    const relocation = this.relocation;
    j.key('displaced').beginArray();
    for (let i = 0; i < this.displacedCount; i++) {
      writeDisplaced(j, this.words[i].address, 4, relocation != null ? relocation.instructions[i] : null);
    }
    j.endArray();
    if (relocation != null) writeTrampoline(j, r.trampoline, relocation.bytes);

    j.key('steps').beginArray();
    if (relocation != null) {
      const bytes = relocation.bytes;
      let text = 'The trampoline: ' + (relocation.landingPad ? 'a bti c landing pad (the function is built with BTI), then ' : '') +
        'the ' + this.displacedCount.toString() + ' displaced instruction' + (this.displacedCount == 1 ? '' : 's') + ', relocated';
      if (relocation.jumpBack == 'none') text += '; no jump back, since the last of them never continues to the next word.';
      else text += ', then a ' + relocation.jumpBack + ' back to ' + this.where(r.address + u64(this.overwritten)) + ', the first word left in place.';
      text += ' Calling ' + hex(r.trampoline) + ' runs the original ' + this.label + '.';
      writeStep(j, 'trampoline', r.trampoline, new Uint8Array(bytes.length), bytes, false, text);
      this.flushStep(j, r.trampoline, bytes.length, 'the trampoline');
    }
    if (this.form == EntryForm.PaddingStub) {
      const stubAddress = r.address - u64(FAR_JUMP_SIZE);
      writeStep(j, 'padding-jump', stubAddress, copyOut(this.functionStart - FAR_JUMP_SIZE, FAR_JUMP_SIZE), this.stubBytes, false,
        'The replacement is beyond the ±128 MiB reach of a b, so ldr x16, #8; br x16; .quad ' + hex(r.replacement) +
        ' goes into the 16 bytes of padding just before ' + this.label +
        '. Nothing executes the padding, so this changes no behaviour yet.' +
        this.btiNote());
      this.flushStep(j, stubAddress, FAR_JUMP_SIZE, 'the padding');
    }
    const before = copyOut(this.functionStart, this.overwritten);
    if (this.form == EntryForm.FarJump) {
      writeStep(j, 'entry-jump', r.address, before, this.entryBytes, false,
        'The replacement is beyond the ±128 MiB reach of a b, so ldr x16, #8; br x16; .quad ' + hex(r.replacement) +
        ' overwrites the first 16 bytes of ' + this.label + '. Four words take more than one store, so no thread may ' +
        'run them while they are written.' + this.btiNote());
    } else {
      const to = this.form == EntryForm.Branch ? 'the replacement ' + hex(r.replacement) : 'that jump at ' + hex(r.address - u64(FAR_JUMP_SIZE));
      writeStep(j, 'entry-jump', r.address, before, this.entryBytes, true,
        'A b to ' + to + ' replaces the first instruction of ' + this.label +
        '. It is one aligned 4-byte store, so a thread sees either the old instruction or the branch, never a mix.');
    }
    this.flushStep(j, r.address, this.overwritten, 'the entry');
    j.endArray();
    j.endObject().endObject();
    return j.toString();
  }

  private btiNote(): string {
    return this.guarded
      ? ' The function is built with BTI: br x16 reaches the replacement indirectly, so it must start with a landing pad (bti c or paciasp).'
      : '';
  }

  /** The instruction-cache maintenance a real CPU needs before it may run freshly written code. */
  private flushStep(j: JsonWriter, address: u64, length: i32, what: string): void {
    const range = hex(address) + '..' + hex(address + u64(length));
    j.beginObject();
    j.key('kind').string('flush-icache').key('address').hex(address);
    j.key('before').bytes(new Uint8Array(0)).key('after').bytes(new Uint8Array(0));
    j.key('atomic').bool(false);
    j.key('explanation').string('Make the ' + length.toString() + ' bytes just written to ' + what + ' at ' + range +
      ' visible to instruction fetch on every core: clean the data cache to the point of unification (dc cvau per line), ' +
      'wait (dsb ish), invalidate the instruction cache (ic ivau per line), wait (dsb ish), then resynchronise the ' +
      'fetching core (isb). The sandbox itself drops any code it has already decoded or translated from the written ' +
      'addresses, whichever CPU runs the guest.');
    j.key('cacheMaintenance').beginObject().key('length').int(length).key('sequence').beginArray();
    j.string('dc cvau, each line of ' + range).string('dsb ish').string('ic ivau, each line of ' + range).string('dsb ish').string('isb');
    j.endArray().endObject();
    j.endObject();
  }
}
