// A thread's call stack, tracked as calls execute.
//
// Every function entry of the loaded modules has a code hook (the process counts calls there); at
// each, the frame is recorded with the stack pointer the function was entered with. Returns are
// not hooked: a frame has ended once the thread's stack pointer is above the one it was entered
// with (x86-64: ret pops the return address the call pushed), or, where a return leaves the stack
// pointer where it was (ARM64, whose bl pushes nothing), once the program counter is back in the
// caller. So the stack stays right when
//   - a function tail-calls another (a jump to an entry at the same stack pointer): the new
//     function replaces the frame, as the callee of the frame's caller;
//   - a thread jumps back to an outer frame (longjmp, an exception unwinding): its stack pointer is
//     above the inner frames, which are gone;
//   - code is patched: the entry hook runs before the entry's first instruction, old or jump, so a
//     redirected function is on the stack under its own name while it runs its new body.
// A function entered other than at its entry (a jump into its middle) is not seen, nor a function
// in a patch's own code; the frame of the function that jumped there stays until it returns.
import type { Arch } from '../core/arch.ts';

export interface CallFrame {
  /** "module!function". */
  fn: string;
  /** The function's address range. */
  start: number;
  end: number;
  /** The stack pointer at its entry. */
  sp: number;
  /** ARM64: the link register at its entry (the caller's return address). */
  lr?: number;
}

/** Frames kept at most; deeper recursion forgets the outermost ones (`truncated`). */
export const MAX_FRAMES = 65_536;

export class CallStack {
  private frames: CallFrame[] = [];
  /** The outermost frames were dropped (MAX_FRAMES). */
  truncated = false;

  constructor(private readonly arch: Arch) {}

  /** A function entry is about to run with this stack pointer (and link register, on ARM64). */
  enter(fn: string, start: number, end: number, sp: number, lr?: number): void {
    const frames = this.frames;
    // Frames entered below this stack pointer have returned.
    while (frames.length > 0 && frames[frames.length - 1]!.sp < sp) frames.pop();
    const top = frames[frames.length - 1];
    if (top && top.sp === sp) {
      // The same entry run again (a run stopped before it and resumed): nothing new.
      if (top.start === start && top.lr === lr) return;
      // x86-64: a call pushes, so an equal stack pointer is a jump: a tail call replaces the frame.
      // ARM64: a bl from the top frame's function leaves the return address in lr; otherwise the
      // top frame either returned already or tail-called this one: replaced either way.
      const calledFromTop = this.arch === 'arm64' && lr !== undefined && lr >= top.start && lr < top.end;
      if (!calledFromTop) frames.pop();
    }
    frames.push(lr === undefined ? { fn, start, end, sp } : { fn, start, end, sp, lr });
    if (frames.length > MAX_FRAMES) {
      frames.shift();
      this.truncated = true;
    }
  }

  /** The frames in progress, outermost first, for a thread at `pc` with stack pointer `sp`. */
  current(pc: number, sp: number): readonly CallFrame[] {
    const frames = this.frames;
    while (frames.length > 0 && frames[frames.length - 1]!.sp < sp) frames.pop();
    // Back at the entry stack pointer with the program counter in the caller: the call returned.
    while (frames.length > 1) {
      const top = frames[frames.length - 1]!;
      const below = frames[frames.length - 2]!;
      if (top.sp !== sp || (pc >= top.start && pc < top.end) || !(pc >= below.start && pc < below.end)) break;
      frames.pop();
    }
    return frames;
  }

  /** Every frame recorded, without looking at where the thread is. */
  get recorded(): readonly CallFrame[] {
    return this.frames;
  }
}
