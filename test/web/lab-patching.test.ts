// The lab applying patches through the engine's transaction, on every sandbox backend: the views
// of the journal, stepping through it, rollback, refusals, and call counters. The planner is the
// engine's (as the page gets it); for an architecture whose planner is not built yet, the small
// test planner (test/web/jump-planner.ts) stands in, and the transaction, the patch builder and the
// CPU are still the real ones.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Arch } from '../../core/arch.ts';
import { UnicornSandbox } from '../../sandbox/unicorn/unicorn-sandbox.ts';
import { LabCore } from '../../web/src/lab/lab-core.ts';
import type { ProgramSpec } from '../../web/src/lab/protocol.ts';
import { engineParts } from '../../web/src/lab/engine-parts.ts';
import type { EngineParts } from '../../web/src/lab/patch-lab.ts';
import { BACKENDS } from '../helpers.ts';
import { jumpPlanner } from './jump-planner.ts';

const engine = async (arch: Arch): Promise<EngineParts> => {
  const parts = await engineParts(arch);
  return parts.planner ? parts : { planner: jumpPlanner, trampolineSize: 64 };
};
const CASES = BACKENDS.flatMap((b) => b.arches.map((arch) => ({ backend: b.name, arch, cpu: { backend: b.name, create: b.create } })));
const unicorn = { create: (arch: Arch) => new UnicornSandbox(arch), backend: 'unicorn' };

const source = (arch: Arch) => readFileSync(`examples/price-tax/${arch}/pricing.s`, 'utf8');
const program = (arch: Arch, text = source(arch)): ProgramSpec => ({ arch, files: [{ name: 'pricing.s', text }] });

/** The same program with the rounding fixed in its own source: what the patched calls must print. */
function fixedSource(arch: Arch): string {
  const fixed = arch === 'x64' ? source(arch).replace('add eax, 100 ', 'add eax, 50  ') : source(arch).replace('add w0, w0, #100', 'add w0, w0, #50');
  expect(fixed).not.toBe(source(arch));
  return fixed;
}

const FIX: Record<Arch, string> = {
  x64: `.patch pricing
.sequence 1
.redirect price_with_tax -> price_with_tax_fixed
.func price_with_tax_fixed
    imul eax, edi, 120
    add eax, 50
    xor edx, edx
    mov ecx, 100
    div ecx
    ret
.endfunc
`,
  arm64: `.patch pricing
.sequence 1
.redirect price_with_tax -> price_with_tax_fixed
.func price_with_tax_fixed
    mov w1, #120
    mul w0, w0, w1
    add w0, w0, #50
    mov w1, #100
    udiv w0, w0, w1
    ret
.endfunc
`,
};
const fix = (arch: Arch) => ({ name: 'fix-rounding.s', text: FIX[arch] });

async function runToEnd(core: LabCore): Promise<void> {
  let end;
  do end = core.runSlice(10_000); while (end === 'running');
  expect(end).toBe('exited');
}

async function outputOf(arch: Arch, text: string): Promise<string[]> {
  const core = new LabCore(unicorn, engine);
  await core.load(program(arch, text), 1_000_000);
  await runToEnd(core);
  return (await core.snapshot(true)).output.trimEnd().split('\n');
}

/** Runs until the guest is about to make call number `n` of price_with_tax. */
function runUntilCall(core: LabCore, n: number): void {
  const calls = () => core.guest!.calls.get('pricing!price_with_tax')!;
  while (calls() < n - 1 || core.guest!.pc !== core.loadedModules[0]!.symbols.find((s) => s.name === 'price_with_tax')!.address) {
    core.step();
  }
}

const entryOf = (core: LabCore) => core.loadedModules[0]!.symbols.find((s) => s.name === 'price_with_tax')!;
const entryBytes = (core: LabCore) => core.guest!.sandbox.read(entryOf(core).address, 8);
const loadedEntry = (core: LabCore) => core.loadedModules[0]!.code.slice(entryOf(core).address - 0x400000, entryOf(core).address - 0x400000 + 8);

