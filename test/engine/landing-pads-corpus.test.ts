// Landing pads on real compiler output, with the WASM CPU enforcing them (IBT on x86-64, BTI on
// guarded pages on AArch64): every function of the CET and PAC/BTI corpus builds is hooked, with the
// replacement and trampoline near and far, and called directly and through a function pointer. The
// hooked calls return what the unhooked ones return, with the same memory effects, and nothing
// faults. The same hooks written over the pad (landingPads: 'overwrite', how the engine patched
// before it kept pads) must fault: that is what makes this test fail if pads stop being kept.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Arch } from '../../core/arch.ts';
import { type Engine, loadEngine } from '../../engine/host/engine.ts';
import { type RedirectPlan, type RedirectRequest, planRedirectWith } from '../../engine/host/plan.ts';
import { Prot, SandboxError } from '../../sandbox/sandbox.ts';
import { WasmSandbox } from '../../sandbox/wasm/wasm-sandbox.ts';
import { assembleStatements } from '../../toolchain/assemble.ts';
import {
  type CorpusBuild, type CorpusFunction, callFunction, loadBuild, loadCorpus, randomArguments, snapshotData,
} from '../../harness/corpus/corpus.ts';
import { applyPlan, revertPlan } from './apply-plan.ts';
import { hookReplacement as arm64Hook, loadImmediate } from './arm64/guest.ts';
import { hookReplacement as x64Hook } from '../../harness/fuzz/x64-replacements.ts';

const PLACES: Record<Arch, { near: number; far: number }> = {
  x64: { near: 0x1000_0000, far: 0x5_0000_0000 },
  arm64: { near: 0x48_0000, far: 0x2_0000_0000 },
};
/** Offsets in a place: replacement at 0, trampoline, call counter, the function-pointer caller. */
const TRAMPOLINE = 0x800;
const COUNTER = 0x1000;
const CALLER = 0x1800;
const CALLS = 3;

let engine: Engine;
beforeAll(async () => { engine = await loadEngine(); });

/** The replacement: a landing pad (the far entry jump reaches it indirectly), then a hook that calls the trampoline. */
async function replacement(arch: Arch, area: number): Promise<Uint8Array> {
  if (arch === 'x64') {
    return Uint8Array.from([0xf3, 0x0f, 0x1e, 0xfa, ...await x64Hook(area + 4, area + TRAMPOLINE, area + COUNTER)]);
  }
  return Uint8Array.from([0x5f, 0x24, 0x03, 0xd5, ...await arm64Hook(area + 4, area + COUNTER, area + TRAMPOLINE)]);
}

/** Calls the function whose address is at CALLER + 0x100 through a register, as a function pointer is called. */
function pointerCaller(arch: Arch, area: number): Promise<Uint8Array> {
  const slot = area + CALLER + 0x100;
  return arch === 'x64'
    ? assembleStatements(`sub rsp, 8\nmov rax, ${slot}\ncall qword ptr [rax]\nadd rsp, 8\nret`, 'x64', area + CALLER)
    : assembleStatements(['stp x29, x30, [sp, #-16]!', 'mov x29, sp', loadImmediate('x9', slot), 'ldr x9, [x9]', 'blr x9',
      'ldp x29, x30, [sp], #16', 'ret'].join('\n'), 'arm64', area + CALLER);
}

function setPointer(sandbox: WasmSandbox, area: number, fn: CorpusFunction): void {
  sandbox.write(area + CALLER + 0x100, new Uint8Array(new BigUint64Array([BigInt(fn.address)]).buffer));
}

async function prepare(build: CorpusBuild, area: number, noTrack = true): Promise<WasmSandbox> {
  const sandbox = new WasmSandbox(build.arch, { enforceBranchTargets: true, noTrack });
  loadBuild(sandbox, build);
  sandbox.map(area, 0x2000, Prot.ALL);
  sandbox.write(area + CALLER, await pointerCaller(build.arch, area));
  return sandbox;
}

/** The result and memory effects of one call, or the fault it raised. */
function outcome(sandbox: WasmSandbox, build: CorpusBuild, fn: CorpusFunction, address: number, args: bigint[]): string {
  try {
    const result = callFunction(sandbox, address, args);
    return `${fn.returnsValue ? result : '-'} ; ${JSON.stringify(snapshotData(sandbox, build))}`;
  } catch (error) {
    if (error instanceof SandboxError && error.code === 'BRANCH_TARGET') return `FAULT ${error.message}`;
    return `error ${(error as Error).message.replace(/ at pc 0x[0-9a-f]+/, '')}`;
  }
}

interface Tally { hooked: number; calls: number; faults: string[]; mismatches: string[]; refused: string[] }

