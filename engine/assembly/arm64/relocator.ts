// A64 relocator: moves the instructions displaced by the entry jump into a trampoline and keeps
// their meaning there. PC-relative forms are re-encoded when their target is still in reach from
// the new address, and expanded otherwise (short-reach branches over a longer jump, ADR through
// ADRP + ADD, absolute addresses from a literal pool after the code, loaded through the
// destination register or X16/X17). Branches to other displaced words go to their copies.
// The trampoline ends with a jump back to the first word left in place, then the literal pool.
import { bits } from '../../../isa/arm64/fields';
import { hex, hexWord } from '../common/hex';
import { RelocatedInstruction, Refusal } from '../common/plan';
import { Arm64Instruction, isLoadExclusive } from './decoder';
import { endsFlow, formName, isConditionalBranch, isImmediateBranch, isLiteralLoad, literalSize } from './forms';
import { Form, Group } from './interface';
import {
  Arm64Writer, IP0, IP1, LOAD_D, LOAD_Q, LOAD_S, LOAD_SW, LOAD_W, LOAD_X, PREFETCH,
  reaches, reachesAdr, reachesPage,
} from './writer';

/** At most five displaced words (the 20-byte entry form: autiasp and the 16-byte absolute jump). */
export const MAX_DISPLACED_WORDS: i32 = 5;
/**
 * The largest relocated code: a landing pad, then per displaced word at most 20 bytes of code and
 * literals (an inverted branch over LDR + BR with its 8-byte address, LDR + ADR + RET for a far call,
 * or a load of a copied 16-byte literal), the far jump back and its address, and 4 bytes of
 * alignment before the literals; then rounded up to 8.
 */
export const TRAMPOLINE_STUB_OFFSET: i32 = (4 + MAX_DISPLACED_WORDS * 20 + 8 + 8 + 4 + 7) & ~7;
/**
 * The largest trampoline: the relocated code, then (after `paciasp`) the stub the entry jumps to,
 * `autiasp` and an absolute jump to the replacement (20 bytes).
 */
export const ARM64_TRAMPOLINE_MAX_SIZE: i32 = TRAMPOLINE_STUB_OFFSET + 20;

/** How far a displaced instruction had to change. */
const enum Level {
  /** Copied, or the same form re-encoded. */
  Same = 0,
  /** A longer-reach form without literals (B.cond over B, ADRP + ADD). */
  Near = 1,
  /** An absolute address from the literal pool. */
  Far = 2,
}

export class Relocation {
  bytes: Uint8Array = new Uint8Array(0);
  instructions: RelocatedInstruction[] = [];
  /**
   * "b", "ldr x16 + br x16" (or x17), "ldr x16 + ret x16" (under BTI), or "none" when the last
   * displaced instruction never falls through.
   */
  jumpBack: string = 'none';
  /** The landing pad put first (0: none), so calls through a register may enter the trampoline. */
  padWord: u32 = 0;
  failure: Refusal | null = null;
}

/** What the relocator is given. */
export class RelocationInput {
  /** The displaced instructions, decoded at their original addresses. */
  instructions: Arm64Instruction[] = [];
  /** Per displaced word: it is data a displaced literal load reads (copied as is, never executed). */
  data: bool[] = [];
  /** The bytes the redirect overwrites start here and end at `blockEnd`. */
  blockStart: u64 = 0;
  blockEnd: u64 = 0;
  /** The whole function, which starts here, for literals that lie in the overwritten words. */
  functionStart: u64 = 0;
  functionBytes: Uint8Array = new Uint8Array(0);
  trampoline: u64 = 0;
  /** Indirect branches must land on BTI landing pads (the function was built with BTI). */
  guarded: bool = false;
  /** No `ret xN` may stand in for a jump (a guarded control stack checks every ret). */
  strict: bool = false;
  /** The landing pad the trampoline starts with (0: none), unless its first instruction is one. */
  padWord: u32 = 0;
  /** The function's name, for messages ("" when unknown). */
  name: string = '';

  /** Names a location for messages, e.g. "0x400004 (add3+0x4)". */
  describe(address: u64): string {
    const name = this.name.length > 0 ? this.name : 'function';
    return hex(address) + ' (' + (address == this.functionStart ? name : name + '+0x' + (address - this.functionStart).toString(16)) + ')';
  }
}

