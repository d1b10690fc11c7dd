// The hotpatch transaction: apply a patch image to a running program, all or nothing.
//
//   apply    = parse and validate the image, check the base identity and the sequence, resolve
//              imports and base references, choose where to map the patch, plan every redirect,
//              check that every guest thread is at a safe point, then write through the journal:
//              map the patch, fill its slots, write trampolines and entry jumps, put back the
//              functions the previous patch changed and this one does not, unmap the previous patch.
//   rollback = the same journal, undone: the state before the active patch, byte for byte.
//
// Everything before the first write is pure, so a refusal or a wait changes nothing; a failure
// during the writes undoes the journal. Only the Sandbox interface is used: any backend works.
import { pageCeil } from '../../core/arch.ts';
import { hex } from '../../core/hex.ts';
import { moduleIdentity } from '../../core/identity.ts';
import type { GuestModule, ModuleSymbol } from '../../core/module.ts';
import { type NamedRange, symbolize } from '../../core/symbolizer.ts';
import { Prot, type Sandbox } from '../../sandbox/sandbox.ts';
import { type Engine, loadEngine } from './engine.ts';
import { Journal, type JournalStep, type StepStage } from './journal.ts';
import { type PatchImage, type PatchImageError, parsePatchImageWith } from './patch-image.ts';
import { choosePlacement } from './placement.ts';
import { planRedirect, trampolineSizeBound } from './redirect.ts';
import type { PlanResult, PlanStep, RedirectPlan, RedirectRefusal, RedirectRequest } from './plan.ts';
import { type GuestThread, type Hazard, type UnsafeThread, currentThread, describeUnsafeThread, findUnsafeThread } from './safe-point.ts';

export type Planner = (request: RedirectRequest) => Promise<PlanResult>;

export interface HotpatcherOptions {
  /** Plans one redirect; default: the engine's planner for the sandbox's architecture. */
  planner?: Planner;
  /** Bytes reserved per hook trampoline (plans with longer ones are refused); default: the planner's bound. */
  trampolineSize?: number;
  /** Every guest thread, read when a transaction checks its safe point. Default: the running CPU state. */
  threads?: () => GuestThread[];
}

export type TransactionRefusalCode =
  | 'bad-image' // the image failed validation (see imageError)
  | 'unknown-module' // no loaded module has the image's target name
  | 'wrong-base' // built for another build of the module
  | 'stale-sequence' // not newer than the active patch
  | 'inconsistent-image' // the image's record of a base function disagrees with the module
  | 'missing-import' // an imported module or export does not exist
  | 'missing-base-symbol'
  | 'no-space' // no free memory for the patch
  | 'plan-refused' // a planner refused a redirect (see refusal)
  | 'bad-plan' // a plan would write outside the places it may change
  | 'write-failed' // the sandbox failed a write; everything was undone
  | 'nothing-to-roll-back'
  | 'memory-changed'; // memory the active patch wrote was changed since; rolling back would lose that

export interface AppliedTransaction {
  status: 'applied';
  action: 'apply' | 'rollback';
  module: string;
  /** Sequence of the patch active after the transaction, null when none is. */
  sequence: number | null;
  /** Sequence of the patch that was active before, null when none was. */
  previous: number | null;
  /** The journal: every change in order, for the page to animate. */
  steps: JournalStep[];
  plans: RedirectPlan[];
  /** Where an applied patch was mapped. */
  placement?: { code: number; data: number; trampolines: number; size: number; withinShortReach: boolean };
}

export interface RefusedTransaction {
  status: 'refused';
  code: TransactionRefusalCode;
  message: string;
  imageError?: PatchImageError;
  refusal?: RedirectRefusal;
}

export interface WaitingTransaction {
  status: 'wait';
  message: string;
  unsafe: UnsafeThread;
}

export type TransactionResult = AppliedTransaction | RefusedTransaction | WaitingTransaction;

interface LoadedModule {
  module: GuestModule;
  identity: string;
  /** Symbols by name, and for each function where the function before it ends (for its padding). */
  symbols: Map<string, ModuleSymbol>;
  previousEnd: Map<ModuleSymbol, number>;
}

async function loadedModule(module: GuestModule): Promise<LoadedModule> {
  const functions = module.symbols.filter((s) => s.kind === 'function').sort((a, b) => a.address - b.address);
  const previousEnd = new Map<ModuleSymbol, number>();
  let end = module.base;
  for (const fn of functions) {
    previousEnd.set(fn, end);
    end = Math.max(end, fn.address + fn.size);
  }
  return { module, identity: await moduleIdentity(module), symbols: new Map(module.symbols.map((s) => [s.name, s])), previousEnd };
}

