// Backend 2: the CPU of our own, AssemblyScript compiled to cpu.wasm, behind the same sandbox
// interface as Unicorn and behaving like it: Unicorn's error codes and messages, hook semantics,
// stop reasons and mapping granules. It runs in Node and in the page's lab worker (web/src/lab/).
import {
  type HookHandle, type HookSpec, type MemoryAccess, type MemoryRegion, type Sandbox, type SandboxContext,
  type StartOptions, type StartResult, type StopReason, SandboxError, assertAddress,
} from '../sandbox.ts';
import { ARCH, type Arch, canonicalRegister, interruptName, isKnownRegister } from '../../core/arch.ts';
import { bytesToHex, hex, hexAddress } from '../../core/hex.ts';
import { wasmCpuModule } from './cpu-module.ts';
import { nameArm64Instruction } from './arm64-instruction-names.ts';
import { nameX64Instruction } from './x64-instruction-names.ts';
import { branchTargetError } from './branch-target-fault.ts';
import { ARM64_NZCV_OFFSET, REGISTER_LAYOUTS, type RegisterLayout } from './registers.ts';
import {
  ACCESS_FETCH, ACCESS_READ, ACCESS_WRITE, ARCH_ARM64, ARCH_X64, CPU_INTERFACE_VERSION,
  INVALID_UNMAPPED, RUN_BRANCH_TARGET, RUN_FAULT, RUN_UNSUPPORTED, STOP_HALTED, STOP_LIMIT, STOP_REQUESTED, STOP_TIME, STOP_UNTIL,
  UC_ERR_ARG, UC_ERR_FETCH_PROT, UC_ERR_FETCH_UNMAPPED, UC_ERR_INSN_INVALID, UC_ERR_MAP, UC_ERR_NOMEM, UC_ERR_READ_PROT,
  UC_ERR_READ_UNMAPPED, UC_ERR_WRITE_PROT, UC_ERR_WRITE_UNMAPPED, X64_SYSCALL_INTERRUPT,
} from './assembly/interface.ts';
import { ARM64_PC_OFFSET, ARM64_SP_SLOT, ARM64_STATE_USED } from './assembly/arm64/state-layout.ts';
import { X64_FLAGS_FIXED, X64_LAZY_KIND_OFFSET, X64_LAZY_NONE } from './assembly/x64/state-layout.ts';

const ARCH_IDS: Record<Arch, number> = { arm64: ARCH_ARM64, x64: ARCH_X64 };
/** Smallest mapping unit, as Unicorn has it (its AArch64 target uses 1 KiB pages). */
const GRANULE: Record<Arch, number> = { arm64: 0x400, x64: 0x1000 };
/** An address no guest maps: Unicorn's backend uses the same default end. */
const NO_END = 0xffff_ffff_ffff;

/** Unicorn's messages for the error codes this backend raises (uc_strerror). */
const UC_ERRORS: Record<number, [string, string]> = {
  [UC_ERR_NOMEM]: ['UC_ERR_NOMEM', 'No memory available or memory not present'],
  [UC_ERR_READ_UNMAPPED]: ['UC_ERR_READ_UNMAPPED', 'Invalid memory read'],
  [UC_ERR_WRITE_UNMAPPED]: ['UC_ERR_WRITE_UNMAPPED', 'Invalid memory write'],
  [UC_ERR_FETCH_UNMAPPED]: ['UC_ERR_FETCH_UNMAPPED', 'Invalid memory fetch'],
  [UC_ERR_MAP]: ['UC_ERR_MAP', 'Invalid memory mapping'],
  [UC_ERR_WRITE_PROT]: ['UC_ERR_WRITE_PROT', 'Write to write-protected memory'],
  [UC_ERR_READ_PROT]: ['UC_ERR_READ_PROT', 'Read from non-readable memory'],
  [UC_ERR_FETCH_PROT]: ['UC_ERR_FETCH_PROT', 'Fetch from non-executable memory'],
  [UC_ERR_INSN_INVALID]: ['UC_ERR_INSN_INVALID', 'Invalid instruction'],
  [UC_ERR_ARG]: ['UC_ERR_ARG', 'Invalid argument'],
};