class Plan {
  level: Level = Level.Same;
  offset: i32 = 0;
  /** Index into the literal pool, or -1. */
  literal: i32 = -1;
  /** Target is another displaced word: its index. */
  inside: i32 = -1;
  /** Far forms: the register the absolute address goes through. */
  scratch: u32 = IP0;
}

export function relocateArm64(input: RelocationInput): Relocation {
  return new Relocator(input).run();
}

class Relocator {
  private readonly count: i32;
  private readonly plans: Plan[] = [];
  private prefix: i32 = 0;
  private jumpBackFar: bool = false;
  private jumpBackScratch: u32 = IP0;
  private needsJumpBack: bool = true;
  private codeEnd: i32 = 0;
  private poolStart: i32 = 0;
  /** Byte sizes of the pool's entries, in order (8, or 16 for a copied Q literal). */
  private poolSizes: i32[] = [];

  constructor(private readonly input: RelocationInput) {
    this.count = input.instructions.length;
    for (let i = 0; i < this.count; i++) this.plans.push(new Plan());
    // Data words are copied like ordinary instructions; give them a form that asks for nothing more.
    for (let i = 0; i < this.count; i++) {
      if (!this.isData(i)) continue;
      const copy = new Arm64Instruction();
      copy.word = input.instructions[i].word;
      copy.address = input.instructions[i].address;
      copy.form = Form.Other;
      input.instructions[i] = copy;
    }
  }

  private isData(i: i32): bool {
    return i < this.input.data.length && this.input.data[i];
  }

  /** Whether displaced word `j` may set `reg` (data words set nothing). */
  private writes(j: i32, reg: u32): bool {
    return !this.isData(j) && mayWrite(this.input.instructions[j], reg);
  }

  run(): Relocation {
    const input = this.input;
    const result = new Relocation();
    const first = input.instructions[0];
    // Hook code calls the trampoline, possibly through a register: under BTI the first
    // instruction must accept calls. The function's own BTI C / PACIxSP does, when it is first;
    // a kept PACIxSP is copied first in any case, to sign as the original entry does.
    if (input.padWord != 0 && !acceptsCalls(first)) {
      this.prefix = 4;
      result.padWord = input.padWord;
    }
    let last = this.count - 1;
    while (last > 0 && this.isData(last)) last--;
    this.needsJumpBack = !endsFlow(input.instructions[last].form);
    for (let i = 0; i < this.count; i++) this.plans[i].inside = this.insideIndex(input.instructions[i]);

    // Sizes depend on reach, and reach on positions: grow forms until every one fits.
    let changed = true;
    while (changed) {
      this.layout();
      changed = false;
      for (let i = 0; i < this.count; i++) {
        const plan = this.plans[i];
        if (plan.level != Level.Far && !this.fits(i)) {
          plan.level = nextLevel(input.instructions[i].form, plan.level);
          changed = true;
        }
      }
      if (this.needsJumpBack && !this.jumpBackFar && !reaches(this.jumpBackAddress(), input.blockEnd, 26)) {
        this.jumpBackFar = true;
        changed = true;
      }
    }

    const failure = this.check();
    if (failure != null) { result.failure = failure; return result; }
    this.emit(result);
    return result;
  }

  private insideIndex(insn: Arm64Instruction): i32 {
    if (!isImmediateBranch(insn.form)) return -1;
    const input = this.input;
    if (insn.target < input.blockStart || insn.target >= input.blockEnd) return -1;
    return i32((insn.target - input.blockStart) >> 2);
  }

  private literalInBlock(insn: Arm64Instruction): bool {
    if (!isLiteralLoad(insn.form) || insn.form == Form.PrfmLiteral) return false;
    const input = this.input;
    return insn.target < input.blockEnd && insn.target + u64(literalSize(insn.form)) > input.blockStart;
  }

  private address(offset: i32): u64 { return this.input.trampoline + u64(offset); }
  private jumpBackAddress(): u64 { return this.address(this.codeEnd); }

