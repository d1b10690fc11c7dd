// The redirection drawn with arrows: caller -> old entry -> jump -> new function, and for hooks the
// trampoline that runs the displaced instructions and jumps back into the original.
import { svg } from '../dom.ts';
import { address } from '../lab/hex.ts';

export interface RedirectDrawing {
  mode: 'replace' | 'hook';
  targetName: string;
  target: number;
  /** The entry redirection, e.g. "jmp rel32". */
  form: string;
  replacementName: string;
  replacement: number;
  /** Bytes of the entry the jump overwrote. */
  overwritten: number;
  trampoline?: number;
  /** Whether the jump is written yet (while stepping through a transaction it may not be). */
  live: boolean;
}

const BOX_W = 190;
const BOX_H = 46;

function box(x: number, y: number, title: string, detail: string, kind = ''): SVGGElement {
  return svg('g', { class: `node ${kind}` },
    svg('rect', { class: `box ${kind}`, x, y, width: BOX_W, height: BOX_H, rx: 6 }),
    svg('text', { x: x + 10, y: y + 19 }, title),
    svg('text', { x: x + 10, y: y + 36, opacity: 0.7 }, detail));
}

function arrow(points: [number, number][], label: string, kind = ''): SVGGElement {
  const d = points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x},${y}`).join(' ');
  const [lx, ly] = points[Math.floor(points.length / 2) - (points.length % 2 === 0 ? 1 : 0)]!;
  const [nx, ny] = points[Math.floor(points.length / 2) + (points.length % 2 === 0 ? 0 : 0)]!;
  return svg('g', {},
    svg('path', { class: `arrow ${kind}`, d, 'marker-end': `url(#head${kind ? '-' + kind : ''})` }),
    svg('text', { x: (lx + nx) / 2 + 4, y: (ly + ny) / 2 - 6 }, label));
}

export function renderFlowDiagram(r: RedirectDrawing): SVGSVGElement {
  const hook = r.mode === 'hook' && r.trampoline !== undefined;
  const height = hook ? 230 : 130;
  const defs = svg('defs', {},
    svg('marker', { id: 'head', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
      svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead' })),
    svg('marker', { id: 'head-old', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
      svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead old' })));
  const y = 20;
  const caller = box(10, y, 'caller', 'call ' + r.targetName, '');
  const entry = box(260, y, r.targetName, `${address(r.target)}: ${r.live ? r.form : 'original entry'}`, r.live ? 'patched' : '');
  const replacement = box(510, y, r.replacementName, address(r.replacement), 'new');
  const parts: SVGElement[] = [defs, caller, entry, replacement,
    arrow([[200, y + BOX_H / 2], [258, y + BOX_H / 2]], 'call'),
    arrow([[450, y + BOX_H / 2], [508, y + BOX_H / 2]], r.live ? 'jump' : 'not yet', r.live ? '' : 'old'),
    arrow([[355, y + BOX_H], [355, y + BOX_H + 40]], r.live ? 'old body, unreached' : 'old body', r.live ? 'old' : ''),
  ];
  if (hook) {
    const ty = y + 130;
    parts.push(
      box(510, ty, 'trampoline', `${address(r.trampoline!)}: displaced + jmp back`, 'new'),
      arrow([[605, y + BOX_H], [605, ty - 2]], 'call original'),
      arrow([[508, ty + BOX_H / 2], [380, ty + BOX_H / 2], [380, y + BOX_H + 42]], `back to +${r.overwritten}`),
    );
  }
  return svg('svg', { class: 'flow', viewBox: `0 0 720 ${height}`, role: 'img',
    'aria-label': `${r.targetName} redirected to ${r.replacementName}${hook ? ' with a trampoline back to the original' : ''}` }, ...parts);
}
