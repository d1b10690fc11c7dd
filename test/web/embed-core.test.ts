// The embed's scenario core on real Unicorn: scenarios built at build time run like the program
// does on its own, transactions can be walked step by step with memory exactly as the journal
// says, and the disassembly the embed shows (recorded at build time) is what Capstone decodes.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { GuestProcess } from '../../sandbox/process.ts';
import type { Arch } from '../../core/arch.ts';
import { UnicornSandbox } from '../../sandbox/unicorn/unicorn-sandbox.ts';
import { nodePlatform } from '../../web/build/node-platform.ts';
import { buildScenario, listExamples } from '../../web/build/scenario-builder.ts';
import { DemoCore } from '../../web/src/embed/demo-core.ts';
import { InstructionTable } from '../../web/src/embed/instruction-table.ts';
import { guestModule, type Scenario } from '../../web/src/embed/scenario.ts';
import { disassembleAll } from '../../web/src/lab/disassembly.ts';
import { bytesToHex, hexToBytes } from '../../core/hex.ts';

const EXAMPLES = 'test/fixtures/embed';

function runToEnd(core: DemoCore): void {
  for (let i = 0; i < 1000 && core.runSlice(10_000) === 'running'; i++);
}

function coreFor(scenario: Scenario): { core: DemoCore; table: InstructionTable } {
  const table = new InstructionTable(scenario.instructions);
  return { core: new DemoCore(scenario, { ...nodePlatform, disassemble: table.disassemble }), table };
}

describe.each(['x64', 'arm64'] as Arch[])('a scenario on %s', (arch) => {
  let scenario: Scenario;
  beforeAll(async () => {
    scenario = await buildScenario(EXAMPLES, 'shop', arch);
  });

  it('holds module images, patch images and the timeline', () => {
    expect(scenario.id).toBe(`shop/${arch}`);
    expect(scenario.modules.map((m) => m.name)).toEqual(['shop']);
    expect(scenario.patches.map((p) => [p.file, p.sequence, p.redirects])).toEqual([
      ['upper.s', 1, [{ base: 'classify', mode: 'hook' }]],
      ['replace.s', 2, [{ base: 'classify', mode: 'replace' }]],
    ]);
    expect(scenario.timeline.map((e) => e.patch ?? e.rollback)).toEqual([0, 1, 'shop']);
    // A patch image starts with its magic number.
    expect(scenario.patches.every((p) => p.image.startsWith('48504154'))).toBe(true);
  });

  it('runs the program as a plain guest process on Unicorn does', async () => {
    const process = new GuestProcess(new UnicornSandbox(arch), { modules: scenario.modules.map((m) => guestModule(m, arch)) });
    process.run({ maxInstructions: 1_000_000 });
    const { core } = coreFor(scenario);
    await core.reset();
    runToEnd(core);
    const snapshot = await core.snapshot();
    expect(snapshot.state).toBe('exited');
    expect(snapshot.output).toBe(process.io.text());
    expect(snapshot.output).toBe('oooooooo');
    expect(snapshot.instructions).toBe(process.instructions);
    expect(snapshot.calls.find((c) => c.name === 'shop!classify')?.calls).toBe(8);
    process.close();
  });

  it('shows the disassembly Capstone gives, at every instruction of the run', async () => {
    const { core, table } = coreFor(scenario);
    await core.reset();
    await stepAllAgainstCapstone(core, arch);
    expect(table.misses).toBe(0);
  });
});