  /** Code size, pool use and offsets for the current levels. */
  private layout(): void {
    const input = this.input;
    let offset = this.prefix;
    this.poolSizes = [];
    for (let i = 0; i < this.count; i++) {
      const insn = input.instructions[i];
      const plan = this.plans[i];
      plan.offset = offset;
      plan.literal = -1;
      offset += codeSize(insn, plan, this.literalInBlock(insn)) + (plan.level == Level.Far && plan.inside < 0 &&
        insn.form == Form.BL && this.retForms ? 4 : 0);
      if (this.literalInBlock(insn)) {
        plan.literal = this.poolSizes.length;
        this.poolSizes.push(literalSize(insn.form) > 8 ? 16 : 8);
      } else if (plan.level == Level.Far && !(insn.form == Form.ADR && insn.reg == 31) && !(insn.form == Form.ADRP && insn.reg == 31)) {
        plan.literal = this.poolSizes.length;
        this.poolSizes.push(8);
      }
    }
    this.codeEnd = offset;
    if (this.needsJumpBack) offset += this.jumpBackFar ? 8 : 4;
    if (this.needsJumpBack && this.jumpBackFar) this.poolSizes.push(8);
    this.poolStart = (offset + 7) & ~7;
  }

  private poolAddress(index: i32): u64 {
    let offset = this.poolStart;
    for (let i = 0; i < index; i++) offset += this.poolSizes[i];
    return this.address(offset);
  }

  /** Whether instruction `i` at its current level reaches what it must from its current place. */
  private fits(i: i32): bool {
    const insn = this.input.instructions[i];
    const plan = this.plans[i];
    const pc = this.address(plan.offset);
    if (plan.inside >= 0 || this.literalInBlock(insn)) return true;
    if ((insn.form == Form.ADR || insn.form == Form.ADRP) && insn.reg == 31) return true; // becomes a nop
    const target = insn.target;
    switch (insn.form) {
      case Form.B: case Form.BL: return reaches(pc, target, 26);
      case Form.BCond: case Form.BCCond: case Form.CBZ: case Form.CBNZ: case Form.TBZ: case Form.TBNZ:
        if (plan.level == Level.Same) return reaches(pc, target, insn.form == Form.TBZ || insn.form == Form.TBNZ ? 14 : 19);
        return reaches(isAlways(insn) ? pc : pc + 4, target, 26);
      case Form.ADR:
        return plan.level == Level.Same ? reachesAdr(pc, target) : reachesPage(pc, target);
      case Form.ADRP: return reachesPage(pc, target);
      default:
        if (isLiteralLoad(insn.form)) return reaches(pc, target, 19);
        return true;
    }
  }

  /** Indirect jumps the trampoline writes use `ret xN` (BTYPE 00): the function is built with BTI, and rets are allowed. */
  private get retForms(): bool {
    return this.input.guarded && !this.input.strict;
  }

