// The page's lab core on real Unicorn: what the run controls and live views are built on.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GuestProcess } from '../../sandbox/process.ts';
import { ARCHES, type Arch } from '../../core/arch.ts';
import { UnicornSandbox } from '../../sandbox/unicorn/unicorn-sandbox.ts';
import { assembleProgram } from '../../toolchain/program.ts';
import { LabCore } from '../../web/src/lab/lab-core.ts';
import { BACKENDS } from '../helpers.ts';
import type { ProgramSpec } from '../../web/src/lab/protocol.ts';

const unicorn = { create: (arch: Arch) => new UnicornSandbox(arch), backend: 'unicorn' };
const NO_PLANNER = async () => ({ reason: 'no planner in this test' });
/** Every sandbox backend, on each architecture it runs. */
const CASES = BACKENDS.flatMap((b) => b.arches.map((arch) => ({ backend: b.name, arch, cpu: { backend: b.name, create: b.create } })));
const NO_CPU = { backend: 'none', create: (): never => { throw new Error('no CPU in this build'); } };

function priceTax(arch: Arch): ProgramSpec {
  return { arch, files: [{ name: 'pricing.s', text: readFileSync(`examples/price-tax/${arch}/pricing.s`, 'utf8') }] };
}

/** The same program run straight through by GuestProcess on Unicorn, as the CLI runs it: the oracle. */
async function reference(arch: Arch): Promise<{ output: string; instructions: number; calls: Map<string, number> }> {
  const modules = await assembleProgram(priceTax(arch).files.map((f) => ({ file: f.name, text: f.text })), arch);
  const process = new GuestProcess(new UnicornSandbox(arch), { modules });
  process.run();
  const result = { output: process.io.text(), instructions: process.instructions!, calls: new Map(process.calls) };
  process.close();
  return result;
}

async function stepUntilCall(core: LabCore, arch: Arch): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const [line] = (await core.snapshot(false)).disassembly.filter((l) => l.address === core.guest!.pc);
    if (line && (arch === 'x64' ? line.mnemonic === 'call' : line.mnemonic === 'bl')) return;
    core.step();
  }
  throw new Error('no call within 100 instructions of the entry');
}

describe.each(CASES)('lab core on $backend, $arch', ({ arch, cpu }) => {
  it('loads a program at its entry, with the disassembly around pc and no register marked', async () => {
    const core = new LabCore(cpu, NO_PLANNER);
    const report = await core.load(priceTax(arch), 1_000_000);
    expect(report.ok).toBe(true);
    expect(report.cpu).toEqual({ available: true, backend: cpu.backend });
    const main = report.modules[0]!.symbols.find((s) => s.name === 'main')!;
    const snapshot = await core.snapshot(true);
    expect(snapshot.state).toBe('ready');
    expect(snapshot.pc).toBe(main.address);
    expect(snapshot.where).toBe('pricing!main');
    expect(snapshot.disassembly[0]).toMatchObject({ address: main.address, label: 'pricing!main' });
    expect(snapshot.registers.length).toBeGreaterThan(16);
    expect(snapshot.registers.filter((r) => r.changed)).toEqual([]);
  });

  it('steps one instruction and marks exactly the registers that changed', async () => {
    const core = new LabCore(cpu, NO_PLANNER);
    await core.load(priceTax(arch), 1_000_000);
    const first = (await core.snapshot(true)).disassembly[0]!;
    core.step();
    const snapshot = await core.snapshot(true);
    expect(snapshot.pc).toBe(first.address + first.bytes.length / 2);
    expect(snapshot.instructions).toBe(1);
    const changed = snapshot.registers.filter((r) => r.changed).map((r) => r.name);
    // First instruction: x86-64 "push rbx" moves rsp; ARM64 "stp x29, x30, [sp, #-48]!" moves sp.
    expect(changed).toEqual(arch === 'x64' ? ['rsp', 'rip'] : ['sp', 'pc']);
    core.step();
    expect((await core.snapshot(true)).registers.filter((r) => r.changed).map((r) => r.name)).not.toContain('sp');
  });

  it('steps over a call: the same place and instruction count as single-stepping through it', async () => {
    const over = new LabCore(cpu, NO_PLANNER);
    await over.load(priceTax(arch), 1_000_000);
    await stepUntilCall(over, arch);
    const callAt = over.guest!.pc;
    const callLine = (await over.snapshot(false)).disassembly.find((l) => l.address === callAt)!;
    await over.stepOver();
    const afterOver = await over.snapshot(true);
    expect(afterOver.pc).toBe(callAt + callLine.bytes.length / 2);
    expect(afterOver.note).toMatch(/^stepped over (call|bl) /);

    const single = new LabCore(cpu, NO_PLANNER);
    await single.load(priceTax(arch), 1_000_000);
    while (single.guest!.pc !== afterOver.pc) single.step();
    const afterSingle = await single.snapshot(true);
    expect(afterOver.instructions).toBe(afterSingle.instructions);
    expect(afterOver.registers.map((r) => r.value)).toEqual(afterSingle.registers.map((r) => r.value));
  });

  it('runs to the end in slices with the output and call counts of a straight run', async () => {
    const expected = await reference(arch);
    const core = new LabCore(cpu, NO_PLANNER);
    await core.load(priceTax(arch), 10_000_000);
    let end;
    do end = core.runSlice(97); while (end === 'running');
    expect(end).toBe('exited');
    const snapshot = await core.snapshot(true);
    expect(snapshot.state).toBe('exited');
    expect(snapshot.exitCode).toBe(0);
    expect(snapshot.output).toBe(expected.output);
    expect(snapshot.instructions).toBe(expected.instructions);
    expect(new Map(snapshot.calls.map((c) => [c.name, c.calls]))).toEqual(expected.calls);
  });

  it('pauses when the instruction budget is used up, and reset starts over', async () => {
    const core = new LabCore(cpu, NO_PLANNER);
    await core.load(priceTax(arch), 250);
    expect(core.runSlice(1_000_000)).toBe('budget');
    let snapshot = await core.snapshot(true);
    expect(snapshot.instructions).toBe(250);
    expect(snapshot.budgetLeft).toBe(0);
    expect(snapshot.note).toMatch(/budget/);
    core.reset(1000);
    snapshot = await core.snapshot(true);
    expect(snapshot).toMatchObject({ state: 'ready', instructions: 0, budgetLeft: 1000, output: '' });
  });

  it('shows a memory window with the bytes as loaded next to the live ones', async () => {
    const core = new LabCore(cpu, NO_PLANNER);
    const report = await core.load(priceTax(arch), 1000);
    const fn = report.modules[0]!.symbols.find((s) => s.name === 'price_with_tax')!;
    core.watchMemory(fn.address, 32);
    const memory = (await core.snapshot(true)).memory!;
    expect(memory.label).toBe('pricing!price_with_tax');
    expect(memory.bytes).toHaveLength(64);
    expect(memory.bytes).toBe(memory.loaded);
    core.guest!.sandbox.write(fn.address, Uint8Array.of(0xcc));
    const changed = (await core.snapshot(true)).memory!;
    expect(changed.bytes.slice(0, 2)).toBe('cc');
    expect(changed.loaded).toBe(memory.loaded);
  });
});