describe.each(['x64', 'arm64'] as Arch[])('patching a scenario on %s', (arch) => {
  let scenario: Scenario;
  beforeAll(async () => {
    scenario = await buildScenario(EXAMPLES, 'shop', arch);
  });

  it('applies the hook at once: from then on classify shouts', async () => {
    const { core, table } = coreFor(scenario);
    await core.reset();
    for (let i = 0; i < 3; i++) core.runSlice(1);
    const view = await core.apply(undefined, false);
    expect(view.status).toBe('applied');
    expect(view.position).toBe(view.steps.length);
    expect(view.redirects).toMatchObject([{ mode: 'hook', targetName: 'shop!classify', replacementName: 'shop patch 1!classify_upper' }]);
    expect(view.steps.map((s) => s.stage)).toContain('trampoline');
    expect(view.steps.find((s) => s.stage === 'entry-jump')?.code?.after[0]?.mnemonic).toBe(arch === 'arm64' ? 'b' : 'jmp');
    runToEnd(core);
    const snapshot = await core.snapshot();
    expect(snapshot.output).toBe('OOOOOOOO');
    expect(snapshot.calls.find((c) => c.name === 'shop patch 1!classify_upper')?.calls).toBe(8);
    // Every call still enters the old entry, and is sent on; the original runs through the trampoline.
    expect(snapshot.calls.find((c) => c.name === 'shop!classify')).toMatchObject({ calls: 8, redirected: 8 });
    expect(snapshot.next).toMatchObject({ kind: 'apply', name: 'replace.s' });
    expect(table.misses).toBe(0);
  });

  it('shows the disassembly Capstone gives in patched code too: the new function and the trampoline', async () => {
    const { core, table } = coreFor(scenario);
    await core.reset();
    expect((await core.apply(undefined, false)).status).toBe('applied');
    const places = await stepAllAgainstCapstone(core, arch);
    expect([...places]).toEqual(expect.arrayContaining(['shop!main', 'shop!classify', 'shop patch 1!classify_upper',
      'trampoline of shop!classify']));
    expect(table.misses).toBe(0);
  });

  it('steps through a transaction with memory as the journal has it at every step, back and forth', async () => {
    const { core } = coreFor(scenario);
    await core.reset();
    const sandbox = core.guest!.sandbox;
    const module = scenario.modules[0]!;
    const original = hexToBytes(module.code);
    const view = await core.apply(undefined, true);
    expect(view.position).toBe(0);
    // Nothing is written yet: the code is as loaded and no patch memory is mapped.
    expect(sandbox.read(module.base, original.length)).toEqual(original);
    const regionsBefore = sandbox.regions().length;
    const entry = view.steps.find((s) => s.stage === 'entry-jump')!;
    for (let k = 1; k <= view.steps.length; k++) {
      const now = core.stepTransaction(1)!;
      expect(now.position).toBe(k);
      const entryBytes = bytesToHex(sandbox.read(entry.address, entry.size));
      expect(entryBytes).toBe(k >= entry.step ? entry.after : entry.before);
      expect(k >= now.redirects[0]!.liveAtStep).toBe(k >= entry.step);
    }
    expect(sandbox.regions().length).toBe(regionsBefore + 3);
    expect(core.steppingTransaction).toBe(false);
    // Back is not possible once complete; a new stepwise rollback walks the other way.
    const rollback = await core.rollback(undefined, true);
    expect(rollback.status).toBe('applied');
    expect(rollback.position).toBe(0);
    expect(bytesToHex(sandbox.read(entry.address, entry.size))).toBe(entry.after);
    while (core.stepTransaction(1)!.position < rollback.steps.length);
    expect(sandbox.read(module.base, original.length)).toEqual(original);
    expect(sandbox.regions().length).toBe(regionsBefore);
  });

  it('takes a step back: the last written step is undone', async () => {
    const { core } = coreFor(scenario);
    await core.reset();
    const sandbox = core.guest!.sandbox;
    const view = await core.apply(undefined, true);
    const entry = view.steps.find((s) => s.stage === 'entry-jump')!;
    while (core.stepTransaction(1)!.position < entry.step);
    expect(bytesToHex(sandbox.read(entry.address, entry.size))).toBe(entry.after);
    expect(core.stepTransaction(-1)!.position).toBe(entry.step - 1);
    expect(bytesToHex(sandbox.read(entry.address, entry.size))).toBe(entry.before);
    // Running finishes the transaction first: the guest never runs a half-written patch.
    runToEnd(core);
    expect((await core.snapshot()).output).toBe('OOOOOOOO');
  });

  it('follows the timeline: hook, replacement, rollback to the hook', async () => {
    const { core, table } = coreFor(scenario);
    await core.reset();
    const seen: [string, string][] = [];
    for (const next of ['upper.s', 'replace.s', 'shop']) {
      expect(core.next?.name).toBe(next);
      const view = next === 'shop' ? await core.rollback(undefined, false) : await core.apply(undefined, false);
      expect(view.status).toBe('applied');
      // Run until the program prints its next letter.
      const printed = (await core.snapshot()).output.length;
      for (let i = 0; i < 500 && (await core.snapshot()).output.length === printed; i++) core.step();
      const snapshot = await core.snapshot();
      seen.push([snapshot.active.map((p) => p.file).join(','), snapshot.output.at(-1)!]);
    }
    expect(seen).toEqual([['upper.s', 'O'], ['replace.s', 'n'], ['upper.s', 'O']]);
    expect(core.next).toBeUndefined();
    runToEnd(core);
    expect((await core.snapshot()).output).toBe('OnOOOOOO');
    expect(table.misses).toBe(0);
  });

  it('stops a run at the moment of each timeline event, once', async () => {
    const { core } = coreFor(scenario);
    await core.reset();
    const runUntilStopped = () => {
      let end = core.runSlice(7, 0, true);
      for (let i = 0; i < 10_000 && end === 'running'; i++) end = core.runSlice(7, 0, true);
      return end;
    };
    // Before call 4 of classify: three letters printed, the fourth call not yet entered.
    expect(runUntilStopped()).toBe('stopped');
    const calls = () => core.guest!.calls.get('shop!classify');
    expect(calls()).toBe(3);
    expect(core.guest!.pc).toBe(scenario.modules[0]!.symbols.find((s) => s.name === 'classify')!.address);
    expect((await core.snapshot()).note).toBe('paused after 3 calls of shop!classify, where the example applies upper.s');
    expect((await core.apply(undefined, false)).status).toBe('applied');
    expect(runUntilStopped()).toBe('stopped');
    expect(calls()).toBe(5);
    // Not applying: running on passes the moment, and stops at the next one only once it is next.
    expect(runUntilStopped()).toBe('exited');
    expect((await core.snapshot()).output).toBe('oooOOOOO');
  });

  it('refuses what it cannot do, and says why', async () => {
    const { core } = coreFor(scenario);
    await core.reset();
    const none = await core.rollback(undefined, false);
    expect(none).toMatchObject({ status: 'refused', code: 'nothing-to-roll-back' });
    const unknown = await core.apply('missing.s', false);
    expect(unknown).toMatchObject({ status: 'refused', message: 'the example has no patch "missing.s"' });
    const stale = await core.apply('replace.s', false);
    expect(stale.status).toBe('applied');
    const older = await core.apply('upper.s', false);
    expect(older).toMatchObject({ status: 'refused', code: 'stale-sequence' });
  });
});

