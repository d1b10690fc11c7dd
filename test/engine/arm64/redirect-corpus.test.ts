// Redirecting real compiler output on real Unicorn: every function of every ARM64 corpus build
// (gcc and clang, -O0 to -Os, with and without PAC/BTI, tiny code model with literal pools) is
// hooked with a replacement that calls the original through the trampoline, for trampolines near
// and far; for many random arguments the hooked calls return what unpatched calls return, with the
// same memory effects. Then every function is replaced outright.
import { beforeAll, describe, expect, it } from 'vitest';
import { planArm64RedirectWith } from '../../../engine/host/arm64.ts';
import { type Engine, loadEngine } from '../../../engine/host/engine.ts';
import type { PlanResult, RedirectMode, RedirectRefusal } from '../../../engine/host/plan.ts';
import { Prot, type Sandbox } from '../../../sandbox/sandbox.ts';
import { UnicornSandbox } from '../../../sandbox/unicorn/unicorn-sandbox.ts';
import { disassemble } from '../../../toolchain/capstone.ts';
import {
  callFunction, type CorpusBuild, type CorpusFunction, loadBuild, loadCorpus, randomArguments, snapshotData,
} from '../../../harness/corpus/corpus.ts';
import { applyPlan, revertPlan } from '../apply-plan.ts';
import { hookReplacement, REPLACED_RESULT, replaceReplacement } from './guest.ts';

/** Where the replacement, the trampoline and the call counter go, relative to code at 0x400000. */
const PLACEMENTS = [
  { name: 'within ±1 MiB', area: 0x48_0000 },
  { name: 'beyond ±1 MiB', area: 0x440_0000 },
  { name: 'beyond ±128 MiB', area: 0x4000_0000 },
  { name: 'beyond ±4 GiB', area: 0x2_0000_0000 },
] as const;
const TRAMPOLINE = 0x800;
const COUNTER = 0x1000;
const CALLS_PER_FUNCTION = 16;
/** The first calls take edge arguments (all zero, all ones), so both ways of early tests are taken. */
const EDGE_ARGUMENTS = [0n, 0xffff_ffff_ffff_ffffn];

let engine: Engine;
beforeAll(async () => { engine = await loadEngine(); });

const builds = loadCorpus('arm64');

function plan(fn: CorpusFunction, area: number, mode: RedirectMode): PlanResult {
  return planArm64RedirectWith(engine, {
    arch: 'arm64', target: { address: fn.address, bytes: fn.bytes, name: fn.name }, replacement: area, mode,
    ...(mode === 'hook' ? { trampolineAddress: area + TRAMPOLINE } : {}),
  });
}

function prepare(build: CorpusBuild, area: number): Sandbox {
  const sandbox = new UnicornSandbox('arm64');
  loadBuild(sandbox, build);
  sandbox.map(area, 0x2000, Prot.ALL);
  return sandbox;
}

function counter(sandbox: Sandbox, area: number): bigint {
  return new DataView(sandbox.read(area + COUNTER, 8).buffer).getBigUint64(0, true);
}

interface Refused { build: string; fn: CorpusFunction; placement: string; refusal: RedirectRefusal }

/** Independent of the engine: Capstone finds an instruction left in place that refers into the overwritten bytes. */
async function refersIntoOverwritten(fn: CorpusFunction, overwritten: number): Promise<boolean> {
  const insns = await disassemble('arm64', fn.bytes, fn.address);
  return insns.some((insn) => {
    if (insn.address < fn.address + overwritten) return false;
    const target = /#(0x[0-9a-f]+)$/.exec(insn.operands)?.[1];
    if (!target || !/^(b|bl|b\.\w+|cbn?z|tbn?z|adr|ldr|ldrsw)$/.test(insn.mnemonic) || insn.operands.includes('[')) return false;
    const address = Number(target);
    return address >= fn.address && address < fn.address + overwritten && !(insn.mnemonic === 'bl' && address === fn.address);
  });
}

/** The landing pad the function starts with (bti, paciasp, pacibsp), or undefined. */
async function landingPad(fn: CorpusFunction): Promise<string | undefined> {
  const [first] = await disassemble('arm64', fn.bytes.subarray(0, 4), fn.address);
  return first !== undefined && /^(bti|paciasp|pacibsp)$/.test(first.mnemonic) ? first.mnemonic : undefined;
}

/**
 * The bytes a far redirect changes or keeps from its first byte: 16 for the absolute jump; a kept
 * landing pad before it, and autiasp after paciasp.
 */
async function farSpan(fn: CorpusFunction): Promise<number> {
  const pad = await landingPad(fn);
  return pad === undefined ? 16 : pad.startsWith('pac') ? 24 : 20;
}