  /**
   * Register-use and landing-pad rules that can rule a relocation out. The way back comes first: it
   * depends on nothing but the trampoline's place.
   */
  private check(): Refusal | null {
    const input = this.input;
    if (this.needsJumpBack && this.jumpBackFar) {
      if (input.guarded && input.strict) {
        return new Refusal('out-of-range', 'The trampoline at ' + hex(input.trampoline) + ' is beyond the ±128 MiB ' +
          'reach of a direct branch back to ' + input.describe(input.blockEnd) + '; the function is built with BTI, ' +
          'so an indirect jump into its middle (no landing pad there) would fault, and strict landing pads rule out a ret ' +
          'standing in for it. Place the trampoline within ±128 MiB.', input.functionStart);
      }
    }
    for (let i = 0; i < this.count; i++) {
      const insn = input.instructions[i];
      const plan = this.plans[i];
      if (plan.level != Level.Far || plan.inside >= 0) continue;
      const scratch = scratchOf(insn);
      const name = formName(insn.form, insn.cond);
      if (input.guarded && input.strict && isImmediateBranch(insn.form)) {
        return new Refusal('out-of-range', name + ' at ' + input.describe(insn.address) + ' targets ' +
          hex(insn.target) + ', beyond the reach of a direct branch from the trampoline at ' + hex(input.trampoline) +
          '; the function is built with BTI and strict landing pads are asked for, so the absolute ' +
          (insn.form == Form.BL ? 'blr' : 'br') + ' it would become needs a landing pad at ' + hex(insn.target) +
          ', which the engine cannot see. Place the trampoline within ±128 MiB of ' + hex(insn.target) + '.', insn.address);
      }
      if (scratch != 0) {
        // A call's callee may clobber both anyway (AAPCS64), so only other forms must avoid live values.
        const chosen = insn.form == Form.BL ? scratch : this.freeScratch(i, scratch);
        if (chosen == 0) {
          return new Refusal('unmovable-instruction', name + ' at ' + input.describe(insn.address) +
            ' must become an absolute sequence through x16 or x17 in the trampoline at ' + hex(input.trampoline) +
            ', but the instructions before it may have set both for later use. Place the trampoline within reach of ' +
            hex(insn.target) + '.', insn.address);
        }
        plan.scratch = chosen;
      }
      for (let j = 0; j < i; j++) {
        if (!this.isData(j) && isExclusiveLoad(input.instructions[j])) return this.exclusiveFailure(j, name + ' at ' + input.describe(insn.address));
      }
    }
    if (this.needsJumpBack && this.jumpBackFar) {
      this.jumpBackScratch = this.freeScratch(this.count, IP0);
      if (this.jumpBackScratch == 0) {
        return new Refusal('unmovable-instruction', 'The trampoline at ' + hex(input.trampoline) +
          ' is beyond the ±128 MiB reach of a direct branch back to ' + input.describe(input.blockEnd) +
          ', and the displaced instructions may have set both x16 and x17 for later use, so an absolute jump back ' +
          'would clobber one of them. Place the trampoline within ±128 MiB.', input.functionStart);
      }
      for (let j = 0; j < this.count; j++) {
        if (!this.isData(j) && isExclusiveLoad(input.instructions[j])) return this.exclusiveFailure(j, 'the jump back');
      }
    }
    return null;
  }

  /** `preferred` (X16 or X17) unless an instruction before `before` may have set it; then the other one; 0 if both. */
  private freeScratch(before: i32, preferred: u32): u32 {
    const other = preferred == IP0 ? IP1 : IP0;
    let preferredFree = true;
    let otherFree = true;
    for (let j = 0; j < before; j++) {
      if (this.writes(j, preferred)) preferredFree = false;
      if (this.writes(j, other)) otherFree = false;
    }
    return preferredFree ? preferred : otherFree ? other : 0;
  }

  private exclusiveFailure(j: i32, what: string): Refusal {
    const insn = this.input.instructions[j];
    return new Refusal('unmovable-instruction', 'The load-exclusive at ' + this.input.describe(insn.address) +
      ' is followed in the trampoline by a literal load for ' + what + ', which may clear the exclusive monitor and ' +
      'make the matching store-exclusive fail forever. Place the trampoline nearer, so that no literal load is needed.', insn.address);
  }

  private emit(result: Relocation): void {
    const input = this.input;
    const w = new Arm64Writer(input.trampoline);
    if (this.prefix) w.putWord(input.padWord);
    for (let i = 0; i < this.count; i++) {
      const insn = input.instructions[i];
      const plan = this.plans[i];
      const start = w.size;
      assert(w.pc == this.address(plan.offset), 'trampoline layout drifted');
      const relocated = new RelocatedInstruction();
      relocated.address = w.pc;
      if (this.isData(i)) {
        w.putWord(insn.word);
        relocated.relocation = 'data read by a displaced literal load: copied as is (never executed)';
      } else {
        relocated.relocation = this.emitOne(w, insn, plan);
      }
      relocated.bytes = w.toBytes().slice(start);
      result.instructions.push(relocated);
    }
    if (this.needsJumpBack) {
      if (this.jumpBackFar) {
        const via = this.jumpBackScratch;
        w.putLdrLiteralX(via, this.poolAddress(this.poolSizes.length - 1));
        this.putJump(w, via);
        result.jumpBack = 'ldr x' + via.toString() + (this.retForms ? ' + ret x' : ' + br x') + via.toString();
      } else {
        w.putB(input.blockEnd);
        result.jumpBack = 'b';
      }
    }
    if (this.poolSizes.length > 0) {
      w.alignWith(8);
      for (let i = 0; i < this.count; i++) {
        const insn = input.instructions[i];
        const plan = this.plans[i];
        if (plan.literal < 0) continue;
        assert(w.pc == this.poolAddress(plan.literal), 'literal pool drifted');
        if (this.literalInBlock(insn)) this.putCopiedLiteral(w, insn, this.poolSizes[plan.literal]);
        else w.putQuad(farValue(insn));
      }
      if (this.needsJumpBack && this.jumpBackFar) w.putQuad(input.blockEnd);
    }
    assert(w.size <= ARM64_TRAMPOLINE_MAX_SIZE, 'trampoline larger than its bound');
    result.bytes = w.toBytes();
  }

