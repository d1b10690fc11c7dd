// The ARM64 redirect planner: entry forms, the plan's steps, BTI landing pads, and every refusal
// with its message. Plans that are carried out are run on Unicorn.
import { describe, expect, it } from 'vitest';
import { arm64TrampolineMaxSize, planArm64Redirect } from '../../../engine/host/arm64.ts';
import { loadEngine } from '../../../engine/host/engine.ts';
import { decodeEngineJson, decodePlanResult, type PlanResult, type RedirectPlan, type RedirectRequest } from '../../../engine/host/plan.ts';
import { planRedirect, trampolineSizeBound } from '../../../engine/host/redirect.ts';
import { planX64Redirect } from '../../../engine/host/x64.ts';
import { Prot } from '../../../sandbox/sandbox.ts';
import { UnicornSandbox } from '../../../sandbox/unicorn/unicorn-sandbox.ts';
import { assembleStatements } from '../../../toolchain/assemble.ts';
import { disassemble } from '../../../toolchain/capstone.ts';
import { callFunction, RETURN_ADDRESS } from '../../../harness/corpus/corpus.ts';
import { applyPlan } from '../apply-plan.ts';
import { hookReplacement, REPLACED_RESULT, replaceReplacement } from './guest.ts';

const F = 0x40_0000;
const NEAR = 0x50_0000;
const FAR = 0x4000_0000;

async function plan(source: string, options: Partial<RedirectRequest> & { far?: boolean } = {}): Promise<PlanResult> {
  const bytes = await assembleStatements(source, 'arm64', F);
  const replacement = options.far ? FAR : NEAR;
  return planArm64Redirect({
    arch: 'arm64', target: { address: F, bytes, name: 'f' }, replacement, mode: 'hook', trampolineAddress: replacement + 0x800,
    ...options,
  });
}

async function refusal(source: string, options: Partial<RedirectRequest> & { far?: boolean } = {}) {
  const result = await plan(source, options);
  if (result.ok) throw new Error(`planned (${result.plan.form}) where a refusal was expected`);
  return result.refusal;
}

function planned(result: PlanResult): RedirectPlan {
  if (!result.ok) throw new Error(`refused: ${result.refusal.message}`);
  return result.plan;
}

const LOOP = 'mov x1, #0\nmov x2, #0\nadd x1, x1, x0\nnop\nsubs x0, x0, #1\nb.ne .-12\nmov x0, x1\nret';

