// Reads module source: our header directives, sections, functions, comments.
// Everything else is passed to Keystone line for line.
import { type Arch, archNamed } from '../core/arch.ts';

export class AssemblyError extends Error {
  constructor(
    message: string,
    /** 1-based source line, when the error belongs to one. */
    readonly line?: number,
    readonly lineText?: string,
    readonly file?: string,
  ) {
    super(message);
    this.name = 'AssemblyError';
  }
}

/** One statement that goes to Keystone, with the source line it came from. */
export interface SourceStatement {
  text: string;
  line: number;
}

export interface FunctionDeclaration {
  name: string;
  line: number;
}

export interface ModuleSource {
  file?: string;
  name?: string;
  arch?: Arch;
  base?: number;
  entry?: string;
  exports: { name: string; line: number }[];
  text: SourceStatement[];
  data: SourceStatement[];
  functions: FunctionDeclaration[];
  /** Labels defined in the data section, in order: the module's data symbols. */
  dataLabels: string[];
  /** Every label the source defines, in either section. */
  labels: Set<string>;
  /** Directives this reader does not know, for headers built on top of it (patch sources). */
  extraDirectives: { name: string; args: string[]; line: number; text: string }[];
}

/** End label of a function, placed by `.endfunc`. */
export function functionEndLabel(name: string): string {
  return `__hp_end_${name}`;
}

const IDENTIFIER = /^[A-Za-z_.$][\w.$]*$/;
const LABEL = /^([A-Za-z_.$][\w.$]*):/;

/** Our directives; any other directive is Keystone's. */
export const HEADER_DIRECTIVES: ReadonlySet<string> = new Set(['.module', '.arch', '.base', '.entry', '.export', '.func', '.endfunc',
  '.text', '.data']);

export function stripComment(line: string, arch: Arch): string {
  let quote = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"' && line[i - 1] !== '\\') quote = !quote;
    if (quote) continue;
    if (c === '/' && line[i + 1] === '/') return line.slice(0, i);
    if (arch === 'x64' && (c === ';' || c === '#')) return line.slice(0, i);
  }
  return line;
}

export function parseNumber(text: string): number | undefined {
  const t = text.trim().replace(/_/g, '');
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(t)) return undefined;
  const value = Number(t);
  return Number.isSafeInteger(value) ? value : undefined;
}

/**
 * Splits a module source into header facts and Keystone statements.
 * `extraDirectiveNames` lets a caller (the patch toolchain) claim more directives.
 */
export function readModuleSource(source: string, arch: Arch, options: { file?: string;
  extraDirectiveNames?: ReadonlySet<string> } = {}): ModuleSource {
  const result: ModuleSource = {
    file: options.file, exports: [], text: [], data: [], functions: [], dataLabels: [], labels: new Set(),
    extraDirectives: [],
  };
  const fail = (message: string, line: number, text: string): never => {
    throw new AssemblyError(message, line, text, options.file);
  };
  let section: 'text' | 'data' = 'text';
  let openFunction: FunctionDeclaration | undefined;
  const lines = source.split(/\r?\n/);

  lines.forEach((raw, index) => {
    const line = index + 1;
    let rest = stripComment(raw, arch).trim();
    // Labels first: "name:" possibly followed by a statement.
    for (let m = LABEL.exec(rest); m; m = LABEL.exec(rest)) {
      const label = m[1]!;
      if (result.labels.has(label)) fail(`label "${label}" is defined twice`, line, raw);
      result.labels.add(label);
      (section === 'text' ? result.text : result.data).push({ text: `${label}:`, line });
      if (section === 'data') result.dataLabels.push(label);
      rest = rest.slice(m[0].length).trim();
    }
    if (!rest) return;
    const [word = '', ...args] = rest.split(/[\s,]+/).filter(Boolean);
    const directive = word.toLowerCase();
    if (options.extraDirectiveNames?.has(directive)) {
      result.extraDirectives.push({ name: directive, args, line, text: raw });
      return;
    }
    if (!HEADER_DIRECTIVES.has(directive)) {
      (section === 'text' ? result.text : result.data).push({ text: rest, line });
      return;
    }
    const one = (): string => {
      if (args.length !== 1) fail(`${directive} takes one argument`, line, raw);
      return args[0]!;
    };
    const name = (): string => {
      const value = one();
      if (!IDENTIFIER.test(value)) fail(`"${value}" is not a valid symbol name`, line, raw);
      return value;
    };
    switch (directive) {
      case '.module': result.name = name(); break;
      case '.arch': {
        const value = one().toLowerCase();
        const declared = archNamed(value) ?? fail(`unknown architecture "${value}"`, line, raw);
        if (declared !== arch) fail(`source is for ${declared} but is being assembled for ${arch}`, line, raw);
        result.arch = declared;
        break;
      }
      case '.base': {
        const value = parseNumber(one());
        if (value === undefined || value % 0x1000 !== 0) fail('.base needs a page-aligned address', line, raw);
        result.base = value;
        break;
      }
      case '.entry': result.entry = name(); break;
      case '.export': for (const n of args) {
        if (!IDENTIFIER.test(n)) fail(`"${n}" is not a valid symbol name`, line, raw);
        result.exports.push({ name: n, line });
      } break;
      case '.text': section = 'text'; break;
      case '.data':
        if (openFunction) fail(`.data inside function "${openFunction.name}" (missing .endfunc)`, line, raw);
        section = 'data';
        break;
      case '.func': {
        if (section !== 'text') fail('.func is only allowed in the .text section', line, raw);
        if (openFunction) fail(`.func inside function "${openFunction.name}" (missing .endfunc)`, line, raw);
        const fn = { name: name(), line };
        if (result.labels.has(fn.name)) fail(`label "${fn.name}" is defined twice`, line, raw);
        result.labels.add(fn.name);
        result.text.push({ text: `${fn.name}:`, line });
        result.functions.push(fn);
        openFunction = fn;
        break;
      }
      case '.endfunc': {
        if (!openFunction) fail('.endfunc without .func', line, raw);
        result.text.push({ text: `${functionEndLabel(openFunction!.name)}:`, line });
        openFunction = undefined;
        break;
      }
    }
  });
  if (openFunction) fail(`function "${openFunction.name}" has no .endfunc`, openFunction.line, lines[openFunction.line - 1]!);
  return result;
}