function ucMessage(code: number): string {
  const [name, text] = UC_ERRORS[code] ?? [`UC_ERR_${code}`, 'Unknown error code'];
  return `${text} (${name})`;
}
function ucName(code: number): string {
  return UC_ERRORS[code]?.[0] ?? `UC_ERR_${code}`;
}

const ACCESS_NAMES: Record<number, MemoryAccess> = { [ACCESS_READ]: 'read', [ACCESS_WRITE]: 'write', [ACCESS_FETCH]: 'fetch' };

interface CpuExports {
  memory: WebAssembly.Memory;
  table: WebAssembly.Table;
  compiledSlots(): number;
  compiledTier(on: number, base: number, hotInstructions: number): void;
  init(arch: number): number;
  interfaceVersion(): number;
  pageBits(): number;
  stateAddress(): number;
  transferAddress(): number;
  transferSize(): number;
  map(page: number, count: number, prot: number): void;
  unmap(page: number, count: number): void;
  protect(page: number, count: number, prot: number): void;
  findUnmapped(address: number, size: number): number;
  readMemory(address: number, size: number): void;
  writeMemory(address: number, size: number): void;
  setHookKinds(read: number, write: number, invalid: number): void;
  resetCodeHooks(): void;
  addCodeHookRange(begin: number, end: number): number;
  codeHooksChanged(): void;
  start(begin: number, until: number, limit: number, timeLimitMs: number): number;
  stop(): void;
  stateChanged(): void;
  pcChanged(): void;
  lastInstructionCount(): number;
  lastFaultCode(): number;
  /** All 64 bits (a wasm i64: a bigint, negative above 2^63). */
  lastFaultAddress(): bigint | number;
  lastInterrupt(): number;
  lastUnsupportedWord(): number;
  lastUnsupportedAddress(): number;
  lastUnsupportedLength(): number;
  settleFlags(): void;
  branchTargetMode(enforce: number, noTrack: number): void;
  lastBranchTargetBranch(): number;
  lastBranchTargetKind(): number;
  lastBranchTargetAddress(): number;
  lastBranchTargetWord(): number;
}

type AnyHook = HookSpec & { handle: HookHandle };

class WasmContext implements SandboxContext {
  constructor(readonly arch: Arch, readonly owner: WasmSandbox, readonly state: Uint8Array) {}
}

export interface WasmSandboxOptions {
  /**
   * A flag shared with another thread (an Int32Array over a SharedArrayBuffer): when its first
   * element becomes non-zero, a run in progress stops within about a millisecond, as stop() would.
   */
  stopFlag?: Int32Array;
  /**
   * Enforce landing pads as a CPU with them switched on does (Unicorn 2.0.1 models neither, so this
   * mode is outside the lockstep). x86-64: CET indirect branch tracking for user mode; an indirect
   * call or jmp must reach endbr64, else the run stops with a SandboxError (code BRANCH_TARGET) for
   * the control-protection exception. AArch64: BTI with every executable page guarded (as Linux
   * maps the pages of a program marked for BTI); br, blr and their targets follow the BTYPE rules,
   * and a target that is no landing pad for them stops the run the same way. Off by default.
   */
  enforceBranchTargets?: boolean;
  /**
   * x86-64 with enforceBranchTargets: whether a `notrack` indirect branch leaves the tracker idle
   * (NO_TRACK_EN, which Linux sets for user programs). Default true; false makes every indirect
   * call and jmp tracked.
   */
  noTrack?: boolean;
  /**
   * The compiled tier: loops the interpreter keeps entering are translated into WebAssembly
   * functions at run time (sandbox/wasm/assembly/compiled-blocks.ts). It changes no result, only
   * the speed; false keeps every instruction interpreted. Default true.
   */
  compileBlocks?: boolean;
  /**
   * Instructions a loop runs interpreted before it is compiled (default 262,144, so short loops and
   * cold code never pay for compiling); 0 compiles every loop it can on its first entry (tests).
   */
  compileAfter?: number;
}

export class WasmSandbox implements Sandbox {
  readonly backend = 'wasm-cpu';
  private readonly cpu: CpuExports;
  private readonly layout: RegisterLayout;
  private readonly granule: number;
  private readonly pageBits: number;
  private readonly state: number;
  private readonly transfer: number;
  private readonly transferSize: number;
  private regionList: MemoryRegion[] = [];
  private hooks: AnyHook[] = [];
  private nextHook = 1;
  private running = false;
  private stopRequested = false;
  private pendingError: SandboxError | undefined;
  private closed = false;
  private readonly stopFlag: Int32Array | undefined;
  instructionsCounted: number | undefined;

