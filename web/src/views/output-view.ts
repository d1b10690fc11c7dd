// The guest's output (what it wrote to stdout and stderr). Each snapshot brings only what was written
// since the one before; the view appends it and keeps at most the first and the last VIEW_CHARS
// characters of each stretch between transactions, saying how many it leaves out, so a program that
// prints in a loop can neither grow the page without end nor make each snapshot redraw everything.
// Each transaction that took effect during the run gets a marker line before the first line printed
// after it, so the reader sees which lines the patch produced. Markers draw their words with CSS: the
// element's text stays exactly what the program printed.
import { h } from '../dom.ts';
import type { OutputMark, Snapshot } from '../lab/protocol.ts';
import { count } from '../../../core/count.ts';

/** Characters kept at the start of the output and at the end of each stretch after a marker. */
export const VIEW_CHARS = 64 * 1024;

interface OutputModel {
  head: Text;
  /** The head takes text until it is full or a marker follows it. */
  headOpen: boolean;
  gap: HTMLElement;
  /** The text after the latest marker (or after the head): where new output goes. */
  tail: Text;
  /** Characters left out in all. */
  hidden: number;
  /** Bytes of output the view has been given (the marks' offsets count bytes). */
  seenBytes: number;
  /** Marks of the run already drawn. */
  placed: number;
}

const models = new WeakMap<HTMLElement, OutputModel>();
const encoder = new TextEncoder();

function freshModel(pre: HTMLElement): OutputModel {
  const gap = h('span', { class: 'output-gap' });
  // Empty text nodes leave the view :empty (its placeholder shows); the gap joins them when needed.
  const model = { head: document.createTextNode(''), headOpen: true, gap, tail: document.createTextNode(''),
    hidden: 0, seenBytes: 0, placed: 0 };
  pre.replaceChildren(model.head, model.tail);
  models.set(pre, model);
  return model;
}

export function renderOutput(pre: HTMLElement, snapshot: Pick<Snapshot, 'output' | 'outputRestart' | 'marks'>): void {
  const model = !snapshot.outputRestart && models.get(pre) || freshModel(pre);
  let text = snapshot.output;
  const marks = snapshot.marks.slice(model.placed);
  if (text.length === 0 && marks.length === 0) return;
  const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
  for (const mark of marks) {
    const at = lineStartFrom(text, charIndexOfByte(text, mark.offset - model.seenBytes));
    append(pre, model, text.slice(0, at));
    text = text.slice(at);
    model.placed++;
    addMarker(pre, model, mark, model.placed);
  }
  append(pre, model, text);
  if (atBottom) pre.scrollTop = pre.scrollHeight;
}

function append(pre: HTMLElement, model: OutputModel, text: string): void {
  if (text.length === 0) return;
  model.seenBytes += encoder.encode(text).length;
  if (model.headOpen) {
    const room = VIEW_CHARS - model.head.length;
    model.head.appendData(text.slice(0, room));
    text = text.slice(room);
    if (text.length > 0) model.headOpen = false;
  }
  if (text.length === 0) return;
  if (model.tail.length + text.length <= 2 * VIEW_CHARS) {
    model.tail.appendData(text);
    return;
  }
  // Past twice the bound, the tail is cut back to the bound: a redraw now and then, not each time.
  const kept = (model.tail.data + text).slice(-VIEW_CHARS);
  model.hidden += model.tail.length + text.length - kept.length;
  model.tail.data = kept;
  model.gap.textContent = `\n[... ${count(model.hidden)} characters not shown ...]\n`;
  pre.insertBefore(model.gap, model.tail);
}

/** A marker where the output stands now; what comes after it goes into a stretch of its own. */
function addMarker(pre: HTMLElement, model: OutputModel, mark: OutputMark, n: number): void {
  // Empty text nodes go, so that a marker before any output is the view's first child.
  if (model.head.length === 0) model.head.remove();
  if (model.tail.length === 0) model.tail.remove();
  model.headOpen = false;
  model.tail = document.createTextNode('');
  pre.append(marker(mark, n), model.tail);
}

/** The index in `text` where its first `bytes` bytes of UTF-8 end (0 before it, its length past it). */
function charIndexOfByte(text: string, bytes: number): number {
  if (bytes <= 0) return 0;
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.codePointAt(i)!;
    count += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (code >= 0x10000) i++;
    if (count >= bytes) return i + 1;
  }
  return text.length;
}

/** The start of the first line printed at or after `offset` (the end of the text when none is yet). */
function lineStartFrom(text: string, offset: number): number {
  const at = Math.min(Math.max(offset, 0), text.length);
  if (at === 0 || text[at - 1] === '\n') return at;
  const newline = text.indexOf('\n', at);
  return newline < 0 ? text.length : newline + 1;
}

function marker(mark: OutputMark, n: number): HTMLElement {
  return h('span', { class: 'tx-mark', role: 'note', 'data-tx': String(n), 'data-label': mark.label, 'aria-label': `${mark.label}: the lines below come after it` });
}
