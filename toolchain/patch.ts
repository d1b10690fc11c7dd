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
//   .extern rh = mathlib!round_half_even                    ; the name "rh" = an export of another module
//
// Patch code may name the base module's symbols and other modules' exports directly (`call
// price_with_tax`, `bl round_half_even`, `adrp x0, tax_rate`): each such reference becomes a
// relocation the engine resolves when it applies the patch (patch-relocations.ts). A name the patch
// does not define is a symbol of the base module, else the one module's export of that name, unless
// `.extern` says otherwise. Slots are 8-byte cells the toolchain adds to the data section and the
// engine fills when it applies the patch, for an indirection through memory (Windows' __ref_
// pointers). Code reaches slots and its own code and data PC-relatively, so the image runs wherever
// it is mapped.
import type { Arch } from '../core/arch.ts';
import { hex } from '../core/hex.ts';
import { assembleParsed } from './assemble.ts';
import { moduleIdentity } from '../core/identity.ts';
import type { GuestModule, ModuleSymbol } from '../core/module.ts';
import { type PatchImageContents, PatchImageLimitError, writePatchImage } from './patch-image-writer.ts';
import {
  type ExternalSymbol, MAX_EXTERNAL_SYMBOLS, type Trial, type TrialBuild, checkRelocations, findRelocations, isMarker, markStatements, trialSource,
  trials, withoutArea,
} from './patch-relocations.ts';
import { AssemblyError, type ModuleSource, parseNumber, readModuleSource, stripComment } from './source.ts';

export const PATCH_DIRECTIVES: ReadonlySet<string> = new Set(['.patch', '.sequence', '.base', '.redirect', '.import', '.baseref',
  '.extern']);
const IDENTIFIER = /^[A-Za-z_.$][\w.$]*$/;

/** Two load addresses the patch is assembled at: bytes that differ between them are not position-independent. */
const TRIAL_BASES = [0x1000_0000, 0x2345_6000] as const;

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
  externs: { name: string; module: string; symbol: string; line: number }[];
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

  // Two trial builds at two addresses, with the external symbols at addresses of their own in each.
  const externals = externalSymbols(parsed, header, base, options.modules ?? [], fail);
  const { parsed: marked, markers } = markStatements(parsed, externals);
  const name = `${header.module}.patch${header.sequence}`;
  // One after the other, so that a source that does not assemble is explained once; the second build
  // is compared byte for byte with the first, which checked every statement.
  const build = async (trial: Trial, check: boolean): Promise<TrialBuild> => {
    const module = await assembleParsed(trialSource(marked, externals, trial), arch, { file, name, base: trial.base - trial.area, check })
      .catch((error: unknown) => { throw explainUnknownName(error, base); });
    return { trial, module: withoutArea(module, trial) };
  };
  const [first, second] = trials(externals, TRIAL_BASES);
  const builds: [TrialBuild, TrialBuild] = [await build(first, true), await build(second, false)];
  const found = await findRelocations(arch, builds, markers, fail);
  checkPositionIndependent(builds[0].module, builds[1].module, found.covered, fail);
  const assembled = { ...builds[0].module, symbols: builds[0].module.symbols.filter((s) => !isMarker(s.name)) };

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

  const relocations = found.relocations.map(({ line: _line, ...r }) => r);
  let image: Uint8Array;
  try {
    image = writePatchImage({
      arch, sequence: header.sequence!, module: header.module!, baseIdentity,
      code: assembled.code, data: assembled.data, redirects, imports, baseReferences, relocations,
    });
  } catch (error) {
    // The format's limits, in the engine's words, at the line of the entry concerned.
    if (!(error instanceof PatchImageLimitError)) throw error;
    const entries = { redirects: header.redirects, imports: header.imports, baseReferences: header.baseReferences,
      relocations: found.relocations };
    const line = error.entry ? entries[error.entry.table][error.entry.index]?.line : undefined;
    return fail(`the patch cannot be built: ${error.message}`, line);
  }
  if (relocations.length > 0) {
    // The engine, resolving the relocations at each trial's addresses, must give the assembler's bytes.
    const mismatch = await checkRelocations(arch, image, builds, externals);
    if (mismatch) {
      const culprit = found.relocations.find((r) => r.section === mismatch.section && mismatch.offset >= r.offset && mismatch.offset < r.offset + 8);
      fail(`the relocation made of this line does not give the assembler's bytes at ${mismatch.section}+${hex(mismatch.offset)} ` +
        `when resolved (trial build ${mismatch.build + 1})`, culprit?.line);
    }
  }
  return {
    image, module: header.module!, sequence: header.sequence!, baseIdentity, assembled: assembled!,
    functions: assembled!.symbols.filter((s) => s.kind === 'function')
      .map((s) => ({ name: s.name, offset: s.address - assembled!.base, size: s.size })),
  };
}

