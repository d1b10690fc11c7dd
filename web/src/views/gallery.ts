// The examples gallery: one card per example, its x86-64 and ARM64 versions side by side.
import { ARCH, ARCHES, type Arch } from '../../../core/arch.ts';
import { fill, h } from '../dom.ts';
import type { Example } from '../examples/catalog.ts';

/** The functions patch sources redirect (".redirect <function> -> ..."), in order. */
export function redirectedFunctions(patches: { text: string }[]): string[] {
  return patches.flatMap((p) => [...p.text.matchAll(/^\s*\.redirect\s+([A-Za-z_.$][\w.$]*)\s*->/gm)].map((m) => m[1]!));
}

/** Lines shown on a card: the function the example is about (the one its patch redirects, else its first export), else the start. */
function excerpt(example: Example, arch: Arch): string {
  const text = example.modules[arch]?.[0]?.text ?? '';
  const lines = text.split('\n');
  const about = redirectedFunctions(example.patches[arch] ?? [])[0] ?? /^\s*\.export\s+([\w.$]+)/m.exec(text)?.[1];
  // One expression for all lines (a new one per line cost the page's start several milliseconds).
  const func = about ? new RegExp(`^\\s*\\.func\\s+${about.replace(/\$/g, '\\$')}\\b`) : undefined;
  const start = func ? lines.findIndex((l) => func.test(l)) : -1;
  const from = start >= 0 ? start : lines.findIndex((l) => /^\s*\.func\b/.test(l));
  return lines.slice(Math.max(from, 0), Math.max(from, 0) + 8).join('\n');
}

function patchCount(example: Example, arch: Arch): string {
  const count = example.patches[arch]?.length ?? 0;
  return count === 0 ? '' : count === 1 ? ' + 1 patch' : ` + ${count} patches`;
}

export function renderGallery(container: HTMLElement, examples: Example[], onPick: (example: Example, arch: Arch) => void): void {
  fill(container, ...examples.map((example) => h('article', { class: 'card', dataset: { example: example.id } },
    h('h3', {}, example.manifest.title),
    h('p', {}, example.manifest.summary),
    h('div', { class: 'card-arches' }, ...ARCHES.map((arch) => example.modules[arch]
      ? h('div', { class: 'card-arch' },
        h('button', { onclick: () => onPick(example, arch), dataset: { arch } }, `Open ${ARCH[arch].displayName}`),
        h('pre', { 'aria-label': `${ARCH[arch].displayName} excerpt` }, excerpt(example, arch)),
        h('small', {}, `${example.modules[arch]!.length} module${example.modules[arch]!.length > 1 ? 's' : ''}`,
          patchCount(example, arch)))
      : h('div', { class: 'card-arch' }, h('small', {}, `no ${ARCH[arch].displayName} version`)))),
  )));
}
