// Source and machine code linked on the page: breakpoints set from a disassembly row (its address)
// or an editor line (the glyph margin), the executing line marked in the editor, a row's line
// brought into view when the row is chosen, the rows made from the cursor's line marked, and
// "Run to here" for the row or line chosen last.
import { byId, explain } from '../dom.ts';
import { hex } from '../../../core/hex.ts';
import { addressesOfLine } from '../../../core/module.ts';
import { EditorLinks } from '../editor/source-links.ts';
import type { LabSession } from '../lab/lab-session.ts';
import type { DisassemblyLine, ModuleSummary, Snapshot } from '../lab/protocol.ts';
import type { EditorPane } from './editor-pane.ts';
import { DisassemblyKeys } from './disassembly-keys.ts';

/** A place in the program: an address, and the source line that made it when there is one. */
interface Place {
  address: number;
  file?: string;
  line?: number;
}

export class CodeLinks {
  private readonly list = byId('disassembly');
  private readonly runToHere = byId<HTMLButtonElement>('run-to-here');
  private readonly editorLinks: EditorLinks;
  private readonly keys: DisassemblyKeys;
  private readonly breakpoints = new Map<number, Place>();
  private modules: ModuleSummary[] = [];
  private snapshot: Snapshot | undefined;
  /** What "Run to here" runs to: the row chosen or the cursor's line, whichever came last. */
  private chosen: Place | undefined;
  /** The line of the row chosen, marked in the editor. */
  private linked: { file: string; line: number } | undefined;
  /** The cursor's line in the module file in view. */
  private cursor: { file: string; line: number } | undefined;
  private canRun = false;
  /** The executing line last brought into view. */
  private shownExecuting = '';

  constructor(private readonly session: LabSession, private readonly editors: EditorPane, private readonly runTo: (address: number) => void) {
    this.editorLinks = new EditorLinks(editors.sourceEditor, {
      toggleBreakpoint: (line) => this.toggleLine(line),
      cursorLine: (line) => this.cursorMoved(line),
      runToLine: (line) => {
        const file = this.editors.fileInView;
        const [address] = file ? this.addressesOf(file, line) : [];
        if (address !== undefined && this.canRun) this.runTo(address);
      },
    });
    this.list.addEventListener('click', (event) => this.clicked(event));
    this.keys = new DisassemblyKeys(this.list, {
      toggleBreakpoint: (address) => this.toggle({ address, ...this.row(address)?.source }),
      choose: (address) => this.choose(address),
      runTo: (address) => { this.choose(address); if (!this.runToHere.disabled) this.runTo(address); },
    });
    this.runToHere.addEventListener('click', () => { if (this.chosen && !this.runToHere.disabled) this.runTo(this.chosen.address); });
    this.update();
  }

  /** The program loaded: breakpoints set on lines move with their lines, others stay where code still is. */
  loaded(modules: ModuleSummary[]): void {
    this.modules = modules;
    const kept = [...this.breakpoints.values()].flatMap((place): Place[] => {
      if (place.file !== undefined && place.line !== undefined) {
        const [address] = this.addressesOf(place.file, place.line);
        return address === undefined ? [] : [{ ...place, address }];
      }
      return this.inCode(place.address) ? [place] : [];
    });
    this.breakpoints.clear();
    for (const place of kept) this.breakpoints.set(place.address, place);
    this.chosen = undefined;
    this.linked = undefined;
    void this.send();
    this.update();
  }

  /** Whether runs can be started now (the run controls' verdict). */
  setCanRun(canRun: boolean): void {
    this.canRun = canRun;
    this.update();
  }

  showSnapshot(snapshot: Snapshot): void {
    this.snapshot = snapshot;
    this.update();
  }

  /** The editor shows another document: its marks are drawn. */
  documentChanged(): void {
    this.cursor = undefined;
    this.update();
  }

  private addressesOf(file: string, line: number): number[] {
    const module = this.modules.find((m) => m.file === file);
    return module ? addressesOfLine(module, line) : [];
  }

  private inCode(address: number): boolean {
    return this.modules.some((m) => address >= m.base && address < m.base + m.codeSize);
  }

  private row(address: number): DisassemblyLine | undefined {
    return this.snapshot?.disassembly.find((r) => r.address === address);
  }

  private clicked(event: Event): void {
    const item = (event.target as Element).closest<HTMLElement>('li[data-address]');
    if (!item) return;
    const address = Number(item.dataset.address);
    if ((event.target as Element).closest('.addr')) {
      this.toggle({ address, ...this.row(address)?.source });
      return;
    }
    this.choose(address);
  }

