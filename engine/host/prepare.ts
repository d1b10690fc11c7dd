// The pure half of a hotpatch transaction: everything decided before the first write.
//
//   apply    = parse and validate the image, check the base identity and the sequence, resolve
//              imports and base references, choose where to map the patch, resolve its relocations
//              for that place (link.ts), plan every redirect, check that every guest thread is at a
//              safe point.
//   rollback = check that memory is as the active patch's journal left it, and the safe point.
//
// Before a replacing patch or a rollback, memory must be as the journal left it: the active patch's
// regions mapped with their protection (code and trampolines also with their bytes), and the bytes
// it wrote into base code still there; otherwise the answer is `memory-changed`, naming the place.
//
// Nothing here changes guest memory: the answer is a prepared transaction for the journaled writes
// (transaction.ts), a refusal, or a wait.
import { pageCeil } from '../../core/arch.ts';
import { hex } from '../../core/hex.ts';
import { moduleIdentity } from '../../core/identity.ts';
import type { GuestModule, ModuleSymbol } from '../../core/module.ts';
import type { MemoryRegion, Sandbox } from '../../sandbox/sandbox.ts';
import type { Engine } from './engine.ts';
import { type Explainer, type Explanation, type JournalStep, type StepStage, mappedParts, protName, range } from './journal.ts';
import { linkPatch } from './link.ts';
import { MemoryCopies } from './memory-copies.ts';
import { type PatchImage, parsePatchImageWith } from './patch-image.ts';
import { type Placement, choosePlacement } from './placement.ts';
import type { PlanResult, PlanStep, RedirectPlan, RedirectRequest } from './plan.ts';
import { explainPlan, planRedirectsFactsWith } from './plan-record.ts';
import { planRedirectFacts } from './redirect.ts';
import { type GuestThread, type Hazard, OverwriteHazard, describeUnsafeThread, findUnsafeThread } from './safe-point.ts';
import type { RefusedTransaction, TransactionRefusalCode, WaitingTransaction } from './transaction-result.ts';

export type Planner = (request: RedirectRequest) => Promise<PlanResult>;

export interface LoadedModule {
  module: GuestModule;
  identity: string;
  symbols: Map<string, ModuleSymbol>;
}

export async function loadedModule(module: GuestModule): Promise<LoadedModule> {
  return { module, identity: await moduleIdentity(module), symbols: new Map(module.symbols.map((s) => [s.name, s])) };
}

export type RegionKind = 'code' | 'data' | 'trampolines';

/** A patch that is live, and what is needed to take it back out. */
export interface ActivePatch {
  module: string;
  sequence: number;
  regions: { kind: RegionKind; address: number; size: number }[];
  /** Base code ranges this patch's redirects changed. */
  touched: { address: number; length: number }[];
  journal: JournalStep[];
  previous: ActivePatch | undefined;
}

/** One write into base code the transaction will make, and the function it belongs to. */
export interface BaseWrite {
  address: number;
  bytes: Uint8Array;
  stage: StepStage;
  atomic: boolean;
  /** A plan step's explanation is made when the journal's explanations are asked for. */
  explanation: Explanation;
  fn: ModuleSymbol;
}

/** What makes the explanation of a plan's step: the plan's sentences, asked of the engine once (explainPlan). */
export function stepExplanation(plan: RedirectPlan, step: PlanStep): Explainer {
  return new PlanStepExplainer(plan, step);
}

class PlanStepExplainer implements Explainer {
  constructor(private readonly plan: RedirectPlan, private readonly step: PlanStep) {}

  explain(): string {
    explainPlan(this.plan);
    return this.step.explanation;
  }
}

/** What the preparation reads: the hotpatcher's state, never changed here. */
export interface PreparationContext {
  sandbox: Sandbox;
  engine: Engine;
  modules: readonly LoadedModule[];
  planner: Planner;
  /** Bytes reserved per hook trampoline. */
  trampolineSize: number;
  threads: () => GuestThread[];
  active: (module: string) => ActivePatch | undefined;
  symbolize: (address: number) => string;
}

