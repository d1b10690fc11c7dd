// The lab with guest threads, on both CPUs and architectures: a lane per thread in each snapshot
// (its call stack, its universe, when it switched), the consistency model chosen per transaction,
// the per-thread switches after the journal's steps, and a stalled transition reversed or forced.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ARCHES, type Arch } from '../../core/arch.ts';
import type { ConsistencyChoice } from '../../core/timeline.ts';
import { disassemble } from '../../toolchain/capstone.ts';
import { LabCore } from '../../web/src/lab/lab-core.ts';
import { engineParts } from '../../web/src/lab/engine-parts.ts';
import type { RunSettings, Snapshot } from '../../web/src/lab/protocol.ts';
import { BACKENDS } from '../helpers.ts';

const read = (path: string) => readFileSync(path, 'utf8');
const records = (arch: Arch) => ({ arch, files: [{ name: 'records.s', text: read(`examples/pair-change/${arch}/records.s`) }] });
const PATCHES = {
  pair: (arch: Arch) => ({ name: 'format-2.s', text: read(`examples/pair-change/${arch}/format-2.s`) }),
  serve: (arch: Arch) => ({ name: 'format-2-serve.s', text: read(`examples/stalled-transition/${arch}/format-2-serve.s`) }),
};

async function lab(arch: Arch, backend: number, consistency: ConsistencyChoice) {
  const b = BACKENDS[backend]!;
  const core = new LabCore({ backend: b.name, create: b.create }, engineParts);
  const settings: RunSettings = { speed: 0, budget: 1_000_000, slice: 200, consistency };
  core.configure(settings);
  const report = await core.load(records(arch), settings.budget);
  expect(report.ok).toBe(true);
  return core;
}

/** Runs until records!decode has been called `calls` times (all threads started by then). */
function runToDecodes(core: LabCore, calls: number): void {
  while ((core.guest!.calls.get('records!decode') ?? 0) < calls && core.runSlice(1) === 'running');
}

async function finish(core: LabCore): Promise<Snapshot> {
  for (let end = 'running'; end === 'running';) {
    end = core.runSlice(500);
    await core.settle();
  }
  return core.snapshot(true);
}

describe.each(ARCHES)('the lab with threads, %s', (arch) => {
  it.each([0, 1])('shows a lane per thread with its call stack, and replays the pair change under each model (backend %i)', async (backend) => {
    const outputs: Record<string, string> = {};
    for (const model of ['entry', 'per-thread'] as const) {
      const core = await lab(arch, backend, { consistency: model });
      runToDecodes(core, 5);
      const before = await core.snapshot(true);
      expect(before.threads!.map((t) => t.name)).toEqual(['main', 't1', 't2', 't3']);
      expect(before.threads!.every((t) => t.universe === 'old')).toBe(true);
      // A worker stands in decode(), called from transfer(), called from worker().
      const worker = before.threads!.find((t) => t.calls.includes('records!decode'))!;
      expect(worker.calls.slice(-3)).toEqual(['records!worker', 'records!transfer', 'records!decode']);
      const view = await core.applyPatch(PATCHES.pair(arch), false);
      expect(view).toMatchObject({ status: 'applied', consistency: model });
      const after = await core.snapshot(true);
      if (model === 'per-thread') {
        // The worker in decode() waits; the threads with no patched function on their stacks switched at once.
        expect(after.threads!.find((t) => t.name === worker.name)).toMatchObject({ universe: 'switching', from: 'old',
          waitingFor: expect.stringMatching(/is on its stack$/) });
        expect(after.threads!.find((t) => t.name === 'main')).toMatchObject({ universe: 'new', switchedWhen: 'transaction' });
        expect(view.steps.filter((s) => s.stage === 'switch').length).toBeGreaterThan(0);
        expect(after.transition).toMatchObject({ status: 'in-progress', canReverse: true, canForce: true });
      } else {
        expect(after.transition).toBeUndefined();
        expect(after.threads!.every((t) => t.universe === 'new')).toBe(true);
      }
      const end = await finish(core);
      outputs[model] = core.guest!.io.text();
      if (model === 'per-thread') {
        expect(end.transition!.status).toBe('complete');
        expect(end.transition!.switches.map((s) => s.thread)).toContain(worker.name);
        expect(end.threads!.filter((t) => t.state !== 'exited').every((t) => t.universe === 'new')).toBe(true);
      }
    }
    expect(outputs.entry).toContain('MIXED');
    expect(outputs['per-thread']).toBe('every record came back as it was sent\n');
  });

  it('reverses a stalled transition on request: every thread back in the old universe, the patch removed', async () => {
    const core = await lab(arch, 1, { consistency: 'per-thread', stallAfter: 1500, onStall: 'report' });
    runToDecodes(core, 5);
    expect((await core.applyPatch(PATCHES.serve(arch), false)).status).toBe('applied');
    while ((await core.snapshot(false)).transition!.status !== 'stalled') expect(core.runSlice(100)).toBe('running');
    const stalled = await core.snapshot(true);
    expect(stalled.transition!.message).toMatch(/^stalled: .*thread t3 is still in the old universe: records!serve is on its stack/);
    expect(stalled.threads!.find((t) => t.name === 't3')).toMatchObject({ universe: 'switching', from: 'old' });
    core.transition('reverse');
    expect(core.note).toMatch(/^(reversing: |every thread is back in the old universe)/);
    const end = await finish(core);
    expect(end.transition).toMatchObject({ status: 'removed', canReverse: false, canForce: false });
    expect(end.patches).toEqual([]);
    expect(end.threads!.every((t) => t.universe === 'old')).toBe(true);
    expect(core.guest!.io.text()).toBe('every record came back as it was sent\n');
  });

  it('forces a stalled transition on request, naming the risk', async () => {
    const core = await lab(arch, 0, { consistency: 'per-thread', stallAfter: 1500 });
    runToDecodes(core, 5);
    await core.applyPatch(PATCHES.serve(arch), false);
    while ((await core.snapshot(false)).transition!.status !== 'stalled') core.runSlice(100);
    core.transition('force');
    const forced = await core.snapshot(true);
    expect(forced.transition!.status).toBe('forced');
    expect(forced.transition!.message).toMatch(/^forced: .*thread t3 \(records!serve is on its stack\)/);
    expect(forced.threads!.filter((t) => t.state !== 'exited').every((t) => t.universe === 'new')).toBe(true);
    expect(() => core.transition('reverse')).toThrow(/no per-thread transition is in progress/);
  });
});

describe('the disassembly of a function cut short', () => {
  it('is empty where Capstone decodes nothing (the patch view of a short function once failed on its last byte)', async () => {
    expect(await disassemble('x64', Uint8Array.of(0x89), 0x400122)).toEqual([]);
    expect((await disassemble('x64', Uint8Array.of(0xc3, 0x89), 0x400121)).map((i) => i.mnemonic)).toEqual(['ret']);
  });
});
