// Relocations in patch images (format version 2), resolved by the engine when a patch is applied:
// every kind at both ends of its reach, and one step beyond (refused with a message naming the
// relocation, the symbol and the distance, memory byte for byte as it was), on both CPUs. Images
// are written by hand here: the instruction, the field's place, the symbol and the addend chosen so
// that the resolved value lands exactly on the edge. The program sits at 8 GiB, so that the patch
// placed next to it has addresses on both sides of every reach (ADRP's is +-4 GiB).
import { describe, expect, it } from 'vitest';
import type { Arch } from '../../core/arch.ts';
import {
  R_AARCH64_ABS64, R_AARCH64_ADD_ABS_LO12_NC, R_AARCH64_ADR_PREL_PG_HI21, R_AARCH64_CALL26, R_AARCH64_CONDBR19,
  R_AARCH64_JUMP26, R_AARCH64_LDST128_ABS_LO12_NC, R_AARCH64_LDST16_ABS_LO12_NC, R_AARCH64_LDST32_ABS_LO12_NC,
  R_AARCH64_LDST64_ABS_LO12_NC, R_AARCH64_LDST8_ABS_LO12_NC, R_AARCH64_LD_PREL_LO19, R_AARCH64_TSTBR14, R_X86_64_64,
  R_X86_64_PC32, R_X86_64_PLT32,
} from '../../core/patch-format.ts';
import { moduleIdentity } from '../../core/identity.ts';
import type { GuestModule } from '../../core/module.ts';
import { Hotpatcher } from '../../engine/host/transaction.ts';
import { GuestProcess } from '../../sandbox/process.ts';
import type { Sandbox } from '../../sandbox/sandbox.ts';
import { UnicornSandbox } from '../../sandbox/unicorn/unicorn-sandbox.ts';
import { WasmSandbox } from '../../sandbox/wasm/wasm-sandbox.ts';
import { type PatchImageContents, type RelocationContents, writePatchImage } from '../../toolchain/patch-image-writer.ts';
import { assembleProgram } from '../../toolchain/program.ts';
import { expectApplied, memoryDifference, snapshotMemory } from '../../harness/fixtures/hotpatch-fixture.ts';

const words = (...list: number[]) => new Uint8Array(Uint32Array.from(list).buffer);

/** How a kind's resolved value is read back from memory at the field. */
type Reader = (sandbox: Sandbox, place: number) => bigint;
const signed = (value: number, bits: number) => BigInt.asIntN(bits, BigInt(value));
const word = (s: Sandbox, at: number) => new DataView(s.read(at, 4).buffer).getUint32(0, true);
const rel32: Reader = (s, at) => BigInt(new DataView(s.read(at, 4).buffer).getInt32(0, true));
const abs64: Reader = (s, at) => new DataView(s.read(at, 8).buffer).getBigUint64(0, true);
const imm26: Reader = (s, at) => signed(word(s, at) & 0x3ffffff, 26) * 4n;
const imm19: Reader = (s, at) => signed((word(s, at) >>> 5) & 0x7ffff, 19) * 4n;
const imm14: Reader = (s, at) => signed((word(s, at) >>> 5) & 0x3fff, 14) * 4n;
const pages: Reader = (s, at) => signed((((word(s, at) >>> 5) & 0x7ffff) << 2) | ((word(s, at) >>> 29) & 3), 21);
const lo12 = (scale: number): Reader => (s, at) => BigInt(((word(s, at) >>> 10) & 0xfff) << scale);

interface KindCase {
  name: string;
  kind: number;
  /** The new function's code (the field's instruction first, then a return), and the field's offset in it. */
  code: Uint8Array;
  offset: number;
  section?: 'code' | 'data';
  /** What the field holds: the distance S + A - P, the page distance, the low 12 bits, or the value S + A. */
  measure: 'distance' | 'pages' | 'low12' | 'value';
  read: Reader;
  /**
   * The two ends of the reach, and one step beyond each (undefined: the field takes every value
   * there). Absolute kinds take every 64-bit value; past S + 2^63 - 1 no addend reaches.
   */
  ends: [bigint, bigint];
  beyond: [bigint | undefined, bigint | undefined];
  /** The words the refusal uses. */
  refusal: RegExp;
}