describe('lab core without a CPU', () => {
  it('still assembles and shows the entry function from the assembled image, without pretending to run', async () => {
    const core = new LabCore(NO_CPU, NO_PLANNER);
    const report = await core.load(priceTax('x64'), 1000);
    expect(report.ok).toBe(true);
    expect(report.cpu).toEqual({ available: false, reason: 'Programs cannot run here: no CPU in this build.' });
    const snapshot = await core.snapshot(true);
    expect(snapshot.state).toBe('ready');
    expect(snapshot.registers).toEqual([]);
    expect(snapshot.disassembly[0]).toMatchObject({ label: 'pricing!main', mnemonic: 'push', operands: 'rbx' });
    expect(core.runSlice(100)).toBe('exited');
    expect(core.canRun).toBe(false);
  });

  it('reports an assembler error on its file and line', async () => {
    const core = new LabCore(NO_CPU, NO_PLANNER);
    const program = priceTax('arm64');
    const lines = program.files[0]!.text.split('\n');
    const at = lines.findIndex((l) => l.includes('.func price_with_tax')) + 1;
    lines.splice(at, 0, '    frobnicate x0, x1');
    const report = await core.load({ arch: 'arm64', files: [{ name: 'pricing.s', text: lines.join('\n') }] }, 10);
    expect(report.ok).toBe(false);
    expect(report.diagnostics).toEqual([{ file: 'pricing.s', line: at + 1, message: expect.stringContaining('frobnicate') }]);
  });
});

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

describe.each(ARCHES)('patch sources in the lab, %s', (arch) => {
  it('builds a patch against the loaded program, and puts a bad line of it on its line', async () => {
    const core = new LabCore(NO_CPU, NO_PLANNER);
    await core.load(priceTax(arch), 10);
    const bad = FIX[arch].replace('.redirect price_with_tax -> price_with_tax_fixed', '.redirect price_with_tax -> nowhere');
    const [good, broken] = await core.checkPatches([{ name: 'fix.s', text: FIX[arch] }, { name: 'bad.s', text: bad }]);
    expect(good).toMatchObject({ file: 'fix.s', ok: true, module: 'pricing', sequence: 1, functions: ['price_with_tax_fixed'] });
    expect(good!.codeSize).toBeGreaterThan(0);
    expect(broken).toEqual({ file: 'bad.s', ok: false, diagnostics: [{ file: 'bad.s', line: 3, message: expect.stringContaining('"nowhere"') }] });
    const [empty] = await core.checkPatches([{ name: 'new.s', text: arch === 'x64' ? '; nothing yet\n' : '// nothing yet\n' }]);
    expect(empty).toEqual({ file: 'new.s', ok: true, diagnostics: [] });
  });

  it('refuses to apply without the engine parts, and says why', async () => {
    const core = new LabCore(unicorn, NO_PLANNER);
    await core.load(priceTax(arch), 10);
    const view = await core.applyPatch({ name: 'fix.s', text: FIX[arch] }, false);
    expect(view).toMatchObject({ status: 'refused', code: 'unavailable', message: 'no planner in this test', steps: [] });
  });
});