type RegionKind = 'code' | 'data' | 'trampolines';

/** A patch that is live, and what is needed to take it back out. */
interface ActivePatch {
  module: string;
  sequence: number;
  regions: { kind: RegionKind; address: number; size: number }[];
  /** Base code ranges this patch's redirects changed. */
  touched: { address: number; length: number }[];
  journal: JournalStep[];
  previous: ActivePatch | undefined;
}

/** One write into base code the transaction will make, and the function it belongs to. */
interface BaseWrite {
  address: number;
  bytes: Uint8Array;
  stage: StepStage;
  atomic: boolean;
  explanation: string;
  fn: ModuleSymbol;
}

/** Thrown from deep inside a transaction to return a refusal; not an Error, so no stack is captured. */
class Refusal {
  constructor(readonly result: RefusedTransaction) {}
}

function refuse(code: TransactionRefusalCode, message: string, extra: Partial<RefusedTransaction> = {}): never {
  throw new Refusal({ status: 'refused', code, message, ...extra });
}

const equalBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

function u64le(value: number): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(value), true);
  return bytes;
}

export class Hotpatcher {
  private readonly active = new Map<string, ActivePatch>();
  private readonly readThreads: () => GuestThread[];

  private constructor(readonly sandbox: Sandbox, private readonly engine: Engine, private readonly modules: LoadedModule[],
    private readonly options: Required<Omit<HotpatcherOptions, 'threads'>>, threads: HotpatcherOptions['threads']) {
    this.readThreads = threads ?? (() => [currentThread(sandbox)]);
  }

  /** A hotpatcher for the modules loaded in `sandbox` (their identities are computed once, here). */
  static async create(sandbox: Sandbox, modules: readonly GuestModule[], options: HotpatcherOptions = {}): Promise<Hotpatcher> {
    const loaded = await Promise.all(modules.map(loadedModule));
    const planner = options.planner ?? planRedirect;
    const trampolineSize = options.trampolineSize ?? await trampolineSizeBound(sandbox.arch);
    return new Hotpatcher(sandbox, await loadEngine(), loaded, { planner, trampolineSize }, options.threads);
  }

  /** Sequence number of the patch active for `module`, if any. */
  activeSequence(module: string): number | undefined {
    return this.active.get(module)?.sequence;
  }

  async apply(imageBytes: Uint8Array): Promise<TransactionResult> {
    try {
      return await this.tryApply(imageBytes);
    } catch (error) {
      if (error instanceof Refusal) return error.result;
      throw error;
    }
  }

  async rollback(moduleName: string): Promise<TransactionResult> {
    try {
      return this.tryRollback(moduleName);
    } catch (error) {
      if (error instanceof Refusal) return error.result;
      throw error;
    }
  }

