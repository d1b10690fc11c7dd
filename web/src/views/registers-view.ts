// General-purpose registers; those that changed since the previous stop are marked.
import { fill, h } from '../dom.ts';
import type { RegisterValue } from '../lab/protocol.ts';

export function renderRegisters(container: HTMLElement, registers: RegisterValue[]): void {
  fill(container, ...registers.map((r) => h('div', { class: r.changed ? 'reg changed' : 'reg', dataset: { register: r.name },
    title: r.changed ? 'changed since the previous stop' : undefined },
  h('span', { class: 'name' }, r.name),
  h('span', { class: 'value' }, r.value))));
}
