// One build of a module for the diff: the GuestModule the loader maps (the same bytes as
// assembleModule gives), the address of every label of its text (a function's inner labels too,
// which are no symbols), the source as read, and where each function's source starts and ends.
import type { Arch } from '../../core/arch.ts';
import type { GuestModule } from '../../core/module.ts';
import { assembleParsed } from '../assemble.ts';
import { functionEndLabel, type ModuleSource, readModuleSource, type SourceStatement } from '../source.ts';

/** A source by the name it goes by (a file name) and its text. */
export interface SourceText {
  name: string;
  text: string;
}

export interface DiffBuild {
  source: SourceText;
  parsed: ModuleSource;
  module: GuestModule;
  /** Every label of the text section (functions and the labels inside and between them) by address. */
  textLabels: Map<string, number>;
  /** Each function's source lines: its `.func` line and its `.endfunc` line (1-based). */
  functionLines: Map<string, { first: number; last: number }>;
  /** Each data symbol's statements, from its label to the next label. */
  dataStatements: Map<string, SourceStatement[]>;
  /** Text statements outside every function that are no label, in order (they cannot be patched). */
  outsideStatements: SourceStatement[];
  /** `.set`, `.equ` and `.equiv` lines of either section: constants a function may use. */
  constants: SourceStatement[];
}

const INNER_LABEL = '__hp_label_';
const LABEL = /^([A-Za-z_.$][\w.$]*):$/;
const CONSTANT = /^\.(set|equ|equiv)\b/i;

/**
 * Assembles `source` as the program assembled the loaded build: with the exports of the modules loaded
 * before it (`externals`). The labels that are no symbols are found with zero-size marker functions,
 * which change no byte.
 */
export async function buildForDiff(source: SourceText, arch: Arch, externals: ReadonlyMap<string, number>): Promise<DiffBuild> {
  const parsed = readModuleSource(source.text, arch, { file: source.name });
  const functionNames = new Set(parsed.functions.map((f) => f.name));
  const inner: string[] = [];
  const text: SourceStatement[] = [];
  for (const statement of parsed.text) {
    const label = LABEL.exec(statement.text)?.[1];
    if (label === undefined || functionNames.has(label) || label.startsWith('__hp_')) {
      text.push(statement);
      continue;
    }
    // A marker function of size zero at the label.
    inner.push(label);
    text.push({ text: `${INNER_LABEL}${label}:`, line: statement.line }, statement,
      { text: `${functionEndLabel(INNER_LABEL + label)}:`, line: statement.line });
  }
  const marked: ModuleSource = {
    ...parsed, text, functions: [...parsed.functions, ...inner.map((label) => ({ name: INNER_LABEL + label, line: 0 }))],
  };
  const assembled = await assembleParsed(marked, arch, { file: source.name, externals });
  const textLabels = new Map<string, number>();
  for (const symbol of assembled.symbols) {
    if (symbol.kind !== 'function') continue;
    textLabels.set(symbol.name.startsWith(INNER_LABEL) ? symbol.name.slice(INNER_LABEL.length) : symbol.name, symbol.address);
  }
  const module: GuestModule = { ...assembled, symbols: assembled.symbols.filter((s) => !s.name.startsWith(INNER_LABEL)) };

  const functionLines = new Map<string, { first: number; last: number }>();
  const outsideStatements: SourceStatement[] = [];
  let open: string | undefined;
  for (const statement of parsed.text) {
    const label = LABEL.exec(statement.text)?.[1];
    if (label !== undefined && functionNames.has(label) && open === undefined) {
      open = label;
      functionLines.set(label, { first: statement.line, last: statement.line });
      continue;
    }
    if (open !== undefined && statement.text === `${functionEndLabel(open)}:`) {
      functionLines.get(open)!.last = statement.line;
      open = undefined;
      continue;
    }
    if (open === undefined && label === undefined && !CONSTANT.test(statement.text)) outsideStatements.push(statement);
  }

  const dataStatements = new Map<string, SourceStatement[]>();
  let current: SourceStatement[] | undefined;
  for (const statement of parsed.data) {
    const label = LABEL.exec(statement.text)?.[1];
    if (label !== undefined) {
      current = [];
      dataStatements.set(label, current);
    }
    current?.push(statement);
  }
  const constants = [...parsed.text, ...parsed.data].filter((s) => CONSTANT.test(s.text));
  return { source, parsed, module, textLabels, functionLines, dataStatements, outsideStatements, constants };
}