async function hookEvery(arch: Arch, place: 'near' | 'far', landingPads: RedirectRequest['landingPads'], noTrack = true): Promise<Tally> {
  const tally: Tally = { hooked: 0, calls: 0, faults: [], mismatches: [], refused: [] };
  const area = PLACES[arch][place];
  for (const build of loadCorpus(arch).filter((b) => /-(cet|pac)$/.test(b.name))) {
    const reference = await prepare(build, area, noTrack);
    const patched = await prepare(build, area, noTrack);
    patched.write(area, await replacement(arch, area));
    const next = randomArguments(build.functions.length);
    for (const fn of build.functions) {
      const result = planRedirectWith(engine, {
        arch, target: { address: fn.address, bytes: fn.bytes, name: fn.name }, replacement: area, mode: 'hook',
        trampolineAddress: area + TRAMPOLINE, landingPads,
      });
      if (!result.ok) { tally.refused.push(`${build.name} ${fn.name}: ${result.refusal.code}`); continue; }
      const plan: RedirectPlan = result.plan;
      applyPlan(patched, plan);
      tally.hooked++;
      setPointer(reference, area, fn);
      setPointer(patched, area, fn);
      for (let call = 0; call < CALLS; call++) {
        const args = Array.from({ length: fn.arity }, next);
        for (const [how, address] of [['directly', fn.address], ['through a pointer', area + CALLER]] as const) {
          const expected = outcome(reference, build, fn, address, args);
          const actual = outcome(patched, build, fn, address, args);
          tally.calls++;
          const label = `${build.name} ${fn.name}(${args.join(', ')}) called ${how}`;
          // (Without NO_TRACK_EN the compilers' own switch tables, notrack jmp, fault unhooked too: the same fault is no difference.)
          if (actual.startsWith('FAULT') && actual !== expected) tally.faults.push(`${label}: ${actual}`);
          else if (actual !== expected) tally.mismatches.push(`${label}: ${actual} instead of ${expected}`);
        }
      }
      revertPlan(patched, plan);
    }
    reference.close();
    patched.close();
  }
  return tally;
}

describe.each(['x64', 'arm64'] as const)('landing pads kept on the %s CET and PAC/BTI corpus builds, enforced', (arch) => {
  for (const place of ['near', 'far'] as const) {
    it(`hooks every function with the replacement and trampoline ${place}: no faults, the same results`, async () => {
      const tally = await hookEvery(arch, place, 'keep');
      expect(tally.faults).toEqual([]);
      expect(tally.mismatches).toEqual([]);
      // Near, every function is hooked but x86-64's identity (4 bytes after its endbr64, fewer than
      // a jmp rel32); far, what is refused is refused for a reason of its own (too short for the
      // absolute jump, a loop back into the bytes it replaces, a ret among them, rip-relative data),
      // which the engine's own corpus tests check against Capstone.
      if (place === 'near') expect(tally.refused).toEqual(arch === 'x64' ? ['x64-clang-O2-cet identity: too-short', 'x64-gcc-O2-cet identity: too-short'] : []);
      expect(tally.refused.every((r) => /too-short|branch-into-overwritten|unmovable-instruction|out-of-range/.test(r)), tally.refused.join('\n')).toBe(true);
      if (process.env.PADS_TALLY) console.log(arch, place, tally.hooked, tally.calls, tally.refused.length);
      expect(tally.hooked).toBeGreaterThanOrEqual(place === 'near' ? 78 : 40);
      expect(tally.calls).toBe(tally.hooked * CALLS * 2);
    }, 300_000);

    it(`with strict landing pads (x86-64: NO_TRACK_EN off), replacement and trampoline ${place}: no faults either`, async () => {
      const tally = await hookEvery(arch, place, 'strict', false);
      expect(tally.faults).toEqual([]);
      expect(tally.mismatches).toEqual([]);
      if (place === 'near') expect(tally.hooked).toBe((await hookEvery(arch, place, 'keep')).hooked);
      // Far, the ways back into the middle of a function would need notrack or a ret: refused instead.
      else expect(tally.refused.some((r) => r.endsWith('out-of-range'))).toBe(true);
    }, 300_000);

    it(`faults when the entry jump overwrites the pad (the old way), replacement and trampoline ${place}`, async () => {
      const tally = await hookEvery(arch, place, 'overwrite');
      const viaPointer = tally.faults.filter((f) => f.includes('through a pointer'));
      // Every hooked function called through a pointer now lands on the jump instead of its pad.
      expect(viaPointer.length).toBe(tally.hooked * CALLS);
      expect(viaPointer[0]).toMatch(arch === 'x64' ? /#CP, ENDBRANCH/ : /Branch Target exception: blr x9/);
    }, 300_000);
  }
});
