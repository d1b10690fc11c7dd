// Host API of the engine's x86-64 decoder: decode bytes at an address into plain objects.
// The decoding itself happens in engine.wasm (engine/assembly/x64/); this file only moves bytes
// in and facts out.
import { loadEngine, type Engine } from './engine.ts';

export type X64Flow =
  | 'none' | 'jmp-rel' | 'jcc-rel' | 'call-rel' | 'loop-rel' | 'ret-near' | 'ret-far'
  | 'jmp-indirect' | 'call-indirect' | 'interrupt' | 'xbegin-rel';
export const X64_FLOWS: readonly X64Flow[] = [
  'none', 'jmp-rel', 'jcc-rel', 'call-rel', 'loop-rel', 'ret-near', 'ret-far',
  'jmp-indirect', 'call-indirect', 'interrupt', 'xbegin-rel',
];

export type X64DecodeError =
  | 'none' | 'truncated' | 'too-long' | 'undefined-opcode' | 'invalid-in-64bit' | 'undefined-extension'
  | 'bad-operand-form' | 'bad-mandatory-prefix' | 'bad-lock' | 'bad-vector-prefix' | 'bad-register';
export const X64_DECODE_ERRORS: readonly X64DecodeError[] = [
  'none', 'truncated', 'too-long', 'undefined-opcode', 'invalid-in-64bit', 'undefined-extension',
  'bad-operand-form', 'bad-mandatory-prefix', 'bad-lock', 'bad-vector-prefix', 'bad-register',
];

export type X64Encoding = 'legacy' | 'vex2' | 'vex3' | 'evex';
const ENCODINGS: readonly X64Encoding[] = ['legacy', 'vex2', 'vex3', 'evex'];

/** One decoded instruction. 64-bit quantities are bigints (addresses wrap at 2^64). */
export interface X64DecodedInstruction {
  valid: boolean;
  error: X64DecodeError;
  reason: string;
  /** Valid: the instruction's length. Truncated or too long: at least this many bytes were needed. */
  length: number;
  address: bigint;
  /** The instruction's bytes (valid instructions only). */
  bytes: Uint8Array;
  prefixCount: number;
  lock: boolean;
  rep: boolean;
  repne: boolean;
  lastRepPrefix: number;
  operandSizePrefix: boolean;
  addressSizePrefix: boolean;
  segment: number;
  segmentPrefixCount: number;
  mandatoryPrefix: number;
  rex: number;
  rexW: boolean;
  rexR: boolean;
  rexX: boolean;
  rexB: boolean;
  rexIgnored: boolean;
  encoding: X64Encoding;
  vectorLength: number;
  vexW: boolean;
  vvvv: number;
  pp: number;
  evexMask: number;
  evexZeroing: boolean;
  evexBroadcast: boolean;
  map: number;
  opcode: number;
  opcodeOffset: number;
  hasModrm: boolean;
  modrmOffset: number;
  modrm: number;
  mod: number;
  reg: number;
  rm: number;
  hasSib: boolean;
  sib: number;
  base: number;
  index: number;
  scale: number;
  ripRelative: boolean;
  ripTarget: bigint;
  dispOffset: number;
  dispSize: number;
  disp: bigint;
  immOffset: number;
  immSize: number;
  imm: bigint;
  imm2Offset: number;
  imm2Size: number;
  imm2: bigint;
  operandSize: number;
  addressSize: number;
  flow: X64Flow;
  condition: number;
  relOffset: number;
  relSize: number;
  branchTarget: bigint;
}

/** Compact result of a batch decode (one per window). */
export interface X64WindowFacts {
  valid: boolean;
  /** Length when valid; otherwise 0. */
  length: number;
  error: X64DecodeError;
  flow: X64Flow;
  ripRelative: boolean;
  relSize: number;
  /** Branch target of relative branches, else the RIP-relative target, else 0. */
  target: bigint;
}

// Slot order of the facts record; must match X64Fact in engine/assembly/x64/host-exports.ts.
const FACT_NAMES = [
  'valid', 'error', 'length', 'address',
  'prefixCount', 'lock', 'rep', 'repne', 'lastRepPrefix', 'operandSizePrefix', 'addressSizePrefix', 'segment', 'segmentPrefixCount', 'mandatoryPrefix',
  'rex', 'rexW', 'rexR', 'rexX', 'rexB', 'rexIgnored',
  'encoding', 'vectorLength', 'vexW', 'vvvv', 'pp', 'evexMask', 'evexZeroing', 'evexBroadcast',
  'map', 'opcode', 'opcodeOffset',
  'hasModrm', 'modrmOffset', 'modrm', 'mod', 'reg', 'rm', 'hasSib', 'sib', 'base', 'index', 'scale', 'ripRelative', 'ripTarget',
  'dispOffset', 'dispSize', 'disp', 'immOffset', 'immSize', 'imm', 'imm2Offset', 'imm2Size', 'imm2',
  'operandSize', 'addressSize', 'flow', 'condition', 'relOffset', 'relSize', 'branchTarget',
] as const;
const BOOLEAN_FACTS = new Set<string>(['valid', 'lock', 'rep', 'repne', 'operandSizePrefix', 'addressSizePrefix', 'rexW', 'rexR', 'rexX', 'rexB',
  'rexIgnored', 'vexW', 'evexZeroing', 'evexBroadcast', 'hasModrm', 'hasSib', 'ripRelative']);
const UNSIGNED_BIGINT_FACTS = new Set<string>(['address', 'ripTarget', 'branchTarget']);
const SIGNED_BIGINT_FACTS = new Set<string>(['disp', 'imm', 'imm2']);

