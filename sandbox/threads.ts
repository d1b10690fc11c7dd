// Guest threads: several threads of one program on one guest CPU, scheduled by the host.
//
// A program starts a thread with a system call (the guest ABI, guest-abi.ts: THREAD_CALLS): a
// function, an argument and a stack (its own, or one the host maps). The host runs one thread at a
// time, round-robin: a thread runs until it has executed `slice` instructions since it was switched
// in, or it yields, joins a thread that has not ended, or ends; then the next runnable thread (in
// the order of their ids, after the one that ran) gets the CPU. Switching saves the registers of the
// thread that ran (Sandbox.saveContext) and restores those of the next one, so both CPUs switch at
// the same instructions: the schedule depends only on instruction counts, which both count exactly.
// Creating a thread does not switch: the creator's slice starts over.
//
// Each thread also keeps its call stack as calls execute (call-stack.ts), which the engine's safe
// points read.
import { ARCH, type Arch, PAGE_SIZE } from '../core/arch.ts';
import { CallStack } from './call-stack.ts';
import { STACK_SIZE, STACK_TOP, enterCall } from './loader.ts';
import { Prot, type Sandbox, type SandboxContext } from './sandbox.ts';

/** The thread calls of the guest ABI; yield is Linux's sched_yield, the others are the sandbox's own. */
export const THREAD_CALLS: Readonly<Record<Arch, { readonly create: number; readonly join: number; readonly exit: number;
  readonly self: number; readonly yield: number }>> = {
  x64: { create: 1000, join: 1001, exit: 1002, self: 1003, yield: 24 },
  arm64: { create: 1000, join: 1001, exit: 1002, self: 1003, yield: 124 },
};

export type ThreadCall = 'create' | 'join' | 'exit' | 'self' | 'yield';

/** Threads a program may have, the main thread included. */
export const MAX_THREADS = 16;
/** The stack the host maps for a thread created without one. */
export const THREAD_STACK_SIZE = 0x1_0000;
/** Instructions a thread runs before the next one gets the CPU, unless the program says otherwise. */
export const DEFAULT_SLICE = 1000;
/** The largest slice a program may ask for. */
export const MAX_SLICE = 1_000_000_000;

const EINVAL = 22;
const EAGAIN = 11;
const ENOMEM = 12;
const ESRCH = 3;
const EDEADLK = 35;

export type ThreadState = 'runnable' | 'blocked' | 'exited';

export interface GuestThreadRecord {
  readonly id: number;
  /** "main", "t1", "t2", ... */
  readonly name: string;
  state: ThreadState;
  /** The function it started in. */
  readonly entry: number;
  /** The stack the host mapped for it, if it did. */
  readonly stack: { address: number; size: number } | undefined;
  /** Its registers while it is not on the CPU. */
  context: SandboxContext | undefined;
  /** The thread it waits for, when blocked. */
  joining: number | undefined;
  /** A result its pending system call returns when it runs again (a join that waited). */
  pendingResult: bigint | undefined;
  /** Its value when it ended (the function's result, or thread_exit's argument). */
  exitValue: bigint | undefined;
  /** Instructions it has executed. */
  instructions: number;
  /** Calls in progress, outermost first (call-stack.ts). */
  readonly calls: CallStack;
}

/** One change of the thread on the CPU. */
export interface ThreadSwitch {
  /** The process's instruction count when it happened. */
  at: number;
  from: string;
  to: string;
  why: 'slice' | 'yield' | 'join' | 'exit';
}

/** What a thread call asked for, done by the scheduler once the CPU has stopped after it. */
export type ThreadEvent =
  | { kind: 'create'; entry: bigint; arg: bigint; stack: bigint }
  | { kind: 'yield' }
  | { kind: 'join'; id: bigint }
  | { kind: 'exit'; value: bigint };

/** At most this many switches are kept in `switchLog` (the count goes on). */
export const SWITCH_LOG_LIMIT = 10_000;

/** Where a thread's function returns to: a stub that ends the thread with its result. */
export function threadReturnStub(arch: Arch): Uint8Array {
  // x86-64: mov rdi, rax; mov eax, 1002; syscall.  ARM64: mov x8, #1002; svc #0 (x0 holds the result).
  return arch === 'x64' ? Uint8Array.of(0x48, 0x89, 0xc7, 0xb8, 0xea, 0x03, 0x00, 0x00, 0x0f, 0x05)
    : Uint8Array.of(0x48, 0x7d, 0x80, 0xd2, 0x01, 0x00, 0x00, 0xd4);
}

export class ThreadScheduler {
  readonly threads: GuestThreadRecord[] = [];
  current: GuestThreadRecord;
  /** Instructions the current thread has run since it was switched in. */
  sliceUsed = 0;
  /** Every switch in order, up to SWITCH_LOG_LIMIT. */
  readonly switchLog: ThreadSwitch[] = [];
  switches = 0;
  /** The call the running thread made, taken by the process once the CPU has stopped. */
  event: ThreadEvent | undefined;
  private readonly spec;

