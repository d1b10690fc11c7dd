// The shared words in core/: architecture facts, hex text, address names, the .wasm loader.
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ARCH, ARCHES, archNamed, canonicalRegister, interruptName, isKnownRegister, pageCeil, pageFloor, registerWidth,
} from '../../core/arch.ts';
import { bytesToHex, hex, hexToBytes } from '../../core/hex.ts';
import type { GuestModule } from '../../core/module.ts';
import { placeName, rangeAt, symbolize } from '../../core/symbolizer.ts';
import { EARLY_FETCHES_GLOBAL, WasmFile } from '../../core/wasm-loader.ts';

describe('architecture facts', () => {
  it('has one record per architecture, each naming its own architecture', () => {
    expect(ARCHES.map((arch) => ARCH[arch].arch)).toEqual(['x64', 'arm64']);
    expect(ARCHES.map((arch) => ARCH[arch].displayName)).toEqual(['x86-64', 'ARM64']);
    expect(new Set(ARCHES.map((arch) => ARCH[arch].patchImageCode)).size).toBe(ARCHES.length);
  });

  it('reads architecture names and aliases', () => {
    expect(['x64', 'x86-64', 'x86_64', 'arm64', 'aarch64', 'riscv'].map(archNamed))
      .toEqual(['x64', 'x64', 'x64', 'arm64', 'arm64', undefined]);
  });

  it('knows register names, aliases and widths', () => {
    expect(canonicalRegister('x64', 'PC')).toBe('rip');
    expect(canonicalRegister('arm64', 'lr')).toBe('x30');
    expect(registerWidth('arm64', 'q3')).toBe(16);
    expect(registerWidth('x64', 'rax')).toBe(8);
    expect(isKnownRegister('x64', 'fs_base')).toBe(true);
    expect(isKnownRegister('arm64', 'fs_base')).toBe(false);
    for (const arch of ARCHES) {
      const { pc, sp, result, arguments: args } = ARCH[arch].registers;
      for (const name of [pc, sp, result, ...args, ...ARCH[arch].syscall.arguments]) {
        expect(isKnownRegister(arch, canonicalRegister(arch, name)), `${arch} ${name}`).toBe(true);
      }
    }
  });

  it('names interrupts', () => {
    expect(interruptName('x64', 3)).toBe('interrupt 3, breakpoint (int3)');
    expect(interruptName('arm64', 99)).toBe('interrupt 99');
  });

  it('rounds to pages', () => {
    expect([pageCeil(0), pageCeil(1), pageCeil(0x1000), pageFloor(0x1fff), pageFloor(-1)])
      .toEqual([0, 0x1000, 0x1000, 0x1000, -0x1000]);
  });
});

describe('hex text', () => {
  it('writes numbers and bigints, negative ones with the sign first', () => {
    expect([hex(0), hex(255), hex(-16), hex(2n ** 64n - 1n), hex(-1n), hex(0x1f, 8)])
      .toEqual(['0x0', '0xff', '-0x10', '0xffffffffffffffff', '-0x1', '0x0000001f']);
  });

  it('turns bytes into digit pairs and back', () => {
    const bytes = Uint8Array.of(0x00, 0x0f, 0xa0, 0xff);
    expect(bytesToHex(bytes)).toBe('000fa0ff');
    expect(bytesToHex(bytes, ' ')).toBe('00 0f a0 ff');
    expect(hexToBytes('000fa0ff')).toEqual(bytes);
    expect(hexToBytes('000FA0FF')).toEqual(bytes);
    expect(hexToBytes('')).toEqual(new Uint8Array(0));
  });
});

