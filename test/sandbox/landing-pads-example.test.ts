// The landing-pads example on the WASM CPU with landing pads enforced: its hook goes in and every row
// comes out right when the engine keeps the pad; written over the pad (the old way), the next call
// through the function pointer stops the program with the CPU's fault, which names the branch and
// the jump that replaced the pad.
import { describe, expect, it } from 'vitest';
import { ARCHES } from '../../core/arch.ts';
import { planRedirect } from '../../engine/host/redirect.ts';
import { runTimeline } from '../../engine/host/timeline.ts';
import { Hotpatcher } from '../../engine/host/transaction.ts';
import type { RedirectRequest } from '../../engine/host/plan.ts';
import { GuestProcess } from '../../sandbox/process.ts';
import { RunBudget } from '../../sandbox/run-budget.ts';
import { WasmSandbox } from '../../sandbox/wasm/wasm-sandbox.ts';
import { assembleExample, buildExampleTimeline, readExampleManifest } from '../../toolchain/example.ts';

const DIR = new URL('../../examples/landing-pads', import.meta.url).pathname;
const CORRECT = ['20.00 -> 18.00', '9.99 -> 5.00', '12.50 -> 0.00', '40.00 -> 30.00', '1.00 -> 0.00', '50.00 -> 50.00'];

describe.each(ARCHES)('the landing-pads example on %s, landing pads enforced', (arch) => {
  async function run(landingPads: RedirectRequest['landingPads']) {
    const manifest = await readExampleManifest(DIR);
    const { modules } = await assembleExample(DIR, arch);
    const timeline = await buildExampleTimeline(DIR, arch, manifest, modules);
    const sandbox = new WasmSandbox(arch, { enforceBranchTargets: true });
    const process = new GuestProcess(sandbox, { modules, budget: new RunBudget({ maxInstructions: 10_000_000 }) });
    const hotpatcher = await Hotpatcher.create(sandbox, modules, { planner: (request) => planRedirect({ ...request, landingPads }) });
    const records = await runTimeline(process, hotpatcher, timeline);
    const result = { state: process.state, output: process.io.text().trim().split('\n'), error: process.error?.message ?? '',
      applied: records.some((r) => r.result?.status === 'applied') };
    process.close();
    return result;
  }

  it('runs unpatched and patched to the right rows when the engine keeps the pad', async () => {
    const kept = await run('keep');
    expect(kept.applied).toBe(true);
    expect(kept.state).toBe('exited');
    // Two rows before the patch, as the program had them (the third one is the bad row).
    expect(kept.output.slice(2)).toEqual(CORRECT.slice(2));
  });

  it('stops at the next call through the pointer when the jump overwrites the pad', async () => {
    const overwritten = await run('overwrite');
    expect(overwritten.applied).toBe(true);
    expect(overwritten.state).toBe('failed');
    // The third call had already landed when the patch went in (the run stopped on the pad); the fourth faults.
    expect(overwritten.output).toEqual(['20.00 -> 18.00', '9.99 -> 5.00', '12.50 -> 0.00']);
    expect(overwritten.error).toMatch(arch === 'x64'
      ? /^Control-protection exception \(#CP, ENDBRANCH\): the indirect call at 0x[0-9a-f]+ reached 0x[0-9a-f]+, which starts with e9/
      : /^Branch Target exception: blr x9 at 0x[0-9a-f]+ \(BTYPE 10\) reached 0x[0-9a-f]+, where b \(0x[0-9a-f]+\) is no landing pad/);
  });
});
