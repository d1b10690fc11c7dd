// The lab worker's body (lab-worker.ts starts it): disassembler, guest CPU and the toolchain run here,
// so a runaway guest or a big assembly never freezes the page; Keystone itself runs in a worker of its
// own (assembler-worker.ts), which is ended and started again when a call misses its deadline. Requests
// are handled one at a time; a run is a loop of short slices, so pause takes effect within a slice (a
// few milliseconds).
import capstoneWasm from '@alexaltea/capstone-js/dist/capstone.wasm?url';
import { setCapstoneWasmUrl } from '../../../toolchain/capstone.ts';
import { keystoneAssemble, setKeystoneRunner, WatchedAssembler } from '../../../toolchain/keystone.ts';
import { browserCpu, prepareBrowserCpu } from './browser-cpu.ts';
import { engineParts } from './engine-parts.ts';
import { disassembleAll, loadCapstone, useKnownInstructions, whenCapstoneLoads } from './disassembly.ts';
import { InstructionTable } from '../embed/instruction-table.ts';
import { guestModule } from '../embed/scenario.ts';
import { hexToBytes } from '../../../core/hex.ts';
import { LabCore, type SliceEnd } from './lab-core.ts';
import { hotApplyEdit } from './hot-edit.ts';
import { makeScenario } from './scenario-maker.ts';
import type { LabMessage, LabReply, LabRequest, LabRequestMessage, RunSettings } from './protocol.ts';
import { sleep, yieldToMessages } from '../worker-pacing.ts';
import { requestInbox } from './request-inbox.ts';

setKeystoneRunner(new WatchedAssembler(() => {
  toolchainNeeded();
  const worker = new Worker(new URL('./assembler-worker.ts', import.meta.url), { type: 'module', name: 'assembler' });
  return {
    post: (request) => worker.postMessage(request),
    listen: (onReply, onError) => {
      worker.onmessage = (event) => onReply(event.data);
      worker.onerror = (event) => onError(event.message || 'the assembler worker failed');
    },
    terminate: () => worker.terminate(),
  };
}));
// Absolute: under a base path the build writes it from the site's root, which a worker started
// from a blob (web/build/first-visit-head.ts) cannot resolve against its own address.
setCapstoneWasmUrl(new URL(capstoneWasm, import.meta.url).href);

const core = new LabCore(browserCpu, engineParts);
const post = (message: LabMessage) => (self as unknown as Worker).postMessage(message);

/** Incremented to end the run loop in progress. */
let runGeneration = 0;
let running = false;
let queue: Promise<unknown> = Promise.resolve();

// cpu.wasm and engine.wasm started compiling in lab-worker.ts, before this script was fetched.
const cpuReady = prepareBrowserCpu();

/**
 * Keystone and Capstone (7 MB between them) load the first time either is needed: an edit, a patch
 * to build, bytes the build did not disassemble. A gallery example runs before that.
 */
let toolchainAsked = false;
function toolchainNeeded(): void {
  // Set first: starting Keystone and Capstone below calls back here.
  if (toolchainAsked) return;
  toolchainAsked = true;
  post({ kind: 'status', toolchain: 'loading' });
  Promise.all([keystoneAssemble('x64', 'nop', 0), loadCapstone()])
    .then(() => post({ kind: 'status', toolchain: 'ready' }))
    .catch((error) => post({ kind: 'status', toolchain: 'failed', message: String(error) }));
}
whenCapstoneLoads(toolchainNeeded);

/** A request that came before this script: posted by the page, or sent by the channel. */
export interface EarlyRequest {
  data: LabRequestMessage;
  viaChannel?: boolean;
}

/**
 * Handles the page's requests from now on, after those that came while this script loaded: posted,
 * and the first ones also by `channel` (request-inbox.ts), each once and in order.
 */
export function serveRequests(early: EarlyRequest[], channel?: BroadcastChannel): void {
  const inbox = requestInbox<LabRequestMessage>(() => channel?.close());
  const take = (message: LabRequestMessage | undefined) => { if (message) receive(message); };
  self.onmessage = (event: MessageEvent<LabRequestMessage>) => take(inbox.fromPage(event.data));
  if (channel) channel.onmessage = (event: MessageEvent<LabRequestMessage>) => take(inbox.fromChannel(event.data));
  for (const request of early) take(request.viaChannel ? inbox.fromChannel(request.data) : inbox.fromPage(request.data));
}

function receive({ id, request }: LabRequestMessage): void {
  if (request.type === 'warm') {
    // Ahead of the queue: a request waiting for the toolchain must not hold up the run.
    toolchainNeeded();
    post({ kind: 'reply', id, reply: { type: 'done' } });
    return;
  }
  if (request.type === 'pause') {
    // Acts at once, ahead of queued requests.
    const wasRunning = running;
    stopRunning();
    if (wasRunning) queue = queue.then(() => publish(true));
    post({ kind: 'reply', id, reply: { type: 'done' } });
    return;
  }
  // Anything that changes the guest ends a run first; reads (assemble, disassemble) do not.
  const wasRunning = running;
  if (!['assemble', 'check-patches', 'disassemble', 'watch-memory', 'breakpoints', 'story', 'make-scenario'].includes(request.type)) stopRunning();
  const generation = runGeneration;
  queue = queue.then(() => handle(request, wasRunning, generation)).then(
    (reply) => post({ kind: 'reply', id, reply }),
    (error: unknown) => post({ kind: 'reply', id, reply: { type: 'failed', message: error instanceof Error ? error.message : String(error) } }),
  );
}

