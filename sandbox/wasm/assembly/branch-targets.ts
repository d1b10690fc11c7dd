// Landing-pad enforcement, off unless the host asks for it (setBranchTargetMode): x86-64's indirect
// branch tracking (CET IBT) and AArch64's branch target identification (BTI). Unicorn 2.0.1 models
// neither, so this mode runs outside the lockstep; its rules follow the architecture manuals:
//
// - x86-64 (Intel SDM vol. 1, "Control-flow Enforcement Technology"): an indirect near `call` or
//   `jmp` (FF /2, FF /4) moves the user-mode tracker to WAIT_FOR_ENDBRANCH, unless it carries the
//   `notrack` prefix (3E) and NO_TRACK_EN is set. The next instruction must then be ENDBR64
//   (F3 0F 1E FA), or the CPU raises #CP (vector 21, error code ENDBRANCH) before running it.
//   `ret`, direct branches and `jcc` leave the tracker idle.
// - AArch64 (Arm ARM, "Branch Target Identification"): every executable page counts as guarded (as
//   Linux maps an executable marked for BTI). `br x16`/`br x17` set PSTATE.BTYPE to 01, `br` through
//   any other register to 11, `blr` to 10; `ret` and every other instruction to 00. With BTYPE not
//   00, the target must be a compatible landing pad: `bti c` accepts 01 and 10, `bti j` 01 and 11,
//   `bti jc` all three, `paciasp`/`pacibsp` 01 and 10 (SCTLR_EL1.BT0 set, as Linux sets it), `brk`
//   and `hlt` any; anything else takes a Branch Target exception before it runs.
//
// The interpreters call noteIndirectBranch and leave the block after a tracked branch; the run loop
// checks the target before it runs anything there (checkBranchTarget), on every path (chained,
// hooked, single-stepped), since every path goes back through it.
import { ARCH_X64, RUN_BRANCH_TARGET, RUN_OK } from './interface';
import { PAGE_MASK, PAGE_SIZE } from './layout';
import { probeFetchPage } from './memory';

/** Whether landing pads are enforced at all. */
export let enforceBranchTargets: bool = false;
/** x86-64: NO_TRACK_EN, so `notrack` branches leave the tracker idle. */
export let noTrackHonoured: bool = true;

/** Set by a tracked indirect branch, checked and cleared at its target. x86-64: 1; AArch64: BTYPE. */
export let pendingKind: u32 = 0;
/** Address of that branch instruction. */
export let pendingBranch: u64 = 0;

/** The last fault: the branch, its kind, its target, and the instruction bytes found there. */
export let faultBranch: u64 = 0;
export let faultKind: u32 = 0;
export let faultTarget: u64 = 0;
export let faultWord: u32 = 0;

export function setBranchTargetMode(enforce: bool, noTrack: bool): void {
  enforceBranchTargets = enforce;
  noTrackHonoured = noTrack;
  pendingKind = 0;
}

/** A tracked indirect branch at `address` just ran (kind 0: nothing to check). */
@inline export function noteIndirectBranch(address: u64, kind: u32): void {
  pendingKind = kind;
  pendingBranch = address;
}

/** A run starts at an address the host chose: no branch is pending. */
export function clearPendingBranch(): void {
  pendingKind = 0;
}

const ENDBR64: u32 = 0xfa1e0ff3; // F3 0F 1E FA, little-endian

/**
 * Checks the instruction at `pc` against the pending branch: RUN_OK (and nothing pending any more),
 * or RUN_BRANCH_TARGET with the fault's details set. A target that cannot be fetched is left to the
 * fetch itself, which faults as it would without the check.
 */
export function checkBranchTarget(arch: i32, pc: u64): i32 {
  const kind = pendingKind;
  pendingKind = 0;
  const offset = <u32>pc & PAGE_MASK;
  const page = probeFetchPage(pc);
  if (page == 0) return RUN_OK;
  let word: u32;
  if (arch == ARCH_X64) {
    if (offset <= PAGE_SIZE - 4) {
      word = load<u32>(page + <usize>offset);
    } else {
      // The four bytes cross into the next page; an unfetchable next page is no ENDBR64.
      const next = probeFetchPage(pc + <u64>(PAGE_SIZE - offset));
      word = 0;
      for (let i: u32 = 0; i < 4; i++) {
        const byte = offset + i < PAGE_SIZE ? load<u8>(page + <usize>(offset + i)) : next != 0 ? load<u8>(next + <usize>(offset + i - PAGE_SIZE)) : 0;
        word |= <u32>byte << (i << 3);
      }
    }
    if (word == ENDBR64) return RUN_OK;
  } else {
    word = load<u32>(page + <usize>offset);
    if (arm64Accepts(word, kind)) return RUN_OK;
  }
  faultBranch = pendingBranch;
  faultKind = kind;
  faultTarget = pc;
  faultWord = word;
  return RUN_BRANCH_TARGET;
}

/** Whether the A64 instruction `word` is a landing pad for BTYPE `btype` (1, 2 or 3). */
export function arm64Accepts(word: u32, btype: u32): bool {
  if ((word & 0xffff_ff3f) == 0xd503_241f) { // BTI {c|j|jc}: bits 7:6 = 01 c, 10 j, 11 jc
    const targets = (word >> 6) & 3;
    if (targets == 3) return true;
    if (targets == 1) return btype == 1 || btype == 2;
    if (targets == 2) return btype == 1 || btype == 3;
    return false; // BTI with no operand accepts nothing
  }
  if (word == 0xd503_233f || word == 0xd503_237f) return btype == 1 || btype == 2; // PACIASP, PACIBSP
  if ((word & 0xffe0_001f) == 0xd420_0000 || (word & 0xffe0_001f) == 0xd440_0000) return true; // BRK, HLT
  return false;
}