/** Where the patch goes: code (r-x), data (rw-) at the distance the toolchain assembled with, trampolines (r-x). */
export interface PatchLayout {
  placement: Placement | undefined;
  hooks: number;
  code: number;
  codeSize: number;
  data: number;
  dataSize: number;
  trampolines: number;
  trampolineSize: number;
  total: number;
}

/** An apply decided in full: the journaled writes need nothing else. */
export interface PreparedApply {
  status: 'ready';
  loaded: LoadedModule;
  image: PatchImage;
  imageBytes: Uint8Array;
  /** The bytes to map: the image's code and data sections, their relocations resolved for the layout. */
  sections: { code: Uint8Array; data: Uint8Array };
  active: ActivePatch | undefined;
  layout: PatchLayout;
  importAddresses: number[];
  baseRefAddresses: number[];
  plans: RedirectPlan[];
  /** Every plan's steps in plan order: trampolines, then padding and entry jumps, then cache maintenance. */
  planSteps: { step: PlanStep; plan: RedirectPlan; write?: BaseWrite }[];
  /** Base code the active patch changed that this one does not: its original bytes go back. */
  restores: BaseWrite[];
  /** The base writes and restores whose bytes differ from what memory holds now. */
  changing: Set<BaseWrite>;
  /** Base code ranges this patch's redirects change. */
  touched: { address: number; length: number }[];
  /** The threads the safe point was checked for. */
  threads: GuestThread[];
}

/** A rollback decided in full. */
export interface PreparedRollback {
  status: 'ready';
  active: ActivePatch;
  threads: GuestThread[];
}

/** Thrown from deep inside the preparation to return a refusal; not an Error, so no stack is captured. */
class Refusal {
  constructor(readonly result: RefusedTransaction) {}
}

function refuse(code: TransactionRefusalCode, message: string, extra: Partial<RefusedTransaction> = {}): never {
  throw new Refusal({ status: 'refused', code, message, ...extra });
}

async function refusalOf<T>(prepare: () => Promise<T>): Promise<T | RefusedTransaction> {
  try {
    return await prepare();
  } catch (error) {
    if (error instanceof Refusal) return error.result;
    throw error;
  }
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether `bytes` are what the module was loaded with at `address`. */
function asLoaded(module: GuestModule, address: number, bytes: Uint8Array): boolean {
  const start = address - module.base;
  if (start < 0 || start + bytes.length > module.code.length) return false;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== module.code[start + i]) return false;
  return true;
}

/** Parses, links, places and plans `imageBytes`, and checks the safe point. Writes nothing. */
export function prepareApply(context: PreparationContext, imageBytes: Uint8Array): Promise<PreparedApply | RefusedTransaction | WaitingTransaction> {
  return refusalOf(() => prepare(context, imageBytes));
}

/** Checks that the active patch of `moduleName` can be rolled back now. Writes nothing. */
export function prepareRollback(context: PreparationContext, moduleName: string): Promise<PreparedRollback | RefusedTransaction | WaitingTransaction> {
  return refusalOf(async () => prepareRollbackOf(context, moduleName));
}