const X64_RET = 0xc3;
const A64_RET = 0xd65f03c0;
const I32: [bigint, bigint] = [-(2n ** 31n), 2n ** 31n - 1n];
const U64: [bigint, bigint] = [0n, 2n ** 64n - 1n];

const lo12Case = (name: string, kind: number, instruction: number, scale: number): KindCase => ({
  name, kind, code: words(instruction, A64_RET), offset: 0, measure: 'low12', read: lo12(scale),
  ends: [0n, 0x1000n - (1n << BigInt(scale))], beyond: scale === 0 ? [undefined, undefined] : [undefined, 0x1000n - (1n << BigInt(scale)) + 1n],
  refusal: /cannot be encoded: the low 12 bits of the target 0x\w+ are 0x\w+, not a multiple of \d+ as the access size needs/,
});

/** A branch or literal load whose field counts words in `bits` bits: it reaches +-2^(bits + 1) bytes. */
const branch = (name: string, kind: number, instruction: number, bits: number, read: Reader): KindCase => {
  const reach = 2n ** BigInt(bits + 1);
  return { name, kind, code: words(instruction, A64_RET), offset: 0, measure: 'distance', read, ends: [-reach, reach - 4n],
    beyond: [-reach - 4n, reach], refusal: new RegExp(`does not reach: the distance to the target 0x\\w+ is -?0x\\w+ bytes, and ${name} reaches ` +
      `${bits === 26 ? '-0x8000000..0x7fffffc' : bits === 19 ? '-0x100000..0xffffc' : '-0x8000..0x7ffc'}`) };
};