function readPatchHeader(directives: Directive[], fail: (message: string, line?: number, text?: string) => never): PatchHeader {
  const header: PatchHeader = { redirects: [], imports: [], baseReferences: [], externs: [] };
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
      case '.extern': {
        const [name, what] = assignment(d, '.extern <name> = <module>!<symbol>');
        const [module, symbol, ...rest] = what.split('!');
        if (rest.length > 0 || symbol === undefined) fail('.extern takes "<name> = <module>!<symbol>"', d.line, d.text);
        header.externs.push({ name, module: identifier(module, d), symbol: identifier(symbol, d), line: d.line });
        break;
      }
    }
  }
  return header;
}

/** The same source assembled at two addresses must give the same bytes, but in the fields of relocations. */
function checkPositionIndependent(a: GuestModule, b: GuestModule, covered: { code: Set<number>; data: Set<number> },
  fail: (message: string) => never): void {
  const sections: ['code' | 'data', Uint8Array, Uint8Array, number][] = [
    ['code', a.code, b.code, a.base], ['data', a.data, b.data, a.dataAddress]];
  for (const [section, x, y, start] of sections) {
    const length = Math.max(x.length, y.length);
    for (let i = 0; i < length; i++) {
      if (x[i] === y[i] || covered[section].has(i)) continue;
      const symbol = a.symbols.filter((s) => s.address <= start + i && !isMarker(s.name)).sort((p, q) => q.address - p.address)[0];
      const place = symbol ? `${symbol.name}+${hex(start + i - symbol.address)}` : `${section}+${hex(i)}`;
      fail(`the patch is not position-independent: its ${section} bytes at ${place} depend on the address it is loaded at; ` +
        'address patch code and data relative to the program counter (or with 64-bit absolute addresses), and reach the ' +
        'program by name or through .import and .baseref slots');
    }
  }
}

/**
 * The names patch code uses that it does not define, with what each means: an `.extern`, a symbol
 * of the base module, or the one export of that name among the program's other modules.
 */
function externalSymbols(parsed: ModuleSource, header: PatchHeader, base: GuestModule, modules: readonly GuestModule[],
  fail: (message: string, line?: number) => never): ExternalSymbol[] {
  const declared = new Map<string, PatchHeader['externs'][number]>();
  for (const e of header.externs) {
    if (declared.has(e.name)) fail(`"${e.name}" is declared with .extern twice`, e.line);
    if (parsed.labels.has(e.name)) fail(`"${e.name}" is declared with .extern but the patch defines it`, e.line);
    const provider = e.module === base.name ? base : modules.find((m) => m.name === e.module);
    if (e.module === base.name) {
      if (!base.symbols.some((s) => s.name === e.symbol)) fail(`the base module ${base.name} has no symbol "${e.symbol}"`, e.line);
    } else if (modules.length > 0) {
      if (!provider) fail(`.extern ${e.module}!${e.symbol}: the program has no module "${e.module}"`, e.line);
      if (!provider!.exports.includes(e.symbol)) fail(`.extern ${e.module}!${e.symbol}: module ${e.module} does not export "${e.symbol}"`, e.line);
    }
    declared.set(e.name, e);
  }
  const namesOf = (text: string): string[] => text.match(/[A-Za-z_.$][\w.$]*/g) ?? [];
  const used = new Set([...parsed.text, ...parsed.data].flatMap((s) => namesOf(s.text)));
  const externals: ExternalSymbol[] = [];
  for (const name of used) {
    if (parsed.labels.has(name)) continue;
    const e = declared.get(name);
    if (e) {
      externals.push(e.module === base.name ? { name, target: 'base', symbol: e.symbol }
        : { name, target: 'export', module: e.module, symbol: e.symbol });
      continue;
    }
    if (base.symbols.some((s) => s.name === name)) {
      externals.push({ name, target: 'base', symbol: name });
      continue;
    }
    const providers = modules.filter((m) => m.name !== base.name && m.exports.includes(name));
    if (providers.length > 1) {
      const line = [...parsed.text, ...parsed.data].find((s) => namesOf(s.text).includes(name))?.line;
      fail(`"${name}" is exported by ${providers.map((m) => m.name).join(' and ')}: say which with ` +
        `".extern ${name} = ${providers[0]!.name}!${name}"`, line);
    }
    if (providers.length === 1) externals.push({ name, target: 'export', module: providers[0]!.name, symbol: name });
  }
  if (externals.length > MAX_EXTERNAL_SYMBOLS) {
    fail(`the patch names ${externals.length} symbols of other modules; a patch may name at most ${MAX_EXTERNAL_SYMBOLS} ` +
      '(reach more through .import and .baseref slots)');
  }
  return externals;
}

/** Keystone only says a symbol is missing; say what a name the patch does not define may be. */
function explainUnknownName(error: unknown, base: GuestModule): unknown {
  if (!(error instanceof AssemblyError) || !/symbol/i.test(error.message)) return error;
  return new AssemblyError(`${error.message}; a name the patch does not define must be a symbol of the base module ` +
    `${base.name}, an export of another of the program's modules, or declared with ".extern <name> = <module>!<symbol>"`,
  error.line, error.lineText, error.file);
}
