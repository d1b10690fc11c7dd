// The compiler-output corpus (scripts/build-corpus.sh): real gcc and clang output for both
// architectures, loaded into a sandbox and called like C functions with random arguments.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARCH, type Arch, PAGE_SIZE, pageFloor } from '../../core/arch.ts';
import { hex } from '../../core/hex.ts';
import { enterCall } from '../../sandbox/loader.ts';
import { Prot, type Sandbox } from '../../sandbox/sandbox.ts';
import { type ElfFile, type ElfSymbol, readElf } from './elf.ts';
import { startCompletingPopcnt } from './popcnt.ts';

const HERE = new URL('.', import.meta.url).pathname;
export const CORPUS_BUILD_DIR = join(HERE, 'build');
const SOURCE_DIR = join(HERE, 'src');

export interface CorpusFunction {
  name: string;
  address: number;
  size: number;
  /** The bytes the compiler emitted for the function. */
  bytes: Uint8Array;
  arity: number;
  returnsValue: boolean;
}

export interface CorpusBuild {
  name: string; // e.g. "x64-gcc-O2"
  arch: Arch;
  elf: ElfFile;
  functions: CorpusFunction[];
  /** Symbols for data the functions write (compared as memory side effects). */
  data: ElfSymbol[];
}

interface Signature { arity: number; returnsValue: boolean }

/** Arity and return type of every non-static function, read from the C sources. */
export function corpusSignatures(): Map<string, Signature> {
  const signatures = new Map<string, Signature>();
  for (const file of readdirSync(SOURCE_DIR).filter((f) => f.endsWith('.c'))) {
    const text = readFileSync(join(SOURCE_DIR, file), 'utf8');
    for (const m of text.matchAll(/^(?:NOINLINE )?(void \*|void|u64|i64|u32|i32) (\w+)\(([^)]*)\)\s*\{/gm)) {
      const params = m[3]!.trim();
      signatures.set(m[2]!, { arity: params === 'void' || params === '' ? 0 : params.split(',').length,
        returnsValue: m[1] !== 'void' });
    }
  }
  return signatures;
}

/** Every build of `arch` present on disk (scripts/build-corpus.sh makes them). */
export function loadCorpus(arch: Arch): CorpusBuild[] {
  if (!existsSync(CORPUS_BUILD_DIR)) throw new Error('the corpus is not built: run scripts/build-corpus.sh');
  const signatures = corpusSignatures();
  return readdirSync(CORPUS_BUILD_DIR).filter((f) => f.startsWith(`${arch}-`) && f.endsWith('.elf')).sort()
    .map((file) => {
      const elf = readElf(readFileSync(join(CORPUS_BUILD_DIR, file)));
      const code = elf.segments.find((s) => s.executable)!;
      const functions = elf.symbols
        .filter((s) => s.kind === 'function' && s.global && s.size > 0 && signatures.has(s.name))
        .map((s) => ({
          name: s.name, address: s.address, size: s.size,
          bytes: code.bytes.slice(s.address - code.address, s.address - code.address + s.size),
          ...signatures.get(s.name)!,
        }));
      return { name: file.replace(/\.elf$/, ''), arch, elf, functions,
        data: elf.symbols.filter((s) => s.kind === 'object' && s.global && s.size > 0) };
    });
}

const STACK_TOP = 0x7fff_0000;
const STACK_SIZE = 0x4_0000;
/** Functions return here; reaching it ends the call. */
export const RETURN_ADDRESS = 0x1_0000;

/** Maps every loadable segment (page-rounded, protections merged per page), a stack and the return page. */
export function loadBuild(sandbox: Sandbox, build: CorpusBuild): void {
  const pages = new Map<number, number>();
  for (const segment of build.elf.segments) {
    const prot = (segment.readable ? Prot.READ : 0) | (segment.writable ? Prot.WRITE : 0) | (segment.executable ? Prot.EXEC : 0);
    for (let page = pageFloor(segment.address); page < segment.address + segment.memorySize; page += PAGE_SIZE) {
      pages.set(page, (pages.get(page) ?? 0) | prot);
    }
  }
  for (const [page, prot] of [...pages].sort((a, b) => a[0] - b[0])) sandbox.map(page, PAGE_SIZE, prot);
  for (const segment of build.elf.segments) sandbox.write(segment.address, segment.bytes);
  sandbox.map(STACK_TOP - STACK_SIZE, STACK_SIZE, Prot.READ | Prot.WRITE);
  sandbox.map(RETURN_ADDRESS, PAGE_SIZE, Prot.READ | Prot.EXEC);
}

/**
 * Calls `address` with integer arguments per the platform ABI; returns rax/x0. On Unicorn, the
 * popcnt of the x86-64-v2 builds is completed as the manual defines it (harness/corpus/popcnt.ts).
 */
export function callFunction(sandbox: Sandbox, address: number, args: bigint[], maxInstructions = 2_000_000): bigint {
  prepareCall(sandbox, address, args);
  // The limit is only a safety net here: Unicorn's own counter keeps Unicorn at full speed.
  const result = startCompletingPopcnt(sandbox, address, { until: RETURN_ADDRESS, maxInstructions, nativeLimit: true });
  if (result.reason !== 'until') {
    throw new Error(`call to ${hex(address)} did not return (${result.reason} at ${hex(result.pc)})`);
  }
  return sandbox.readRegister(ARCH[sandbox.arch].registers.result);
}

/** Sets up a call of `address` as the ABI has it (arguments, stack, return address), without running it. */
export function prepareCall(sandbox: Sandbox, address: number, args: bigint[]): void {
  args.forEach((value, i) => sandbox.writeRegister(ARCH[sandbox.arch].registers.arguments[i]!, value));
  // The stack is 16-byte aligned before the call (which, on x86-64, then pushes the return address).
  enterCall(sandbox, address, RETURN_ADDRESS, STACK_TOP - 0x100);
}

/** The bytes of every global the functions can write, by name: their memory side effects. */
export function snapshotData(sandbox: Sandbox, build: CorpusBuild): Record<string, string> {
  const writable = build.elf.segments.filter((s) => s.writable);
  return Object.fromEntries(build.data
    .filter((d) => writable.some((s) => d.address >= s.address && d.address < s.address + s.memorySize))
    .map((d) => [d.name, Buffer.from(sandbox.read(d.address, d.size)).toString('hex')]));
}

/** A deterministic generator for test arguments (xorshift64*), with edge values mixed in. */
export function randomArguments(seed: number): () => bigint {
  let state = BigInt(seed) * 0x9e3779b97f4a7c15n | 1n;
  const edges = [0n, 1n, 2n, 5n, 63n, 64n, 255n, 0x7fffffffn, 0x80000000n, 0xffffffffn,
    0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn];
  return () => {
    state ^= state >> 12n; state ^= (state << 25n) & 0xffffffffffffffffn; state ^= state >> 27n;
    const r = (state * 0x2545f4914f6cdd1dn) & 0xffffffffffffffffn;
    const pick = Number(r & 7n);
    if (pick === 0) return edges[Number((r >> 3n) % BigInt(edges.length))]!;
    if (pick < 3) return (r >> 8n) & 0xffffn; // small values exercise the common paths
    return r;
  };
}
