// The patch, step by step: apply at once or replay the transaction's journal one step at a time,
// step back, roll back, and see a refusal and its reason. Each step shows what was decided and
// why, its bytes before and after, the code before and after, and the redirections as a diagram.
import { byId, explain, fill, h } from '../dom.ts';
import { hex } from '../../../core/hex.ts';
import type { Arch } from '../../../core/arch.ts';
import type { LabSession } from '../lab/lab-session.ts';
import type { DisassemblyLine, PatchingStatus, RedirectView, RunSettings, Snapshot, TransactionStepView, TransactionView } from '../lab/protocol.ts';
import { type LabStore, patchIndex } from '../state/lab-state.ts';
import { renderBytesDiff } from './bytes-diff.ts';
import { type RedirectDrawing, renderFlowDiagram } from './flow-diagram.ts';
import { INTRO_STORY, NOT_BUILT_STORY, plainStory, REFUSAL_STORY } from './step-story.ts';
import { count } from '../../../core/count.ts';

export class PatchPane {
  private readonly choice = byId<HTMLSelectElement>('patch-choice');
  private readonly apply = byId<HTMLButtonElement>('apply');
  private readonly applyStepwise = byId<HTMLButtonElement>('apply-stepwise');
  private readonly back = byId<HTMLButtonElement>('patch-back');
  private readonly forward = byId<HTMLButtonElement>('patch-forward');
  private readonly finish = byId<HTMLButtonElement>('patch-finish');
  private readonly rollback = byId<HTMLButtonElement>('rollback');
  private readonly notice = byId('patch-notice');
  private readonly summary = byId('patch-summary');
  private readonly diagram = byId('patch-diagram');
  private readonly stepList = byId('patch-steps');
  private readonly detail = byId('patch-detail');
  private readonly layout = byId('patch-layout');
  private readonly journalControls = byId('journal-controls');
  private status: PatchingStatus | undefined;
  private loaded = false;
  /** Why the loaded program is not the one in the editor, when it is not. */
  private staleReason: string | undefined;
  private busy = false;
  /** The guest has exited or failed: nothing can run a patch. */
  private ended = false;
  private arch: Arch | undefined;
  /** The run the guest is in (Snapshot.run). */
  private run: number | undefined;
  /** Set when a new run dropped the transaction shown: the reader is told where it went. */
  private dropped: string | undefined;
  private view: TransactionView | undefined;
  /** Journal steps in effect while stepping through; undefined when not stepping. */
  private stepping: { position: number; total: number } | undefined;
  private selected = 0;
  private live: { module: string; sequence: number }[] = [];
  /** Redirects of each patch applied, by "module#sequence", to draw what a rollback undoes or brings back. */
  private readonly redirectsOf = new Map<string, RedirectView[]>();

  constructor(private readonly session: LabSession, private readonly store: LabStore,
    private readonly settings: () => RunSettings) {
    this.apply.addEventListener('click', () => void this.applyChosen(false));
    this.applyStepwise.addEventListener('click', () => void this.applyChosen(true));
    this.back.addEventListener('click', () => void this.move('back'));
    this.forward.addEventListener('click', () => void this.move('next'));
    this.finish.addEventListener('click', () => void this.move('end'));
    this.rollback.addEventListener('click', () => void this.rollBack());
    store.subscribe((state, previous) => {
      if (state.patches !== previous.patches || state.view.editor !== previous.view.editor) this.renderChoices();
    });
    this.renderChoices();
    this.updateButtons();
  }

  /** `staleReason`: the sources were edited since the program was loaded, and what to do about it. */
  setStatus(status: PatchingStatus | undefined, loaded: boolean, staleReason?: string): void {
    this.status = status;
    this.loaded = loaded;
    this.staleReason = staleReason;
    this.updateButtons();
  }

  /** Follows the guest: which patches are live, and where a step-through stands. */
  showSnapshot(snapshot: Snapshot): void {
    this.live = snapshot.patches;
    this.arch = snapshot.arch;
    this.ended = snapshot.state === 'exited' || snapshot.state === 'failed';
    if ((this.run !== undefined && snapshot.run !== this.run) || snapshot.state === 'empty') {
      // A new guest (load or reset) runs the loaded code: nothing of the earlier run's transactions is in it.
      if (this.view?.status === 'applied') {
        this.dropped = `${this.view.action === 'apply' ? `Patch ${this.view.subject}` : `The rollback of ${this.view.subject}`} went into an `
          + 'earlier run of the program; this run started from the loaded code without it.';
      }
      this.view = undefined;
      this.redirectsOf.clear();
      this.selected = 0;
    }
    this.run = snapshot.run;
    const stepping = snapshot.stepping;
    const moved = stepping?.position !== this.stepping?.position;
    this.stepping = stepping;
    if (this.view && stepping) {
      this.view.position = stepping.position;
      if (moved) this.selected = Math.max(0, stepping.position - 1);
    }
    this.render();
  }

