// Keystone, called so that it cannot take its caller down with it: it runs in a thread of its own (a
// worker thread in Node, a worker in the page) that gets a deadline per call and is ended and started
// again when it misses one. The toolchain's front end (source.ts) refuses every input known to send
// Keystone into a loop; the deadline is the last line of defence against the ones not known.
import type { Arch } from '../core/arch.ts';
import type { KeystoneResult } from './keystone-core.js';

export type { KeystoneResult } from './keystone-core.js';

/** What a thread running KeystoneCore is sent, and answers. */
export interface AssemblerRequest { id: number; arch: Arch; source: string; address: number }
export type AssemblerReply = { id: number; result: KeystoneResult } | { ready: true } | { failed: string };

/** A thread running KeystoneCore (keystone-thread.mjs in Node, web/src/lab/assembler-worker.ts in the page). */
export interface AssemblerThread {
  post(request: AssemblerRequest): void;
  /** Registers the one listener for replies and for the thread failing. */
  listen(onReply: (reply: AssemblerReply) => void, onError: (message: string) => void): void;
  terminate(): void;
  /** Node: whether the thread keeps the process alive (only while a call waits). */
  keepAlive?(alive: boolean): void;
}

/** Per call: 5 s, plus 5 s per MiB of source (the largest module source takes about a second). */
export function keystoneDeadline(sourceLength: number): number {
  return 5000 + Math.ceil(sourceLength / 2 ** 20 * 5000);
}

/** The thread has this long to load Keystone. */
const LOAD_DEADLINE_MS = 60_000;

/**
 * Calls Keystone in a thread, one call at a time. A call that misses its deadline ends the thread
 * (the next call starts a new one) and answers `timedOut`.
 */
export class WatchedAssembler {
  private thread: AssemblerThread | undefined;
  private ready: Promise<void> | undefined;
  private waiting: ((reply: AssemblerReply | { error: string }) => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  /** Threads started so far (the first, and one after each missed deadline or failure). */
  started = 0;

  constructor(private readonly start: () => AssemblerThread) {}

  assemble(arch: Arch, source: string, address: number, deadlineMs = keystoneDeadline(source.length)): Promise<KeystoneResult> {
    const call = this.queue.then(() => this.call(arch, source, address, deadlineMs));
    this.queue = call.catch(() => {});
    return call;
  }

  private async call(arch: Arch, source: string, address: number, deadlineMs: number): Promise<KeystoneResult> {
    const loaded = await this.load();
    if (loaded) return { ok: false, unavailable: true, message: loaded };
    const thread = this.thread!;
    const id = this.nextId++;
    thread.keepAlive?.(true);
    const reply = await this.next(deadlineMs, () => thread.post({ id, arch, source, address }));
    thread.keepAlive?.(false);
    if (reply === 'timeout') {
      this.stop();
      return { ok: false, timedOut: true, message: `the assembler did not finish within ${deadlineMs / 1000} s and was stopped` };
    }
    if ('error' in reply) {
      this.stop();
      return { ok: false, unavailable: true, message: `the assembler stopped: ${reply.error}` };
    }
    if ('result' in reply && reply.id === id) return reply.result;
    this.stop();
    return { ok: false, message: 'the assembler answered out of turn' };
  }

  /** Starts the thread if needed; a message when it cannot load. */
  private async load(): Promise<string | undefined> {
    if (!this.thread) {
      this.started++;
      const thread = this.start();
      this.thread = thread;
      // A thread that was stopped may still have a message on its way: only the current one's count.
      thread.listen((reply) => { if (this.thread === thread) this.waiting?.(reply); },
        (error) => { if (this.thread === thread) this.waiting?.({ error }); });
      thread.keepAlive?.(true);
      this.ready = this.next(LOAD_DEADLINE_MS).then((reply) => {
        thread.keepAlive?.(false);
        if (reply === 'timeout') throw new Error(`it did not load within ${LOAD_DEADLINE_MS / 1000} s`);
        if ('error' in reply) throw new Error(reply.error);
        if ('failed' in reply) throw new Error(reply.failed);
      });
    }
    try {
      await this.ready;
      return undefined;
    } catch (error) {
      this.stop();
      return `the assembler could not start: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  /** The thread's next message (or error), or 'timeout' after `ms`. */
  private next(ms: number, send?: () => void): Promise<AssemblerReply | { error: string } | 'timeout'> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        resolve('timeout');
      }, ms);
      this.waiting = (reply) => {
        clearTimeout(timer);
        this.waiting = undefined;
        resolve(reply);
      };
      send?.();
    });
  }

  private stop(): void {
    this.thread?.terminate();
    this.thread = undefined;
    this.ready = undefined;
  }
}

interface NodeWorker {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: AssemblerReply) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  on(event: 'exit', listener: (code: number) => void): void;
  terminate(): Promise<number>;
  ref(): void;
  unref(): void;
}
interface NodeProcess { getBuiltinModule?(id: string): unknown }

/** Node (20.16 or newer): a worker thread; undefined elsewhere. */
function nodeThreadStarter(): (() => AssemblerThread) | undefined {
  const process = (globalThis as { process?: NodeProcess }).process;
  const threads = process?.getBuiltinModule?.('node:worker_threads') as
    { Worker: new (url: URL) => NodeWorker } | undefined;
  if (!threads) return undefined;
  return () => {
    // Node only: the page's bundler is told to leave the script alone rather than inline it.
    const worker = new threads.Worker(new URL(/* @vite-ignore */ './keystone-thread.mjs', import.meta.url));
    worker.unref();
    let ended = false;
    return {
      post: (request) => worker.postMessage(request),
      listen: (onReply, onError) => {
        worker.on('message', onReply);
        worker.on('error', (error) => onError(error.message));
        worker.on('exit', (code) => { if (!ended) onError(`its thread exited (code ${code})`); });
      },
      terminate: () => { ended = true; void worker.terminate(); },
      keepAlive: (alive) => alive ? worker.ref() : worker.unref(),
    };
  };
}

let runner: WatchedAssembler | undefined;

/** Where Keystone runs: the page's lab worker sets its own (a nested worker); Node has a default. */
export function setKeystoneRunner(next: WatchedAssembler): void {
  runner = next;
}

function currentRunner(): WatchedAssembler {
  if (!runner) {
    const start = nodeThreadStarter();
    if (!start) throw new Error('no assembler here: the page sets one with setKeystoneRunner');
    runner = new WatchedAssembler(start);
  }
  return runner;
}

/** Assembles plain Keystone source at `address`. Never throws for bad source. */
export function keystoneAssemble(arch: Arch, source: string, address: number, options: { deadlineMs?: number } = {}): Promise<KeystoneResult> {
  return currentRunner().assemble(arch, source, address, options.deadlineMs);
}

/** The assembler's thread count so far, for tests of the deadline. */
export function keystoneThreadsStarted(): number {
  return runner?.started ?? 0;
}
