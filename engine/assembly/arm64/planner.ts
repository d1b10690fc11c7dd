// ARM64 redirect planner: decides how to send a function's callers to a replacement, checks that
// it is safe, and answers with the plan (the shared contract of engine/host/plan.ts) as JSON.
//
// Entry forms, in order of preference:
// - `b imm26` when the replacement is within ±128 MiB: one aligned 4-byte store;
// - `b imm26` to `ldr x16, #8; br x16; .quad replacement` written into 16 bytes of padding
//   before the function, when there is such padding: still one 4-byte store at the entry;
// - `ldr x16, #8; br x16; .quad replacement` over the first 16 bytes of the function.
// X16 (IP0) is free at a function's entry: the AAPCS64 lets call veneers clobber it.
//
// Landing pads: a function built with BTI starts with `bti c` (or `bti jc`), or with `paciasp` /
// `pacibsp`, which act as one. The pad stays first and the entry jump goes into the next word, as
// Linux's ftrace patches after `bti c`, so calls through a pointer still land. After `paciasp` the
// link register is already signed when the jump is taken, so the way to the replacement starts with
// `autiasp` (a stub of two words reached by the single `b`), and the trampoline starts with the
// copied `paciasp`: every path signs once and authenticates once.
import { hex, hexWord } from '../common/hex';
import { JsonWriter } from '../common/json';
import { RedirectMode } from '../common/interface';
import {
  NO_BYTES, PlanRecordWriter, RedirectRequest, Refusal, copyOut, refusalJson, refusalRecord, writeDisplaced, writeStep, writeTrampoline,
} from '../common/plan';
import { PlanStepKind } from '../common/plan-record';
import { Arm64Instruction, decode } from './decoder';
import { endsFlow, formName, isImmediateBranch, isLiteralLoad, literalSize } from './forms';
import { Form } from './interface';
import { Relocation, RelocationInput, TRAMPOLINE_STUB_OFFSET, relocateArm64 } from './relocator';
import { AUTIASP_WORD, AUTIBSP_WORD, Arm64Writer, BTI_C_WORD, BTI_JC_WORD, FAR_JUMP_SIZE, reaches } from './writer';

const enum EntryForm {
  /** One `b` at the entry (to the replacement, or to the stub that authenticates the link register). */
  Branch,
  /** One `b` at the entry to the jump written into the padding before the function. */
  PaddingStub,
  /** `autiasp; b replacement` written over the two words after `paciasp`. */
  InPlace,
  /** `[autiasp;] ldr x16, #8; br x16; .quad replacement` over the words at the entry. */
  FarJump,
}

/** Bytes of the way to the replacement: [autiasp;] then b, or ldr x16 + br x16 + address. */
function stubSize(unsign: bool, direct: bool): i32 {
  return (unsign ? 4 : 0) + (direct ? 4 : FAR_JUMP_SIZE);
}

/** bti (any), paciasp and pacibsp: an indirect branch may land there on a CPU that enforces BTI. */
function isLandingPad(insn: Arm64Instruction): bool {
  return insn.form == Form.BTI || insn.form == Form.PACIASP || insn.form == Form.PACIBSP;
}

export function planArm64Redirect(request: RedirectRequest, trampolineMaxSize: i32): string {
  const planner = new Planner(request, trampolineMaxSize);
  const refusal = planner.plan();
  if (refusal != null) return refusalJson(refusal);
  return planner.json();
}

/** The plan as a binary record (common/plan-record.ts), without its sentences; answers its address. */
export function planArm64Record(request: RedirectRequest, trampolineMaxSize: i32): usize {
  const planner = new Planner(request, trampolineMaxSize);
  const refusal = planner.plan();
  if (refusal != null) return refusalRecord(refusal);
  return planner.record();
}

class Planner {
  private readonly functionStart: usize;
  private words: Arm64Instruction[] = [];
  private form: EntryForm = EntryForm.Branch;
  private overwritten: i32 = 4;
  private entryBytes: Uint8Array = NO_BYTES;
  private stubBytes: Uint8Array = NO_BYTES;
  private relocation: Relocation | null = null;
  private guarded: bool = false;
  /** The landing pad stays at the entry: the jump and the displaced words start one word later. */
  private padKept: bool = false;
  /** The pad signs the link register (paciasp/pacibsp): the way to the replacement authenticates it first. */
  private unsign: bool = false;
  /** Where the entry jump goes: the function's address, or the word after its landing pad. */
  private site: u64 = 0;
  /** Index of the first displaced word. */
  private firstDisplaced: i32 = 0;
  /** The stub that authenticates the link register, then jumps to the replacement (0 bytes: none). */
  private stubAddress: u64 = 0;
  private stubWhere: string = '';
  private stubDirect: bool = false;
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
  /** One past the last displaced word. */
  private get displacedEnd(): i32 { return this.firstDisplaced + this.displacedCount; }

