// What the transaction must not take on trust, on both CPUs: bytes in .text that only look like
// fill, a return address deep in a thread's stack, and memory changed behind the engine's back.
import { describe, expect, it } from 'vitest';
import { ARCHES, type Arch } from '../../core/arch.ts';
import { hex } from '../../core/hex.ts';
import type { GuestModule } from '../../core/module.ts';
import { applyWhenSafe, runToMoment, stepGuest } from '../../engine/host/timeline.ts';
import { Hotpatcher, type TransactionResult } from '../../engine/host/transaction.ts';
import { expectApplied, type Fixture, loadFixture, memoryDifference, snapshotMemory } from '../../harness/fixtures/hotpatch-fixture.ts';
import { GuestProcess } from '../../sandbox/process.ts';
import { Prot, type Sandbox } from '../../sandbox/sandbox.ts';
import { UnicornSandbox } from '../../sandbox/unicorn/unicorn-sandbox.ts';
import { WasmSandbox } from '../../sandbox/wasm/wasm-sandbox.ts';
import { buildPatch } from '../../toolchain/patch.ts';
import { assembleProgram } from '../../toolchain/program.ts';

const CPUS: [string, (arch: Arch) => Sandbox][] = [
  ['unicorn', (arch) => new UnicornSandbox(arch)],
  ['wasm', (arch) => new WasmSandbox(arch)],
];

interface Program {
  process: GuestProcess;
  hotpatcher: Hotpatcher;
  modules: GuestModule[];
  symbol(name: string): { address: number; size: number };
  patch(source: string): Promise<Uint8Array>;
}

async function program(cpu: (arch: Arch) => Sandbox, arch: Arch, source: string): Promise<Program> {
  const modules = await assembleProgram([{ file: 'main.s', text: source }], arch);
  const process = new GuestProcess(cpu(arch), { modules });
  const hotpatcher = await Hotpatcher.create(process.sandbox, modules);
  const symbol = (name: string) => modules[0]!.symbols.find((s) => s.name === name) ?? (() => { throw new Error(name); })();
  return { process, hotpatcher, modules, symbol,
    patch: async (text) => (await buildPatch(text, arch, { base: modules[0]!, modules })).image };
}

// A byte table in .text ends in five 0x90 bytes right before f: they are data the program reads,
// not fill, whatever they look like. main returns f() + table[5] = 7 + 0x90 = 151 unpatched.
const TABLE = (f: string) => `.module table
.arch x64
.entry main
.text
table:
    .byte 1, 0x90, 0x90, 0x90, 0x90, 0x90
.func f
${f}
.endfunc
.func main
    xor eax, eax
    call f
    movzx ecx, byte ptr [rip + table + 5]
    add eax, ecx
    ret
.endfunc
`;

const FIX = (value: number) => `.patch table
.sequence 1
.redirect f -> g
.func g
    mov al, ${value}
    ret
.endfunc
`;

