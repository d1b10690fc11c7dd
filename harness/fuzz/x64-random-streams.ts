// Random byte streams for comparing the x86-64 decoder with Capstone. Half are plain random
// bytes; half are shaped like instructions (random legacy prefixes, REX, an escape or a
// VEX/EVEX prefix, then random bytes) so that every opcode map is reached often.
import {
  WINDOW_FLOW, WINDOW_LENGTH, WINDOW_RECORD_SIZE, WINDOW_REL_SIZE, WINDOW_RIP_RELATIVE, WINDOW_TARGET,
} from '../../engine/assembly/x64/interface.ts';
import { X64_FLOWS, type X64Decoder } from '../../engine/host/x64-decoder.ts';
import { capstoneDecode, type CapstoneFacts } from '../oracles/x64-capstone.ts';
import { explainDifference } from '../oracles/x64-known-differences.ts';

export const WINDOW = 16;
const LEGACY_PREFIXES = [0xf0, 0xf2, 0xf3, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65, 0x66, 0x67];

/** xorshift32: reproducible streams from a seed. */
export function randomSource(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    return state;
  };
}

/** Fills `count` windows of WINDOW bytes. */
export function randomWindows(count: number, next: () => number): Uint8Array {
  const bytes = new Uint8Array(count * WINDOW);
  for (let i = 0; i < bytes.length; i++) bytes[i] = next() & 0xff;
  for (let w = 0; w < count; w++) {
    if (next() & 1) continue; // plain random
    const at = w * WINDOW;
    let p = at;
    const prefixes = next() % 4;
    for (let i = 0; i < prefixes; i++) bytes[p++] = LEGACY_PREFIXES[next() % LEGACY_PREFIXES.length]!;
    const shape = next() % 8;
    if (shape !== 6 && shape !== 7 && next() % 3 === 0) bytes[p++] = 0x40 | (next() & 15);
    switch (shape) {
      case 0: case 1: break; // one-byte map
      case 2: bytes[p++] = 0x0f; break;
      case 3: bytes[p++] = 0x0f; bytes[p++] = 0x38; break;
      case 4: bytes[p++] = 0x0f; bytes[p++] = 0x3a; break;
      case 5: bytes[p++] = 0xc5; break;
      case 6: bytes[p++] = 0xc4; bytes[p++] = (next() & 0xe0) | (1 + (next() % 3)); break;
      case 7: // EVEX with the fixed bits right most of the time
        bytes[p++] = 0x62;
        bytes[p++] = next() % 8 ? (next() & 0xf0) | [1, 2, 3, 5, 6][next() % 5]! : next() & 0xff;
        bytes[p++] = next() % 8 ? (next() & 0xff) | 0x04 : next() & 0xff;
        break;
    }
    if (p > at + WINDOW) throw new Error('shaped window overflow');
  }
  return bytes;
}

export interface StreamComparison {
  windows: number;
  /** Windows Capstone decodes. */
  capstoneDecoded: number;
  /** ... and where the decoder agrees on length, flow class, branch and RIP-relative targets. */
  agreed: number;
  /** Windows the decoder decodes and Capstone refuses. */
  decoderOnly: number;
  /** Disagreements explained by a known difference, by id. */
  explained: Map<string, number>;
  /** Disagreements nothing explains (must stay empty), with a few examples. */
  unexplained: { bytes: string; capstone: string; decoder: string }[];
  unexplainedCount: number;
}

export function newComparison(): StreamComparison {
  return { windows: 0, capstoneDecoded: 0, agreed: 0, decoderOnly: 0, explained: new Map(), unexplained: [], unexplainedCount: 0 };
}

/** Why the two decoders' facts disagree, or undefined if they agree. */
function factMismatch(length: number, flow: string, ripRelative: boolean, relSize: number, target: bigint, cs: CapstoneFacts): string | undefined {
  if (length !== cs.length) return `length ${length} vs ${cs.length}`;
  if (flow !== cs.flow) return `flow ${flow} vs ${cs.flow}`;
  if (cs.branchTarget !== undefined && (relSize === 0 || target !== cs.branchTarget)) return `branch target 0x${target.toString(16)} vs 0x${cs.branchTarget.toString(16)}`;
  if (relSize === 0 && (cs.ripTarget !== undefined) !== ripRelative) return `rip-relative ${ripRelative} vs ${cs.ripTarget !== undefined}`;
  if (cs.ripTarget !== undefined && relSize === 0 && target !== cs.ripTarget) return `rip target 0x${target.toString(16)} vs 0x${cs.ripTarget.toString(16)}`;
  return undefined;
}

/** Decodes every window with both decoders and adds the outcome to `into`. */
export function compareWindows(decoder: X64Decoder, bytes: Uint8Array, address: bigint, into: StreamComparison): void {
  const records = decoder.decodeWindowRecords(bytes, WINDOW, address);
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  const count = bytes.length / WINDOW;
  for (let i = 0; i < count; i++) {
    const window = bytes.subarray(i * WINDOW, (i + 1) * WINDOW);
    const at = address + BigInt(i * WINDOW);
    const record = i * WINDOW_RECORD_SIZE;
    const lengthOrError = view.getInt8(record + WINDOW_LENGTH);
    const valid = lengthOrError > 0;
    const cs = capstoneDecode(window, at);
    into.windows++;
    if (!cs) {
      if (valid) into.decoderOnly++;
      continue;
    }
    into.capstoneDecoded++;
    if (valid) {
      const flow = X64_FLOWS[view.getUint8(record + WINDOW_FLOW)]!;
      const mismatch = factMismatch(lengthOrError, flow, view.getUint8(record + WINDOW_RIP_RELATIVE) !== 0,
        view.getUint8(record + WINDOW_REL_SIZE), view.getBigUint64(record + WINDOW_TARGET, true), cs);
      if (!mismatch) { into.agreed++; continue; }
    }
    const ours = decoder.decode(window, at);
    const known = explainDifference({ ours, capstone: cs, bytes: window, address: at, decoder });
    if (known) {
      into.explained.set(known.id, (into.explained.get(known.id) ?? 0) + 1);
      continue;
    }
    into.unexplainedCount++;
    if (into.unexplained.length < 20) {
      into.unexplained.push({
        bytes: Buffer.from(window.subarray(0, Math.max(cs.length, ours.length))).toString('hex'),
        capstone: `${cs.mnemonic} ${cs.operands} (${cs.length} bytes, ${cs.flow})`,
        decoder: ours.valid ? `${ours.length} bytes, ${ours.flow}, target 0x${(ours.relSize ? ours.branchTarget : ours.ripTarget).toString(16)}` : `${ours.error}: ${ours.reason}`,
      });
    }
  }
}

