// Disassembly for the views: Capstone, carried on past bytes it cannot decode (a patched entry
// leaves the tail of an overwritten instruction behind its jump) so the listing never just stops.
import { ARCH, type Arch } from '../../../core/arch.ts';
import { bytesToHex } from '../../../core/hex.ts';
import { disassemble } from '../../../toolchain/capstone.ts';
import { byteLine } from './byte-line.ts';
import type { DisassemblyLine } from './protocol.ts';

export async function disassembleAll(arch: Arch, bytes: Uint8Array, address: number,
  label?: (address: number) => string | undefined): Promise<DisassemblyLine[]> {
  const lines: DisassemblyLine[] = [];
  const step = ARCH[arch].instructionAlignment;
  let offset = 0;
  while (offset < bytes.length) {
    const decoded = await disassemble(arch, bytes.subarray(offset), address + offset);
    for (const insn of decoded) {
      lines.push({ address: insn.address, bytes: bytesToHex(insn.bytes), mnemonic: insn.mnemonic, operands: insn.operands });
      offset += insn.size;
    }
    if (offset >= bytes.length) break;
    const size = Math.min(step, bytes.length - offset);
    lines.push(byteLine(address + offset, bytes.subarray(offset, offset + size)));
    offset += size;
  }
  if (label) {
    for (const line of lines) {
      const name = label(line.address);
      if (name) line.label = name;
    }
  }
  return lines;
}
