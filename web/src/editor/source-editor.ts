// One editing surface for several documents (module files, the patch). It starts as a plain text
// area, so the page can be used at once, and becomes a Monaco editor when Monaco has loaded; the
// text typed in the meantime is kept.
import type * as MonacoApi from 'monaco-editor/editor';
import type { Arch } from '../../../core/arch.ts';
import { h } from '../dom.ts';
import type { Diagnostic } from '../lab/protocol.ts';
import { LANGUAGE_ID } from './language-ids.ts';
import type { Monaco } from './monaco-loader.ts';

export interface EditorDocument {
  key: string;
  text: string;
  arch: Arch;
}

export interface EditorCommand {
  /** Monaco keybinding (KeyMod | KeyCode), for when focus is in the editor. */
  keybinding: (monaco: Monaco) => number;
  run: () => void;
}

/** A marker of another source than the assembler: the patch generator's rude edits and warnings. */
export interface EditorMarker {
  line: number;
  message: string;
  severity: 'error' | 'warning';
}

export class SourceEditor {
  private readonly plain: HTMLTextAreaElement;
  private monaco: Monaco | undefined;
  private editor: MonacoApi.editor.IStandaloneCodeEditor | undefined;
  private readonly models = new Map<string, MonacoApi.editor.ITextModel>();
  private readonly documents = new Map<string, EditorDocument>();
  private readonly diagnostics = new Map<string, Diagnostic[]>();
  /** Markers by owner ("hot-edit"), then by document. */
  private readonly markers = new Map<string, Map<string, EditorMarker[]>>();
  private active: string | undefined;
  private applyingExternalChange = false;
  /** Called once Monaco has replaced the text area. */
  upgraded: (() => void) | undefined;

  constructor(private readonly host: HTMLElement, private readonly onEdit: (key: string, text: string) => void) {
    this.plain = h('textarea', {
      class: 'plain-editor', spellcheck: false, autocapitalize: 'off', autocomplete: 'off', wrap: 'off',
      'aria-label': 'Source', 'data-testid': 'plain-editor',
    });
    this.plain.addEventListener('input', () => {
      if (this.active) this.edited(this.active, this.plain.value);
    });
    host.append(this.plain);
  }

  get ready(): boolean {
    return this.editor !== undefined;
  }

  /** The Monaco editor and its API once loaded (source-links.ts draws on it). */
  get monacoParts(): { monaco: Monaco; editor: MonacoApi.editor.IStandaloneCodeEditor } | undefined {
    return this.monaco && this.editor ? { monaco: this.monaco, editor: this.editor } : undefined;
  }

  /** The key of the document in view. */
  get activeKey(): string | undefined {
    return this.active;
  }

  /** Makes `documents` the editor's set, showing `activeKey`; texts that differ are replaced. */
  show(documents: EditorDocument[], activeKey: string): void {
    const keys = new Set(documents.map((d) => d.key));
    for (const key of [...this.documents.keys()]) {
      if (!keys.has(key)) {
        this.documents.delete(key);
        this.models.get(key)?.dispose();
        this.models.delete(key);
      }
    }
    for (const doc of documents) {
      this.documents.set(doc.key, doc);
      this.syncModel(doc);
    }
    this.activate(activeKey);
  }

  private syncModel(doc: EditorDocument): void {
    if (!this.monaco) return;
    const language = LANGUAGE_ID[doc.arch];
    let model = this.models.get(doc.key);
    if (!model) {
      model = this.monaco.editor.createModel(doc.text, language);
      model.onDidChangeContent(() => {
        if (!this.applyingExternalChange) this.edited(doc.key, model!.getValue());
      });
      this.models.set(doc.key, model);
    } else {
      if (model.getLanguageId() !== language) this.monaco.editor.setModelLanguage(model, language);
      if (model.getValue() !== doc.text) {
        this.applyingExternalChange = true;
        // pushEditOperations keeps the change undoable, unlike setValue.
        model.pushEditOperations([], [{ range: model.getFullModelRange(), text: doc.text }], () => null);
        this.applyingExternalChange = false;
      }
    }
    this.applyMarkers(doc.key);
  }