  private async tryApply(imageBytes: Uint8Array): Promise<TransactionResult> {
    const arch = this.sandbox.arch;
    const parsed = parsePatchImageWith(this.engine, imageBytes, arch);
    if (!parsed.ok) {
      refuse('bad-image', `the patch image is invalid: ${parsed.error.message}`, { imageError: parsed.error });
    }
    const image = parsed.image;
    const loaded = this.modules.find((m) => m.module.name === image.module)
      ?? refuse('unknown-module', `the patch is for module "${image.module}", which is not loaded ` +
        `(loaded: ${this.modules.map((m) => m.module.name).join(', ')})`);
    const module = loaded.module;
    if (image.baseIdentity !== loaded.identity) {
      refuse('wrong-base', `the patch was built for ${module.name} sha256:${image.baseIdentity}, but the running ` +
        `${module.name} is sha256:${loaded.identity}: it belongs to another build and nothing was written`);
    }
    const active = this.active.get(module.name);
    if (active && image.sequence <= active.sequence) {
      refuse('stale-sequence', `patch sequence ${image.sequence} for ${module.name} is not newer than the active patch ` +
        `(sequence ${active.sequence}); a replacement needs a higher sequence number`);
    }

    const targets = image.redirects.map((r) => this.resolveTarget(loaded, r));
    const importAddresses = image.imports.map((entry) => this.resolveImport(entry.module, entry.symbol));
    const baseRefAddresses = image.baseReferences.map((entry) => {
      const symbol = loaded.symbols.get(entry.symbol)
        ?? refuse('missing-base-symbol', `the patch refers to ${module.name}!${entry.symbol}, which the module does not define`);
      return symbol.address;
    });

    // Layout: code (r-x), data (rw-) at the distance the toolchain assembled with, trampolines (r-x).
    const hooks = image.redirects.filter((r) => r.mode === 'hook').length;
    const codeSize = pageCeil(image.code.size);
    const dataSize = pageCeil(image.data.size);
    const trampolineSize = pageCeil(hooks * this.options.trampolineSize);
    const total = codeSize + dataSize + trampolineSize;
    const placement = total === 0 ? undefined
      : choosePlacement(arch, this.sandbox.regions(), total, targets.map((t) => t.address), module.base)
        ?? refuse('no-space', `no free range of ${hex(total)} bytes is left in guest memory for the patch`);
    const codeAddress = placement?.address ?? 0;
    const dataAddress = codeAddress + codeSize;
    const trampolineAddress = dataAddress + dataSize;

    // Plans, made against the original bytes of each function (not an earlier patch's jump).
    const plans: RedirectPlan[] = [];
    const baseWrites: BaseWrite[] = [];
    /** Every plan's steps in plan order: trampolines, then padding and entry jumps, then cache maintenance. */
    const planSteps: { step: PlanStep; write?: BaseWrite }[] = [];
    let hookIndex = 0;
    for (const [i, redirect] of image.redirects.entries()) {
      const fn = targets[i]!;
      const padding = this.paddingBefore(loaded, fn);
      const trampoline = redirect.mode === 'hook' ? trampolineAddress + hookIndex++ * this.options.trampolineSize : undefined;
      const request: RedirectRequest = {
        arch, target: { address: fn.address, bytes: this.original(module, fn.address, fn.size), name: `${module.name}!${fn.name}` },
        padding, replacement: codeAddress + redirect.newOffset, mode: redirect.mode,
        ...(trampoline !== undefined ? { trampolineAddress: trampoline } : {}),
      };
      const result = await this.options.planner(request);
      if (!result.ok) {
        refuse('plan-refused', `${module.name}!${fn.name} cannot be redirected: ${result.refusal.message}`, { refusal: result.refusal });
      }
      const plan = result.plan;
      this.checkPlan(module, fn, padding.length, plan, request, trampoline);
      plans.push(plan);
      for (const step of plan.steps) {
        if (step.kind !== 'padding-jump' && step.kind !== 'entry-jump') { planSteps.push({ step }); continue; }
        const write = { address: step.address, bytes: step.after, stage: step.kind, atomic: step.atomic, explanation: step.explanation, fn };
        baseWrites.push(write);
        planSteps.push({ step, write });
      }
    }
    const touched = baseWrites.map((w) => ({ address: w.address, length: w.bytes.length }));
    const restores = active ? this.restoresFor(module, active, touched) : [];
    const changing = [...baseWrites, ...restores].filter((w) => !equalBytes(this.sandbox.read(w.address, w.bytes.length), w.bytes));

    // Safe point: nothing is written while a thread stands where the writes would break it.
    const hazards: Hazard[] = changing.map((w) => ({
      kind: 'overwrite', start: w.address, end: w.address + w.bytes.length, safe: [w.fn.address],
      label: `bytes ${hex(w.address)}..${hex(w.address + w.bytes.length)} of ${module.name}!${w.fn.name}`,
    }));
    if (active) hazards.push(...this.removalHazards(active));
    const threads = this.readThreads();
    const unsafe = findUnsafeThread(this.sandbox, threads, hazards);
    if (unsafe) return { status: 'wait', unsafe, message: describeUnsafeThread(unsafe, (a) => this.symbolize(a)) };

    const journal = new Journal(this.sandbox);
    const slotName = (offset: number) => `slot at data+${hex(offset)}`;
    try {
      journal.note('identity', `${module.name} is sha256:${loaded.identity}, the build the patch was made for; ` +
        (active ? `sequence ${image.sequence} replaces sequence ${active.sequence}` : `sequence ${image.sequence}, no patch active`));
      journal.note('safe-point', `${threads.length} thread${threads.length === 1 ? '' : 's'} checked: ` +
        threads.map((t) => `${t.name} at ${this.symbolize(t.pc)}`).join(', ') + '; none is in the way of the writes');
      const label = `${module.name} patch ${image.sequence}`;
      if (codeSize > 0) {
        journal.map(codeAddress, codeSize, Prot.READ | Prot.EXEC, this.section(imageBytes, image, 'code'), 'map-code',
          `map the ${label} code (${image.code.size} bytes, read+execute) ${placement!.withinShortReach ? 'within short-jump reach of' : 'as near as memory allows to'} its targets`);
      }
      if (dataSize > 0) {
        journal.map(dataAddress, dataSize, Prot.READ | Prot.WRITE, this.section(imageBytes, image, 'data'), 'map-data',
          `map the ${label} data (${image.data.size} bytes, read+write) right after its code, where its PC-relative references expect it`);
      }
      if (trampolineSize > 0) {
        journal.map(trampolineAddress, trampolineSize, Prot.READ | Prot.EXEC, new Uint8Array(0), 'map-trampolines',
          `map room for ${hooks} hook trampoline${hooks === 1 ? '' : 's'} (read+execute)`);
      }
      image.imports.forEach((entry, i) => journal.write(dataAddress + entry.slot, u64le(importAddresses[i]!), 'slot',
        `${slotName(entry.slot)} = ${entry.module}!${entry.symbol} (${hex(importAddresses[i]!)}), the import`));
      image.baseReferences.forEach((entry, i) => journal.write(dataAddress + entry.slot, u64le(baseRefAddresses[i]!), 'slot',
        `${slotName(entry.slot)} = ${module.name}!${entry.symbol} (${hex(baseRefAddresses[i]!)}), the live base symbol`));
      image.redirects.forEach((redirect, i) => {
        if (redirect.slot === undefined) return;
        const trampoline = plans[i]!.trampoline!.address;
        journal.write(dataAddress + redirect.slot, u64le(trampoline), 'slot',
          `${slotName(redirect.slot)} = trampoline ${hex(trampoline)}: the new code calls the original ${redirect.base} through it`);
      });
      const changingSet = new Set(changing);
      for (const { step, write } of planSteps) {
        if (write) {
          if (changingSet.has(write)) journal.write(write.address, write.bytes, write.stage, write.explanation, write.atomic);
        } else if (step.kind === 'trampoline') {
          journal.write(step.address, step.after, 'trampoline', step.explanation);
        } else {
          journal.note('flush-icache', step.explanation, step.address);
        }
      }
      for (const w of restores) {
        if (changingSet.has(w)) journal.write(w.address, w.bytes, w.stage, w.explanation, w.atomic);
      }
      if (active) this.unmapPatch(journal, active);
    } catch (error) {
      return this.undoFailed(journal, error);
    }

    this.active.set(module.name, {
      module: module.name, sequence: image.sequence, touched, journal: journal.steps, previous: active,
      regions: [
        { kind: 'code' as const, address: codeAddress, size: codeSize },
        { kind: 'data' as const, address: dataAddress, size: dataSize },
        { kind: 'trampolines' as const, address: trampolineAddress, size: trampolineSize },
      ].filter((r) => r.size > 0),
    });
    return {
      status: 'applied', action: 'apply', module: module.name, sequence: image.sequence, previous: active?.sequence ?? null,
      steps: journal.steps, plans,
      ...(placement ? { placement: { code: codeAddress, data: dataAddress, trampolines: trampolineAddress, size: total,
        withinShortReach: placement.withinShortReach } } : {}),
    };
  }