async function prepare(context: PreparationContext, imageBytes: Uint8Array): Promise<PreparedApply | WaitingTransaction> {
  const { sandbox, modules } = context;
  const arch = sandbox.arch;
  const parsed = parsePatchImageWith(context.engine, imageBytes, arch);
  if (!parsed.ok) {
    refuse('bad-image', `the patch image is invalid: ${parsed.error.message}`, { imageError: parsed.error });
  }
  const image = parsed.image;
  const loaded = modules.find((m) => m.module.name === image.module)
    ?? refuse('unknown-module', `the patch is for module "${image.module}", which is not loaded ` +
      `(loaded: ${modules.map((m) => m.module.name).join(', ')})`);
  const module = loaded.module;
  if (image.baseIdentity !== loaded.identity) {
    refuse('wrong-base', `the patch was built for ${module.name} sha256:${image.baseIdentity}, but the running ` +
      `${module.name} is sha256:${loaded.identity}: it belongs to another build and nothing was written`);
  }
  const active = context.active(module.name);
  if (active && image.sequence <= active.sequence) {
    refuse('stale-sequence', `patch sequence ${image.sequence} for ${module.name} is not newer than the active patch ` +
      `(sequence ${active.sequence}); a replacement needs a higher sequence number`);
  }

  if (active) checkAsJournaled(context, active, 'replacing it');

  const targets = image.redirects.map((r) => resolveTarget(loaded, r));
  const importAddresses = image.imports.map((entry) => resolveImport(modules, entry.module, entry.symbol));
  const baseRefAddresses = image.baseReferences.map((entry) => {
    const symbol = loaded.symbols.get(entry.symbol)
      ?? refuse('missing-base-symbol', `the patch refers to ${module.name}!${entry.symbol}, which the module does not define`);
    return symbol.address;
  });

  const layout = placePatch(context, image, module, targets);
  const sections = linkSections(context, loaded, image, imageBytes, layout);

  // Plans, made against the original bytes of each function (not an earlier patch's jump).
  const plans: RedirectPlan[] = [];
  const baseWrites: BaseWrite[] = [];
  const planSteps: PreparedApply['planSteps'] = [];
  let hookIndex = 0;
  const requests = image.redirects.map((redirect, i): RedirectRequest => {
    const fn = targets[i]!;
    const request: RedirectRequest = {
      arch, target: { address: fn.address, bytes: codeView(module, fn.address, fn.size), name: `${module.name}!${fn.name}` },
      padding: paddingBefore(loaded, fn), replacement: layout.code + redirect.newOffset, mode: redirect.mode,
    };
    if (redirect.mode === 'hook') request.trampolineAddress = layout.trampolines + hookIndex++ * context.trampolineSize;
    return request;
  });
  // The engine's own planner plans them all in one call: a thousand plans need not wait a thousand times.
  const results = context.planner === planRedirectFacts ? planRedirectsFactsWith(context.engine, requests) : [];
  for (let i = 0; i < requests.length; i++) {
    const request = requests[i]!;
    const fn = targets[i]!;
    const result = results[i] ?? await context.planner(request);
    if (!result.ok) {
      refuse('plan-refused', `${module.name}!${fn.name} cannot be redirected: ${result.refusal.message}`, { refusal: result.refusal });
    }
    const plan = result.plan;
    checkPlan(context, module, fn, request.padding!.length, plan, request, request.trampolineAddress);
    plans.push(plan);
    for (const step of plan.steps) {
      if (step.kind !== 'padding-jump' && step.kind !== 'entry-jump') { planSteps.push({ step, plan }); continue; }
      const write = { address: step.address, bytes: step.after, stage: step.kind, atomic: step.atomic, explanation: stepExplanation(plan, step), fn };
      baseWrites.push(write);
      planSteps.push({ step, plan, write });
    }
  }
  const touched = baseWrites.map((w) => ({ address: w.address, length: w.bytes.length }));
  const restores = active ? restoresFor(modules, module, active, touched) : [];
  const base = baseState(active);
  const regions = sandbox.regions();
  const writes = [...baseWrites, ...restores];
  const copies = MemoryCopies.read(sandbox, writes.map((w) => ({ address: w.address, size: w.bytes.length })));
  const changing = writes.filter((w) => {
    // The plans were made for the bytes the module was loaded with, or the active patch left there.
    const now = copies.view(w.address, w.bytes.length) ?? readIfMapped(sandbox, regions, w.address, w.bytes.length);
    if (!now) refuse('memory-changed', `${where(context, w.address)} is no longer mapped; nothing was written`);
    const expected = base.size === 0 ? undefined : original(module, w.address, w.bytes.length).map((b, i) => base.get(w.address + i)?.byte ?? b);
    if (expected ? !equalBytes(now, expected) : !asLoaded(module, w.address, now)) {
      refuse('memory-changed', `${where(context, w.address)} does not hold the bytes ${active ? `patch ${active.sequence} left there` :
        `${module.name} was loaded with`}; it was changed since, and nothing was written`);
    }
    return !equalBytes(now, w.bytes);
  });

  // Safe point: nothing is written while a thread stands where the writes would break it.
  const hazards: Hazard[] = changing.map((w) => writeHazard(module.name, w));
  if (active) hazards.push(...removalHazards(active));
  const threads = context.threads();
  const unsafe = findUnsafeThread(sandbox, threads, hazards);
  if (unsafe) return { status: 'wait', unsafe, message: describeUnsafeThread(unsafe, context.symbolize) };

  return {
    status: 'ready', loaded, image, imageBytes, sections, active, layout, importAddresses, baseRefAddresses, plans, planSteps, restores,
    changing: new Set(changing), touched, threads,
  };
}