  constructor(readonly arch: Arch, options: WasmSandboxOptions = {}) {
    const layout = REGISTER_LAYOUTS[arch];
    if (!layout) throw new SandboxError(`the WASM CPU does not run ${arch} guests yet`, 'UC_ERR_ARCH');
    this.layout = layout;
    this.granule = GRANULE[arch];
    this.stopFlag = options.stopFlag;
    const instance = new WebAssembly.Instance(wasmCpuModule(), { env: this.imports() });
    this.cpu = instance.exports as unknown as CpuExports;
    if (this.cpu.interfaceVersion() !== CPU_INTERFACE_VERSION) {
      throw new Error(`cpu.wasm speaks interface ${this.cpu.interfaceVersion()}, this host ${CPU_INTERFACE_VERSION}: rebuild it`);
    }
    if (!this.cpu.init(ARCH_IDS[arch])) throw new SandboxError(`cpu.wasm was built without ${arch}`, 'UC_ERR_ARCH');
    this.pageBits = this.cpu.pageBits();
    this.state = this.cpu.stateAddress();
    this.transfer = this.cpu.transferAddress();
    this.transferSize = this.cpu.transferSize();
    if (options.enforceBranchTargets) this.cpu.branchTargetMode(1, options.noTrack === false ? 0 : 1);
    if (options.compileBlocks !== false) this.enableCompiledTier(options.compileAfter ?? 0x4_0000);
  }

  /** Compiled blocks that failed to compile (a CPU bug, which tests check stays 0). */
  compileFailures = 0;
  /** Compiled blocks made so far. */
  compiledBlocks = 0;

  /** Reserves table slots for compiled blocks and switches the tier on (off where the table cannot grow). */
  private enableCompiledTier(hotInstructions: number): void {
    const table = this.cpu.table;
    if (!table || typeof this.cpu.compiledTier !== 'function') return;
    let base: number;
    try {
      base = table.grow(this.cpu.compiledSlots());
    } catch {
      return;
    }
    this.cpu.compiledTier(1, base, hotInstructions);
  }

  /** Compiles a block's module (written by the CPU into its memory) and puts its function in the table. */
  private compileBlock(address: number, length: number, slot: number): number {
    try {
      const module = new WebAssembly.Module(new Uint8Array(this.cpu.memory.buffer, address, length));
      const instance = new WebAssembly.Instance(module, { env: { memory: this.cpu.memory } });
      this.cpu.table.set(slot, instance.exports.run as (allowed: number) => number);
      this.compiledBlocks++;
      return 1;
    } catch {
      this.compileFailures++;
      return 0;
    }
  }

  // ---- memory ----

  map(address: number, size: number, prot: number): void {
    assertAddress(address, 'map address');
    const what = `map ${hex(address)}+${hex(size)}`;
    this.checkRange(what, address, size);
    if ((prot & ~7) !== 0) this.fail(what, UC_ERR_ARG, address);
    const end = address + size;
    if (this.regionList.some((r) => address < r.address + r.size && r.address < end)) this.fail(what, UC_ERR_MAP, address);
    this.regionList.push({ address, size, prot });
    this.regionList.sort((a, b) => a.address - b.address);
    this.cpu.map(this.page(address), this.page(size), prot);
  }

  unmap(address: number, size: number): void {
    assertAddress(address, 'unmap address');
    const what = `unmap ${hex(address)}+${hex(size)}`;
    this.checkRange(what, address, size);
    this.checkCovered(what, address, size);
    this.reshape(address, size, undefined);
    this.cpu.unmap(this.page(address), this.page(size));
  }

  protect(address: number, size: number, prot: number): void {
    assertAddress(address, 'protect address');
    const what = `protect ${hex(address)}+${hex(size)}`;
    this.checkRange(what, address, size);
    if ((prot & ~7) !== 0) this.fail(what, UC_ERR_ARG, address);
    this.checkCovered(what, address, size);
    this.reshape(address, size, prot);
    this.cpu.protect(this.page(address), this.page(size), prot);
  }

  regions(): MemoryRegion[] {
    return this.regionList.map((r) => ({ ...r }));
  }

