// The architecture-neutral entry point answers x86-64 requests with the x86-64 planner.
import { describe, expect, it } from 'vitest';
import { planRedirect, trampolineSizeBound } from '../../../engine/host/redirect.ts';
import { planX64Redirect } from '../../../engine/host/x64.ts';
import { asm } from '../../helpers.ts';

describe('planRedirect for x86-64', () => {
  it('gives the x86-64 planner\'s answer, and a trampoline bound no plan exceeds', async () => {
    // The worst case: 14 overwritten bytes full of short branches that all grow to absolute forms.
    const source = 'test edi, edi\njz out\njrcxz out\njnz out\nloop out\njs out\njo out\njp out\nout: ret';
    const address = 0x40_0000;
    const request = { arch: 'x64' as const, target: { address, bytes: await asm('x64', source, address) },
      replacement: 0x5_0000_0000, mode: 'hook' as const, trampolineAddress: 0x6_0000_0000 };
    const result = await planRedirect(request);
    expect(result).toEqual(await planX64Redirect(request));
    if (!result.ok) throw new Error(result.refusal.message);
    expect(result.plan.displaced.length).toBe(7);
    const bound = await trampolineSizeBound('x64');
    expect(result.plan.trampoline!.bytes.length).toBeGreaterThan(100);
    expect(result.plan.trampoline!.bytes.length).toBeLessThanOrEqual(bound);
  });
});