describe('ARM64 planner refusals, each with its message', () => {
  it('too short: shorter than the 16-byte form when b cannot reach, with or without padding', async () => {
    const short = 'umulh x0, x0, x1\nret';
    expect(await refusal(short, { far: true })).toEqual({ code: 'too-short', address: F, message:
      'f (0x400000) is 8 bytes long; the replacement 0x40000000 is beyond the ±128 MiB reach of a b instruction, and the ' +
      '16-byte absolute form (ldr x16 + br x16 + address) does not fit in it, and it has no padding before it. Place the ' +
      'replacement within ±128 MiB, or leave 16 bytes of padding before the function.' });
    expect((await refusal(short, { far: true, padding: new Uint8Array(8) })).message).toContain(
      'does not fit in it, nor in its 8 bytes of padding.');
  });

  it('branch into the overwritten words: a loop back into them, a loop back to the entry', async () => {
    expect(await refusal(LOOP, { far: true })).toEqual({ code: 'branch-into-overwritten', address: F + 0x14, message:
      'b.ne at 0x400014 (f+0x14) branches to 0x400008 (f+0x8), inside the first 16 bytes that the redirect replaces; ' +
      'it would land in the middle of the new jump.' });
    expect(await refusal('subs x0, x0, #1\nb.ne .-4\nret')).toEqual({ code: 'branch-into-overwritten', address: F + 4, message:
      'b.ne at 0x400004 (f+0x4) branches to 0x400000 (f), inside the first 4 bytes that the redirect replaces; ' +
      'it would land on the new jump and leave the function instead of looping.' });
    // The same loop with the 4-byte b: nothing branches to the one word it overwrites.
    expect(planned(await plan(LOOP)).form).toBe('b imm26');
  });

  it('branch into the overwritten words: an address taken or a literal read inside them', async () => {
    const body = 'mov x1, #0\nadd x1, x1, x0\nsubs x0, x0, #1\nnop\n';
    expect(await refusal(`${body}adr x2, .-8\nret`, { far: true })).toEqual({ code: 'branch-into-overwritten', address: F + 0x10,
      message: 'adr at 0x400010 (f+0x10) takes the address 0x400008 (f+0x8), inside the first 16 bytes that the redirect ' +
        'replaces; code reached through it would run the middle of the new jump.' });
    expect(await refusal(`${body}ldr x2, .-12\nret`, { far: true })).toEqual({ code: 'branch-into-overwritten', address: F + 0x10,
      message: 'ldr at 0x400010 (f+0x10) reads a literal at 0x400004 (f+0x4), inside the first 16 bytes that the redirect ' +
        'replaces; it would read the new jump.' });
  });

  it('undecodable: an unallocated word among the displaced ones', async () => {
    expect(await refusal('.long 0x02000000\nret')).toEqual({ code: 'undecodable', address: F, message:
      'The word 0x02000000 at 0x400000 (f) is not an A64 instruction (an unallocated encoding), so the first 4 bytes of ' +
      'f (0x400000) cannot be moved out of the way of the jump.' });
    expect((await refusal('nop\nnop\n.long 0x07ffffff\nret', { far: true })).message).toMatch(
      /^The word 0x07ffffff at 0x400008 \(f\+0x8\) is not an A64 instruction/);
  });

  it('unmovable: a return before the end of the overwritten words, with code after it', async () => {
    expect(await refusal('mov x0, #1\nret\nmov x0, #2\nret', { far: true })).toEqual({ code: 'unmovable-instruction',
      address: F + 4, message: 'f (0x400000) returns with ret at 0x400004 (f+0x4), before the end of the 16 bytes the jump ' +
        'overwrites; the word after it, at 0x400008 (f+0x8), belongs to code reached some other way, which the jump would destroy.' });
  });

  it('unmovable: a far branch when the displaced code may have set both x16 and x17', async () => {
    expect(await refusal('mov x16, x0\nmov x17, x1\nb.eq .+0x100\nadd x0, x16, x17\nret', { far: true })).toEqual({
      code: 'unmovable-instruction', address: F + 8, message: 'b.eq at 0x400008 (f+0x8) must become an absolute sequence ' +
        'through x16 or x17 in the trampoline at 0x40000800, but the instructions before it may have set both for later ' +
        'use. Place the trampoline within reach of 0x400108.' });
  });

  it('unmovable: a literal load after a load-exclusive', async () => {
    expect(await refusal('ldxr x1, [x0]\nadd x1, x1, #1\nstxr w2, x1, [x0]\ncbnz w2, .-12\nret', { far: true })).toEqual({
      code: 'unmovable-instruction', address: F, message: 'The load-exclusive at 0x400000 (f) is followed in the trampoline ' +
        'by a literal load for the jump back, which may clear the exclusive monitor and make the matching store-exclusive ' +
        'fail forever. Place the trampoline nearer, so that no literal load is needed.' });
  });

  it('out of range: a far trampoline for a function built with BTI, with strict landing pads', async () => {
    // The way back into the middle is named first: it is the obstacle whatever the displaced branches target.
    const twice = 'hint #25\nstp x29, x30, [sp, #-16]!\nmov x29, sp\nbl .+0x200\nldp x29, x30, [sp], #16\nhint #29\nb .+0x1f0';
    expect(await refusal(twice, { far: true, landingPads: 'strict' })).toEqual({
      code: 'out-of-range', address: F, message: 'The trampoline at 0x40000800 is beyond the ±128 MiB reach of a direct ' +
        'branch back to 0x400018 (f+0x18); the function is built with BTI, so an indirect jump into its middle (no landing ' +
        'pad there) would fault, and strict landing pads rule out a ret standing in for it. Place the trampoline within ±128 MiB.' });
    expect(await refusal('hint #34\ncmp x0, #3\nb.eq .+0x100\nadd x0, x0, #1\nret', { far: true, landingPads: 'strict' })).toEqual({
      code: 'out-of-range', address: F + 8, message: 'b.eq at 0x400008 (f+0x8) targets 0x400108, beyond the reach of a ' +
        'direct branch from the trampoline at 0x40000800; the function is built with BTI and strict landing pads are asked ' +
        'for, so the absolute br it would become needs a landing pad at 0x400108, which the engine cannot see. Place the ' +
        'trampoline within ±128 MiB of 0x400108.' });
    // Without strict landing pads both become ret x16 (BTYPE 00): planned.
    expect(planned(await plan(twice, { far: true })).trampoline).toBeDefined();
  });

  it('bad requests', async () => {
    const f = 'add x0, x0, #1\nret';
    const messages = await Promise.all([
      refusal(f, { trampolineAddress: undefined }),
      refusal(f, { target: { address: F + 2, bytes: new Uint8Array(8), name: 'f' } }),
      refusal(f, { target: { address: F, bytes: new Uint8Array(6), name: 'f' } }),
      refusal(f, { target: { address: F, bytes: new Uint8Array(0), name: 'f' } }),
      refusal(f, { trampolineAddress: F - 8 }),
      refusal(f, { replacement: F + 4 }),
      refusal(f, { replacement: NEAR + 2 }),
      refusal(f, { trampolineAddress: NEAR + 0x802 }),
    ]);
    expect(messages.map((r) => `${r.code}: ${r.message}`)).toEqual([
      'bad-request: Hook mode needs a trampoline address: the relocated first instructions of f (0x400000) are written there.',
      'bad-request: f (0x400002) does not start on a 4-byte boundary, where A64 instructions must start.',
      'bad-request: A64 code is made of 4-byte words, but 6 bytes of function and 0 bytes of padding were given for f (0x400000).',
      'bad-request: No bytes were given for f (0x400000).',
      'bad-request: The trampoline at 0x3ffff8 (up to 148 bytes) overlaps f (0x400000) or its padding.',
      'bad-request: The replacement 0x400004 lies inside f (0x400000) itself.',
      'bad-request: The replacement 0x500002 does not start on a 4-byte boundary, where A64 instructions must start.',
      'bad-request: The trampoline address 0x500802 does not start on a 4-byte boundary, where A64 instructions must start.',
    ]);
  });
});