  private tryRollback(moduleName: string): TransactionResult {
    const active = this.active.get(moduleName)
      ?? refuse('nothing-to-roll-back', `no patch is active for ${moduleName}: there is nothing to roll back`);
    const own = (address: number) => active.regions.some((r) => address >= r.address && address < r.address + r.size);
    // Writes into the patch's own memory vanish with it; the others are undone, if still as written.
    const writes = active.journal.filter((s) => s.action === 'write' && !own(s.address));
    for (const step of writes) {
      if (!equalBytes(this.sandbox.read(step.address, step.size), step.after)) {
        refuse('memory-changed', `${hex(step.address)} (${this.symbolize(step.address)}) no longer holds what patch ` +
          `${active.sequence} wrote there; rolling back would overwrite a change made since`);
      }
    }
    const hazards: Hazard[] = writes.filter((s) => !equalBytes(s.before, s.after)).map((s) => {
      const fn = this.functionAt(s.address);
      return { kind: 'overwrite' as const, start: s.address, end: s.address + s.size, safe: fn ? [fn.address] : [],
        label: `bytes ${hex(s.address)}..${hex(s.address + s.size)} of ${this.symbolize(s.address)}` };
    });
    hazards.push(...this.removalHazards(active));
    const threads = this.readThreads();
    const unsafe = findUnsafeThread(this.sandbox, threads, hazards);
    if (unsafe) return { status: 'wait', unsafe, message: describeUnsafeThread(unsafe, (a) => this.symbolize(a)) };

    const previous = active.previous;
    const journal = new Journal(this.sandbox);
    try {
      journal.note('safe-point', `${threads.length} thread${threads.length === 1 ? '' : 's'} checked: ` +
        threads.map((t) => `${t.name} at ${this.symbolize(t.pc)}`).join(', ') + '; none is in the way');
      for (let i = active.journal.length - 1; i >= 0; i--) {
        const step = active.journal[i]!;
        if (step.action === 'unmap') {
          const kind = previous?.regions.find((r) => r.address === step.address)?.kind ?? 'code';
          journal.map(step.address, step.size, step.prot!, step.before, `map-${kind}`,
            `map ${moduleName} patch ${previous?.sequence} ${kind} back, with the contents it had`);
        } else if (step.action === 'write' && !own(step.address)) {
          journal.write(step.address, step.before, 'restore', `put back the bytes ${this.symbolize(step.address)} had ` +
            `before patch ${active.sequence}` + (previous ? ` (patch ${previous.sequence} is live again)` : ' (the original code)'), step.atomic);
        } else if (step.action === 'map') {
          journal.unmap(step.address, step.size, 'unmap', `remove ${moduleName} patch ${active.sequence} ${step.stage.replace('map-', '')}`);
        }
      }
    } catch (error) {
      return this.undoFailed(journal, error);
    }
    if (previous) this.active.set(moduleName, previous); else this.active.delete(moduleName);
    return {
      status: 'applied', action: 'rollback', module: moduleName, sequence: previous?.sequence ?? null,
      previous: active.sequence, steps: journal.steps, plans: [],
    };
  }

