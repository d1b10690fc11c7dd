// The sources side: a tab per module file and one for the patch, the editor, and the assembler's
// verdict underneath (errors link to their line and are markers in the editor).
import { byId, fill, h } from '../dom.ts';
import type { EditorCommand, EditorDocument, EditorMarker } from '../editor/source-editor.ts';
import { SourceEditor } from '../editor/source-editor.ts';
import type { Monaco } from '../editor/monaco-loader.ts';
import { hex } from '../../../core/hex.ts';
import { reach } from '../milestones.ts';
import type { AssembleReport, Diagnostic, PatchReport } from '../lab/protocol.ts';
import { type LabState, type LabStore, patchIndex } from '../state/lab-state.ts';

const fileKey = (index: number) => `file:${index}`;
const patchKey = (index: number) => `patch:${index}`;

export class EditorPane {
  private readonly editor: SourceEditor;
  private readonly tabs = byId('editor-tabs');
  private readonly status = byId('assembly-status');
  private filesWithErrors = new Set<string>();
  private baseReport: AssembleReport | undefined;
  private patchReports: PatchReport[] = [];
  private message: HTMLElement | undefined;
  /** The errors of the file in view last time, to bring only new ones into view. */
  private errorsSeen = '';

  constructor(private readonly store: LabStore) {
    this.editor = new SourceEditor(byId('editor-host'), (key, text) => this.edited(key, text));
    byId('editor-host').dataset.tabHint = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent)
      ? 'Ctrl+Shift+M: Tab moves focus' : 'Ctrl+M: Tab moves focus';
    store.subscribe((state, previous) => {
      if (state.files !== previous.files || state.patches !== previous.patches || state.arch !== previous.arch ||
        state.view.editor !== previous.view.editor) this.render(state);
    });
    this.render(store.state);
  }

  private documents(state: LabState): EditorDocument[] {
    return [
      ...state.files.map((f, i) => ({ key: fileKey(i), text: f.text, arch: state.arch })),
      ...state.patches.map((f, i) => ({ key: patchKey(i), text: f.text, arch: state.arch })),
    ];
  }

  private activeKey(state: LabState): string {
    const patch = patchIndex(state.view.editor);
    return patch !== undefined ? patchKey(Math.min(patch, state.patches.length - 1))
      : fileKey(Math.min(state.view.editor, state.files.length - 1));
  }

  private render(state: LabState): void {
    const active = this.activeKey(state);
    const tab = (key: string, label: string, editorIndex: number) => h('button', {
      role: 'tab', 'aria-selected': String(key === active), class: this.filesWithErrors.has(key) ? 'has-error' : '',
      dataset: { key }, onclick: () => this.store.updateView({ editor: editorIndex }),
    }, label);
    fill(this.tabs, ...state.files.map((f, i) => tab(fileKey(i), f.name, i)),
      ...state.patches.map((f, i) => tab(patchKey(i), `patch: ${f.name}`, -1 - i)));
    this.editor.show(this.documents(state), active);
    this.renderStatus(state);
  }

  private edited(key: string, text: string): void {
    const [kind, position] = key.split(':');
    const index = Number(position);
    if (kind === 'patch') {
      this.store.update((state) => ({ patches: state.patches.map((f, i) => (i === index ? { ...f, text } : f)) }));
    } else {
      this.store.update((state) => ({ files: state.files.map((f, i) => (i === index ? { ...f, text } : f)) }));
    }
  }

  /** The editor itself, for what is drawn on it beyond the sources (source-links.ts). */
  get sourceEditor(): SourceEditor {
    return this.editor;
  }

  /** The module file in view (not a patch): its name. */
  get fileInView(): string | undefined {
    const key = this.activeKey(this.store.state);
    return key.startsWith('file:') ? this.store.state.files[Number(key.split(':')[1])]?.name : undefined;
  }

  /** Brings a module file into view. */
  showFile(name: string): void {
    const index = this.store.state.files.findIndex((f) => f.name === name);
    if (index >= 0 && this.fileInView !== name) this.store.updateView({ editor: index });
  }

  upgrade(monaco: Monaco, theme: string, commands: EditorCommand[]): void {
    this.editor.upgrade(monaco, theme, commands);
    reach('editor', 'monaco');
  }

  setTheme(theme: string): void {
    this.editor.setTheme(theme);
  }

  /** A message that replaces the status line until the next report (loading, failures). */
  showMessage(message: string, isError = false): void {
    this.message = isError ? h('span', { class: 'error' }, message) : h('span', {}, message);
    fill(this.status, this.message);
  }

  /** Shows an assembly report of the base program: markers, tab marks and the status line. */
  showReport(report: AssembleReport): void {
    this.baseReport = report;
    this.message = undefined;
    const byFile = groupByFile(report.diagnostics);
    this.store.state.files.forEach((f, i) => this.mark(fileKey(i), byFile.get(f.name) ?? []));
    this.render(this.store.state);
    // New errors in the file in view are brought into view (a paste can leave them far above the
    // cursor); the cursor and the focus stay where they are.
    const active = this.activeKey(this.store.state);
    const file = this.store.state.files[Number(active.split(':')[1])];
    const errors = active.startsWith('file:') && file ? byFile.get(file.name) ?? [] : [];
    const seen = errors.map((d) => `${d.line}:${d.message}`).join('\n');
    if (seen !== this.errorsSeen && errors[0]?.line !== undefined) this.editor.showLine(errors[0].line);
    this.errorsSeen = seen;
  }

  /** Shows what building each patch against the loaded program gave. */
  showPatchReports(reports: PatchReport[]): void {
    this.patchReports = reports;
    this.message = undefined;
    this.store.state.patches.forEach((_, i) => this.mark(patchKey(i), reports[i]?.diagnostics ?? []));
    this.render(this.store.state);
  }

  /** The patch generator's markers (rude edits, warnings) on a module file's lines; none clears them. */
  showEditMarkers(file: string, markers: EditorMarker[]): void {
    const index = this.store.state.files.findIndex((f) => f.name === file);
    if (index >= 0) this.editor.setMarkers(fileKey(index), 'hot-edit', markers);
  }

  /** Shows a module file with a line of it in view (the cursor and focus stay). */
  showFileLine(file: string, line: number): void {
    this.openFile(file);
    this.editor.showLine(line);
  }

  /** Shows a module file and puts the cursor on a line of it. */
  revealFileLine(file: string, line: number): void {
    this.openFile(file);
    this.editor.revealLine(line);
  }

  private openFile(file: string): void {
    const index = this.store.state.files.findIndex((f) => f.name === file);
    if (index >= 0 && this.store.state.view.editor !== index) this.store.updateView({ editor: index });
  }

  private mark(key: string, diagnostics: Diagnostic[]): void {
    this.editor.setDiagnostics(key, diagnostics);
    if (diagnostics.length > 0) this.filesWithErrors.add(key); else this.filesWithErrors.delete(key);
  }

  /** The status line speaks of the tab in view: the program's assembly, or that patch's build. */
  private renderStatus(state: LabState): void {
    if (this.message) { fill(this.status, this.message); return; }
    const patch = patchIndex(state.view.editor);
    const report = patch === undefined ? this.baseReport : this.patchReports[patch];
    if (!report) return;
    if ('file' in report && report.ok && report.module === undefined) {
      fill(this.status, `${report.file} is empty: write a patch (".patch <module>", ".sequence", ".redirect") or open an example that has one.`);
      return;
    }
    if ('file' in report && report.ok) {
      fill(this.status, `Patch ${report.file} builds: for ${report.module}, sequence ${report.sequence}, `,
        `${report.functions?.length ?? 0} new function${report.functions?.length === 1 ? '' : 's'} `,
        `(${report.functions?.join(', ')}), ${report.codeSize} bytes of code`,
        report.builtAgainst ? h('div', { class: 'built-against' }, `Built against ${report.builtAgainst}, another build of `,
          `${report.module} than the one loaded: the engine checks the build identity and will refuse it.`) : '');
      return;
    }
    if (!('file' in report) && report.ok) {
      fill(this.status, ...report.modules.map((m, i) => h('span', { class: 'module-summary' }, i > 0 ? ' · ' : '',
        `Assembled ${m.name}: ${m.symbols.filter((s) => s.kind === 'function').length} functions, `,
        `${m.codeSize} bytes of code at ${hex(m.base)}`)));
      return;
    }
    fill(this.status, ...report.diagnostics.map((d) => h('div', { class: 'error', 'data-testid': 'assembly-error' },
      d.line !== undefined
        ? h('a', { href: '#', onclick: (event: Event) => { event.preventDefault(); this.reveal(d, patch); } }, `${d.file} line ${d.line}`)
        : d.file,
      `: ${d.message}`)));
  }

  private reveal(d: Diagnostic, patch: number | undefined): void {
    const index = this.store.state.files.findIndex((f) => f.name === d.file);
    if (patch === undefined && index >= 0) this.store.updateView({ editor: index });
    if (d.line !== undefined) this.editor.revealLine(d.line);
  }
}

function groupByFile(diagnostics: Diagnostic[]): Map<string, Diagnostic[]> {
  const byFile = new Map<string, Diagnostic[]>();
  for (const d of diagnostics) byFile.set(d.file, [...(byFile.get(d.file) ?? []), d]);
  return byFile;
}
