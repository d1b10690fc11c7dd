// What the sandbox, the engine's host, the toolchain and the pages know about each architecture,
// one record per architecture. Tables that belong to one backend (Unicorn's register ids, the
// WASM CPU's architecture ids) stay with that backend.
import { ARCH_ARM64 as PATCH_ARCH_ARM64, ARCH_X64 as PATCH_ARCH_X64 } from './patch-format.ts';

export type Arch = 'x64' | 'arm64';
export const ARCHES: readonly Arch[] = ['x64', 'arm64'];

/** Guest page size: mappings, module sections and patches are placed in whole pages. */
export const PAGE_SIZE = 0x1000;

/** `value` rounded up to a page boundary. */
export function pageCeil(value: number): number {
  return Math.ceil(value / PAGE_SIZE) * PAGE_SIZE;
}

/** `value` rounded down to a page boundary. */
export function pageFloor(value: number): number {
  return Math.floor(value / PAGE_SIZE) * PAGE_SIZE;
}

export interface ArchSpec {
  readonly arch: Arch;
  /** The name people read: "x86-64", "ARM64". */
  readonly displayName: string;
  /** Other names a source's `.arch` line may use. */
  readonly aliases: readonly string[];
  /** The architecture field of a patch image header. */
  readonly patchImageCode: number;
  /** Where a module's code goes when its source names no base. */
  readonly defaultBase: number;
  /** Reach of the short branch the engine's planner prefers (jmp rel32; B). */
  readonly shortBranchReach: number;
  /** Highest address + 1 a patch may occupy (x86-64 canonical lower half; ARM64 48-bit). */
  readonly addressLimit: number;
  /** Instructions start at multiples of this: 1 on x86-64, 4 on ARM64 (its instruction size). */
  readonly instructionAlignment: number;
  readonly registers: {
    readonly pc: string;
    readonly sp: string;
    /** Where a call leaves its return address; none on x86-64, where call pushes it. */
    readonly link: string | undefined;
    /** General-purpose registers in the order tools print them, then pc and flags. */
    readonly general: readonly string[];
    /** Vector registers (128 bits). */
    readonly vector: readonly string[];
    /** Registers outside both lists that the sandbox also reads and writes. */
    readonly other: readonly string[];
    /** Architecture-neutral names and the usual ABI names, to canonical names. */
    readonly aliases: Readonly<Record<string, string>>;
    /** Integer arguments of a call, in order (System V AMD64; AAPCS64). */
    readonly arguments: readonly string[];
    /** Where a function returns its integer result. */
    readonly result: string;
  };
  /** Linux system calls: the instruction is `syscall` on x86-64, `svc #0` on ARM64. */
  readonly syscall: {
    readonly number: string;
    readonly arguments: readonly [string, string, string];
    readonly result: string;
    /** The interrupt number the instruction raises in the sandbox's numbering, where it raises one. */
    readonly interrupt: number | undefined;
    readonly numbers: { readonly write: number; readonly exit: number; readonly exitGroup: number };
  };
  /** Interrupt numbers as the sandbox reports them (Unicorn's numbering), named for error messages. */
  readonly interrupts: Readonly<Record<number, string>>;
  /** An instruction that stops the CPU, for the page an entry function returns to (hlt; brk #0xf000). */
  readonly stopInstruction: Uint8Array;
}

const X64_GPRS = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp',
  'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

const X64: ArchSpec = {
  arch: 'x64',
  displayName: 'x86-64',
  aliases: ['x86-64', 'x86_64'],
  patchImageCode: PATCH_ARCH_X64,
  defaultBase: 0x400000,
  shortBranchReach: 2 ** 31 - 1,
  addressLimit: 2 ** 47,
  instructionAlignment: 1,
  registers: {
    pc: 'rip',
    sp: 'rsp',
    link: undefined,
    general: [...X64_GPRS, 'rip', 'rflags'],
    vector: Array.from({ length: 16 }, (_, i) => `xmm${i}`),
    other: ['fs_base', 'gs_base'],
    aliases: { pc: 'rip', sp: 'rsp', flags: 'rflags', eflags: 'rflags' },
    arguments: ['rdi', 'rsi', 'rdx', 'rcx', 'r8', 'r9'],
    result: 'rax',
  },
  syscall: {
    number: 'rax', arguments: ['rdi', 'rsi', 'rdx'], result: 'rax', interrupt: undefined,
    numbers: { write: 1, exit: 60, exitGroup: 231 },
  },
  interrupts: { 0: 'divide error', 1: 'debug', 3: 'breakpoint (int3)', 4: 'overflow', 5: 'bound range',
    6: 'invalid opcode', 13: 'general protection', 14: 'page fault', 17: 'alignment check' },
  stopInstruction: Uint8Array.of(0xf4),
};

const ARM64: ArchSpec = {
  arch: 'arm64',
  displayName: 'ARM64',
  aliases: ['aarch64'],
  patchImageCode: PATCH_ARCH_ARM64,
  defaultBase: 0x400000,
  shortBranchReach: 128 * 1024 * 1024 - 4,
  addressLimit: 2 ** 48,
  instructionAlignment: 4,
  registers: {
    pc: 'pc',
    sp: 'sp',
    link: 'lr',
    general: [...Array.from({ length: 31 }, (_, i) => `x${i}`), 'sp', 'pc', 'nzcv'],
    vector: Array.from({ length: 32 }, (_, i) => `q${i}`),
    other: [],
    aliases: { fp: 'x29', lr: 'x30', flags: 'nzcv' },
    arguments: ['x0', 'x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7'],
    result: 'x0',
  },
  syscall: {
    number: 'x8', arguments: ['x0', 'x1', 'x2'], result: 'x0', interrupt: 2,
    numbers: { write: 64, exit: 93, exitGroup: 94 },
  },
  interrupts: { 1: 'undefined instruction', 2: 'supervisor call (svc)', 3: 'prefetch abort', 4: 'data abort',
    7: 'breakpoint (brk)', 16: 'hypervisor call', 17: 'secure monitor call' },
  stopInstruction: Uint8Array.of(0x00, 0x00, 0x3e, 0xd4),
};

export const ARCH: Readonly<Record<Arch, ArchSpec>> = { x64: X64, arm64: ARM64 };

/** The architecture a name or alias ("x86-64", "aarch64") stands for. */
export function archNamed(name: string): Arch | undefined {
  return ARCHES.find((arch) => arch === name || ARCH[arch].aliases.includes(name));
}

export function canonicalRegister(arch: Arch, name: string): string {
  const lower = name.toLowerCase();
  return ARCH[arch].registers.aliases[lower] ?? lower;
}

export function registerWidth(arch: Arch, canonicalName: string): number {
  return ARCH[arch].registers.vector.includes(canonicalName) ? 16 : 8;
}

export function isKnownRegister(arch: Arch, canonicalName: string): boolean {
  const { general, vector, other } = ARCH[arch].registers;
  return general.includes(canonicalName) || vector.includes(canonicalName) || other.includes(canonicalName);
}

export function interruptName(arch: Arch, interrupt: number): string {
  const name = ARCH[arch].interrupts[interrupt];
  return name ? `interrupt ${interrupt}, ${name}` : `interrupt ${interrupt}`;
}