const LOADED_MARK = 'hotpatch:lab:loaded';

/** `generation`: the run generation when the request came in; a later pause or request changes it. */
async function handle(request: LabRequest, wasRunning: boolean, generation: number): Promise<LabReply> {
  switch (request.type) {
    case 'assemble': return { type: 'assembled', report: (await core.assemble(request.program)).report };
    case 'check-patches': return { type: 'patches-checked', reports: await core.checkPatches(request.patches) };
    case 'load': {
      await cpuReady;
      core.configure(request.settings);
      const { prebuilt, program } = request;
      useKnownInstructions(prebuilt ? new InstructionTable(prebuilt.instructions) : undefined);
      const report = await core.load(program, request.settings.budget, prebuilt?.modules.map((m) => guestModule(m, program.arch)));
      await publish(true);
      // In the worker's own timeline, beside the page's marks (milestones.ts): when its first load was
      // done. Once, as the page marks its milestones: a long session loads many programs.
      if (performance.getEntriesByName(LOADED_MARK).length === 0) performance.mark(LOADED_MARK);
      return { type: 'loaded', report };
    }
    case 'reset': core.configure(request.settings); core.reset(request.settings.budget); await publish(true); return { type: 'done' };
    case 'step': core.step(); await publish(true); return { type: 'done' };
    case 'step-over': await core.stepOver(); await publish(true); return { type: 'done' };
    case 'run': core.breakpoints.runTo(request.until); void runLoop(request.settings); return { type: 'done' };
    case 'breakpoints': core.breakpoints.set(request.addresses); if (!running) await publish(false); return { type: 'done' };
    case 'story': core.setStory(request.events); await publish(false); return { type: 'done' };
    case 'watch-memory': core.watchMemory(request.address, request.length); if (!running) await publish(false); return { type: 'done' };
    case 'disassemble': return { type: 'disassembled', lines: await disassembleAll(request.arch, hexToBytes(request.bytes), request.address) };
    case 'apply-patch':
    case 'rollback-patch':
    case 'hot-edit': {
      // A patch goes in while the program runs: the run pauses for the transaction and goes on after it.
      const resume = wasRunning && !request.stepwise;
      core.configure(request.settings);
      const reply: LabReply = request.type === 'apply-patch' ? { type: 'transaction', view: await core.applyPatch(request.patch, request.stepwise) }
        : request.type === 'rollback-patch' ? { type: 'transaction', view: await core.rollbackPatch(request.module, request.stepwise) }
        : { type: 'hot-edit', view: await hotApplyEdit(core, request.file, request.stepwise) };
      // Paused (or asked anything else) while the transaction went in: the run stays stopped.
      // Otherwise it goes on, and its first snapshot shows the transaction's effects.
      if (resume && generation === runGeneration) void runLoop(request.settings);
      else await publish(true);
      return reply;
    }
    case 'transaction-step': core.transactionStep(request.to); await publish(true); return { type: 'done' };
    case 'transition': {
      // Reversed or forced while the program runs: it goes on.
      core.transition(request.action);
      if (wasRunning && generation === runGeneration) void runLoop(lastSettings);
      else await publish(true);
      return { type: 'done' };
    }
    case 'make-scenario': {
      await cpuReady;
      // Capstone decodes what the embed will show (the build's table of a gallery example may lack an edit's bytes).
      await loadCapstone();
      const scenario = await makeScenario(request.spec, { cpu: browserCpu, engineFor: engineParts, disassemble: (a, b, at) => disassembleAll(a, b, at) });
      return { type: 'scenario', scenario };
    }
    case 'pause': case 'warm': return { type: 'done' };
  }
}

async function publish(stopped: boolean): Promise<void> {
  await core.settle();
  const snapshot = await core.snapshot(stopped);
  if (running) snapshot.state = 'running';
  post({ kind: 'snapshot', snapshot });
}

function stopRunning(): void {
  if (running) core.setNote('paused');
  runGeneration++;
  running = false;
}

const SNAPSHOT_INTERVAL_MS = 50;

/** The settings of the last run, for a run that goes on after a request. */
let lastSettings: RunSettings = { speed: 0, budget: 0 };

async function runLoop(settings: RunSettings): Promise<void> {
  lastSettings = settings;
  if (!core.canRun) { await publish(true); return; }
  const generation = ++runGeneration;
  running = true;
  core.setNote(undefined);
  let lastPublished = 0;
  let end: SliceEnd = 'running';
  // The first slice leaves the breakpoint or moment the guest stands at; later ones stop at it.
  let resuming = true;
  const stops = () => { const first = resuming; resuming = false; return { resuming: first }; };
  while (generation === runGeneration && (end === 'running' || end === 'stopped')) {
    if (settings.speed === 0) {
      end = core.runSlice(1_000_000, 25, stops());
      await yieldToMessages();
    } else if (settings.speed <= 50) {
      end = core.runSlice(1, 0, stops());
      if (end === 'halted') break;
      await publish(true);
      await sleep(1000 / settings.speed);
      continue;
    } else {
      end = core.runSlice(Math.ceil(settings.speed / 20), 0, stops());
      if (end === 'halted') break;
      await sleep(50);
    }
    if (performance.now() - lastPublished > SNAPSHOT_INTERVAL_MS) {
      lastPublished = performance.now();
      await publish(false);
    }
  }
  // Stopped from outside: whoever stopped the run shows the result.
  if (generation !== runGeneration) return;
  running = false;
  await publish(true);
}

