// The hotpatch transaction on real Unicorn: patched functions behave as the patch says, every
// refusal and every failure leaves all of guest memory byte for byte as it was, rollback restores
// exactly the previous state, and nothing is written while a thread is in the way.
import { describe, expect, it } from 'vitest';
import { contextThreads } from '../../engine/host/safe-point.ts';
import type { TransactionResult } from '../../engine/host/transaction.ts';
import { STACK_SIZE, STACK_TOP } from '../../sandbox/loader.ts';
import { WasmSandbox } from '../../sandbox/wasm/wasm-sandbox.ts';
import type { Sandbox } from '../../sandbox/sandbox.ts';
import { ARCH, type Arch } from '../../core/arch.ts';
import { hex } from '../../core/hex.ts';
import { moduleIdentity } from '../../core/identity.ts';
import { writePatchImage } from '../../toolchain/patch-image-writer.ts';
import { buildPatch } from '../../toolchain/patch.ts';
import {
  expectApplied, type Fixture, loadFixture, THRICE, memoryDifference, type MemorySnapshot, patchSource, programModules, snapshotMemory,
} from '../../harness/fixtures/hotpatch-fixture.ts';

const ARCHES: Arch[] = ['x64', 'arm64'];

/** Runs `action` and checks that all of guest memory is the same afterwards. */
async function unchanged(fixture: Fixture, action: () => Promise<TransactionResult>): Promise<TransactionResult> {
  const before = snapshotMemory(fixture.sandbox);
  const result = await action();
  expect(memoryDifference(before, snapshotMemory(fixture.sandbox))).toBeUndefined();
  return result;
}

/** The start of every region only one snapshot has (or has with another size or protection), and the first differing byte. */
function differingPlaces(a: MemorySnapshot, b: MemorySnapshot): number[] {
  const key = (r: { address: number; size: number; prot: number }) => `${r.address}+${r.size}/${r.prot}`;
  const places = [...a.regions.filter((r) => !b.regions.some((x) => key(x) === key(r))),
    ...b.regions.filter((r) => !a.regions.some((x) => key(x) === key(r)))].map((r) => r.address);
  a.regions.forEach((r, i) => {
    const j = b.regions.findIndex((x) => key(x) === key(r));
    if (j < 0 || a.bytes[i]!.equals(b.bytes[j]!)) return;
    let at = 0;
    while (a.bytes[i]![at] === b.bytes[j]![at]) at++;
    places.push(r.address + at);
  });
  return places;
}

function refused(result: TransactionResult) {
  if (result.status !== 'refused') throw new Error(`expected a refusal, got ${result.status}`);
  return result;
}

