// The three consistency models side by side on threaded programs, on both architectures: where each
// is the right choice, and where it waits, refuses or stalls, with its message.
import { afterEach, describe, expect, it } from 'vitest';
import { ARCHES, type Arch } from '../../core/arch.ts';
import type { ConsistencyChoice } from '../../core/timeline.ts';
import { runTimeline, runToMoment, type TimelineEvent } from '../../engine/host/timeline.ts';
import { Hotpatcher } from '../../engine/host/transaction.ts';
import { GuestProcess } from '../../sandbox/process.ts';
import { RunBudget } from '../../sandbox/run-budget.ts';
import { assembleExample, buildExampleTimeline, readExampleManifest } from '../../toolchain/example.ts';
import { buildPatch } from '../../toolchain/patch.ts';
import type { GuestModule } from '../../core/module.ts';
import { BACKENDS } from '../helpers.ts';

const EXAMPLES = new URL('../../examples/', import.meta.url).pathname;
const processes: GuestProcess[] = [];
afterEach(() => { for (const p of processes.splice(0)) p.close(); });

const built = new Map<string, Promise<{ modules: GuestModule[]; timeline: TimelineEvent[] }>>();
function example(name: string, arch: Arch) {
  const key = `${name}/${arch}`;
  if (!built.has(key)) {
    built.set(key, (async () => {
      const dir = `${EXAMPLES}${name}`;
      const manifest = await readExampleManifest(dir);
      const { modules } = await assembleExample(dir, arch);
      return { modules, timeline: await buildExampleTimeline(dir, arch, manifest, modules) };
    })());
  }
  return built.get(key)!;
}

async function runExample(name: string, arch: Arch, options: { slice: number; backend?: number; choice?: ConsistencyChoice }) {
  const { modules, timeline } = await example(name, arch);
  const sandbox = BACKENDS[options.backend ?? 0]!.create(arch);
  const process = new GuestProcess(sandbox, { modules, slice: options.slice, budget: new RunBudget({ maxInstructions: 2_000_000 }) });
  processes.push(process);
  const hotpatcher = await Hotpatcher.create(sandbox, modules, { process });
  const events = timeline.map((e) => ({ ...e, ...options.choice }));
  const records = await runTimeline(process, hotpatcher, events);
  return {
    state: process.state, output: process.io.text(), exit: process.io.exitCode, instructions: process.instructions,
    switches: process.scheduler.switchLog, results: records.map((r) => r.result?.status),
    transition: hotpatcher.models.transition?.report(), active: hotpatcher.activeSequence('records'),
  };
}

const SLICES = [5, 11, 23, 50, 97, 200, 333, 1000];

