// The lab's session: assembles a program, runs it as a guest process on a sandbox CPU, steps it,
// and applies and rolls back patches; what the page shows of it is lab-view.ts. No DOM and no
// messaging here, so the same code runs in the page's worker and, on real Unicorn, in Node tests.
import { ARCH, type Arch } from '../../../core/arch.ts';
import type { GuestModule } from '../../../core/module.ts';
import type { Planner } from '../../../engine/host/transaction.ts';
import { GuestProcess } from '../../../sandbox/process.ts';
import { RunBudget } from '../../../sandbox/run-budget.ts';
import type { Sandbox } from '../../../sandbox/sandbox.ts';
import { buildExamplePatch, type PatchSource } from '../../../toolchain/example-patch.ts';
import type { BuiltPatch } from '../../../toolchain/patch.ts';
import { assembleProgram } from '../../../toolchain/program.ts';
import { AssemblyError, stripComment } from '../../../toolchain/source.ts';
import { Breakpoints } from './breakpoints.ts';
import { disassembleAll, firstInstruction } from './disassembly.ts';
import { LabView } from './lab-view.ts';
import { SourceLinks } from './source-links.ts';
import { Story } from './story.ts';
import { type EngineParts, type PatchBuild, PatchLab } from './patch-lab.ts';
import type {
  AssembleReport, CpuStatus, Diagnostic, DisassemblyLine, LandingPadSettings, LoadReport, ModuleSummary, OutputMark, PatchingStatus, PatchReport, ProgramSpec,
  RunSettings, RunState, Snapshot, StoryEvent, TransactionView,
} from './protocol.ts';
import type { ConsistencyChoice } from '../../../core/timeline.ts';
import { DEFAULT_SLICE } from '../../../sandbox/threads.ts';

/** Creates the CPU guests run on; `create` throws, saying why, for an architecture it cannot run. */
export interface CpuProvider {
  backend: string;
  /** `enforceBranchTargets`: the CPU enforces landing pads (a CPU that cannot throws). */
  create(arch: Arch, options?: { enforceBranchTargets?: boolean }): Sandbox;
}

/** The engine's parts for patching programs of an architecture. */
export type EngineProvider = (arch: Arch) => Promise<EngineParts>;

/** `halted`: at a breakpoint, the run-to-here address or a moment of the story (slices run with stops only). */
export type SliceEnd = 'running' | 'budget' | 'stopped' | 'exited' | 'failed' | 'halted';

export class LabCore {
  private program: ProgramSpec | undefined;
  private modules: GuestModule[] = [];
  private process: GuestProcess | undefined;
  /** Instructions a run from reset may execute: the process's budget. */
  private instructionBudget = 0;
  private noteText: string | undefined;
  private patches: PatchLab | undefined;
  private readonly view = new LabView(this);
  private cpuStatus: CpuStatus = { available: false, reason: 'no program is loaded' };
  /** Counts the guests started (each load and reset): a transaction belongs to the run it went into. */
  private runNumber = 0;
  /** Where in the output each transaction of this run took effect. */
  private marks: OutputMark[] = [];
  /** The mark of a transaction stepped through: in the list while all its steps are in. */
  private steppedMark: OutputMark | undefined;
  private engine: EngineParts = { reason: 'no program is loaded' };

  private landingPads: LandingPadSettings = { enforce: false, keep: true };
  /** Where runs stop by themselves (breakpoints.ts). */
  readonly breakpoints = new Breakpoints();
  private links: SourceLinks | undefined;
  private story: Story | undefined;
  /** Instructions a guest thread runs before the next one: from the next load or reset. */
  private slice = DEFAULT_SLICE;
  /** The consistency model of the next transaction. */
  private consistency: ConsistencyChoice = {};

  constructor(private readonly cpu: CpuProvider, private readonly engineFor: EngineProvider) {}

  /** Landing pads: enforcement counts from the next load or reset, keeping them from the next patch. */
  setLandingPads(settings: LandingPadSettings | undefined): void {
    if (settings) this.landingPads = { ...settings };
  }

