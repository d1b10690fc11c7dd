// Reads a redirection diagram (web/src/views/flow-diagram.ts) in the browser: its texts, where the
// hook's jump-back arrow ends, and the box of the original function. Passed to `evaluate`, so it
// must not refer to anything outside itself.
import { expect } from 'vitest';
export interface FlowGeometry {
  texts: string[];
  /** The end of the arrow labelled "jump back ...", if there is one. */
  jumpBackEnd: { x: number; y: number } | null;
  jumpBackLabel: string | null;
  /** The original function's box (the one whose entry the jump overwrites). */
  target: { x: number; y: number; width: number; height: number };
  /** Lines of that box: name, module, "0x...: entry", and for a hook "0x...: rest of the body". */
  targetLines: { text: string; y: number }[];
}

export function flowGeometry(svg: SVGSVGElement): FlowGeometry {
  const texts = [...svg.querySelectorAll('text')].map((t) => t.textContent ?? '');
  const back = [...svg.querySelectorAll('g')].find((g) => g.querySelector(':scope > text')?.textContent?.startsWith('jump back'));
  const end = /L([\d.]+),([\d.]+)$/.exec(back?.querySelector('path')?.getAttribute('d') ?? '');
  // The second box of the first row: caller, original, new function.
  const node = svg.querySelectorAll(':scope > g.node')[1]!;
  const rect = node.querySelector('rect')!;
  return {
    texts,
    jumpBackEnd: end ? { x: Number(end[1]), y: Number(end[2]) } : null,
    jumpBackLabel: back?.querySelector(':scope > text')?.textContent ?? null,
    target: { x: Number(rect.getAttribute('x')), y: Number(rect.getAttribute('y')), width: Number(rect.getAttribute('width')),
      height: Number(rect.getAttribute('height')) },
    targetLines: [...node.querySelectorAll('text')].map((t) => ({ text: t.textContent ?? '', y: Number(t.getAttribute('y')) })),
  };
}

/**
 * A hook's diagram once its jump is in: no "no longer reached" (the old body still runs, through the
 * trampoline), and the jump back ends at the foot of the original's box, under a body line whose
 * address is the entry's plus the bytes the label says the jump skips.
 */
export function expectHookDrawing(g: FlowGeometry): void {
  expect(g.texts.filter((t) => t.includes('no longer reached'))).toEqual([]);
  expect(g.jumpBackEnd).not.toBeNull();
  const end = g.jumpBackEnd!;
  expect(end.x).toBeGreaterThan(g.target.x);
  expect(end.x).toBeLessThan(g.target.x + g.target.width);
  expect(Math.abs(end.y - (g.target.y + g.target.height))).toBeLessThanOrEqual(4);
  const [, , entry, body] = g.targetLines;
  const skip = Number(/^jump back to \+(\d+), into the body$/.exec(g.jumpBackLabel ?? '')?.[1]);
  const at = (line: { text: string } | undefined, what: RegExp) => Number(what.exec(line?.text ?? '')?.[1]);
  expect(at(body, /^(0x[0-9a-f]+): rest of the body$/)).toBe(at(entry, /^(0x[0-9a-f]+): /) + skip);
  expect(skip).toBeGreaterThan(0);
  expect(body!.y).toBeGreaterThan(entry!.y);
}
