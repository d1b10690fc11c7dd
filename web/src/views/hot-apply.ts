// "Hot-apply my edit": the module source edited in the editor goes into the running program as a
// patch the generator makes from it, without a restart. The diff (edit-diff-view.ts) shows above the
// transaction in the patch view; rude edits are markers on their lines. An edit that is live counts
// as the program the guest runs, so the page neither calls it stale nor reloads it on Run.
import { byId, explain } from '../dom.ts';
import type { HotEditView } from '../lab/hot-edit.ts';
import type { LabSession } from '../lab/lab-session.ts';
import type { PatchingStatus, ProgramSpec, RunSettings, Snapshot, TransactionView } from '../lab/protocol.ts';
import type { LabStore, SourceFile } from '../state/lab-state.ts';
import { renderEditDiff } from './edit-diff-view.ts';
import type { EditorPane } from './editor-pane.ts';
import type { PatchPane } from './patch-pane.ts';

export class HotApply {
  private readonly button = byId<HTMLButtonElement>('hot-apply');
  private readonly note = byId('hot-apply-note');
  private readonly diff = byId('edit-diff');
  /** The sources the guest was loaded from. */
  private program: ProgramSpec | undefined;
  /** Edits applied to this run: each file's text and the patch that carries it (live while it is its module's active patch). */
  private edits: { file: string; text: string; module: string; sequence: number }[] = [];
  /** Each module's active patch, as the latest snapshot or transaction tells. */
  private readonly active = new Map<string, number>();
  private run: number | undefined;
  private ended = false;
  private busy = false;
  private patching: PatchingStatus | undefined;
  private marked = new Set<string>();

  constructor(private readonly session: LabSession, private readonly store: LabStore, private readonly editors: EditorPane,
    private readonly patchPane: PatchPane, private readonly settings: () => RunSettings, private readonly changed: () => void) {
    this.button.addEventListener('click', () => void this.apply());
    store.subscribe((state, previous) => {
      if (state.files !== previous.files || state.view.editor !== previous.view.editor) this.update();
    });
    this.update();
  }

  /** A program was loaded (or failed to): its sources are what runs, and nothing of an earlier run's edits is live. */
  loaded(program: ProgramSpec | undefined, patching: PatchingStatus | undefined): void {
    this.program = program;
    this.patching = patching;
    this.edits = [];
    this.active.clear();
    this.clearMarkers();
    this.showDiff(undefined);
    this.update();
  }

  /** Whether the guest runs these sources: each file as loaded, or as an edit that is live. */
  runs(program: ProgramSpec): boolean {
    return this.pending(program).length === 0 && this.program !== undefined;
  }

  /** Files whose text is neither what was loaded nor a live edit. */
  private pending(program: ProgramSpec): SourceFile[] {
    const loaded = this.program;
    if (!loaded || loaded.arch !== program.arch || loaded.files.length !== program.files.length) return program.files;
    return program.files.filter((f, i) => f.name !== loaded.files[i]!.name
      || (f.text !== loaded.files[i]!.text && f.text !== this.liveText(f.name)));
  }

  /** The text of the file's edit the guest runs now, if one does. */
  private liveText(file: string): string | undefined {
    return this.edits.find((e) => e.file === file && this.active.get(e.module) === e.sequence)?.text;
  }

  showSnapshot(snapshot: Snapshot): void {
    if (this.run !== undefined && snapshot.run !== this.run) this.edits = [];
    this.run = snapshot.run;
    this.ended = snapshot.state === 'exited' || snapshot.state === 'failed';
    // A rollback brings an earlier edit back, or the loaded code; a patch it took out cannot come back.
    this.active.clear();
    for (const p of snapshot.patches) this.active.set(p.module, p.sequence);
    this.edits = this.edits.filter((e) => e.sequence <= (this.active.get(e.module) ?? 0));
    this.update();
  }

  /** A written patch was applied: the diff of an earlier edit is no longer what the patch view shows. */
  patchApplied(): void {
    this.showDiff(undefined);
  }