describe('address names', () => {
  const module = (name: string, base: number, symbols: [string, number, number, 'function' | 'data'][]): GuestModule => ({
    name, arch: 'x64', base, code: new Uint8Array(0), dataAddress: base + 0x1000, data: new Uint8Array(0), exports: [],
    symbols: symbols.map(([symbol, address, size, kind]) => ({ name: symbol, address, size, kind })),
  });
  const modules = [
    module('pricing', 0x400000,
      [['main', 0x400000, 0x20, 'function'], ['empty', 0x400020, 0, 'function'], ['rate', 0x401000, 8, 'data']]),
    module('report', 0x500000, [['print', 0x500000, 0x10, 'function']]),
  ];

  it('names an address by the symbol holding it, then by the extra ranges, else in hex', () => {
    expect(symbolize(0x400000, modules)).toBe('pricing!main');
    expect(symbolize(0x40001f, modules)).toBe('pricing!main+0x1f');
    expect(symbolize(0x400020, modules)).toBe('pricing!empty');
    expect(symbolize(0x401004, modules)).toBe('pricing!rate+0x4');
    expect(symbolize(0x50000c, modules)).toBe('report!print+0xc');
    expect(symbolize(0x600000, modules)).toBe('0x600000');
  });

  it('keeps to one kind of symbol when asked, and names code a patch brought in', () => {
    const more = [
      { name: 'pricing patch 1!fixed', address: 0x600000, size: 0x10 },
      { name: 'trampoline of pricing!main', address: 0x601000, size: 0x20 },
    ];
    expect(symbolize(0x401004, modules, { kind: 'function' })).toBe('0x401004');
    expect(symbolize(0x600004, modules, { kind: 'function', more })).toBe('pricing patch 1!fixed+0x4');
    expect(rangeAt(0x601000, modules, { more })?.name).toBe('trampoline of pricing!main');
    expect(symbolize(0x400004, modules, { more })).toBe('pricing!main+0x4');
  });

  it('names a section with its offset even at its first byte', () => {
    const code = { name: 'pricing patch 2 code', address: 0x700000, size: 0x1000, section: true };
    expect(placeName(0x700000, code)).toBe('pricing patch 2 code+0x0');
    expect(placeName(0x700010, code)).toBe('pricing patch 2 code+0x10');
  });
});

describe('the .wasm loader', () => {
  const MISSING = 'missing.wasm is missing or invalid: build it';

  it('compiles a file from disk, once, in both ways', async () => {
    const file = new WasmFile(new URL('../../sandbox/wasm/build/cpu.wasm', import.meta.url), MISSING);
    const module = file.loadSync();
    expect(module).toBeInstanceOf(WebAssembly.Module);
    expect(await file.load()).toBe(module);
    const other = new WasmFile(file.url, MISSING);
    const loaded = await other.load();
    expect(WebAssembly.Module.exports(loaded).length).toBeGreaterThan(0);
    expect(other.loadSync()).toBe(loaded);
  });

  it('says how to build a file it cannot load, and tries again next time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasm-loader-'));
    try {
      const path = join(dir, 'late.wasm');
      const file = new WasmFile(pathToFileURL(path), MISSING);
      await expect(file.load()).rejects.toThrow(MISSING);
      expect(() => file.loadSync()).toThrow(MISSING);
      copyFileSync(new URL('../../sandbox/wasm/build/cpu.wasm', import.meta.url), path);
      expect(await file.load()).toBeInstanceOf(WebAssembly.Module);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('takes a fetch started early for its address, once, and fetches itself after that', async () => {
    const url = 'https://example.invalid/early.wasm';
    const bytes = readFileSync(new URL('../../sandbox/wasm/build/cpu.wasm', import.meta.url));
    const wasm = () => new Response(bytes, { headers: { 'content-type': 'application/wasm' } });
    const scope = globalThis as Record<string, unknown>;
    const realFetch = globalThis.fetch;
    const fetched: string[] = [];
    globalThis.fetch = (async (input: URL | string) => { fetched.push(String(input)); return wasm(); }) as typeof fetch;
    scope[EARLY_FETCHES_GLOBAL] = { [url]: Promise.resolve(wasm()), 'https://example.invalid/other.wasm': Promise.resolve(wasm()) };
    try {
      expect(await new WasmFile(new URL(url), MISSING).load()).toBeInstanceOf(WebAssembly.Module);
      expect(fetched).toEqual([]);
      expect(Object.keys(scope[EARLY_FETCHES_GLOBAL] as object)).toEqual(['https://example.invalid/other.wasm']);
      expect(await new WasmFile(new URL(url), MISSING).load()).toBeInstanceOf(WebAssembly.Module);
      expect(fetched).toEqual([url]);
    } finally {
      globalThis.fetch = realFetch;
      delete scope[EARLY_FETCHES_GLOBAL];
    }
  });

  it('has nothing to give synchronously for a file it would have to fetch', () => {
    expect(new WasmFile(new URL('https://example.invalid/x.wasm'), MISSING).loadSync()).toBeUndefined();
  });
});
