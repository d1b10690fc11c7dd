// Names for x86-64 instructions the WASM CPU refuses, from their bytes, so that the error says what
// the program tried (the CPU itself only reports the address and the bytes).

const LEGACY_PREFIXES = new Set([0xf0, 0xf2, 0xf3, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65, 0x66, 0x67]);

const ONE_BYTE: Record<number, string> = {
  0x6c: 'insb', 0x6d: 'insd', 0x6e: 'outsb', 0x6f: 'outsd', 0x8c: 'mov from a segment register',
  0x8e: 'mov to a segment register', 0x9b: 'fwait', 0xca: 'retf', 0xcb: 'retf', 0xcf: 'iretq', 0xe4: 'in', 0xe5: 'in',
  0xe6: 'out', 0xe7: 'out', 0xec: 'in', 0xed: 'in', 0xee: 'out', 0xef: 'out', 0xf1: 'int1', 0xfa: 'cli', 0xfb: 'sti',
};

const TWO_BYTE: Record<number, string> = {
  0x00: 'sldt/str/lldt/ltr', 0x01: 'system (0f 01 group)', 0x31: 'rdtsc', 0x32: 'rdmsr', 0x30: 'wrmsr',
  0x33: 'rdpmc', 0x34: 'sysenter', 0x35: 'sysexit', 0x07: 'sysret', 0x06: 'clts', 0x08: 'invd', 0x09: 'wbinvd',
  0xa2: 'cpuid', 0xa0: 'push fs', 0xa1: 'pop fs', 0xa8: 'push gs', 0xa9: 'pop gs', 0xae: 'fxsave/ldmxcsr/stmxcsr/clflush group',
  0xc7: 'rdrand/rdseed group', 0x77: 'emms', 0x0e: 'femms',
};

/** A short name for the instruction in `bytes`: its mnemonic where known, its family, or '' if neither. */
export function nameX64Instruction(bytes: Uint8Array): string {
  let i = 0;
  while (i < bytes.length && LEGACY_PREFIXES.has(bytes[i]!)) i++;
  if (i < bytes.length && (bytes[i]! & 0xf0) === 0x40) i++; // REX
  const first = bytes[i];
  if (first === undefined) return '';
  if (first === 0xc4 || first === 0xc5) return 'AVX (VEX-encoded)';
  if (first === 0x62) return 'AVX-512 (EVEX-encoded)';
  if (first >= 0xd8 && first <= 0xdf) return 'x87 floating-point';
  if (ONE_BYTE[first]) return ONE_BYTE[first]!;
  if (first !== 0x0f) return '';
  const second = bytes[i + 1];
  if (second === undefined) return '';
  if (TWO_BYTE[second]) return TWO_BYTE[second]!;
  if (second === 0x38 || second === 0x3a) return 'SSSE3/SSE4';
  if (second >= 0x50 && second <= 0x5f || second >= 0x2a && second <= 0x2f || second === 0xc2) {
    return 'SSE floating-point arithmetic';
  }
  if (second >= 0x60) return 'MMX/SSE';
  return '';
}
