// Builds a patch image from patch source: module source (toolchain/source.ts) plus a header that
// says which module the patch is for and how it connects to the running program.
//
//   .patch pricing                        ; the module the patch is for
//   .sequence 2                           ; higher than the patch it replaces
//   .base sha256:3fa1...                  ; optional: refuse to build against any other build
//   .redirect price_with_tax -> fixed_price                 ; replace mode
//   .redirect format_cents -> logged_format hook original   ; hook mode; slot "original" = trampoline
//   .import round = mathlib!round_half_even                 ; slot "round" = an export of another module
//   .baseref rate = tax_rate                                ; slot "rate" = a symbol of the base module
//
// Slots are 8-byte cells the toolchain adds to the data section and the engine fills when it
// applies the patch; code reaches them PC-relatively, so the image runs wherever it is mapped.
import type { Arch } from '../core/arch.ts';
import { hex } from '../core/hex.ts';
import { assembleParsed } from './assemble.ts';
import { moduleIdentity } from '../core/identity.ts';
import type { GuestModule, ModuleSymbol } from '../core/module.ts';
import { type PatchImageContents, PatchImageLimitError, writePatchImage } from './patch-image-writer.ts';
import { AssemblyError, parseNumber, readModuleSource, stripComment } from './source.ts';

export const PATCH_DIRECTIVES: ReadonlySet<string> = new Set(['.patch', '.sequence', '.base', '.redirect', '.import', '.baseref']);
const IDENTIFIER = /^[A-Za-z_.$][\w.$]*$/;

/** Two load addresses the patch is assembled at: bytes that differ between them are not position-independent. */
const TRIAL_BASES = [0x1000_0000, 0x2345_6000];

export interface PatchBuildOptions {
  file?: string;
  /** The base module the patch is built against (its identity goes into the image); default: the module `.patch` names in `modules`. */
  base?: GuestModule;
  /** The program's modules, to find the base and check imports at build time (the engine checks again when applying). */
  modules?: readonly GuestModule[];
}

export interface BuiltPatch {
  image: Uint8Array;
  /** Module the patch is for. */
  module: string;
  sequence: number;
  baseIdentity: string;
  /** The patch assembled at a nominal address, for listings. */
  assembled: GuestModule;
  /** Functions of the patch by offset in its code section. */
  functions: { name: string; offset: number; size: number }[];
}

interface Directive { name: string; args: string[]; line: number; text: string }

interface PatchHeader {
  module?: string;
  sequence?: number;
  pinnedIdentity?: { digest: string; line: number };
  redirects: { base: string; replacement: string; mode: 'replace' | 'hook'; slot?: string; line: number }[];
  imports: { slot: string; module: string; symbol: string; line: number }[];
  baseReferences: { slot: string; symbol: string; line: number }[];
}

/** The module a patch source's ".patch" line names, read without building it (undefined without one). */
export function patchTarget(source: string, arch: Arch): string | undefined {
  const text = source.split('\n').map((line) => stripComment(line, arch)).join('\n');
  return /^\s*\.patch\s+([\w.$]+)/m.exec(text)?.[1];
}

