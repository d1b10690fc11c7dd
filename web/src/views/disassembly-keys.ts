// The disassembly from the keyboard: the rows are one stop in the tab order (a roving tabindex),
// the arrow keys (and Home, End) move between them, B or F9 sets or clears a breakpoint on the row,
// Enter shows the row's source line, and R runs to the row. The list is drawn again with every
// snapshot: the row that had the focus gets it back, without scrolling the window.

import './disassembly-keys.css';

export interface RowActions {
  toggleBreakpoint(address: number): void;
  choose(address: number): void;
  runTo(address: number): void;
}

/** For the list of shortcuts: what each key does on a row. */
export const ROW_KEYS: readonly [string, string[]][] = [
  ['In the disassembly: the previous or next row', ['\u2191', '\u2193']],
  ['In the disassembly: set or clear a breakpoint on the row', ['B', 'F9']],
  ['In the disassembly: show the row\'s source line', ['Enter']],
  ['In the disassembly: run to the row', ['R']],
];

const rows = (list: HTMLElement) => [...list.querySelectorAll<HTMLElement>('li[data-address]')];

export class DisassemblyKeys {
  /** The address of the row with the focus, while the list has it (kept across redraws). */
  private focused: number | undefined;
  /** The row that takes the focus when the list is tabbed into. */
  private stop: number | undefined;

  constructor(private readonly list: HTMLElement, private readonly actions: RowActions) {
    list.addEventListener('keydown', (event) => this.key(event));
    list.addEventListener('focusin', (event) => {
      const row = (event.target as Element).closest<HTMLElement>('li[data-address]');
      if (row) this.focused = this.stop = Number(row.dataset.address);
    });
    list.addEventListener('focusout', (event) => {
      const target = event.target as Element;
      const next = event.relatedTarget as Node | null;
      // Gone with a redraw (the focus is restored in refresh), or moved on for good.
      queueMicrotask(() => {
        if (next ? !list.contains(next) : target.isConnected) this.focused = undefined;
      });
    });
  }

  /** After the rows were drawn (or marked): one of them is the tab stop; the one that had the focus has it again. */
  refresh(preferred: number | undefined): void {
    const all = rows(this.list);
    const stop = all.find((r) => Number(r.dataset.address) === this.stop)
      ?? all.find((r) => Number(r.dataset.address) === preferred) ?? all.find((r) => r.classList.contains('current')) ?? all[0];
    for (const row of all) row.tabIndex = row === stop ? 0 : -1;
    const active = document.activeElement;
    if (this.focused !== undefined && (!active || active === document.body || !active.isConnected)) {
      const row = all.find((r) => Number(r.dataset.address) === this.focused) ?? stop;
      if (row) this.focus(row);
    }
  }

  private focus(row: HTMLElement): void {
    for (const r of rows(this.list)) r.tabIndex = r === row ? 0 : -1;
    this.stop = Number(row.dataset.address);
    row.focus({ preventScroll: true });
    // Only the panel scrolls, never the window.
    const panel = this.list.closest('.panel');
    if (!panel) return;
    const r = row.getBoundingClientRect();
    const p = panel.getBoundingClientRect();
    if (r.top < p.top) panel.scrollTop -= p.top - r.top;
    else if (r.bottom > p.bottom) panel.scrollTop += r.bottom - p.bottom;
  }

  private key(event: KeyboardEvent): void {
    const row = (event.target as Element).closest<HTMLElement>('li[data-address]');
    if (!row || event.ctrlKey || event.metaKey || event.altKey) return;
    const all = rows(this.list);
    const at = all.indexOf(row);
    const address = Number(row.dataset.address);
    const move = (to: number) => { const next = all[Math.max(0, Math.min(all.length - 1, to))]; if (next) this.focus(next); };
    switch (event.key) {
      case 'ArrowDown': move(at + 1); break;
      case 'ArrowUp': move(at - 1); break;
      case 'Home': move(0); break;
      case 'End': move(all.length - 1); break;
      case 'PageDown': move(at + 10); break;
      case 'PageUp': move(at - 10); break;
      case 'b': case 'B': case 'F9': this.actions.toggleBreakpoint(address); break;
      case 'Enter': this.actions.choose(address); break;
      case 'r': case 'R': this.actions.runTo(address); break;
      default: return;
    }
    event.preventDefault();
    event.stopPropagation();
  }
}
