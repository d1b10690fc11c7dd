// The lab: assembles a program, runs it as a guest process on a sandbox CPU, and describes what the
// page shows (registers, disassembly around pc, memory, output, call counters). No DOM and no
// messaging here, so the same code runs in the page's worker and, on real Unicorn, in Node tests.
import { ARCH, type Arch, registerWidth } from '../../../core/arch.ts';
import { type GuestModule, moduleImage } from '../../../core/module.ts';
import { type NamedRange, placeName, rangeAt } from '../../../core/symbolizer.ts';
import { GuestProcess } from '../../../sandbox/process.ts';
import type { Sandbox } from '../../../sandbox/sandbox.ts';
import { disassemble } from '../../../toolchain/capstone.ts';
import { buildExamplePatch, type PatchSource } from '../../../toolchain/example-patch.ts';
import type { BuiltPatch } from '../../../toolchain/patch.ts';
import { assembleProgram } from '../../../toolchain/program.ts';
import { AssemblyError, stripComment } from '../../../toolchain/source.ts';
import { disassembleAll } from './disassembly.ts';
import { type EngineParts, PatchLab } from './patch-lab.ts';
import { bytesToHex } from '../../../core/hex.ts';
import type {
  AssembleReport, CallCounter, CpuStatus, Diagnostic, DisassemblyLine, LoadReport, MemoryWindow, ModuleSummary,
  PatchingStatus, PatchReport, ProgramSpec, RegisterValue, RunState, Snapshot, TransactionView,
} from './protocol.ts';

/** Creates the CPU guests run on; `create` throws, saying why, for an architecture it cannot run. */
export interface CpuProvider {
  backend: string;
  create(arch: Arch): Sandbox;
}

/** The engine's parts for patching programs of an architecture. */
export type EngineProvider = (arch: Arch) => Promise<EngineParts>;

/** Lines of disassembly shown before and after the program counter. */
const LINES_BEFORE = 6;
const LINES_AFTER = 14;
/** A view never disassembles more than this many bytes of one function. */
const MAX_FUNCTION_BYTES = 4096;

export type SliceEnd = 'running' | 'budget' | 'stopped' | 'exited' | 'failed';

export class LabCore {
  private program: ProgramSpec | undefined;
  private modules: GuestModule[] = [];
  private process: GuestProcess | undefined;
  private previousRegisters = new Map<string, bigint>();
  private budgetLeft = 0;
  private note: string | undefined;
  private memoryRequest: { address: number; length: number } | undefined;
  private patches: PatchLab | undefined;
  private cpuStatus: CpuStatus = { available: false, reason: 'no program is loaded' };
  private engine: EngineParts = { reason: 'no program is loaded' };

  constructor(private readonly cpu: CpuProvider, private readonly engineFor: EngineProvider) {}

  get patchingStatus(): PatchingStatus {
    if (!this.cpuStatus.available) return { available: false, reason: this.cpuStatus.reason };
    if (!this.engine.planner) return { available: false, reason: this.engine.reason };
    return { available: true };
  }

  /** Assembles without loading: for editor markers while the user types. */
  async assemble(program: ProgramSpec): Promise<{ report: AssembleReport; modules: GuestModule[] }> {
    try {
      const modules = await assembleProgram(program.files.map((f) => ({ file: f.name, text: f.text })), program.arch);
      return { report: { ok: true, diagnostics: [], modules: modules.map((m, i) => summarize(m, program.files[i]!.name)) }, modules };
    } catch (error) {
      return { report: { ok: false, diagnostics: [diagnose(error, program.files[0]?.name ?? '')], modules: [] }, modules: [] };
    }
  }