describe.each(CPUS)('x86-64 padding is only what the toolchain knows is fill (%s)', (_cpu, cpu) => {
  it('refuses a function too short for a jump rather than write over a table that ends in nops', async () => {
    const p = await program(cpu, 'x64', TABLE('    mov al, 7\n    ret'));
    const table = p.symbol('f').address - 6;
    const before = p.process.sandbox.read(table, 6);
    const result = await p.hotpatcher.apply(await p.patch(FIX(7)));
    expect(result.status === 'refused' && [result.code, result.refusal?.code]).toEqual(['plan-refused', 'too-short']);
    expect(p.process.sandbox.read(table, 6)).toEqual(before);
    p.process.run();
    expect([p.process.state, p.process.io.exitCode]).toEqual(['exited', 151]);
    p.process.close();
  });

  it('uses the entry form, not the table, for a function whose first instruction is 2 bytes', async () => {
    const p = await program(cpu, 'x64', TABLE('    mov al, 7\n    nop\n    nop\n    nop\n    ret'));
    const table = p.symbol('f').address - 6;
    const before = p.process.sandbox.read(table, 6);
    const result = await p.hotpatcher.apply(await p.patch(FIX(8)));
    if (result.status !== 'applied') throw new Error(result.message);
    expect(result.plans[0]!.form).toBe('jmp rel32');
    expect(result.steps.some((s) => s.stage === 'padding-jump')).toBe(false);
    expect(p.process.sandbox.read(table, 6)).toEqual(before);
    p.process.run();
    expect([p.process.state, p.process.io.exitCode]).toEqual(['exited', 0x90 + 8]);
    p.process.close();
  });

  it('still uses declared fill (int3 lines, alignment) before a function as padding for the hot-patch form', async () => {
    for (const fill of ['    int3\n    int3\n    int3\n    int3\n    int3', '.balign 16, 0xcc']) {
      const source = TABLE('    mov al, 7\n    ret').replace('.func f', `.endfunc\n${fill}\n.func f`).replace('table:', '.func pad\n    ret\ntable:');
      const p = await program(cpu, 'x64', source);
      const result = await p.hotpatcher.apply(await p.patch(FIX(8)));
      if (result.status !== 'applied') throw new Error(result.message);
      const jump = result.steps.find((s) => s.stage === 'padding-jump')!;
      expect(jump.address + jump.size).toBe(p.symbol('f').address);
      p.process.run();
      expect([p.process.state, p.process.io.exitCode]).toEqual(['exited', 0x90 + 8]);
      p.process.close();
    }
  });
});

// g runs under a frame of FRAME bytes, called from f2 (patch code) in place of f, so the only
// return address into the patch's code sits FRAME bytes and more above the stack pointer.
const DEEP: Record<Arch, (frame: number) => string> = {
  x64: (frame) => `.module deep
.arch x64
.entry main
.export g
.text
.func g
    sub rsp, ${frame}
    mov eax, 5
    nop
    nop
    add rsp, ${frame}
    ret
.endfunc
.func f
    mov eax, 1
    ret
.endfunc
.func main
    call f
    call f
    ret
.endfunc
`,
  arm64: (frame) => `.module deep
.arch arm64
.entry main
.export g
.text
.func h
    ret
.endfunc
.func g
    stp x29, x30, [sp, #-16]!
    sub sp, sp, #${frame >> 12}, lsl #12
    mov w0, #5
    bl h
    add sp, sp, #${frame >> 12}, lsl #12
    ldp x29, x30, [sp], #16
    ret
.endfunc
.func f
    mov w0, #1
    ret
.endfunc
.func main
    stp x29, x30, [sp, #-16]!
    bl f
    bl f
    ldp x29, x30, [sp], #16
    ret
.endfunc
`,
};

const CALLS_G: Record<Arch, string> = {
  x64: `.func f2
    call qword ptr [rip + g_slot]
    add eax, 100
    ret
.endfunc`,
  arm64: `.func f2
    stp x29, x30, [sp, #-16]!
    adrp x16, g_slot
    ldr x16, [x16, :lo12:g_slot]
    blr x16
    add w0, w0, #100
    ldp x29, x30, [sp], #16
    ret
.endfunc`,
};

const RETURNS_3: Record<Arch, string> = {
  x64: '.func f3\n    mov eax, 3\n    ret\n.endfunc',
  arm64: '.func f3\n    mov w0, #3\n    ret\n.endfunc',
};

