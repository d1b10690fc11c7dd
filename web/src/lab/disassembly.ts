// Disassembly for the views: Capstone, carried on past bytes it cannot decode (a patched entry
// leaves the tail of an overwritten instruction behind its jump) so the listing never just stops.
import type { Arch } from '../../../sandbox/sandbox.ts';
import { disassemble } from '../../../toolchain/capstone.ts';
import type { DisassemblyLine } from './protocol.ts';
import { toHex } from './hex.ts';

export async function disassembleAll(arch: Arch, bytes: Uint8Array, address: number,
  label?: (address: number) => string | undefined): Promise<DisassemblyLine[]> {
  const lines: DisassemblyLine[] = [];
  const step = arch === 'arm64' ? 4 : 1;
  let offset = 0;
  while (offset < bytes.length) {
    const decoded = await disassemble(arch, bytes.subarray(offset), address + offset);
    for (const insn of decoded) {
      lines.push({ address: insn.address, bytes: toHex(insn.bytes), mnemonic: insn.mnemonic, operands: insn.operands });
      offset += insn.size;
    }
    if (offset >= bytes.length) break;
    const size = Math.min(step, bytes.length - offset);
    const data = bytes.subarray(offset, offset + size);
    lines.push({ address: address + offset, bytes: toHex(data), mnemonic: '.byte',
      operands: Array.from(data, (b) => '0x' + b.toString(16).padStart(2, '0')).join(', '), undecodable: true });
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
