// Redirecting real compiler output: every function of every x86-64 corpus build (gcc and clang,
// -O0 to -Os, with and without CET's endbr64) is hooked at once, each with a replacement that calls
// the original through its trampoline; on Unicorn, random calls must return what the unpatched
// build returns and leave the same memory behind. Replace mode sends every call to the replacement.
import { describe, expect, it } from 'vitest';
import type { RedirectPlan, RedirectRefusal } from '../../../engine/host/plan.ts';
import { planX64Redirect } from '../../../engine/host/x64.ts';
import { Prot } from '../../../sandbox/sandbox.ts';
import { UnicornSandbox } from '../../../sandbox/unicorn/unicorn-sandbox.ts';
import {
  type CorpusBuild, type CorpusFunction, callFunction, loadBuild, loadCorpus, randomArguments, snapshotData,
} from '../../../harness/corpus/corpus.ts';
import { disassemble } from '../../../toolchain/capstone.ts';
import { applyPlan, hookReplacement, readU64, replaceReplacement } from './support.ts';

const builds = loadCorpus('x64');
const CALLS_PER_FUNCTION = 6;
/** Replacements, trampolines and call counters: within 2 GiB of the corpus code, or beyond 4 GiB. */
const PLACES = {
  near: { replacements: 0x1000_0000, trampolines: 0x1010_0000, counters: 0x1020_0000 },
  far: { replacements: 0x5_0000_0000, trampolines: 0x5_0010_0000, counters: 0x5_0020_0000 },
};
const SLOT = 0x200;

/** The bytes between the previous symbol's end and the function: filler the compiler left for alignment. */
function paddingBefore(build: CorpusBuild, fn: CorpusFunction): Uint8Array {
  const code = build.elf.segments.find((s) => s.executable)!;
  let start = code.address;
  for (const s of build.elf.symbols) {
    const end = s.address + s.size;
    if (s.size > 0 && end <= fn.address && end > start) start = end;
  }
  return code.bytes.slice(start - code.address, fn.address - code.address);
}

function callPlan(build: CorpusBuild) {
  const next = randomArguments(7);
  return build.functions.flatMap((fn) => Array.from({ length: CALLS_PER_FUNCTION }, () => ({
    fn, args: Array.from({ length: fn.arity }, next),
  })));
}

function mapPlace(sandbox: UnicornSandbox, place: typeof PLACES.near, count: number) {
  const size = Math.ceil((count * SLOT) / 0x1000) * 0x1000;
  sandbox.map(place.replacements, size, Prot.READ | Prot.EXEC);
  sandbox.map(place.trampolines, size, Prot.READ | Prot.EXEC);
  sandbox.map(place.counters, 0x1000, Prot.READ | Prot.WRITE);
}

/**
 * The call's result, or the CPU exception it raised without the address (a fault in a displaced
 * instruction is raised from the trampoline): isqrt(2^64 - 1) divides by zero, hooked or not.
 */
function outcomeOf(sandbox: UnicornSandbox, build: CorpusBuild, fn: CorpusFunction, args: bigint[]): string {
  let result: string;
  try {
    result = String(callFunction(sandbox, fn.address, args));
  } catch (error) {
    result = `fault: ${(error as Error).message.replace(/ at pc 0x[0-9a-f]+/, '')}`;
  }
  // A void function leaves whatever it last put in rax; only the memory it wrote counts.
  return `${fn.name}(${args.join(',')}) = ${fn.returnsValue ? result : result.startsWith('fault') ? result : '-'} ; ` +
    JSON.stringify(snapshotData(sandbox, build));
}

function referenceRun(build: CorpusBuild, calls: ReturnType<typeof callPlan>): string[] {
  const sandbox = new UnicornSandbox('x64');
  loadBuild(sandbox, build);
  const seen = calls.map(({ fn, args }) => outcomeOf(sandbox, build, fn, args));
  sandbox.close();
  return seen;
}

interface Outcome { planned: Map<string, RedirectPlan>; refused: Map<string, RedirectRefusal> }

async function hookAll(build: CorpusBuild, withPadding: boolean, placeName: keyof typeof PLACES, calls: ReturnType<typeof callPlan>) {
  const place = PLACES[placeName];
  const sandbox = new UnicornSandbox('x64');
  loadBuild(sandbox, build);
  mapPlace(sandbox, place, build.functions.length);
  const outcome: Outcome = { planned: new Map(), refused: new Map() };
  for (const [i, fn] of build.functions.entries()) {
    const replacement = place.replacements + i * SLOT;
    const trampoline = place.trampolines + i * SLOT;
    const result = await planX64Redirect({
      arch: 'x64', target: { address: fn.address, bytes: fn.bytes, name: fn.name },
      padding: withPadding ? paddingBefore(build, fn) : undefined,
      replacement, mode: 'hook', trampolineAddress: trampoline,
    });
    if (!result.ok) { outcome.refused.set(fn.name, result.refusal); continue; }
    outcome.planned.set(fn.name, result.plan);
    applyPlan(sandbox, result.plan);
    sandbox.write(replacement, await hookReplacement(replacement, trampoline, place.counters + i * 8));
  }
  const seen = calls.map(({ fn, args }) => outcomeOf(sandbox, build, fn, args));
  const counts = build.functions.map((_, i) => readU64(sandbox, place.counters + i * 8));
  sandbox.close();
  return { outcome, seen, counts };
}

function startsWithEndbr64(fn: CorpusFunction): boolean {
  return fn.bytes[0] === 0xf3 && fn.bytes[1] === 0x0f && fn.bytes[2] === 0x1e && fn.bytes[3] === 0xfa;
}