describe.each(CPUS)('the safe point scans the whole stack (%s)', (_cpu, cpu) => {
  const cases = (['x64', 'arm64'] as const).flatMap((arch) => (['rollback', 'replace'] as const)
    .flatMap((action) => [0x41000, 0x80000, 0xf0000].map((frame) => [arch, action, frame] as const)));
  it.each(cases)('%s: a %s waits while a return address into the patch sits above a frame of %i bytes', async (arch, action, frame) => {
    const p = await program(cpu, arch, DEEP[arch](frame));
    expect(runToMoment(p.process, { afterCalls: 0, of: 'deep!f' })).toBe('reached');
    const first = await p.hotpatcher.apply(await p.patch(`.patch deep\n.sequence 1\n.redirect f -> f2\n.import g_slot = deep!g\n${CALLS_G[arch]}`));
    expect(first.status).toBe('applied');
    // Inside g, under its frame: the frame is allocated and g's own call (ARM64) has replaced the link register.
    expect(runToMoment(p.process, { afterCalls: 0, of: 'deep!g', thenInstructions: arch === 'x64' ? 2 : 4 })).toBe('reached');
    const sp = Number(p.process.sandbox.readRegister(arch === 'x64' ? 'rsp' : 'sp'));
    const next = action === 'rollback' ? { kind: 'rollback' as const, module: 'deep' }
      : { kind: 'apply' as const, image: await p.patch(`.patch deep\n.sequence 2\n.redirect f -> f3\n${RETURNS_3[arch]}`) };
    const attempt = next.kind === 'rollback' ? await p.hotpatcher.rollback('deep') : await p.hotpatcher.apply(next.image);
    if (attempt.status !== 'wait') throw new Error(`expected a wait, got ${attempt.status}`);
    expect(attempt.unsafe.holder).toBe('stack');
    expect(attempt.unsafe.stackAddress! - sp).toBeGreaterThanOrEqual(frame);
    const { result } = await applyWhenSafe(p.hotpatcher, next, () => stepGuest(p.process));
    expect(result.status).toBe('applied');
    p.process.run();
    expect(p.process.error?.message).toBeUndefined();
    // g returned into the patch, which returned 105 to main; the second call runs the original f or f3.
    expect([p.process.state, p.process.io.exitCode]).toEqual(['exited', action === 'rollback' ? 1 : 3]);
    p.process.close();
  });
});

