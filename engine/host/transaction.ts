// The hotpatch transaction: apply a patch image to a running program, all or nothing.
//
//   apply    = the pure preparation (prepare.ts: parse and validate the image, check the base
//              identity and the sequence, resolve imports and base references, choose where to map
//              the patch, resolve its relocations for that place, plan every redirect, check that
//              every guest thread is at a safe point),
//              then the writes through the journal: map the patch, fill its slots, write
//              trampolines and entry jumps, put back the functions the previous patch changed and
//              this one does not, unmap the previous patch.
//   rollback = the same journal, undone: the state before the active patch, byte for byte.
//
// Everything before the first write is pure, so a refusal or a wait changes nothing; a failure
// during the writes undoes the journal and checks that memory is as it was before saying so. Only
// the Sandbox interface is used: any backend works.
import { hex } from '../../core/hex.ts';
import type { GuestModule } from '../../core/module.ts';
import { type NamedRange, symbolize } from '../../core/symbolizer.ts';
import { Prot, type Sandbox } from '../../sandbox/sandbox.ts';
import { type Engine, loadEngine } from './engine.ts';
import { Journal } from './journal.ts';
import {
  type ActivePatch, type LoadedModule, type Planner, type PreparationContext, type PreparedApply, type PreparedRollback,
  loadedModule, ownedBy, prepareApply, prepareRollback, stepExplanation,
} from './prepare.ts';
import { planRedirectFacts, trampolineSizeBound } from './redirect.ts';
import { explainPlans } from './plan-record.ts';
import { type GuestThread, currentThread } from './safe-point.ts';
import { type ConsistencyHost, ConsistencyModels, type TransactionOptions } from './consistency.ts';
import type { GuestProcess } from '../../sandbox/process.ts';
import type { RefusedTransaction, TransactionResult } from './transaction-result.ts';

export type { Planner } from './prepare.ts';
export type { ConsistencyModel, TransactionOptions } from './consistency.ts';
export type {
  AppliedTransaction, RefusedTransaction, TransactionRefusalCode, TransactionResult, WaitingTransaction,
} from './transaction-result.ts';

export interface HotpatcherOptions {
  /** Plans one redirect; default: the engine's planner for the sandbox's architecture. */
  planner?: Planner;
  /** Bytes reserved per hook trampoline (plans with longer ones are refused); default: the planner's bound. */
  trampolineSize?: number;
  /** Every guest thread, read when a transaction checks its safe point. Default: the running CPU state. */
  threads?: () => GuestThread[];
  /**
   * The process the sandbox runs: its threads are what the safe points check (unless `threads` is
   * given), and the fixup and per-thread models move and switch them.
   */
  process?: GuestProcess;
}

/** Extra journaled steps of an apply (before the plans' writes) and the regions they map, owned by the patch. */
export interface ApplyExtras {
  /** Before the patch is mapped. */
  steps?(journal: Journal): void;
  /** Once every write is made (before a replaced patch is unmapped). */
  after?(journal: Journal): void;
  regions: { kind: 'trampolines'; address: number; size: number }[];
}

function u64le(value: number): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(value), true);
  return bytes;
}

export class Hotpatcher {
  private readonly active = new Map<string, ActivePatch>();
  private readonly context: PreparationContext;
  /** The fixup and per-thread models (consistency.ts); `entry` is the transaction as it is. */
  readonly models: ConsistencyModels;

  private constructor(readonly sandbox: Sandbox, engine: Engine, private readonly modules: LoadedModule[],
    options: Required<Omit<HotpatcherOptions, 'threads' | 'process'>>, threads: HotpatcherOptions['threads'],
    process: GuestProcess | undefined) {
    this.context = {
      sandbox, engine, modules, planner: options.planner, trampolineSize: options.trampolineSize,
      threads: threads ?? (process ? () => process.threadRegisters() : () => [currentThread(sandbox)]),
      active: (module) => this.active.get(module),
      symbolize: (address) => this.symbolize(address),
    };
    const host: ConsistencyHost = {
      context: this.context, process, engine,
      active: (module) => this.active.get(module),
      writeApply: (prepared, extras) => this.writeApply(prepared, extras),
      writeRollback: (prepared) => this.writeRollback(prepared),
      symbolize: (address) => this.symbolize(address),
    };
    this.models = new ConsistencyModels(host);
  }