const CASES: Record<Arch, KindCase[]> = {
  x64: [
    { name: 'R_X86_64_PLT32', kind: R_X86_64_PLT32, code: Uint8Array.of(0xe8, 0, 0, 0, 0, X64_RET), offset: 1, measure: 'distance',
      read: rel32, ends: I32, beyond: [I32[0] - 1n, I32[1] + 1n],
      refusal: /does not reach: the distance to the target 0x\w+ is -?0x\w+ bytes, and R_X86_64_PLT32 reaches -0x80000000..0x7fffffff/ },
    { name: 'R_X86_64_PC32', kind: R_X86_64_PC32, code: Uint8Array.of(0x48, 0x8d, 0x05, 0, 0, 0, 0, X64_RET), offset: 3,
      measure: 'distance', read: rel32, ends: I32, beyond: [I32[0] - 1n, I32[1] + 1n],
      refusal: /does not reach: the distance to the target 0x\w+ is -?0x\w+ bytes, and R_X86_64_PC32 reaches -0x80000000..0x7fffffff/ },
    { name: 'R_X86_64_64', kind: R_X86_64_64, code: Uint8Array.of(0x48, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, X64_RET), offset: 2,
      measure: 'value', read: abs64, ends: U64, beyond: [-1n, undefined], refusal: /outside the 64-bit address space/ },
    { name: 'R_X86_64_64 (data)', kind: R_X86_64_64, code: Uint8Array.of(X64_RET), offset: 8, section: 'data',
      measure: 'value', read: abs64, ends: U64, beyond: [-1n, undefined], refusal: /outside the 64-bit address space/ },
  ],
  arm64: [
    branch('R_AARCH64_CALL26', R_AARCH64_CALL26, 0x94000000, 26, imm26),
    branch('R_AARCH64_JUMP26', R_AARCH64_JUMP26, 0x14000000, 26, imm26),
    branch('R_AARCH64_CONDBR19', R_AARCH64_CONDBR19, 0x54000001, 19, imm19), // b.ne
    { ...branch('R_AARCH64_CONDBR19', R_AARCH64_CONDBR19, 0xb4000000, 19, imm19), name: 'R_AARCH64_CONDBR19 (cbz)' },
    branch('R_AARCH64_TSTBR14', R_AARCH64_TSTBR14, 0x36180000, 14, imm14), // tbz x0, #3
    branch('R_AARCH64_LD_PREL_LO19', R_AARCH64_LD_PREL_LO19, 0x58000000, 19, imm19), // ldr x0, literal
    { name: 'R_AARCH64_ADR_PREL_PG_HI21', kind: R_AARCH64_ADR_PREL_PG_HI21, code: words(0x90000000, A64_RET), offset: 0,
      measure: 'pages', read: pages, ends: [-(2n ** 20n), 2n ** 20n - 1n], beyond: [-(2n ** 20n) - 1n, 2n ** 20n],
      refusal: /does not reach: the target 0x\w+ is -?0x\w+ pages from the instruction's page, and adrp reaches -0x100000..0xfffff pages/ },
    lo12Case('R_AARCH64_ADD_ABS_LO12_NC', R_AARCH64_ADD_ABS_LO12_NC, 0x91000000, 0),
    lo12Case('R_AARCH64_LDST8_ABS_LO12_NC', R_AARCH64_LDST8_ABS_LO12_NC, 0x39400000, 0),
    lo12Case('R_AARCH64_LDST16_ABS_LO12_NC', R_AARCH64_LDST16_ABS_LO12_NC, 0x79400000, 1),
    lo12Case('R_AARCH64_LDST32_ABS_LO12_NC', R_AARCH64_LDST32_ABS_LO12_NC, 0xb9400000, 2),
    lo12Case('R_AARCH64_LDST64_ABS_LO12_NC', R_AARCH64_LDST64_ABS_LO12_NC, 0xf9400000, 3),
    lo12Case('R_AARCH64_LDST128_ABS_LO12_NC', R_AARCH64_LDST128_ABS_LO12_NC, 0x3dc00000, 4),
    { name: 'R_AARCH64_ABS64', kind: R_AARCH64_ABS64, code: words(A64_RET), offset: 8, section: 'data', measure: 'value', read: abs64,
      ends: U64, beyond: [-1n, undefined], refusal: /outside the 64-bit address space/ },
  ],
};

const CPUS = [['Unicorn', (arch: Arch) => new UnicornSandbox(arch)], ['the WASM CPU', (arch: Arch) => new WasmSandbox(arch)]] as const;

const PROGRAM: Record<Arch, string> = {
  x64: `.module app\n.arch x64\n.base 0x200000000\n.entry main\n.export answer\n.data\ncounter: .quad 0\n.text
.func main\n    ret\n.endfunc\n.func twice\n    lea rax, [rdi + rdi]\n    nop\n    ret\n.endfunc
.func answer\n    mov eax, 42\n    ret\n.endfunc\n`,
  arm64: `.module app\n.arch arm64\n.base 0x200000000\n.entry main\n.export answer\n.data\ncounter: .quad 0\n.text
.func main\n    ret\n.endfunc\n.func twice\n    add x0, x0, x0\n    nop\n    ret\n.endfunc
.func answer\n    mov w0, #42\n    ret\n.endfunc\n`,
};

interface Fixture {
  arch: Arch;
  sandbox: Sandbox;
  app: GuestModule;
  hotpatcher: Hotpatcher;
  address(name: string): number;
  close(): void;
}

async function loadFixture(arch: Arch, backend: (arch: Arch) => Sandbox): Promise<Fixture> {
  const modules = await assembleProgram([{ file: 'app.s', text: PROGRAM[arch] }], arch);
  const sandbox = backend(arch);
  const process = new GuestProcess(sandbox, { modules, countInstructions: false });
  const app = modules[0]!;
  return {
    arch, sandbox, app, hotpatcher: await Hotpatcher.create(sandbox, modules),
    address: (name) => app.symbols.find((s) => s.name === name)!.address,
    close: () => process.close(),
  };
}

/** An image that redirects `twice` to `code` and has the one relocation; `data` is 16 bytes. */
async function image(f: Fixture, c: KindCase, relocation?: Omit<RelocationContents, 'section' | 'offset' | 'kind'>): Promise<Uint8Array> {
  const twice = f.app.symbols.find((s) => s.name === 'twice')!;
  const contents: PatchImageContents = {
    arch: f.arch, sequence: 1, module: 'app', baseIdentity: await moduleIdentity(f.app), code: c.code, data: new Uint8Array(16),
    redirects: [{ base: 'twice', baseOffset: twice.address - f.app.base, baseSize: twice.size, newOffset: 0, newSize: c.code.length,
      mode: 'replace' }],
    imports: [], baseReferences: [],
    relocations: relocation ? [{ section: c.section ?? 'code', offset: c.offset, kind: c.kind, ...relocation }] : [],
  };
  return writePatchImage(contents);
}

describe.each(['x64', 'arm64'] as Arch[])('relocations (%s)', (arch) => {
  describe.each(CPUS)('on %s', (_cpu, backend) => {
    it.each(CASES[arch].map((c) => [c.name, c] as const))('%s at both ends of its reach, refused one step beyond', async (_name, c) => {
      const f = await loadFixture(arch, backend);
      try {
        // Where the patch goes: the same layout without the relocation is placed the same way.
        const probe = await f.hotpatcher.apply(await image(f, c));
        expectApplied(probe);
        const code = probe.placement!.code;
        const data = probe.placement!.data;
        expectApplied(await f.hotpatcher.rollback('app'));
        const S = BigInt(f.address('counter'));
        const P = BigInt((c.section === 'data' ? data : code) + c.offset);
        /** The addend that makes the field hold `value`. */
        const addend = (value: bigint): bigint => {
          switch (c.measure) {
            case 'distance': return value + P - S;
            case 'pages': return ((P >> 12n) + value << 12n) - S;
            case 'low12': return value - (S & 0xfffn);
            case 'value': return value - S;
          }
        };
        // An absolute field takes every 64-bit value; a symbol near 0 and a signed 64-bit addend reach up to S + 2^63 - 1.
        const ends = c.measure === 'value' ? [c.ends[0], S + 2n ** 63n - 1n] : c.ends;
        for (const edge of ends) {
          const A = addend(edge);
          const result = await f.hotpatcher.apply(await image(f, c, { target: 'base', symbol: 'counter', addend: A }));
          expectApplied(result);
          expect(c.read(f.sandbox, Number(P)), `edge ${edge}`).toBe(c.measure === 'value' ? BigInt.asUintN(64, edge) : edge);
          expectApplied(await f.hotpatcher.rollback('app'));
        }
        for (const beyond of c.beyond) {
          if (beyond === undefined) continue;
          const before = snapshotMemory(f.sandbox);
          const result = await f.hotpatcher.apply(await image(f, c, { target: 'base', symbol: 'counter', addend: addend(beyond) }));
          expect(result.status).toBe('refused');
          if (result.status !== 'refused') return;
          expect(result.code).toBe('relocation-refused');
          expect(result.message).toMatch(new RegExp(`^relocation 0 \\(${c.name.split(' ')[0]} at ${c.section ?? 'code'}\\+${
            '0x' + c.offset.toString(16)}, address 0x${P.toString(16)}\\) to app!counter \\(0x${S.toString(16)} [+-] 0x\\w+\\) `));
          expect(result.message).toMatch(c.refusal);
          expect(result.relocation).toMatchObject({ index: 0, kindName: c.name.split(' ')[0], symbol: 'app!counter' });
          expect(memoryDifference(before, snapshotMemory(f.sandbox))).toBeUndefined();
        }
      } finally {
        f.close();
      }
    });
  });

  it('refuses a relocation to a missing symbol, naming it, and leaves memory as it was', async () => {
    const f = await loadFixture(arch, CPUS[0][1]);
    try {
      const c = CASES[arch][0]!;
      for (const [relocation, code, message] of [
        [{ target: 'base', symbol: 'nothing', addend: 0 }, 'missing-base-symbol', /^relocation 0 \(\w+ at code\+0x\w+, address 0x\w+\) refers to app!nothing, but the module does not define "nothing"$/],
        [{ target: 'export', module: 'app', symbol: 'twice', addend: 0 }, 'missing-import', /refers to app!twice, but module app does not export "twice"$/],
        [{ target: 'export', module: 'gone', symbol: 'x', addend: 0 }, 'missing-import', /refers to gone!x, but no module "gone" is loaded$/],
      ] as const) {
        const before = snapshotMemory(f.sandbox);
        const result = await f.hotpatcher.apply(await image(f, c, relocation));
        expect(result.status === 'refused' && result.code).toBe(code);
        expect(result.status === 'refused' && result.message).toMatch(message);
        expect(memoryDifference(before, snapshotMemory(f.sandbox))).toBeUndefined();
      }
    } finally {
      f.close();
    }
  });
});