  /** Where a stub goes when it shares the trampoline's memory: after the longest relocated code. */
  private stubInTrampoline(): u64 { return this.request.trampoline + u64(TRAMPOLINE_STUB_OFFSET); }

  /**
   * Chooses the stub at `address` (reached by the entry's b) if the entry reaches it; it jumps on with
   * a b when that reaches the replacement, else (when `allowFar`) with ldr x16 + br x16.
   */
  private stubFits(address: u64, where: string, allowFar: bool): bool {
    const r = this.request;
    if (!reaches(this.site, address, 26)) return false;
    const direct = reaches(address + (this.unsign ? 4 : 0), r.replacement, 26);
    if (!direct && !allowFar) return false;
    this.stubAddress = address;
    this.stubWhere = where;
    this.stubDirect = direct;
    return true;
  }

  /** The stub's words, or the in-place forms: [autiasp;] then b or the absolute jump, written at `at`. */
  private putWayToReplacement(w: Arm64Writer, direct: bool): void {
    if (this.unsign) w.putWord(this.words[0].form == Form.PACIBSP ? AUTIBSP_WORD : AUTIASP_WORD);
    if (direct) w.putB(this.request.replacement);
    else w.putFarJump(this.request.replacement);
  }

  /** "the first 16 bytes" or "the 4 bytes after the landing pad", for messages. */
  private get replacedText(): string {
    return this.padKept ? 'the ' + this.overwritten.toString() + ' bytes after the landing pad'
      : 'the first ' + this.overwritten.toString() + ' bytes';
  }

