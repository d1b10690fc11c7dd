// Disassembly for the views: Capstone, carried on past bytes it cannot decode (a patched entry
// leaves the tail of an overwritten instruction behind its jump) so the listing never just stops.
// A program opened from the gallery comes with its disassembly decoded at build time (the
// instruction table of its scenario): until Capstone has loaded, listings come from that table, so
// a gallery example runs and shows its code before Capstone's 3 MB have arrived.
import { ARCH, type Arch } from '../../../core/arch.ts';
import { bytesToHex } from '../../../core/hex.ts';
import { capstoneHandle, disassemble } from '../../../toolchain/capstone.ts';
import type { InstructionTable } from '../embed/instruction-table.ts';
import { byteLine } from './byte-line.ts';
import type { DisassemblyLine } from './protocol.ts';

let known: InstructionTable | undefined;
/** Set once Capstone has loaded (or failed to): from then on it decodes whatever the table lacks. */
let capstone: Promise<unknown> | undefined;
let capstoneLoaded = false;
let onCapstoneLoading: (() => void) | undefined;

/** Instructions decoded at build time for the program loaded now (undefined: none). */
export function useKnownInstructions(table: InstructionTable | undefined): void {
  known = table;
}

/** Called when Capstone starts loading (the lab worker says so to the page). */
export function whenCapstoneLoads(listener: () => void): void {
  onCapstoneLoading = listener;
}

/** Starts loading Capstone in the background, once. */
export function loadCapstone(): Promise<unknown> {
  if (!capstone) {
    onCapstoneLoading?.();
    capstone = capstoneHandle('x64').then(() => { capstoneLoaded = true; }, (error: unknown) => error);
  }
  return capstone;
}

export async function disassembleAll(arch: Arch, bytes: Uint8Array, address: number,
  label?: (address: number) => string | undefined): Promise<DisassemblyLine[]> {
  let lines = known?.lookupAll(arch, bytes, address);
  if (!lines && known && !capstoneLoaded) {
    // Bytes the build did not see (an edit, a patch of the user's): shown as data until Capstone is here.
    void loadCapstone();
    lines = await known.disassemble(arch, bytes, address);
  }
  lines ??= await capstoneListing(arch, bytes, address);
  if (label) {
    for (const line of lines) {
      const name = label(line.address);
      if (name) line.label = name;
    }
  }
  return lines;
}

/** The instruction at the start of `bytes`, or undefined when it cannot be decoded. */
export async function firstInstruction(arch: Arch, bytes: Uint8Array, address: number): Promise<DisassemblyLine | undefined> {
  const line = known?.first(bytes, address);
  if (line) return line.undecodable ? undefined : line;
  await loadCapstone();
  const [insn] = await disassemble(arch, bytes, address, 1);
  return insn && { address: insn.address, bytes: bytesToHex(insn.bytes), mnemonic: insn.mnemonic, operands: insn.operands };
}

async function capstoneListing(arch: Arch, bytes: Uint8Array, address: number): Promise<DisassemblyLine[]> {
  await loadCapstone();
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
  return lines;
}
