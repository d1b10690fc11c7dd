// A transaction plans from the engine's binary plan record: the plans' sentences (step explanations,
// forms, relocations) are asked of the engine only when the transaction's steps or plans are read,
// and are then word for word what planning with the JSON answer gives.
import { describe, expect, it, vi } from 'vitest';
import { bytesToHex } from '../../core/hex.ts';
import type { Arch } from '../../core/arch.ts';
import { loadEngine } from '../../engine/host/engine.ts';
import { planRedirect } from '../../engine/host/redirect.ts';
import type { TransactionResult } from '../../engine/host/transaction.ts';
import { expectApplied, loadFixture } from '../../harness/fixtures/hotpatch-fixture.ts';

const print = (result: TransactionResult) =>
  JSON.stringify(result, (_, value: unknown) => value instanceof Uint8Array ? bytesToHex(value) : value, 1);

describe.each(['x64', 'arm64'] as Arch[])('transaction sentences (%s)', (arch) => {
  it('are made only when the steps are read, once per plan, as the JSON answer has them', async () => {
    const engine = await loadEngine();
    const json = vi.spyOn(engine.exports, arch === 'x64' ? 'x64PlanRedirect' : 'arm64PlanRedirect');
    try {
      const fast = await loadFixture(arch);
      const eager = await loadFixture(arch, { planner: planRedirect });
      const image = await fast.build('cumulative');
      json.mockClear();
      const applied = await fast.hotpatcher.apply(image);
      expect(json).not.toHaveBeenCalled();
      expectApplied(applied);
      const steps = applied.steps;
      expect(json).toHaveBeenCalledTimes(2); // the patch redirects two functions
      expect(steps.find((s) => s.stage === 'entry-jump')!.explanation).toMatch(/^A (jmp rel32|b) to the replacement /);
      void applied.plans;
      expect(json).toHaveBeenCalledTimes(2);
      // The same transaction planned with the JSON answer, in another process of the same program.
      const told = await eager.hotpatcher.apply(image);
      expect(print(applied)).toBe(print(told));
      expect(fast.call('scale', 5n)).toBe(eager.call('scale', 5n));
      fast.process.close();
      eager.process.close();
    } finally {
      json.mockRestore();
    }
  });
});
