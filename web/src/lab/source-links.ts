// Disassembly rows linked to their sources: each row of a module's code gets the file and line whose
// statement made it, and its immediates in the base that line wrote them in (number-base.ts). Rows
// of code a patch brought in have no line of their own; their numbers go by the sources as a whole.
import type { Arch } from '../../../core/arch.ts';
import { type GuestModule, lineAt } from '../../../core/module.ts';
import { inSourceBase, mergeNumbers, type WrittenNumbers, writtenNumbers } from './number-base.ts';
import type { DisassemblyLine } from './protocol.ts';

interface LinkedModule {
  module: GuestModule;
  file: string;
  lines: string[];
}

export class SourceLinks {
  private readonly linked: LinkedModule[];
  private readonly byLine = new Map<string, WrittenNumbers>();
  private readonly texts: string[];
  private everywhere: WrittenNumbers;

  constructor(private readonly arch: Arch, modules: readonly GuestModule[], files: readonly { name: string; text: string }[]) {
    this.linked = modules.map((module, i) => ({ module, file: files[i]?.name ?? module.name, lines: (files[i]?.text ?? '').split('\n') }));
    this.texts = files.map((f) => f.text);
    this.everywhere = mergeNumbers(this.texts.map((text) => writtenNumbers(text, arch)));
  }

  /** A patch source: its numbers count for code that has no line of its own (the patch's new code). */
  addSource(text: string): void {
    if (this.texts.includes(text)) return;
    this.texts.push(text);
    this.everywhere = mergeNumbers([this.everywhere, writtenNumbers(text, this.arch)]);
  }

  /** The file and line whose statement made the code at `address`. */
  sourceOf(address: number): { file: string; line: number } | undefined {
    for (const { module, file } of this.linked) {
      if (address < module.base || address >= module.base + module.code.length) continue;
      const line = lineAt(module, address);
      return line === undefined ? undefined : { file, line };
    }
    return undefined;
  }

  private numbersOf(file: string, line: number): WrittenNumbers {
    const key = `${file}:${line}`;
    let numbers = this.byLine.get(key);
    if (!numbers) {
      const text = this.linked.find((l) => l.file === file)?.lines[line - 1] ?? '';
      numbers = writtenNumbers(text, this.arch);
      this.byLine.set(key, numbers);
    }
    return numbers;
  }

  /** Rows with their source line, and their immediates in the source's base (new rows; the ones given are not changed). */
  annotate(rows: DisassemblyLine[]): DisassemblyLine[] {
    return rows.map((row) => {
      if (row.undecodable) return row;
      const source = this.sourceOf(row.address);
      const operands = row.operands ? inSourceBase(row.operands, source ? this.numbersOf(source.file, source.line) : this.everywhere) : row.operands;
      return { ...row, operands, ...(source ? { source } : {}) };
    });
  }
}