  private undoFailed(journal: Journal, error: unknown): RefusedTransaction {
    const message = error instanceof Error ? error.message : String(error);
    const failedAt = journal.steps.length;
    try {
      journal.undo();
    } catch (undoError) {
      throw new Error(`a write failed (${message}) and undoing the ${failedAt} steps before it failed too: ` +
        `${undoError instanceof Error ? undoError.message : String(undoError)}`);
    }
    return { status: 'refused', code: 'write-failed',
      message: `step ${failedAt} failed (${message}); the ${failedAt} steps were undone and memory is as it was` };
  }

  private resolveTarget({ module, symbols }: LoadedModule, redirect: PatchImage['redirects'][number]): ModuleSymbol {
    const symbol = symbols.get(redirect.base);
    const fn = symbol?.kind === 'function' ? symbol : refuse('missing-base-symbol', `the patch redirects ${module.name}!${redirect.base}, which is not a function of the module`);
    if (fn.address - module.base !== redirect.baseOffset || fn.size !== redirect.baseSize) {
      refuse('inconsistent-image', `the patch places ${module.name}!${redirect.base} at +${hex(redirect.baseOffset)} ` +
        `(${redirect.baseSize} bytes) but the module has it at +${hex(fn.address - module.base)} (${fn.size} bytes)`);
    }
    return fn;
  }

  private resolveImport(moduleName: string, symbolName: string): number {
    const provider = this.modules.find((m) => m.module.name === moduleName)?.module
      ?? refuse('missing-import', `the patch imports ${moduleName}!${symbolName}, but no module "${moduleName}" is loaded`);
    const symbol = provider.exports.includes(symbolName) ? provider.symbols.find((s) => s.name === symbolName) : undefined;
    if (!symbol) refuse('missing-import', `the patch imports ${moduleName}!${symbolName}, but module ${moduleName} does not export "${symbolName}"`);
    return symbol!.address;
  }

  /** The bytes the module was loaded with (what the planners plan against). */
  private original(module: GuestModule, address: number, length: number): Uint8Array {
    return module.code.slice(address - module.base, address - module.base + length);
  }

  /** x86-64: the int3/nop fill between the previous function's end and this one, which a redirect may use. */
  private paddingBefore({ module, previousEnd: ends }: LoadedModule, fn: ModuleSymbol): Uint8Array {
    if (module.arch !== 'x64') return new Uint8Array(0);
    const previousEnd = ends.get(fn)!;
    let start = fn.address;
    while (start > previousEnd && fn.address - start < 32 && [0xcc, 0x90].includes(module.code[start - 1 - module.base]!)) start--;
    return this.original(module, start, fn.address - start);
  }

