// The guest ABI: Linux-style system calls for output and exit (registers and numbers in core/arch.ts).
//   x86-64: syscall, number in rax, arguments rdi, rsi, rdx, result in rax.
//   ARM64:  svc #0,  number in x8,  arguments x0, x1, x2,   result in x0.
import { ARCH } from '../core/arch.ts';
import { hex, hexAddress } from '../core/hex.ts';
import { OutputCapture, type OutputReader } from './output-capture.ts';
import type { Sandbox } from './sandbox.ts';

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
  /** Set when the guest made a call the ABI does not know; the run is stopped. */
  error: GuestAbiError | undefined;

  constructor(private readonly sandbox: Sandbox) {
    const regs = ARCH[sandbox.arch].syscall;
    const numbers = regs.numbers;
    sandbox.addHook({ type: 'syscall', callback: (address) => {
      // All 64 bits: a number such as -1 must not round to a known one, nor print rounded.
      const number = BigInt.asUintN(64, sandbox.readRegister(regs.number));
      const arg = (i: number) => sandbox.readRegister(regs.arguments[i]!);
      if (number === BigInt(numbers.write)) {
        sandbox.writeRegister(regs.result, this.write(Number(arg(0)), arg(1), arg(2)));
      } else if (number === BigInt(numbers.exit) || number === BigInt(numbers.exitGroup)) {
        this.exitCode = Number(arg(0) & 0xffn);
        sandbox.stop();
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
    this.output.append(fd, bytes);
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