  /** A hotpatcher for the modules loaded in `sandbox` (their identities are computed once, here). */
  static async create(sandbox: Sandbox, modules: readonly GuestModule[], options: HotpatcherOptions = {}): Promise<Hotpatcher> {
    const loaded = await Promise.all(modules.map(loadedModule));
    const planner = options.planner ?? planRedirectFacts;
    const trampolineSize = options.trampolineSize ?? await trampolineSizeBound(sandbox.arch);
    return new Hotpatcher(sandbox, await loadEngine(), loaded, { planner, trampolineSize }, options.threads, options.process);
  }

  /** Sequence number of the patch active for `module`, if any. */
  activeSequence(module: string): number | undefined {
    return this.active.get(module)?.sequence;
  }

  /**
   * Applies a patch image. `options.consistency` chooses when threads see the new code: `entry`
   * (the default) waits until no thread is in the way and lets calls in flight finish in the old
   * code; `fixup` and `per-thread` are in consistency.ts.
   */
  async apply(imageBytes: Uint8Array, options: TransactionOptions = {}): Promise<TransactionResult> {
    const blocked = this.models.blocking();
    if (blocked) return blocked;
    if ((options.consistency ?? 'entry') !== 'entry') return this.models.apply(imageBytes, options);
    const prepared = await prepareApply(this.context, imageBytes);
    return prepared.status === 'ready' ? this.writeApply(prepared) : prepared;
  }

  async rollback(moduleName: string, options: TransactionOptions = {}): Promise<TransactionResult> {
    const blocked = this.models.blocking(moduleName);
    if (blocked) return blocked;
    if ((options.consistency ?? 'entry') !== 'entry') return this.models.rollback(moduleName, options);
    const prepared = await prepareRollback(this.context, moduleName);
    return prepared.status === 'ready' ? this.writeRollback(prepared) : prepared;
  }

  /** The journaled writes of a prepared apply; `extras` are steps and regions a consistency model adds. */
  private writeApply(prepared: PreparedApply, extras?: ApplyExtras): TransactionResult {
    const { loaded, image, sections, active, layout, importAddresses, baseRefAddresses, plans, planSteps, restores, changing,
      threads } = prepared;
    const module = loaded.module;
    const journal = new Journal(this.sandbox);
    const slotName = (offset: number) => `slot at data+${hex(offset)}`;
    try {
      journal.note('identity', `${module.name} is sha256:${loaded.identity}, the build the patch was made for; ` +
        (active ? `sequence ${image.sequence} replaces sequence ${active.sequence}` : `sequence ${image.sequence}, no patch active`));
      journal.note('safe-point', `${threads.length} thread${threads.length === 1 ? '' : 's'} checked: ` +
        threads.map((t) => `${t.name} at ${this.symbolize(t.pc)}`).join(', ') + '; none is in the way of the writes');
      const label = `${module.name} patch ${image.sequence}`;
      extras?.steps?.(journal);
      if (layout.codeSize > 0) {
        journal.map(layout.code, layout.codeSize, Prot.READ | Prot.EXEC, sections.code, 'map-code',
          `map the ${label} code (${image.code.size} bytes, read+execute) ${layout.placement!.withinShortReach ? 'within short-jump reach of' : 'as near as memory allows to'} its targets`);
      }
      if (layout.dataSize > 0) {
        journal.map(layout.data, layout.dataSize, Prot.READ | Prot.WRITE, sections.data, 'map-data',
          `map the ${label} data (${image.data.size} bytes, read+write) right after its code, where its PC-relative references expect it`);
      }
      if (layout.trampolineSize > 0) {
        journal.map(layout.trampolines, layout.trampolineSize, Prot.READ | Prot.EXEC, new Uint8Array(0), 'map-trampolines',
          `map room for ${layout.hooks} hook trampoline${layout.hooks === 1 ? '' : 's'} (read+execute)`);
      }
      image.imports.forEach((entry, i) => journal.write(layout.data + entry.slot, u64le(importAddresses[i]!), 'slot',
        `${slotName(entry.slot)} = ${entry.module}!${entry.symbol} (${hex(importAddresses[i]!)}), the import`));
      image.baseReferences.forEach((entry, i) => journal.write(layout.data + entry.slot, u64le(baseRefAddresses[i]!), 'slot',
        `${slotName(entry.slot)} = ${module.name}!${entry.symbol} (${hex(baseRefAddresses[i]!)}), the live base symbol`));
      image.redirects.forEach((redirect, i) => {
        if (redirect.slot === undefined) return;
        const trampoline = plans[i]!.trampoline!.address;
        journal.write(layout.data + redirect.slot, u64le(trampoline), 'slot',
          `${slotName(redirect.slot)} = trampoline ${hex(trampoline)}: the new code calls the original ${redirect.base} through it`);
      });
      // The bytes the writes replace are read in one call per run of nearby writes, not one each.
      journal.readAhead(function* () {
        for (const { step, write } of planSteps) {
          if (write) {
            if (changing.has(write)) yield { address: write.address, size: write.bytes.length };
          } else if (step.kind === 'trampoline') {
            yield { address: step.address, size: step.after.length };
          }
        }
        for (const w of restores) if (changing.has(w)) yield { address: w.address, size: w.bytes.length };
      }());
      // The plans' sentences are asked of the engine when the steps' explanations are read, not here.
      for (const { step, plan, write } of planSteps) {
        if (write) {
          if (changing.has(write)) journal.write(write.address, write.bytes, write.stage, write.explanation, write.atomic);
        } else if (step.kind === 'trampoline') {
          journal.write(step.address, step.after, 'trampoline', stepExplanation(plan, step));
        } else {
          journal.note('flush-icache', stepExplanation(plan, step), step.address);
        }
      }
      for (const w of restores) {
        if (changing.has(w)) journal.write(w.address, w.bytes, w.stage, w.explanation, w.atomic);
      }
      extras?.after?.(journal);
      if (active) this.unmapPatch(journal, active);
    } catch (error) {
      return this.undoFailed(journal, error);
    }

    this.active.set(module.name, {
      module: module.name, sequence: image.sequence, touched: prepared.touched, journal: journal.steps, previous: active,
      regions: [
        { kind: 'code' as const, address: layout.code, size: layout.codeSize },
        { kind: 'data' as const, address: layout.data, size: layout.dataSize },
        { kind: 'trampolines' as const, address: layout.trampolines, size: layout.trampolineSize },
        ...extras?.regions ?? [],
      ].filter((r) => r.size > 0),
    });
    return {
      status: 'applied', action: 'apply', module: module.name, sequence: image.sequence, previous: active?.sequence ?? null,
      // Read with their sentences: the plans' and steps' sentences are asked of the engine when first read.
      get steps() { return journal.explained(); },
      get plans() { return explainPlans(plans); },
      ...(layout.placement ? { placement: { code: layout.code, data: layout.data, trampolines: layout.trampolines, size: layout.total,
        withinShortReach: layout.placement.withinShortReach } } : {}),
    };
  }