describe('ARM64 hook mode on the compiler corpus, on Unicorn', () => {
  const refused: Refused[] = [];
  let hooked = 0;

  for (const placement of PLACEMENTS) {
    it(`keeps every hooked function's results and memory effects, trampoline ${placement.name}`, async () => {
      const mismatches: string[] = [];
      for (const build of builds) {
        const reference = prepare(build, placement.area);
        const patched = prepare(build, placement.area);
        patched.write(placement.area, await hookReplacement(placement.area, placement.area + COUNTER, placement.area + TRAMPOLINE));
        const next = randomArguments(build.functions.length);
        for (const fn of build.functions) {
          const result = plan(fn, placement.area, 'hook');
          if (!result.ok) { refused.push({ build: build.name, fn, placement: placement.name, refusal: result.refusal }); continue; }
          applyPlan(patched, result.plan);
          const before = counter(patched, placement.area);
          for (let call = 0; call < CALLS_PER_FUNCTION; call++) {
            const args = Array.from({ length: fn.arity }, () => EDGE_ARGUMENTS[call] ?? next());
            const expected = callFunction(reference, fn.address, args);
            const actual = callFunction(patched, fn.address, args);
            const label = `${build.name} ${fn.name}(${args.join(', ')})`;
            if (fn.returnsValue && actual !== expected) mismatches.push(`${label}: ${actual} instead of ${expected}`);
            if (JSON.stringify(snapshotData(patched, build)) !== JSON.stringify(snapshotData(reference, build))) {
              mismatches.push(`${label}: memory differs`);
            }
          }
          if (counter(patched, placement.area) - before !== BigInt(CALLS_PER_FUNCTION)) {
            mismatches.push(`${build.name} ${fn.name}: the hook did not run on every call`);
          }
          revertPlan(patched, result.plan);
          hooked++;
        }
        reference.close();
        patched.close();
      }
      expect(mismatches).toEqual([]);
    }, 300_000);
  }

  it('refuses only where a refusal is due, each for a reason checked independently', async () => {
    const functions = builds.reduce((n, b) => n + b.functions.length, 0);
    expect(hooked + refused.length).toBe(PLACEMENTS.length * functions);
    // With the replacement and trampoline within ±128 MiB, a 4-byte b displaces one word: no refusals.
    const near = refused.filter((r) => r.placement === PLACEMENTS[0].name || r.placement === PLACEMENTS[1].name);
    expect(near.map((r) => `${r.build} ${r.fn.name}: ${r.refusal.message}`)).toEqual([]);
    const unexplained: string[] = [];
    for (const { build, fn, placement, refusal } of refused) {
      const explained =
        (refusal.code === 'too-short' && fn.size < await farSpan(fn)) ||
        (refusal.code === 'branch-into-overwritten' && await refersIntoOverwritten(fn, await farSpan(fn)));
      if (!explained) unexplained.push(`${build} ${fn.name} (${placement}): ${refusal.code}: ${refusal.message}`);
    }
    expect(unexplained).toEqual([]);
    // Far away, the 16-byte form displaces four words and still most functions are hooked.
    expect(hooked).toBeGreaterThan(2 * functions + 2 * functions * 0.6);
  });
});

describe('ARM64 replace mode on the compiler corpus, on Unicorn', () => {
  for (const placement of [PLACEMENTS[0], PLACEMENTS[3]]) {
    it(`sends every call to the replacement, ${placement.name}, after the original already ran`, async () => {
      const problems: string[] = [];
      for (const build of builds) {
        const sandbox = prepare(build, placement.area);
        const reference = prepare(build, placement.area);
        sandbox.write(placement.area, await replaceReplacement(placement.area, placement.area + COUNTER));
        for (const fn of build.functions) {
          const args = Array.from({ length: fn.arity }, randomArguments(fn.address));
          const result = plan(fn, placement.area, 'replace');
          if (!result.ok) {
            if (!(result.refusal.code === 'too-short' && fn.size < await farSpan(fn)) && result.refusal.code !== 'branch-into-overwritten') {
              problems.push(`${build.name} ${fn.name}: ${result.refusal.message}`);
            }
            continue;
          }
          // The reference runs the original twice; the sandbox runs it, the replacement, then the original again.
          const expected = [callFunction(reference, fn.address, args), callFunction(reference, fn.address, args)];
          const original = callFunction(sandbox, fn.address, args); // translated code exists now
          applyPlan(sandbox, result.plan);
          const memory = JSON.stringify(snapshotData(sandbox, build));
          const calls = counter(sandbox, placement.area);
          const replaced = callFunction(sandbox, fn.address, args);
          if (replaced !== REPLACED_RESULT) problems.push(`${build.name} ${fn.name}: returned ${replaced}`);
          if (counter(sandbox, placement.area) !== calls + 1n) problems.push(`${build.name} ${fn.name}: replacement not called`);
          if (JSON.stringify(snapshotData(sandbox, build)) !== memory) problems.push(`${build.name} ${fn.name}: the original ran`);
          revertPlan(sandbox, result.plan);
          const again = callFunction(sandbox, fn.address, args);
          if (fn.returnsValue && (original !== expected[0] || again !== expected[1])) {
            problems.push(`${build.name} ${fn.name}: ${original}, ${again} around the redirect instead of ${expected.join(', ')}`);
          }
          if (JSON.stringify(snapshotData(sandbox, build)) !== JSON.stringify(snapshotData(reference, build))) {
            problems.push(`${build.name} ${fn.name}: memory differs from the unpatched run after reverting`);
          }
        }
        sandbox.close();
        reference.close();
      }
      expect(problems).toEqual([]);
    }, 120_000);
  }
});
