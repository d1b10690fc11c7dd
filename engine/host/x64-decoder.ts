// Host API of the engine's x86-64 decoder: decode bytes at an address into plain objects.
// The decoding itself happens in engine.wasm (isa/x64/, exported by engine/assembly/x64/exports.ts);
// this file only moves bytes in and facts out. The numbers it reads come from the files the
// engine is built from (isa/x64/codes.ts, engine/assembly/x64/interface.ts).
import {
  X64Encoding as EncodingCode, X64Error as ErrorCode, X64Flow as FlowCode,
} from '../../isa/x64/codes.ts';
import {
  WINDOW_FLOW, WINDOW_LENGTH, WINDOW_RECORD_SIZE, WINDOW_REL_SIZE, WINDOW_RIP_RELATIVE, WINDOW_TARGET, X64Fact,
} from '../assembly/x64/interface.ts';
import { loadEngine, type Engine } from './engine.ts';

/** Names of a code table, in code order (codes run from 0 without gaps). */
function inCodeOrder<Code extends number, Name>(names: Record<Code, Name>): readonly Name[] {
  const list: Name[] = [];
  for (const [code, name] of Object.entries(names) as [string, Name][]) list[Number(code)] = name;
  return list;
}

const FLOW_NAMES = {
  [FlowCode.NONE]: 'none', [FlowCode.JMP_REL]: 'jmp-rel', [FlowCode.JCC_REL]: 'jcc-rel', [FlowCode.CALL_REL]: 'call-rel',
  [FlowCode.LOOP_REL]: 'loop-rel', [FlowCode.RET_NEAR]: 'ret-near', [FlowCode.RET_FAR]: 'ret-far',
  [FlowCode.JMP_INDIRECT]: 'jmp-indirect', [FlowCode.CALL_INDIRECT]: 'call-indirect', [FlowCode.INTERRUPT]: 'interrupt',
  [FlowCode.XBEGIN_REL]: 'xbegin-rel',
} as const satisfies Record<FlowCode, string>;
export type X64Flow = (typeof FLOW_NAMES)[FlowCode];
/** Flow names by the decoder's flow code. */
export const X64_FLOWS: readonly X64Flow[] = inCodeOrder(FLOW_NAMES);

const DECODE_ERROR_NAMES = {
  [ErrorCode.NONE]: 'none', [ErrorCode.TRUNCATED]: 'truncated', [ErrorCode.TOO_LONG]: 'too-long',
  [ErrorCode.UNDEFINED_OPCODE]: 'undefined-opcode', [ErrorCode.INVALID_IN_64BIT]: 'invalid-in-64bit',
  [ErrorCode.UNDEFINED_EXTENSION]: 'undefined-extension', [ErrorCode.BAD_OPERAND_FORM]: 'bad-operand-form',
  [ErrorCode.BAD_MANDATORY_PREFIX]: 'bad-mandatory-prefix', [ErrorCode.BAD_LOCK]: 'bad-lock',
  [ErrorCode.BAD_VECTOR_PREFIX]: 'bad-vector-prefix', [ErrorCode.BAD_REGISTER]: 'bad-register',
} as const satisfies Record<ErrorCode, string>;
export type X64DecodeError = (typeof DECODE_ERROR_NAMES)[ErrorCode];
/** Error names by the decoder's error code. */
export const X64_DECODE_ERRORS: readonly X64DecodeError[] = inCodeOrder(DECODE_ERROR_NAMES);

const ENCODING_NAMES = {
  [EncodingCode.LEGACY]: 'legacy', [EncodingCode.VEX2]: 'vex2', [EncodingCode.VEX3]: 'vex3', [EncodingCode.EVEX]: 'evex',
} as const satisfies Record<EncodingCode, string>;
export type X64Encoding = (typeof ENCODING_NAMES)[EncodingCode];
const ENCODINGS: readonly X64Encoding[] = inCodeOrder(ENCODING_NAMES);

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