describe.each(ARCHES)('a pair of functions changed together, %s', (arch) => {
  it.each(SLICES)('mixes formats under entry and never per thread, slice %i, on both CPUs', async (slice) => {
    for (const backend of [0, 1]) {
      const entry = await runExample('pair-change', arch, { slice, backend, choice: { consistency: 'entry' } });
      expect(entry.results).toEqual(['applied']);
      expect(entry.output).toContain('MIXED: a record encoded in one format was decoded in the other');
      expect(entry.exit).toBeGreaterThan(0);
      const perThread = await runExample('pair-change', arch, { slice, backend, choice: { consistency: 'per-thread' } });
      expect(perThread.results).toEqual(['applied']);
      expect(perThread.output).toBe('every record came back as it was sent\n');
      expect(perThread.exit).toBe(0);
      expect(perThread.transition?.status).toBe('complete');
      expect(perThread.transition?.events.map((e) => e.to).every((u) => u === 'new')).toBe(true);
    }
  });

  it('switches the same threads at the same instructions on both CPUs', async () => {
    for (const slice of [13, 200]) {
      const runs = [];
      for (const backend of [0, 1]) runs.push(await runExample('pair-change', arch, { slice, backend }));
      expect(runs[1]).toEqual(runs[0]);
      expect(runs[0]!.transition!.events.length).toBeGreaterThan(1);
    }
  });

  it('stalls on a thread that never leaves a patched function, names it, and reverses to all-old', async () => {
    const runs = [];
    for (const backend of [0, 1]) runs.push(await runExample('stalled-transition', arch, { slice: 200, backend }));
    expect(runs[1]).toEqual(runs[0]);
    const run = runs[0]!;
    expect(run.output).toBe('every record came back as it was sent\n');
    expect(run.transition?.status).toBe('removed');
    expect(run.active).toBeUndefined();
    // Every thread that went to the new universe came back.
    const went = run.transition!.events.filter((e) => e.to === 'new').map((e) => e.thread);
    const back = run.transition!.events.filter((e) => e.to === 'old').map((e) => e.thread);
    expect(new Set(back)).toEqual(new Set(went));
    expect(went.length).toBeGreaterThan(0);
  });

  it('reports a stalled transition as it stands, and refuses other transactions until it is over', async () => {
    const { modules, timeline } = await example('stalled-transition', arch);
    const sandbox = BACKENDS[0]!.create(arch);
    const process = new GuestProcess(sandbox, { modules, slice: 200 });
    processes.push(process);
    const hotpatcher = await Hotpatcher.create(sandbox, modules, { process });
    expect(runToMoment(process, timeline[0]!.at)).toBe('reached');
    const action = timeline[0]!.action;
    if (action.kind !== 'apply') throw new Error('the timeline applies');
    const result = await hotpatcher.apply(action.image, { consistency: 'per-thread', stallAfter: 2000 });
    expect(result.status).toBe('applied');
    process.run({ maxInstructions: 2500 });
    const report = hotpatcher.models.transition!.report();
    expect(report.status).toBe('stalled');
    expect(report.message).toMatch(/^stalled: after [\d,]+ instructions \(the budget is 2,000\) .*thread t3 is still in the old universe: records!serve is on its stack/);
    const other = await hotpatcher.rollback('records');
    expect(other).toMatchObject({ status: 'refused', code: 'transition-in-progress' });
    expect(other.status === 'refused' && other.message).toMatch(/^a per-thread transition of records patch 1 is stalled \(.*\); it must complete, be reversed or be forced first$/);
    // Forced: every thread switched now, the risk named.
    hotpatcher.models.transition!.force();
    const forced = hotpatcher.models.transition!.report();
    expect(forced.status).toBe('forced');
    expect(forced.message).toMatch(/^forced: .*thread t3 \(records!serve is on its stack\).* switched to the new universe with a patched function in progress/);
    process.run();
    expect(process.state).toBe('exited');
  });

  it('runs a per-thread rollback as the same transition backwards, then removes the patch', async () => {
    const { modules, timeline } = await example('pair-change', arch);
    const sandbox = BACKENDS[1]!.create(arch);
    const process = new GuestProcess(sandbox, { modules, slice: 50 });
    processes.push(process);
    const hotpatcher = await Hotpatcher.create(sandbox, modules, { process });
    const action = timeline[0]!.action;
    if (action.kind !== 'apply') throw new Error('the timeline applies');
    runToMoment(process, { afterCalls: 3, of: 'records!decode' });
    expect((await hotpatcher.apply(action.image, { consistency: 'per-thread' })).status).toBe('applied');
    while (hotpatcher.models.transition!.status !== 'complete') process.run({ maxInstructions: 100 });
    // An entry-applied patch cannot go back per thread; this one can.
    const back = await hotpatcher.rollback('records', { consistency: 'per-thread' });
    expect(back).toMatchObject({ status: 'applied', action: 'rollback', consistency: 'per-thread' });
    expect(back.status === 'applied' && back.transition?.direction).toBe('unpatch');
    while (hotpatcher.models.pending && !process.finished) {
      process.run({ maxInstructions: 100 });
      await hotpatcher.models.settle();
    }
    expect(hotpatcher.models.transition!.status).toBe('removed');
    expect(hotpatcher.activeSequence('records')).toBeUndefined();
    process.run();
    expect(process.io.text()).toBe('every record came back as it was sent\n');
  });
});

