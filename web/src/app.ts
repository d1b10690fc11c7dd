// The playground: connects the state store, the lab session and the views.
import { ARCH, ARCHES, type Arch } from '../../core/arch.ts';
import { byId, h } from './dom.ts';
import { EXAMPLES, type Example, findExample } from './examples/catalog.ts';
import { loadMonaco } from './editor/monaco-loader.ts';
import { hex } from '../../core/hex.ts';
import { LabSession } from './lab/lab-session.ts';
import { prebuiltProgram } from './lab/prebuilt.ts';
import type { CpuStatus, LoadReport, ModuleSummary, PatchingStatus, ProgramSpec, Snapshot } from './lab/protocol.ts';
import { editorCommands, installShortcuts, type Action } from './shortcuts.ts';
import { emptyPatch, type LabState, LabStore, type SourceFile } from './state/lab-state.ts';
import { reach } from './milestones.ts';
import { installThemeSwitch, isDark } from './theme.ts';
import { installHeaderMenu } from './views/header-menu.ts';
import { encodeState } from './state/share.ts';
import { renderCalls } from './views/calls-view.ts';
import { renderDisassembly } from './views/disassembly-view.ts';
import { EditorPane } from './views/editor-pane.ts';
import { redirectedFunctions, renderGallery } from './views/gallery.ts';
import { renderMemory } from './views/memory-view.ts';
import { renderOutput } from './views/output-view.ts';
import { PatchPane } from './views/patch-pane.ts';
import { HotApply } from './views/hot-apply.ts';
import { renderRegisters } from './views/registers-view.ts';
import { RunControls } from './views/run-controls.ts';
import { CodeLinks } from './views/code-links.ts';
import type { EmbedDialog } from './views/embed-dialog.ts';
import { StoryBar, storyOf } from './views/story-bar.ts';
import { ThreadLanes } from './views/thread-lanes.ts';
import type { RunSettings, StoryEvent, StoryView } from './lab/protocol.ts';
import { count } from '../../core/count.ts';

const ASSEMBLE_DELAY_MS = 350;
/** The longest the editor waits for the program to load before it starts loading itself. */
const MONACO_DELAY_MS = 1000;
const HASH_DELAY_MS = 400;

export function stateForExample(example: Example, arch: Arch, view: LabState['view']): LabState {
  const chosen = example.modules[arch] ? arch : example.manifest.arches[0]!;
  return {
    arch: chosen,
    example: example.id,
    files: example.modules[chosen]!.map((f) => ({ ...f })),
    patches: example.patches[chosen]?.length ? example.patches[chosen]!.map((f) => ({ ...f })) : [emptyPatch(chosen)],
    view,
  };
}

export class Playground {
  readonly store: LabStore;
  private readonly editors: EditorPane;
  private readonly controls: RunControls;
  private readonly patchPane: PatchPane;
  private readonly codeLinks: CodeLinks;
  private readonly story: StoryBar;
  private readonly threadLanes: ThreadLanes;
  private readonly hotApply: HotApply;
  private cpu: CpuStatus | undefined;
  private patching: PatchingStatus | undefined;
  private modules: ModuleSummary[] = [];
  /** The program the lab has loaded, as a key of its sources, to know when edits make it stale. */
  private loadedKey: string | undefined;
  private snapshot: Snapshot | undefined;
  private assembleTimer: ReturnType<typeof setTimeout> | undefined;
  private hashTimer: ReturnType<typeof setTimeout> | undefined;
  private patchTimer: ReturnType<typeof setTimeout> | undefined;
  /** Edited sources per architecture, so switching back and forth keeps them. */
  private readonly stash = new Map<string, Pick<LabState, 'files' | 'patches'>>();
  /** Set while another program replaces this one (it is loaded at once, not as an edit). */
  private replacing = false;
  /** Loads under way: the sources differ from the loaded program only until they end. */
  private loading = 0;
  /** The first load of the program (startLab), settled or not. */
  private labLoaded: Promise<unknown> = Promise.resolve();

