// Guest memory as hex rows; bytes that differ from what was loaded (a patch's writes) are marked.
import { fill, h } from '../dom.ts';
import { hex } from '../../../core/hex.ts';
import type { MemoryWindow } from '../lab/protocol.ts';

/** Bytes per row: eight fit the panel beside the registers. */
const ROW = 8;

export function renderMemory(container: HTMLElement, memory: MemoryWindow | undefined): void {
  if (!memory) { fill(container); return; }
  const rows: HTMLElement[] = [];
  const length = memory.bytes ? memory.bytes.length / 2 : 0;
  if (length === 0) { fill(container, h('span', { class: 'byte unmapped' }, `${hex(memory.address)}: not mapped`)); return; }
  let changedCount = 0;
  for (let row = 0; row < length; row += ROW) {
    const cells: (HTMLElement | string)[] = [];
    for (let i = row; i < Math.min(row + ROW, length); i++) {
      const value = memory.bytes.slice(i * 2, i * 2 + 2);
      const changed = memory.loaded !== null && memory.loaded.slice(i * 2, i * 2 + 2) !== value;
      if (changed) changedCount++;
      cells.push(h('span', { class: changed ? 'byte changed' : 'byte',
        title: changed ? `loaded as ${memory.loaded!.slice(i * 2, i * 2 + 2)}` : undefined }, value));
      if (i + 1 < row + ROW) cells.push(' ');
    }
    rows.push(h('div', { class: 'row' }, h('span', { class: 'addr' }, hex(memory.address + row).padStart(10)), h('span', {}, ...cells)));
  }
  fill(container, ...rows, changedCount > 0
    ? h('div', { class: 'memory-note' }, `${changedCount} byte${changedCount > 1 ? 's' : ''} differ from the loaded image`)
    : null);
}
