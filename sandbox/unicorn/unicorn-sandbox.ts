// Backend 1: real Unicorn (Debian's libunicorn2) reached through koffi.
import koffi, { type TypeObject } from 'koffi';
import {
  type HookHandle, type HookSpec, type InterruptCallback, type InvalidMemoryCallback, type MemoryAccess,
  type MemoryRegion, type Sandbox, type SandboxContext, type StartOptions, type StartResult, type SyscallCallback,
  SandboxError, assertAddress,
} from '../sandbox.ts';
import { ARCH, type Arch, canonicalRegister, interruptName, isKnownRegister, registerWidth } from '../../core/arch.ts';
import { hex, hexAddress } from '../../core/hex.ts';
import * as uc from './libunicorn.ts';
import { UNICORN_REGISTER_IDS } from './unicorn-registers.ts';

type Pointer = unknown;

const INVALID_ACCESS: Record<number, [MemoryAccess, 'unmapped' | 'protected']> = {
  [uc.UC_MEM_READ_UNMAPPED]: ['read', 'unmapped'],
  [uc.UC_MEM_WRITE_UNMAPPED]: ['write', 'unmapped'],
  [uc.UC_MEM_FETCH_UNMAPPED]: ['fetch', 'unmapped'],
  [uc.UC_MEM_READ_PROT]: ['read', 'protected'],
  [uc.UC_MEM_WRITE_PROT]: ['write', 'protected'],
  [uc.UC_MEM_FETCH_PROT]: ['fetch', 'protected'],
};

interface NativeHook {
  handle: number; // uc_hook
  callback: bigint; // koffi registered callback
  type: number;
  begin: number;
  end: number;
}

class UnicornContext implements SandboxContext {
  constructor(readonly arch: Arch, readonly pointer: Pointer, readonly owner: UnicornSandbox) {}
}

export function unicornVersion(): string {
  const packed = uc.libunicorn().uc_version(null, null) as number;
  return `${(packed >>> 24) & 0xff}.${(packed >>> 16) & 0xff}.${(packed >>> 8) & 0xff}`;
}

export class UnicornSandbox implements Sandbox {
  readonly backend: string;
  private engine: Pointer;
  private readonly lib = uc.libunicorn();
  private readonly nativeHooks = new Map<number, NativeHook[]>();
  private readonly syscallListeners = new Map<number, SyscallCallback>();
  private readonly interruptListeners = new Map<number, InterruptCallback>();
  private readonly invalidMemoryListeners = new Map<number, InvalidMemoryCallback>();
  private readonly contexts = new Set<UnicornContext>();
  private readonly dispatchers: NativeHook[] = [];
  private nextHook = 1;
  private stopRequested = false;
  /** Whether code may have been translated since translations were last discarded. */
  private mayHaveTranslations = false;
  /** An error raised inside a hook or by the guest, reported when `start` returns. */
  private pendingError: SandboxError | undefined;
  private lastInvalidAccess: { access: MemoryAccess; address: bigint } | undefined;
  /** The backend's own instruction counter: a code hook that runs before every other code hook. */
  private counter: NativeHook | undefined;
  private counted = 0;
  private countLimit = Infinity;
  private limitReached = false;
  /** Address of the instruction counted last (as koffi hands it over). */
  private lastCounted: number | bigint = -1;
  instructionsCounted: number | undefined;

  constructor(readonly arch: Arch) {
    const out: Pointer[] = [null];
    const [ucArch, ucMode] = arch === 'x64' ? [uc.UC_ARCH_X86, uc.UC_MODE_64] : [uc.UC_ARCH_ARM64, uc.UC_MODE_ARM];
    this.check(this.lib.uc_open(ucArch, ucMode, out), 'open');
    this.engine = out[0];
    this.backend = `unicorn ${unicornVersion()}`;
    this.installDispatchers();
  }

  /** The uc_engine pointer, for tools that call libunicorn directly (the lockstep checker). */
  get nativeEngine(): unknown {
    return this.engine;
  }