describe.each(CPUS)('memory changed behind the engine (%s)', (_cpu, cpu) => {
  const backend = { backend: cpu };
  /** Runs `action` and checks that it answers memory-changed, throws nothing, and leaves all of memory as it was. */
  async function memoryChanged(f: Fixture, action: () => Promise<TransactionResult>): Promise<string> {
    const before = snapshotMemory(f.sandbox);
    const result = await action();
    expect(memoryDifference(before, snapshotMemory(f.sandbox))).toBeUndefined();
    if (result.status !== 'refused') throw new Error(`expected a refusal, got ${result.status}`);
    expect(result.code, result.message).toBe('memory-changed');
    return result.message;
  }

  it.each(ARCHES)('%s: refuses a rollback after the module\'s code page was unmapped, naming the place', async (arch) => {
    const f = await loadFixture(arch, backend);
    expectApplied(await f.hotpatcher.apply(await f.build('fix')));
    const tax = f.address('tax');
    f.sandbox.unmap(f.app.base, 0x1000);
    const message = await memoryChanged(f, () => f.hotpatcher.rollback('app'));
    expect(message).toBe(`${hex(tax)} (app!tax), where patch 1 wrote, is no longer mapped: memory was changed since patch 1 ` +
      'was applied, so rolling back is refused and nothing was written');
    // Put back, the page lets the rollback go through.
    f.sandbox.map(f.app.base, 0x1000, Prot.READ | Prot.EXEC);
    f.sandbox.write(f.app.base, f.app.code.slice(0, 0x1000));
    const result = await f.hotpatcher.rollback('app');
    expect(result.status === 'refused' && result.code).toBe('memory-changed'); // the entry jumps are gone with the page
    f.process.close();
  });

  it.each(ARCHES)('%s: refuses a first patch when the module\'s code page is unmapped, without a sandbox error', async (arch) => {
    const f = await loadFixture(arch, backend);
    f.sandbox.unmap(f.app.base, 0x1000);
    const message = await memoryChanged(f, async () => f.hotpatcher.apply(await f.build('fix')));
    expect(message).toMatch(/^0x[0-9a-f]+ \(app!(tax|twice)\) is no longer mapped; nothing was written$/);
    f.process.close();
  });

  it.each(ARCHES)('%s: refuses a first patch when a function it redirects was changed since it was loaded', async (arch) => {
    const f = await loadFixture(arch, backend);
    const tax = f.address('tax');
    f.sandbox.write(tax, new Uint8Array(4).fill(arch === 'x64' ? 0x90 : 0x1f));
    const message = await memoryChanged(f, async () => f.hotpatcher.apply(await f.build('fix')));
    expect(message).toBe(`${hex(tax)} (app!tax) does not hold the bytes app was loaded with; it was changed since, and nothing was written`);
    f.process.close();
  });

  it.each(ARCHES)('%s: refuses to replace a patch whose code was unmapped, and maps or unmaps nothing', async (arch) => {
    const f = await loadFixture(arch, backend);
    const first = await f.hotpatcher.apply(await f.build('fix'));
    expectApplied(first);
    const code = first.placement!.code;
    const contents = f.sandbox.read(code, 0x1000);
    f.sandbox.unmap(code, 0x1000);
    const message = await memoryChanged(f, async () => f.hotpatcher.apply(await f.build('cumulative')));
    expect(message).toBe(`app patch 1 code at ${hex(code)}..${hex(code + 0x1000)} is no longer mapped: memory was changed since ` +
      'patch 1 was applied, so replacing it is refused and nothing was written');
    // With the page back as it was, the replacement goes through and the guest runs the new patch.
    f.sandbox.map(code, 0x1000, Prot.READ | Prot.EXEC);
    f.sandbox.write(code, contents);
    expect(f.call('tax', 1000n)).toBe(1200n);
    const second = await f.hotpatcher.apply(await f.build('cumulative'));
    expectApplied(second);
    expect(f.sandbox.regions().some((r) => second.placement!.code >= r.address && second.placement!.code < r.address + r.size)).toBe(true);
    expect(f.call('tax', 1000n)).toBe(1200n);
    expect(f.call('scale', 5n)).toBe(15n);
    f.process.close();
  });

  it.each(ARCHES)('%s: refuses to replace or roll back a patch whose memory was protected otherwise or overwritten; the guest runs on', async (arch) => {
    const f = await loadFixture(arch, backend);
    const first = await f.hotpatcher.apply(await f.build('fix'));
    expectApplied(first);
    const { code, data } = first.placement!;
    f.sandbox.protect(data, 0x1000, Prot.READ);
    let message = await memoryChanged(f, async () => f.hotpatcher.apply(await f.build('cumulative')));
    expect(message).toMatch(new RegExp(`^app patch 1 data at ${hex(data)}\\.\\.${hex(data + 0x1000)} is r-- at ${hex(data)} where it was mapped rw-: `));
    expect(f.call('tax', 1000n)).toBe(1200n); // patch 1 only reads its data: it still works
    message = await memoryChanged(f, () => f.hotpatcher.rollback('app'));
    expect(message).toMatch(/ is r-- at .* rolling back is refused and nothing was written$/);
    f.sandbox.protect(data, 0x1000, Prot.READ | Prot.WRITE);
    const byte = f.sandbox.read(code + 1, 1);
    f.sandbox.write(code + 1, Uint8Array.of(byte[0]! ^ 0xff));
    message = await memoryChanged(f, () => f.hotpatcher.rollback('app'));
    expect(message).toMatch(new RegExp(`^app patch 1 code at .* no longer holds what the journal put there \\(first difference at ${hex(code + 1)}\\)`));
    f.sandbox.write(code + 1, byte);
    expectApplied(await f.hotpatcher.rollback('app'));
    expect(f.call('tax', 1000n)).toBe(1201n);
    f.process.close();
  });

  it.each(ARCHES)('%s: refuses a rollback when the previous patch\'s place was taken since', async (arch) => {
    const f = await loadFixture(arch, backend);
    const first = await f.hotpatcher.apply(await f.build('fix'));
    expectApplied(first);
    expectApplied(await f.hotpatcher.apply(await f.build('cumulative')));
    const code = first.placement!.code;
    expect(f.sandbox.regions().some((r) => code >= r.address && code < r.address + r.size)).toBe(false);
    f.sandbox.map(code, 0x1000, Prot.READ);
    const message = await memoryChanged(f, () => f.hotpatcher.rollback('app'));
    expect(message).toBe(`${hex(code)}..${hex(code + 0x1000)}, where app patch 1 goes back, is mapped by something else now; ` +
      'rolling back would need it');
    f.process.close();
  });
});
