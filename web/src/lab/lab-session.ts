// The page's handle on the lab: every view talks to this object (load, run, step, patch, events),
// never to the worker directly, so the CPU and engine behind it can change without touching views.
import type {
  AssembleReport, DisassemblyLine, LabMessage, LabReply, LabRequest, LabRequestMessage, LoadReport, PatchReport, PrebuiltProgram, ProgramSpec,
  RunSettings, Snapshot, StoryEvent, TransactionView,
} from './protocol.ts';
import type { PatchFile, SourceFile } from '../state/lab-state.ts';
import type { HotEditView } from './hot-edit.ts';
import type { Arch } from '../../../core/arch.ts';
import { bytesToHex } from '../../../core/hex.ts';
import type { Scenario } from '../embed/scenario.ts';
import type { ScenarioSpec } from './scenario-maker.ts';
import { takeEarlyWorker } from './early-worker.ts';

export type ToolchainStatus = { state: 'idle' | 'loading' | 'ready' } | { state: 'failed'; message: string };

export interface LabEvents {
  snapshot: (snapshot: Snapshot) => void;
  toolchain: (status: ToolchainStatus) => void;
}

export class LabSession {
  private worker: Worker | undefined;
  /**
   * The channel the worker the page's head started also takes requests by, until the worker's first
   * message: requests posted while the page draws itself are held until it has finished
   * (request-inbox.ts says why), and these go round that.
   */
  private channel: BroadcastChannel | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (reply: LabReply) => void; reject: (error: Error) => void }>();
  private readonly listeners: { [K in keyof LabEvents]: Set<LabEvents[K]> } = { snapshot: new Set(), toolchain: new Set() };
  toolchain: ToolchainStatus = { state: 'idle' };
  lastSnapshot: Snapshot | undefined;

  on<K extends keyof LabEvents>(event: K, listener: LabEvents[K]): () => void {
    this.listeners[event].add(listener);
    return () => this.listeners[event].delete(listener);
  }

  private emit<K extends keyof LabEvents>(event: K, ...args: Parameters<LabEvents[K]>): void {
    for (const listener of this.listeners[event]) (listener as (...a: Parameters<LabEvents[K]>) => void)(...args);
  }

  /** Starts the worker (and with it the download of the assembler and disassembler). */
  start(): void {
    if (this.worker) return;
    // The worker says when the assembler and disassembler start loading: a gallery example needs neither.
    // The page's head may have started it already (early-worker.ts); one that failed there is started again.
    const early = takeEarlyWorker();
    if (early?.error !== undefined) early.worker.terminate();
    this.worker = early && early.error === undefined ? early.worker
      : new Worker(new URL('./lab-worker.ts', import.meta.url), { type: 'module', name: 'lab' });
    if (early?.channel !== undefined && early.error === undefined && typeof BroadcastChannel === 'function') {
      this.channel = new BroadcastChannel(early.channel);
    }
    this.worker.onmessage = (event: MessageEvent<LabMessage>) => this.receive(event.data);
    this.worker.onerror = (event) => {
      this.setToolchain({ state: 'failed', message: event.message || 'the lab worker failed to start' });
      for (const { reject } of this.pending.values()) reject(new Error('the lab worker stopped'));
      this.pending.clear();
    };
  }

  private receive(message: LabMessage): void {
    // The worker's first message: posts reach it directly by now.
    this.channel?.close();
    this.channel = undefined;
    if (message.kind === 'snapshot') {
      this.lastSnapshot = message.snapshot;
      this.emit('snapshot', message.snapshot);
    } else if (message.kind === 'status') {
      this.setToolchain(message.toolchain === 'failed' ? { state: 'failed', message: message.message ?? 'unknown error' }
        : { state: message.toolchain });
    } else {
      const waiting = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.reply.type === 'failed') waiting?.reject(new Error(message.reply.message));
      else waiting?.resolve(message.reply);
    }
  }

  private setToolchain(status: ToolchainStatus): void {
    this.toolchain = status;
    this.emit('toolchain', status);
  }

  private request(request: LabRequest): Promise<LabReply> {
    this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const message: LabRequestMessage = { id, request };
      this.worker!.postMessage(message);
      this.channel?.postMessage(message);
    });
  }

  async assemble(program: ProgramSpec): Promise<AssembleReport> {
    const reply = await this.request({ type: 'assemble', program });
    if (reply.type !== 'assembled') throw new Error(`unexpected reply ${reply.type}`);
    return reply.report;
  }

  async checkPatches(patches: PatchFile[]): Promise<PatchReport[]> {
    const reply = await this.request({ type: 'check-patches', patches });
    if (reply.type !== 'patches-checked') throw new Error(`unexpected reply ${reply.type}`);
    return reply.reports;
  }

  async load(program: ProgramSpec, settings: RunSettings, prebuilt?: PrebuiltProgram): Promise<LoadReport> {
    const reply = await this.request({ type: 'load', program, settings, ...(prebuilt ? { prebuilt } : {}) });
    if (reply.type !== 'loaded') throw new Error(`unexpected reply ${reply.type}`);
    return reply.report;
  }

  async disassemble(arch: Arch, bytes: Uint8Array, address: number): Promise<DisassemblyLine[]> {
    const reply = await this.request({ type: 'disassemble', arch, bytes: bytesToHex(bytes), address });
    if (reply.type !== 'disassembled') throw new Error(`unexpected reply ${reply.type}`);
    return reply.lines;
  }

  async applyPatch(patch: PatchFile, stepwise: boolean, settings: RunSettings): Promise<TransactionView> {
    const reply = await this.request({ type: 'apply-patch', patch, stepwise, settings });
    if (reply.type !== 'transaction') throw new Error(`unexpected reply ${reply.type}`);
    return reply.view;
  }

  async rollbackPatch(module: string, stepwise: boolean, settings: RunSettings): Promise<TransactionView> {
    const reply = await this.request({ type: 'rollback-patch', module, stepwise, settings });
    if (reply.type !== 'transaction') throw new Error(`unexpected reply ${reply.type}`);
    return reply.view;
  }

  transition(action: 'reverse' | 'force'): Promise<unknown> { return this.request({ type: 'transition', action }); }
  /** Generates the patch of an edited source of the running program and applies it (hot-edit.ts). */
  async hotEdit(file: SourceFile, stepwise: boolean, settings: RunSettings): Promise<HotEditView> {
    const reply = await this.request({ type: 'hot-edit', file, stepwise, settings });
    if (reply.type !== 'hot-edit') throw new Error(`unexpected reply ${reply.type}`);
    return reply.view;
  }

  /** "Embed this": the scenario of `spec`, assembled, built and disassembled in the worker. */
  async makeScenario(spec: ScenarioSpec): Promise<Scenario> {
    const reply = await this.request({ type: 'make-scenario', spec });
    if (reply.type !== 'scenario') throw new Error(`unexpected reply ${reply.type}`);
    return reply.scenario;
  }

  /** Starts loading the assembler and disassembler, ahead of anything queued. */
  warmToolchain(): Promise<unknown> { return this.request({ type: 'warm' }); }

  /** Resolves once the assembler and disassembler have loaded (or failed to: requests then say why). */
  toolchainSettled(): Promise<void> {
    if (this.toolchain.state === 'ready' || this.toolchain.state === 'failed') return Promise.resolve();
    return new Promise((resolve) => {
      const stop = this.on('toolchain', (status) => {
        if (status.state === 'ready' || status.state === 'failed') { stop(); resolve(); }
      });
    });
  }

  transactionStep(to: 'next' | 'back' | 'end'): Promise<unknown> { return this.request({ type: 'transaction-step', to }); }
  /** Runs; with `until`, stops there too (run to here). Breakpoints and the story's moments stop it as well. */
  run(settings: RunSettings, until?: number): Promise<unknown> {
    return this.request({ type: 'run', settings, ...(until === undefined ? {} : { until }) });
  }
  setBreakpoints(addresses: number[]): Promise<unknown> { return this.request({ type: 'breakpoints', addresses }); }
  setStory(events: StoryEvent[] | null): Promise<unknown> { return this.request({ type: 'story', events }); }
  pause(): Promise<unknown> { return this.request({ type: 'pause' }); }
  step(): Promise<unknown> { return this.request({ type: 'step' }); }
  stepOver(): Promise<unknown> { return this.request({ type: 'step-over' }); }
  reset(settings: RunSettings): Promise<unknown> { return this.request({ type: 'reset', settings }); }
  watchMemory(address: number, length: number): Promise<unknown> { return this.request({ type: 'watch-memory', address, length }); }
}