describe.each(CASES)('patching in the lab on $backend, $arch', ({ arch, cpu }) => {
  it('applies a patch mid-run: later calls take the new code, counters show calls moving', async () => {
    const [buggy, fixed] = await Promise.all([outputOf(arch, source(arch)), outputOf(arch, fixedSource(arch))]);
    const core = new LabCore(cpu, engine);
    await core.load(program(arch), 1_000_000);
    runUntilCall(core, 5);
    const view = await core.applyPatch(fix(arch), false);
    expect(view.status).toBe('applied');
    expect(view.position).toBe(view.steps.length);
    expect(view.steps.map((s) => s.stage)).toEqual(['identity', 'safe-point', 'map-code', 'entry-jump',
      ...(arch === 'arm64' ? ['flush-icache'] : [])]);
    expect(view.redirects).toEqual([expect.objectContaining({ mode: 'replace', targetName: 'pricing!price_with_tax',
      replacementName: 'pricing patch 1!price_with_tax_fixed', form: arch === 'x64' ? 'jmp rel32' : 'b imm26' })]);
    const jump = view.steps.find((s) => s.stage === 'entry-jump')!;
    expect(view.redirects[0]!.liveAtStep).toBe(jump.step);
    expect(jump.code!.before[0]!.mnemonic).toBe(arch === 'x64' ? 'imul' : 'mov');
    expect(jump.code!.after[0]!.mnemonic).toBe(arch === 'x64' ? 'jmp' : 'b');
    expect(jump.code!.after[0]!.operands).toContain(view.redirects[0]!.replacement.toString(16));
    expect(jump.code!.changed).toContain(0);
    // After the jump, the listing goes on at the old instruction boundaries: a jump that ends inside an
    // old instruction leaves its tail as data, and the next old instruction is shown where it was.
    const jumpEnd = jump.address + jump.size;
    const resume = jump.code!.before.find((l) => l.address >= jumpEnd)!;
    const next = jump.code!.after.findIndex((l) => l.address === resume.address);
    expect(jump.code!.after[next]).toEqual(resume);
    expect(jump.code!.after.slice(1, next)).toEqual(resume.address === jumpEnd ? []
      : [expect.objectContaining({ address: jumpEnd, mnemonic: '.byte', undecodable: true })]);
    if (arch === 'x64') expect(resume.address).toBeGreaterThan(jumpEnd); // jmp rel32 (5) over imul (3) and add (3)
    expect((await core.snapshot(true)).patches).toEqual([{ module: 'pricing', sequence: 1 }]);

    await runToEnd(core);
    const snapshot = await core.snapshot(true);
    // A snapshot carries the output since the one before: the whole of it is the guest's.
    expect(core.guest!.io.text().trimEnd().split('\n')).toEqual([...buggy.slice(0, 4), ...fixed.slice(4)]);
    expect(buggy.slice(4).join('\n')).not.toEqual(fixed.slice(4).join('\n'));
    expect(fixed.slice(4).join('\n')).toContain(snapshot.output.trimEnd());
    const counters = new Map(snapshot.calls.map((c) => [c.name, c]));
    expect(counters.get('pricing!price_with_tax')).toMatchObject({ calls: 4, redirected: 8, kind: 'base' });
    expect(counters.get('pricing patch 1!price_with_tax_fixed')).toMatchObject({ calls: 8, redirected: 0, kind: 'patch' });
  });

  it('steps through the journal forwards and backwards, the guest waiting until it is complete', async () => {
    const core = new LabCore(cpu, engine);
    await core.load(program(arch), 1_000_000);
    runUntilCall(core, 3);
    const regions = core.guest!.sandbox.regions().length;
    const view = await core.applyPatch(fix(arch), true);
    expect(view.status).toBe('applied');
    expect(view.position).toBe(0);
    // Replayed from the start: nothing of the transaction is in memory yet.
    expect(entryBytes(core)).toEqual(loadedEntry(core));
    expect(core.guest!.sandbox.regions().length).toBe(regions);
    expect(core.runSlice(100)).toBe('stopped');
    const mapAt = view.steps.findIndex((s) => s.stage === 'map-code') + 1;
    const jumpAt = view.steps.findIndex((s) => s.stage === 'entry-jump') + 1;
    let state = { position: 0, total: view.steps.length };
    while (state.position < jumpAt - 1) state = core.transactionStep('next');
    expect(core.guest!.sandbox.regions().length).toBe(regions + 1);
    expect(entryBytes(core)).toEqual(loadedEntry(core));
    expect(state.position).toBeGreaterThanOrEqual(mapAt);
    state = core.transactionStep('next');
    expect(entryBytes(core)).not.toEqual(loadedEntry(core));
    state = core.transactionStep('back');
    expect(entryBytes(core)).toEqual(loadedEntry(core));
    expect((await core.snapshot(true)).stepping).toEqual({ position: jumpAt - 1, total: view.steps.length });
    state = core.transactionStep('end');
    expect(state).toEqual({ position: view.steps.length, total: view.steps.length });
    expect((await core.snapshot(true)).stepping).toEqual({ position: view.steps.length, total: view.steps.length });
    await runToEnd(core);
    expect((await core.snapshot(true)).stepping).toBeUndefined();
    const counters = new Map((await core.snapshot(true)).calls.map((c) => [c.name, c]));
    expect(counters.get('pricing!price_with_tax')).toMatchObject({ calls: 2, redirected: 10 });
  });

  it('rolls back to the loaded bytes, refuses a stale sequence, and changes nothing when refusing', async () => {
    const core = new LabCore(cpu, engine);
    await core.load(program(arch), 1_000_000);
    runUntilCall(core, 2);
    expect((await core.applyPatch(fix(arch), false)).status).toBe('applied');
    const patched = entryBytes(core);
    const allMemory = () => Buffer.concat(core.guest!.sandbox.regions().map((r) => core.guest!.sandbox.read(r.address, r.size)));
    const memory = allMemory();
    const stale = await core.applyPatch(fix(arch), false);
    expect(stale).toMatchObject({ status: 'refused', code: 'stale-sequence', steps: [] });
    expect(allMemory().equals(memory)).toBe(true);
    const broken = await core.applyPatch({ name: 'broken.s', text: FIX[arch].replace('.sequence 1', '.sequence 2').replace('ret', 'frobnicate') }, false);
    expect(broken).toMatchObject({ status: 'not-built', message: expect.stringMatching(/^broken\.s line \d+: cannot assemble "frobnicate"/) });
    expect(entryBytes(core)).toEqual(patched);

    const back = await core.rollbackPatch('pricing', false);
    expect(back).toMatchObject({ action: 'rollback', status: 'applied', sequence: null, previous: 1 });
    expect(back.steps.some((s) => s.stage === 'restore')).toBe(true);
    expect(entryBytes(core)).toEqual(loadedEntry(core));
    expect((await core.snapshot(true)).patches).toEqual([]);
    await runToEnd(core);
    const counters = new Map((await core.snapshot(true)).calls.map((c) => [c.name, c]));
    expect(counters.get('pricing!price_with_tax')).toMatchObject({ calls: 12, redirected: 0 });
    expect(counters.get('pricing patch 1!price_with_tax_fixed')).toMatchObject({ calls: 0 });
  });
});