/** An address as a refusal says it: in hex, and what is there. */
function where(context: PreparationContext, address: number): string {
  return `${hex(address)} (${context.symbolize(address)})`;
}

function placePatch(context: PreparationContext, image: PatchImage, module: GuestModule, targets: ModuleSymbol[]): PatchLayout {
  const hooks = image.redirects.filter((r) => r.mode === 'hook').length;
  const codeSize = pageCeil(image.code.size);
  const dataSize = pageCeil(image.data.size);
  const trampolineSize = pageCeil(hooks * context.trampolineSize);
  const total = codeSize + dataSize + trampolineSize;
  const placement = total === 0 ? undefined
    : choosePlacement(context.sandbox.arch, context.sandbox.regions(), total, targets.map((t) => t.address), module.base)
      ?? refuse('no-space', `no free range of ${hex(total)} bytes is left in guest memory for the patch`);
  const code = placement?.address ?? 0;
  const data = code + codeSize;
  const trampolines = data + dataSize;
  return { placement, hooks, code, codeSize, data, dataSize, trampolines, trampolineSize, total };
}

/**
 * The sections as they will be mapped: version 2 images have their relocations resolved for the
 * layout, or a refusal names the relocation that cannot be (a missing symbol, a value its field
 * cannot hold).
 */
function linkSections(context: PreparationContext, loaded: LoadedModule, image: PatchImage, imageBytes: Uint8Array,
  layout: PatchLayout): PreparedApply['sections'] {
  if (image.relocations.length === 0) return { code: section(imageBytes, image, 'code'), data: section(imageBytes, image, 'data') };
  const linked = linkPatch(context.engine, context.sandbox.arch, imageBytes, image, layout.code, layout.data, {
    base: (name) => loaded.symbols.get(name)?.address,
    export: (moduleName, symbolName) => exportAddress(context.modules, moduleName, symbolName),
  });
  if (!linked.ok) refuse(linked.code, linked.message, { relocation: linked.relocation });
  return { code: linked.code, data: linked.data };
}

function section(bytes: Uint8Array, image: PatchImage, which: 'code' | 'data'): Uint8Array {
  const region = image[which];
  return bytes.slice(region.offset, region.offset + region.size);
}

function prepareRollbackOf(context: PreparationContext, moduleName: string): PreparedRollback | WaitingTransaction {
  const { sandbox } = context;
  const active = context.active(moduleName)
    ?? refuse('nothing-to-roll-back', `no patch is active for ${moduleName}: there is nothing to roll back`);
  checkAsJournaled(context, active, 'rolling back');
  // The previous patch's memory goes back where it was: that must still be free.
  const regions = sandbox.regions();
  for (const step of active.journal) {
    if (step.action !== 'unmap' || mappedParts(regions, step.address, step.size).length === 0) continue;
    refuse('memory-changed', `${range(step.address, step.size)}, where ${moduleName} patch ${active.previous?.sequence} ` +
      `goes back, is mapped by something else now; rolling back would need it`);
  }
  // Writes into the patch's own memory vanish with it; the others are undone.
  const writes = baseWritesOf(active);
  const hazards: Hazard[] = writes.filter((s) => !equalBytes(s.before, s.after)).map((s) => {
    const fn = functionAt(context.modules, s.address);
    return { kind: 'overwrite' as const, start: s.address, end: s.address + s.size, safe: fn ? [fn.address] : [],
      label: `bytes ${hex(s.address)}..${hex(s.address + s.size)} of ${context.symbolize(s.address)}` };
  });
  hazards.push(...removalHazards(active));
  const threads = context.threads();
  const unsafe = findUnsafeThread(sandbox, threads, hazards);
  if (unsafe) return { status: 'wait', unsafe, message: describeUnsafeThread(unsafe, context.symbolize) };
  return { status: 'ready', active, threads };
}