  /** `session`: the lab, which may have started already (main.ts starts its worker first thing). */
  constructor(initial: LabState, private readonly webAssembly: boolean, readonly session = new LabSession()) {
    this.store = new LabStore(initial);
    this.editors = new EditorPane(this.store);
    this.controls = new RunControls((action) => this.perform(action), () => this.speedChanged());
    this.patchPane = new PatchPane(this.session, this.store, () => this.settings);
    this.threadLanes = new ThreadLanes(document.querySelector<HTMLElement>('.machine')!, (action) => void this.session.transition(action));
    this.showExampleThreads(initial);
    this.codeLinks = new CodeLinks(this.session, this.editors, (address) => void this.runTo(address));
    this.story = new StoryBar({
      play: (events) => this.playStory(events),
      continueFrom: (moment) => this.continueStory(moment),
      end: async () => { await this.session.setStory(null); },
    });
    this.hotApply = new HotApply(this.session, this.store, this.editors, this.patchPane, () => this.settings, () => {
      this.updateControls();
      this.showRunState();
    });
    renderGallery(byId('gallery-cards'), EXAMPLES, (example, arch) => this.pickExample(example, arch));
    this.wireHeader();
    this.wirePanes();
    installShortcuts((action) => this.perform(action));
    installThemeSwitch(() => this.editors.setTheme(this.theme()));
    installHeaderMenu();
    this.session.on('snapshot', (snapshot) => this.showSnapshot(snapshot));
    this.session.on('toolchain', (status) => {
      reach('toolchain', status.state);
      // Loading after a prebuilt example has loaded: its status line stays.
      if (status.state === 'loading' && this.loadedKey === undefined) this.editors.showMessage('Loading the assembler and disassembler (Keystone, Capstone)…');
      if (status.state === 'failed') this.editors.showMessage(`The assembler could not be loaded: ${status.message}`, true);
    });
    this.store.subscribe((state, previous) => this.stateChanged(state, previous));
    this.renderHeader(this.store.state);
    this.renderPanes(this.store.state);
    this.story.setStory(storyOf(findExample(this.store.state.example), this.store.state.arch));
    if (!webAssembly) {
      this.cpu = { available: false, reason: 'This browser has no WebAssembly, which the assembler, the disassembler, the CPU and the hotpatch engine all need.' };
      this.patching = { available: false, reason: this.cpu.reason };
      this.patchPane.setStatus(this.patching, false);
      this.editors.showMessage('WebAssembly is not available in this browser: sources can be read and edited, not assembled.', true);
      this.controls.update('empty', this.cpu, false);
    }
  }

  /** Loads the program into the lab (starting its worker if it has not started). */
  startLab(): void {
    if (!this.webAssembly) return;
    this.session.start();
    this.labLoaded = this.load();
  }

  /**
   * Loads Monaco (3 MB) once the page is visible: after the program can run, or after a second at
   * most; the plain editor serves until then.
   */
  startEditorLoad(): void {
    const later = new Promise((resolve) => setTimeout(resolve, MONACO_DELAY_MS));
    Promise.race([this.labLoaded, later]).then(() => loadMonaco()).then((monaco) => {
      this.editors.upgrade(monaco, this.theme(), editorCommands((action) => this.perform(action)));
    }).catch((error: unknown) => {
      this.editors.showMessage(`The code editor could not be loaded (${String(error)}); the plain editor stays.`, true);
    });
  }

  private theme(): string {
    return isDark() ? 'hotpatch-dark' : 'hotpatch-light';
  }

  /** The run controls' settings, with the example's slice and the consistency model chosen for the next transaction. */
  private get settings(): RunSettings {
    return { ...this.controls.settings, slice: this.threadLanes.slice, consistency: this.threadLanes.choice };
  }

  private showExampleThreads(state: LabState): void {
    const example = findExample(state.example);
    this.threadLanes.setExample(example?.manifest, example?.timeline[state.arch] ?? []);
  }

  private program(): ProgramSpec {
    const { arch, files } = this.store.state;
    return { arch, files };
  }

  private programKey(program = this.program()): string {
    return JSON.stringify(program);
  }

  /** Assembles and loads the current sources into a fresh guest. */
  private async load(): Promise<LoadReport | undefined> {
    const program = this.program();
    this.loading++;
    try {
      const prebuilt = await prebuiltProgram(this.store.state.example, program);
      const report = await this.session.load(program, this.settings, prebuilt).finally(() => this.loading--);
      this.loadedKey = report.ok ? this.programKey(program) : undefined;
      this.hotApply.loaded(report.ok ? program : undefined, report.patching);
      this.cpu = report.cpu;
      this.patching = report.patching;
      this.modules = report.modules;
      this.codeLinks.loaded(report.modules);
      this.editors.showReport(report);
      this.fillMemoryChoices();
      reach('program', report.ok ? 'loaded' : 'error');
      this.updateControls();
      // Patches are built against the program: only a program that assembles can tell about them.
      if (report.ok && prebuilt) {
        // A gallery example runs at once; its patches are built once Keystone is here, in the background,
        // so that no request of the run waits behind them.
        void this.session.warmToolchain();
        void this.session.toolchainSettled().then(() => this.checkPatches());
      } else if (report.ok) void this.checkPatches();
      return report;
    } catch (error) {
      this.editors.showMessage(error instanceof Error ? error.message : String(error), true);
      return undefined;
    }
  }