  private renderChoices(): void {
    const state = this.store.state;
    const previous = this.choice.value;
    fill(this.choice, ...state.patches.map((p, i) => h('option', { value: String(i) }, p.name)));
    const inEditor = patchIndex(state.view.editor);
    this.choice.value = inEditor !== undefined ? String(inEditor)
      : [...this.choice.options].some((o) => o.value === previous) ? previous : '0';
  }

  private get midTransaction(): boolean {
    return this.stepping !== undefined && this.stepping.position < this.stepping.total;
  }

  /** Why patches cannot go in now, in words; undefined when they can. */
  private get blocked(): string | undefined {
    if (!this.status) return 'the program is being loaded';
    if (!this.status.available) return this.status.reason;
    if (!this.loaded) return this.staleReason ?? 'the program does not assemble: fix the sources first';
    if (this.busy) return 'a transaction is going in';
    if (this.midTransaction) return 'finish stepping through the current transaction first (Next step or Finish)';
    if (this.ended) return 'the program has ended: Run it again (or Reset), then apply';
    return undefined;
  }

  /** Why nothing can go in now, the sources aside. */
  private get blockedWhenLoaded(): string | undefined {
    if (this.busy) return 'a transaction is going in';
    if (this.midTransaction) return 'finish stepping through the current transaction first (Next step or Finish)';
    if (this.ended) return 'the program has ended: Run it again (or Reset), then apply';
    return undefined;
  }

  private updateButtons(): void {
    const usable = this.status?.available === true && this.loaded && !this.busy;
    const blocked = this.blocked;
    this.apply.disabled = blocked !== undefined;
    this.applyStepwise.disabled = this.apply.disabled;
    this.choice.disabled = this.apply.disabled;
    this.back.disabled = !usable || !this.stepping || this.stepping.position === 0;
    this.forward.disabled = !usable || !this.midTransaction;
    this.finish.disabled = this.forward.disabled;
    const module = this.live.at(-1)?.module;
    // A rollback builds nothing: sources edited since the load (not hot-applied, or taken out again) do not stop it.
    const rollbackBlocked = !this.loaded && this.staleReason && this.status?.available ? this.blockedWhenLoaded : blocked;
    this.rollback.disabled = rollbackBlocked !== undefined || module === undefined;
    this.rollback.textContent = module ? `Roll back ${module} patch ${this.live.at(-1)!.sequence}` : 'Roll back';
    // A disabled control says why, on the page (the notice) and to assistive technology (described by it).
    const rollbackWhy = rollbackBlocked ?? (module === undefined ? 'no patch is live in the running program' : undefined);
    this.notice.textContent = blocked && !this.busy ? `Patches cannot be applied now: ${blocked}.` : '';
    explain(this.apply, blocked, 'patch-notice');
    explain(this.applyStepwise, blocked, 'patch-notice');
    explain(this.rollback, rollbackWhy, blocked ? 'patch-notice' : undefined);
  }

  async applyChosen(stepwise: boolean): Promise<void> {
    if (this.apply.disabled) return;
    const patch = this.store.state.patches[Number(this.choice.value)];
    if (!patch) return;
    await this.transaction(() => this.session.applyPatch(patch, stepwise, this.settings()));
  }

  /** Applies the patch file of that name (the story's moment); false when there is none, it does not build, or patches cannot go in now. */
  async applyFile(name: string): Promise<boolean> {
    const index = this.store.state.patches.findIndex((p) => p.name === name);
    if (index < 0 || this.apply.disabled) return false;
    this.choice.value = String(index);
    await this.applyChosen(false);
    return this.view !== undefined && this.view.status !== 'not-built';
  }

  /** Rolls back the module's live patch (the story's moment). */
  async rollBackModule(module: string): Promise<void> {
    if (this.rollback.disabled) return;
    await this.transaction(() => this.session.rollbackPatch(module, false, this.settings()));
  }