  /** Builds a patch source against the loaded program (the module its ".patch" line names, or another build of it). */
  async buildPatch(patch: PatchSource): Promise<{ report: PatchReport; built?: BuiltPatch }> {
    const arch = this.program?.arch;
    const fail = (diagnostic: Diagnostic) => ({ report: { file: patch.name, ok: false, diagnostics: [diagnostic] } });
    if (!arch || this.modules.length === 0) {
      return fail({ file: patch.name, message: 'the program does not assemble, so the patch cannot be built against it' });
    }
    if (!globalThis.crypto?.subtle) {
      // Module identities are SHA-256 digests from WebCrypto, which browsers offer to secure pages only.
      return fail({ file: patch.name, message: 'building patches needs WebCrypto, which the browser offers only to pages ' +
        'served over https:// or from localhost; open the playground that way' });
    }
    try {
      const built = await buildExamplePatch(patch, arch, this.modules);
      return {
        built,
        report: { file: patch.name, ok: true, diagnostics: [], module: built.module, sequence: built.sequence,
          functions: built.functions.map((f) => f.name), codeSize: built.assembled.code.length,
          ...(patch.builtAgainst ? { builtAgainst: patch.builtAgainst.name } : {}) },
      };
    } catch (error) {
      return fail(diagnose(error, patch.name));
    }
  }

  /** Builds each patch for its markers; a source of nothing but comments is not an error yet. */
  async checkPatches(patches: PatchSource[]): Promise<PatchReport[]> {
    const reports: PatchReport[] = [];
    for (const patch of patches) {
      const empty = this.program && stripComments(patch.text, this.program.arch).trim() === '';
      reports.push(empty ? { file: patch.name, ok: true, diagnostics: [] } : (await this.buildPatch(patch)).report);
    }
    return reports;
  }

  /** Assembles and loads a program, ready to run from its entry. */
  async load(program: ProgramSpec, budget: number): Promise<LoadReport> {
    this.closeProcess();
    const { report, modules } = await this.assemble(program);
    this.program = program;
    this.modules = modules;
    this.engine = await this.engineFor(program.arch);
    if (!report.ok) return { ...report, cpu: this.cpuStatus, patching: this.patchingStatus };
    try {
      this.start(budget);
    } catch (error) {
      this.modules = [];
      return { ok: false, diagnostics: [diagnose(error, program.files[0]?.name ?? '')], modules: [],
        cpu: this.cpuStatus, patching: this.patchingStatus };
    }
    return { ...report, cpu: this.cpuStatus, patching: this.patchingStatus };
  }

  /** Back to the entry point with the program as loaded; code patches are gone with the old CPU. */
  reset(budget: number): void {
    this.closeProcess();
    if (this.modules.length > 0) this.start(budget);
  }

  private start(budget: number): void {
    this.budgetLeft = budget;
    this.note = undefined;
    this.previousRegisters.clear();
    if (!this.program) return;
    let sandbox: Sandbox;
    try {
      sandbox = this.cpu.create(this.program.arch);
      this.cpuStatus = { available: true, backend: this.cpu.backend };
    } catch (error) {
      this.cpuStatus = { available: false, reason: `Programs cannot run here: ${error instanceof Error ? error.message : String(error)}.` };
      return;
    }
    const process = new GuestProcess(sandbox, { modules: this.modules });
    this.process = process;
    if (this.engine.planner) {
      this.patches = new PatchLab(process, this.modules, this.engine, (address) => this.symbolize(address), disassembleAll);
    }
    this.rememberRegisters();
  }

  private closeProcess(): void {
    this.process?.close();
    this.process = undefined;
    this.patches = undefined;
  }

  get arch(): Arch | undefined {
    return this.program?.arch;
  }

  get state(): RunState {
    if (!this.process) return this.modules.length > 0 ? 'ready' : 'empty';
    switch (this.process.state) {
      case 'ready': return 'ready';
      case 'paused': return 'paused';
      case 'exited': return 'exited';
      case 'failed': return 'failed';
    }
  }

  get canRun(): boolean {
    return this.process !== undefined && !this.process.finished && this.budgetLeft > 0 && !this.steppingThrough;
  }

  /** While a transaction is half replayed, the guest waits for it to finish. */
  get steppingThrough(): boolean {
    return this.patches?.midTransaction ?? false;
  }

