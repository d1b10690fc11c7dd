// Hot-applying an edit of the running program's source: the patch generator (toolchain/diff/)
// compares the edited module with the build the guest runs, symbol by symbol, and makes a patch
// cumulative against that build with the next sequence number (so a second edit replaces the
// first); the lab applies it through the engine's transaction, as it applies a written patch.
// What the page shows of it (the classification, the patch's relocations and what each resolves
// to) is plain data, so it crosses postMessage; no DOM here, and Node tests drive it on Unicorn.
import type { Arch } from '../../../core/arch.ts';
import type { GuestModule } from '../../../core/module.ts';
import { parsePatchImage } from '../../../engine/host/patch-image.ts';
import { makeEditPatch, type SymbolDiff } from '../../../toolchain/diff/index.ts';
import type { BuiltPatch } from '../../../toolchain/patch.ts';
import { AssemblyError, readModuleSource } from '../../../toolchain/source.ts';
import type { SourceFile } from '../state/lab-state.ts';
import type { LabCore } from './lab-core.ts';
import type { TransactionView } from './protocol.ts';

/** One relocation of the generated patch: where its field is, the symbol S it resolves to, and the addend A. */
export interface RelocationView {
  section: 'code' | 'data';
  offset: number;
  /** R_X86_64_PLT32, R_AARCH64_ADR_PREL_PG_HI21, ... */
  kind: string;
  target: 'base' | 'export' | 'patch-code' | 'patch-data';
  /** S: "pricing!vat_percent" (the running program's live copy), "stats!sum" (another module's export), "patch 2!half" (the patch's own). */
  symbol: string;
  /** A, added to S (-4 for an x86-64 rel32, whose displacement counts from the instruction's end). */
  addend: number;
  /** S's address: known before the patch is placed for the running program's symbols, once it is mapped for the patch's own. */
  symbolAddress?: number;
  /** Where the field is in guest memory, once the patch is mapped. */
  fieldAddress?: number;
}

export interface HotEditView {
  /** The edited file, and the module it is a source of. */
  file: string;
  module?: string;
  /**
   * applied, or refused by the engine: see `transaction`; rude: a rude edit, see `symbols`;
   * unchanged: the edit is the running build; error: the edit does not assemble or is no edit of a loaded module.
   */
  outcome: 'applied' | 'refused' | 'rude' | 'unchanged' | 'error';
  /** For rude edits, errors and unchanged edits: what the page says. */
  message?: string;
  /** An assembler error's line in the edited file. */
  line?: number;
  /** Every symbol of the edit classified, with its reason (the generator's: toolchain/diff/classify.ts). */
  symbols: SymbolDiff[];
  /** The generated patch: its sequence number, the functions and globals it carries, its relocations and source. */
  patch?: { sequence: number; functions: string[]; globals: string[]; codeSize: number; dataSize: number;
    relocations: RelocationView[]; source: string };
  /** The engine's transaction, when the patch went to it. */
  transaction?: TransactionView;
  /** Milliseconds: assembling both sources, the diff, building the image, the transaction. */
  timings: { assemble: number; diff: number; build: number; apply: number };
}

/** The name transactions and output marks give an edit's patch: "pricing.s (edit)". */
export const editSubject = (file: string) => `${file} (edit)`;

/**
 * Generates the patch of `file` (an edited source of one of the loaded program's files) against the
 * build the guest runs, and applies it; rude edits, sources that do not assemble and edits that
 * change nothing go no further than the diff.
 */
