// Immediates in the base the source wrote them in: Capstone prints numbers in hex ("add eax, 0x64"),
// while the source may say "add eax, 100". A hex immediate of the disassembly whose value the
// source line writes in decimal (and not also in hex) is shown in decimal; everything else stays.
import type { Arch } from '../../../core/arch.ts';
import { stripComment } from '../../../toolchain/source.ts';

/** Numbers a source text writes, by the base it writes them in. */
export interface WrittenNumbers {
  decimal: Set<bigint>;
  hex: Set<bigint>;
}

/** Decimal and hex literals of code (comments and strings left out); "#100", "[rbp - 8]", "0x40" count, "x0" and "r8" do not. */
export function writtenNumbers(text: string, arch: Arch): WrittenNumbers {
  const numbers: WrittenNumbers = { decimal: new Set(), hex: new Set() };
  for (const raw of text.split('\n')) {
    const code = stripComment(raw, arch).replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, ' ');
    for (const match of code.matchAll(/(?<![\w.$])(?:0x([0-9a-f]+)|(\d+))(?![\w.$])/gi)) {
      if (match[1] !== undefined) numbers.hex.add(BigInt(`0x${match[1]}`));
      else numbers.decimal.add(BigInt(match[2]!));
    }
  }
  return numbers;
}

/** Merges several texts' numbers (a listing row with no line of its own goes by all of its sources). */
export function mergeNumbers(all: WrittenNumbers[]): WrittenNumbers {
  const merged: WrittenNumbers = { decimal: new Set(), hex: new Set() };
  for (const numbers of all) {
    for (const value of numbers.decimal) merged.decimal.add(value);
    for (const value of numbers.hex) merged.hex.add(value);
  }
  return merged;
}

/** `operands` with each hex immediate the source writes in decimal only ("0x64" for "100") in decimal. */
export function inSourceBase(operands: string, written: WrittenNumbers): string {
  return operands.replace(/(?<![\w.$])(-?)0x([0-9a-f]+)(?![\w.$])/gi, (whole, sign: string, digits: string) => {
    const value = BigInt(`0x${digits}`);
    return written.decimal.has(value) && !written.hex.has(value) ? `${sign}${value}` : whole;
  });
}