  /** The row becomes what "Run to here" runs to, and its source line comes into view. */
  private choose(address: number): void {
    const source = this.row(address)?.source;
    this.chosen = { address, ...source };
    this.linked = source;
    if (source) {
      this.editors.showFile(source.file);
      this.editorLinks.reveal(source.line);
    }
    this.update();
  }

  private toggle(place: Place): void {
    if (this.breakpoints.has(place.address)) this.breakpoints.delete(place.address);
    else this.breakpoints.set(place.address, place);
    void this.send();
    this.update();
  }

  /** A breakpoint on a line is one at the first instruction the line made; a line that made none gets none. */
  private toggleLine(line: number): void {
    const file = this.editors.fileInView;
    if (!file) return;
    const onLine = [...this.breakpoints.values()].filter((p) => p.file === file && p.line === line);
    if (onLine.length > 0) {
      for (const p of onLine) this.breakpoints.delete(p.address);
    } else {
      const [address] = this.addressesOf(file, line);
      if (address === undefined) return;
      this.breakpoints.set(address, { address, file, line });
    }
    void this.send();
    this.update();
  }

  private cursorMoved(line: number): void {
    const file = this.editors.fileInView;
    if (!file) return;
    this.cursor = { file, line };
    const [address] = this.addressesOf(file, line);
    if (address !== undefined) this.chosen = { address, file, line };
    this.update();
  }

  private send(): Promise<unknown> {
    return this.session.setBreakpoints([...this.breakpoints.keys()]);
  }

  private update(): void {
    this.markRows();
    this.markEditor();
    const chosen = this.chosen;
    const ended = this.snapshot?.state === 'exited' || this.snapshot?.state === 'failed';
    const why = !chosen ? 'choose a disassembly row, or put the cursor on a line of code'
      : !this.canRun ? 'the program cannot run now' : ended ? 'the program has ended: Reset starts it again' : undefined;
    this.runToHere.disabled = why !== undefined;
    explain(this.runToHere, why, undefined);
    if (!why && chosen) {
      this.runToHere.title = `Run until ${hex(chosen.address)}${chosen.line ? ` (${chosen.file} line ${chosen.line})` : ''} is reached`;
    }
  }

  /** Rows: breakpoints, the row chosen, and the rows made from the cursor's line. */
  private markRows(): void {
    for (const item of this.list.querySelectorAll<HTMLElement>('li[data-address]')) {
      const address = Number(item.dataset.address);
      const source = this.row(address)?.source;
      const on = this.breakpoints.has(address);
      item.classList.toggle('breakpoint', on);
      item.classList.toggle('chosen', this.chosen?.address === address);
      item.classList.toggle('linked', !!source && this.cursor?.file === source.file && this.cursor.line === source.line);
      if (source) { item.dataset.file = source.file; item.dataset.line = String(source.line); }
      const addr = item.querySelector<HTMLElement>('.addr');
      if (addr && addr.getAttribute('role') !== 'button') {
        addr.setAttribute('role', 'button');
        addr.title = 'Set or clear a breakpoint here';
      }
      addr?.setAttribute('aria-pressed', String(on));
      addr?.setAttribute('aria-label', `Breakpoint at ${hex(address)}`);
    }
    this.keys.refresh(this.chosen?.address);
  }

  private markEditor(): void {
    const file = this.editors.fileInView;
    const snapshot = this.snapshot;
    const live = snapshot && snapshot.state !== 'exited' && snapshot.state !== 'failed' && snapshot.state !== 'empty';
    const executing = live ? this.row(snapshot.pc)?.source : undefined;
    this.editorLinks.show({
      breakpoints: [...this.breakpoints.values()].filter((p) => p.file === file && p.line !== undefined).map((p) => p.line!),
      ...(executing && executing.file === file ? { executing: executing.line } : {}),
      ...(this.linked && this.linked.file === file ? { linked: this.linked.line } : {}),
    });
    const key = executing ? `${executing.file}:${executing.line}` : '';
    document.documentElement.dataset.executingLine = key;
    // Stopped somewhere new: the line comes into view. Not while the program runs on, and not before
    // it has run (a program just loaded shows its source from the top).
    if (snapshot?.state !== 'paused') {
      if (snapshot?.state !== 'running') this.shownExecuting = '';
    } else if (executing && executing.file === file && key !== this.shownExecuting) {
      this.shownExecuting = key;
      this.editorLinks.reveal(executing.line, false);
    }
  }
}