  /** Writes one instruction's replacement and says what was done. */
  private emitOne(w: Arm64Writer, insn: Arm64Instruction, plan: Plan): string {
    const input = this.input;
    const name = formName(insn.form, insn.cond);
    if (plan.inside >= 0) {
      const copy = this.address(this.plans[plan.inside].offset);
      putRetargeted(w, insn, copy);
      return name + ' to ' + hex(insn.target) + ', a displaced instruction: retargeted to its copy at ' + hex(copy);
    }
    if (this.literalInBlock(insn)) {
      ensure(w.putWithImm19(insn.word, this.poolAddress(plan.literal)));
      return name + ' reads ' + hex(insn.target) + ', inside the overwritten words: the literal is copied into the trampoline';
    }
    const target = insn.target;
    switch (insn.form) {
      case Form.B: case Form.BL: {
        if (plan.level == Level.Same) {
          ensure(w.putWithImm26(insn.word, target));
          return name + ' re-encoded to reach ' + hex(target) + ' from the trampoline';
        }
        const via = plan.scratch;
        w.putLdrLiteralX(via, this.poolAddress(plan.literal));
        if (this.retForms) {
          // Under BTI a blr or br needs a landing pad at the target, which the engine cannot see; a ret needs none.
          if (insn.form == Form.BL) ensure(w.putAdr(30, w.pc + 8));
          w.putRet(via);
          return name + ' to ' + hex(target) + ' is beyond ±128 MiB of the trampoline: ldr x' + via.toString() + ' with the ' +
            'address in the literal pool, then ' + (insn.form == Form.BL ? 'adr x30 (the return address) + ' : '') + 'ret x' +
            via.toString() + ', which sets BTYPE 00, so the target needs no landing pad under BTI';
        }
        if (insn.form == Form.BL) w.putBlr(via); else w.putBr(via);
        return name + ' to ' + hex(target) + ' is beyond ±128 MiB of the trampoline: ldr x' + via.toString() + ' + ' +
          (insn.form == Form.BL ? 'blr' : 'br') + ' x' + via.toString() + ' with the address in the literal pool';
      }
      case Form.BCond: case Form.BCCond: case Form.CBZ: case Form.CBNZ: case Form.TBZ: case Form.TBNZ:
        return this.emitConditional(w, insn, plan, name);
      case Form.ADR:
      case Form.ADRP: {
        const value = farValue(insn);
        if (insn.reg == 31) {
          w.putNop();
          return name + ' to xzr has no effect: a nop';
        }
        if (plan.level == Level.Same) {
          if (insn.form == Form.ADR) ensure(w.putAdr(insn.reg, value)); else ensure(w.putAdrp(insn.reg, value));
          return name + ' re-encoded to compute ' + hex(value) + ' from the trampoline';
        }
        if (plan.level == Level.Near) {
          ensure(w.putAdrp(insn.reg, value));
          w.putAddImmediate(insn.reg, insn.reg, u32(value & 0xfff));
          return 'adr to ' + hex(value) + ' is beyond ±1 MiB of the trampoline: adrp + add';
        }
        ensure(w.putLdrLiteralX(insn.reg, this.poolAddress(plan.literal)));
        return name + ' to ' + hex(value) + ' is beyond ' + reachText(insn.form) +
          ' of the trampoline: the address is loaded from the literal pool';
      }
      default:
        if (!isLiteralLoad(insn.form)) {
          w.putWord(insn.word);
          return insn.form == Form.BTI || insn.form == Form.PACIASP || insn.form == Form.PACIBSP
            ? name + ' copied (it stays the landing pad at the trampoline\'s start)' : 'copied';
        }
        if (plan.level == Level.Same) {
          ensure(w.putWithImm19(insn.word, target));
          return name + ' literal re-encoded to read ' + hex(target) + ' from the trampoline';
        }
        const through = insn.form == Form.LdrLiteralW || insn.form == Form.LdrLiteralX || insn.form == Form.LdrswLiteral
          ? (insn.reg == 31 ? plan.scratch : u32(insn.reg)) : plan.scratch;
        ensure(w.putLdrLiteralX(through, this.poolAddress(plan.literal)));
        w.putLoadFromRegister(loadOpcode(insn.form), insn.reg, through);
        return name + ' literal at ' + hex(target) + ' is beyond ±1 MiB of the trampoline: its address is loaded into x' +
          through.toString() + ' from the literal pool, then read through it';
    }
  }