  private scratch: SandboxContext | undefined;
  /**
   * A thread-local byte: whenever a thread gets the CPU, the host writes its value at `address`, so
   * guest code reading it there reads the running thread's own (the per-thread model's universe).
   */
  slot: { address: number; value: (thread: GuestThreadRecord) => Uint8Array } | undefined;
  /** Called for the thread on the CPU at the end of each of its slices and at each of its system calls. */
  checkpoint: ((thread: GuestThreadRecord, when: 'slice' | 'syscall') => void) | undefined;

  constructor(private readonly sandbox: Sandbox, public slice: number, private readonly threadReturn: number, mainEntry: number) {
    this.spec = ARCH[sandbox.arch];
    this.current = this.add(mainEntry, undefined);
  }

  private add(entry: number, stack: { address: number; size: number } | undefined): GuestThreadRecord {
    const id = this.threads.length;
    const thread: GuestThreadRecord = {
      id, name: id === 0 ? 'main' : `t${id}`, state: 'runnable', entry, stack, context: undefined, joining: undefined,
      pendingResult: undefined, exitValue: undefined, instructions: 0, calls: new CallStack(this.sandbox.arch),
    };
    this.threads.push(thread);
    return thread;
  }

  /** More than one thread has ever existed: messages name threads. */
  get threaded(): boolean {
    return this.threads.length > 1;
  }

  get runnable(): number {
    return this.threads.reduce((n, t) => n + (t.state === 'runnable' ? 1 : 0), 0);
  }

  /** Instructions left in the current slice; undefined while no other thread could take the CPU. */
  sliceLeft(): number | undefined {
    return this.runnable > 1 ? Math.max(1, this.slice - this.sliceUsed) : undefined;
  }

  /** The running thread executed `count` instructions. */
  ran(count: number): void {
    this.current.instructions += count;
    this.sliceUsed += count;
  }

  /** Called from the system-call hook: the value for the result register, or undefined for none yet. */
  call(call: ThreadCall, args: readonly bigint[]): bigint | undefined {
    switch (call) {
      case 'self': return BigInt(this.current.id);
      case 'create': this.event = { kind: 'create', entry: args[0]!, arg: args[1]!, stack: args[2]! }; break;
      case 'yield': this.event = { kind: 'yield' }; break;
      case 'join': this.event = { kind: 'join', id: args[0]! }; break;
      case 'exit': this.event = { kind: 'exit', value: args[0]! }; break;
    }
    this.sandbox.stop();
    return undefined;
  }

  /**
   * Does what the pending call asked, or ends the slice (`sliceEnded`). Answers 'deadlock' when no
   * thread can run, 'ended' when every thread has ended.
   */
  schedule(at: number, sliceEnded: boolean): 'ok' | 'deadlock' | 'ended' {
    const event = this.event;
    this.event = undefined;
    if (sliceEnded) this.checkpoint?.(this.current, 'slice');
    if (!event) {
      if (sliceEnded) this.switchTo(this.next(), at, 'slice');
      return 'ok';
    }
    switch (event.kind) {
      case 'create':
        this.sandbox.writeRegister(this.spec.syscall.result, this.create(event.entry, event.arg, event.stack));
        this.sliceUsed = 0;
        return 'ok';
      case 'yield':
        this.sandbox.writeRegister(this.spec.syscall.result, 0);
        this.switchTo(this.next(), at, 'yield');
        return 'ok';
      case 'join': {
        const target = event.id < BigInt(this.threads.length) && event.id >= 0n ? this.threads[Number(event.id)] : undefined;
        if (!target) { this.sandbox.writeRegister(this.spec.syscall.result, -ESRCH); return 'ok'; }
        if (target === this.current) { this.sandbox.writeRegister(this.spec.syscall.result, -EDEADLK); return 'ok'; }
        if (target.state === 'exited') { this.sandbox.writeRegister(this.spec.syscall.result, target.exitValue!); return 'ok'; }
        this.current.state = 'blocked';
        this.current.joining = target.id;
        const next = this.next();
        if (next === this.current) return 'deadlock';
        this.switchTo(next, at, 'join');
        return 'ok';
      }
      case 'exit': {
        const ending = this.current;
        ending.state = 'exited';
        ending.exitValue = event.value;
        for (const t of this.threads) {
          if (t.state === 'blocked' && t.joining === ending.id) {
            t.state = 'runnable';
            t.joining = undefined;
            t.pendingResult = event.value;
          }
        }
        const next = this.next();
        if (next === ending) return this.threads.some((t) => t.state === 'blocked') ? 'deadlock' : 'ended';
        this.switchTo(next, at, 'exit');
        return 'ok';
      }
    }
  }