describe.each(CASES)('a patch built against another build, on $backend, $arch', ({ arch, cpu }) => {
  it('is refused before anything is written, naming the build that differs', async () => {
    const core = new LabCore(cpu, engine);
    await core.load(program(arch), 1_000_000);
    runUntilCall(core, 3);
    const other = { name: 'pricing-1.0.s', text: readFileSync(`examples/wrong-base/${arch}/pricing-1.0.s`, 'utf8') };
    const patch = { ...fix(arch), builtAgainst: other };
    const [report] = await core.checkPatches([patch]);
    expect(report).toMatchObject({ ok: true, module: 'pricing', builtAgainst: 'pricing-1.0.s' });
    const allMemory = () => Buffer.concat(core.guest!.sandbox.regions().map((r) => core.guest!.sandbox.read(r.address, r.size)));
    const memory = allMemory();
    const regions = core.guest!.sandbox.regions().length;
    const view = await core.applyPatch(patch, false);
    expect(view).toMatchObject({ status: 'refused', code: 'wrong-base', steps: [] });
    expect(view.message).toMatch(/^the patch was built for pricing sha256:[0-9a-f]+, but the running pricing is sha256:[0-9a-f]+/);
    expect(core.guest!.sandbox.regions().length).toBe(regions);
    expect(allMemory().equals(memory)).toBe(true);
    // The same source built against the loaded module goes in.
    expect((await core.applyPatch(fix(arch), false)).status).toBe('applied');
  });
});

