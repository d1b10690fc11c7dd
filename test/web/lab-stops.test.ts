// Where the lab's runs stop by themselves, on every sandbox backend: breakpoints, run to here, and
// the moments of an example's story, at which the example's transaction then goes in.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Arch } from '../../core/arch.ts';
import { addressesOfLine } from '../../core/module.ts';
import { LabCore, type SliceEnd } from '../../web/src/lab/lab-core.ts';
import { engineParts } from '../../web/src/lab/engine-parts.ts';
import type { EngineParts } from '../../web/src/lab/patch-lab.ts';
import type { ProgramSpec, StoryEvent } from '../../web/src/lab/protocol.ts';
import { BACKENDS } from '../helpers.ts';
import { jumpPlanner } from './jump-planner.ts';

const engine = async (arch: Arch): Promise<EngineParts> => {
  const parts = await engineParts(arch);
  return parts.planner ? parts : { planner: jumpPlanner, trampolineSize: 64 };
};
const CASES = BACKENDS.flatMap((b) => b.arches.map((arch) => ({ backend: b.name, arch, cpu: { backend: b.name, create: b.create } })));
const text = (arch: Arch, file = 'pricing.s') => readFileSync(`examples/price-tax/${arch}/${file}`, 'utf8');
const program = (arch: Arch): ProgramSpec => ({ arch, files: [{ name: 'pricing.s', text: text(arch) }] });
const BUDGET = 10_000_000;

/** Runs as the page's worker does: slices with stops until the run halts or ends. */
function run(core: LabCore, slice = 1_000_000): SliceEnd {
  let end: SliceEnd = 'running';
  let resuming = true;
  while (end === 'running' || end === 'stopped') {
    end = core.runSlice(slice, 0, { resuming });
    resuming = false;
  }
  return end;
}

describe.each(CASES)('stops of a run, $backend $arch', ({ arch, cpu }) => {
  it('stops at a breakpoint before its instruction, every time it comes round, with the calls counted once', async () => {
    const core = new LabCore(cpu, engine);
    expect((await core.load(program(arch), BUDGET)).ok).toBe(true);
    const module = core.loadedModules[0]!;
    const bug = text(arch).split('\n').findIndex((l) => l.includes('BUG: rounding')) + 1;
    const [address] = addressesOfLine(module, bug);
    const entry = module.symbols.find((s) => s.name === 'price_with_tax')!.address;
    core.breakpoints.set([address!, entry]);
    for (let call = 1; call <= 3; call++) {
      expect(run(core)).toBe('halted');
      expect(core.guest!.pc).toBe(entry);
      expect(core.note).toMatch(/breakpoint at pricing!price_with_tax$/);
      expect(core.guest!.calls.get('pricing!price_with_tax')).toBe(call - 1);
      expect(run(core)).toBe('halted');
      expect(core.guest!.pc).toBe(address);
      expect(core.guest!.calls.get('pricing!price_with_tax')).toBe(call);
    }
    // Slices of one instruction (the slow speeds) stop there too.
    expect(run(core, 1)).toBe('halted');
    expect(core.guest!.pc).toBe(entry);
    const snapshot = await core.snapshot(true);
    expect(snapshot.breakpoints).toEqual([entry, address].sort((a, b) => a! - b!));
    expect(snapshot.disassembly.find((r) => r.address === address)?.source).toEqual({ file: 'pricing.s', line: bug });
    core.breakpoints.set([]);
    expect(run(core)).toBe('exited');
    expect(core.guest!.calls.get('pricing!price_with_tax')).toBe(12);
    expect(core.guest!.io.text().split('\n')[0]).toBe('10.00 -> 12.01');
  });

  it('runs to here once, and a single step goes past a breakpoint', async () => {
    const core = new LabCore(cpu, engine);
    await core.load(program(arch), BUDGET);
    const module = core.loadedModules[0]!;
    const format = module.symbols.find((s) => s.name === 'format_cents')!.address;
    core.breakpoints.runTo(format);
    expect(run(core)).toBe('halted');
    expect(core.guest!.pc).toBe(format);
    expect(core.note).toBe('ran to pricing!format_cents');
    expect(core.breakpoints.target).toBeUndefined();
    core.breakpoints.set([format]);
    core.step();
    expect(core.guest!.pc).not.toBe(format);
    // The next call of format_cents stops there again.
    expect(run(core)).toBe('halted');
    expect(core.guest!.pc).toBe(format);
    expect(core.note).toBe('stopped at the breakpoint at pricing!format_cents');
    core.breakpoints.set([]);
    expect(run(core)).toBe('exited');
  });

  it('plays the story: stops at its moment saying what happens, and the fix applied there changes the output from the fifth price', async () => {
    const core = new LabCore(cpu, engine);
    await core.load(program(arch), BUDGET);
    const story: StoryEvent[] = [{ at: { afterCalls: 4, of: 'pricing!price_with_tax' }, apply: 'fix-rounding.s', expect: 'applied',
      note: 'The fix goes live between two iterations of the hot loop.' }];
    core.setStory(story);
    expect((await core.snapshot(false)).story).toMatchObject({ index: 0, total: 1, atMoment: false, apply: 'fix-rounding.s' });
    expect(run(core)).toBe('halted');
    expect(core.guest!.calls.get('pricing!price_with_tax')).toBe(4);
    expect(core.note).toBe('paused at a moment of the story');
    const at = await core.snapshot(true);
    expect(at.story).toMatchObject({ atMoment: true, apply: 'fix-rounding.s', sentence: 'Paused after 4 calls of pricing!price_with_tax: '
      + 'here the example applies fix-rounding.s. The fix goes live between two iterations of the hot loop.' });
    expect(at.output.split('\n').filter(Boolean)).toHaveLength(4);
    const view = await core.applyPatch({ name: 'fix-rounding.s', text: text(arch, 'fix-rounding.s') }, false);
    expect(view.status).toBe('applied');
    expect((await core.snapshot(false)).story).toMatchObject({ index: 1, atMoment: false, last: 'fix-rounding.s went in after 4 calls of pricing!price_with_tax' });
    expect(run(core)).toBe('exited');
    const lines = core.guest!.io.text().trimEnd().split('\n');
    expect(lines[3]).toBe('0.05 -> 0.07');
    expect(lines[4]).toBe('123.45 -> 148.14');
  });

  it('plays the wait for a thread: the moment is inside the entry, and the transaction waits for a safe point', async () => {
    const core = new LabCore(cpu, engine);
    await core.load(program(arch), BUDGET);
    core.setStory([{ at: { afterCalls: 4, of: 'pricing!price_with_tax', thenInstructions: 1 }, apply: 'fix-rounding.s', expect: 'applied' }]);
    expect(run(core)).toBe('halted');
    const entry = core.loadedModules[0]!.symbols.find((s) => s.name === 'price_with_tax')!.address;
    expect(core.guest!.pc).toBeGreaterThan(entry);
    expect((await core.snapshot(true)).story?.sentence).toBe('Paused after 4 calls of pricing!price_with_tax and 1 instruction: here the example applies fix-rounding.s.');
    const view = await core.applyPatch({ name: 'fix-rounding.s', text: text(arch, 'fix-rounding.s') }, false);
    expect(view.status).toBe('applied');
    if (arch === 'x64') expect(view.wait?.instructions).toBeGreaterThan(0);
    expect(run(core)).toBe('exited');
  });
});