  // ---- memory ----

  map(address: number, size: number, prot: number): void {
    assertAddress(address, 'map address');
    this.check(this.lib.uc_mem_map(this.engine, address, size, prot), `map ${hex(address)}+${hex(size)}`, address);
  }

  unmap(address: number, size: number): void {
    assertAddress(address, 'unmap address');
    this.check(this.lib.uc_mem_unmap(this.engine, address, size), `unmap ${hex(address)}+${hex(size)}`, address);
  }

  protect(address: number, size: number, prot: number): void {
    assertAddress(address, 'protect address');
    this.check(this.lib.uc_mem_protect(this.engine, address, size, prot),
      `protect ${hex(address)}+${hex(size)}`, address);
  }

  regions(): MemoryRegion[] {
    const list: Pointer[] = [null];
    const count = [0];
    this.check(this.lib.uc_mem_regions(this.engine, list, count), 'regions');
    const regions = this.lib.decodeRegions(list[0], count[0]!).map((r) => ({
      address: Number(r.begin), size: Number(r.end - r.begin) + 1, prot: r.perms,
    }));
    if (count[0]) this.lib.uc_free(list[0]);
    return regions.sort((a, b) => a.address - b.address);
  }

  read(address: number, size: number): Uint8Array {
    assertAddress(address, 'read address');
    const bytes = new Uint8Array(size);
    if (size > 0) this.check(this.lib.uc_mem_read(this.engine, address, bytes, size), `read ${hex(address)}+${size}`, address);
    return bytes;
  }

  write(address: number, bytes: Uint8Array): void {
    assertAddress(address, 'write address');
    if (bytes.length === 0) return;
    this.check(this.lib.uc_mem_write(this.engine, address, bytes, bytes.length),
      `write ${hex(address)}+${bytes.length}`, address);
    // Unicorn keeps translated blocks of code it already ran; drop those the write touched.
    this.check(this.lib.uc_ctl(this.engine, uc.UC_CTL_TB_REMOVE_CACHE_WRITE,
      'uint64_t', address, 'uint64_t', address + bytes.length), 'remove translated code');
  }

  // ---- registers ----

  readRegister(name: string): bigint {
    const [id, width] = this.registerId(name);
    const value = new Uint8Array(width);
    this.check(this.lib.uc_reg_read(this.engine, id, value), `read register ${name}`);
    return littleEndianToBigInt(value);
  }

  writeRegister(name: string, value: bigint | number): void {
    const [id, width] = this.registerId(name);
    this.check(this.lib.uc_reg_write(this.engine, id, bigIntToLittleEndian(BigInt(value), width)),
      `write register ${name}`);
  }

  private registerId(name: string): [number, number] {
    const canonical = canonicalRegister(this.arch, name);
    const id = UNICORN_REGISTER_IDS[this.arch][canonical];
    if (id === undefined || !isKnownRegister(this.arch, canonical)) {
      throw new SandboxError(`unknown ${this.arch} register "${name}"`, 'BAD_REGISTER');
    }
    return [id, registerWidth(this.arch, canonical)];
  }

  private pc(): number {
    return Number(this.readRegister(ARCH[this.arch].registers.pc));
  }

  // ---- running ----

