// A small program (modules app and mathlib) loaded on real Unicorn, the patches the transaction
// tests apply to it, and helpers to compare all of guest memory.
import { readFile } from 'node:fs/promises';
import { currentThread, type GuestThread } from '../../engine/host/safe-point.ts';
import { Hotpatcher, type HotpatcherOptions, type TransactionResult } from '../../engine/host/transaction.ts';
import { GuestProcess } from '../../sandbox/process.ts';
import type { Arch, Sandbox } from '../../sandbox/sandbox.ts';
import { UnicornSandbox } from '../../sandbox/unicorn/unicorn-sandbox.ts';
import { assembleProgram } from '../../toolchain/example.ts';
import type { GuestModule } from '../../toolchain/module.ts';
import { buildPatch } from '../../toolchain/patch.ts';
import { callFunction } from '../corpus/corpus.ts';

const TAX_FIXED: Record<Arch, string> = {
  x64: `
.func tax_fixed
    imul edi, edi, 120
    jmp qword ptr [rip + round]     // tail call into mathlib
.endfunc`,
  arm64: `
.func tax_fixed
    mov w1, #120
    mul w0, w0, w1
    adrp x16, round
    ldr x16, [x16, :lo12:round]
    br x16                          // tail call into mathlib
.endfunc`,
};

/** thrice(x) = 3x, the new twice. */
export const THRICE: Record<Arch, string> = {
  x64: `
.func thrice
    lea rax, [rdi + rdi*2]
    ret
.endfunc`,
  arm64: `
.func thrice
    add x1, x0, x0
    add x0, x1, x0
    ret
.endfunc`,
};

const COUNTED_SCALE: Record<Arch, string> = {
  x64: `
.func counted_scale
    push rdi
    call qword ptr [rip + original_scale]
    pop rdi
    mov rcx, qword ptr [rip + calls]
    inc qword ptr [rcx]
    ret
.endfunc`,
  arm64: `
.func counted_scale
    stp x29, x30, [sp, #-16]!
    adrp x16, original_scale
    ldr x16, [x16, :lo12:original_scale]
    blr x16
    adrp x1, calls
    ldr x1, [x1, :lo12:calls]
    ldr x2, [x1]
    add x2, x2, #1
    str x2, [x1]
    ldp x29, x30, [sp], #16
    ret
.endfunc`,
};

/** Patch sources, by name. */
export function patchSource(arch: Arch, name: 'fix' | 'cumulative' | 'unpatchable'): string {
  switch (name) {
    case 'fix': return `
.patch app
.sequence 1
.redirect tax -> tax_fixed
.redirect twice -> thrice
.import round = mathlib!round_half
${TAX_FIXED[arch]}
${THRICE[arch]}`;
    case 'cumulative': return `
.patch app
.sequence 2
.redirect tax -> tax_fixed
.redirect scale -> counted_scale hook original_scale
.import round = mathlib!round_half
.baseref calls = counter
${TAX_FIXED[arch]}
${COUNTED_SCALE[arch]}`;
    case 'unpatchable': return `
.patch app
.sequence 1
.redirect unpatchable -> other
.func other
    ret
.endfunc`;
  }
}

export interface Fixture {
  arch: Arch;
  process: GuestProcess;
  sandbox: Sandbox;
  modules: GuestModule[];
  app: GuestModule;
  hotpatcher: Hotpatcher;
  /** Threads the hotpatcher sees; empty means the running CPU state. */
  threads: GuestThread[];
  address(name: string): number;
  call(name: string, arg: bigint): bigint;
  build(name: 'fix' | 'cumulative' | 'unpatchable', edit?: (source: string) => string): Promise<Uint8Array>;
}

export async function programModules(arch: Arch, appEdit: (s: string) => string = (s) => s): Promise<GuestModule[]> {
  const dir = `test/fixtures/hotpatch/${arch}`;
  return assembleProgram([
    { file: `${dir}/mathlib.s`, text: await readFile(`${dir}/mathlib.s`, 'utf8') },
    { file: `${dir}/app.s`, text: appEdit(await readFile(`${dir}/app.s`, 'utf8')) },
  ], arch);
}

export async function loadFixture(arch: Arch, options: Partial<HotpatcherOptions> & {
  /** Wraps the sandbox the hotpatcher sees (fault injection, change tracking). */
  sandbox?: (s: Sandbox) => Sandbox;
  /** The CPU; default real Unicorn. */
  backend?: (arch: Arch) => Sandbox;
} = {}): Promise<Fixture> {
  const modules = await programModules(arch);
  const unicorn = options.backend ? options.backend(arch) : new UnicornSandbox(arch);
  const process = new GuestProcess(unicorn, { modules, countInstructions: false });
  const sandbox = options.sandbox ? options.sandbox(unicorn) : unicorn;
  const threads: GuestThread[] = [];
  const hotpatcher = await Hotpatcher.create(sandbox, modules, {
    ...options,
    threads: options.threads ?? (() => threads.length > 0 ? threads : [currentThread(unicorn)]),
  });
  const app = modules.find((m) => m.name === 'app')!;
  const address = (name: string) => {
    for (const m of modules) {
      const s = m.symbols.find((sym) => sym.name === name);
      if (s) return s.address;
    }
    throw new Error(`no symbol ${name}`);
  };
  return {
    arch, process, sandbox: unicorn, modules, app, hotpatcher, threads, address,
    call: (name, arg) => callFunction(unicorn, address(name), [arg]),
    build: async (name, edit = (s) => s) => (await buildPatch(edit(patchSource(arch, name)), arch, { base: app, modules })).image,
  };
}

/** Every mapped region with its protection and contents. */
export interface MemorySnapshot {
  regions: { address: number; size: number; prot: number }[];
  bytes: Buffer[];
}

export function snapshotMemory(sandbox: Sandbox): MemorySnapshot {
  const regions = sandbox.regions().sort((a, b) => a.address - b.address);
  return { regions, bytes: regions.map((r) => Buffer.from(sandbox.read(r.address, r.size))) };
}

/** Undefined when equal; else where the first difference is. */
export function memoryDifference(a: MemorySnapshot, b: MemorySnapshot): string | undefined {
  const describe = (s: MemorySnapshot) => s.regions.map((r) => `0x${r.address.toString(16)}+0x${r.size.toString(16)}/${r.prot}`).join(' ');
  if (describe(a) !== describe(b)) return `regions differ: [${describe(a)}] vs [${describe(b)}]`;
  for (let i = 0; i < a.bytes.length; i++) {
    if (a.bytes[i]!.equals(b.bytes[i]!)) continue;
    let at = 0;
    while (a.bytes[i]![at] === b.bytes[i]![at]) at++;
    return `bytes differ at 0x${(a.regions[i]!.address + at).toString(16)}`;
  }
  return undefined;
}

export function expectApplied(result: TransactionResult): asserts result is Extract<TransactionResult, { status: 'applied' }> {
  if (result.status !== 'applied') throw new Error(`transaction ${result.status}: ${result.message}`);
}
