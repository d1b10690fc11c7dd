// Landing pads kept by the planners, form by form: where the jump goes, what the trampoline starts
// with, how a paciasp entry stays balanced (one signature, one authentication on every path), which
// forms the far ways back take, and the refusals with strict landing pads.
import { describe, expect, it } from 'vitest';
import type { PlanResult, RedirectPlan, RedirectRequest } from '../../engine/host/plan.ts';
import { planRedirect } from '../../engine/host/redirect.ts';
import { assembleStatements } from '../../toolchain/assemble.ts';
import { disassemble } from '../../toolchain/capstone.ts';

const F = 0x40_0000;

function planned(result: PlanResult): RedirectPlan {
  if (!result.ok) throw new Error(`refused: ${result.refusal.message}`);
  return result.plan;
}

async function lines(arch: 'x64' | 'arm64', bytes: Uint8Array, address: number): Promise<string[]> {
  return (await disassemble(arch, bytes, address)).map((i) => `${i.mnemonic} ${i.operands}`.trim());
}

describe('x86-64: endbr64 stays first', () => {
  const ENDBR64 = Uint8Array.of(0xf3, 0x0f, 0x1e, 0xfa);
  async function plan(body: string, extra: Partial<RedirectRequest> = {}): Promise<PlanResult> {
    const bytes = Uint8Array.from([...ENDBR64, ...await assembleStatements(body, 'x64', F + 4)]);
    return planRedirect({ arch: 'x64', target: { address: F, bytes, name: 'f' }, replacement: 0x50_0000, mode: 'hook',
      trampolineAddress: 0x51_0000, ...extra });
  }
  const body = 'mov rax, rdi\nadd rax, 7\nimul rax, rsi\nadd rax, 1\nadd rax, 2\nret';

  it('writes the jump after the pad; the trampoline starts with endbr64', async () => {
    const p = planned(await plan(body));
    expect(p.overwritten).toEqual({ address: F + 4, length: 5 });
    expect(p.displaced.map((d) => d.address)).toEqual([F + 4, F + 7]);
    const entry = p.steps.find((s) => s.kind === 'entry-jump')!;
    expect(entry.address).toBe(F + 4);
    expect(entry.explanation).toMatch(/The function starts with endbr64, its landing pad: under CET's indirect branch tracking/);
    expect((await lines('x64', p.trampoline!.bytes, 0x51_0000))[0]).toBe('endbr64');
    expect(p.steps[0]!.explanation).toMatch(/^The trampoline: endbr64 \(the hook may call the trampoline through a pointer/);
  });

  it('jumps back into the middle with notrack beyond 2 GiB, or refuses with strict landing pads', async () => {
    const far = planned(await plan(body, { trampolineAddress: 0x5_0000_0000 }));
    const bytes = far.trampoline!.bytes;
    expect([...bytes.subarray(bytes.length - 15, bytes.length - 8)]).toEqual([0x3e, 0xff, 0x25, 0, 0, 0, 0]); // notrack jmp [rip+0]
    expect(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(bytes.length - 8, true)).toBe(BigInt(F + 11));
    expect(far.steps[0]!.explanation).toContain('the notrack prefix keeps indirect branch tracking from expecting one');
    const strict = await plan(body, { trampolineAddress: 0x5_0000_0000, landingPads: 'strict' });
    expect(strict.ok ? '' : strict.refusal.message).toBe('The trampoline at 0x500000000 is more than 2 GiB from 0x40000b, ' +
      'where it must jump back into the middle of the function; the function is built for indirect branch tracking, so an ' +
      'absolute jmp [rip+0] there (no endbr64) would raise #CP, and strict landing pads rule out notrack. Place the ' +
      'trampoline within 2 GiB of the function.');
  });

  it('overwrites the pad only when asked to (the old way)', async () => {
    const p = planned(await plan(body, { landingPads: 'overwrite' }));
    expect(p.overwritten).toEqual({ address: F, length: 5 });
    expect((await lines('x64', p.trampoline!.bytes, 0x51_0000))[0]).toBe('endbr64'); // copied as a displaced instruction
  });
});

describe('ARM64: bti c and paciasp stay first', () => {
  const NEAR = 0x50_0000;
  async function plan(source: string, extra: Partial<RedirectRequest> = {}): Promise<PlanResult> {
    const bytes = await assembleStatements(source, 'arm64', F);
    return planRedirect({ arch: 'arm64', target: { address: F, bytes, name: 'f' }, replacement: NEAR, mode: 'hook',
      trampolineAddress: NEAR + 0x800, ...extra });
  }
  // Keystone 0.9.2 knows PACIASP/AUTIASP only as hints #25/#29, and BTI C as hint #34.
  const pac = 'hint #25\nstp x29, x30, [sp, #-16]!\nmov x29, sp\nadd x0, x0, #1\nldp x29, x30, [sp], #16\nhint #29\nret';

  it('bti c: a b in the next word, and a copy of bti c first in the trampoline', async () => {
    const p = planned(await plan('hint #34\nadd x0, x0, #1\nret'));
    expect(p.overwritten).toEqual({ address: F + 4, length: 4 });
    expect(await lines('arm64', p.steps.find((s) => s.kind === 'entry-jump')!.after, F + 4)).toEqual(['b #0x500000']);
    expect(await lines('arm64', p.trampoline!.bytes, NEAR + 0x800)).toEqual(['bti c', 'add x0, x0, #1', 'b #0x400008']);
    expect(p.steps.find((s) => s.kind === 'entry-jump')!.explanation).toContain('so bti c stays first and the jump goes after it');
  });

  it('paciasp: the entry b goes to autiasp; b replacement, and the trampoline signs as the entry does', async () => {
    const p = planned(await plan(pac));
    expect(p.form).toBe('b imm26 to autiasp + b imm26 after the trampoline');
    const entry = p.steps.find((s) => s.kind === 'entry-jump')!;
    expect(entry.atomic).toBe(true);
    const stub = NEAR + 0x800 + 128;
    expect(await lines('arm64', entry.after, F + 4)).toEqual([`b #0x${stub.toString(16)}`]);
    const trampoline = await lines('arm64', p.trampoline!.bytes, NEAR + 0x800);
    expect(trampoline.slice(0, 3)).toEqual(['paciasp', 'stp x29, x30, [sp, #-0x10]!', 'b #0x400008']);
    expect(trampoline.slice(-2)).toEqual(['autiasp', 'b #0x500000']);
    // Every path signs once and authenticates once: entry (paciasp) -> stub (autiasp) -> replacement;
    // replacement -> trampoline (paciasp) -> the body's own autiasp before its ret.
    expect(p.steps[0]!.explanation).toContain('autiasp authenticates it again first');
  });

  it('paciasp in replace mode: the stub in the padding, or autiasp; b over the next two words', async () => {
    const padded = planned(await plan(pac, { mode: 'replace', trampolineAddress: undefined,
      padding: new Uint8Array(8).fill(0) }));
    expect(padded.form).toBe('b imm26 to autiasp + b imm26 in the padding');
    expect(await lines('arm64', padded.steps.find((s) => s.kind === 'padding-jump')!.after, F - 8)).toEqual(['autiasp', 'b #0x500000']);
    const inPlace = planned(await plan(pac, { mode: 'replace', trampolineAddress: undefined }));
    expect(inPlace.form).toBe('autiasp + b imm26');
    expect(inPlace.overwritten).toEqual({ address: F + 4, length: 8 });
    expect(inPlace.steps.find((s) => s.kind === 'entry-jump')!.atomic).toBe(false);
  });

  it('far: the way back into the middle is ldr x16 + ret x16 (BTYPE 00), refused with strict landing pads', async () => {
    const source = 'hint #34\nadd x0, x0, #1\nadd x0, x0, #2\nadd x0, x0, #3\nadd x0, x0, #4\nadd x0, x0, #5\nret';
    const far = planned(await plan(source, { replacement: 0x4000_0000, trampolineAddress: 0x4000_0800 }));
    expect(far.form).toBe('ldr x16 + br x16');
    const trampoline = await lines('arm64', far.trampoline!.bytes, 0x4000_0800);
    expect(trampoline.slice(0, 6)).toEqual(['bti c', 'add x0, x0, #1', 'add x0, x0, #2', 'add x0, x0, #3', 'add x0, x0, #4', 'ldr x16, #0x40000820']);
    expect(trampoline[6]).toBe('ret x16');
    expect(far.steps[0]!.explanation).toContain('A ret sets BTYPE 00, so landing there needs no pad under BTI');
    const strict = await plan(source, { replacement: 0x4000_0000, trampolineAddress: 0x4000_0800, landingPads: 'strict' });
    expect(strict.ok ? '' : strict.refusal.code).toBe('out-of-range');
  });

  it('the tail-calling function of the wrong refusal: planned, its far call through a ret form', async () => {
    // twice_helper: paciasp; stp; mov x29, sp; bl helper; ldp; autiasp; b helper (helper starts with bti c).
    const twice = 'hint #25\nstp x29, x30, [sp, #-16]!\nmov x29, sp\nbl .+0x200\nldp x29, x30, [sp], #16\nhint #29\nb .+0x1f0';
    const p = planned(await plan(twice, { replacement: 0x4000_0000, trampolineAddress: 0x4000_0800 }));
    expect(p.displaced.find((d) => d.address === F + 12)!.relocation).toBe('bl to 0x40020c is beyond ±128 MiB of the ' +
      'trampoline: ldr x16 with the address in the literal pool, then adr x30 (the return address) + ret x16, which sets ' +
      'BTYPE 00, so the target needs no landing pad under BTI');
  });
});