/** A function, its replacement and trampoline area mapped on Unicorn; `call` runs the function. */
async function machine(source: string, area: number, paddingBefore = 0) {
  const sandbox = new UnicornSandbox('arm64');
  sandbox.map(F - 0x1000, 0x2000, Prot.ALL);
  sandbox.map(area, 0x2000, Prot.ALL);
  sandbox.map(RETURN_ADDRESS, 0x1000, Prot.READ | Prot.EXEC);
  sandbox.map(0x7ffb_0000, 0x4_0000, Prot.READ | Prot.WRITE);
  const bytes = await assembleStatements(source, 'arm64', F);
  sandbox.write(F, bytes);
  const padding = await assembleStatements(Array(paddingBefore / 4).fill('nop').join('\n') || 'nop', 'arm64', F - paddingBefore);
  if (paddingBefore) sandbox.write(F - paddingBefore, padding);
  return {
    sandbox, bytes, padding: padding.subarray(0, paddingBefore),
    call: (...args: bigint[]) => callFunction(sandbox, F, args),
    calls: () => new DataView(sandbox.read(area + 0x1000, 8).buffer).getBigUint64(0, true),
  };
}

describe('ARM64 planner entry forms and steps', () => {
  it('uses one b within ±128 MiB: a single atomic store, then cache maintenance', async () => {
    const p = planned(await plan('add x0, x0, #1\nret', { mode: 'replace', trampolineAddress: undefined }));
    expect(p.form).toBe('b imm26');
    expect(p.overwritten).toEqual({ address: F, length: 4 });
    expect(p.steps.map((s) => [s.kind, s.address, s.atomic])).toEqual([['entry-jump', F, true], ['flush-icache', F, false]]);
    expect((await disassemble('arm64', p.steps[0]!.after, F)).map((i) => `${i.mnemonic} ${i.operands}`)).toEqual(['b #0x500000']);
    expect(p.steps[1]!.cacheMaintenance).toEqual({ length: 4, sequence: [
      'dc cvau, each line of 0x400000..0x400004', 'dsb ish', 'ic ivau, each line of 0x400000..0x400004', 'dsb ish', 'isb'] });
    expect(p.displaced).toEqual([{ address: F, length: 4, relocation: 'overwritten; replace mode keeps no copy' }]);
  });

  it('hook mode: trampoline, its cache maintenance, the entry jump, its cache maintenance', async () => {
    const p = planned(await plan('add x0, x0, #1\nret'));
    expect(p.steps.map((s) => s.kind)).toEqual(['trampoline', 'flush-icache', 'entry-jump', 'flush-icache']);
    expect(p.steps[0]!.before).toEqual(new Uint8Array(p.trampoline!.bytes.length));
    expect(p.steps[1]).toMatchObject({ address: NEAR + 0x800, cacheMaintenance: { length: 8 } });
    expect((await disassemble('arm64', p.trampoline!.bytes, NEAR + 0x800)).map((i) => `${i.mnemonic} ${i.operands}`))
      .toEqual(['add x0, x0, #1', 'b #0x400004']);
    expect(p.trampoline!.bytes.length).toBeLessThanOrEqual(await arm64TrampolineMaxSize());
  });

  it('uses the 16-byte absolute form beyond ±128 MiB, not atomic, and runs it', async () => {
    const m = await machine('add x0, x0, #1\nadd x0, x0, #2\nadd x0, x0, #3\nadd x0, x0, #4\nret', FAR);
    m.sandbox.write(FAR, await replaceReplacement(FAR, FAR + 0x1000));
    const p = planned(await planArm64Redirect({ arch: 'arm64', target: { address: F, bytes: m.bytes }, replacement: FAR, mode: 'replace' }));
    expect(p.form).toBe('ldr x16 + br x16');
    expect(p.steps.map((s) => [s.kind, s.atomic])).toEqual([['entry-jump', false], ['flush-icache', false]]);
    expect(m.call(5n)).toBe(15n);
    applyPlan(m.sandbox, p);
    expect(m.call(5n)).toBe(REPLACED_RESULT);
    m.sandbox.close();
  });

  it('puts the absolute form in 16 bytes of padding and a b at the entry: one atomic store at the entry', async () => {
    const m = await machine('umulh x0, x0, x1\nret', FAR, 16);
    m.sandbox.write(FAR, await hookReplacement(FAR, FAR + 0x1000, FAR + 0x800));
    const p = planned(await planArm64Redirect({ arch: 'arm64', target: { address: F, bytes: m.bytes, name: 'mul_hi' },
      padding: m.padding, replacement: FAR, mode: 'hook', trampolineAddress: FAR + 0x800 }));
    expect(p.form).toBe('b imm26 to ldr x16 + br x16 in the padding');
    expect(p.steps.map((s) => [s.kind, s.address, s.atomic])).toEqual([
      ['trampoline', FAR + 0x800, false], ['flush-icache', FAR + 0x800, false],
      ['padding-jump', F - 16, false], ['flush-icache', F - 16, false],
      ['entry-jump', F, true], ['flush-icache', F, false]]);
    expect(p.steps[2]!.before).toEqual(m.padding);
    const expected = m.call(0x1_0000_0000n, 0x3_0000_0000n);
    applyPlan(m.sandbox, p);
    expect(m.call(0x1_0000_0000n, 0x3_0000_0000n)).toBe(expected);
    expect(m.calls()).toBe(1n);
    m.sandbox.close();
  });

  it('keeps a BTI landing pad first in the function and in the trampoline, bti jc where the function has bti j', async () => {
    const withBtiC = planned(await plan('hint #34\nadd x0, x0, #1\nret'));
    expect(withBtiC.trampoline!.bytes.subarray(0, 4)).toEqual(Uint8Array.of(0x5f, 0x24, 0x03, 0xd5));
    expect(withBtiC.overwritten).toEqual({ address: F + 4, length: 4 }); // the pad stays
    expect(withBtiC.displaced[0]!.relocation).toBe('copied');
    const withBtiJ = planned(await plan('hint #36\nadd x0, x0, #1\nret'));
    expect((await disassemble('arm64', withBtiJ.trampoline!.bytes, NEAR + 0x800)).map((i) => `${i.mnemonic} ${i.operands}`.trim()))
      .toEqual(['bti jc', 'add x0, x0, #1', 'b #0x400008']);
    expect(withBtiJ.displaced[0]!.relocatedAddress).toBe(NEAR + 0x804);
    expect(withBtiJ.steps[0]!.explanation).toContain('a bti jc landing pad (the hook may call the trampoline through a register');
    // Keystone 0.9.2 knows PACIASP/AUTIASP only as hints #25/#29.
    const pac = planned(await plan('hint #25\nstp x29, x30, [sp, #-16]!\nldp x29, x30, [sp], #16\nhint #29\nret'));
    expect(pac.trampoline!.bytes.subarray(0, 4)).toEqual(Uint8Array.of(0x3f, 0x23, 0x03, 0xd5));
    // Far: the entry's br x16 reaches the replacement indirectly, which then needs a landing pad of its own.
    const far = planned(await plan('hint #34\nadd x0, x0, #1\nadd x0, x0, #2\nadd x0, x0, #3\nret', { mode: 'replace', far: true }));
    expect(far.steps[0]!.explanation).toContain('it must start with a landing pad (bti c or paciasp)');
  });

  it('copies a literal pool that lies in the overwritten words, after a return', async () => {
    const p = planned(await plan('ldr x0, .+8\nret\n.quad 0x1122334455667788\nnop', { far: true }));
    expect(p.displaced.map((d) => d.relocation)).toEqual([
      'ldr reads 0x400008, inside the overwritten words: the literal is copied into the trampoline', 'copied',
      'data read by a displaced literal load: copied as is (never executed)',
      'data read by a displaced literal load: copied as is (never executed)']);
  });

  it('answers every request through planRedirect, and bounds the trampoline for allocation', async () => {
    const bytes = await assembleStatements('add x0, x0, #1\nret', 'arm64', F);
    const request: RedirectRequest = { arch: 'arm64', target: { address: F, bytes }, replacement: NEAR, mode: 'replace' };
    expect(await planRedirect(request)).toEqual(await planArm64Redirect(request));
    expect(await trampolineSizeBound('arm64')).toBe(148);
    // The same request marked x64 goes to the x86-64 planner instead.
    expect(await planRedirect({ ...request, arch: 'x64' })).toEqual(await planX64Redirect({ ...request, arch: 'x64' }));
  });

  it('reads the engine\'s answer exactly as the generic JSON reading does, escapes included', async () => {
    const engine = await loadEngine();
    const cases: [string, string, number, bigint][] = [
      [LOOP, 'f', 1, BigInt(FAR)], [LOOP, 'f', 1, BigInt(NEAR)], ['ldr x0, .+8\nret\n.quad 7\nnop', 'odd "name"\\\n\u0001', 1, BigInt(FAR)],
      [LOOP, 'f', 0, BigInt(FAR)], ['nop', 'short', 1, BigInt(FAR)],
    ];
    for (const [source, name, mode, replacement] of cases) {
      const bytes = await assembleStatements(source, 'arm64', F);
      engine.input(bytes.length).set(bytes);
      const json = engine.string(engine.exports.arm64PlanRedirect(0, bytes.length, BigInt(F), name, replacement, mode, true,
        replacement + 0x800n, 0));
      expect(decodePlanResult(json)).toEqual(decodeEngineJson<PlanResult>(json));
      const result = decodePlanResult(json);
      const text = result.ok ? result.plan.steps.at(-2)!.explanation : result.refusal.message;
      expect(text).toContain(name);
    }
  });

  it('plans without touching the bytes it was given', async () => {
    const bytes = await assembleStatements(LOOP, 'arm64', F);
    const copy = bytes.slice();
    await planArm64Redirect({ arch: 'arm64', target: { address: F, bytes }, replacement: FAR, mode: 'hook', trampolineAddress: FAR + 0x800 });
    await planArm64Redirect({ arch: 'arm64', target: { address: F, bytes }, replacement: NEAR, mode: 'hook', trampolineAddress: NEAR + 0x800 });
    expect(bytes).toEqual(copy);
  });
});