/** `length` bytes at `address` when every one of them is mapped; undefined otherwise (never a sandbox error). */
function readIfMapped(sandbox: Sandbox, regions: readonly MemoryRegion[], address: number, length: number): Uint8Array | undefined {
  const mapped = mappedParts(regions, address, length).reduce((n, part) => n + part.size, 0);
  return mapped === length ? sandbox.read(address, length) : undefined;
}

/**
 * What the patches of a chain (the active one and those it replaced) left in base code, byte by
 * byte: each patch's base writes over the older ones', with the sequence of the patch that wrote it.
 */
function baseState(active: ActivePatch | undefined): Map<number, { byte: number; sequence: number }> {
  const chain: ActivePatch[] = [];
  for (let p = active; p; p = p.previous) chain.unshift(p);
  const state = new Map<number, { byte: number; sequence: number }>();
  for (const patch of chain) {
    for (const step of baseWritesOf(patch)) step.after.forEach((byte, i) => state.set(step.address + i, { byte, sequence: patch.sequence }));
  }
  return state;
}

/**
 * Memory as the journal left it, or a `memory-changed` refusal naming the place: every region of
 * the active patch mapped whole with the protection it was mapped with, its code and trampolines
 * holding what the journal put there (its data is the program's to change), and every byte the
 * patches wrote into base code still there. `doing` says what would go wrong otherwise.
 */
function checkAsJournaled(context: PreparationContext, active: ActivePatch, doing: string): void {
  const { sandbox } = context;
  const regions = sandbox.regions();
  const changed = (what: string): never => refuse('memory-changed', `${what}: memory was changed since patch ${active.sequence} ` +
    `was applied, so ${doing} is refused and nothing was written`);
  for (const region of active.regions) {
    const label = `${active.module} patch ${active.sequence} ${region.kind} at ${range(region.address, region.size)}`;
    const mapStep = active.journal.find((s) => s.action === 'map' && s.address === region.address);
    const parts = mappedParts(regions, region.address, region.size);
    const mapped = parts.reduce((n, part) => n + part.size, 0);
    if (mapped === 0) changed(`${label} is no longer mapped`);
    if (mapped < region.size) changed(`${label} is only partly mapped`);
    const wrongProt = mapStep ? parts.find((part) => part.prot !== mapStep.prot) : undefined;
    if (wrongProt) {
      changed(`${label} is ${protName(wrongProt.prot)} at ${hex(wrongProt.address)} where it was mapped ${protName(mapStep!.prot!)}`);
    }
    if (region.kind === 'data' || !mapStep) continue;
    const expected = new Uint8Array(region.size);
    expected.set(mapStep.after.subarray(0, region.size));
    for (const step of active.journal) {
      if (step.action !== 'write' || step.address < region.address || step.address + step.size > region.address + region.size) continue;
      expected.set(step.after, step.address - region.address);
    }
    const now = sandbox.read(region.address, region.size);
    const at = now.findIndex((b, i) => b !== expected[i]);
    if (at >= 0) changed(`${label} no longer holds what the journal put there (first difference at ${hex(region.address + at)})`);
  }
  // Base code, byte by byte, in runs.
  const state = [...baseState(active)].sort(([a], [b]) => a - b);
  for (let i = 0; i < state.length;) {
    let j = i + 1;
    while (j < state.length && state[j]![0] === state[j - 1]![0] + 1) j++;
    const start = state[i]![0];
    const now = readIfMapped(sandbox, regions, start, j - i);
    const place = (address: number) => `${hex(address)} (${context.symbolize(address)})`;
    if (!now) changed(`${place(start)}, where patch ${state[i]![1].sequence} wrote, is no longer mapped`);
    const at = now!.findIndex((b, k) => b !== state[i + k]![1].byte);
    if (at >= 0) {
      refuse('memory-changed', `${place(start + at)} no longer holds what patch ${state[i + at]![1].sequence} wrote there; ` +
        `${doing} would overwrite a change made since`);
    }
    i = j;
  }
}