/** The slot of every fact in the record x64Decode fills. */
const FACT_SLOTS = {
  valid: X64Fact.VALID, error: X64Fact.ERROR, length: X64Fact.LENGTH, address: X64Fact.ADDRESS,
  prefixCount: X64Fact.PREFIX_COUNT, lock: X64Fact.LOCK, rep: X64Fact.REP, repne: X64Fact.REPNE,
  lastRepPrefix: X64Fact.LAST_REP, operandSizePrefix: X64Fact.OPERAND_SIZE_PREFIX,
  addressSizePrefix: X64Fact.ADDRESS_SIZE_PREFIX, segment: X64Fact.SEGMENT, segmentPrefixCount: X64Fact.SEGMENT_COUNT,
  mandatoryPrefix: X64Fact.MANDATORY_PREFIX,
  rex: X64Fact.REX, rexW: X64Fact.REX_W, rexR: X64Fact.REX_R, rexX: X64Fact.REX_X, rexB: X64Fact.REX_B,
  rexIgnored: X64Fact.REX_IGNORED,
  encoding: X64Fact.ENCODING, vectorLength: X64Fact.VECTOR_LENGTH, vexW: X64Fact.VEX_W, vvvv: X64Fact.VVVV,
  pp: X64Fact.PP, evexMask: X64Fact.EVEX_MASK, evexZeroing: X64Fact.EVEX_ZEROING, evexBroadcast: X64Fact.EVEX_BROADCAST,
  map: X64Fact.MAP, opcode: X64Fact.OPCODE, opcodeOffset: X64Fact.OPCODE_OFFSET,
  hasModrm: X64Fact.HAS_MODRM, modrmOffset: X64Fact.MODRM_OFFSET, modrm: X64Fact.MODRM, mod: X64Fact.MOD,
  reg: X64Fact.REG, rm: X64Fact.RM, hasSib: X64Fact.HAS_SIB, sib: X64Fact.SIB, base: X64Fact.BASE,
  index: X64Fact.INDEX, scale: X64Fact.SCALE, ripRelative: X64Fact.RIP_RELATIVE, ripTarget: X64Fact.RIP_TARGET,
  dispOffset: X64Fact.DISP_OFFSET, dispSize: X64Fact.DISP_SIZE, disp: X64Fact.DISP,
  immOffset: X64Fact.IMM_OFFSET, immSize: X64Fact.IMM_SIZE, imm: X64Fact.IMM,
  imm2Offset: X64Fact.IMM2_OFFSET, imm2Size: X64Fact.IMM2_SIZE, imm2: X64Fact.IMM2,
  operandSize: X64Fact.OPERAND_SIZE, addressSize: X64Fact.ADDRESS_SIZE, flow: X64Fact.FLOW,
  condition: X64Fact.CONDITION, relOffset: X64Fact.REL_OFFSET, relSize: X64Fact.REL_SIZE,
  branchTarget: X64Fact.BRANCH_TARGET,
} as const satisfies Record<Exclude<keyof X64DecodedInstruction, 'reason' | 'bytes'>, X64Fact>;
const FACTS = Object.entries(FACT_SLOTS) as [keyof typeof FACT_SLOTS, X64Fact][];
const BOOLEAN_FACTS = new Set<string>(['valid', 'lock', 'rep', 'repne', 'operandSizePrefix', 'addressSizePrefix', 'rexW', 'rexR', 'rexX', 'rexB',
  'rexIgnored', 'vexW', 'evexZeroing', 'evexBroadcast', 'hasModrm', 'hasSib', 'ripRelative']);
const UNSIGNED_BIGINT_FACTS = new Set<string>(['address', 'ripTarget', 'branchTarget']);
const SIGNED_BIGINT_FACTS = new Set<string>(['disp', 'imm', 'imm2']);

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
    if (this.wasm.x64FactCount() !== X64Fact.COUNT) {
      throw new Error(`engine.wasm reports ${this.wasm.x64FactCount()} decoder facts, this host knows ${X64Fact.COUNT}: rebuild it`);
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
    const slots = new BigInt64Array(this.wasm.memory.buffer, this.wasm.x64Facts(), X64Fact.COUNT);
    const record: Record<string, unknown> = {};
    FACTS.forEach(([name, slot]) => {
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
      const lengthOrError = view.getInt8(at + WINDOW_LENGTH);
      result.push({
        valid: lengthOrError > 0,
        length: lengthOrError > 0 ? lengthOrError : 0,
        error: lengthOrError > 0 ? 'none' : X64_DECODE_ERRORS[-lengthOrError]!,
        flow: X64_FLOWS[view.getUint8(at + WINDOW_FLOW)]!,
        ripRelative: view.getUint8(at + WINDOW_RIP_RELATIVE) !== 0,
        relSize: view.getUint8(at + WINDOW_REL_SIZE),
        target: view.getBigUint64(at + WINDOW_TARGET, true),
      });
    }
    return result;
  }

  /** The raw records of decodeWindows (see x64DecodeWindows), copied out of wasm memory. */
  decodeWindowRecords(bytes: Uint8Array, stride: number, address: bigint | number = 0n): Uint8Array {
    const count = Math.floor(bytes.length / stride);
    const outOffset = Math.ceil(bytes.length / 16) * 16;
    const pointer = this.upload(bytes, outOffset - bytes.length + count * WINDOW_RECORD_SIZE);
    this.wasm.x64DecodeWindows(0, count, stride, BigInt.asUintN(64, BigInt(address)), outOffset);
    return new Uint8Array(this.wasm.memory.buffer, pointer + outOffset, count * WINDOW_RECORD_SIZE).slice();
  }
}
