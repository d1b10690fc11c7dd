// Disassembly without a disassembler: instructions Capstone decoded at build time, looked up by
// address and checked against the bytes actually in memory, so a patched entry reads as its new
// jump and never as the instruction that used to be there.
import { ARCH, type Arch } from '../../../core/arch.ts';
import { bytesToHex } from '../../../core/hex.ts';
import { byteLine } from '../lab/byte-line.ts';
import type { DisassemblyLine } from '../lab/protocol.ts';

/** [address, bytes (hex), mnemonic, operands, 1 when Capstone could not decode the bytes]. */
export type InstructionRecord = [number, string, string, string, 0 | 1];

export type Disassembler = (arch: Arch, bytes: Uint8Array, address: number) => Promise<DisassemblyLine[]>;

export function recordOf(line: DisassemblyLine): InstructionRecord {
  return [line.address, line.bytes, line.mnemonic, line.operands, line.undecodable ? 1 : 0];
}

function lineOf(record: InstructionRecord): DisassemblyLine {
  return { address: record[0], bytes: record[1], mnemonic: record[2], operands: record[3], ...(record[4] ? { undecodable: true } : {}) };
}

export class InstructionTable {
  private readonly byAddress = new Map<number, InstructionRecord[]>();
  /** Instructions asked for that the table did not hold (shown as bytes). */
  misses = 0;

  constructor(records: readonly InstructionRecord[] = []) {
    for (const record of records) this.add(record);
  }

  add(record: InstructionRecord): void {
    const list = this.byAddress.get(record[0]) ?? [];
    if (!list.some((r) => r[1] === record[1])) list.push(record);
    this.byAddress.set(record[0], list);
  }

  /** Every record, ordered by address then bytes, so the build output is stable. */
  records(): InstructionRecord[] {
    return [...this.byAddress.values()].flat()
      .sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  }

  /** The record at `address` whose bytes are the ones at the start of `bytes`; the longest wins. */
  private find(address: number, bytes: Uint8Array): InstructionRecord | undefined {
    let best: InstructionRecord | undefined;
    for (const record of this.byAddress.get(address) ?? []) {
      const length = record[1].length / 2;
      if (length > bytes.length || (best && best[1].length >= record[1].length)) continue;
      if (bytesToHex(bytes.subarray(0, length)) === record[1]) best = record;
    }
    return best;
  }

  /** The line of the instruction at the start of `bytes`, when the table has it. */
  first(bytes: Uint8Array, address: number): DisassemblyLine | undefined {
    const record = this.find(address, bytes);
    return record && lineOf(record);
  }

  /** Lines for all of `bytes`, or undefined when any instruction among them was not recorded. */
  lookupAll(_arch: Arch, bytes: Uint8Array, address: number): DisassemblyLine[] | undefined {
    const lines: DisassemblyLine[] = [];
    for (let offset = 0; offset < bytes.length;) {
      const record = this.find(address + offset, bytes.subarray(offset));
      if (!record) return undefined;
      lines.push(lineOf(record));
      offset += record[1].length / 2;
    }
    return lines;
  }

  /** Lines for `bytes` at `address`, as the build-time disassembly decoded them. */
  disassemble: Disassembler = async (arch, bytes, address) => {
    const lines: DisassemblyLine[] = [];
    let offset = 0;
    while (offset < bytes.length) {
      const record = this.find(address + offset, bytes.subarray(offset));
      if (record) {
        lines.push(lineOf(record));
        offset += record[1].length / 2;
        continue;
      }
      // Not recorded at build time: shown as data, and counted so tests notice.
      this.misses++;
      const size = Math.min(ARCH[arch].instructionAlignment, bytes.length - offset);
      lines.push(byteLine(address + offset, bytes.subarray(offset, offset + size)));
      offset += size;
    }
    return lines;
  };
}

/** Wraps a real disassembler so that everything it decodes is kept in `table`. */
export function recordingDisassembler(inner: Disassembler, table: InstructionTable): Disassembler {
  return async (arch, bytes, address) => {
    const lines = await inner(arch, bytes, address);
    for (const line of lines) table.add(recordOf(line));
    return lines;
  };
}