/** Confirms a refusal with Capstone's view of the function: it names a real obstacle. */
async function expectJustified(fn: CorpusFunction, refusal: RedirectRefusal, jump: number, farTrampoline: boolean) {
  const why = `${fn.name}: ${refusal.message}`;
  const insns = await disassemble('x64', fn.bytes, fn.address);
  const at = insns.find((i) => i.address === refusal.address);
  const site = fn.address + (startsWithEndbr64(fn) ? 4 : 0); // where the jump goes
  switch (refusal.code) {
    case 'too-short':
      // A function built for CET keeps its endbr64: the jump goes after it.
      expect(fn.size - (startsWithEndbr64(fn) ? 4 : 0), why).toBeLessThan(jump);
      return;
    case 'branch-into-overwritten': {
      // A direct branch at that address targets the entry's first instructions, past the first byte.
      expect(at?.mnemonic, why).toMatch(/^(j|loop|call)/);
      const target = Number(at!.operands);
      const displacedEnd = insns.find((i) => i.address + i.size >= site + jump)!;
      expect(target, why).toBeGreaterThan(fn.address);
      expect(target, why).toBeLessThan(displacedEnd.address + displacedEnd.size);
      return;
    }
    case 'unmovable-instruction':
      // A ret or unconditional jump that ends before the jump's bytes do.
      expect(at?.mnemonic, why).toMatch(/^(ret|jmp)$/);
      expect(at!.address + at!.size, why).toBeLessThan(site + jump);
      return;
    case 'out-of-range':
      // A rip-relative operand among the displaced instructions, with the trampoline beyond 2 GiB.
      expect(farTrampoline, why).toBe(true);
      expect(at?.operands, why).toMatch(/rip/);
      expect(at!.address, why).toBeLessThan(site + jump);
      return;
    default:
      expect.fail(why);
  }
}

describe.each(builds.map((b) => [b.name, b] as const))('hooking every function of %s', (_, build) => {
  const calls = callPlan(build);
  const expected = referenceRun(build, calls);

  describe.each([
    ['near', false], ['near', true], ['far', false], ['far', true],
  ] as const)('replacement and trampoline %s, padding %s', (placeName, withPadding) => {
    it('returns what the unpatched build returns, with the same memory effects', async () => {
      const { outcome, seen, counts } = await hookAll(build, withPadding, placeName, calls);
      expect(seen).toEqual(expected);

      // Every hooked function's replacement ran at least once per direct call.
      build.functions.forEach((fn, i) => {
        if (outcome.planned.has(fn.name)) expect(counts[i], fn.name).toBeGreaterThanOrEqual(BigInt(CALLS_PER_FUNCTION));
        else expect(counts[i], fn.name).toBe(0n);
      });

      // Refusals only where the function really cannot take the jump, checked against Capstone.
      const jump = placeName === 'near' ? 5 : 14;
      for (const [name, refusal] of outcome.refused) {
        const fn = build.functions.find((f) => f.name === name)!;
        await expectJustified(fn, refusal, jump, placeName === 'far');
      }
      // Padding lets functions shorter than the jump be hooked.
      if (withPadding) {
        for (const [name, refusal] of outcome.refused) {
          if (refusal.code !== 'too-short') continue;
          const fn = build.functions.find((f) => f.name === name)!;
          expect(paddingBefore(build, fn).length, name).toBeLessThan(jump);
        }
      }
      expect(outcome.planned.size / build.functions.length).toBeGreaterThanOrEqual(placeName === 'near' ? 0.85 : 0.35);
    });
  });

  it('replace mode sends every call to the replacement and leaves memory alone', async () => {
    const place = PLACES.near;
    const sandbox = new UnicornSandbox('x64');
    loadBuild(sandbox, build);
    mapPlace(sandbox, place, build.functions.length);
    const before = JSON.stringify(snapshotData(sandbox, build));
    const replaced = new Set<string>();
    for (const [i, fn] of build.functions.entries()) {
      const replacement = place.replacements + i * SLOT;
      const result = await planX64Redirect({
        arch: 'x64', target: { address: fn.address, bytes: fn.bytes, name: fn.name },
        padding: paddingBefore(build, fn), replacement, mode: 'replace',
      });
      if (!result.ok) {
        await expectJustified(fn, result.refusal, 5, false);
        if (result.refusal.code === 'too-short') expect(paddingBefore(build, fn).length).toBeLessThan(5);
        continue;
      }
      expect(result.plan.trampoline).toBeUndefined();
      applyPlan(sandbox, result.plan);
      sandbox.write(replacement, await replaceReplacement(replacement, place.counters + i * 8, 1000 + i));
      replaced.add(fn.name);
    }
    expect(replaced.size / build.functions.length).toBeGreaterThanOrEqual(0.85);
    for (const { fn, args } of calls) {
      if (!replaced.has(fn.name)) continue;
      const i = build.functions.indexOf(fn);
      const first = args[0] ?? 0n;
      const result = callFunction(sandbox, fn.address, [first, ...args.slice(1)]); // the replacement never faults
      if (fn.returnsValue) expect(result, fn.name).toBe(BigInt.asUintN(64, first + BigInt(1000 + i)));
    }
    build.functions.forEach((fn, i) => expect(readU64(sandbox, place.counters + i * 8), fn.name)
      .toBe(replaced.has(fn.name) ? BigInt(CALLS_PER_FUNCTION) : 0n));
    expect(JSON.stringify(snapshotData(sandbox, build))).toBe(before);
    sandbox.close();
  });
});
