// The guest's output (what it wrote to stdout and stderr). Each snapshot brings only what was written
// since the one before; the view appends it to a text node and keeps at most the first and the last
// VIEW_CHARS characters, saying how many it leaves out, so a program that prints in a loop can
// neither grow the page without end nor make each snapshot redraw everything.
import type { Snapshot } from '../lab/protocol.ts';

/** Characters kept at the start and at the end of the output view. */
export const VIEW_CHARS = 64 * 1024;

interface OutputModel {
  head: Text;
  gap: HTMLElement;
  tail: Text;
  /** Characters left out between head and tail. */
  hidden: number;
}

const models = new WeakMap<HTMLElement, OutputModel>();

function modelOf(pre: HTMLElement): OutputModel {
  let model = models.get(pre);
  if (!model) {
    pre.textContent = '';
    const gap = document.createElement('span');
    gap.className = 'output-gap';
    // Empty text nodes leave the view :empty (its placeholder shows); the gap joins them when needed.
    model = { head: document.createTextNode(''), gap, tail: document.createTextNode(''), hidden: 0 };
    pre.append(model.head, model.tail);
    models.set(pre, model);
  }
  return model;
}

export function renderOutput(pre: HTMLElement, snapshot: Snapshot): void {
  const model = modelOf(pre);
  if (snapshot.outputRestart) {
    model.head.data = '';
    model.tail.data = '';
    model.hidden = 0;
    model.gap.remove();
  }
  let text = snapshot.output;
  if (text.length === 0 && !snapshot.outputRestart) return;
  const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
  const room = model.tail.length === 0 && model.hidden === 0 ? VIEW_CHARS - model.head.length : 0;
  if (room > 0) {
    model.head.appendData(text.slice(0, room));
    text = text.slice(room);
  }
  if (text.length > 0) {
    if (model.tail.length + text.length <= 2 * VIEW_CHARS) {
      model.tail.appendData(text);
    } else {
      // Past twice the bound, the tail is cut back to the bound: a redraw now and then, not each time.
      const kept = (model.tail.data + text).slice(-VIEW_CHARS);
      model.hidden += model.tail.length + text.length - kept.length;
      model.tail.data = kept;
    }
  }
  if (model.hidden > 0) {
    model.gap.textContent = `\n[... ${model.hidden.toLocaleString('en-US')} characters not shown ...]\n`;
    if (!model.gap.isConnected) pre.insertBefore(model.gap, model.tail);
  }
  if (atBottom) pre.scrollTop = pre.scrollHeight;
}