  private get blocked(): string | undefined {
    if (!this.program) return 'no program is loaded yet (the sources must assemble)';
    if (this.patching && !this.patching.available) return this.patching.reason;
    if (this.busy) return 'the edit is going in';
    if (this.ended) return 'the program has ended: Reset loads your edit, or Run starts it again';
    if (this.pending({ arch: this.store.state.arch, files: this.store.state.files }).length === 0) {
      return 'the editor holds the running code: edit it first';
    }
    return undefined;
  }

  private update(): void {
    // Markers of a rude edit go once the file holds code that runs again.
    const pending = this.pending({ arch: this.store.state.arch, files: this.store.state.files });
    for (const file of [...this.marked]) {
      if (!pending.some((f) => f.name === file)) {
        this.editors.showEditMarkers(file, []);
        this.marked.delete(file);
      }
    }
    const blocked = this.blocked;
    this.button.disabled = blocked !== undefined;
    explain(this.button, blocked, 'hot-apply-note');
    this.note.textContent = blocked && !this.busy ? `${blocked[0]!.toUpperCase()}${blocked.slice(1)}.` : '';
  }

  /** The file to hot-apply: the module in the editor when it is edited, else the first edited one. */
  private chosen(): SourceFile | undefined {
    const state = this.store.state;
    const pending = this.pending({ arch: state.arch, files: state.files });
    const inView = state.view.editor >= 0 ? state.files[state.view.editor] : undefined;
    return pending.find((f) => f === inView) ?? pending[0];
  }

  async apply(): Promise<void> {
    if (this.button.disabled) return;
    const file = this.chosen();
    if (!file) return;
    this.busy = true;
    this.update();
    this.store.updateView({ pane: 'patch' });
    try {
      const view = await this.session.hotEdit({ name: file.name, text: file.text }, false, this.settings());
      this.took(file, view);
      // The patch view tells the transaction step by step, or why there is none (an edit that changes nothing has none to tell).
      if (view.outcome !== 'unchanged') await this.patchPane.showTransaction(async () => this.transactionOf(view));
    } catch (error) {
      this.showDiff({ file: file.name, outcome: 'error', symbols: [], timings: { assemble: 0, diff: 0, build: 0, apply: 0 },
        message: `The edit could not be hot-applied: ${error instanceof Error ? error.message : String(error)}` });
    } finally {
      this.busy = false;
      this.update();
      this.changed();
    }
  }

  /** What the patch view shows of a hot edit: its transaction, or the refusal of a rude or broken edit. */
  private transactionOf(view: HotEditView): TransactionView {
    if (view.transaction) return view.transaction;
    const none = { action: 'apply' as const, subject: `${view.file} (edit)`, steps: [], redirects: [], position: 0 };
    if (view.outcome === 'rude') return { ...none, status: 'refused', code: 'rude-edit', message: view.message ?? '' };
    return { ...none, status: 'not-built', message: `${view.file}${view.line ? ` line ${view.line}` : ''}: ${view.message ?? ''}` };
  }

  private took(file: SourceFile, view: HotEditView): void {
    this.showDiff(view);
    this.clearMarkers();
    const markers = view.symbols.filter((s) => s.line !== undefined && (s.class === 'rude' || s.warning))
      .map((s) => ({ line: s.line!, message: s.class === 'rude' ? `Rude edit: ${s.reason}` : `Warning: ${s.warning}`,
        severity: s.class === 'rude' ? 'error' as const : 'warning' as const }));
    if (markers.length > 0) {
      this.editors.showEditMarkers(file.name, markers);
      this.marked.add(file.name);
      const first = markers.find((m) => m.severity === 'error') ?? markers[0]!;
      this.editors.showFileLine(file.name, first.line);
    }
    if (view.outcome === 'applied' && view.module && view.patch) {
      this.edits.push({ file: file.name, text: file.text, module: view.module, sequence: view.patch.sequence });
      this.active.set(view.module, view.patch.sequence);
    }
    document.documentElement.dataset.hotEdit = view.outcome;
  }

  private clearMarkers(): void {
    for (const file of this.marked) this.editors.showEditMarkers(file, []);
    this.marked.clear();
  }

  private showDiff(view: HotEditView | undefined): void {
    const file = view?.file;
    renderEditDiff(this.diff, view, (line) => { if (file) this.editors.revealFileLine(file, line); });
  }
}