  /** The journaled writes of a prepared rollback: the active patch's journal, backwards. */
  private writeRollback({ active, threads }: PreparedRollback): TransactionResult {
    const moduleName = active.module;
    const previous = active.previous;
    const journal = new Journal(this.sandbox);
    try {
      journal.readAhead(active.journal.filter((step) => step.action === 'write' && !ownedBy(active, step.address)));
      journal.note('safe-point', `${threads.length} thread${threads.length === 1 ? '' : 's'} checked: ` +
        threads.map((t) => `${t.name} at ${this.symbolize(t.pc)}`).join(', ') + '; none is in the way');
      for (let i = active.journal.length - 1; i >= 0; i--) {
        const step = active.journal[i]!;
        if (step.action === 'unmap') {
          const kind = previous?.regions.find((r) => r.address === step.address)?.kind ?? 'code';
          journal.map(step.address, step.size, step.prot!, step.before, `map-${kind}`,
            `map ${moduleName} patch ${previous?.sequence} ${kind} back, with the contents it had`);
        } else if (step.action === 'write' && !ownedBy(active, step.address)) {
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

  /**
   * A step failed: undo the journal, then check memory against it. Only when every region and every
   * byte the steps touched is as before does the refusal say memory is as it was.
   */
  private undoFailed(journal: Journal, error: unknown): RefusedTransaction {
    const message = error instanceof Error ? error.message : String(error);
    const failedAt = journal.current;
    const undoFailures = journal.undo();
    const differences = journal.differences();
    if (differences.length === 0) {
      return { status: 'refused', code: 'write-failed',
        message: `step ${failedAt} failed (${message}); the ${failedAt} steps were undone and memory is as it was` };
    }
    return { status: 'refused', code: 'undo-failed',
      message: `step ${failedAt} failed (${message}) and undoing the steps did not bring memory back: ` +
        differences.join('; ') + (undoFailures.length > 0 ? ` (${undoFailures.join('; ')})` : '') };
  }

  private unmapPatch(journal: Journal, patch: ActivePatch): void {
    for (const region of [...patch.regions].reverse()) {
      journal.unmap(region.address, region.size, 'unmap', `remove ${patch.module} patch ${patch.sequence} ${region.kind}: ` +
        'the new patch replaces it');
    }
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
