// The redirection drawn with arrows: caller -> old entry -> jump -> new function, and for hooks the
// trampoline that runs the displaced instructions and jumps back into the original.
import { svg } from '../dom.ts';
import { hex } from '../../../core/hex.ts';
import type { Arch } from '../../../core/arch.ts';

export interface RedirectDrawing {
  mode: 'replace' | 'hook';
  /** The instruction set the caller calls in: "call" on x86-64, "bl" on ARM64. */
  arch: Arch;
  targetName: string;
  target: number;
  /** The entry redirection, e.g. "jmp rel32". */
  form: string;
  replacementName: string;
  replacement: number;
  /** Bytes of the entry the jump overwrote. */
  overwritten: number;
  trampoline?: number;
  /** Where the trampoline jumps back to: the first instruction after the displaced ones (default: after the overwritten bytes). */
  resumesAt?: number;
  /** Whether the jump is written yet (while stepping through a transaction it may not be). */
  live: boolean;
  /** Rolled back: the original entry is back and the new code is gone. */
  restored?: boolean;
}

const MIN_BOX_WIDTH = 210;
const BOX_H = 62;
const GAP = 84;
/** Width of a character of the diagram's 12px monospace font, and the boxes' inner margins. */
const CHAR_W = 7.3;
const PADDING = 20;

/** Height of a box with this many lines (three fill BOX_H). */
const boxHeight = (lines: number) => BOX_H + Math.max(0, lines - 3) * LINE_H;
const LINE_H = 16;

/** A box of lines: the function's name, its module, where it is and what its entry holds (for a hook, where its body goes on). */
function box(x: number, y: number, width: number, lines: string[], kind = ''): SVGGElement {
  return svg('g', { class: `node ${kind}` },
    svg('rect', { class: `box ${kind}`, x, y, width, height: boxHeight(lines.length), rx: 6 }),
    ...lines.map((line, i) => svg('text', { x: x + 10, y: y + 19 + i * LINE_H, ...(i > 0 ? { opacity: 0.75 } : { 'font-weight': 600 }) }, line)));
}

/** "module!function" as [function, module]. */
function split(name: string): [string, string] {
  const at = name.lastIndexOf('!');
  return at < 0 ? [name, ''] : [name.slice(at + 1), name.slice(0, at)];
}

/** A straight arrow from (x1, y1) to (x2, y2), its label beside its middle. */
function arrow(x1: number, y1: number, x2: number, y2: number, label: string, kind = ''): SVGGElement {
  const place: Record<string, string | number> = y1 === y2 ? { x: (x1 + x2) / 2, y: y1 - 7, 'text-anchor': 'middle' }
    : x1 === x2 ? { x: x1 + 8, y: (y1 + y2) / 2 + 4 }
    : { x: (x1 + x2) / 2 - 8, y: (y1 + y2) / 2 + 18, 'text-anchor': 'end' };
  return svg('g', {},
    svg('path', { class: `arrow ${kind}`, d: `M${x1},${y1} L${x2},${y2}`, 'marker-end': `url(#head${kind ? '-' + kind : ''})` }),
    svg('text', place, label));
}

function marker(id: string, kind: string): SVGMarkerElement {
  return svg('marker', { id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
    svg('path', { d: 'M0,0 L10,5 L0,10 z', class: `arrowhead ${kind}` }));
}

export function renderFlowDiagram(r: RedirectDrawing): SVGSVGElement {
  const hook = r.mode === 'hook' && r.trampoline !== undefined && !r.restored;
  const entry = r.restored ? 'restored' : r.live ? r.form : 'original entry';
  const [targetFn, targetModule] = split(r.targetName);
  const [newFn, newModule] = split(r.replacementName);
  // A hook's trampoline jumps back past the displaced instructions: its line in the box is where that arrow lands.
  const resumesAt = r.resumesAt ?? r.target + r.overwritten;
  const body = `${hex(resumesAt)}: rest of the body`;
  const lines = {
    caller: ['caller', '', `${r.arch === 'x64' ? 'call' : 'bl'} ${targetFn}`],
    target: [targetFn, targetModule, `${hex(r.target)}: ${entry}`, ...(hook ? [body] : [])],
    replacement: [newFn, newModule, `${hex(r.replacement)}${r.restored ? ': removed' : ''}`],
  };
  // Boxes as wide as the longest line in them, so that long names are not cut off.
  const longest = Math.max(...Object.values(lines).flat().map((line) => line.length));
  const boxWidth = Math.max(MIN_BOX_WIDTH, Math.ceil(longest * CHAR_W + PADDING));
  const column = [10, 10 + boxWidth + GAP, 10 + 2 * (boxWidth + GAP)] as const;
  const width = column[2] + boxWidth + 10;
  const y = 24;
  const mid = y + BOX_H / 2;
  const targetBottom = y + boxHeight(lines.target.length);
  const jumps = r.live && !r.restored;
  const parts: SVGElement[] = [
    svg('defs', {}, marker('head', ''), marker('head-old', 'old')),
    box(column[0], y, boxWidth, lines.caller.filter(Boolean)),
    box(column[1], y, boxWidth, lines.target, jumps ? 'patched' : ''),
    box(column[2], y, boxWidth, lines.replacement, r.restored ? 'removed' : 'new'),
    arrow(column[0] + boxWidth, mid, column[1] - 2, mid, 'call'),
    arrow(column[1] + boxWidth, mid, column[2] - 2, mid, r.restored ? 'removed' : r.live ? 'jump' : 'not yet', jumps ? '' : 'old'),
  ];
  // A hook's old body still runs, entered from the trampoline (drawn below); a replaced one is left behind.
  if (!(hook && jumps)) {
    parts.push(arrow(column[1] + 40, targetBottom, column[1] + 40, targetBottom + 38,
      r.restored ? 'old body runs again' : r.live ? 'old body: no longer reached' : 'old body: still runs', jumps ? 'old' : ''));
  }
  let height = targetBottom + 46;
  if (hook) {
    const ty = targetBottom + 54;
    parts.push(
      box(column[2], ty, boxWidth, ['trampoline', 'moved entry code', hex(r.trampoline!)], 'new'),
      arrow(column[2] + 40, y + BOX_H, column[2] + 40, ty - 2, 'calls the original'),
      // Up to the body line at the foot of the original's box, not to its entry.
      arrow(column[2] - 2, ty + BOX_H / 2, column[1] + boxWidth / 2, targetBottom + 2, `jump back to +${resumesAt - r.target}, into the body`),
    );
    height = ty + BOX_H + 10;
  }
  const label = r.restored
    ? `${r.targetName} back to its original code; the redirect to ${r.replacementName} is removed`
    : `${r.targetName} redirected to ${r.replacementName}${hook ? ' with a trampoline back to the original' : ''}`;
  return svg('svg', { class: 'flow', viewBox: `0 0 ${width} ${height}`, style: `max-width: ${width}px`, role: 'img', 'aria-label': label }, ...parts);
}