/** A hook on decode() that calls the original through its trampoline. */
const HOOK: Record<Arch, string> = {
  x64: `.patch records
.sequence 1
.redirect decode -> decode_hooked hook original_decode
.text
.func decode_hooked
    sub rsp, 8
    call qword ptr [rip + original_decode]
    add rsp, 8
    ret
.endfunc
`,
  arm64: `.patch records
.sequence 1
.redirect decode -> decode_hooked hook original_decode
.text
.func decode_hooked
    stp x29, x30, [sp, #-16]!
    adrp x16, original_decode
    ldr x16, [x16, :lo12:original_decode]
    blr x16
    ldp x29, x30, [sp], #16
    ret
.endfunc
`,
};

describe.each(ARCHES)('fixup, %s', (arch) => {
  async function start(backend = 0) {
    const { modules, timeline } = await example('pair-change', arch);
    const sandbox = BACKENDS[backend]!.create(arch);
    const process = new GuestProcess(sandbox, { modules, slice: 200 });
    processes.push(process);
    const hotpatcher = await Hotpatcher.create(sandbox, modules, { process });
    return { process, hotpatcher, modules, timeline };
  }

  it('moves a thread parked inside the entry bytes to the trampoline instead of waiting (x86-64)', async () => {
    if (arch !== 'x64') return; // ARM64 overwrites one instruction: no thread can stand inside it
    for (const consistency of ['entry', 'fixup'] as const) {
      const { process, hotpatcher, modules } = await start();
      const hook = await buildPatch(HOOK[arch], arch, { modules });
      expect(runToMoment(process, { afterCalls: 5, of: 'records!decode', thenInstructions: 1 })).toBe('reached');
      const result = await hotpatcher.apply(hook.image, { consistency });
      if (consistency === 'entry') {
        expect(result.status).toBe('wait');
        expect(result.status === 'wait' && result.message).toMatch(/^thread t1 \(pc 0x[0-9a-f]+, records!decode\+0x3\) is inside bytes .* of records!decode, which is about to be overwritten; it must leave them first$/);
      } else {
        expect(result).toMatchObject({ status: 'applied', consistency: 'fixup' });
        const move = result.status === 'applied' ? result.moves![0]! : undefined;
        expect(move?.thread).toBe('t1');
        expect(move?.to).toBe(result.status === 'applied' ? result.plans[0]!.displaced[1]!.relocatedAddress : -1);
        expect(result.status === 'applied' && result.steps.some((s) => s.stage === 'fixup')).toBe(true);
        expect(process.threads().find((t) => t.name === 't1')!.pc).toBe(move!.to);
      }
      process.run();
      expect(process.io.text()).toBe('every record came back as it was sent\n');
    }
  });

  it('refuses, with the reason, where the trampoline has no copy (a replace-mode redirect)', async () => {
    if (arch !== 'x64') return;
    const { process, hotpatcher, timeline } = await start();
    expect(runToMoment(process, { afterCalls: 5, of: 'records!decode', thenInstructions: 1 })).toBe('reached');
    const action = timeline[0]!.action;
    if (action.kind !== 'apply') throw new Error('the timeline applies');
    const result = await hotpatcher.apply(action.image, { consistency: 'fixup' });
    expect(result).toMatchObject({ status: 'refused', code: 'fixup-impossible' });
    expect(result.status === 'refused' && result.message).toMatch(/^thread t1 stands at 0x[0-9a-f]+ \(records!decode\+0x3\), inside bytes .* of records!decode, and the redirect is in replace mode: no trampoline holds a copy of the displaced instructions/);
  });

  it('moves a thread in the trampoline back to the original instruction on rollback instead of waiting (x86-64)', async () => {
    // A thread reaches a trampoline's copies only by a move: otherwise the hook's own code called
    // it, and the return address into that code, about to be removed, makes any model wait.
    if (arch !== 'x64') return;
    for (const consistency of ['entry', 'fixup'] as const) {
      const { process, hotpatcher, modules } = await start(1);
      const hook = await buildPatch(HOOK[arch], arch, { modules });
      runToMoment(process, { afterCalls: 5, of: 'records!decode', thenInstructions: 1 });
      const applied = await hotpatcher.apply(hook.image, { consistency: 'fixup' });
      if (applied.status !== 'applied') throw new Error(`not applied: ${applied.status}`);
      const moved = applied.moves![0]!;
      const result = await hotpatcher.rollback('records', { consistency });
      if (consistency === 'entry') {
        expect(result.status).toBe('wait');
        expect(result.status === 'wait' && result.message).toMatch(/^thread t1 \(pc 0x[0-9a-f]+, records patch 1 trampolines\+0x3\) is executing records patch 1 trampolines, which is about to be removed; it must leave it first$/);
      } else {
        expect(result).toMatchObject({ status: 'applied', consistency: 'fixup' });
        expect(result.status === 'applied' && result.moves).toEqual([expect.objectContaining({ thread: 't1', from: moved.to, to: moved.from })]);
        expect(process.pc).toBe(moved.from);
      }
      while (!process.finished && (await hotpatcher.rollback('records')).status === 'wait') process.run({ maxInstructions: 1 });
      process.run();
      expect(process.io.text()).toBe('every record came back as it was sent\n');
    }
  });
});