  /** Runs at most `maxInstructions` (and `timeLimitMs`), within the budget. */
  runSlice(maxInstructions: number, timeLimitMs = 0): SliceEnd {
    const process = this.process;
    if (!process || process.finished) return process?.state === 'failed' ? 'failed' : 'exited';
    if (this.steppingThrough) { this.note = 'finish stepping through the transaction first'; return 'stopped'; }
    this.patches?.closeStepping();
    if (this.budgetLeft <= 0) return 'budget';
    const before = process.instructions ?? 0;
    const outcome = process.run({ maxInstructions: Math.min(maxInstructions, this.budgetLeft), timeLimitMs });
    this.budgetLeft -= (process.instructions ?? 0) - before;
    return this.endOf(outcome.state, outcome.reason);
  }

  private endOf(state: string, reason: string): SliceEnd {
    if (state === 'exited') { this.note = `the program exited with code ${this.process!.io.exitCode}`; return 'exited'; }
    if (state === 'failed') { this.note = this.process!.error?.message; return 'failed'; }
    if (this.budgetLeft <= 0) { this.note = 'the instruction budget is used up'; return 'budget'; }
    return reason === 'stopped' ? 'stopped' : 'running';
  }

  step(): SliceEnd {
    const end = this.runSlice(1);
    if (end === 'running') this.note = 'stepped one instruction';
    return end;
  }

  /** Steps one instruction, or over a whole call: runs until the call returns to the next instruction. */
  async stepOver(): Promise<SliceEnd> {
    const process = this.process;
    if (!process || process.finished) return this.step();
    const [insn] = await disassemble(process.arch, process.sandbox.read(process.pc, 16), process.pc, 1);
    if (!insn || !isCall(process.arch, insn.mnemonic)) return this.step();
    const returnAddress = process.pc + insn.size;
    // Back at the return address, the stack pointer has its value from before the call.
    const callerSp = process.sandbox.readRegister(ARCH[process.arch].registers.sp);
    let reached = false;
    const hook = process.sandbox.addHook({ type: 'code', begin: returnAddress, end: returnAddress, callback: () => {
      // A recursive call passes the same return address deeper down the stack: wait for ours.
      if (process.sandbox.readRegister(ARCH[process.arch].registers.sp) >= callerSp) {
        reached = true;
        process.requestStop();
      }
    } });
    try {
      let end: SliceEnd = 'running';
      while (end === 'running' && !reached) end = this.runSlice(1_000_000, 200);
      // Unicorn stops before the hooked instruction but has already counted it.
      if (reached && process.instructions !== undefined) { process.instructions--; this.budgetLeft++; }
      if (reached) { this.note = `stepped over ${insn.mnemonic} ${insn.operands}`; return 'running'; }
      return end;
    } finally {
      process.sandbox.removeHook(hook);
    }
  }

  /** Builds a patch source and applies it to the running guest through the engine's transaction. */
  async applyPatch(patch: PatchSource, stepwise: boolean): Promise<TransactionView> {
    const none = { action: 'apply' as const, subject: patch.name, steps: [], redirects: [], position: 0 };
    const patches = this.patches;
    if (!patches) return { ...none, status: 'refused', code: 'unavailable', message: this.unavailable() };
    if (this.steppingThrough) return { ...none, status: 'refused', code: 'busy', message: 'finish stepping through the current transaction first' };
    const { report, built } = await this.buildPatch(patch);
    if (!built) {
      const d = report.diagnostics[0];
      return { ...none, status: 'not-built', message: d ? `${d.file}${d.line ? ` line ${d.line}` : ''}: ${d.message}` : 'the patch does not build' };
    }
    const view = await patches.apply(patch.name, built, stepwise, () => this.stepGuest());
    if (view.status === 'applied') this.note = stepwise ? `patch ${patch.name} going in step by step` : `patch ${patch.name} applied`;
    return view;
  }