/** Whether `address` is in memory the patch mapped itself. */
export function ownedBy(patch: ActivePatch, address: number): boolean {
  return patch.regions.some((r) => address >= r.address && address < r.address + r.size);
}

/** The patch's writes outside its own memory (into base code), in journal order. */
export function baseWritesOf(patch: ActivePatch): JournalStep[] {
  return patch.journal.filter((s) => s.action === 'write' && !ownedBy(patch, s.address));
}

function resolveTarget({ module, symbols }: LoadedModule, redirect: PatchImage['redirects'][number]): ModuleSymbol {
  const symbol = symbols.get(redirect.base);
  const fn = symbol?.kind === 'function' ? symbol : refuse('missing-base-symbol', `the patch redirects ${module.name}!${redirect.base}, which is not a function of the module`);
  if (fn.address - module.base !== redirect.baseOffset || fn.size !== redirect.baseSize) {
    refuse('inconsistent-image', `the patch places ${module.name}!${redirect.base} at +${hex(redirect.baseOffset)} ` +
      `(${redirect.baseSize} bytes) but the module has it at +${hex(fn.address - module.base)} (${fn.size} bytes)`);
  }
  return fn;
}

function resolveImport(modules: readonly LoadedModule[], moduleName: string, symbolName: string): number {
  const address = exportAddress(modules, moduleName, symbolName);
  return typeof address === 'number' ? address : refuse('missing-import', `the patch imports ${moduleName}!${symbolName}, but ${address}`);
}

/** The address of another module's export, or why there is none. */
function exportAddress(modules: readonly LoadedModule[], moduleName: string, symbolName: string): number | string {
  const provider = modules.find((m) => m.module.name === moduleName)?.module;
  if (!provider) return `no module "${moduleName}" is loaded`;
  const symbol = provider.exports.includes(symbolName) ? provider.symbols.find((s) => s.name === symbolName) : undefined;
  return symbol ? symbol.address : `module ${moduleName} does not export "${symbolName}"`;
}

/** The bytes the module was loaded with (what the planners plan against). */
/** The bytes the module was loaded with at `address`, as a view: for reading only. */
function codeView(module: GuestModule, address: number, length: number): Uint8Array {
  return module.code.subarray(address - module.base, address - module.base + length);
}

export function original(module: GuestModule, address: number, length: number): Uint8Array {
  return module.code.slice(address - module.base, address - module.base + length);
}

/** The hazard of a base write: its bytes, where a thread may stand only at the function's entry. */
export function writeHazard(module: string, w: BaseWrite): Hazard {
  return new OverwriteHazard(w.address, w.address + w.bytes.length, w.fn.address, module, w.fn.name);
}

/** Longest padding handed to a planner: more than any padding jump needs. */
const MAX_PADDING = 32;

/**
 * x86-64: the int3/nop bytes right before the function inside a range the toolchain recorded as
 * fill, which a redirect may use for the hot-patch form. Bytes not known to be fill (a table or a
 * string in .text that happens to end in 0x90 or 0xcc) are never padding.
 */
function paddingBefore({ module }: LoadedModule, fn: ModuleSymbol): Uint8Array {
  if (module.arch !== 'x64') return new Uint8Array(0);
  const fill = fillEnding(module).get(fn.address);
  if (!fill) return new Uint8Array(0);
  let start = fn.address;
  while (start > fill.address && fn.address - start < MAX_PADDING && isFillByte(module.code[start - 1 - module.base]!)) start--;
  return codeView(module, start, fn.address - start);
}

/** int3 or nop: what x86-64 toolchains fill the room between functions with. */
function isFillByte(byte: number): boolean {
  return byte === 0xcc || byte === 0x90;
}

const fillEnds = new WeakMap<GuestModule, Map<number, { address: number; size: number }>>();