const WINDOW_RECORD_SIZE = 16;

interface DecoderExports {
  memory: WebAssembly.Memory;
  x64DecoderBuffer(size: number): number;
  x64FactCount(): number;
  x64Decode(offset: number, available: number, address: bigint): boolean;
  x64Facts(): number;
  /** engine.js lifts the returned string. */
  x64DecodeReason(): string;
  x64DecodeRun(offset: number, length: number, address: bigint): number;
  x64DecodeWindows(offset: number, count: number, stride: number, address: bigint, outOffset: number): number;
}

export class X64Decoder {
  private readonly wasm: DecoderExports;

  constructor(engine: Engine) {
    this.wasm = engine.exports as unknown as DecoderExports;
    if (this.wasm.x64FactCount() !== FACT_NAMES.length) {
      throw new Error(`engine.wasm reports ${this.wasm.x64FactCount()} decoder facts, this host knows ${FACT_NAMES.length}: rebuild it`);
    }
  }

  static async load(): Promise<X64Decoder> {
    return new X64Decoder(await loadEngine());
  }

  /** Copies `bytes` into the engine's buffer (growing it as needed) and returns its address there. */
  private upload(bytes: Uint8Array, extra = 0): number {
    const pointer = this.wasm.x64DecoderBuffer(bytes.length + extra);
    new Uint8Array(this.wasm.memory.buffer, pointer, bytes.length).set(bytes);
    return pointer;
  }

  /** Decodes the one instruction at `offset` in `bytes`, which sit at `address`. */
  decode(bytes: Uint8Array, address: bigint | number = 0n, offset = 0): X64DecodedInstruction {
    this.upload(bytes);
    this.wasm.x64Decode(offset, bytes.length - offset, BigInt.asUintN(64, BigInt(address)));
    const slots = new BigInt64Array(this.wasm.memory.buffer, this.wasm.x64Facts(), FACT_NAMES.length);
    const record: Record<string, unknown> = {};
    FACT_NAMES.forEach((name, slot) => {
      const value = slots[slot]!;
      if (BOOLEAN_FACTS.has(name)) record[name] = value !== 0n;
      else if (UNSIGNED_BIGINT_FACTS.has(name)) record[name] = BigInt.asUintN(64, value);
      else if (SIGNED_BIGINT_FACTS.has(name)) record[name] = value;
      else record[name] = Number(value);
    });
    record.error = X64_DECODE_ERRORS[record.error as number];
    record.flow = X64_FLOWS[record.flow as number];
    record.encoding = ENCODINGS[record.encoding as number];
    record.reason = this.wasm.x64DecodeReason() ?? '';
    record.bytes = record.valid ? bytes.slice(offset, offset + (record.length as number)) : new Uint8Array(0);
    return record as unknown as X64DecodedInstruction;
  }

  /** Decodes instruction after instruction, stopping after the first that does not decode. */
  decodeAll(bytes: Uint8Array, address: bigint | number = 0n): X64DecodedInstruction[] {
    const result: X64DecodedInstruction[] = [];
    const start = BigInt(address);
    let offset = 0;
    while (offset < bytes.length) {
      const instruction = this.decode(bytes, start + BigInt(offset), offset);
      result.push(instruction);
      if (!instruction.valid) break;
      offset += instruction.length;
    }
    return result;
  }

  /** Counts the instructions decoded one after another from the start (stops at the first invalid one). */
  countRun(bytes: Uint8Array, address: bigint | number = 0n): number {
    this.upload(bytes);
    return this.wasm.x64DecodeRun(0, bytes.length, BigInt.asUintN(64, BigInt(address)));
  }

  /**
   * Decodes independent windows: window i is `bytes[i*stride .. (i+1)*stride)` at `address + i*stride`.
   * For fuzzing and benchmarks: one call into the engine for all of them.
   */
  decodeWindows(bytes: Uint8Array, stride: number, address: bigint | number = 0n): X64WindowFacts[] {
    const count = Math.floor(bytes.length / stride);
    const records = this.decodeWindowRecords(bytes, stride, address);
    const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
    const result: X64WindowFacts[] = [];
    for (let i = 0; i < count; i++) {
      const at = i * WINDOW_RECORD_SIZE;
      const lengthOrError = view.getInt8(at);
      result.push({
        valid: lengthOrError > 0,
        length: lengthOrError > 0 ? lengthOrError : 0,
        error: lengthOrError > 0 ? 'none' : X64_DECODE_ERRORS[-lengthOrError]!,
        flow: X64_FLOWS[view.getUint8(at + 1)]!,
        ripRelative: view.getUint8(at + 2) !== 0,
        relSize: view.getUint8(at + 3),
        target: view.getBigUint64(at + 8, true),
      });
    }
    return result;
  }

  /** The raw 16-byte records of decodeWindows (see x64DecodeWindows), copied out of wasm memory. */
  decodeWindowRecords(bytes: Uint8Array, stride: number, address: bigint | number = 0n): Uint8Array {
    const count = Math.floor(bytes.length / stride);
    const outOffset = Math.ceil(bytes.length / 16) * 16;
    const pointer = this.upload(bytes, outOffset - bytes.length + count * WINDOW_RECORD_SIZE);
    this.wasm.x64DecodeWindows(0, count, stride, BigInt.asUintN(64, BigInt(address)), outOffset);
    return new Uint8Array(this.wasm.memory.buffer, pointer + outOffset, count * WINDOW_RECORD_SIZE).slice();
  }
}