  /** Shows a transaction started elsewhere (a hot-applied edit) as this view's own: its steps, or its refusal. */
  async showTransaction(run: () => Promise<TransactionView>): Promise<void> {
    await this.transaction(run);
  }

  private async rollBack(): Promise<void> {
    const module = this.live.at(-1)?.module;
    if (!module || this.rollback.disabled) return;
    await this.transaction(() => this.session.rollbackPatch(module, false, this.settings()));
  }

  private async transaction(run: () => Promise<TransactionView>): Promise<void> {
    this.busy = true;
    this.updateButtons();
    try {
      this.view = await run();
      this.dropped = undefined;
      // The guest has the transaction now; the next snapshot will say so too.
      const { status, module, sequence, position, steps } = this.view;
      if (status === 'applied' && module !== undefined && position === steps.length) {
        this.live = [...this.live.filter((p) => p.module !== module), ...(typeof sequence === 'number' ? [{ module, sequence }] : [])];
      }
      if (this.view.status === 'applied' && this.view.action === 'apply') {
        this.redirectsOf.set(`${this.view.module}#${this.view.sequence}`, this.view.redirects);
      }
      this.selected = this.view.position > 0 ? this.focusStep(this.view) : 0;
    } catch (error) {
      this.view = { action: 'apply', subject: '', status: 'refused', code: 'error',
        message: error instanceof Error ? error.message : String(error), steps: [], redirects: [], position: 0 };
    } finally {
      this.busy = false;
    }
    document.documentElement.dataset.transaction = this.view.status;
    this.render();
  }

  /** The step worth looking at first: the one that makes a redirect live, or for a rollback the one that undoes it. */
  private focusStep(view: TransactionView): number {
    const key = view.steps.findIndex((s) => s.stage === (view.action === 'apply' ? 'entry-jump' : 'restore'));
    return key >= 0 ? key : view.steps.length - 1;
  }

  async move(to: 'next' | 'back' | 'end'): Promise<void> {
    const disabled = to === 'back' ? this.back.disabled : this.forward.disabled;
    if (disabled) return;
    await this.session.transactionStep(to);
  }

  private render(): void {
    this.updateButtons();
    const view = this.view;
    // Without steps to go through (nothing applied yet, or a refusal), the step list and its buttons are left out.
    this.layout.classList.toggle('no-steps', !view || view.steps.length === 0);
    this.journalControls.hidden = !view || view.steps.length === 0;
    if (!view) {
      fill(this.summary, ...(this.dropped ? [h('p', { class: 'dropped', 'data-testid': 'patch-dropped' }, this.dropped)] : []));
      fill(this.diagram);
      fill(this.stepList);
      fill(this.detail, h('p', { class: 'story' }, INTRO_STORY));
      return;
    }
    this.renderSummary(view);
    // A transaction is only shown after a snapshot, which says the architecture.
    const arch = this.arch;
    fill(this.diagram, ...(arch ? this.drawings(view).map((d) => renderFlowDiagram({ ...d, arch })) : []));
    fill(this.stepList, ...view.steps.map((step, i) => h('li', {
      class: [i < view.position ? 'done' : '', i === this.selected ? 'selected' : ''].join(' ').trim(),
      dataset: { stage: step.stage },
    }, h('button', { onclick: () => { this.selected = i; this.render(); }, 'aria-current': i === this.selected ? 'step' : undefined },
      `${step.step}. ${step.title}`))));
    const step = view.steps[this.selected];
    if (view.status !== 'applied') fill(this.detail, h('p', { class: 'story' }, view.status === 'not-built' ? NOT_BUILT_STORY : REFUSAL_STORY));
    else fill(this.detail, ...(step ? this.renderStep(step, view, this.selected < view.position) : []));
  }