  async rollbackPatch(module: string, stepwise: boolean): Promise<TransactionView> {
    const patches = this.patches;
    if (!patches || this.steppingThrough) {
      return { action: 'rollback', subject: module, steps: [], redirects: [], position: 0, status: 'refused',
        code: patches ? 'busy' : 'unavailable', message: patches ? 'finish stepping through the current transaction first' : this.unavailable() };
    }
    return patches.rollback(module, stepwise, () => this.stepGuest());
  }

  transactionStep(to: 'next' | 'back' | 'end'): { position: number; total: number } {
    if (!this.patches) throw new Error('no transaction is being stepped through');
    const state = this.patches.step(to);
    this.note = state.position === state.total ? 'every step of the transaction is in: the program may go on'
      : `${state.position} of ${state.total} transaction steps in, the program waits`;
    return state;
  }

  private unavailable(): string {
    const status = this.patchingStatus;
    return status.available ? 'load the program first' : status.reason;
  }

  /** One instruction for a transaction that waits for a safe point; false when the guest cannot go on. */
  private stepGuest(): boolean {
    const end = this.runSlice(1);
    return end === 'running' || end === 'stopped';
  }

  watchMemory(address: number, length: number): void {
    this.memoryRequest = { address, length: Math.min(Math.max(length, 16), 1024) };
  }

  setNote(note: string | undefined): void {
    this.note = note;
  }

  /** What the views show now. `stopped`: the registers' "changed" marks compare against this stop. */
  async snapshot(stopped: boolean): Promise<Snapshot> {
    const process = this.process;
    const arch = this.program?.arch ?? 'x64';
    const pc = process ? process.pc : this.entryAddress() ?? 0;
    const snapshot: Snapshot = {
      state: this.state,
      arch,
      pc,
      where: this.symbolize(pc),
      instructions: process?.instructions ?? 0,
      budgetLeft: this.budgetLeft,
      registers: process ? this.registers(stopped) : [],
      disassembly: await this.disassemblyAround(pc),
      output: process?.io.text() ?? '',
      calls: process ? this.counters(process) : [],
      patches: this.patches?.activePatches() ?? [],
      ...(this.patches?.steppingThrough ? { stepping: this.patches.steppingThrough } : {}),
      ...(this.note ? { note: this.note } : {}),
    };
    if (process?.state === 'exited') snapshot.exitCode = process.io.exitCode;
    if (process?.error) snapshot.error = process.error.message;
    const memory = this.memoryWindow();
    if (memory) snapshot.memory = memory;
    return snapshot;
  }

  private counters(process: GuestProcess): CallCounter[] {
    if (this.patches) return this.patches.counters(process.calls);
    return [...process.calls].map(([name, calls]) => ({ name, calls, redirected: 0, kind: 'base' as const }));
  }

  private registers(stopped: boolean): RegisterValue[] {
    const process = this.process!;
    const values = ARCH[process.arch].registers.general.map((name) => {
      const value = process.sandbox.readRegister(name);
      const previous = this.previousRegisters.get(name);
      return { name, value: value.toString(16).padStart(registerWidth(process.arch, name) * 2, '0'),
        changed: previous !== undefined && previous !== value, raw: value };
    });
    if (stopped) for (const v of values) this.previousRegisters.set(v.name, v.raw);
    return values.map(({ raw: _raw, ...v }) => v);
  }

  private rememberRegisters(): void {
    const process = this.process!;
    for (const name of ARCH[process.arch].registers.general) this.previousRegisters.set(name, process.sandbox.readRegister(name));
  }

  private entryAddress(): number | undefined {
    const entry = this.modules.find((m) => m.entry)?.entry;
    for (const module of this.modules) {
      const symbol = module.symbols.find((s) => s.name === entry);
      if (symbol) return symbol.address;
    }
    return undefined;
  }

  /** The function holding an address: one of the program's, else code a patch brought in (new function or trampoline). */
  private codeAt(address: number): NamedRange | undefined {
    return rangeAt(address, this.modules, { kind: 'function', more: this.patches?.patchCode() });
  }

  symbolize(address: number): string {
    return placeName(address, this.codeAt(address));
  }