export async function buildPatch(source: string, arch: Arch, options: PatchBuildOptions): Promise<BuiltPatch> {
  const file = options.file;
  const parsed = readModuleSource(source, arch, { file, extraDirectiveNames: PATCH_DIRECTIVES });
  const fail = (message: string, line?: number, text?: string): never => {
    throw new AssemblyError(message, line, text, file);
  };
  if (parsed.name !== undefined) fail('a patch source names the module it patches with ".patch <module>", not ".module"');
  if (parsed.entry !== undefined) fail('a patch has no entry point (.entry); it is entered through its redirects');
  if (parsed.exports.length > 0) fail('a patch exports nothing (.export)', parsed.exports[0]!.line);

  const header = readPatchHeader(parsed.extraDirectives, fail);
  if (!header.module) fail('the source has no ".patch <module>" line naming the module it patches');
  if (header.sequence === undefined) fail('the source has no ".sequence <n>" line (n >= 1, higher than the patch it replaces)');
  const base = options.base ?? options.modules?.find((m) => m.name === header.module)
    ?? fail(`the patch is for module "${header.module}", which is not among the program's modules`);
  if (base.arch !== arch) fail(`the base module ${base.name} is ${base.arch} code, the patch is being built for ${arch}`);
  if (base.name !== header.module) {
    fail(`the patch is for module "${header.module}" but is being built against module "${base.name}"`);
  }
  const baseIdentity = await moduleIdentity(base);
  if (header.pinnedIdentity && header.pinnedIdentity.digest !== baseIdentity) {
    fail(`the patch pins base sha256:${header.pinnedIdentity.digest} but the module it is built against is ` +
      `sha256:${baseIdentity}`, header.pinnedIdentity.line);
  }

  // Slots: one 8-byte cell per import, base reference and hook trampoline, after the patch's own data.
  const slotNames: { name: string; line: number }[] = [
    ...header.redirects.filter((r) => r.slot).map((r) => ({ name: r.slot!, line: r.line })),
    ...header.imports.map((i) => ({ name: i.slot, line: i.line })),
    ...header.baseReferences.map((b) => ({ name: b.slot, line: b.line })),
  ];
  const seenSlots = new Set<string>();
  for (const slot of slotNames) {
    if (seenSlots.has(slot.name)) fail(`slot "${slot.name}" is declared twice`, slot.line);
    if (parsed.labels.has(slot.name)) fail(`slot "${slot.name}" has the name of a label the patch defines`, slot.line);
    seenSlots.add(slot.name);
  }
  if (slotNames.length > 0) {
    parsed.data.push({ text: '.p2align 3', line: 0 });
    for (const slot of slotNames) {
      parsed.data.push({ text: `${slot.name}:`, line: slot.line }, { text: '.quad 0', line: slot.line });
      parsed.labels.add(slot.name);
      parsed.dataLabels.push(slot.name);
    }
  }

  const name = `${header.module}.patch${header.sequence}`;
  // One after the other, so that a source that does not assemble is explained once; the second build
  // is compared byte for byte with the first, which checked every statement.
  const trial = (at: number, check: boolean) => assembleParsed(parsed, arch, { file, name, base: at, check })
    .catch((error: unknown) => {
      throw explainMissingBaseSymbol(error, base, parsed.labels);
    });
  const assembled = await trial(TRIAL_BASES[0]!, true);
  const moved = await trial(TRIAL_BASES[1]!, false);
  checkPositionIndependent(assembled, moved, fail);

  const patchSymbol = (symbolName: string) => assembled!.symbols.find((s) => s.name === symbolName);
  const baseFunction = (symbolName: string, line: number): ModuleSymbol => {
    const symbol = base.symbols.find((s) => s.name === symbolName);
    if (!symbol) return fail(`the base module ${base.name} has no function "${symbolName}"`, line);
    if (symbol.kind !== 'function') return fail(`"${symbolName}" in ${base.name} is data, not a function`, line);
    return symbol;
  };
  const slotOffset = (slot: string) => patchSymbol(slot)!.address - assembled!.dataAddress;

  const seenBases = new Set<string>();
  const redirects: PatchImageContents['redirects'] = header.redirects.map((r) => {
    if (seenBases.has(r.base)) fail(`${r.base} is redirected twice`, r.line);
    seenBases.add(r.base);
    const target = baseFunction(r.base, r.line);
    const replacement = patchSymbol(r.replacement);
    if (!replacement || replacement.kind !== 'function') {
      fail(`the new function "${r.replacement}" is not defined in the patch (.func ${r.replacement} ... .endfunc)`, r.line);
    }
    if (replacement!.size === 0) fail(`the new function "${r.replacement}" is empty`, r.line);
    return {
      base: r.base, baseOffset: target.address - base.base, baseSize: target.size,
      newOffset: replacement!.address - assembled!.base, newSize: replacement!.size, mode: r.mode,
      ...(r.slot ? { slot: slotOffset(r.slot) } : {}),
    };
  });
  const imports = header.imports.map((i) => {
    const provider = options.modules?.find((m) => m.name === i.module);
    if (options.modules && !provider) fail(`import ${i.module}!${i.symbol}: the program has no module "${i.module}"`, i.line);
    if (provider && !provider.exports.includes(i.symbol)) {
      fail(`import ${i.module}!${i.symbol}: module ${i.module} does not export "${i.symbol}"`, i.line);
    }
    return { module: i.module, symbol: i.symbol, slot: slotOffset(i.slot) };
  });
  const baseReferences = header.baseReferences.map((b) => {
    if (!base.symbols.some((s) => s.name === b.symbol)) fail(`the base module ${base.name} has no symbol "${b.symbol}"`, b.line);
    return { symbol: b.symbol, slot: slotOffset(b.slot) };
  });

  let image: Uint8Array;
  try {
    image = writePatchImage({
      arch, sequence: header.sequence!, module: header.module!, baseIdentity,
      code: assembled!.code, data: assembled!.data, redirects, imports, baseReferences,
    });
  } catch (error) {
    // The format's limits, in the engine's words, at the line of the entry concerned.
    if (!(error instanceof PatchImageLimitError)) throw error;
    const entries = { redirects: header.redirects, imports: header.imports, baseReferences: header.baseReferences, relocations: [] };
    const line = error.entry ? entries[error.entry.table][error.entry.index]?.line : undefined;
    return fail(`the patch cannot be built: ${error.message}`, line);
  }
  return {
    image, module: header.module!, sequence: header.sequence!, baseIdentity, assembled: assembled!,
    functions: assembled!.symbols.filter((s) => s.kind === 'function')
      .map((s) => ({ name: s.name, offset: s.address - assembled!.base, size: s.size })),
  };
}