describe.each(ARCHES)('hotpatch transaction (%s)', (arch) => {
  it('applies a patch: the fixed function and the import work, and the journal lists every change', async () => {
    const f = await loadFixture(arch);
    expect(f.call('tax', 1000n)).toBe(1201n);
    expect(f.call('twice', 7n)).toBe(14n);
    const result = await f.hotpatcher.apply(await f.build('fix'));
    expectApplied(result);
    expect(f.call('tax', 1000n)).toBe(1200n);
    expect(f.call('tax', 1n)).toBe(1n);
    expect(f.call('twice', 7n)).toBe(21n);
    expect(result.sequence).toBe(1);
    const stages = result.steps.map((s) => s.stage);
    expect(stages.slice(0, 4)).toEqual(['identity', 'safe-point', 'map-code', 'map-data']);
    expect(stages.filter((s) => s === 'entry-jump')).toHaveLength(2);
    const slot = result.steps.find((s) => s.stage === 'slot')!;
    expect(slot.explanation).toContain('mathlib!round_half');
    expect(Number(Buffer.from(slot.after).readBigUInt64LE())).toBe(f.address('round_half'));
    // Each write's before bytes are what memory held, and its after bytes what it holds now.
    for (const step of result.steps.filter((s) => s.action === 'write' && s.stage === 'entry-jump')) {
      expect(f.sandbox.read(step.address, step.size)).toEqual(step.after);
      expect(step.before).toEqual(f.app.code.slice(step.address - f.app.base, step.address - f.app.base + step.size));
    }
    expect(result.placement!.withinShortReach).toBe(true);
  });

  it('rolls back to the exact memory it started from', async () => {
    const f = await loadFixture(arch);
    const before = snapshotMemory(f.sandbox);
    expectApplied(await f.hotpatcher.apply(await f.build('fix')));
    const rollback = await f.hotpatcher.rollback('app');
    expectApplied(rollback);
    expect(rollback.sequence).toBeNull();
    expect(memoryDifference(before, snapshotMemory(f.sandbox))).toBeUndefined();
    expect(f.call('tax', 1000n)).toBe(1201n);
  });

  it('replaces a patch with a newer one, hooks through a trampoline, and rolls back one patch at a time', async () => {
    const f = await loadFixture(arch);
    const original = snapshotMemory(f.sandbox);
    expectApplied(await f.hotpatcher.apply(await f.build('fix')));
    const afterFirst = snapshotMemory(f.sandbox);
    const second = await f.hotpatcher.apply(await f.build('cumulative'));
    expectApplied(second);
    expect(second.previous).toBe(1);
    expect(f.call('tax', 1000n)).toBe(1200n);
    // The hook calls the original scale through its trampoline and counts calls in the live global.
    const counter = () => Buffer.from(f.sandbox.read(f.address('counter'), 8)).readBigUInt64LE();
    expect(f.call('scale', 5n)).toBe(15n);
    expect(f.call('scale', 7n)).toBe(21n);
    expect(counter()).toBe(2n);
    // twice is no longer patched: its original bytes are back.
    const twice = f.app.symbols.find((s) => s.name === 'twice')!;
    expect(f.sandbox.read(twice.address, twice.size)).toEqual(f.app.code.slice(twice.address - f.app.base, twice.address - f.app.base + twice.size));
    expect(f.call('twice', 7n)).toBe(14n);
    // The first patch's memory is gone.
    const firstCode = afterFirst.regions.filter((r) => !original.regions.some((o) => o.address === r.address));
    expect(firstCode.length).toBeGreaterThan(0);
    for (const r of firstCode) expect(f.sandbox.regions().some((x) => x.address === r.address)).toBe(false);

    // Roll back the second patch: the first is live again, its memory byte for byte as it was
    // (the counter, a base global the hook wrote, is put back to 0 by hand: it is program state).
    f.sandbox.write(f.address('counter'), new Uint8Array(8));
    const back = await f.hotpatcher.rollback('app');
    expectApplied(back);
    expect(back.sequence).toBe(1);
    // The calls made since wrote the stack; everything else must match.
    const stackless = (s: MemorySnapshot) => ({ ...s, bytes: s.bytes.map((b, i) =>
      s.regions[i]!.address === STACK_TOP - STACK_SIZE ? Buffer.alloc(0) : b) });
    expect(memoryDifference(stackless(afterFirst), stackless(snapshotMemory(f.sandbox)))).toBeUndefined();
    expect(f.call('twice', 7n)).toBe(21n);
    expect(f.call('scale', 5n)).toBe(15n);
    expect(counter()).toBe(0n);
    expectApplied(await f.hotpatcher.rollback('app'));
    expect(memoryDifference(stackless(original), stackless(snapshotMemory(f.sandbox)))).toBeUndefined();
    expect(f.call('tax', 1000n)).toBe(1201n);
  });

  it('keeps an earlier patch\'s call into the base working when the callee is patched next', async () => {
    const f = await loadFixture(arch);
    const viaTwice = arch === 'x64'
      ? '.func scale_via_twice\n    jmp qword ptr [rip + twice_entry]\n.endfunc'
      : '.func scale_via_twice\n    adrp x16, twice_entry\n    ldr x16, [x16, :lo12:twice_entry]\n    br x16\n.endfunc';
    const first = `.patch app\n.sequence 1\n.redirect scale -> scale_via_twice\n.baseref twice_entry = twice\n${viaTwice}`;
    // Cumulative: the same new scale, and twice patched too.
    const second = first.replace('.sequence 1', '.sequence 2') + `\n.redirect twice -> thrice\n${THRICE[arch]}`;
    expectApplied(await f.hotpatcher.apply((await buildPatch(first, arch, { base: f.app })).image));
    expect(f.call('scale', 5n)).toBe(10n); // the new scale calls twice through the base reference
    expectApplied(await f.hotpatcher.apply((await buildPatch(second, arch, { base: f.app })).image));
    expect(f.call('twice', 5n)).toBe(15n);
    expect(f.call('scale', 5n)).toBe(15n); // ... which now enters the patched twice
  });

  describe('refusals change nothing', () => {
    it('refuses a malformed image with the parser\'s reason', async () => {
      const f = await loadFixture(arch);
      const image = (await f.build('fix')).slice(0, 200);
      const result = refused(await unchanged(f, () => f.hotpatcher.apply(image)));
      expect(result.code).toBe('bad-image');
      expect(result.imageError!.code).toBe('truncated');
      expect(result.message).toMatch(/^the patch image is invalid: the header says the image is \d+ bytes long but only 200/);
    });

    it('refuses a patch built for another build of the module, naming both digests', async () => {
      const f = await loadFixture(arch);
      const otherBuild = (await programModules(arch, (s) => s.replace('factor: .quad 3', 'factor: .quad 4'))).find((m) => m.name === 'app')!;
      const image = (await buildPatch(patchSource(arch, 'fix'), arch, { base: otherBuild })).image;
      const result = refused(await unchanged(f, () => f.hotpatcher.apply(image)));
      expect(result.code).toBe('wrong-base');
      const [built, running] = [await moduleIdentity(otherBuild), await moduleIdentity(f.app)];
      expect(built).not.toBe(running);
      expect(result.message).toBe(`the patch was built for app sha256:${built}, but the running app is sha256:${running}: ` +
        'it belongs to another build and nothing was written');
    });

    it('refuses a patch for a module that is not loaded', async () => {
      const f = await loadFixture(arch);
      const image = writePatchImage({ arch, sequence: 1, module: 'billing', baseIdentity: '00'.repeat(32), code: new Uint8Array(0),
        data: new Uint8Array(0), redirects: [], imports: [], baseReferences: [] });
      const result = refused(await unchanged(f, () => f.hotpatcher.apply(image)));
      expect(result.code).toBe('unknown-module');
      expect(result.message).toBe('the patch is for module "billing", which is not loaded (loaded: mathlib, app)');
    });

    it('refuses an older or equal sequence number', async () => {
      const f = await loadFixture(arch);
      expectApplied(await f.hotpatcher.apply(await f.build('cumulative')));
      for (const sequence of [1, 2]) {
        const image = await f.build('fix', (s) => s.replace('.sequence 1', `.sequence ${sequence}`));
        const result = refused(await unchanged(f, () => f.hotpatcher.apply(image)));
        expect(result.code).toBe('stale-sequence');
        expect(result.message).toBe(`patch sequence ${sequence} for app is not newer than the active patch (sequence 2); ` +
          'a replacement needs a higher sequence number');
      }
    });

    it('refuses imports of a missing module or of a symbol the module does not export', async () => {
      const f = await loadFixture(arch);
      const noModule = (await buildPatch(patchSource(arch, 'fix').replace('mathlib!round_half', 'fastmath!round_half'), arch, { base: f.app })).image;
      let result = refused(await unchanged(f, () => f.hotpatcher.apply(noModule)));
      expect(result.code).toBe('missing-import');
      expect(result.message).toBe('the patch imports fastmath!round_half, but no module "fastmath" is loaded');
      const noExport = (await buildPatch(patchSource(arch, 'fix').replace('mathlib!round_half', 'mathlib!round_down'), arch, { base: f.app })).image;
      result = refused(await unchanged(f, () => f.hotpatcher.apply(noExport)));
      expect(result.code).toBe('missing-import');
      expect(result.message).toBe('the patch imports mathlib!round_down, but module mathlib does not export "round_down"');
    });

    it('refuses base references and redirects that do not match the module', async () => {
      const f = await loadFixture(arch);
      const tax = f.app.symbols.find((s) => s.name === 'tax')!;
      const contents = {
        arch, sequence: 1, module: 'app', baseIdentity: await moduleIdentity(f.app), code: new Uint8Array(16), data: new Uint8Array(8),
        redirects: [], imports: [], baseReferences: [{ symbol: 'nothing', slot: 0 }],
      };
      let result = refused(await unchanged(f, () => f.hotpatcher.apply(writePatchImage(contents))));
      expect(result.code).toBe('missing-base-symbol');
      expect(result.message).toBe('the patch refers to app!nothing, which the module does not define');
      result = refused(await unchanged(f, () => f.hotpatcher.apply(writePatchImage({ ...contents, baseReferences: [],
        redirects: [{ base: 'tax', baseOffset: tax.address - f.app.base + 4, baseSize: tax.size, newOffset: 0, newSize: 4, mode: 'replace' }] }))));
      expect(result.code).toBe('inconsistent-image');
      expect(result.message).toMatch(/places app!tax at \+0x[0-9a-f]+ \(\d+ bytes\) but the module has it at/);
    });

    it('refuses a redirect the planner refuses', async () => {
      const f = await loadFixture(arch);
      const image = await f.build('unpatchable');
      const result = refused(await unchanged(f, () => f.hotpatcher.apply(image)));
      expect(result.code).toBe('plan-refused');
      expect(result.message).toMatch(/^app!unpatchable cannot be redirected: /);
      // x86-64: one byte is too short for a jump; ARM64: the loop branches back to the entry.
      expect(result.refusal!.code).toBe(arch === 'x64' ? 'too-short' : 'branch-into-overwritten');
      expect(result.message).toContain(result.refusal!.message);
    });

    it('refuses a plan that would write outside the function, its padding or its trampoline', async () => {
      const { planRedirect } = await import('../../engine/host/redirect.ts');
      const f = await loadFixture(arch, {
        planner: async (request) => {
          const result = await planRedirect(request);
          if (result.ok) result.plan.steps.find((step) => step.kind === 'entry-jump')!.address += 0x100;
          return result;
        },
      });
      const result = refused(await unchanged(f, async () => f.hotpatcher.apply(await f.build('fix'))));
      expect(result.code).toBe('bad-plan');
    });

    it('refuses to roll back when nothing is active, or when patched bytes were changed since', async () => {
      const f = await loadFixture(arch);
      let result = refused(await unchanged(f, () => f.hotpatcher.rollback('app')));
      expect(result.code).toBe('nothing-to-roll-back');
      const applied = await f.hotpatcher.apply(await f.build('fix'));
      expectApplied(applied);
      const entry = applied.steps.find((s) => s.stage === 'entry-jump')!;
      f.sandbox.write(entry.address, entry.before);
      result = refused(await unchanged(f, () => f.hotpatcher.rollback('app')));
      expect(result.code).toBe('memory-changed');
      expect(result.message).toMatch(/^0x[0-9a-f]+ \(app!(tax|twice)\) no longer holds what patch 1 wrote there/);
    });
  });

  describe('a failure at any write undoes every step before it', () => {
    const CHANGES = new Set(['map', 'unmap', 'write', 'protect']);
    /**
     * Counts the sandbox's changes of memory and, when armed, fails the n-th: before it is made, or
     * after it took effect (a backend that reports failure late); with `sticky`, every later change
     * fails too, before it is made, so that undoing fails as well.
     */
    interface Injector { counting: boolean; count: number; failAt: number; after?: boolean; sticky?: boolean }
    const injecting = (state: Injector) => (inner: Sandbox): Sandbox => new Proxy(inner, {
      get(target, property) {
        const value = Reflect.get(target, property) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          const change = state.counting && CHANGES.has(property as string);
          const n = change ? ++state.count : 0;
          if (change && (n > state.failAt && state.sticky)) throw new Error(`injected failure of ${String(property)}`);
          if (change && n === state.failAt && !state.after) throw new Error(`injected failure of ${String(property)}`);
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          if (change && n === state.failAt && state.after) throw new Error(`injected failure of ${String(property)} after it took effect`);
          return result;
        };
      },
    });

    const scenarios: [string, (f: Fixture) => Promise<void>, (f: Fixture) => Promise<TransactionResult>][] = [
      ['a first patch', async () => {}, async (f) => f.hotpatcher.apply(await f.build('fix'))],
      ['a replacing patch', async (f) => { expectApplied(await f.hotpatcher.apply(await f.build('fix'))); },
        async (f) => f.hotpatcher.apply(await f.build('cumulative'))],
      ['a rollback', async (f) => {
        expectApplied(await f.hotpatcher.apply(await f.build('fix')));
        expectApplied(await f.hotpatcher.apply(await f.build('cumulative')));
      }, (f) => f.hotpatcher.rollback('app')],
    ];
    const backends: [string, ((arch: Arch) => Sandbox) | undefined][] = [['unicorn', undefined], ['wasm', (a) => new WasmSandbox(a)]];
    const cases = scenarios.flatMap((scenario) => backends.map((backend) => [scenario[0], backend[0], scenario, backend] as const));

    it.each(cases)('%s (%s): before or after the change takes effect, memory is as it was, and the message names the failed step', async (_name, _cpu, [, setup, last], [, backend]) => {
      const probe: Injector = { counting: false, count: 0, failAt: 0 };
      const clean = await loadFixture(arch, { sandbox: injecting(probe), ...(backend ? { backend } : {}) });
      await setup(clean);
      probe.counting = true;
      const done = await last(clean);
      expectApplied(done);
      const total = probe.count;
      expect(total).toBeGreaterThan(4);
      // Which journal step makes each change: a map with contents makes two (map, write), a note none.
      const stepOf = done.steps.flatMap((s) => s.action === 'note' ? [] : s.action === 'map' && s.after.length > 0 ? [s.step, s.step] : [s.step]);
      expect(stepOf).toHaveLength(total);
      for (const after of [false, true]) {
        for (let n = 1; n <= total; n++) {
          const state: Injector = { counting: false, count: 0, failAt: n, after };
          const f = await loadFixture(arch, { sandbox: injecting(state), ...(backend ? { backend } : {}) });
          await setup(f);
          state.counting = true;
          const result = refused(await unchanged(f, () => last(f)));
          state.counting = false;
          expect(result.code, result.message).toBe('write-failed');
          expect(result.message).toMatch(/^step \d+ failed \(injected failure of (map|unmap|write)( after it took effect)?\); the \d+ steps were undone and memory is as it was$/);
          expect(result.message.startsWith(`step ${stepOf[n - 1]} failed`), `change ${n}: ${result.message}`).toBe(true);
          f.process.close();
        }
      }
      clean.process.close();
    });

    it.each(cases)('%s (%s): when undoing fails too, the refusal says so and where memory differs, never that it is as it was', async (_name, _cpu, [, setup, last], [, backend]) => {
      const probe: Injector = { counting: false, count: 0, failAt: 0 };
      const clean = await loadFixture(arch, { sandbox: injecting(probe), ...(backend ? { backend } : {}) });
      await setup(clean);
      probe.counting = true;
      expectApplied(await last(clean));
      for (let n = 1; n <= probe.count; n++) {
        const state: Injector = { counting: false, count: 0, failAt: n, after: true, sticky: true };
        const f = await loadFixture(arch, { sandbox: injecting(state), ...(backend ? { backend } : {}) });
        await setup(f);
        const before = snapshotMemory(f.sandbox);
        state.counting = true;
        const result = refused(await last(f));
        state.counting = false;
        const now = snapshotMemory(f.sandbox);
        const difference = memoryDifference(before, now);
        expect(result.code, `change ${n}: ${difference}`).toBe(difference === undefined ? 'write-failed' : 'undo-failed');
        if (difference !== undefined) {
          expect(result.message).toMatch(/^step \d+ failed \(injected failure of (map|unmap|write) after it took effect\) and undoing the steps did not bring memory back: /);
          expect(result.message).not.toMatch(/memory is as it was/);
          // Every region that differs, and the first byte that differs, is named.
          for (const place of differingPlaces(before, now)) {
            const named = [...result.message.matchAll(/0x([0-9a-f]+)\.\.0x([0-9a-f]+)/g)]
              .some((m) => place >= parseInt(m[1]!, 16) && place < parseInt(m[2]!, 16));
            expect(named, `${hex(place)} in: ${result.message}`).toBe(true);
          }
        }
        f.process.close();
      }
      clean.process.close();
    });
  });

  describe('safe points', () => {
    it('waits while a thread is inside the bytes about to be overwritten, and not at the entry', async () => {
      const f = await loadFixture(arch);
      const tax = f.address('tax');
      const sp = Number(f.sandbox.readRegister(ARCH[arch].registers.sp)) - 0x100;
      // x86-64: the jump covers imul (3 bytes) and add (3 bytes), so tax+3 is an instruction
      // boundary inside it. ARM64: B replaces the first instruction only, so tax+4 is not in the way.
      const inside = arch === 'x64' ? tax + 3 : tax + 4;
      f.threads.push({ name: 'main', pc: f.address('main'), sp }, { name: 'worker', pc: inside, sp });
      if (arch === 'x64') {
        const result = await unchanged(f, async () => f.hotpatcher.apply(await f.build('fix')));
        if (result.status !== 'wait') throw new Error(`expected a wait, got ${result.status}`);
        expect(result.unsafe).toMatchObject({ thread: 'worker', pc: inside, holder: 'pc' });
        expect(result.message).toMatch(/^thread worker \(pc 0x[0-9a-f]+, app!tax\+0x3\) is inside bytes 0x[0-9a-f]+\.\.0x[0-9a-f]+ of app!tax, which is about to be overwritten; it must leave them first$/);
        f.threads[1]!.pc = tax;
      }
      expectApplied(await f.hotpatcher.apply(await f.build('fix')));
    });

    it('reads threads from saved sandbox contexts', async () => {
      const f = await loadFixture(arch);
      const first = await f.hotpatcher.apply(await f.build('fix'));
      expectApplied(first);
      const sp = Number(f.sandbox.readRegister(ARCH[arch].registers.sp));
      f.sandbox.writeRegister(ARCH[arch].registers.pc, first.placement!.code + 4);
      const worker = f.sandbox.saveContext();
      f.sandbox.writeRegister(ARCH[arch].registers.pc, f.address('main'));
      const threads = contextThreads(f.sandbox, [{ name: 'worker', context: worker }]);
      expect(threads).toEqual([expect.objectContaining({ name: 'worker', pc: first.placement!.code + 4, sp })]);
      expect(Number(f.sandbox.readRegister(ARCH[arch].registers.pc))).toBe(f.address('main'));
      f.threads.push(...threads);
      const result = await unchanged(f, async () => f.hotpatcher.apply(await f.build('cumulative')));
      expect(result.status === 'wait' && result.message).toMatch(/^thread worker \(pc 0x[0-9a-f]+, app patch 1 code\+0x4\) is executing app patch 1 code, which is about to be removed/);
    });

    it('waits while a thread runs code of the patch being replaced, or will return into it', async () => {
      const f = await loadFixture(arch);
      const first = await f.hotpatcher.apply(await f.build('fix'));
      expectApplied(first);
      const patchCode = { address: first.placement!.code };
      const sp = (Number(f.sandbox.readRegister(ARCH[arch].registers.sp)) - 0x100) & ~7;
      f.threads.push({ name: 'main', pc: patchCode.address + 4, sp });
      let result = await unchanged(f, async () => f.hotpatcher.apply(await f.build('cumulative')));
      expect(result.status === 'wait' && result.unsafe.holder).toBe('pc');
      expect(result.status === 'wait' && result.message).toMatch(/is executing app patch 1 code, which is about to be removed/);

      // A return address on the stack (x86-64 call) or in the link register (ARM64 bl).
      f.threads[0]!.pc = f.address('round_half');
      const saved = f.sandbox.read(sp + 16, 8);
      const word = new Uint8Array(8);
      new DataView(word.buffer).setBigUint64(0, BigInt(patchCode.address + 8), true);
      f.sandbox.write(sp + 16, word);
      result = await f.hotpatcher.apply(await f.build('cumulative'));
      expect(result.status === 'wait' && result.unsafe).toMatchObject({ holder: 'stack', stackAddress: sp + 16 });
      f.sandbox.write(sp + 16, saved);
      if (arch === 'arm64') {
        f.threads[0]!.lr = patchCode.address + 8;
        result = await f.hotpatcher.apply(await f.build('cumulative'));
        expect(result.status === 'wait' && result.unsafe.holder).toBe('lr');
        f.threads[0]!.lr = f.address('main');
      }
      expectApplied(await f.hotpatcher.apply(await f.build('cumulative')));
    });

    it('waits before a rollback while a thread is in the patch being removed', async () => {
      const f = await loadFixture(arch);
      const first = await f.hotpatcher.apply(await f.build('fix'));
      expectApplied(first);
      const sp = Number(f.sandbox.readRegister(ARCH[arch].registers.sp)) - 0x100;
      f.threads.push({ name: 'main', pc: f.address('round_half'), sp, lr: 0 }, { name: 'worker', pc: first.placement!.code, sp });
      const result = await unchanged(f, () => f.hotpatcher.rollback('app'));
      expect(result.status === 'wait' && result.unsafe).toMatchObject({ thread: 'worker', holder: 'pc' });
      f.threads.pop();
      expectApplied(await f.hotpatcher.rollback('app'));
    });
  });
});