  private labelAt = (address: number): string | undefined => {
    const code = this.codeAt(address);
    return code && code.address === address ? code.name : undefined;
  };

  /** Branch and call targets get their name: "call 0x4000c7" reads "call 0x4000c7 <pricing!price_with_tax>". */
  private nameTargets(operands: string): string {
    const target = /^#?(0x[0-9a-f]+)$/.exec(operands.trim());
    if (!target) return operands;
    const address = Number(target[1]);
    return this.codeAt(address) ? `${operands} <${this.symbolize(address)}>` : operands;
  }

  /** Reads guest memory as it is now, or, with no CPU, as the modules were assembled. */
  read(address: number, length: number): Uint8Array | undefined {
    if (this.process) {
      try {
        return this.process.sandbox.read(address, length);
      } catch {
        return undefined;
      }
    }
    return this.loaded(address, length);
  }

  /** The bytes at this range as the modules were loaded, if the range lies inside one image. */
  private loaded(address: number, length: number): Uint8Array | undefined {
    for (const module of this.modules) {
      const image = moduleImage(module);
      if (address >= module.base && address + length <= module.base + image.length) {
        return image.slice(address - module.base, address - module.base + length);
      }
    }
    return undefined;
  }

  private async disassemblyAround(pc: number): Promise<DisassemblyLine[]> {
    const arch = this.program?.arch;
    if (!arch) return [];
    const fn = this.codeAt(pc);
    // Decoding starts at the function's first byte so x86-64 instruction boundaries come out right.
    const start = fn ? Math.max(fn.address, pc - MAX_FUNCTION_BYTES / 2) : pc;
    const end = fn ? Math.min(fn.address + fn.size, start + MAX_FUNCTION_BYTES) : pc + 64;
    const bytes = this.read(start, end - start) ?? this.read(pc, ARCH[arch].instructionAlignment);
    if (!bytes) return [];
    const lines = await disassembleAll(arch, bytes, bytes.length === end - start ? start : pc, this.labelAt);
    for (const line of lines) line.operands = this.nameTargets(line.operands);
    const at = Math.max(0, lines.findIndex((l) => l.address >= pc));
    return lines.slice(Math.max(0, at - LINES_BEFORE), at + LINES_AFTER);
  }

  private memoryWindow(): MemoryWindow | undefined {
    const request = this.memoryRequest;
    if (!request || this.modules.length === 0) return undefined;
    const bytes = this.read(request.address, request.length);
    const loaded = this.loaded(request.address, request.length);
    return {
      address: request.address,
      bytes: bytes ? bytesToHex(bytes) : '',
      loaded: loaded ? bytesToHex(loaded) : null,
      label: this.symbolize(request.address),
    };
  }

  /** The modules as assembled (for tests and the patch toolchain). */
  get loadedModules(): readonly GuestModule[] {
    return this.modules;
  }

  get guest(): GuestProcess | undefined {
    return this.process;
  }
}

function stripComments(text: string, arch: Arch): string {
  return text.split('\n').map((line) => stripComment(line, arch)).join('\n');
}

function isCall(arch: Arch, mnemonic: string): boolean {
  return arch === 'x64' ? mnemonic === 'call' : /^blr?(aa|ab|aaz|abz)?$/.test(mnemonic);
}

function summarize(module: GuestModule, file: string): ModuleSummary {
  return {
    name: module.name,
    file,
    base: module.base,
    codeSize: module.code.length,
    dataAddress: module.dataAddress,
    dataSize: module.data.length,
    ...(module.entry ? { entry: module.entry } : {}),
    exports: [...module.exports],
    symbols: module.symbols.map((s) => ({ name: s.name, address: s.address, size: s.size, kind: s.kind })),
  };
}

function diagnose(error: unknown, fallbackFile: string): Diagnostic {
  if (error instanceof AssemblyError) {
    return { file: error.file ?? fallbackFile, ...(error.line ? { line: error.line } : {}), message: error.message };
  }
  return { file: fallbackFile, message: error instanceof Error ? error.message : String(error) };
}
