// What the editor shows of the running program: the line executing now, the lines with breakpoints
// (a dot in the glyph margin, where a click sets or clears one), and the line a disassembly row was
// made from. It also tells which line the cursor is on, so the rows made from it can be marked.
import type * as MonacoApi from 'monaco-editor/editor';
import type { SourceEditor } from './source-editor.ts';

export interface LineMarks {
  /** The line whose instruction runs next. */
  executing?: number;
  breakpoints: number[];
  /** The line of the disassembly row chosen. */
  linked?: number;
}

export interface EditorLinkEvents {
  /** A click in the glyph margin of a line. */
  toggleBreakpoint(line: number): void;
  /** The cursor moved to a line of the document in view (by the user). */
  cursorLine(line: number): void;
  /** "Run to here" from the editor's context menu. */
  runToLine(line: number): void;
}

export class EditorLinks {
  private decorations: MonacoApi.editor.IEditorDecorationsCollection | undefined;
  private marks: LineMarks = { breakpoints: [] };

  constructor(private readonly source: SourceEditor, private readonly events: EditorLinkEvents) {
    source.upgraded = () => this.attach();
  }

  private attach(): void {
    const parts = this.source.monacoParts;
    if (!parts) return;
    const { monaco, editor } = parts;
    this.decorations = editor.createDecorationsCollection();
    editor.onMouseDown((event) => {
      const line = event.target.position?.lineNumber;
      if (line !== undefined && event.target.type === monaco.editor.MouseTargetType.GUTTER_GLYPH_MARGIN) this.events.toggleBreakpoint(line);
    });
    editor.onDidChangeCursorPosition((event) => {
      if (event.source !== 'api' && event.source !== 'modelChange') this.events.cursorLine(event.position.lineNumber);
    });
    const line = () => editor.getPosition()?.lineNumber;
    editor.addAction({ id: 'hotpatch.toggle-breakpoint', label: 'Set or clear a breakpoint on this line', contextMenuGroupId: 'hotpatch',
      run: () => { const l = line(); if (l !== undefined) this.events.toggleBreakpoint(l); } });
    editor.addAction({ id: 'hotpatch.run-to-here', label: 'Run to here', contextMenuGroupId: 'hotpatch',
      run: () => { const l = line(); if (l !== undefined) this.events.runToLine(l); } });
    // Another document in view: its marks are drawn by the next show().
    editor.onDidChangeModel(() => this.decorations?.clear());
    this.draw();
  }

  /** Draws the marks on the document in view. */
  show(marks: LineMarks): void {
    this.marks = marks;
    this.draw();
  }

  /**
   * Brings a line into view, if it is out of it; the cursor and focus stay. `select`: the plain text
   * area (before Monaco has loaded) selects the line, which moves its focus.
   */
  reveal(line: number, select = true): void {
    this.source.monacoParts?.editor.revealLineInCenterIfOutsideViewport(line);
    if (!this.source.monacoParts && select) this.source.revealLine(line);
  }

  private draw(): void {
    const parts = this.source.monacoParts;
    const model = parts?.editor.getModel();
    if (!parts || !model || !this.decorations) return;
    const lines = model.getLineCount();
    const range = (line: number) => new parts.monaco.Range(line, 1, line, 1);
    const valid = (line: number | undefined): line is number => line !== undefined && line >= 1 && line <= lines;
    const { executing, breakpoints, linked } = this.marks;
    const decorations: MonacoApi.editor.IModelDeltaDecoration[] = [];
    for (const line of new Set(breakpoints)) {
      if (valid(line)) decorations.push({ range: range(line), options: { glyphMarginClassName: 'bp-glyph', glyphMarginHoverMessage: { value: 'Breakpoint: click to clear' } } });
    }
    if (valid(linked)) decorations.push({ range: range(linked), options: { isWholeLine: true, className: 'linked-line' } });
    if (valid(executing)) {
      decorations.push({ range: range(executing), options: { isWholeLine: true, className: 'exec-line',
        ...(breakpoints.includes(executing) ? {} : { glyphMarginClassName: 'exec-glyph' }) } });
    }
    this.decorations.set(decorations);
  }
}