describe('hotpatch transaction on the in-browser CPU', () => {
  it('applies, runs and rolls back the same patches on the WASM CPU (arm64)', async () => {
    const f = await loadFixture('arm64', { backend: (arch) => new WasmSandbox(arch) });
    expect(f.sandbox.backend).not.toMatch(/unicorn/);
    const original = snapshotMemory(f.sandbox);
    expect(f.call('tax', 1000n)).toBe(1201n);
    expectApplied(await f.hotpatcher.apply(await f.build('fix')));
    expect(f.call('tax', 1000n)).toBe(1200n);
    expectApplied(await f.hotpatcher.apply(await f.build('cumulative')));
    expect(f.call('scale', 5n)).toBe(15n);
    expectApplied(await f.hotpatcher.rollback('app'));
    expectApplied(await f.hotpatcher.rollback('app'));
    const stackless = (s: MemorySnapshot) => ({ ...s, bytes: s.bytes.map((b, i) =>
      s.regions[i]!.address === STACK_TOP - STACK_SIZE ? Buffer.alloc(0) : b) });
    f.sandbox.write(f.address('counter'), new Uint8Array(8));
    expect(memoryDifference(stackless(original), stackless(snapshotMemory(f.sandbox)))).toBeUndefined();
    expect(f.call('tax', 1000n)).toBe(1201n);
  });
});