describe.each(CASES)('what the lab tells the page about its runs, on $backend, $arch', ({ arch, cpu }) => {
  it('marks the output where each transaction took effect, numbers runs, and refuses patches once the program ended', async () => {
    const core = new LabCore(cpu, engine);
    await core.load(program(arch), 1_000_000);
    const first = await core.snapshot(true);
    expect(first.marks).toEqual([]);
    runUntilCall(core, 3);
    const before = (await core.snapshot(true)).output;
    const applied = await core.applyPatch(fix(arch), false);
    expect(applied).toMatchObject({ status: 'applied', run: first.run });
    const back = await core.rollbackPatch('pricing', false);
    expect(back).toMatchObject({ status: 'applied', run: first.run });
    expect(core.note).toBe('rolled back: pricing is back to its original code');
    await runToEnd(core);
    const ended = await core.snapshot(true);
    expect(ended.marks).toEqual([
      { offset: before.length, label: 'fix-rounding.s applied (pricing sequence 1)' },
      { offset: before.length, label: 'pricing rolled back to its original code' },
    ]);
    expect(before.split('\n').length - 1).toBe(2);
    const late = await core.applyPatch(fix(arch), false);
    expect(late).toMatchObject({ status: 'refused', code: 'ended', message: expect.stringMatching(/^the program has ended/) });
    core.reset(1_000_000);
    const again = await core.snapshot(true);
    expect(again.run).toBe(first.run + 1);
    expect(again.marks).toEqual([]);
    expect(again.patches).toEqual([]);
  });

  it('marks a transaction stepped through once its last step is in, and not while a step is out again', async () => {
    const core = new LabCore(cpu, engine);
    await core.load(program(arch), 1_000_000);
    runUntilCall(core, 2);
    const view = await core.applyPatch(fix(arch), true);
    expect((await core.snapshot(true)).marks).toEqual([]);
    core.transactionStep('end');
    expect((await core.snapshot(true)).marks).toHaveLength(1);
    core.transactionStep('back');
    expect((await core.snapshot(true)).marks).toEqual([]);
    core.transactionStep('end');
    expect((await core.snapshot(true)).marks).toEqual([{ offset: expect.any(Number), label: 'fix-rounding.s applied (pricing sequence 1)' }]);
    expect(view.steps.length).toBeGreaterThan(1);
  });
});

describe('assembler errors in the lab', () => {
  it('reports every line that does not assemble, not only the first', async () => {
    const core = new LabCore(unicorn, engine);
    const lines = source('x64').split('\n');
    const at = lines.findIndex((l) => l.includes('item index')) + 1;
    const pasted = ['    frobnicate eax, 1', ...Array.from({ length: 25 }, () => '    nop'), '    mov eax, ebx, ecx', '    nop'];
    lines.splice(at, 0, ...pasted);
    const { report } = await core.assemble(program('x64', lines.join('\n')));
    expect(report.ok).toBe(false);
    expect(report.diagnostics.map((d) => d.line)).toEqual([at + 1, at + 27]);
    expect(report.diagnostics[0]!.message).toMatch(/^cannot assemble "frobnicate eax, 1"/);
  });
});
