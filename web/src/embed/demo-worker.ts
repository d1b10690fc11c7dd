// The embed's Web Worker: one scenario's guest, CPU and hotpatch engine, so a running guest never
// blocks the page it is embedded in. Requests run one at a time; a run is a loop of short slices,
// so pause acts within a few milliseconds.
import type { SliceEnd } from '../lab/lab-core.ts';
import { browserPlatform } from './browser-platform.ts';
import { DemoCore } from './demo-core.ts';
import type { DemoMessage, DemoRequest, RunOptions } from './demo-protocol.ts';
import { InstructionTable } from './instruction-table.ts';
import { sleep, yieldToMessages } from '../worker-pacing.ts';

/** Loaded once, as soon as the worker starts. */
const platform = browserPlatform();
let core: DemoCore | undefined;
let table = new InstructionTable();
let runGeneration = 0;
let running = false;
let queue: Promise<unknown> = Promise.resolve();

const post = (message: DemoMessage) => (self as unknown as Worker).postMessage(message);

self.onmessage = (event: MessageEvent<{ id: number; request: DemoRequest }>) => {
  const { id, request } = event.data;
  if (request.type === 'pause') {
    const wasRunning = running;
    stopRunning(wasRunning ? 'paused' : undefined);
    if (wasRunning) queue = queue.then(publish);
    post({ kind: 'reply', id, ok: true });
    return;
  }
  stopRunning(running ? 'paused' : undefined);
  queue = queue.then(() => handle(request)).then(
    () => post({ kind: 'reply', id, ok: true }),
    (error: unknown) => post({ kind: 'reply', id, ok: false, message: error instanceof Error ? error.message : String(error) }),
  );
};

async function handle(request: DemoRequest): Promise<void> {
  if (request.type === 'load') {
    table = new InstructionTable(request.scenario.instructions);
    core = new DemoCore(request.scenario, { ...(await platform), disassemble: table.disassemble });
    await core.reset();
    await publish();
    return;
  }
  if (!core) throw new Error('no scenario is loaded');
  switch (request.type) {
    case 'reset': await core.reset(); break;
    case 'run': void runLoop(core, request.options); return;
    case 'step-instruction': core.step(); break;
    case 'apply': await core.apply(request.patch, request.stepwise); break;
    case 'rollback': await core.rollback(undefined, request.stepwise); break;
    case 'transaction-step': core.stepTransaction(request.direction); break;
    case 'transaction-finish': core.finishTransaction(); break;
  }
  await publish();
}

async function publish(): Promise<void> {
  if (!core) return;
  const snapshot = { ...(await core.snapshot()), listingMisses: table.misses };
  if (running) snapshot.state = 'running';
  post({ kind: 'snapshot', snapshot });
}

function stopRunning(note: string | undefined): void {
  if (note) core?.setNote(note);
  runGeneration++;
  running = false;
}

const SNAPSHOT_INTERVAL_MS = 60;

async function runLoop(demo: DemoCore, options: RunOptions): Promise<void> {
  if (!demo.canRun) { await publish(); return; }
  const generation = ++runGeneration;
  running = true;
  demo.setNote(undefined);
  let lastPublished = 0;
  let end: SliceEnd = 'running';
  while (generation === runGeneration && end === 'running') {
    if (options.speed === 0) {
      end = demo.runSlice(200_000, 20, options.stopAtMoments);
      await yieldToMessages();
    } else {
      // Twenty slices a second at the chosen speed.
      end = demo.runSlice(Math.max(1, Math.round(options.speed / 20)), 0, options.stopAtMoments);
      await sleep(50);
    }
    if (performance.now() - lastPublished > SNAPSHOT_INTERVAL_MS) {
      lastPublished = performance.now();
      await publish();
    }
  }
  if (generation !== runGeneration) return;
  running = false;
  await publish();
}