describe('ARM64 step explanations read as sentences', () => {
  it('says what the b replaces in one sentence, with nothing in brackets after the function\'s address', async () => {
    const p = planned(await plan('add x0, x0, #1\nret', { mode: 'replace', trampolineAddress: undefined }));
    // The first instruction is not named: a later patch's b replaces an earlier patch's, not the one assembled.
    expect(p.steps.find((s) => s.kind === 'entry-jump')!.explanation).toBe('A b to the replacement 0x500000 replaces the ' +
      'first instruction of f (0x400000). It is one aligned 4-byte store, so a thread sees either the old instruction or ' +
      'the branch, never a mix.');
    const anonymous = planned(await plan('cbz x0, .+8\nret\nret', { target: { address: F,
      bytes: await assembleStatements('cbz x0, .+8\nret\nret', 'arm64', F) } }));
    expect(anonymous.steps.find((s) => s.kind === 'entry-jump')!.explanation).toMatch(
      /^A b to the replacement 0x500000 replaces the first instruction of the function at 0x400000\. It is one /);
  });

  it('gives the far forms their reason first, with no parenthesis after the function\'s address', async () => {
    const far = planned(await plan('add x0, x0, #1\nadd x0, x0, #2\nadd x0, x0, #3\nret', { mode: 'replace', far: true }));
    expect(far.steps[0]!.explanation).toBe('The replacement is beyond the ±128 MiB reach of a b, so ldr x16, #8; br x16; ' +
      '.quad 0x40000000 overwrites the first 16 bytes of f (0x400000). Four words take more than one store, so no thread ' +
      'may run them while they are written.');
    const padded = planned(await plan('umulh x0, x0, x1\nret', { mode: 'replace', far: true, padding: new Uint8Array(16) }));
    expect(padded.steps.map((s) => s.explanation).join(' ')).not.toMatch(/\)\s*\(/);
    expect(padded.steps[0]!.explanation).toBe('The replacement is beyond the ±128 MiB reach of a b, so ldr x16, #8; br x16; ' +
      '.quad 0x40000000 goes into the 16 bytes of padding just before f (0x400000). Nothing executes the padding, so this ' +
      'changes no behaviour yet.');
    expect(padded.steps.find((s) => s.kind === 'entry-jump')!.explanation).toMatch(/^A b to that jump at 0x3ffff0 replaces /);
  });

  it('says the sandbox drops stale decoded code whichever CPU runs the guest', async () => {
    const p = planned(await plan('add x0, x0, #1\nret'));
    for (const step of p.steps.filter((s) => s.kind === 'flush-icache')) {
      expect(step.explanation).toMatch(/The sandbox itself drops any code it has already decoded or translated from the written addresses, whichever CPU runs the guest\.$/);
      expect(step.explanation).not.toContain('Unicorn');
    }
  });
});
