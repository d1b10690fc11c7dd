// What a hot-applied edit came to, above the transaction in the patch view: every symbol of the
// edited module with its class and reason (rude edits and warnings with a link to their line),
// then the generated patch with each relocation and the symbol it resolves to.
import { fill, h } from '../dom.ts';
import { hex } from '../../../core/hex.ts';
import type { HotEditView, RelocationView } from '../lab/hot-edit.ts';
import type { SymbolDiff } from '../../../toolchain/diff/index.ts';
import './edit-diff-view.css';

const CLASS_LABEL: Record<SymbolDiff['class'], string> = {
  changed: 'changed', new: 'new', unchanged: 'unchanged', base: 'used', import: 'import', 'new-global': 'new global',
  removed: 'removed', rude: 'rude',
};

/** Classes first by what the patch does with them: rude edits, then what it carries, then what it uses. */
const ORDER: SymbolDiff['class'][] = ['rude', 'changed', 'new', 'new-global', 'base', 'import', 'removed', 'unchanged'];

export function renderEditDiff(host: HTMLElement, view: HotEditView | undefined, reveal: (line: number) => void): void {
  host.hidden = view === undefined;
  if (!view) { fill(host); return; }
  const lineLink = (line: number | undefined) => (line === undefined ? null
    : h('a', { href: '#', class: 'edit-line', onclick: (event: Event) => { event.preventDefault(); reveal(line); } }, `line ${line}`));
  const symbols = [...view.symbols].sort((a, b) => ORDER.indexOf(a.class) - ORDER.indexOf(b.class));
  const counts = ORDER.map((c) => [c, view.symbols.filter((s) => s.class === c).length] as const).filter(([, n]) => n > 0)
    .map(([c, n]) => `${n} ${CLASS_LABEL[c]}`).join(', ');
  const warnings = view.symbols.filter((s) => s.warning).length;
  fill(host,
    h('h3', {}, `Your edit of ${view.file}`, view.module ? ` (module ${view.module}) against the running build` : ''),
    view.message ? h('p', { class: `edit-message ${view.outcome}`, 'data-testid': 'edit-message' }, view.message, ' ',
      lineLink(view.line)) : null,
    view.symbols.length > 0 ? h('p', { class: 'edit-counts' }, `Every symbol: ${counts}${warnings ? `; ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}.`) : null,
    view.symbols.length > 0 ? h('ul', { class: 'edit-symbols', 'aria-label': 'Symbols of the edit' },
      ...symbols.map((s) => symbolItem(s, lineLink))) : null,
    view.patch ? renderPatch(view) : null);
}

function symbolItem(s: SymbolDiff, lineLink: (line: number | undefined) => HTMLElement | null): HTMLElement {
  return h('li', { class: `edit-symbol ${s.class}${s.warning ? ' warned' : ''}`, dataset: { class: s.class, name: s.name } },
    h('span', { class: 'edit-class' }, CLASS_LABEL[s.class]), ' ', h('code', {}, s.name), ' ',
    h('span', { class: 'edit-reason' }, s.reason), s.class === 'rude' ? ' ' : null, s.class === 'rude' ? lineLink(s.line) : null,
    s.warning ? h('span', { class: 'edit-warning' }, h('strong', {}, 'Warning: '), s.warning, ' ', lineLink(s.line)) : null);
}

function renderPatch(view: HotEditView): HTMLElement {
  const patch = view.patch!;
  const carried = [...patch.functions, ...patch.globals];
  const t = view.timings;
  const ms = (n: number) => `${n < 10 ? n.toFixed(1) : Math.round(n)} ms`;
  return h('section', { class: 'edit-patch', 'aria-label': 'The generated patch' },
    h('h4', {}, 'The generated patch'),
    h('p', {}, `${view.module} sequence ${patch.sequence}, cumulative against the running build`,
      patch.sequence > 1 ? ` (it replaces patch ${patch.sequence - 1})` : '', `: carries ${carried.join(', ')}; `,
      `${patch.codeSize} bytes of code, ${patch.dataSize} of data. `,
      `Made in ${ms(t.assemble + t.diff + t.build)} (assemble ${ms(t.assemble)}, diff ${ms(t.diff)}, build ${ms(t.build)}), applied in ${ms(t.apply)}.`),
    patch.relocations.length === 0
      ? h('p', { class: 'edit-relocations-none' }, 'No relocations: the new code refers to nothing outside itself by address.')
      : h('div', {}, h('p', {}, `${patch.relocations.length} relocation${patch.relocations.length === 1 ? '' : 's'}, resolved by the engine when it applies the patch:`),
        h('ol', { class: 'edit-relocations', 'aria-label': 'Relocations' }, ...patch.relocations.map(relocationItem))),
    h('details', { class: 'edit-source' }, h('summary', {}, 'Patch source'), h('pre', {}, patch.source)));
}

function relocationItem(r: RelocationView): HTMLElement {
  const addend = r.addend === 0 ? '' : r.addend > 0 ? ` + ${hex(r.addend)}` : ` - ${hex(-r.addend)}`;
  const live = r.target === 'base' ? 'the running program\'s own' : r.target === 'export' ? 'another module\'s export' : 'the patch\'s own';
  return h('li', { class: 'edit-relocation', dataset: { symbol: r.symbol } },
    h('code', {}, `${r.section}+${hex(r.offset)}`), ' ', h('span', { class: 'edit-kind' }, r.kind), ' \u2192 ',
    h('code', { class: 'edit-target' }, `${r.symbol}${addend}`), ` (${live}`,
    r.symbolAddress === undefined ? '' : `, at ${hex(r.symbolAddress)}`, ')',
    r.fieldAddress === undefined ? '' : h('span', { class: 'edit-field' }, `; field at ${hex(r.fieldAddress)}`));
}
