// The guest ABI: Linux-style system calls for output and exit (registers and numbers in core/arch.ts),
// and the thread calls (numbers in threads.ts: THREAD_CALLS), which a scheduler answers.
//   x86-64: syscall, number in rax, arguments rdi, rsi, rdx, result in rax.
//   ARM64:  svc #0,  number in x8,  arguments x0, x1, x2,   result in x0.
import { ARCH } from '../core/arch.ts';
import { hex, hexAddress } from '../core/hex.ts';
import { type LabelledReader, OutputCapture, type OutputReader } from './output-capture.ts';
import type { Sandbox } from './sandbox.ts';
import { THREAD_CALLS, type ThreadCall } from './threads.ts';

/** Answers the thread calls: the result, or undefined when it is set later (the call switches threads). */
export interface ThreadCallHandler {
  call(call: ThreadCall, args: readonly bigint[], address: number): bigint | undefined;
}

const EBADF = 9;
const EFAULT = 14;
/** Largest single write the host accepts, so a bad length cannot exhaust host memory. */
const MAX_WRITE = 1 << 20;

export class GuestAbiError extends Error {
  constructor(message: string, readonly address: number) {
    super(message);
    this.name = 'GuestAbiError';
  }
}

/**
 * What the guest did through system calls during a run. Its output is kept within a bound (the
 * first and the last 64 KiB, see output-capture.ts), counted in full.
 */
export class GuestIO {
  private readonly output = new OutputCapture();
  exitCode: number | undefined;
  /** The thread that called exit, when the program ended that way. */
  exitThread: string | undefined;
  /** The thread on the CPU: output is recorded as its. */
  thread = 'main';
  /** Answers the thread calls; without one they are unknown system calls. */
  threads: ThreadCallHandler | undefined;
  /** Called at every system call, before it is answered. */
  onSyscall: (() => void) | undefined;
  /** Set when the guest made a call the ABI does not know; the run is stopped. */
  error: GuestAbiError | undefined;

  constructor(private readonly sandbox: Sandbox) {
    const regs = ARCH[sandbox.arch].syscall;
    const numbers = regs.numbers;
    const threadCalls = new Map(Object.entries(THREAD_CALLS[sandbox.arch]).map(([call, n]) => [BigInt(n), call as ThreadCall]));
    sandbox.addHook({ type: 'syscall', callback: (address) => {
      this.onSyscall?.();
      // All 64 bits: a number such as -1 must not round to a known one, nor print rounded.
      const number = BigInt.asUintN(64, sandbox.readRegister(regs.number));
      const arg = (i: number) => sandbox.readRegister(regs.arguments[i]!);
      if (number === BigInt(numbers.write)) {
        sandbox.writeRegister(regs.result, this.write(Number(arg(0)), arg(1), arg(2)));
      } else if (number === BigInt(numbers.exit) || number === BigInt(numbers.exitGroup)) {
        this.exitCode = Number(arg(0) & 0xffn);
        this.exitThread = this.thread;
        sandbox.stop();
      } else if (this.threads && threadCalls.has(number)) {
        const result = this.threads.call(threadCalls.get(number)!, [arg(0), arg(1), arg(2)], address);
        if (result !== undefined) sandbox.writeRegister(regs.result, result);
      } else {
        const signed = BigInt.asIntN(64, number);
        const shown = signed < 0n ? `${signed} (${hexAddress(number)})` : `${number}`;
        this.error = new GuestAbiError(`unknown system call ${shown} at ${hex(address)}`, address);
        sandbox.stop();
      }
    } });
  }

  private write(fd: number, buffer: bigint, length: bigint): bigint {
    if (fd !== 1 && fd !== 2) return BigInt(-EBADF);
    if (length > BigInt(MAX_WRITE)) length = BigInt(MAX_WRITE);
    let bytes: Uint8Array;
    try {
      bytes = this.sandbox.read(Number(buffer), Number(length));
    } catch {
      return BigInt(-EFAULT);
    }
    this.output.append(fd, bytes, this.thread);
    return length;
  }

  /**
   * What was written to stdout and stderr (or one of them), in order, as text: all of it, or the
   * first and the last 64 KiB with a line saying how many bytes in between were dropped.
   */
  text(fd?: 1 | 2): string {
    return this.output.text(fd);
  }

  /** A reader of the output as it grows: each `next()` returns only what is new. */
  reader(): OutputReader {
    return this.output.reader();
  }

  /**
   * A reader of the output as it grows, each line labelled with the thread that wrote it ("[t1] ")
   * when asked; within the same bound as the rest.
   */
  labelledReader(): LabelledReader {
    return this.output.labelledReader();
  }

  /** The kept output as lines, each with the thread that wrote it (a line two threads wrote in turn is split). */
  threadLines(): { thread: string; text: string }[] {
    return this.output.threadLines();
  }

  /** Bytes written in all (kept or not). */
  get bytesWritten(): number {
    return this.output.totalBytes;
  }

  /** Bytes written but not kept. */
  get bytesDropped(): number {
    return this.output.droppedBytes;
  }

  /** Newlines written in all. */
  get lines(): number {
    return this.output.lines;
  }
}
