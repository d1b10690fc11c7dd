// Patch sources that name the base module's symbols and other modules' exports: each reference
// becomes the relocation its instruction calls for, and the patch runs as its slot-based twin does,
// on both CPUs.
import { describe, expect, it } from 'vitest';
import type { Arch } from '../../core/arch.ts';
import { parsePatchImage } from '../../engine/host/patch-image.ts';
import { WasmSandbox } from '../../sandbox/wasm/wasm-sandbox.ts';
import { assembleModule } from '../../toolchain/assemble.ts';
import { buildPatch } from '../../toolchain/patch.ts';
import { STACK_SIZE, STACK_TOP } from '../../sandbox/loader.ts';
import {
  type MemorySnapshot, THRICE, expectApplied, loadFixture, memoryDifference, programModules, snapshotMemory,
} from '../../harness/fixtures/hotpatch-fixture.ts';

/** One statement of each form, and the relocation it must become: [offset, kind, target, symbol, addend]. */
const FORMS: Record<Arch, { source: string; relocations: [string, string, string, string, bigint][] }> = {
  x64: {
    source: `
.func f
    call tax                            ; code+0x0
    jmp round_half                      ; +0x5, an export of mathlib
    je scale                            ; +0xa
    lea rax, [rip + counter]            ; +0x10
    mov dword ptr [rip + counter], 5    ; +0x17 (an immediate follows the displacement)
    call qword ptr [rip + factor + 8]   ; +0x21
    movabs rax, tax                     ; +0x27
    movabs rax, g                       ; +0x31, the patch's own code
    movabs rax, local                   ; +0x3b, the patch's own data
    ret
.endfunc
.func g
    ret
.endfunc
.data
local: .quad 7
table: .quad tax + 3, g, local`,
    relocations: [
      ['code+0x1', 'R_X86_64_PLT32', 'base', 'tax', -4n],
      ['code+0x6', 'R_X86_64_PLT32', 'export', 'mathlib!round_half', -4n],
      ['code+0xc', 'R_X86_64_PLT32', 'base', 'scale', -4n],
      ['code+0x13', 'R_X86_64_PC32', 'base', 'counter', -4n],
      ['code+0x19', 'R_X86_64_PC32', 'base', 'counter', -8n],
      ['code+0x23', 'R_X86_64_PC32', 'base', 'factor', 4n],
      ['code+0x29', 'R_X86_64_64', 'base', 'tax', 0n],
      ['code+0x33', 'R_X86_64_64', 'patch-code', '', 0x46n],
      ['code+0x3d', 'R_X86_64_64', 'patch-data', '', 0n],
      ['data+0x8', 'R_X86_64_64', 'base', 'tax', 3n],
      ['data+0x10', 'R_X86_64_64', 'patch-code', '', 0x46n],
      ['data+0x18', 'R_X86_64_64', 'patch-data', '', 0n],
    ],
  },
  arm64: {
    source: `
.func f
    bl tax
    b round_half
    b.ne scale
    cbz x0, scale
    tbz x0, #3, scale
    ldr x0, counter
    adrp x0, counter
    add x0, x0, :lo12:counter
    ldr x1, [x0, :lo12:counter]
    ldrb w1, [x0, :lo12:counter]
    ldrh w1, [x0, :lo12:counter]
    ldr w1, [x0, :lo12:counter]
    ldr q0, [x0, :lo12:counter]
    adrp x0, factor + 0x1000
    ldr x1, [x0, :lo12:factor + 0x1000]
    ret
.endfunc
.func g
    ret
.endfunc
.data
local: .quad 7
table: .quad tax + 3, g, local`,
    relocations: [
      ['code+0x0', 'R_AARCH64_CALL26', 'base', 'tax', 0n],
      ['code+0x4', 'R_AARCH64_JUMP26', 'export', 'mathlib!round_half', 0n],
      ['code+0x8', 'R_AARCH64_CONDBR19', 'base', 'scale', 0n],
      ['code+0xc', 'R_AARCH64_CONDBR19', 'base', 'scale', 0n],
      ['code+0x10', 'R_AARCH64_TSTBR14', 'base', 'scale', 0n],
      ['code+0x14', 'R_AARCH64_LD_PREL_LO19', 'base', 'counter', 0n],
      ['code+0x18', 'R_AARCH64_ADR_PREL_PG_HI21', 'base', 'counter', 0n],
      ['code+0x1c', 'R_AARCH64_ADD_ABS_LO12_NC', 'base', 'counter', 0n],
      ['code+0x20', 'R_AARCH64_LDST64_ABS_LO12_NC', 'base', 'counter', 0n],
      ['code+0x24', 'R_AARCH64_LDST8_ABS_LO12_NC', 'base', 'counter', 0n],
      ['code+0x28', 'R_AARCH64_LDST16_ABS_LO12_NC', 'base', 'counter', 0n],
      ['code+0x2c', 'R_AARCH64_LDST32_ABS_LO12_NC', 'base', 'counter', 0n],
      ['code+0x30', 'R_AARCH64_LDST128_ABS_LO12_NC', 'base', 'counter', 0n],
      ['code+0x34', 'R_AARCH64_ADR_PREL_PG_HI21', 'base', 'factor', 0x1000n],
      ['code+0x38', 'R_AARCH64_LDST64_ABS_LO12_NC', 'base', 'factor', 0x1000n],
      ['data+0x8', 'R_AARCH64_ABS64', 'base', 'tax', 3n],
      ['data+0x10', 'R_AARCH64_ABS64', 'patch-code', '', 0x40n],
      ['data+0x18', 'R_AARCH64_ABS64', 'patch-data', '', 0n],
    ],
  },
};