  read(address: number, size: number): Uint8Array {
    assertAddress(address, 'read address');
    const bytes = new Uint8Array(size);
    if (size === 0) return bytes;
    this.checkMapped(`read ${hex(address)}+${size}`, address, size, UC_ERR_READ_UNMAPPED);
    for (let done = 0; done < size; done += this.transferSize) {
      const n = Math.min(this.transferSize, size - done);
      this.cpu.readMemory(address + done, n);
      bytes.set(new Uint8Array(this.cpu.memory.buffer, this.transfer, n), done);
    }
    return bytes;
  }

  write(address: number, bytes: Uint8Array): void {
    assertAddress(address, 'write address');
    if (bytes.length === 0) return;
    this.checkMapped(`write ${hex(address)}+${bytes.length}`, address, bytes.length, UC_ERR_WRITE_UNMAPPED);
    for (let done = 0; done < bytes.length; done += this.transferSize) {
      const n = Math.min(this.transferSize, bytes.length - done);
      new Uint8Array(this.cpu.memory.buffer, this.transfer, n).set(bytes.subarray(done, done + n));
      this.cpu.writeMemory(address + done, n);
    }
  }

  private page(value: number): number {
    return Math.floor(value / 2 ** this.pageBits);
  }

  /** Unicorn's checks: non-empty, granule-aligned, no wrap-around. */
  private checkRange(what: string, address: number, size: number): void {
    if (!Number.isSafeInteger(size) || size <= 0 || address % this.granule !== 0 || size % this.granule !== 0 ||
      address + size > 2 ** 64) {
      this.fail(what, UC_ERR_ARG, address);
    }
  }

  private checkCovered(what: string, address: number, size: number): void {
    let at = address;
    for (const r of this.regionList) {
      if (r.address <= at && at < r.address + r.size) at = r.address + r.size;
      if (at >= address + size) return;
    }
    this.fail(what, UC_ERR_NOMEM, address);
  }

  private checkMapped(what: string, address: number, size: number, code: number): void {
    if (!Number.isSafeInteger(size) || size < 0 || !Number.isSafeInteger(address + size)) this.fail(what, UC_ERR_ARG, address);
    if (this.cpu.findUnmapped(address, size) >= 0) this.fail(what, code, address);
  }

  /** Splits regions at the range's ends, then drops (prot undefined) or re-protects the range. */
  private reshape(address: number, size: number, prot: number | undefined): void {
    const end = address + size;
    const next: MemoryRegion[] = [];
    for (const r of this.regionList) {
      const rEnd = r.address + r.size;
      if (rEnd <= address || r.address >= end) {
        next.push(r);
        continue;
      }
      if (r.address < address) next.push({ address: r.address, size: address - r.address, prot: r.prot });
      if (prot !== undefined) {
        const from = Math.max(r.address, address);
        next.push({ address: from, size: Math.min(rEnd, end) - from, prot });
      }
      if (rEnd > end) next.push({ address: end, size: rEnd - end, prot: r.prot });
    }
    this.regionList = next.sort((a, b) => a.address - b.address);
  }

  private fail(what: string, code: number, address: number): never {
    throw new SandboxError(`${what}: ${ucMessage(code)}`, ucName(code), address);
  }

  // ---- registers ----

  private view(): DataView {
    return new DataView(this.cpu.memory.buffer, this.state);
  }

  readRegister(name: string): bigint {
    const canonical = this.canonical(name);
    const view = this.view();
    if (canonical === 'nzcv') {
      return BigInt(view.getUint32(ARM64_NZCV_OFFSET, true) & 0xf) << 28n;
    }
    if (canonical === 'rflags') this.cpu.settleFlags();
    const vector = this.layout.vector[canonical];
    if (vector !== undefined) {
      return view.getBigUint64(vector, true) | (view.getBigUint64(vector + 8, true) << 64n);
    }
    return view.getBigUint64(this.layout.gpr[canonical]!, true);
  }