  /** A plan may write only the function's entry and padding, and its own trampoline area. */
  private checkPlan(module: GuestModule, fn: ModuleSymbol, padding: number, plan: RedirectPlan, request: RedirectRequest,
    trampoline: number | undefined): void {
    const bad = (why: string): never => refuse('bad-plan', `the plan for ${module.name}!${fn.name} ${why}; nothing was written`);
    if (plan.target !== fn.address || plan.replacement !== request.replacement) bad('answers for another function');
    if (trampoline !== undefined && (!plan.trampoline || plan.trampoline.address !== trampoline)) bad('puts its trampoline elsewhere');
    if (plan.trampoline && plan.trampoline.bytes.length > this.options.trampolineSize) {
      bad(`has a ${plan.trampoline.bytes.length}-byte trampoline; ${this.options.trampolineSize} bytes are reserved`);
    }
    for (const step of plan.steps) {
      if (step.kind === 'flush-icache') continue;
      if (step.before.length !== step.after.length) bad(`has a ${step.kind} step whose before and after differ in length`);
      const end = step.address + step.after.length;
      if (step.kind === 'trampoline') {
        if (trampoline === undefined || step.address < trampoline || end > trampoline + this.options.trampolineSize) {
          bad(`writes its trampoline at ${hex(step.address)}, outside the reserved area`);
        }
      } else if (step.address < fn.address - padding || end > fn.address + fn.size) {
        bad(`writes ${hex(step.address)}..${hex(end)}, outside the function and its padding`);
      } else if (!equalBytes(step.before, this.original(module, step.address, step.before.length))) {
        bad(`expects other bytes at ${hex(step.address)} than the module was loaded with`);
      }
    }
  }

  /** Base code the active patch changed that the new one leaves alone: its original bytes go back. */
  private restoresFor(module: GuestModule, active: ActivePatch, keep: { address: number; length: number }[]): BaseWrite[] {
    const restores: BaseWrite[] = [];
    for (const range of active.touched) {
      let start = range.address;
      const end = range.address + range.length;
      while (start < end) {
        const covered = keep.find((k) => start >= k.address && start < k.address + k.length);
        if (covered) { start = covered.address + covered.length; continue; }
        const next = Math.min(end, ...keep.filter((k) => k.address > start).map((k) => k.address));
        const fn = this.functionAt(start) ?? this.functionAt(next)!;
        restores.push({ address: start, bytes: this.original(module, start, next - start), stage: 'restore', atomic: next - start <= 8,
          explanation: `put back the original bytes of ${module.name}!${fn.name} at ${hex(start)}: this patch no longer changes them`, fn });
        start = next;
      }
    }
    // Entries first: once an entry is original again, the function runs its own code.
    return restores.sort((a, b) => Number(b.address === b.fn.address) - Number(a.address === a.fn.address));
  }

  private removalHazards(active: ActivePatch): Hazard[] {
    return active.regions.filter((r) => r.kind !== 'data').map((r) => ({
      kind: 'removed' as const, start: r.address, end: r.address + r.size,
      label: `${active.module} patch ${active.sequence} ${r.kind === 'code' ? 'code' : 'trampolines'}`,
    }));
  }

  private unmapPatch(journal: Journal, patch: ActivePatch): void {
    for (const region of [...patch.regions].reverse()) {
      journal.unmap(region.address, region.size, 'unmap', `remove ${patch.module} patch ${patch.sequence} ${region.kind}: ` +
        'the new patch replaces it');
    }
  }

  private functionAt(address: number): ModuleSymbol | undefined {
    for (const { module } of this.modules) {
      const fn = module.symbols.find((s) => s.kind === 'function' && address >= s.address && address < s.address + s.size);
      if (fn) return fn;
    }
    return undefined;
  }

  private section(bytes: Uint8Array, image: PatchImage, which: 'code' | 'data'): Uint8Array {
    const region = image[which];
    return bytes.slice(region.offset, region.offset + region.size);
  }

  /** "module!function+0x3", "pricing patch 2 code+0x10", or the address. */
  symbolize(address: number): string {
    return symbolize(address, this.modules.map(({ module }) => module), { more: this.patchRegions() });
  }

  /** The regions of every active patch and the patches it replaced, named "pricing patch 2 code". */
  private *patchRegions(): Iterable<NamedRange> {
    for (const patch of this.active.values()) {
      for (let p: ActivePatch | undefined = patch; p; p = p.previous) {
        for (const r of p.regions) {
          yield { name: `${p.module} patch ${p.sequence} ${r.kind}`, address: r.address, size: r.size, section: true };
        }
      }
    }
  }
}
