// Layout checks on a page in Chromium, from element boxes rather than pixels: which elements overlap,
// whether the page scrolls sideways, whether a control is the element a tap at its centre reaches,
// and whether a scroll container cuts its content. Used by the end-to-end tests at phone, tablet
// and laptop widths.
import type { Page } from 'playwright-core';

// The page's globals as far as these checks use them: this file is compiled for Node, without the DOM's types.
interface PageRect { x: number; y: number; width: number; height: number }
interface PageElement {
  getBoundingClientRect(): PageRect;
  scrollIntoView(options: { block: string; inline: string }): void;
  contains(other: PageElement): boolean;
  scrollHeight: number;
  clientHeight: number;
}
interface PageWindow {
  scrollX: number;
  scrollY: number;
  scrollTo(x: number, y: number): void;
  document: {
    querySelector(selector: string): PageElement | null;
    elementFromPoint(x: number, y: number): PageElement | null;
    documentElement: { clientWidth: number; scrollWidth: number };
  };
}

export interface Box {
  x: number;
  /** Page coordinates: the document's scroll is included. */
  y: number;
  width: number;
  height: number;
}

export interface LayoutReport {
  /** Each selector's box, or null when it matches nothing or is not rendered. */
  boxes: Record<string, Box | null>;
  /** "a x b: N px²" for every pair of boxes that share more than `tolerance` square pixels. */
  overlaps: string[];
  /** How far the document is wider than the viewport (0 when it does not scroll sideways). */
  horizontalOverflow: number;
  /** Selectors whose element sticks out past the viewport's right edge. */
  pastRightEdge: string[];
}

/**
 * Boxes of `selectors` (the first match of each), measured with the document scrolled to the top,
 * and the overlaps between them. The page is left scrolled where it was.
 */
export async function layoutReport(page: Page, selectors: string[], tolerance = 1): Promise<LayoutReport> {
  return page.evaluate(({ selectors, tolerance }) => {
    const window = globalThis as unknown as PageWindow;
    const document = window.document;
    const { scrollX: x0, scrollY: y0 } = window;
    window.scrollTo(0, 0);
    const boxes: Record<string, { x: number; y: number; width: number; height: number } | null> = {};
    for (const selector of selectors) {
      const element = document.querySelector(selector);
      const r = element?.getBoundingClientRect();
      boxes[selector] = r && (r.width > 0 || r.height > 0)
        ? { x: r.x + window.scrollX, y: r.y + window.scrollY, width: r.width, height: r.height } : null;
    }
    const overlaps: string[] = [];
    for (let i = 0; i < selectors.length; i++) {
      for (let j = i + 1; j < selectors.length; j++) {
        const a = boxes[selectors[i]!];
        const b = boxes[selectors[j]!];
        if (!a || !b) continue;
        const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
        const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
        if (w > 0 && h > 0 && w * h > tolerance) overlaps.push(`${selectors[i]} x ${selectors[j]}: ${Math.round(w * h)} px²`);
      }
    }
    const root = document.documentElement;
    const pastRightEdge = selectors.filter((s) => {
      const box = boxes[s];
      return box && box.x + box.width > root.clientWidth + 0.5;
    });
    const report = { boxes, overlaps, horizontalOverflow: root.scrollWidth - root.clientWidth, pastRightEdge };
    window.scrollTo(x0, y0);
    return report;
  }, { selectors, tolerance });
}

/**
 * Selectors of elements that a tap at their centre would not reach: each is scrolled to the middle
 * of the viewport and `elementFromPoint` at its centre must be the element or inside it.
 */
export async function unreachable(page: Page, selectors: string[]): Promise<string[]> {
  return page.evaluate((selectors) => {
    const window = globalThis as unknown as PageWindow;
    const document = window.document;
    const { scrollX: x0, scrollY: y0 } = window;
    const missed = selectors.filter((selector) => {
      const element = document.querySelector(selector);
      if (!element) return true;
      element.scrollIntoView({ block: 'center', inline: 'center' });
      const r = element.getBoundingClientRect();
      const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
      return !(hit && (hit === element || element.contains(hit)));
    });
    window.scrollTo(x0, y0);
    return missed;
  }, selectors);
}

/** Selectors of elements whose own scroll area is taller than their box (content cut or behind a scrollbar). */
export async function clipped(page: Page, selectors: string[]): Promise<string[]> {
  return page.evaluate((selectors) => selectors.filter((selector) => {
    const element = (globalThis as unknown as PageWindow).document.querySelector(selector);
    return element !== null && element.scrollHeight - element.clientHeight > 1;
  }), selectors);
}