  private emitConditional(w: Arm64Writer, insn: Arm64Instruction, plan: Plan, name: string): string {
    const target = insn.target;
    if (plan.level == Level.Same) {
      if (insn.form == Form.TBZ || insn.form == Form.TBNZ) ensure(w.putWithImm14(insn.word, target));
      else ensure(w.putWithImm19(insn.word, target));
      return name + ' re-encoded to reach ' + hex(target) + ' from the trampoline';
    }
    const far = plan.level == Level.Far;
    const via = plan.scratch;
    const jump = far ? 'ldr x' + via.toString() + (this.retForms ? ' + ret x' : ' + br x') + via.toString() : 'b';
    if (isAlways(insn)) {
      if (far) {
        w.putLdrLiteralX(via, this.poolAddress(plan.literal));
        this.putJump(w, via);
      } else {
        ensure(w.putB(target));
      }
      return name + ' always branches; its target ' + hex(target) + ' is out of its reach from the trampoline: ' + jump;
    }
    const inverted = invert(insn);
    const skip = w.pc + (far ? 12 : 8);
    if (insn.form == Form.TBZ || insn.form == Form.TBNZ) ensure(w.putWithImm14(inverted, skip));
    else ensure(w.putWithImm19(inverted, skip));
    if (far) {
      w.putLdrLiteralX(via, this.poolAddress(plan.literal));
      this.putJump(w, via);
    } else {
      ensure(w.putB(target));
    }
    return name + ' to ' + hex(target) + ' is out of its reach from the trampoline: the inverted condition ' +
      'branches over ' + (far ? 'an absolute jump (' + jump + ')' : 'a b');
  }

  /** An absolute jump through `via`: ret under BTI (BTYPE 00, no landing pad needed at the target), else br. */
  private putJump(w: Arm64Writer, via: u32): void {
    if (this.retForms) w.putRet(via); else w.putBr(via);
  }

  private putCopiedLiteral(w: Arm64Writer, insn: Arm64Instruction, slot: i32): void {
    const input = this.input;
    const size = literalSize(insn.form);
    const functionStart = input.functionStart;
    const data = new Uint8Array(slot);
    for (let k = 0; k < size; k++) {
      const offset = i64(insn.target - functionStart) + i64(k);
      if (offset >= 0 && offset < i64(input.functionBytes.length)) data[k] = input.functionBytes[i32(offset)];
    }
    w.putBytes(data);
  }
}

function ensure(ok: bool): void {
  assert(ok, 'relocated form out of reach after layout');
}


function reachText(form: Form): string {
  switch (form) {
    case Form.B: case Form.BL: return '±128 MiB';
    case Form.TBZ: case Form.TBNZ: return '±32 KiB';
    case Form.ADRP: return '±4 GiB';
    default: return '±1 MiB';
  }
}

/** B.AL and B.NV branch whatever the flags. */
function isAlways(insn: Arm64Instruction): bool {
  return (insn.form == Form.BCond || insn.form == Form.BCCond) && insn.cond >= 14;
}

function nextLevel(form: Form, level: Level): Level {
  if (level == Level.Same && (isConditionalBranch(form) || form == Form.ADR)) return Level.Near;
  return Level.Far;
}

function codeSize(insn: Arm64Instruction, plan: Plan, copiedLiteral: bool): i32 {
  if (plan.inside >= 0 || copiedLiteral || plan.level == Level.Same) return 4;
  switch (insn.form) {
    case Form.B: case Form.BL: return 8;
    case Form.ADR: return insn.reg == 31 ? 4 : plan.level == Level.Near ? 8 : 4;
    case Form.ADRP: return 4;
    default:
      if (isConditionalBranch(insn.form)) {
        if (isAlways(insn)) return plan.level == Level.Near ? 4 : 8;
        return plan.level == Level.Near ? 8 : 12;
      }
      return 8; // literal loads: address, then the load through a register
  }
}

