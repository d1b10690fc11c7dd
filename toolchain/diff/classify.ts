// Classifies every symbol of an edit: the running build of a module against an edited source of it.
//
//   changed function        redirected (replace mode) to its new body, carried in the patch
//   new function            carried in the patch
//   unchanged function      left as it runs; reached through a relocation when changed code uses it
//   existing global         the running program's own data, reached through a relocation
//   new global              carried in the patch's data
//   removed                 stays in the running program, unused by the new code
//   rude                    refused: changed initial value, size or type of an existing global, a
//                           removed, renamed or added export, a changed module header, code outside
//                           a function
//
// A changed function that is running and is never called again (the entry function in its loop) is
// redirected like any other, with a warning: the new body runs from the next call on.
import type { Arch } from '../../core/arch.ts';
import { hex } from '../../core/hex.ts';
import type { GuestModule, ModuleSymbol } from '../../core/module.ts';
import { type DiffBuild } from './build.ts';
import type { SourceStatement } from '../source.ts';
import { AddressNames, type Reference, referenceText, type Symbolised, symboliseData, symboliseFunction } from './symbolise.ts';

export type SymbolClass =
  | 'changed' // a function whose code changed: redirected to its new body
  | 'new' // a function the edit adds: carried in the patch
  | 'unchanged' // a function or global as it was, which changed code does not use
  | 'base' // unchanged, used by changed code: reached through a relocation to the running base
  | 'import' // another module's export that changed code uses: reached through a relocation
  | 'new-global' // a global the edit adds: carried in the patch's data
  | 'removed' // gone from the edited source: stays in the running program, unused by the new code
  | 'rude'; // an edit a running program cannot take

export interface SymbolDiff {
  name: string;
  kind: 'function' | 'data' | 'header' | 'text';
  class: SymbolClass;
  /** Why, in a sentence. */
  reason: string;
  /** A caution that does not stop the edit. */
  warning?: string;
  /** Line in the edited source (or the base source, for what the edit removed). */
  line?: number;
}

export interface ModuleDiff {
  arch: Arch;
  module: string;
  symbols: SymbolDiff[];
  /** True when some edit is rude: no patch is made. */
  rude: boolean;
  /** Functions the patch carries, in the edited source's order, and those of them that replace a base function. */
  carried: string[];
  redirected: string[];
  /** Globals the patch carries. */
  newGlobals: string[];
  /** Carried functions whose last instruction runs on into the next function: that function's name. */
  fallsInto: Record<string, string>;
  /** Carried functions whose last instruction runs on past the end of the code (the patch stops them with a trap). */
  runsOff: string[];
}

/** The references each function of a build makes, and its symbolised form. */
interface Analysed {
  functions: Map<string, Symbolised>;
  data: Map<string, Symbolised>;
}

async function analyse(build: DiffBuild, others: readonly GuestModule[]): Promise<Analysed> {
  const names = new AddressNames(build.module, others);
  const functions = new Map<string, Symbolised>();
  const data = new Map<string, Symbolised>();
  for (const symbol of build.module.symbols) {
    if (symbol.kind === 'function') functions.set(symbol.name, await symboliseFunction(build.module.arch, build.module, symbol, names));
    else data.set(symbol.name, symboliseData(build.module, symbol, names));
  }
  return { functions, data };
}

const named = (ref: Reference): string | undefined => (ref.kind === 'symbol' ? ref.name : undefined);