export async function hotApplyEdit(core: LabCore, file: SourceFile, stepwise: boolean): Promise<HotEditView> {
  const none = { file: file.name, symbols: [], timings: { assemble: 0, diff: 0, build: 0, apply: 0 } };
  const program = core.loadedProgram;
  const modules = core.loadedModules;
  if (!program || modules.length === 0) return { ...none, outcome: 'error', message: 'no program is loaded: Reset loads the sources' };
  const refused = core.refusalNow(editSubject(file.name));
  if (refused) return { ...none, outcome: 'refused', message: refused.message ?? '', transaction: refused };
  const index = moduleIndex(program.files, modules, file, program.arch);
  if (index < 0) {
    return { ...none, outcome: 'error', message: `${file.name} is no source of a loaded module: the program has ` +
      `${program.files.map((f) => f.name).join(', ')}` };
  }
  const running = modules[index]!;
  const sequence = (core.patchLab?.activePatches().find((p) => p.module === running.name)?.sequence ?? 0) + 1;
  let made: Awaited<ReturnType<typeof makeEditPatch>>;
  try {
    made = await makeEditPatch({ arch: program.arch, base: program.files[index]!, edited: { name: file.name, text: file.text },
      before: modules.slice(0, index), running, sequence });
  } catch (error) {
    const line = error instanceof AssemblyError && error.line ? { line: error.line } : {};
    return { ...none, module: running.name, outcome: 'error', message: error instanceof Error ? error.message : String(error), ...line };
  }
  const { diff, timings } = made;
  const base = { ...none, module: running.name, symbols: diff.symbols, timings: { ...timings, apply: 0 } };
  if (diff.rude) {
    const reasons = diff.symbols.filter((s) => s.class === 'rude').map((s) => `${s.name}: ${s.reason}`);
    return { ...base, outcome: 'rude', message: `The running program cannot take this edit. ${reasons.join('; ')}.` };
  }
  if (diff.carried.length === 0 && diff.newGlobals.length === 0) {
    const live = sequence > 1 ? `; ${running.name} patch ${sequence - 1} stays live (Roll back takes it out)` : '';
    return { ...base, outcome: 'unchanged', message: `${file.name} makes the same code and data as the running build: nothing to hot-apply${live}` };
  }
  const built = made.patch!;
  const relocations = await relocationsOf(built, program.arch, modules, running);
  const patch = { sequence, functions: diff.carried, globals: diff.newGlobals, codeSize: built.assembled.code.length,
    dataSize: built.assembled.data.length, relocations, source: made.patchSource ?? '' };
  const t = globalThis.performance.now();
  const transaction = await core.applyBuilt(editSubject(file.name), built, stepwise);
  const apply = globalThis.performance.now() - t;
  if (transaction.status === 'applied') resolveInPlace(patch.relocations, transaction);
  return { ...base, outcome: transaction.status === 'applied' ? 'applied' : 'refused', patch, transaction,
    ...(transaction.status === 'applied' ? {} : { message: transaction.message ?? transaction.status }),
    timings: { ...base.timings, apply } };
}

/** The loaded file `file` edits: the one of its name, else the one whose module its ".module" line names. */
function moduleIndex(files: readonly SourceFile[], modules: readonly GuestModule[], file: SourceFile, arch: Arch): number {
  const byName = files.findIndex((f) => f.name === file.name);
  if (byName >= 0) return byName;
  try {
    const name = readModuleSource(file.text, arch, { file: file.name }).name;
    return modules.findIndex((m) => m.name === name);
  } catch {
    return -1;
  }
}

/** The image's relocation table, each entry's symbol named, with its address where it is known before placement. */
async function relocationsOf(built: BuiltPatch, arch: Arch, modules: readonly GuestModule[], running: GuestModule): Promise<RelocationView[]> {
  const parsed = await parsePatchImage(built.image, arch);
  if (!parsed.ok) return [];
  const dataSymbols = built.assembled.symbols.filter((s) => s.kind === 'data');
  const patch = `${built.module} patch ${built.sequence}`;
  return parsed.image.relocations.map((r) => {
    const addend = Number(r.addend);
    const view: RelocationView = { section: r.section, offset: r.offset, kind: r.kindName, target: r.target, symbol: '', addend };
    if (r.target === 'base' || r.target === 'export') {
      const provider = r.target === 'base' ? running : modules.find((m) => m.name === r.module);
      const symbol = provider?.symbols.find((s) => s.name === r.symbol);
      view.symbol = `${provider?.name ?? r.module}!${r.symbol}`;
      if (symbol) view.symbolAddress = symbol.address;
    } else {
      // S is the section's start; the addend says where in it (less the 4 of an x86-64 rel32).
      const inside = (at: number, size: number) => [addend, addend + 4].some((a) => a >= at && a < at + Math.max(size, 1));
      const name = r.target === 'patch-code' ? built.functions.find((f) => inside(f.offset, f.size))?.name
        : dataSymbols.find((s) => inside(s.address - built.assembled.dataAddress, s.size))?.name;
      view.symbol = `${patch} ${r.target === 'patch-code' ? 'code' : 'data'}${name ? ` (${name})` : ''}`;
    }
    return view;
  });
}

/** Once the patch is mapped: where each field is, and where the patch's own sections are. */
function resolveInPlace(relocations: RelocationView[], transaction: TransactionView): void {
  const code = transaction.steps.find((s) => s.stage === 'map-code')?.address;
  const data = transaction.steps.find((s) => s.stage === 'map-data')?.address;
  for (const r of relocations) {
    const section = r.section === 'code' ? code : data;
    if (section !== undefined) r.fieldAddress = section + r.offset;
    const start = r.target === 'patch-code' ? code : r.target === 'patch-data' ? data : undefined;
    if (start !== undefined) r.symbolAddress = start;
  }
}