function readPatchHeader(directives: Directive[], fail: (message: string, line?: number, text?: string) => never): PatchHeader {
  const header: PatchHeader = { redirects: [], imports: [], baseReferences: [] };
  const identifier = (value: string | undefined, d: Directive): string => {
    if (value === undefined || !IDENTIFIER.test(value)) fail(`"${value ?? ''}" is not a valid symbol name`, d.line, d.text);
    return value!;
  };
  /** `<slot> = <what>` */
  const assignment = (d: Directive, usage: string): [string, string] => {
    if (d.args.length !== 3 || d.args[1] !== '=') fail(`${d.name} takes "${usage}"`, d.line, d.text);
    return [identifier(d.args[0], d), d.args[2]!];
  };
  for (const d of directives) {
    switch (d.name) {
      case '.patch':
        if (header.module) fail('.patch appears twice', d.line, d.text);
        if (d.args.length !== 1) fail('.patch takes one module name', d.line, d.text);
        header.module = identifier(d.args[0], d);
        break;
      case '.sequence': {
        const value = d.args.length === 1 ? parseNumber(d.args[0]!) : undefined;
        if (value === undefined || value < 1 || value > 0xffffffff) fail('.sequence needs a whole number from 1 to 4294967295', d.line, d.text);
        if (header.sequence !== undefined) fail('.sequence appears twice', d.line, d.text);
        header.sequence = value;
        break;
      }
      case '.base': {
        const match = d.args.length === 1 ? /^sha256:([0-9a-f]{64})$/i.exec(d.args[0]!) : null;
        if (!match) fail('.base takes the identity of the base build: sha256:<64 hex digits>', d.line, d.text);
        header.pinnedIdentity = { digest: match![1]!.toLowerCase(), line: d.line };
        break;
      }
      case '.redirect': {
        const [base, arrow, replacement, mode, slot] = d.args;
        const usage = '.redirect <base function> -> <new function> [hook <trampoline slot>]';
        if (arrow !== '->' || !(d.args.length === 3 || (d.args.length === 5 && mode === 'hook'))) fail(usage, d.line, d.text);
        header.redirects.push({ base: identifier(base, d), replacement: identifier(replacement, d),
          mode: slot ? 'hook' : 'replace', ...(slot ? { slot: identifier(slot, d) } : {}), line: d.line });
        break;
      }
      case '.import': {
        const [slot, what] = assignment(d, '.import <slot> = <module>!<symbol>');
        const [module, symbol, ...rest] = what.split('!');
        if (rest.length > 0 || symbol === undefined) fail('.import takes "<slot> = <module>!<symbol>"', d.line, d.text);
        header.imports.push({ slot, module: identifier(module, d), symbol: identifier(symbol, d), line: d.line });
        break;
      }
      case '.baseref': {
        const [slot, symbol] = assignment(d, '.baseref <slot> = <base symbol>');
        header.baseReferences.push({ slot, symbol: identifier(symbol, d), line: d.line });
        break;
      }
    }
  }
  return header;
}

/** The same source assembled at two addresses must give the same bytes. */
function checkPositionIndependent(a: GuestModule, b: GuestModule, fail: (message: string) => never): void {
  const sections: [string, Uint8Array, Uint8Array, number][] = [
    ['code', a.code, b.code, a.base], ['data', a.data, b.data, a.dataAddress]];
  for (const [section, x, y, start] of sections) {
    const length = Math.max(x.length, y.length);
    for (let i = 0; i < length; i++) {
      if (x[i] === y[i]) continue;
      const symbol = a.symbols.filter((s) => s.address <= start + i).sort((p, q) => q.address - p.address)[0];
      const place = symbol ? `${symbol.name}+${hex(start + i - symbol.address)}` : `${section}+${hex(i)}`;
      fail(`the patch is not position-independent: its ${section} bytes at ${place} depend on the address it is loaded at; ` +
        'address patch code and data relative to the program counter, and reach the program through .import and .baseref slots');
    }
  }
}

/** Keystone only says a symbol is missing; say which base symbol it is and how to reach it. */
function explainMissingBaseSymbol(error: unknown, base: GuestModule, defined: Set<string>): unknown {
  if (!(error instanceof AssemblyError) || !error.lineText) return error;
  const words = error.lineText.match(/[A-Za-z_.$][\w.$]*/g) ?? [];
  const used = words.find((w) => !defined.has(w) && base.symbols.some((s) => s.name === w));
  if (!used) return error;
  return new AssemblyError(`${error.message}; "${used}" belongs to the base module ${base.name}: ` +
    `declare ".baseref <slot> = ${used}" and reach it through the slot`, error.line, error.lineText, error.file);
}