  plan(): Refusal | null {
    const r = this.request;
    const bad = this.checkRequest();
    if (bad != null) return bad;
    for (let offset = 0; offset < r.functionLength; offset += 4) {
      this.words.push(decode(load<u32>(this.functionStart + usize(offset)), r.address + u64(offset), new Arm64Instruction()));
    }
    const first = this.words[0];
    this.guarded = isLandingPad(first);
    this.padKept = this.guarded && r.keepLandingPads && r.functionLength >= 8;
    this.unsign = this.padKept && (first.form == Form.PACIASP || first.form == Form.PACIBSP);
    this.firstDisplaced = this.padKept ? 1 : 0;
    this.site = r.address + u64(this.firstDisplaced << 2);
    const room = r.functionLength - (this.firstDisplaced << 2);
    const direct = stubSize(this.unsign, true);
    const far = stubSize(this.unsign, false);

    if (!this.unsign && reaches(this.site, r.replacement, 26)) {
      this.form = EntryForm.Branch;
      this.overwritten = 4;
    } else if (this.unsign && r.mode == RedirectMode.Hook && this.stubFits(this.stubInTrampoline(), 'after the trampoline', true)) {
      this.form = EntryForm.Branch;
      this.overwritten = 4;
    } else if (this.unsign && r.paddingLength >= direct && this.stubFits(r.address - u64(direct), 'in the padding', false)) {
      this.form = EntryForm.PaddingStub;
      this.overwritten = 4;
    } else if (r.paddingLength >= far && this.stubFits(r.address - u64(far), 'in the padding', true)) {
      this.form = EntryForm.PaddingStub;
      this.overwritten = 4;
    } else if (this.unsign && room >= direct && reaches(this.site + 4, r.replacement, 26)) {
      this.form = EntryForm.InPlace;
      this.overwritten = direct;
    } else if (room >= far) {
      this.form = EntryForm.FarJump;
      this.overwritten = far;
    } else {
      return new Refusal('too-short', this.label + ' is ' + r.functionLength.toString() + ' bytes long; the replacement ' +
        hex(r.replacement) + ' is beyond the ±128 MiB reach of a b instruction, and the ' + far.toString() +
        '-byte absolute form (' + (this.unsign ? 'autiasp + ' : '') + 'ldr x16 + br x16 + address) does not fit in it' +
        (this.padKept ? ' after its landing pad' : '') + (r.paddingLength > 0
          ? ', nor in its ' + r.paddingLength.toString() + ' bytes of padding.'
          : ', and it has no padding before it.') +
        ' Place the replacement within ±128 MiB, or leave ' + far.toString() + ' bytes of padding before the function.', r.address);
    }

    this.findDisplacedData();
    for (let i = this.firstDisplaced; i < this.displacedEnd; i++) {
      const insn = this.words[i];
      if (insn.form == Form.Undefined && !this.data[i - this.firstDisplaced]) {
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
      input.instructions = this.words.slice(this.firstDisplaced, this.displacedEnd);
      input.data = this.data;
      input.blockStart = this.site;
      input.blockEnd = this.site + u64(this.overwritten);
      input.functionStart = r.address;
      input.functionBytes = copyOut(this.functionStart, r.functionLength);
      input.trampoline = r.trampoline;
      input.guarded = this.guarded;
      input.strict = r.strictLandingPads;
      input.name = r.name;
      if (this.padKept) input.padWord = first.form == Form.BTI && first.cond == 34 ? first.word : first.form == Form.BTI ? BTI_JC_WORD : first.word;
      else if (this.guarded) input.padWord = BTI_C_WORD; // the pad is displaced: the trampoline needs one of its own
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
      const insn = this.words[this.firstDisplaced + i];
      if (!isLiteralLoad(insn.form) || insn.form == Form.PrfmLiteral) continue;
      for (let j = 0; j < this.displacedCount; j++) {
        const word = this.site + u64(j << 2);
        if (j != i && word + 4 > insn.target && word < insn.target + u64(literalSize(insn.form))) this.data[j] = true;
      }
    }
  }

  /**
   * A displaced word after a return or jump is reached some other way; unless a displaced branch
   * goes there (its copy follows it into the trampoline), the jump would destroy it.
   */
  private checkDisplacedFlow(): Refusal | null {
    for (let i = this.firstDisplaced + 1; i < this.displacedEnd; i++) {
      const previous = this.words[i - 1];
      if (!endsFlow(previous.form)) continue;
      const address = this.words[i].address;
      let reached = this.data[i - this.firstDisplaced];
      for (let k = this.firstDisplaced; k < this.displacedEnd; k++) {
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
    const end = this.site + u64(this.overwritten);
    const size = this.replacedText;
    for (let i = this.displacedEnd; i < this.words.length; i++) {
      const insn = this.words[i];
      const name = formName(insn.form, insn.cond);
      const target = insn.target;
      if (isImmediateBranch(insn.form) && target >= r.address && target < end) {
        // A call to the entry is a recursive call: it should reach the redirect.
        if (insn.form == Form.BL && target == r.address) continue;
        return new Refusal('branch-into-overwritten', name + ' at ' + this.where(insn.address) + ' branches to ' +
          this.where(target) + ', inside ' + size + ' that the redirect replaces; it would land ' +
          (target == r.address ? 'on the new jump and leave the function instead of looping.' : 'in the middle of the new jump.'),
          insn.address);
      }
      if (insn.form == Form.ADR && target > r.address && target < end) {
        return new Refusal('branch-into-overwritten', 'adr at ' + this.where(insn.address) + ' takes the address ' +
          this.where(target) + ', inside ' + size + ' that the redirect replaces; code reached through it ' +
          'would run the middle of the new jump.', insn.address);
      }
      if (isLiteralLoad(insn.form) && insn.form != Form.PrfmLiteral && target < end &&
        target + u64(literalSize(insn.form)) > r.address) {
        return new Refusal('branch-into-overwritten', name + ' at ' + this.where(insn.address) + ' reads a literal at ' +
          this.where(target) + ', inside ' + size + ' that the redirect replaces; it would read the new jump.',
          insn.address);
      }
    }
    return null;
  }

  private writeJumps(): void {
    const r = this.request;
    const entry = new Arm64Writer(this.site);
    if (this.form == EntryForm.InPlace || this.form == EntryForm.FarJump) {
      this.putWayToReplacement(entry, this.form == EntryForm.InPlace);
    } else if (this.stubAddress != 0) {
      const stub = new Arm64Writer(this.stubAddress);
      this.putWayToReplacement(stub, this.stubDirect);
      this.stubBytes = stub.toBytes();
      entry.putB(this.stubAddress);
    } else {
      entry.putB(r.replacement);
    }
    this.entryBytes = entry.toBytes();
  }

  private get formText(): string {
    const auth = this.unsign ? 'autiasp + ' : '';
    if (this.form == EntryForm.InPlace) return 'autiasp + b imm26';
    if (this.form == EntryForm.FarJump) return auth + 'ldr x16 + br x16';
    if (this.stubAddress == 0) return 'b imm26';
    return 'b imm26 to ' + auth + (this.stubDirect ? 'b imm26' : 'ldr x16 + br x16') + ' ' + this.stubWhere;
  }

  /** The stub shares the trampoline's memory: the bytes written there, UDF between the two. */
  private get stubInTrampolineArea(): bool {
    return this.stubAddress != 0 && this.stubAddress == this.stubInTrampoline();
  }

  /** The trampoline's bytes: the relocated instructions, then the stub when it shares their memory. */
  private trampolineBytes(relocation: Relocation): Uint8Array {
    if (!this.stubInTrampolineArea) return relocation.bytes;
    const w = new Arm64Writer(this.request.trampoline);
    w.putBytes(relocation.bytes);
    while (w.size < TRAMPOLINE_STUB_OFFSET) w.putWord(0); // UDF: never executed
    w.putBytes(this.stubBytes);
    return w.toBytes();
  }

  /** The plan's facts as a binary record: the same fields and steps as json(), without the sentences. */
  record(): usize {
    const r = this.request;
    const w = new PlanRecordWriter(true);
    w.head(r.address, r.replacement, this.site, this.overwritten);
    const relocation = this.relocation;
    let trampolineBytes = new Uint8Array(0);
    if (relocation != null) {
      trampolineBytes = this.trampolineBytes(relocation);
      w.trampoline(r.trampoline, trampolineBytes);
    }
    for (let i = 0; i < this.displacedCount; i++) {
      w.displacedInstruction(this.words[this.firstDisplaced + i].address, 4, relocation != null ? relocation.instructions[i] : null);
    }
    if (relocation != null) {
      w.step(PlanStepKind.Trampoline, r.trampoline, 0, trampolineBytes, false);
      w.flush(r.trampoline, trampolineBytes.length);
    }
    if (this.form == EntryForm.PaddingStub) {
      const length = this.stubBytes.length;
      w.step(PlanStepKind.PaddingJump, this.stubAddress, this.functionStart - usize(r.address - this.stubAddress), this.stubBytes, false);
      w.flush(this.stubAddress, length);
    }
    const before = this.functionStart + usize(this.firstDisplaced << 2);
    w.step(PlanStepKind.EntryJump, this.site, before, this.entryBytes, !(this.form == EntryForm.FarJump || this.form == EntryForm.InPlace));
    w.flush(this.site, this.overwritten);
    return w.finish();
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
    j.key('overwritten').beginObject().key('address').hex(this.site).key('length').int(this.overwritten).endObject();

    const relocation = this.relocation;
    const trampolineBytes = relocation != null ? this.trampolineBytes(relocation) : new Uint8Array(0);
    j.key('displaced').beginArray();
    for (let i = 0; i < this.displacedCount; i++) {
      writeDisplaced(j, this.words[this.firstDisplaced + i].address, 4, relocation != null ? relocation.instructions[i] : null);
    }
    j.endArray();
    if (relocation != null) writeTrampoline(j, r.trampoline, trampolineBytes);

    j.key('steps').beginArray();
    if (relocation != null) {
      let text = 'The trampoline: ';
      if (relocation.padWord == BTI_C_WORD || relocation.padWord == BTI_JC_WORD) {
        text += (this.padKept && relocation.padWord == this.words[0].word ? 'a copy of the function\'s ' : 'a ') + (relocation.padWord == BTI_C_WORD ? 'bti c' : 'bti jc') +
          ' landing pad (the hook may call the trampoline through a register, and the function is built with BTI), then ';
      } else if (relocation.padWord != 0) {
        text += 'the function\'s ' + padName(relocation.padWord) + ', copied: it signs the return address as the original ' +
          'entry does, so the body\'s authentication before its ret stays balanced, and it is a landing pad for calls through a register; then ';
      }
      text += 'the ' + this.displacedCount.toString() + ' displaced instruction' + (this.displacedCount == 1 ? '' : 's') + ', relocated';
      if (relocation.jumpBack == 'none') text += '; no jump back, since the last of them never continues to the next word.';
      else text += ', then a ' + relocation.jumpBack + ' back to ' + this.where(this.site + u64(this.overwritten)) + ', the first word left in place.';
      if (relocation.jumpBack.indexOf('ret') >= 0) {
        text += ' A ret sets BTYPE 00, so landing there needs no pad under BTI, where a br would fault in the middle of the function' +
          ' (it is refused when strict landing pads are asked for, as with a guarded control stack, which checks every ret).';
      }
      text += ' Calling ' + hex(r.trampoline) + ' runs the original ' + this.label + '.';
      if (this.stubInTrampolineArea) text += this.stubText();
      writeStep(j, 'trampoline', r.trampoline, new Uint8Array(trampolineBytes.length), trampolineBytes, false, text);
      this.flushStep(j, r.trampoline, trampolineBytes.length, 'the trampoline');
    }
    if (this.form == EntryForm.PaddingStub) {
      const length = this.stubBytes.length;
      const padOffset = usize(r.address - this.stubAddress);
      writeStep(j, 'padding-jump', this.stubAddress, copyOut(this.functionStart - padOffset, length), this.stubBytes, false,
        (this.stubDirect ? 'autiasp; b ' + hex(r.replacement) : 'The replacement is beyond the ±128 MiB reach of a b, so ' +
          (this.unsign ? 'autiasp; ' : '') + 'ldr x16, #8; br x16; .quad ' + hex(r.replacement)) +
        ' goes into the ' + length.toString() + ' bytes of padding just before ' + this.label +
        '. Nothing executes the padding, so this changes no behaviour yet.' + (this.unsign ? this.unsignNote() : '') +
        (this.stubDirect ? '' : this.btiNote()));
      this.flushStep(j, this.stubAddress, length, 'the padding');
    }
    const before = copyOut(this.functionStart + usize(this.firstDisplaced << 2), this.overwritten);
    const keep = this.padKept ? this.keptText() : '';
    if (this.form == EntryForm.FarJump || this.form == EntryForm.InPlace) {
      writeStep(j, 'entry-jump', this.site, before, this.entryBytes, false,
        (this.form == EntryForm.InPlace ? 'autiasp; b ' + hex(r.replacement)
          : 'The replacement is beyond the ±128 MiB reach of a b, so ' + (this.unsign ? 'autiasp; ' : '') + 'ldr x16, #8; br x16; .quad ' + hex(r.replacement)) +
        ' overwrites ' + this.replacedText + ' of ' + this.label + '. ' + WORD_COUNTS[this.overwritten >> 2] + ' words take more than one store, so no thread may ' +
        'run them while they are written.' + keep + (this.unsign ? this.unsignNote() : '') + (this.form == EntryForm.FarJump ? this.btiNote() : ''));
    } else {
      const to = this.stubAddress == 0 ? 'the replacement ' + hex(r.replacement)
        : this.unsign ? 'the stub at ' + hex(this.stubAddress) + ' ' + this.stubWhere : 'that jump at ' + hex(this.stubAddress);
      writeStep(j, 'entry-jump', this.site, before, this.entryBytes, true,
        'A b to ' + to + ' replaces the ' + (this.padKept ? 'word after the landing pad' : 'first instruction') + ' of ' + this.label +
        '. It is one aligned 4-byte store, so a thread sees either the old instruction or the branch, never a mix.' + keep);
    }
    this.flushStep(j, this.site, this.overwritten, 'the entry');
    j.endArray();
    j.endObject().endObject();
    return j.toString();
  }

  /** Why the pad stays, for the entry step. */
  private keptText(): string {
    const pad = padName(this.words[0].word);
    return ' The function starts with ' + pad + ', its landing pad: a CPU that enforces BTI lets calls through a register ' +
      '(function pointers, PLT stubs, vtables) land only on such a pad, so ' + pad + ' stays first and the jump goes after it, ' +
      'as Linux\'s ftrace patches after bti c.';
  }

  private unsignNote(): string {
    return ' The function\'s paciasp has already signed the return address when the jump is taken; autiasp authenticates it ' +
      'again first, so the replacement starts as if called directly (it may sign it itself) and the return address is never signed twice.';
  }

  /** The stub's sentence when it shares the trampoline's memory. */
  private stubText(): string {
    return ' After it, at ' + hex(this.stubAddress) + ', the stub the entry jumps to: ' +
      (this.stubDirect ? 'autiasp; b ' + hex(this.request.replacement) : 'autiasp; ldr x16, #8; br x16; .quad ' + hex(this.request.replacement)) +
      '.' + this.unsignNote() + (this.stubDirect ? '' : this.btiNote());
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

function padName(word: u32): string {
  if (word == 0xd503233f) return 'paciasp';
  if (word == 0xd503237f) return 'pacibsp';
  const targets = (word >> 6) & 3;
  return targets == 1 ? 'bti c' : targets == 2 ? 'bti j' : targets == 3 ? 'bti jc' : 'bti';
}

const WORD_COUNTS: string[] = ['No', 'One', 'Two', 'Three', 'Four', 'Five'];
