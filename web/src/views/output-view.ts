// The guest's output (what it wrote to stdout and stderr) and how the run ended.
import type { Snapshot } from '../lab/protocol.ts';

export function renderOutput(pre: HTMLElement, snapshot: Snapshot): void {
  const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
  pre.textContent = snapshot.output;
  if (atBottom) pre.scrollTop = pre.scrollHeight;
}