  writeRegister(name: string, value: bigint | number): void {
    const canonical = this.canonical(name);
    const view = this.view();
    const v = BigInt(value);
    if (canonical === 'nzcv') {
      view.setUint32(ARM64_NZCV_OFFSET, Number((v >> 28n) & 0xfn), true);
    } else if (this.layout.vector[canonical] !== undefined) {
      const at = this.layout.vector[canonical]!;
      view.setBigUint64(at, BigInt.asUintN(64, v), true);
      view.setBigUint64(at + 8, BigInt.asUintN(64, v >> 64n), true);
    } else if (canonical === 'rflags') {
      view.setBigUint64(this.layout.gpr[canonical]!, BigInt.asUintN(64, v) | BigInt(X64_FLAGS_FIXED), true);
      view.setUint32(X64_LAZY_KIND_OFFSET, X64_LAZY_NONE, true);
    } else {
      view.setBigUint64(this.layout.gpr[canonical]!, BigInt.asUintN(64, v), true);
    }
    // Inside a hook, a new pc takes effect at once; other registers are read from memory anyway.
    if (this.running && canonical === this.layout.pc) this.cpu.pcChanged();
  }

  /**
   * The general registers in the order of ARCH.arm64.registers.general (x0..x30, sp, pc, nzcv), 8 little-endian bytes
   * each, without making BigInts: for tools that compare whole register files often.
   */
  snapshotGeneralRegisters(out: Uint8Array): void {
    if (this.arch !== 'arm64') throw new SandboxError('snapshotGeneralRegisters is arm64 only for now', 'BAD_REGISTER');
    const state = new Uint8Array(this.cpu.memory.buffer, this.state, ARM64_STATE_USED);
    out.set(state.subarray(0, (ARM64_SP_SLOT + 1) * 8), 0);
    out.set(state.subarray(ARM64_PC_OFFSET, ARM64_PC_OFFSET + 8), 32 * 8);
    const view = new DataView(this.cpu.memory.buffer, this.state);
    const nzcv = (view.getUint32(ARM64_NZCV_OFFSET, true) & 0xf) << 28;
    const outView = new DataView(out.buffer, out.byteOffset);
    outView.setUint32(33 * 8, nzcv >>> 0, true);
    outView.setUint32(33 * 8 + 4, 0, true);
  }

  private canonical(name: string): string {
    const canonical = canonicalRegister(this.arch, name);
    const known = this.layout.gpr[canonical] !== undefined || this.layout.vector[canonical] !== undefined ||
      (this.arch === 'arm64' && canonical === 'nzcv');
    if (!known || !isKnownRegister(this.arch, canonical)) {
      throw new SandboxError(`unknown ${this.arch} register "${name}"`, 'BAD_REGISTER');
    }
    return canonical;
  }

  private pc(): number {
    return Number(this.readRegister(this.layout.pc));
  }

  // ---- running ----

  start(begin: number, options: StartOptions = {}): StartResult {
    assertAddress(begin, 'start address');
    if (this.running) throw new SandboxError('start called while the sandbox is running', 'UC_ERR_ARG');
    const until = options.until ?? NO_END;
    this.stopRequested = false;
    this.pendingError = undefined;
    this.instructionsCounted = undefined;
    this.running = true;
    let status: number;
    try {
      status = this.cpu.start(begin, until, options.maxInstructions ?? 0, options.timeLimitMs ?? 0);
    } catch (error) {
      throw new SandboxError(`the WASM CPU failed: ${error instanceof Error ? error.message : String(error)}`, 'CPU_ERROR');
    } finally {
      this.running = false;
    }
    const pc = this.pc();
    this.instructionsCounted = options.countInstructions ? this.cpu.lastInstructionCount() : undefined;
    if (this.pendingError) throw this.pendingError;
    const ended = (reason: StopReason): StartResult =>
      this.instructionsCounted === undefined ? { reason, pc } : { reason, pc, instructions: this.instructionsCounted };
    switch (status) {
      case STOP_UNTIL: return ended('until');
      case STOP_LIMIT: return ended('instruction-limit');
      case STOP_TIME: return ended('time-limit');
      case STOP_REQUESTED: return ended('stopped');
      // Unicorn checks the end address first: a hlt just before it ends the run there.
      case STOP_HALTED: return ended(pc === until ? 'until' : 'halted');
      case RUN_FAULT: throw this.guestFault(pc);
      case RUN_UNSUPPORTED: throw this.unsupported(pc);
      case RUN_BRANCH_TARGET: {
        const fault = { branch: this.cpu.lastBranchTargetBranch(), kind: this.cpu.lastBranchTargetKind(),
          target: this.cpu.lastBranchTargetAddress(), word: this.cpu.lastBranchTargetWord() };
        throw branchTargetError(this.arch, fault, this.branchBytes(fault.branch), pc);
      }
    }
    throw new SandboxError(`the WASM CPU stopped with unknown status ${status}`, 'CPU_ERROR', pc, pc);
  }