  /** The redirections to draw: an apply's own; for a rollback, the patch it removes or the one it brings back. */
  private drawings(view: TransactionView): Omit<RedirectDrawing, 'arch'>[] {
    if (view.status !== 'applied') return [];
    if (view.action === 'apply') return view.redirects.map((r) => ({ ...r, live: view.position >= r.liveAtStep }));
    const restoreAt = view.steps.findIndex((s) => s.stage === 'restore') + 1;
    const done = restoreAt > 0 && view.position >= restoreAt;
    const removed = this.redirectsOf.get(`${view.module}#${view.previous}`) ?? [];
    if (!done) return removed.map((r) => ({ ...r, live: true }));
    // Back to an earlier patch: its redirects are live again; functions it left alone are back to their own code.
    const back = view.sequence === null || view.sequence === undefined ? [] : this.redirectsOf.get(`${view.module}#${view.sequence}`) ?? [];
    return [...back.map((r) => ({ ...r, live: true })),
      ...removed.filter((r) => !back.some((b) => b.target === r.target)).map((r) => ({ ...r, live: true, restored: true }))];
  }

  private renderSummary(view: TransactionView): void {
    const what = view.action === 'apply' ? `Patch ${view.subject}` : `Rollback of ${view.subject}`;
    const wait = view.wait ? h('p', { class: 'wait' }, `Waited ${count(view.wait.instructions)} instruction`,
      view.wait.instructions === 1 ? '' : 's', ` for a safe point: ${view.wait.message}.`) : null;
    if (view.status !== 'applied') {
      fill(this.summary, h('div', { class: 'refusal', 'data-testid': 'refusal' },
        h('strong', {}, view.status === 'not-built' ? `${what} does not build` : `${what} was refused`),
        view.code && view.status === 'refused' ? ` (${view.code})` : '', `: ${view.message ?? ''}`,
        h('p', {}, 'Nothing was written: guest memory is exactly as it was.')), wait);
      return;
    }
    const replaying = this.stepping !== undefined && view.position < view.steps.length;
    const will = replaying ? 'will be' : 'is';
    // Worded from the running guest: a patch is live only while the guest has it.
    const live = this.live.some((p) => p.module === view.module && p.sequence === view.sequence);
    const state = replaying ? 'will be live' : !live ? 'is no longer live' : this.ended ? 'was live when the program ended' : 'is live';
    const sequence = view.action === 'apply'
      ? `${view.module} sequence ${view.sequence} ${state}${view.previous ? `, replacing sequence ${view.previous}` : ''}`
      : `${view.module} ${will} back to ${view.sequence === null ? 'its original code' : `patch sequence ${view.sequence}`}`;
    const progress = replaying
      ? ` Replaying the journal: ${view.position} of ${view.steps.length} steps in effect; the program waits until the last one.`
      : '';
    fill(this.summary, h('div', { class: 'applied' }, h('strong', {}, `${what}: `), `${view.steps.length} steps; ${sequence}.`, progress), wait);
  }

  private renderStep(step: TransactionStepView, view: TransactionView, done: boolean): HTMLElement[] {
    const story = plainStory(step, view);
    const parts: HTMLElement[] = [
      h('h3', {}, `Step ${step.step} of ${view.steps.length}: ${step.title}`,
        h('span', { class: done ? 'badge done' : 'badge' }, done ? 'in effect' : 'not yet')),
      ...(story ? [h('p', { class: 'story' }, story)] : []),
      h('p', { class: 'explanation' }, h('span', { class: 'explanation-label' }, 'The engine\'s journal: '), step.explanation),
    ];
    if (step.action !== 'note') {
      parts.push(h('p', { class: 'where' }, `${step.action} ${step.size} byte${step.size === 1 ? '' : 's'} at ${hex(step.address)}`));
    }
    if (step.action === 'write') parts.push(renderBytesDiff(step.address, step.before, step.after));
    else if (step.action === 'map' && step.after) parts.push(renderBytesDiff(step.address, '', step.after));
    if (step.code) {
      parts.push(h('div', { class: 'code-diff' },
        step.code.before.length > 0 ? codeColumn('Before', step.code.before, []) : null,
        codeColumn('After', step.code.after, step.code.changed)));
    }
    return parts;
  }
}

function codeColumn(title: string, lines: DisassemblyLine[], changed: number[]): HTMLElement {
  return h('div', {}, h('h4', {}, title), h('ol', { class: 'disassembly' }, ...lines.map((line, i) => h('li', {
    class: changed.includes(i) ? 'changed' : '' },
  h('span', { class: 'addr' }, hex(line.address)),
  h('span', { class: 'bytes' }, line.bytes.replace(/(..)(?!$)/g, '$1 ')),
  h('span', { class: line.undecodable ? 'undecodable' : '' }, h('span', { class: 'mnemonic' }, line.mnemonic),
    line.operands ? ' ' + line.operands : '')))));
}