/** Compares two builds; `others` are the modules loaded before the module (their exports may be used). */
export async function classifyEdit(base: DiffBuild, edited: DiffBuild, others: readonly GuestModule[]): Promise<ModuleDiff> {
  const arch = base.module.arch;
  const symbols: SymbolDiff[] = [];
  const rude = (name: string, kind: SymbolDiff['kind'], reason: string, line?: number) =>
    symbols.push({ name, kind, class: 'rude', reason, ...(line === undefined ? {} : { line }) });
  const baseLine = (name: string) => base.functionLines.get(name)?.first ?? base.dataStatements.get(name)?.[0]?.line;
  const editedLine = (name: string) => edited.functionLines.get(name)?.first ?? edited.dataStatements.get(name)?.[0]?.line;
  // Where a rude edit is in the edited source: the directive's line, or a global's first statement that changed.
  const headerLine = (directive: string) => directiveLine(edited.source.text, directive);
  const changedDataLine = (name: string) => firstChangedLine(base.dataStatements.get(name) ?? [], edited.dataStatements.get(name) ?? [])
    ?? editedLine(name);

  // The module header.
  const [b, e] = [base.module, edited.module];
  if (b.name !== e.name) {
    rude('.module', 'header', `the module is loaded as "${b.name}"; a patch for it cannot rename it to "${e.name}" ` +
      '(keep the name; a module of another name is a new program)', headerLine('.module'));
  }
  if (b.base !== e.base) {
    rude('.base', 'header', `the module is loaded at ${hex(b.base)} and cannot move to ${hex(e.base)} while it runs ` +
      '(keep its .base; a patch is mapped wherever there is room, and needs no address of its own)', headerLine('.base'));
  }
  if ((b.entry ?? '') !== (e.entry ?? '')) {
    rude('.entry', 'header', `the program already started at ${b.entry ?? 'no entry'}; changing the entry to ` +
      `${e.entry ?? 'none'} takes effect only when it starts again (edit the function instead, or restart the program)`, headerLine('.entry'));
  }
  for (const name of b.exports.filter((n) => !e.exports.includes(n))) {
    const renamed = e.exports.filter((n) => !b.exports.includes(n));
    rude(name, 'header', `the export "${name}" is ${renamed.length === 1 ? `renamed to "${renamed[0]}"` : 'removed'}; modules ` +
      'and patches loaded with the program may use it by name, and a running module\'s exports cannot change ' +
      '(keep the export, and change what the function does)',
    // The new name's .export line; for a removed export, the function (or, gone too, where it was in the base source).
    renamed.length === 1 ? edited.parsed.exports.find((x) => x.name === renamed[0])?.line : editedLine(name) ?? baseLine(name));
  }
  for (const name of e.exports.filter((n) => !b.exports.includes(n))) {
    if (b.exports.filter((n) => !e.exports.includes(n)).length === 1) continue; // said above, as a rename
    rude(name, 'header', `the edit adds the export "${name}"; a running module's exports are those it was loaded with ` +
      '(patches of other modules can reach it once it is loaded with the module)', edited.parsed.exports.find((x) => x.name === name)?.line);
  }

  // Code outside functions cannot be redirected.
  const outside = (build: DiffBuild) => build.outsideStatements.map((s) => s.text.replace(/\s+/g, ' ')).join('\n');
  if (outside(base) !== outside(edited)) {
    const first = edited.outsideStatements.find((s, i) => s.text !== base.outsideStatements[i]?.text)
      ?? base.outsideStatements[edited.outsideStatements.length];
    rude('.text', 'text', 'code outside every .func ... .endfunc changed; only whole functions can be redirected ' +
      '(put the code in a function)', first?.line);
  }

  const [was, now] = await Promise.all([analyse(base, others), analyse(edited, others)]);
  const baseSymbol = (name: string) => b.symbols.find((s) => s.name === name);
  const editedSymbol = (name: string) => e.symbols.find((s) => s.name === name);

  // Globals.
  const newGlobals: string[] = [];
  for (const symbol of e.symbols.filter((s) => s.kind === 'data')) {
    const before = baseSymbol(symbol.name);
    if (!before) {
      newGlobals.push(symbol.name);
      continue;
    }
    if (before.kind !== 'data') {
      rude(symbol.name, 'data', `"${symbol.name}" is a function in the running program and cannot become data ` +
        '(give the new global a name of its own)', editedLine(symbol.name));
    } else if (before.size !== symbol.size) {
      rude(symbol.name, 'data', `the global "${symbol.name}" changes size from ${before.size} to ${symbol.size} bytes; its live ` +
        'data already exists at its address in the running program, and code that is not patched uses it there ' +
        '(add a new global for the new layout, and change the functions that use it)', changedDataLine(symbol.name));
    } else if (was.data.get(symbol.name)!.key !== now.data.get(symbol.name)!.key) {
      rude(symbol.name, 'data', `the initial value of "${symbol.name}" changed; the running program's copy was set when it ` +
        'was loaded and may have changed since, and an initial value only takes effect at load ' +
        '(to change the value now, have a changed function store it, or restart the program)', changedDataLine(symbol.name));
    }
  }

  // Functions.
  const changed = new Map<string, string>();
  const added: string[] = [];
  for (const symbol of e.symbols.filter((s) => s.kind === 'function')) {
    const before = baseSymbol(symbol.name);
    if (!before) {
      added.push(symbol.name);
      continue;
    }
    if (before.kind !== 'function') {
      rude(symbol.name, 'function', `"${symbol.name}" is data in the running program and cannot become a function ` +
        '(give the new function a name of its own)', editedLine(symbol.name));
      continue;
    }
    const old = was.functions.get(symbol.name)!;
    const fresh = now.functions.get(symbol.name)!;
    if (old.key !== fresh.key) changed.set(symbol.name, describeChange(before, symbol, old, fresh));
  }

  // What the patch must carry: changed and new functions, and any function whose inside (not its
  // start) carried code refers to, or that refers to the inside of a replaced function.
  const carried = new Set([...changed.keys(), ...added]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [name, analysed] of now.functions) {
      for (const ref of analysed.references) {
        if (ref.kind !== 'symbol' || ref.offset === 0 || editedSymbol(ref.name)?.kind !== 'function') continue;
        // name -> inside of ref.name
        const pair: [string, string][] = [[name, ref.name], [ref.name, name]];
        for (const [from, to] of pair) {
          if (carried.has(from) && !carried.has(to) && baseSymbol(to)) {
            carried.add(to);
            changed.set(to, `carried with ${from}, ${from === name ? `which jumps into it (at +${hex(ref.offset)})` : 'into which it jumps'}`);
            grew = true;
          }
        }
      }
    }
  }

  // Everything changed code uses.
  const used = new Map<string, string>();
  const imports = new Map<string, string>();
  for (const name of carried) {
    for (const ref of now.functions.get(name)!.references) {
      if (ref.kind === 'external') imports.set(`${ref.module}!${ref.name}`, name);
      const target = named(ref);
      if (target !== undefined && !carried.has(target) && !used.has(target)) used.set(target, name);
    }
  }
  for (const name of newGlobals) {
    for (const ref of now.data.get(name)!.references) {
      if (ref.kind === 'external') imports.set(`${ref.module}!${ref.name}`, name);
      const target = named(ref);
      if (target !== undefined && !carried.has(target) && !newGlobals.includes(target) && !used.has(target)) used.set(target, name);
    }
  }

  const entry = e.entry;
  const callers = (name: string) => [...now.functions].filter(([, f]) => f.references.some((r) => named(r) === name)).length;
  for (const symbol of e.symbols) {
    const line = editedLine(symbol.name);
    const at = line === undefined ? {} : { line };
    if (symbols.some((s) => s.name === symbol.name && s.class === 'rude')) continue;
    if (symbol.kind === 'function') {
      if (changed.has(symbol.name)) {
        const running = symbol.name === entry && callers(symbol.name) === 0;
        symbols.push({ name: symbol.name, kind: 'function', class: 'changed',
          reason: `redirected to its new body (replace mode): ${changed.get(symbol.name)}`, ...at,
          ...(running ? { warning: `${symbol.name} is the entry function: the call that is running now stays in its old ` +
            'code, and nothing calls it again, so the new body takes effect only on a next call, which may never come' } : {}) });
      } else if (added.includes(symbol.name)) {
        symbols.push({ name: symbol.name, kind: 'function', class: 'new', reason: `carried in the patch (${symbol.size} bytes)`, ...at });
      } else if (used.has(symbol.name)) {
        symbols.push({ name: symbol.name, kind: 'function', class: 'base',
          reason: `unchanged; ${used.get(symbol.name)} calls it in the running program, through a relocation`, ...at });
      } else {
        symbols.push({ name: symbol.name, kind: 'function', class: 'unchanged', reason: 'unchanged', ...at });
      }
    } else if (newGlobals.includes(symbol.name)) {
      symbols.push({ name: symbol.name, kind: 'data', class: 'new-global', reason: `carried in the patch's data (${symbol.size} bytes)`, ...at });
    } else if (used.has(symbol.name)) {
      symbols.push({ name: symbol.name, kind: 'data', class: 'base',
        reason: `unchanged; ${used.get(symbol.name)} uses the running program's live copy, through a relocation`, ...at });
    } else {
      symbols.push({ name: symbol.name, kind: 'data', class: 'unchanged', reason: 'unchanged', ...at });
    }
  }
  for (const [name, user] of imports) {
    symbols.push({ name, kind: 'function', class: 'import', reason: `export of another module; ${user} uses it, through a relocation` });
  }
  for (const symbol of b.symbols.filter((s) => !editedSymbol(s.name))) {
    if (b.exports.includes(symbol.name)) continue; // a rude edit, said above
    const line = baseLine(symbol.name);
    symbols.push({ name: symbol.name, kind: symbol.kind, class: 'removed',
      reason: symbol.kind === 'function' ? 'not in the edited source; its code stays in the running program, where no changed code calls it'
        : 'not in the edited source; its data stays in the running program, where no changed code uses it',
      ...(line === undefined ? {} : { line }) });
  }

  const fallsInto: Record<string, string> = {};
  const runsOff: string[] = [];
  for (const name of carried) {
    const next = now.functions.get(name)!.fallsInto;
    if (next?.kind === 'symbol' && next.offset === 0 && editedSymbol(next.name)?.kind === 'function') fallsInto[name] = next.name;
    else if (next) runsOff.push(name);
  }
  for (const name of runsOff) {
    const entry = symbols.find((s) => s.name === name && (s.class === 'changed' || s.class === 'new'));
    if (entry) {
      entry.warning = `${name}'s last instruction runs on past the end of the code, into whatever follows it; in the patch it ` +
        'runs into a trap instead (end it with a return or a jump)';
    }
  }
  const order = (name: string) => e.symbols.findIndex((s) => s.name === name);
  const carriedInOrder = [...carried].sort((x, y) => order(x) - order(y));
  return {
    arch, module: b.name, symbols, rude: symbols.some((s) => s.class === 'rude'),
    carried: carriedInOrder, redirected: carriedInOrder.filter((name) => baseSymbol(name)?.kind === 'function'),
    newGlobals, fallsInto, runsOff,
  };
}