  /** Instructions the last start() executed (a cheap counter, unlike a code hook). */
  get lastInstructionCount(): number {
    return this.cpu.lastInstructionCount();
  }

  stop(): void {
    this.stopRequested = true;
    if (this.running) this.cpu.stop();
  }

  private guestFault(pc: number): SandboxError {
    const code = this.cpu.lastFaultCode();
    // Messages print all 64 bits exactly; `pc` is a number and rounds above 2^53.
    const exactPc = hexAddress(this.readRegister(this.layout.pc));
    if (code === UC_ERR_MAP || code === UC_ERR_INSN_INVALID) return new SandboxError(`${ucMessage(code)} at pc ${exactPc}`, ucName(code), pc, pc);
    const address = BigInt.asUintN(64, BigInt(this.cpu.lastFaultAddress()));
    return new SandboxError(`${ucMessage(code)} at ${hexAddress(address)} (pc ${exactPc})`, ucName(code), Number(address), pc);
  }

  /** The bytes of the branch instruction at `address` (as many of 15 as are mapped, for x86-64). */
  private branchBytes(address: number): Uint8Array {
    for (const size of this.arch === 'arm64' ? [4] : [15, 7, 6, 3, 2]) {
      try { return this.read(address, size); } catch { /* shorter */ }
    }
    return new Uint8Array(4);
  }

  private unsupported(pc: number): SandboxError {
    const address = this.cpu.lastUnsupportedAddress();
    let shown: string;
    if (this.arch === 'arm64') {
      const word = this.cpu.lastUnsupportedWord() >>> 0;
      const name = nameArm64Instruction(word);
      shown = name ? `${name} (${hex(word, 8)})` : hex(word, 8);
    } else {
      // The bytes were just fetched from guest memory, so they can be read back.
      const bytes = this.read(address, this.cpu.lastUnsupportedLength());
      const name = nameX64Instruction(bytes);
      shown = `${name ? name + ' ' : ''}(${bytesToHex(bytes, ' ')})`;
    }
    return new SandboxError(`unsupported instruction ${shown} at ${hex(address)}: the WASM CPU does not implement it`,
      'UNSUPPORTED_INSTRUCTION', address, pc);
  }

  // ---- hooks ----

  addHook(spec: HookSpec): HookHandle {
    const handle = this.nextHook++ as HookHandle;
    this.hooks.push({ ...spec, handle } as AnyHook);
    this.hooksChanged(spec.type);
    return handle;
  }

  removeHook(handle: HookHandle): void {
    const hook = this.hooks.find((h) => h.handle === handle);
    if (!hook) return;
    this.hooks = this.hooks.filter((h) => h !== hook);
    this.hooksChanged(hook.type);
  }

  private hooksChanged(type: HookSpec['type']): void {
    if (type === 'code') {
      this.cpu.resetCodeHooks();
      for (const hook of this.hooks) {
        if (hook.type !== 'code') continue;
        const begin = hook.begin ?? 1;
        const end = hook.end ?? 0;
        if (!this.cpu.addCodeHookRange(begin, end)) throw new SandboxError('too many code hook ranges', 'UC_ERR_HOOK');
      }
      this.cpu.codeHooksChanged();
    } else if (type === 'mem-read' || type === 'mem-write' || type === 'mem-invalid') {
      this.cpu.setHookKinds(this.has('mem-read') ? 1 : 0, this.has('mem-write') ? 1 : 0, this.has('mem-invalid') ? 1 : 0);
    }
  }

  private has(type: HookSpec['type']): boolean {
    return this.hooks.some((h) => h.type === type);
  }

