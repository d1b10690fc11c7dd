// Calls per function, as bars, so calls visibly move from an old function to its replacement:
// an old function's entries that a live redirect sends on are shown apart from its own runs.
import { fill, h } from '../dom.ts';
import type { CallCounter } from '../lab/protocol.ts';
import { count } from '../../../core/count.ts';

export function renderCalls(table: HTMLTableElement, calls: CallCounter[]): void {
  const most = Math.max(1, ...calls.map((c) => c.calls + c.redirected));
  fill(table.tBodies[0]!, ...calls.map((c) => h('tr', { class: c.kind === 'patch' ? 'patch-fn' : c.redirected > 0 ? 'redirected' : '',
    dataset: { function: c.name } },
  h('td', {}, c.name),
  h('td', { class: 'count', title: c.redirected > 0 ? `${c.redirected} more entries went on to the new code` : undefined },
    count(c.calls), c.redirected > 0 ? h('span', { class: 'redirected-count' }, ` +${count(c.redirected)} \u2192`) : null),
  h('td', { class: 'bars' },
    h('div', { class: 'bar', style: `width: ${(100 * c.calls) / most}%` }),
    c.redirected > 0 ? h('div', { class: 'bar redirected-bar', style: `width: ${(100 * c.redirected) / most}%` }) : null))));
  // What "+N \u2192" means, once there is something redirected to read it on.
  const redirected = calls.find((c) => c.redirected > 0);
  table.deleteCaption();
  if (redirected) {
    table.createCaption().textContent = `${redirected.name}: ${count(redirected.calls)} calls ran its own code; ` +
      `+${count(redirected.redirected)} \u2192 reached its entry while it was redirected, and ran the new code.`;
  }
}