  private activate(key: string): void {
    this.active = key;
    const doc = this.documents.get(key);
    if (this.editor) {
      const model = this.models.get(key);
      if (model && this.editor.getModel() !== model) this.editor.setModel(model);
    } else if (doc && this.plain.value !== doc.text) {
      this.plain.value = doc.text;
    }
  }

  private edited(key: string, text: string): void {
    const doc = this.documents.get(key);
    if (doc) doc.text = text;
    this.onEdit(key, text);
  }

  setDiagnostics(key: string, diagnostics: Diagnostic[]): void {
    this.diagnostics.set(key, diagnostics);
    this.applyMarkers(key);
  }

  /** Sets the markers `owner` puts on a document (none clears them); the assembler's stay. */
  setMarkers(key: string, owner: string, markers: EditorMarker[]): void {
    if (!this.markers.has(owner)) this.markers.set(owner, new Map());
    this.markers.get(owner)!.set(key, markers);
    this.applyMarkers(key);
  }

  private applyMarkers(key: string): void {
    const model = this.models.get(key);
    if (!model || !this.monaco) return;
    const lines = model.getLineCount();
    for (const [owner, byKey] of this.markers) {
      this.monaco.editor.setModelMarkers(model, owner, (byKey.get(key) ?? []).map((m) => {
        const line = Math.min(Math.max(m.line, 1), lines);
        return {
          severity: m.severity === 'error' ? this.monaco!.MarkerSeverity.Error : this.monaco!.MarkerSeverity.Warning,
          message: m.message, startLineNumber: line, startColumn: model.getLineFirstNonWhitespaceColumn(line) || 1,
          endLineNumber: line, endColumn: model.getLineMaxColumn(line), source: 'patch generator',
        };
      }));
    }
    const markers = (this.diagnostics.get(key) ?? []).map((d) => {
      const line = Math.min(Math.max(d.line ?? 1, 1), lines);
      return {
        severity: this.monaco!.MarkerSeverity.Error,
        message: d.message,
        startLineNumber: line,
        startColumn: model.getLineFirstNonWhitespaceColumn(line) || 1,
        endLineNumber: line,
        endColumn: model.getLineMaxColumn(line),
        source: 'Keystone',
      };
    });
    this.monaco.editor.setModelMarkers(model, 'assembler', markers);
  }

  /** Puts the cursor on a line of the active document. */
  revealLine(line: number): void {
    if (this.editor) {
      this.editor.revealLineInCenter(line);
      this.editor.setPosition({ lineNumber: line, column: 1 });
      this.editor.focus();
      return;
    }
    const lines = this.plain.value.split('\n');
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    this.plain.focus();
    this.plain.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
  }

  /** Scrolls a line of the active document into view if it is out of it; the cursor and focus stay. */
  showLine(line: number): void {
    this.editor?.revealLineInCenterIfOutsideViewport(line);
  }

  /** Replaces the text area with Monaco. */
  upgrade(monaco: Monaco, theme: string, commands: EditorCommand[]): void {
    if (this.editor) return;
    this.monaco = monaco;
    // Whatever was typed into the text area is the document now.
    if (this.active) {
      const doc = this.documents.get(this.active);
      if (doc) doc.text = this.plain.value;
    }
    for (const doc of this.documents.values()) this.syncModel(doc);
    const container = h('div', { class: 'monaco-host', 'data-testid': 'monaco-host' });
    this.host.replaceChildren(container);
    this.editor = monaco.editor.create(container, {
      model: this.active ? this.models.get(this.active) ?? null : null,
      theme,
      automaticLayout: true,
      minimap: { enabled: false },
      fontSize: 13,
      lineNumbersMinChars: 3,
      scrollBeyondLastLine: false,
      renderWhitespace: 'none',
      tabSize: 4,
      insertSpaces: true,
      fixedOverflowWidgets: true,
      // The margin where breakpoints are set and the executing line is marked (source-links.ts).
      glyphMargin: true,
    });
    for (const command of commands) this.editor.addCommand(command.keybinding(monaco), command.run);
    this.upgraded?.();
  }

  setTheme(theme: string): void {
    this.monaco?.editor.setTheme(theme);
  }
}
