// Safe points: a transaction writes only when no guest thread is somewhere the writes would break.
//
// Every guest thread is stopped while a transaction runs (the host runs guests in slices and
// patches between them). A thread is in the way when
//   - its program counter is inside bytes about to be overwritten, other than exactly at the
//     function entry (a thread there has not started the instruction; it will run the new jump), or
//   - its program counter, link register or any word of its stack points into code that is about
//     to be removed (an old patch's code or trampolines): it would return into unmapped memory.
// The stack scan is conservative: a data word that happens to look like such an address also
// makes the transaction wait, never the reverse.
import { ARCH } from '../../core/arch.ts';
import { hex } from '../../core/hex.ts';
import type { Sandbox, SandboxContext } from '../../sandbox/sandbox.ts';

export interface GuestThread {
  name: string;
  pc: number;
  sp: number;
  /** Link register (ARM64): the return address of a function that has not saved it yet. */
  lr?: number;
}

export interface Hazard {
  kind: 'overwrite' | 'removed';
  start: number;
  end: number;
  /** Said to a person: what these bytes are. */
  label: string;
  /** Addresses in the range where a thread may safely stand (function entries). */
  safe?: readonly number[];
}

/**
 * Bytes of a function about to be overwritten, where a thread may stand only at the function's
 * entry. Its label is made when it is said: a patch of a thousand functions checks a thousand of
 * these and usually says none.
 */
export class OverwriteHazard implements Hazard {
  readonly kind = 'overwrite';

  constructor(readonly start: number, readonly end: number, private readonly entry: number, private readonly module: string,
    private readonly fn: string) {}

  get safe(): readonly number[] {
    return [this.entry];
  }

  get label(): string {
    return `bytes ${hex(this.start)}..${hex(this.end)} of ${this.module}!${this.fn}`;
  }
}

export interface UnsafeThread {
  thread: string;
  pc: number;
  /** What is in the way: the thread's program counter, its link register or a stack word. */
  holder: 'pc' | 'lr' | 'stack';
  /** Where the stack word is, when holder is 'stack'. */
  stackAddress?: number;
  address: number;
  hazard: Hazard;
}

/** The thread running on the CPU right now. */
export function currentThread(sandbox: Sandbox, name = 'main'): GuestThread {
  const { pc, sp, link } = ARCH[sandbox.arch].registers;
  const thread: GuestThread = { name, pc: Number(sandbox.readRegister(pc)), sp: Number(sandbox.readRegister(sp)) };
  if (link) thread.lr = Number(sandbox.readRegister(link));
  return thread;
}

/**
 * Threads kept as saved contexts: each is restored to read its registers, then the CPU gets back
 * the state it had.
 */
export function contextThreads(sandbox: Sandbox, threads: readonly { name: string; context: SandboxContext }[]): GuestThread[] {
  if (threads.length === 0) return [];
  const running = sandbox.saveContext();
  try {
    return threads.map(({ name, context }) => {
      sandbox.restoreContext(context);
      return currentThread(sandbox, name);
    });
  } finally {
    sandbox.restoreContext(running);
  }
}

const inside = (address: number, h: Hazard) => address >= h.start && address < h.end;

/** The first thread in the way of the hazards, or undefined when every thread is at a safe point. */
export function findUnsafeThread(sandbox: Sandbox, threads: readonly GuestThread[], hazards: readonly Hazard[]): UnsafeThread | undefined {
  const removed = hazards.filter((h) => h.kind === 'removed');
  for (const thread of threads) {
    for (const hazard of hazards) {
      if (inside(thread.pc, hazard) && !(hazard.kind === 'overwrite' && hazard.safe?.includes(thread.pc))) {
        return { thread: thread.name, pc: thread.pc, holder: 'pc', address: thread.pc, hazard };
      }
    }
    if (removed.length === 0) continue;
    const lrHazard = thread.lr === undefined ? undefined : removed.find((h) => inside(thread.lr!, h));
    if (lrHazard) return { thread: thread.name, pc: thread.pc, holder: 'lr', address: thread.lr!, hazard: lrHazard };
    const onStack = scanStack(sandbox, thread, removed);
    if (onStack) return onStack;
  }
  return undefined;
}

/**
 * Every 8-byte word from the thread's stack pointer to the top of its stack (the end of the mapped
 * region the stack pointer is in): a return address can sit under a frame of any size. A 1 MiB
 * stack is 131,072 words, compared in one pass.
 */
function scanStack(sandbox: Sandbox, thread: GuestThread, removed: Hazard[]): UnsafeThread | undefined {
  const region = sandbox.regions().find((r) => thread.sp >= r.address && thread.sp < r.address + r.size);
  if (!region) return undefined;
  const length = (region.address + region.size - thread.sp) & ~7;
  if (length <= 0) return undefined;
  const words = sandbox.read(thread.sp, length);
  const view = new DataView(words.buffer, words.byteOffset, words.byteLength);
  const low = Math.min(...removed.map((h) => h.start));
  const high = Math.max(...removed.map((h) => h.end));
  for (let offset = 0; offset < length; offset += 8) {
    // Hazards lie below 2^53, so a word with its top 11 bits set cannot be in one.
    const upper = view.getUint32(offset + 4, true);
    if (upper >= 0x20_0000) continue;
    const value = upper * 0x1_0000_0000 + view.getUint32(offset, true);
    if (value < low || value >= high) continue;
    const hazard = removed.find((h) => inside(value, h));
    if (hazard) {
      return { thread: thread.name, pc: thread.pc, holder: 'stack', stackAddress: thread.sp + offset, address: value, hazard };
    }
  }
  return undefined;
}

/** One sentence: which thread waits for what. */
export function describeUnsafeThread(unsafe: UnsafeThread, symbolize: (address: number) => string): string {
  const where = `thread ${unsafe.thread} (pc ${hex(unsafe.pc)}, ${symbolize(unsafe.pc)})`;
  switch (unsafe.holder) {
    case 'pc':
      return unsafe.hazard.kind === 'overwrite'
        ? `${where} is inside ${unsafe.hazard.label}, which is about to be overwritten; it must leave them first`
        : `${where} is executing ${unsafe.hazard.label}, which is about to be removed; it must leave it first`;
    case 'lr':
      return `${where} will return to ${hex(unsafe.address)} (link register) in ${unsafe.hazard.label}, which is about to be removed`;
    case 'stack':
      return `${where} has ${hex(unsafe.address)} on its stack at ${hex(unsafe.stackAddress!)}, a return address into ` +
        `${unsafe.hazard.label}, which is about to be removed`;
  }
}