  /** The settings a request carries: landing pads, the threads' slice, the next transaction's consistency model. */
  configure(settings: RunSettings): void {
    this.setLandingPads(settings.landingPads);
    if (settings.slice !== undefined) this.slice = settings.slice;
    this.consistency = settings.consistency ? { ...settings.consistency } : {};
  }

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
      const first = diagnose(error, program.files[0]?.name ?? '');
      return { report: { ok: false, diagnostics: [first, ...await this.moreErrors(program, first)], modules: [] }, modules: [] };
    }
  }

  /**
   * The errors after the first: the assembler stops at one, so the line it named is left out and the
   * rest assembled again, until the sources assemble, an error has no line, or MAX_ERRORS are found.
   */
  private async moreErrors(program: ProgramSpec, first: Diagnostic): Promise<Diagnostic[]> {
    const found: Diagnostic[] = [];
    const files = program.files.map((f) => ({ file: f.name, lines: f.text.split('\n') }));
    let last = first;
    while (found.length + 1 < MAX_ERRORS && last.line !== undefined) {
      const file = files.find((f) => f.file === last.file);
      const text = file?.lines[last.line - 1];
      if (!file || text === undefined) break;
      // The label a line defines stays, so that the lines using it do not fail for want of it.
      file.lines[last.line - 1] = /^\s*[A-Za-z_.$][\w.$]*:/.exec(text)?.[0] ?? '';
      try {
        await assembleProgram(files.map((f) => ({ file: f.file, text: f.lines.join('\n') })), program.arch);
        break;
      } catch (error) {
        const next = diagnose(error, program.files[0]?.name ?? '');
        // The same place again: leaving the line out changed nothing, so there is nothing more to find.
        if (next.line === undefined || (next.file === last.file && next.line === last.line) || found.some((d) => d.file === next.file && d.line === next.line)) break;
        found.push(next);
        last = next;
      }
    }
    return found;
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

  /**
   * Assembles and loads a program, ready to run from its entry. `prebuilt`: the program's modules as
   * the build assembled them (a gallery example, unedited), so that no assembler is needed.
   */
  async load(program: ProgramSpec, budget: number, prebuilt?: GuestModule[]): Promise<LoadReport> {
    this.closeProcess();
    const { report, modules } = prebuilt
      ? { report: { ok: true, diagnostics: [], modules: prebuilt.map((m, i) => summarize(m, program.files[i]?.name ?? m.name)) }, modules: prebuilt }
      : await this.assemble(program);
    this.program = program;
    this.modules = modules;
    this.links = new SourceLinks(program.arch, modules, program.files);
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
    this.instructionBudget = budget;
    this.noteText = undefined;
    this.runNumber++;
    this.marks = [];
    this.steppedMark = undefined;
    if (!this.program) return;
    let sandbox: Sandbox;
    try {
      sandbox = this.cpu.create(this.program.arch, this.landingPads.enforce ? { enforceBranchTargets: true } : {});
      this.cpuStatus = { available: true, backend: this.cpu.backend };
    } catch (error) {
      this.cpuStatus = { available: false, reason: `Programs cannot run here: ${error instanceof Error ? error.message : String(error)}.` };
      this.view.restarted();
      return;
    }
    // Every slice, and every step of a transaction waiting for a safe point, spends the budget.
    const process = new GuestProcess(sandbox, { modules: this.modules, slice: this.slice,
      budget: new RunBudget({ maxInstructions: this.instructionBudget }) });
    this.process = process;
    this.breakpoints.attach(process, this.modules);
    this.story?.restart();
    const engine = this.engine;
    if (engine.planner) {
      // The planner reads the setting when it plans, so a change counts from the next patch.
      const planner: Planner = (request) => engine.planner({ ...request, landingPads: this.landingPads.keep ? 'keep' : 'overwrite' });
      this.patches = new PatchLab(process, this.modules, { ...engine, planner }, (address) => this.symbolize(address),
        async (arch, bytes, address) => this.linked(await disassembleAll(arch, bytes, address)));
    }
    this.view.restarted();
  }

  private closeProcess(): void {
    this.breakpoints.attach(undefined);
    this.process?.close();
    this.process = undefined;
    this.patches = undefined;
    this.view.restarted();
  }

  get arch(): Arch | undefined {
    return this.program?.arch;
  }

  /** Instructions the run may still execute before it pauses. */
  get budgetLeft(): number {
    return this.process?.budget?.instructionsLeft ?? this.instructionBudget;
  }

  /** Why the guest last stopped, for a person. */
  get note(): string | undefined {
    return this.noteText;
  }

  get patchLab(): PatchLab | undefined {
    return this.patches;
  }

  /** Which guest this is: 1 for the first one loaded, one more for every load and reset after it. */
  get run(): number {
    return this.runNumber;
  }

  get outputMarks(): readonly OutputMark[] {
    return this.marks;
  }

  /** Where the output stands now, for a transaction that takes effect here. */
  private markHere(label: string): OutputMark {
    return { offset: this.process?.io.bytesWritten ?? 0, label };
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

  /**
   * Runs at most `maxInstructions` (and `timeLimitMs`), within the budget. With `stops`, the slice
   * ends ('halted') at a breakpoint, the run-to-here address or the story's next moment;
   * `resuming`: the run starts with this slice, so the stop the guest stands at is not stopped at again.
   */
  runSlice(maxInstructions: number, timeLimitMs = 0, stops?: { resuming: boolean }): SliceEnd {
    const process = this.process;
    if (!process || process.finished) return process?.state === 'failed' ? 'failed' : 'exited';
    if (this.steppingThrough) { this.noteText = 'finish stepping through the transaction first'; return 'stopped'; }
    this.patches?.closeStepping();
    if (this.budgetLeft <= 0) return 'budget';
    if (!stops) {
      const outcome = process.run({ maxInstructions, timeLimitMs });
      return this.endOf(outcome.state, outcome.reason);
    }
    if (stops.resuming) this.story?.leftMoment();
    const moment = this.story?.momentFor(process);
    const reason = this.breakpoints.run(process, { maxInstructions, timeLimitMs }, { resuming: stops.resuming, ...(moment ? { moment: moment.at } : {}) });
    const end = this.endOf(process.state, 'instruction-limit');
    if (end !== 'running') return end;
    if (reason === 'ran') return 'running';
    const where = this.symbolize(process.pc);
    // At a moment, the story's own sentence says what happens there (StoryView); the note stays short.
    if (reason === 'moment') this.story!.reached();
    this.noteText = reason === 'moment' ? 'paused at a moment of the story'
      : reason === 'here' ? `ran to ${where}` : `stopped at the breakpoint at ${where}`;
    return 'halted';
  }

  /** Plays an example's story (its timeline) from the next run on; null ends it. */
  setStory(events: StoryEvent[] | null): void {
    this.story = events ? new Story(events) : undefined;
  }

  /** The rows with their source lines and immediates in the source's number base. */
  private linked(rows: DisassemblyLine[]): DisassemblyLine[] {
    return this.links ? this.links.annotate(rows) : rows;
  }

  private endOf(state: string, reason: string): SliceEnd {
    if (state === 'exited') { this.noteText = `the program exited with code ${this.process!.io.exitCode}`; return 'exited'; }
    if (state === 'failed') { this.noteText = this.process!.error?.message; return 'failed'; }
    if (this.budgetLeft <= 0) { this.noteText = 'the instruction budget is used up'; return 'budget'; }
    return reason === 'stopped' ? 'stopped' : 'running';
  }

  step(): SliceEnd {
    const end = this.runSlice(1);
    if (end === 'running') this.noteText = 'stepped one instruction';
    return end;
  }

  /** Steps one instruction, or over a whole call: runs until the call returns to the next instruction. */
  async stepOver(): Promise<SliceEnd> {
    const process = this.process;
    if (!process || process.finished) return this.step();
    const insn = await firstInstruction(process.arch, process.sandbox.read(process.pc, 16), process.pc);
    if (!insn || !isCall(process.arch, insn.mnemonic)) return this.step();
    const returnAddress = process.pc + insn.bytes.length / 2;
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
      if (reached) { this.noteText = `stepped over ${insn.mnemonic} ${insn.operands}`; return 'running'; }
      return end;
    } finally {
      process.sandbox.removeHook(hook);
    }
  }

  /** Builds a patch source and applies it to the running guest through the engine's transaction. */
  async applyPatch(patch: PatchSource, stepwise: boolean): Promise<TransactionView> {
    const none = { action: 'apply' as const, subject: patch.name, steps: [], redirects: [], position: 0 };
    const refused = this.refusalNow(patch.name);
    if (refused) return refused;
    const { report, built } = await this.buildPatch(patch);
    if (!built) {
      const d = report.diagnostics[0];
      return { ...none, status: 'not-built', message: d ? `${d.file}${d.line ? ` line ${d.line}` : ''}: ${d.message}` : 'the patch does not build' };
    }
    this.links?.addSource(patch.text);
    return this.applyBuilt(patch.name, built, stepwise);
  }

  /** Why no patch can go in now, as the refusal of `subject`; undefined when one can. */
  refusalNow(subject: string): TransactionView | undefined {
    const none = { action: 'apply' as const, subject, steps: [], redirects: [], position: 0, status: 'refused' as const, run: this.runNumber };
    if (!this.patches) return { ...none, code: 'unavailable', message: this.unavailable() };
    if (this.steppingThrough) return { ...none, code: 'busy', message: 'finish stepping through the current transaction first' };
    if (this.process?.finished) return { ...none, code: 'ended', message: ENDED };
    return undefined;
  }

  /** Applies a built patch (of a patch source, or generated from an edit) to the running guest. */
  async applyBuilt(name: string, built: PatchBuild, stepwise: boolean): Promise<TransactionView> {
    const refused = this.refusalNow(name);
    if (refused || !this.patches) return refused!;
    const view = await this.patches.apply(name, built, stepwise, () => this.stepGuest(), this.consistency);
    this.story?.transaction('apply', name, view.status === 'applied' ? 'went in' : `was ${view.status}`);
    if (view.status === 'applied') {
      const label = `${name} applied (${view.module} sequence ${view.sequence})`;
      this.noteText = stepwise ? `patch ${name} going in step by step` : `patch ${name} applied`;
      this.took(label, stepwise);
    }
    return { ...view, run: this.runNumber };
  }

  /** The program as loaded: the sources the running guest was assembled from. */
  get loadedProgram(): ProgramSpec | undefined {
    return this.program;
  }

  async rollbackPatch(module: string, stepwise: boolean): Promise<TransactionView> {
    const patches = this.patches;
    const refused = (code: string, message: string): TransactionView => ({ action: 'rollback', subject: module, steps: [],
      redirects: [], position: 0, status: 'refused', code, message, run: this.runNumber });
    if (!patches) return refused('unavailable', this.unavailable());
    if (this.steppingThrough) return refused('busy', 'finish stepping through the current transaction first');
    if (this.process?.finished) return refused('ended', ENDED);
    const view = await patches.rollback(module, stepwise, () => this.stepGuest(), this.consistency);
    this.story?.transaction('rollback', module, view.status === 'applied' ? 'was rolled back' : `rollback was ${view.status}`);
    if (view.status === 'applied') {
      const back = view.sequence === null || view.sequence === undefined ? 'its original code' : `patch sequence ${view.sequence}`;
      this.noteText = stepwise ? `${module} going back to ${back} step by step` : `rolled back: ${module} is back to ${back}`;
      this.took(`${module} rolled back to ${back}`, stepwise);
    }
    return { ...view, run: this.runNumber };
  }

  /** A transaction went in: marked in the output now, or once its last step is in when it is stepped through. */
  private took(label: string, stepwise: boolean): void {
    const mark = this.markHere(label);
    if (stepwise && this.steppingThrough) this.steppedMark = mark;
    else this.marks.push(mark);
  }

  transactionStep(to: 'next' | 'back' | 'end'): { position: number; total: number } {
    if (!this.patches) throw new Error('no transaction is being stepped through');
    const state = this.patches.step(to);
    this.noteText = state.position === state.total ? 'every step of the transaction is in: the program may go on'
      : `${state.position} of ${state.total} transaction steps in, the program waits`;
    // The guest does not run while a transaction is stepped through, so the mark's place is the same
    // whether the last step goes in, comes out again, or goes in once more.
    const mark = this.steppedMark;
    if (mark) {
      const at = this.marks.indexOf(mark);
      if (state.position === state.total && at < 0) this.marks.push(mark);
      if (state.position < state.total && at >= 0) this.marks.splice(at, 1);
    }
    return state;
  }

  /** A per-thread transition that has not ended: back to all-old, or every thread switched now (the risk is named). */
  transition(action: 'reverse' | 'force'): void {
    const transition = this.patches?.transition;
    if (!transition?.unfinished) throw new Error('no per-thread transition is in progress');
    if (action === 'reverse') transition.reverse();
    else transition.force();
    this.noteText = transition.message;
  }

  /** Finishes what a transition left for a moment between runs (removing a patch every thread has left). */
  async settle(): Promise<void> {
    await this.patches?.settle();
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
    this.view.watchMemory(address, length);
  }

  setNote(note: string | undefined): void {
    this.noteText = note;
  }

  /** What the views show now. `stopped`: the registers' "changed" marks compare against this stop. */
  async snapshot(stopped: boolean): Promise<Snapshot> {
    const snapshot = await this.view.snapshot(stopped);
    snapshot.disassembly = this.linked(snapshot.disassembly);
    snapshot.breakpoints = this.breakpoints.list;
    const runTo = this.breakpoints.target;
    if (runTo !== undefined) snapshot.runTo = runTo;
    if (this.story) snapshot.story = this.story.view();
    return snapshot;
  }

  /** "module!function+0x12" for an address in the program or in code a patch brought in, else the hex address. */
  symbolize(address: number): string {
    return this.view.symbolize(address);
  }

  /** Reads guest memory as it is now, or, with no CPU, as the modules were assembled. */
  read(address: number, length: number): Uint8Array | undefined {
    return this.view.read(address, length);
  }

  /** The modules as assembled (for tests and the patch toolchain). */
  get loadedModules(): readonly GuestModule[] {
    return this.modules;
  }

  get guest(): GuestProcess | undefined {
    return this.process;
  }
}

/** Errors the lab looks for in one program (each costs an assembly or a few). */
const MAX_ERRORS = 10;

const ENDED = 'the program has ended: Run it again (or Reset), then apply';

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
    ...(module.lines ? { lines: module.lines } : {}),
  };
}

function diagnose(error: unknown, fallbackFile: string): Diagnostic {
  if (error instanceof AssemblyError) {
    return { file: error.file ?? fallbackFile, ...(error.line ? { line: error.line } : {}), message: error.message };
  }
  return { file: fallbackFile, message: error instanceof Error ? error.message : String(error) };
}