  /** The next runnable thread after the current one, in id order; the current one if none other is. */
  private next(): GuestThreadRecord {
    const n = this.threads.length;
    for (let i = 1; i <= n; i++) {
      const t = this.threads[(this.current.id + i) % n]!;
      if (t.state === 'runnable') return t;
    }
    return this.current;
  }

  private switchTo(next: GuestThreadRecord, at: number, why: ThreadSwitch['why']): void {
    this.sliceUsed = 0;
    if (next === this.current) return;
    const from = this.current;
    from.context = this.sandbox.saveContext(from.context);
    this.sandbox.restoreContext(next.context!);
    if (next.pendingResult !== undefined) {
      this.sandbox.writeRegister(this.spec.syscall.result, next.pendingResult);
      next.pendingResult = undefined;
    }
    this.current = next;
    this.writeSlot();
    this.switches++;
    if (this.switchLog.length < SWITCH_LOG_LIMIT) this.switchLog.push({ at, from: from.name, to: next.name, why });
  }

  /** Writes the running thread's value into the thread-local slot. */
  writeSlot(): void {
    if (this.slot) this.sandbox.write(this.slot.address, this.slot.value(this.current));
  }

  /** Sets a thread's program counter (its context, or the CPU for the running thread). */
  setPc(thread: GuestThreadRecord, pc: number): void {
    if (thread === this.current || !thread.context) {
      this.sandbox.writeRegister(this.spec.registers.pc, pc);
      return;
    }
    const running = this.scratch = this.sandbox.saveContext(this.scratch);
    try {
      this.sandbox.restoreContext(thread.context);
      this.sandbox.writeRegister(this.spec.registers.pc, pc);
      thread.context = this.sandbox.saveContext(thread.context);
    } finally {
      this.sandbox.restoreContext(running);
    }
  }

  /** A new thread's id, or a negative error number. */
  private create(entry: bigint, arg: bigint, stackTop: bigint): bigint {
    if (this.threads.length >= MAX_THREADS) return BigInt(-EAGAIN);
    if (entry < 0n || entry >= 2n ** 53n) return BigInt(-EINVAL);
    const code = this.sandbox.regions().find((r) => Number(entry) >= r.address && Number(entry) < r.address + r.size);
    if (!code || (code.prot & Prot.EXEC) === 0) return BigInt(-EINVAL);
    let stack: { address: number; size: number } | undefined;
    let top: number;
    if (stackTop === 0n) {
      // Below the main stack, one unmapped page between stacks.
      const id = this.threads.length;
      top = STACK_TOP - STACK_SIZE - PAGE_SIZE - (id - 1) * (THREAD_STACK_SIZE + PAGE_SIZE);
      stack = { address: top - THREAD_STACK_SIZE, size: THREAD_STACK_SIZE };
      try {
        this.sandbox.map(stack.address, stack.size, Prot.READ | Prot.WRITE);
      } catch {
        return BigInt(-ENOMEM);
      }
    } else {
      if (stackTop >= 2n ** 53n) return BigInt(-EINVAL);
      top = Number(stackTop) & ~15;
      const region = this.sandbox.regions().find((r) => top - 16 >= r.address && top <= r.address + r.size);
      if (!region || (region.prot & Prot.WRITE) === 0) return BigInt(-EINVAL);
    }
    const creator = this.current;
    creator.context = this.sandbox.saveContext(creator.context);
    const registers = this.spec.registers;
    for (const name of registers.general) {
      if (name !== registers.pc && name !== registers.sp && name !== 'rflags' && name !== 'nzcv') this.sandbox.writeRegister(name, 0);
    }
    this.sandbox.writeRegister(registers.arguments[0]!, arg);
    enterCall(this.sandbox, Number(entry), this.threadReturn, top);
    const thread = this.add(Number(entry), stack);
    thread.context = this.sandbox.saveContext();
    this.sandbox.restoreContext(creator.context);
    return BigInt(thread.id);
  }

  /** Registers of every thread that has not ended: the running one from the CPU, the others from their contexts. */
  registers(): { name: string; pc: number; sp: number; lr?: number }[] {
    const { pc, sp, link } = this.spec.registers;
    const read = (name: string) => {
      const thread: { name: string; pc: number; sp: number; lr?: number } = {
        name, pc: Number(this.sandbox.readRegister(pc)), sp: Number(this.sandbox.readRegister(sp)),
      };
      if (link) thread.lr = Number(this.sandbox.readRegister(link));
      return thread;
    };
    const live = this.threads.filter((t) => t.state !== 'exited');
    const others = live.filter((t) => t !== this.current);
    if (others.length === 0) return live.map((t) => read(t.name));
    const running = this.scratch = this.sandbox.saveContext(this.scratch);
    try {
      return live.map((t) => {
        if (t === this.current) {
          this.sandbox.restoreContext(running);
        } else {
          this.sandbox.restoreContext(t.context!);
        }
        return read(t.name);
      });
    } finally {
      this.sandbox.restoreContext(running);
    }
  }
}