  /** The guest runs the sources in the editor: as loaded, or with the edits hot-applied to it. */
  private get loaded(): boolean {
    return this.loadedKey !== undefined && (this.loadedKey === this.programKey() || this.hotApply.runs(this.program()));
  }

  /** The sources were edited since the program was loaded (it goes on running the loaded code). */
  private get stale(): boolean {
    return this.loadedKey !== undefined && !this.loaded && this.loading === 0;
  }

  private updateControls(): void {
    const state = this.snapshot?.state ?? 'empty';
    const stepping = this.snapshot?.stepping;
    const budgetSpent = this.loaded && state === 'paused' && this.snapshot!.budgetLeft <= 0;
    // A guest running the loaded code is still running: its button pauses it.
    this.controls.update(this.loaded || state === 'running' ? state : 'ready', this.cpu, this.loadedKey !== undefined,
      stepping !== undefined && stepping.position < stepping.total, budgetSpent, this.stale);
    this.codeLinks.setCanRun(this.loaded && this.cpu?.available === true && !(stepping !== undefined && stepping.position < stepping.total));
    this.patchPane.setStatus(this.patching, this.loaded, this.loading > 0 ? 'the program is being loaded'
      : this.stale ? 'the sources changed since the program was loaded: Reset loads them, and patches apply to that program' : undefined);
  }

  async perform(action: Action): Promise<void> {
    if (!this.webAssembly) return;
    const settings = this.settings;
    const state = this.snapshot?.state;
    switch (action) {
      case 'run':
        if (state === 'running') { await this.session.pause(); return; }
        if (!this.loaded || state === 'exited' || state === 'failed') { if (!(await this.load())?.ok) return; }
        if (!this.cpu?.available) return;
        await this.session.run(settings);
        return;
      case 'step':
      case 'step-over':
        if (!this.loaded && !(await this.load())?.ok) return;
        if (!this.cpu?.available) return;
        await (action === 'step' ? this.session.step() : this.session.stepOver());
        return;
      case 'reset':
        await this.load();
        return;
      case 'hot-apply':
        await this.hotApply.apply();
        return;
      case 'apply':
        this.hotApply.patchApplied();
        this.store.updateView({ pane: 'patch' });
        await this.patchPane.applyChosen(false);
        return;
      case 'patch-next':
      case 'patch-back':
        await this.patchPane.move(action === 'patch-next' ? 'next' : 'back');
        return;
    }
  }

  /** Runs until `address` is reached (or a breakpoint, a moment of the story, the end). */
  private async runTo(address: number): Promise<void> {
    if (!this.webAssembly) return;
    if (!this.loaded && !(await this.load())?.ok) return;
    if (!this.cpu?.available) return;
    await this.session.run(this.settings, address);
  }

  /** The story from the start: a fresh guest of the program as it is, run to the first moment. */
  private async playStory(events: StoryEvent[]): Promise<void> {
    await this.session.setStory(events);
    if (!(await this.load())?.ok || !this.cpu?.available) return;
    await this.session.run(this.settings);
  }

  /** The moment's transaction, shown step by step in the patch view beside the output, then on to the next moment. */
  private async continueStory(moment: StoryView): Promise<void> {
    this.store.updateView({ pane: 'patch' });
    if (moment.apply !== undefined) {
      if (!(await this.patchPane.applyFile(moment.apply))) return;
    } else if (moment.rollback !== undefined) {
      await this.patchPane.rollBackModule(moment.rollback);
    }
    await this.session.run(this.settings);
  }

  private speedChanged(): void {
    // A running guest picks up the new speed at once.
    if (this.snapshot?.state === 'running') void this.session.run(this.settings);
  }