/** The absolute value a far form needs: branch target, ADR address, ADRP page, literal address. */
function farValue(insn: Arm64Instruction): u64 {
  return insn.target;
}

/** `insn`'s branch re-encoded to `target` (a displaced word's copy, always near). */
function putRetargeted(w: Arm64Writer, insn: Arm64Instruction, target: u64): void {
  switch (insn.form) {
    case Form.B: case Form.BL: ensure(w.putWithImm26(insn.word, target)); break;
    case Form.TBZ: case Form.TBNZ: ensure(w.putWithImm14(insn.word, target)); break;
    default: ensure(w.putWithImm19(insn.word, target));
  }
}

/** The conditional branch with the opposite condition. */
function invert(insn: Arm64Instruction): u32 {
  if (insn.form == Form.BCond || insn.form == Form.BCCond) return insn.word ^ 1;
  return insn.word ^ (1 << 24); // CBZ <-> CBNZ, TBZ <-> TBNZ
}

function loadOpcode(form: Form): u32 {
  switch (form) {
    case Form.LdrLiteralW: return LOAD_W;
    case Form.LdrLiteralX: return LOAD_X;
    case Form.LdrswLiteral: return LOAD_SW;
    case Form.LdrLiteralS: return LOAD_S;
    case Form.LdrLiteralD: return LOAD_D;
    case Form.LdrLiteralQ: return LOAD_Q;
    default: return PREFETCH;
  }
}

/** The scratch register a far form of `insn` uses (0: none of its own). */
function scratchOf(insn: Arm64Instruction): u32 {
  if (isImmediateBranch(insn.form)) return IP0;
  if (isLiteralLoad(insn.form)) {
    const gpr = insn.form == Form.LdrLiteralW || insn.form == Form.LdrLiteralX || insn.form == Form.LdrswLiteral;
    return gpr && insn.reg != 31 ? 0 : IP1;
  }
  return 0;
}

/** Whether the instruction's result depends on the monitor an exclusive load set. */
function isExclusiveLoad(insn: Arm64Instruction): bool {
  return insn.form == Form.Other && isLoadExclusive(insn.word);
}

/**
 * Whether `insn` may write `reg` (X16 or X17). Conservative: loads and stores count every register
 * field (destinations, pair and status registers, written-back bases); every other instruction
 * writes at most its Rd/Rt field (bits 4:0).
 */
export function mayWrite(insn: Arm64Instruction, reg: u32): bool {
  const word = insn.word;
  switch (insn.form) {
    case Form.ADR: case Form.ADRP: case Form.LdrLiteralW: case Form.LdrLiteralX: case Form.LdrswLiteral:
      return u32(insn.reg) == reg;
    case Form.PACIA1716: case Form.PACIB1716: case Form.AUTIA1716: case Form.AUTIB1716:
      return reg == IP1;
    case Form.Other: case Form.Undefined:
      if (insn.group == Group.LoadStore) {
        return bits(word, 0, 5) == reg || bits(word, 5, 5) == reg || bits(word, 10, 5) == reg || bits(word, 16, 5) == reg;
      }
      return bits(word, 0, 5) == reg;
    default:
      return false; // branches, hints, literal loads into vector registers, PRFM
  }
}

/** A name for messages: the mnemonic when the decoder knows it, else the word itself. */
export function describeInstruction(insn: Arm64Instruction): string {
  if (insn.form == Form.Other || insn.form == Form.Undefined) {
    return 'the instruction 0x' + hexWord(insn.word);
  }
  return formName(insn.form, insn.cond);
}

function acceptsCalls(insn: Arm64Instruction): bool {
  // BTI C (hint 34), BTI JC (38), PACIASP and PACIBSP accept BLR and BR X16/X17.
  return (insn.form == Form.BTI && (insn.cond == 34 || insn.cond == 38)) || insn.form == Form.PACIASP || insn.form == Form.PACIBSP;
}
