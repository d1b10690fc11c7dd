// The sources side: a tab per module file and one for the patch, the editor, and the assembler's
// verdict underneath (errors link to their line and are markers in the editor).
import { byId, fill, h } from '../dom.ts';
import type { EditorCommand, EditorDocument } from '../editor/source-editor.ts';
import { SourceEditor } from '../editor/source-editor.ts';
import type { Monaco } from '../editor/monaco-loader.ts';
import { address } from '../lab/hex.ts';
import type { AssembleReport, Diagnostic } from '../lab/protocol.ts';
import type { LabState, LabStore } from '../state/lab-state.ts';

export const PATCH_KEY = 'patch';
const fileKey = (index: number) => `file:${index}`;

export class EditorPane {
  private readonly editor: SourceEditor;
  private readonly tabs = byId('editor-tabs');
  private readonly status = byId('assembly-status');
  private filesWithErrors = new Set<string>();

  constructor(private readonly store: LabStore) {
    this.editor = new SourceEditor(byId('editor-host'), (key, text) => this.edited(key, text));
    store.subscribe((state, previous) => {
      if (state.files !== previous.files || state.patch !== previous.patch || state.arch !== previous.arch ||
        state.view.editor !== previous.view.editor) this.render(state);
    });
    this.render(store.state);
  }

  private documents(state: LabState): EditorDocument[] {
    return [
      ...state.files.map((f, i) => ({ key: fileKey(i), text: f.text, arch: state.arch })),
      { key: PATCH_KEY, text: state.patch.text, arch: state.arch },
    ];
  }

  private activeKey(state: LabState): string {
    return state.view.editor === -1 ? PATCH_KEY : fileKey(Math.min(state.view.editor, state.files.length - 1));
  }

  private render(state: LabState): void {
    const active = this.activeKey(state);
    const tab = (key: string, label: string, editorIndex: number) => h('button', {
      role: 'tab', 'aria-selected': String(key === active), class: this.filesWithErrors.has(key) ? 'has-error' : '',
      dataset: { key }, onclick: () => this.store.updateView({ editor: editorIndex }),
    }, label);
    fill(this.tabs, ...state.files.map((f, i) => tab(fileKey(i), f.name, i)), tab(PATCH_KEY, `patch: ${state.patch.name}`, -1));
    this.editor.show(this.documents(state), active);
  }

  private edited(key: string, text: string): void {
    if (key === PATCH_KEY) {
      this.store.update((state) => ({ patch: { ...state.patch, text } }));
    } else {
      const index = Number(key.slice('file:'.length));
      this.store.update((state) => ({ files: state.files.map((f, i) => (i === index ? { ...f, text } : f)) }));
    }
  }

  upgrade(monaco: Monaco, theme: string, commands: EditorCommand[]): void {
    this.editor.upgrade(monaco, theme, commands);
    document.documentElement.dataset.editor = 'monaco';
  }

  setTheme(theme: string): void {
    this.editor.setTheme(theme);
  }

  showMessage(message: string, isError = false): void {
    fill(this.status, isError ? h('span', { class: 'error' }, message) : message);
  }

  /** Shows an assembly report of the base program: markers, tab marks and the status line. */
  showReport(report: AssembleReport): void {
    const state = this.store.state;
    const byFile = new Map<string, Diagnostic[]>();
    for (const d of report.diagnostics) byFile.set(d.file, [...(byFile.get(d.file) ?? []), d]);
    this.filesWithErrors = new Set();
    state.files.forEach((f, i) => {
      const diagnostics = byFile.get(f.name) ?? [];
      this.editor.setDiagnostics(fileKey(i), diagnostics);
      if (diagnostics.length > 0) this.filesWithErrors.add(fileKey(i));
    });
    this.render(state);
    if (report.ok) {
      fill(this.status, ...report.modules.map((m, i) => h('span', { class: 'module-summary' }, i > 0 ? ' · ' : '',
        `Assembled ${m.name}: ${m.symbols.filter((s) => s.kind === 'function').length} functions, `,
        `${m.codeSize} bytes of code at ${address(m.base)}`)));
      return;
    }
    fill(this.status, ...report.diagnostics.map((d) => h('div', { class: 'error', 'data-testid': 'assembly-error' },
      d.line !== undefined
        ? h('a', { href: '#', onclick: (event: Event) => { event.preventDefault(); this.reveal(d); } }, `${d.file} line ${d.line}`)
        : d.file,
      `: ${d.message}`)));
  }

  private reveal(d: Diagnostic): void {
    const index = this.store.state.files.findIndex((f) => f.name === d.file);
    if (index >= 0) this.store.updateView({ editor: index });
    if (d.line !== undefined) this.editor.revealLine(d.line);
  }
}
