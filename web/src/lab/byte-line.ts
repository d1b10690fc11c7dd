// Bytes no instruction was decoded from, listed as data.
import { bytesToHex, hex } from '../../../core/hex.ts';
import type { DisassemblyLine } from './protocol.ts';

/** A `.byte 0x0f, 0x0b` line of a listing. */
export function byteLine(address: number, bytes: Uint8Array): DisassemblyLine {
  return { address, bytes: bytesToHex(bytes), mnemonic: '.byte', operands: Array.from(bytes, (b) => hex(b, 2)).join(', '),
    undecodable: true };
}