  private showSnapshot(snapshot: Snapshot): void {
    this.snapshot = snapshot;
    // An ended program has no next instruction to point at.
    const current = snapshot.state === 'empty' || snapshot.state === 'exited' ? undefined : snapshot.pc;
    renderDisassembly(byId('disassembly'), snapshot.disassembly, current);
    this.codeLinks.showSnapshot(snapshot);
    this.story.showSnapshot(snapshot);
    byId('where').textContent = snapshot.disassembly.length > 0 ? `${snapshot.where}` : '';
    renderRegisters(byId('registers'), snapshot.registers);
    renderMemory(byId('memory'), snapshot.memory);
    renderOutput(byId('output'), snapshot);
    renderCalls(byId<HTMLTableElement>('calls'), snapshot.calls);
    this.patchPane.showSnapshot(snapshot);
    this.threadLanes.show(snapshot);
    this.hotApply.showSnapshot(snapshot);
    this.showRunState();
    document.documentElement.dataset.runState = snapshot.state;
    this.updateControls();
  }

  /** The status line: the guest's state, and whether the editor still holds what it runs. */
  private showRunState(): void {
    const text = this.snapshot ? this.describe(this.snapshot) : '';
    this.controls.showStatus(this.stale && text ? `${text} · sources edited: Hot-apply (Ctrl+S) patches them in, Reset loads them` : text);
  }

  private describe(s: Snapshot): string {
    const ran = `${count(s.instructions)} instructions`;
    switch (s.state) {
      case 'empty': return '';
      case 'ready': return this.cpu?.available ? `ready at ${s.where}` : `entry: ${s.where}`;
      case 'running': return `running · ${ran}`;
      case 'paused': return s.budgetLeft <= 0
        ? `stopped: the instruction budget is used up · at ${s.where} · ${ran} · Reset (\u21E7F8) starts over with a new budget`
        : `${s.note ?? 'paused'} · at ${s.where} · ${ran}`;
      case 'exited': return `exited with code ${s.exitCode} · ${ran}`;
      case 'failed': return `stopped: ${s.error ?? 'fault'}`;
    }
  }

  private fillMemoryChoices(): void {
    const select = byId<HTMLSelectElement>('memory-at');
    const previous = select.value;
    const functions = this.modules.flatMap((m) => m.symbols.filter((s) => s.kind === 'function')
      .map((s) => ({ label: `${m.name}!${s.name}`, name: s.name, address: s.address, size: s.size,
        exported: m.exports.includes(s.name), entry: m.entry === s.name })));
    select.replaceChildren(...functions.map((f) => h('option', { value: `${f.address}:${f.size}` }, `${f.label} (${hex(f.address)})`)));
    // An example is about the functions its patches redirect, else those it exports: show the first of them.
    const options = [...select.options];
    const redirected = redirectedFunctions(this.store.state.patches);
    const about = [functions.findIndex((f) => redirected.includes(f.name)), functions.findIndex((f) => f.exported),
      functions.findIndex((f) => !f.entry)].find((i) => i >= 0);
    const wanted = options.find((o) => o.value === previous) ?? (about === undefined ? undefined : options[about]);
    if (wanted) select.value = wanted.value;
    this.watchSelectedMemory();
  }

  private watchSelectedMemory(): void {
    const [at, size] = byId<HTMLSelectElement>('memory-at').value.split(':').map(Number);
    if (at === undefined || Number.isNaN(at)) return;
    void this.session.watchMemory(at, Math.min(Math.ceil(Math.max(size ?? 32, 32) / 16) * 16, 256));
  }

  private wireHeader(): void {
    byId('gallery-toggle').addEventListener('click', () => this.store.updateView({ gallery: !this.store.state.view.gallery }));
    for (const arch of ARCHES) byId(`arch-${arch}`).addEventListener('click', () => this.switchArch(arch));
    byId('share').addEventListener('click', () => void this.copyLink());
    // Loaded when first asked for: the first visit does not carry it.
    let embed: EmbedDialog | undefined;
    byId('embed-this').addEventListener('click', () => void import('./views/embed-dialog.ts').then(({ EmbedDialog }) => {
      embed ??= new EmbedDialog(this.session, this.store, () => this.snapshot);
      embed.open();
    }));
    byId('memory-at').addEventListener('change', () => this.watchSelectedMemory());
  }

  private wirePanes(): void {
    for (const pane of ['program', 'patch'] as const) {
      byId(`pane-${pane}`).addEventListener('click', () => this.store.updateView({ pane }));
    }
  }

  /** Shows the state a link holds, as a fresh load of the page would: its sources are loaded at once. */
  follow(state: LabState): void {
    this.replaceProgram(state);
  }

  private pickExample(example: Example, arch: Arch): void {
    this.replaceProgram(stateForExample(example, arch, { ...this.store.state.view, editor: 0, gallery: false }));
  }