describe.each(ARCHES)('entry, %s', (arch) => {
  it('is the right choice for a self-contained change: applied at once, with threads in the middle of the code', async () => {
    const { modules } = await example('pair-change', arch);
    for (const consistency of ['entry', 'per-thread'] as const) {
      const sandbox = BACKENDS[0]!.create(arch);
      const process = new GuestProcess(sandbox, { modules, slice: 200 });
      processes.push(process);
      const hotpatcher = await Hotpatcher.create(sandbox, modules, { process });
      const hook = await buildPatch(HOOK[arch], arch, { modules });
      runToMoment(process, { afterCalls: 5, of: 'records!decode' });
      const result = await hotpatcher.apply(hook.image, { consistency });
      expect(result.status).toBe('applied');
      if (consistency === 'entry') {
        // Every later call of decode() goes through the hook, whichever thread makes it.
        expect(result.status === 'applied' && result.transition).toBeUndefined();
      } else {
        // Per thread, the same harmless change waits for threads with decode() on their stacks.
        expect(result.status === 'applied' && result.transition!.threads.some((t) => t.universe === 'old')).toBe(true);
      }
      process.run();
      expect(process.io.text()).toBe('every record came back as it was sent\n');
    }
  });
});

describe('per-thread refusals', () => {
  it('refuses a per-thread rollback of a patch applied with entry, and the models without the process', async () => {
    const { modules, timeline } = await example('pair-change', 'x64');
    const sandbox = BACKENDS[0]!.create('x64');
    const process = new GuestProcess(sandbox, { modules, slice: 200 });
    processes.push(process);
    const action = timeline[0]!.action;
    if (action.kind !== 'apply') throw new Error('the timeline applies');
    const bare = await Hotpatcher.create(sandbox, modules);
    expect(await bare.apply(action.image, { consistency: 'per-thread' })).toMatchObject({ status: 'refused', code: 'needs-process' });
    const hotpatcher = await Hotpatcher.create(sandbox, modules, { process });
    runToMoment(process, { afterCalls: 2, of: 'records!encode' });
    expect((await hotpatcher.apply(action.image)).status).toBe('applied');
    const result = await hotpatcher.rollback('records', { consistency: 'per-thread' });
    expect(result).toMatchObject({ status: 'refused', code: 'not-per-thread' });
    expect(result.status === 'refused' && result.message).toBe('records patch 1 was not applied per thread: its redirects do not go ' +
      'through dispatchers, so threads cannot go back one by one; roll it back with entry or fixup');
  });
});