  start(begin: number, options: StartOptions = {}): StartResult {
    assertAddress(begin, 'start address');
    const until = options.until ?? 0xffff_ffff_ffff; // an address no guest maps
    // A time limit under a microsecond is still one: 0 would mean none.
    const timeoutMicros = options.timeLimitMs ? Math.max(1, Math.round(options.timeLimitMs * 1000)) : 0;
    const limit = options.maxInstructions ?? 0;
    // Unicorn returns alike after its own count runs out and after a hlt: to tell them apart, the
    // backend counts, and a run that ends for no other reason ended on a hlt.
    const counting = options.countInstructions === true || (limit > 0 && options.nativeLimit !== true);
    if (counting) this.startCounting(limit); else this.stopCounting();
    this.stopRequested = false;
    this.pendingError = undefined;
    this.lastInvalidAccess = undefined;
    this.mayHaveTranslations = true;
    this.instructionsCounted = undefined;
    const err = this.lib.uc_emu_start(this.engine, begin, until, timeoutMicros, counting ? 0 : limit) as number;
    const pc = this.pc();
    if (counting) this.finishCounting(pc, options.countInstructions === true);
    if (this.pendingError) throw this.pendingError;
    if (err !== uc.UC_ERR_OK) throw this.guestFault(err, pc);
    const reason = this.stopReason(pc, until, counting ? this.limitReached : limit > 0);
    return this.instructionsCounted === undefined ? { reason, pc } : { reason, pc, instructions: this.instructionsCounted };
  }

  stop(): void {
    this.stopRequested = true;
    this.lib.uc_emu_stop(this.engine);
  }

  /** `limited`: the instruction limit explains a stop (or, with Unicorn's own counter, may). */
  private stopReason(pc: number, until: number, limited: boolean): StartResult['reason'] {
    if (this.stopRequested) return 'stopped';
    if (pc === until) return 'until';
    const timedOut = [0];
    this.lib.uc_query(this.engine, uc.UC_QUERY_TIMEOUT, timedOut);
    if (timedOut[0]) return 'time-limit';
    return limited ? 'instruction-limit' : 'halted';
  }

  // ---- counting instructions ----

  /** Counts from zero up to `limit` (0: none); the counter hook goes before every other code hook. */
  private startCounting(limit: number): void {
    this.counted = 0;
    this.countLimit = limit > 0 ? limit : Infinity;
    this.limitReached = false;
    this.lastCounted = -1;
    if (this.counter) return;
    // Unicorn runs code hooks in the order they were added: the others are added again after it, so
    // that when the limit stops the run no other hook has seen the instruction that does not run.
    const others = [...this.nativeHooks.values()].flat().filter((h) => h.type === uc.UC_HOOK_CODE);
    for (const hook of others) this.lib.uc_hook_del(this.engine, hook.handle);
    this.counter = this.addNative(uc.UC_HOOK_CODE, uc.CodeHook, (_e: Pointer, address: bigint | number) => {
      if (this.counted >= this.countLimit) {
        this.limitReached = true;
        this.lib.uc_emu_stop(this.engine);
        return;
      }
      this.counted++;
      this.lastCounted = address;
    });
    for (const hook of others) {
      const out = [0];
      this.check(this.lib.uc_hook_add(this.engine, out, hook.type, hook.callback, null, hook.begin, hook.end), 'add hook');
      hook.handle = out[0]!;
    }
  }

  private stopCounting(): void {
    if (!this.counter) return;
    this.removeNative(this.counter);
    this.counter = undefined;
  }

  /**
   * The count once the run is over. The counter sees an instruction before it runs: one that another
   * hook then stopped, that faulted, or that a stop from another thread (the time limit) caught
   * after the hooks, did not run, and pc is still on it.
   */
  private finishCounting(pc: number, report: boolean): void {
    if (!this.limitReached && this.counted > 0 && Number(this.lastCounted) === pc) this.counted--;
    if (report) this.instructionsCounted = this.counted;
  }

  private guestFault(err: number, pc: number): SandboxError {
    const fault = this.lastInvalidAccess;
    // Messages print all 64 bits exactly; `pc` is a number and rounds above 2^53.
    const exactPc = this.readRegister(ARCH[this.arch].registers.pc);
    const where = fault ? ` at ${hexAddress(fault.address)} (pc ${hexAddress(exactPc)})` : ` at pc ${hexAddress(exactPc)}`;
    return new SandboxError(uc.unicornMessage(err) + where, errorName(err), fault ? Number(fault.address) : pc, pc);
  }

  // ---- hooks ----