  private switchArch(arch: Arch): void {
    const state = this.store.state;
    if (arch === state.arch) return;
    this.stash.set(`${state.example ?? ''}:${state.arch}`, { files: state.files, patches: state.patches });
    const kept = this.stash.get(`${state.example ?? ''}:${arch}`);
    const example = findExample(state.example) ?? EXAMPLES.find((e) => e.modules[arch]);
    if (kept) this.replaceProgram({ arch, ...kept });
    else if (example) this.replaceProgram(stateForExample(example, arch, { ...state.view, editor: 0 }));
  }

  /**
   * Another program (an example, the other architecture, a link) is not an edit of this one: the
   * running guest stops and the new program is loaded at once, with nothing of the old run kept.
   */
  private replaceProgram(state: Partial<LabState>): void {
    this.replacing = true;
    try {
      this.store.update(state);
    } finally {
      this.replacing = false;
    }
    clearTimeout(this.assembleTimer);
    if (this.webAssembly) void this.load();
  }

  private stateChanged(state: LabState, previous: LabState): void {
    this.renderHeader(state);
    this.renderPanes(state);
    if (state.view.editor !== previous.view.editor) this.codeLinks.documentChanged();
    this.story.setStory(storyOf(findExample(state.example), state.arch));
    if (state.example !== previous.example || state.arch !== previous.arch) this.showExampleThreads(state);
    if (state.files !== previous.files || state.arch !== previous.arch) this.sourcesChanged();
    else if (state.patches !== previous.patches) this.patchesChanged();
    clearTimeout(this.hashTimer);
    this.hashTimer = setTimeout(() => void this.writeHash(), HASH_DELAY_MS);
  }

  private sourcesChanged(): void {
    this.updateControls();
    if (!this.webAssembly || this.replacing) return;
    clearTimeout(this.assembleTimer);
    this.assembleTimer = setTimeout(async () => {
      const busy = this.snapshot?.state === 'running' || this.snapshot?.state === 'paused';
      if (!busy) { await this.load(); return; }
      // A guest is mid-run: only check the edit; Reset loads it.
      const report = await this.session.assemble(this.program());
      this.editors.showReport(report);
      this.showRunState();
    }, ASSEMBLE_DELAY_MS);
  }

  private patchesChanged(): void {
    clearTimeout(this.patchTimer);
    this.patchTimer = setTimeout(() => void this.checkPatches(), ASSEMBLE_DELAY_MS);
  }

  private async checkPatches(): Promise<void> {
    if (!this.webAssembly) return;
    try {
      this.editors.showPatchReports(await this.session.checkPatches(this.store.state.patches));
    } catch (error) {
      this.editors.showMessage(error instanceof Error ? error.message : String(error), true);
    }
  }

  private renderHeader(state: LabState): void {
    for (const arch of ARCHES) byId(`arch-${arch}`).setAttribute('aria-checked', String(arch === state.arch));
    const example = findExample(state.example);
    const edited = example && !sourcesEqual(example.modules[state.arch] ?? [], state.files);
    const title = byId('example-title');
    title.textContent = example ? `${example.manifest.title} · ${ARCH[state.arch].displayName}${edited ? ' · edited' : ''}` : '';
    title.title = title.textContent; // the whole title where the header cuts it short
    byId('gallery').hidden = !state.view.gallery;
    byId('gallery-toggle').setAttribute('aria-expanded', String(state.view.gallery));
  }

  private renderPanes(state: LabState): void {
    for (const pane of ['program', 'patch'] as const) {
      byId(`pane-${pane}`).setAttribute('aria-selected', String(state.view.pane === pane));
      byId(`${pane}-pane`).hidden = state.view.pane !== pane;
    }
  }

  private async writeHash(): Promise<void> {
    const hash = await encodeState(this.store.state);
    history.replaceState(null, '', `#${hash}`);
  }

  private async copyLink(): Promise<void> {
    clearTimeout(this.hashTimer);
    await this.writeHash();
    const link = location.href;
    const status = byId('share-status');
    try {
      await navigator.clipboard.writeText(link);
      status.textContent = 'Link copied';
    } catch {
      // No clipboard permission: select the link in a prompt-free way the user can copy by hand.
      status.replaceChildren(h('input', { value: link, readonly: true, 'aria-label': 'Link to this state', size: 30,
        onfocus: (e: Event) => (e.target as HTMLInputElement).select() }));
    }
    byId('share').dataset.link = link;
  }
}

export function sourcesEqual(a: SourceFile[], b: SourceFile[]): boolean {
  return a.length === b.length && a.every((f, i) => f.name === b[i]!.name && f.text === b[i]!.text);
}