  /** The callbacks cpu.wasm calls. */
  private imports(): WebAssembly.ModuleImports {
    return {
      hostCodeHook: (address: number, size: number) => {
        for (const hook of this.hooks) {
          if (hook.type === 'code' && covers(hook.begin, hook.end, address)) this.guard(() => hook.callback(address, size));
        }
      },
      hostMemoryHook: (access: number, address: number, size: number, low: number, high: number) => {
        const type = access === ACCESS_READ ? 'mem-read' : 'mem-write';
        const value = access === ACCESS_READ ? 0n
          : BigInt.asUintN(size * 8, (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0));
        for (const hook of this.hooks) {
          if (hook.type === type && covers(hook.begin, hook.end, address)) {
            this.guard(() => hook.callback(address, size, value));
          }
        }
      },
      hostInvalidAccess: (access: number, kind: number, address: number, size: number, low: number, high: number) => {
        const value = (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
        let handled = false;
        for (const hook of this.hooks) {
          if (hook.type !== 'mem-invalid') continue;
          this.guard(() => {
            if (hook.callback(ACCESS_NAMES[access]!, kind === INVALID_UNMAPPED ? 'unmapped' : 'protected', address, size, value)) handled = true;
          });
        }
        return handled ? 1 : 0;
      },
      hostInterrupt: (interrupt: number) => this.guard(() => this.dispatchInterrupt(interrupt)),
      hostNow: () => performance.now(),
      hostPollStop: () => (this.stopFlag && Atomics.load(this.stopFlag, 0) !== 0 ? 1 : 0),
      hostCompileBlock: (address: number, length: number, slot: number) => this.compileBlock(address, length, slot),
      abort: () => {
        throw new Error('cpu.wasm aborted (out of memory?)');
      },
    };
  }

  /** As the Unicorn backend does: system calls to syscall hooks, the rest to interrupt hooks. */
  private dispatchInterrupt(interrupt: number): void {
    const isSyscall = interrupt === ARCH[this.arch].syscall.interrupt || interrupt === X64_SYSCALL_INTERRUPT;
    const syscalls = this.hooks.filter((h) => h.type === 'syscall');
    const interrupts = this.hooks.filter((h) => h.type === 'interrupt');
    if (isSyscall && syscalls.length > 0) {
      const address = this.pc() - (this.arch === 'arm64' ? 4 : 0);
      for (const hook of syscalls) if (hook.type === 'syscall') hook.callback(address);
    } else if (interrupt !== X64_SYSCALL_INTERRUPT && interrupts.length > 0) {
      for (const hook of interrupts) if (hook.type === 'interrupt') hook.callback(interrupt);
    } else {
      const pc = this.pc();
      throw interrupt === X64_SYSCALL_INTERRUPT
        ? new SandboxError(`Unhandled syscall instruction at ${hex(pc)}`, 'UC_ERR_EXCEPTION', pc, pc)
        : new SandboxError(`Unhandled CPU exception (${interruptName(this.arch, interrupt)}) at pc ${hex(pc)}`,
          'UC_ERR_EXCEPTION', pc, pc);
    }
  }

  /** Runs a hook body; an exception stops the guest and is rethrown by `start`. */
  private guard(body: () => void): void {
    try {
      body();
    } catch (error) {
      this.pendingError ??= error instanceof SandboxError ? error
        : new SandboxError(error instanceof Error ? error.message : String(error), 'HOOK_ERROR');
      this.cpu.stop();
    }
  }

  // ---- contexts ----

  saveContext(into?: SandboxContext): SandboxContext {
    const now = new Uint8Array(this.cpu.memory.buffer, this.state, this.layout.contextBytes);
    if (into) {
      if (!(into instanceof WasmContext) || into.owner !== this) {
        throw new SandboxError('context does not belong to this sandbox', 'BAD_CONTEXT');
      }
      into.state.set(now);
      return into;
    }
    return new WasmContext(this.arch, this, now.slice());
  }

  restoreContext(context: SandboxContext): void {
    if (!(context instanceof WasmContext) || context.owner !== this) {
      throw new SandboxError('context does not belong to this sandbox', 'BAD_CONTEXT');
    }
    new Uint8Array(this.cpu.memory.buffer, this.state, this.layout.contextBytes).set(context.state);
    if (this.running) this.cpu.pcChanged();
  }

  close(): void {
    // The instance and its memory go with the last reference; nothing native to free.
    this.closed = true;
    this.hooks = [];
    this.regionList = [];
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

function covers(begin: number | undefined, end: number | undefined, address: number): boolean {
  const b = begin ?? 1;
  const e = end ?? 0;
  return b > e || (address >= b && address <= e);
}