  addHook(spec: HookSpec): HookHandle {
    const handle = this.nextHook++ as HookHandle;
    switch (spec.type) {
      case 'syscall': this.syscallListeners.set(handle, spec.callback); break;
      case 'interrupt': this.interruptListeners.set(handle, spec.callback); break;
      case 'mem-invalid': this.invalidMemoryListeners.set(handle, spec.callback); break;
      case 'code': {
        const cb = spec.callback;
        this.nativeHooks.set(handle, [this.addNative(uc.UC_HOOK_CODE, uc.CodeHook,
          (_e: Pointer, address: bigint | number, size: number) => this.guard(() => cb(Number(address), size)),
          spec.begin, spec.end)]);
        break;
      }
      case 'mem-read':
      case 'mem-write': {
        const cb = spec.callback;
        this.nativeHooks.set(handle, [this.addNative(
          spec.type === 'mem-read' ? uc.UC_HOOK_MEM_READ : uc.UC_HOOK_MEM_WRITE, uc.MemHook,
          (_e: Pointer, _type: number, address: bigint | number, size: number, value: bigint | number) =>
            this.guard(() => cb(Number(address), size, BigInt.asUintN(size * 8, BigInt(value)))),
          spec.begin, spec.end)]);
        break;
      }
    }
    return handle;
  }

  removeHook(handle: HookHandle): void {
    for (const native of this.nativeHooks.get(handle) ?? []) this.removeNative(native);
    this.nativeHooks.delete(handle);
    this.syscallListeners.delete(handle);
    this.interruptListeners.delete(handle);
    this.invalidMemoryListeners.delete(handle);
  }

  private addNative(type: number, proto: TypeObject, fn: (...args: never[]) => unknown,
    begin = 1, end = 0): NativeHook {
    const callback = koffi.register(fn, koffi.pointer(proto));
    const out = [0];
    this.check(this.lib.uc_hook_add(this.engine, out, type, callback, null, begin, end), 'add hook');
    // Unicorn 2.0 does not instrument blocks it translated before the hook existed.
    this.discardTranslations();
    return { handle: out[0]!, callback, type, begin, end };
  }

  private removeNative(native: NativeHook): void {
    this.lib.uc_hook_del(this.engine, native.handle);
    koffi.unregister(native.callback);
    this.discardTranslations();
  }

  /** Drops every translated block, region by region (a full TB flush costs Unicorn ~100 ms). */
  private discardTranslations(): void {
    if (!this.mayHaveTranslations) return;
    for (const region of this.regions()) {
      this.check(this.lib.uc_ctl(this.engine, uc.UC_CTL_TB_REMOVE_CACHE_WRITE,
        'uint64_t', region.address, 'uint64_t', region.address + region.size), 'remove translated code');
    }
    this.mayHaveTranslations = false;
  }