/** The line of a header directive (".base 0x400000") in a source, when it has one. */
function directiveLine(text: string, directive: string): number | undefined {
  const pattern = new RegExp(`^\\s*\\${directive}\\b`, 'i');
  const at = text.split(/\r?\n/).findIndex((line) => pattern.test(line));
  return at < 0 ? undefined : at + 1;
}

/** The line of the first statement of a global that differs from the base's (spaces aside), or of the first one the edit adds. */
function firstChangedLine(before: readonly SourceStatement[], after: readonly SourceStatement[]): number | undefined {
  const same = (a: SourceStatement | undefined, b: SourceStatement) => a !== undefined && a.text.replace(/\s+/g, ' ') === b.text.replace(/\s+/g, ' ');
  return after.find((statement, i) => !same(before[i], statement))?.line;
}

/** "3 of 6 instructions differ, from +0x5" or "36 -> 40 bytes". */
function describeChange(before: ModuleSymbol, after: ModuleSymbol, old: Symbolised, fresh: Symbolised): string {
  const first = fresh.unitKeys.findIndex((u, i) => u.key !== old.unitKeys[i]?.key);
  const from = first < 0 ? old.unitKeys[fresh.unitKeys.length]?.offset ?? after.size : fresh.unitKeys[first]!.offset;
  const size = before.size === after.size ? `${after.size} bytes` : `${before.size} -> ${after.size} bytes`;
  return `its code differs from +${hex(from)} (${size})`;
}

export { referenceText };