/** Runs the program one instruction at a time; the code shown at each stop must be what Capstone decodes there. */
async function stepAllAgainstCapstone(core: DemoCore, arch: Arch): Promise<Set<string>> {
  const places = new Set<string>();
  for (let steps = 0; core.state !== 'exited' && steps < 1000; steps++) {
    const snapshot = await core.snapshot();
    const first = snapshot.disassembly.find((l) => l.label) ?? snapshot.disassembly[0]!;
    const last = snapshot.disassembly.at(-1)!;
    const bytes = core.guest!.sandbox.read(first.address, last.address + last.bytes.length / 2 - first.address);
    const capstone = await disassembleAll(arch, bytes, first.address);
    const shown = snapshot.disassembly.filter((l) => l.address >= first.address);
    expect(shown.map((l) => [l.address, l.bytes, l.mnemonic, l.operands.replace(/ <.*>$/, '')]))
      .toEqual(capstone.map((l) => [l.address, l.bytes, l.mnemonic, l.operands]));
    expect(snapshot.disassembly.some((l) => l.address === snapshot.pc)).toBe(true);
    places.add(snapshot.where.replace(/\+0x[0-9a-f]+$/, ''));
    core.step();
  }
  expect(core.state).toBe('exited');
  return places;
}

/** What `hotpatch run --json` reports for an example: its output and each transaction's outcome. */
async function commandLine(example: string, arch: Arch): Promise<{ output: string; events: { name: string; result: { status: string } | null }[] }> {
  const { stdout } = await promisify(execFile)('node', ['bin/hotpatch.js', 'run', `examples/${example}`, '--arch', arch, '--json'],
    { timeout: 60_000 });
  return JSON.parse(stdout) as { output: string; events: { name: string; result: { status: string } | null }[] };
}

describe('every example as an embed plays it', async () => {
  const choices = await listExamples('examples');
  it.each(choices.map((c) => [c.example, c.arch] as const))('%s on %s: pausing at each moment and doing what the timeline says prints what the command line prints', async (example, arch) => {
    const [scenario, expected] = await Promise.all([buildScenario('examples', example, arch), commandLine(example, arch)]);
    const { core, table } = coreFor(scenario);
    await core.reset();
    const outcomes: [string, string][] = [];
    for (let i = 0; i < 100_000; i++) {
      const end = core.runSlice(5_000, 0, true);
      if (end === 'exited' || end === 'failed') break;
      if (end !== 'stopped') continue;
      const next = core.next!;
      const view = next.kind === 'apply' ? await core.apply(undefined, false) : await core.rollback(next.name, false);
      outcomes.push([view.subject, view.status]);
    }
    const snapshot = await core.snapshot();
    expect(snapshot.state).toBe('exited');
    expect(snapshot.output).toBe(expected.output);
    expect(outcomes).toEqual(expected.events.map((e) => [e.name, e.result?.status]));
    expect(table.misses).toBe(0);
  });
});