/** Calls leave bytes on the stack: compare all of memory but the stack. */
const stackless = (s: MemorySnapshot) => ({ ...s, bytes: s.bytes.map((b, i) => s.regions[i]!.address === STACK_TOP - STACK_SIZE ? Buffer.alloc(0) : b) });

const CPUS = [['Unicorn', undefined], ['the WASM CPU', (arch: Arch) => new WasmSandbox(arch)]] as const;

describe.each(['x64', 'arm64'] as Arch[])('patch relocations (%s)', (arch) => {
  it('makes each form of reference the relocation its instruction calls for, checked against the assembler', async () => {
    const modules = await programModules(arch);
    const app = modules.find((m) => m.name === 'app')!;
    const source = `.patch app\n.sequence 1\n.redirect twice -> f\n${FORMS[arch].source}\n`;
    const built = await buildPatch(source, arch, { base: app, modules });
    const parsed = await parsePatchImage(built.image, arch);
    if (!parsed.ok) throw new Error(parsed.error.message);
    expect(parsed.image.version).toBe(2);
    expect(parsed.image.relocations.map((r) => [`${r.section}+0x${r.offset.toString(16)}`, r.kindName, r.target,
      r.target === 'export' ? `${r.module}!${r.symbol}` : r.symbol ?? '', r.addend])).toEqual(FORMS[arch].relocations);
  });

  it.each(CPUS)('runs a patch that names base symbols and exports as its slot-based twin does, on %s', async (_cpu, backend) => {
    const f = await loadFixture(arch, backend ? { backend } : {});
    try {
      const original = snapshotMemory(f.sandbox);
      const image = await f.build('by-name');
      const slotTwin = await f.build('fix');
      // Expected values from the slot-based fix, applied and rolled back first.
      expectApplied(await f.hotpatcher.apply(slotTwin));
      const expected = [f.call('tax', 1000n), f.call('tax', 1234n), f.call('twice', 7n)];
      expectApplied(await f.hotpatcher.rollback('app'));

      expectApplied(await f.hotpatcher.apply(image));
      expect([f.call('tax', 1000n), f.call('tax', 1234n), f.call('twice', 7n)]).toEqual(expected);
      const counter = f.address('counter');
      const count = () => new DataView(f.sandbox.read(counter, 8).buffer).getBigUint64(0, true);
      const before = count();
      expect(f.call('scale', 5n)).toBe(15n);
      expect(count()).toBe(before + 1n);
      expectApplied(await f.hotpatcher.rollback('app'));
      // The rolled-back call left counter one higher; everything else is as it was.
      f.sandbox.write(counter, new Uint8Array(new BigUint64Array([before]).buffer));
      expect(memoryDifference(stackless(original), stackless(snapshotMemory(f.sandbox)))).toBeUndefined();
    } finally {
      f.process.close();
    }
  });

  it('takes .extern names for another module\'s exports, and asks for one when a name is exported twice', async () => {
    const modules = await programModules(arch);
    const app = modules.find((m) => m.name === 'app')!;
    const jump = arch === 'x64' ? 'jmp' : 'b';
    const source = (body: string, extra = '') => `.patch app\n.sequence 1\n${extra}.redirect twice -> f\n.func f\n    ${body}\n.endfunc\n`;
    const built = await buildPatch(source(`${jump} rh`, '.extern rh = mathlib!round_half\n'), arch, { base: app, modules });
    const parsed = await parsePatchImage(built.image, arch);
    expect(parsed.ok && parsed.image.relocations.map((r) => [r.target, r.module, r.symbol])).toEqual([['export', 'mathlib', 'round_half']]);

    const twin = await assembleModule(`.module mathlib2\n.base 0x600000\n.export round_half\n.func round_half\n    ret\n.endfunc\n`, arch);
    await expect(buildPatch(source(`${jump} round_half`), arch, { base: app, modules: [...modules, twin] })).rejects.toMatchObject({
      line: 5, message: '"round_half" is exported by mathlib and mathlib2: say which with ".extern round_half = mathlib!round_half"',
    });
    await expect(buildPatch(source(`${jump} rh`, '.extern rh = mathlib!nothing\n'), arch, { base: app, modules })).rejects
      .toMatchObject({ line: 3, message: '.extern mathlib!nothing: module mathlib does not export "nothing"' });
  });

  it('makes a relocation of each of 800 base symbols, in more than a page of patch code, each resolving to the assembler\'s bytes', async () => {
    const count = 400;
    const functions = Array.from({ length: count }, (_, i) => `.func f${i}\n    ret\n.endfunc`).join('\n');
    const data = Array.from({ length: count }, (_, i) => `d${i}: .quad ${i}`).join('\n');
    const base = await assembleModule(`.module big\n.base 0x400000\n.entry main\n.func main\n    ret\n.endfunc\n${functions}\n.data\n${data}\n`, arch);
    const body = Array.from({ length: count }, (_, i) => arch === 'x64' ? `    call f${i}\n    mov rax, qword ptr [rip + d${i}]`
      : `    bl f${i}\n    adrp x0, d${i}\n    ldr x1, [x0, :lo12:d${i}]`).join('\n');
    // buildPatch has the engine resolve every relocation at both trial addresses and compares with Keystone's bytes.
    const built = await buildPatch(`.patch big\n.sequence 1\n.redirect main -> g\n.func g\n${body}\n    ret\n.endfunc\n`, arch,
      { base, modules: [base] });
    expect(built.assembled.code.length).toBeGreaterThan(0x1000);
    const parsed = await parsePatchImage(built.image, arch);
    if (!parsed.ok) throw new Error(parsed.error.message);
    expect(parsed.image.relocations).toHaveLength(arch === 'x64' ? 2 * count : 3 * count);
    expect(new Set(parsed.image.relocations.map((r) => r.symbol)).size).toBe(2 * count);
  }, 60_000);

  if (arch === 'arm64') {
    it('builds a tbz to another module\'s function, and the engine refuses it when the function is out of its reach', async () => {
      const f = await loadFixture(arch);
      try {
        const before = snapshotMemory(f.sandbox);
        const built = await buildPatch('.patch app\n.sequence 1\n.redirect twice -> f\n.func f\n    tbz x0, #3, round_half\n    ret\n.endfunc\n',
          arch, { base: f.app, modules: f.modules });
        const result = await f.hotpatcher.apply(built.image);
        expect(result.status === 'refused' && result.code).toBe('relocation-refused');
        expect(result.status === 'refused' && result.message).toMatch(
          /^relocation 0 \(R_AARCH64_TSTBR14 at code\+0x0, address 0x\w+\) to mathlib!round_half \(0x\w+ \+ 0x0\) does not reach: the distance to the target 0x\w+ is -?0x\w+ bytes, and R_AARCH64_TSTBR14 reaches -0x8000..0x7ffc$/);
        expect(memoryDifference(before, snapshotMemory(f.sandbox))).toBeUndefined();
      } finally {
        f.process.close();
      }
    });
  }
});