/** The module's fill ranges by the address they end at. */
function fillEnding(module: GuestModule): Map<number, { address: number; size: number }> {
  let ends = fillEnds.get(module);
  if (!ends) {
    ends = new Map();
    for (const r of module.fill ?? []) if (r.size > 0 && !ends.has(r.address + r.size)) ends.set(r.address + r.size, r);
    fillEnds.set(module, ends);
  }
  return ends;
}

function badPlan(module: GuestModule, fn: ModuleSymbol, why: string): never {
  return refuse('bad-plan', `the plan for ${module.name}!${fn.name} ${why}; nothing was written`);
}

/** A plan may write only the function's entry and padding, and its own trampoline area. */
function checkPlan(context: PreparationContext, module: GuestModule, fn: ModuleSymbol, padding: number, plan: RedirectPlan,
  request: RedirectRequest, trampoline: number | undefined): void {
  const reserved = context.trampolineSize;
  if (plan.target !== fn.address || plan.replacement !== request.replacement) badPlan(module, fn, 'answers for another function');
  if (trampoline !== undefined && (!plan.trampoline || plan.trampoline.address !== trampoline)) badPlan(module, fn, 'puts its trampoline elsewhere');
  if (plan.trampoline && plan.trampoline.bytes.length > reserved) {
    badPlan(module, fn, `has a ${plan.trampoline.bytes.length}-byte trampoline; ${reserved} bytes are reserved`);
  }
  for (const step of plan.steps) {
    if (step.kind === 'flush-icache') continue;
    if (step.before.length !== step.after.length) badPlan(module, fn, `has a ${step.kind} step whose before and after differ in length`);
    const end = step.address + step.after.length;
    if (step.kind === 'trampoline') {
      if (trampoline === undefined || step.address < trampoline || end > trampoline + reserved) {
        badPlan(module, fn, `writes its trampoline at ${hex(step.address)}, outside the reserved area`);
      }
    } else if (step.address < fn.address - padding || end > fn.address + fn.size) {
      badPlan(module, fn, `writes ${hex(step.address)}..${hex(end)}, outside the function and its padding`);
    } else if (!asLoaded(module, step.address, step.before)) {
      badPlan(module, fn, `expects other bytes at ${hex(step.address)} than the module was loaded with`);
    }
  }
}

/** Base code the active patch changed that the new one leaves alone: its original bytes go back. */
function restoresFor(modules: readonly LoadedModule[], module: GuestModule, active: ActivePatch,
  keep: { address: number; length: number }[]): BaseWrite[] {
  const restores: BaseWrite[] = [];
  for (const range of active.touched) {
    let start = range.address;
    const end = range.address + range.length;
    while (start < end) {
      const covered = keep.find((k) => start >= k.address && start < k.address + k.length);
      if (covered) { start = covered.address + covered.length; continue; }
      const next = Math.min(end, ...keep.filter((k) => k.address > start).map((k) => k.address));
      const fn = functionAt(modules, start) ?? functionAt(modules, next)!;
      restores.push({ address: start, bytes: original(module, start, next - start), stage: 'restore', atomic: next - start <= 8,
        explanation: `put back the original bytes of ${module.name}!${fn.name} at ${hex(start)}: this patch no longer changes them`, fn });
      start = next;
    }
  }
  // Entries first: once an entry is original again, the function runs its own code.
  return restores.sort((a, b) => Number(b.address === b.fn.address) - Number(a.address === a.fn.address));
}

function removalHazards(active: ActivePatch): Hazard[] {
  return active.regions.filter((r) => r.kind !== 'data').map((r) => ({
    kind: 'removed' as const, start: r.address, end: r.address + r.size,
    label: `${active.module} patch ${active.sequence} ${r.kind === 'code' ? 'code' : 'trampolines'}`,
  }));
}

function functionAt(modules: readonly LoadedModule[], address: number): ModuleSymbol | undefined {
  for (const { module } of modules) {
    const fn = module.symbols.find((s) => s.kind === 'function' && address >= s.address && address < s.address + s.size);
    if (fn) return fn;
  }
  return undefined;
}
