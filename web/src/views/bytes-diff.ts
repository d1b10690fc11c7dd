// Bytes before and after a write, side by side, the changed ones highlighted.
import { h } from '../dom.ts';
import { hex } from '../../../core/hex.ts';

export function renderBytesDiff(at: number, before: string, after: string): HTMLElement {
  const row = (label: string, digits: string, other: string) => h('div', { class: 'bytes-row' },
    h('span', { class: 'label' }, label.padEnd(7)),
    ...Array.from({ length: digits.length / 2 }, (_, i) => {
      const value = digits.slice(i * 2, i * 2 + 2);
      const changed = value !== other.slice(i * 2, i * 2 + 2);
      return h('span', { class: changed ? 'byte changed' : 'byte' }, value, ' ');
    }));
  return h('div', { class: 'bytes-diff', 'aria-label': `bytes at ${hex(at)}` },
    h('div', { class: 'bytes-at' }, `at ${hex(at)}, ${after.length / 2} bytes`),
    before ? row('before', before, after) : null,
    row('after', after, before));
}
