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

describe('x86-64 planning memory', () => {
  it('gives back the decoded instructions: thousands of plans leave the engine\'s memory as it was', async () => {
    const { loadCorpus } = await import('../../../harness/corpus/corpus.ts');
    const { loadEngine } = await import('../../../engine/host/engine.ts');
    const build = loadCorpus('x64').find((b) => b.name === 'x64-gcc-O0')!;
    const plan = (i: number) => {
      const fn = build.functions[i % build.functions.length]!;
      return planX64Redirect({ arch: 'x64', target: { address: fn.address, bytes: fn.bytes }, replacement: 0x1000_0000,
        mode: 'hook', trampolineAddress: 0x1010_0000 });
    };
    for (let i = 0; i < 200; i++) await plan(i); // settle the heap
    const memory = (await loadEngine()).exports.memory;
    const before = memory.buffer.byteLength;
    for (let i = 0; i < 3000; i++) await plan(i); // about 80,000 decoded instructions
    expect(memory.buffer.byteLength).toBe(before);
  });
});

describe('x86-64 entry-jump explanations read as sentences', () => {
  const address = 0x40_0100;
  const source = 'lea rax, [rdi + 1]\nimul rax, rax, 3\nadd rax, 5\nadd rax, rdi\nret';
  const entryText = async (replacement: number) => {
    const result = await planX64Redirect({ arch: 'x64', target: { address, bytes: await asm('x64', source, address),
      name: 'scale' }, replacement, mode: 'replace' });
    if (!result.ok) throw new Error(result.refusal.message);
    return result.plan.steps.find((s) => s.kind === 'entry-jump')!.explanation;
  };

  it('near: the jump, what it overwrites, and why the store is or is not atomic', async () => {
    expect(await entryText(0x50_0000)).toBe('A jmp rel32 to the replacement 0x500000 overwrites the first 5 bytes of ' +
      'scale (0x400100); they lie in one aligned 8-byte word, so one 8-byte store writes them atomically.');
  });

  it('far: the reason for the absolute form comes first, with no parenthesis after the function\'s address', async () => {
    const text = await entryText(0x5_0000_0000);
    expect(text).toBe('The replacement 0x500000000 is more than 2 GiB away, so a jmp [rip+0] abs64, which reads its ' +
      'target from the 8 bytes after it, overwrites the first 14 bytes of scale (0x400100); they span more than one ' +
      'aligned 8-byte word, so no thread may run them while they are written.');
    expect(text).not.toMatch(/\)\s*\(/);
  });
});
