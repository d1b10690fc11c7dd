// Calls per function, as bars, so calls visibly move from an old function to its replacement.
import { fill, h } from '../dom.ts';
import type { CallCounter } from '../lab/protocol.ts';

export function renderCalls(table: HTMLTableElement, calls: CallCounter[]): void {
  const most = Math.max(1, ...calls.map((c) => c.calls));
  fill(table.tBodies[0]!, ...calls.map((c) => h('tr', { dataset: { function: c.name } },
    h('td', {}, c.name),
    h('td', { class: 'count' }, c.calls.toLocaleString('en-US')),
    h('td', {}, h('div', { class: 'bar', style: `width: ${(100 * c.calls) / most}%` })))));
}
