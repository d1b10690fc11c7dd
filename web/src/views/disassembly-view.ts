// Disassembly around the program counter, the current instruction highlighted.
import { fill, h } from '../dom.ts';
import { hex } from '../../../core/hex.ts';
import type { DisassemblyLine } from '../lab/protocol.ts';

/** `scroll: false` keeps the page where it is (an embed must never scroll the page around it). */
export function renderDisassembly(list: HTMLElement, lines: DisassemblyLine[], pc: number | undefined,
  options: { scroll?: boolean } = {}): void {
  const items: HTMLElement[] = [];
  for (const line of lines) {
    if (line.label) items.push(h('li', { class: 'label-line' }, `${line.label}:`));
    const current = line.address === pc;
    items.push(h('li', { class: current ? 'current' : '', 'aria-current': current ? 'step' : undefined,
      dataset: { address: hex(line.address) } },
    h('span', { class: 'addr' }, hex(line.address)),
    h('span', { class: 'bytes' }, line.bytes.replace(/(..)(?!$)/g, '$1 ')),
    h('span', { class: line.undecodable ? 'undecodable' : '', title: `${line.mnemonic} ${line.operands}` },
      h('span', { class: 'mnemonic' }, line.mnemonic), line.operands ? ' ' + line.operands : '')));
  }
  fill(list, ...items);
  if ((options.scroll ?? true) && list.querySelector('.current')) followLater(list);
}

/** Lists whose current row is to be brought into view at the next frame. */
const following = new WeakSet<HTMLElement>();

/**
 * At the next frame, before it is painted, keeps the current row of `list` in view. Measuring now
 * would lay the page out at once, for every snapshot (and on the first one, the whole page, before
 * the program counts as loaded); at the frame the layout is due anyway, and one measure serves
 * however many snapshots came in between.
 */
function followLater(list: HTMLElement): void {
  if (following.has(list)) return;
  following.add(list);
  requestAnimationFrame(() => {
    following.delete(list);
    const current = list.querySelector('.current');
    if (current) keepInView(current, list.closest('.panel'));
  });
}

/**
 * Scrolls the panel (only the panel: never the window, as scrollIntoView would) so the current row
 * is in view, centred when it had to move.
 */
function keepInView(row: Element, panel: Element | null): void {
  if (!panel || panel.scrollHeight <= panel.clientHeight) return;
  const r = row.getBoundingClientRect();
  const p = panel.getBoundingClientRect();
  if (r.top >= p.top && r.bottom <= p.bottom) return;
  panel.scrollTop += r.top - p.top - (p.height - r.height) / 2;
}