  /** System calls, interrupts and invalid accesses go through one native hook each. */
  private installDispatchers(): void {
    this.dispatchers.push(this.addNative(uc.UC_HOOK_INTR, uc.IntrHook, (_e: Pointer, interrupt: number) => this.guard(() => {
      if (interrupt === ARCH[this.arch].syscall.interrupt && this.syscallListeners.size > 0) {
        const address = this.pc() - 4; // Unicorn reports svc with pc already past it
        for (const cb of this.syscallListeners.values()) cb(address);
      } else if (this.interruptListeners.size > 0) {
        for (const cb of this.interruptListeners.values()) cb(interrupt);
      } else {
        const pc = this.pc();
        this.fail(new SandboxError(`Unhandled CPU exception (${interruptName(this.arch, interrupt)}) at pc ${hex(pc)}`,
          'UC_ERR_EXCEPTION', pc, pc));
      }
    })));
    if (this.arch === 'x64') {
      const callback = koffi.register((_e: Pointer) => this.guard(() => {
        const address = this.pc(); // Unicorn reports syscall with rip still on it
        if (this.syscallListeners.size === 0) {
          this.fail(new SandboxError(`Unhandled syscall instruction at ${hex(address)}`, 'UC_ERR_EXCEPTION',
            address, address));
        }
        for (const cb of this.syscallListeners.values()) cb(address);
      }), koffi.pointer(uc.SyscallHook));
      const out = [0];
      this.check(this.lib.uc_hook_add(this.engine, out, uc.UC_HOOK_INSN, callback, null, 1, 0,
        'int', uc.UC_X86_INS_SYSCALL), 'add syscall hook');
      this.dispatchers.push({ handle: out[0]!, callback, type: uc.UC_HOOK_INSN, begin: 1, end: 0 });
    }
    this.dispatchers.push(this.addNative(uc.UC_HOOK_MEM_INVALID, uc.EventMemHook,
      (_e: Pointer, type: number, address: bigint | number, size: number, value: bigint | number) => {
        const [access, kind] = INVALID_ACCESS[type] ?? ['read', 'unmapped'];
        let handled = false;
        this.guard(() => {
          for (const cb of this.invalidMemoryListeners.values()) {
            if (cb(access, kind, Number(address), size, BigInt(value))) handled = true;
          }
        });
        // koffi hands over a uint64 above 2^63 as a negative number or a bigint: keep it exact.
        if (!handled) this.lastInvalidAccess = { access, address: BigInt.asUintN(64, BigInt(address)) };
        return handled;
      }));
  }

  /** Runs a hook body; an exception stops the guest and is rethrown by `start`. */
  private guard(body: () => void): void {
    try {
      body();
    } catch (error) {
      this.fail(error instanceof SandboxError ? error
        : new SandboxError(error instanceof Error ? error.message : String(error), 'HOOK_ERROR'));
    }
  }

  private fail(error: SandboxError): void {
    this.pendingError ??= error;
    this.lib.uc_emu_stop(this.engine);
  }

  // ---- contexts ----

  saveContext(into?: SandboxContext): SandboxContext {
    if (into) {
      this.checkContext(into);
      this.check(this.lib.uc_context_save(this.engine, (into as UnicornContext).pointer), 'save context');
      return into;
    }
    const out: Pointer[] = [null];
    this.check(this.lib.uc_context_alloc(this.engine, out), 'allocate context');
    this.check(this.lib.uc_context_save(this.engine, out[0]), 'save context');
    const context = new UnicornContext(this.arch, out[0], this);
    this.contexts.add(context);
    return context;
  }

  restoreContext(context: SandboxContext): void {
    this.checkContext(context);
    this.check(this.lib.uc_context_restore(this.engine, (context as UnicornContext).pointer), 'restore context');
  }

  private checkContext(context: SandboxContext): void {
    if (!(context instanceof UnicornContext) || context.owner !== this || !this.contexts.has(context)) {
      throw new SandboxError('context does not belong to this sandbox', 'BAD_CONTEXT');
    }
  }

  close(): void {
    if (!this.engine) return;
    for (const context of this.contexts) this.lib.uc_context_free(context.pointer);
    this.contexts.clear();
    this.lib.uc_close(this.engine);
    for (const hooks of [...this.nativeHooks.values(), this.dispatchers, this.counter ? [this.counter] : []]) {
      for (const hook of hooks) koffi.unregister(hook.callback);
    }
    this.engine = null;
  }

  private check(err: number, what: string, address?: number): void {
    if (err === uc.UC_ERR_OK) return;
    throw new SandboxError(`${what}: ${uc.unicornMessage(err)}`, errorName(err), address);
  }
}

function errorName(code: number): string {
  return /\((UC_ERR_\w+)\)/.exec(uc.unicornMessage(code))?.[1] ?? `UC_ERR_${code}`;
}

function littleEndianToBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  return value;
}

function bigIntToLittleEndian(value: bigint, width: number): Uint8Array {
  const bytes = new Uint8Array(width);
  let v = BigInt.asUintN(width * 8, value);
  for (let i = 0; i < width; i++, v >>= 8n) bytes[i] = Number(v & 0xffn);
  return bytes;
}
