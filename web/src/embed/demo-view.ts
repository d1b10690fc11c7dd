// What an embed shows, drawn into its shadow root: the scenario, run controls, the program (code
// around the program counter, output, calls per function) and the patch, step by step, with the
// redirection diagram. Only the embed's own buttons and keys act: it installs no global shortcut.
import { ARCH, type Arch } from '../../../core/arch.ts';
import { fill, h } from '../dom.ts';
import { hex } from '../../../core/hex.ts';
import type { DisassemblyLine } from '../lab/protocol.ts';
import { renderBytesDiff } from '../views/bytes-diff.ts';
import { renderCalls } from '../views/calls-view.ts';
import { renderDisassembly } from '../views/disassembly-view.ts';
import { renderFlowDiagram } from '../views/flow-diagram.ts';
import type { TransactionStepView, TransactionView } from '../lab/protocol.ts';
import type { DemoSnapshot } from './demo-protocol.ts';
import { count } from '../../../core/count.ts';

export const SPEEDS: readonly { value: number; label: string }[] = [
  { value: 100, label: 'slow' },
  { value: 600, label: 'normal' },
  { value: 5000, label: 'fast' },
  { value: 0, label: 'full speed' },
];
const DEFAULT_SPEED = 600;

export type ViewAction =
  | 'run' | 'step-instruction' | 'reset' | 'apply' | 'apply-stepwise' | 'rollback'
  | 'transaction-back' | 'transaction-forward' | 'transaction-finish';

export interface ViewHeader {
  title: string;
  summary: string;
  arch: Arch;
  /** Where "Open in playground" goes; without one the link is not shown. */
  playgroundLink: string | undefined;
}

const STAGE_NAMES: Record<string, string> = {
  identity: 'Check the build', 'safe-point': 'Check the threads', 'map-code': 'Map the new code',
  'map-data': 'Map the new data', 'map-trampolines': 'Room for trampolines', slot: 'Fill a slot',
  trampoline: 'Write the trampoline', 'padding-jump': 'Jump in the padding', 'entry-jump': 'Jump at the entry',
  'flush-icache': 'Flush the caches', restore: 'Put bytes back', unmap: 'Unmap old memory',
};

export class DemoView {
  readonly root: HTMLElement;
  private readonly title = h('h2', {});
  private readonly arch = h('span', { class: 'arch' });
  /** The scenario's architecture (the header names it), for the diagram's call instruction. */
  private scenarioArch: Arch = 'x64';
  private readonly link = h('a', { class: 'open', target: '_blank', rel: 'noopener' }, 'Open in playground \u2197');
  private readonly summary = h('p', { class: 'summary' });
  private readonly runButton = h('button', { class: 'primary', 'data-action': 'run', title: 'Run or pause (R)', 'aria-keyshortcuts': 'R' }, 'Run');
  private readonly stepButton = h('button', { 'data-action': 'step-instruction', title: 'Run one instruction (I)', 'aria-keyshortcuts': 'I' }, 'Step');
  private readonly resetButton = h('button', { 'data-action': 'reset', title: 'Back to the start, unpatched (0)', 'aria-keyshortcuts': '0' }, 'Reset');
  private readonly speed = h('select', { 'aria-label': 'Speed' },
    ...SPEEDS.map((s) => h('option', { value: String(s.value), selected: s.value === DEFAULT_SPEED }, s.label)));
  private readonly applyButton = h('button', { class: 'primary', 'data-action': 'apply', title: 'Apply the patch at once (A)', 'aria-keyshortcuts': 'A' }, 'Apply patch');
  private readonly stepwiseButton = h('button', { 'data-action': 'apply-stepwise', title: 'Apply the patch one journal step at a time (S)', 'aria-keyshortcuts': 'S' }, 'Step through');
  private readonly rollbackButton = h('button', { 'data-action': 'rollback', title: 'Take the active patch back out (U)', 'aria-keyshortcuts': 'U' }, 'Roll back');
  private readonly status = h('div', { class: 'status', role: 'status', 'aria-live': 'polite' });
  private readonly notice = h('div', { class: 'notice', hidden: true });
  private readonly where = h('span', { class: 'where' });
  private readonly disassembly = h('ol', { class: 'disassembly', 'aria-label': 'Code around the program counter' });
  private readonly output = h('pre', { class: 'output', 'aria-label': 'Program output', tabindex: 0 });
  private readonly calls = h('table', { class: 'calls', 'aria-label': 'Calls per function' }, h('tbody', {}));
  private readonly patchMessage = h('p', { class: 'patch-message', role: 'status', 'aria-live': 'polite' });
  private readonly backButton = h('button', { 'data-action': 'transaction-back', 'aria-label': 'Previous step', title: 'Take the last step back (B)', 'aria-keyshortcuts': 'B' }, '\u25C0 Back');
  private readonly position = h('span', { class: 'position' });
  private readonly forwardButton = h('button', { 'data-action': 'transaction-forward', 'aria-label': 'Next step', title: 'Write the next step (S)', 'aria-keyshortcuts': 'S' }, 'Next \u25B6');
  private readonly finishButton = h('button', { 'data-action': 'transaction-finish', title: 'Write the remaining steps (F)', 'aria-keyshortcuts': 'F' }, 'Finish');
  private readonly keys = h('p', { class: 'keys' }, 'Keys, with the focus in the demo: ',
    ...([['R', 'run/pause'], ['I', 'one instruction'], ['A', 'apply'], ['S', 'step through'], ['B', 'step back'],
      ['F', 'finish'], ['U', 'roll back'], ['0', 'reset']] as const).flatMap(([key, what], i) =>
      [i ? ' \u00B7 ' : '', h('span', {}, h('kbd', {}, key), ` ${what}`)]));
  private readonly stepBar = h('div', { class: 'patch-bar', role: 'toolbar', 'aria-label': 'Transaction steps' },
    this.backButton, this.position, this.forwardButton, this.finishButton);
  private readonly steps = h('ol', { class: 'steps', 'aria-label': 'Journal steps' });
  private readonly detail = h('div', { class: 'detail' });
  private readonly diagram = h('div', { class: 'diagram' });
  private readonly patchLayout = h('div', { class: 'patch-layout' }, this.steps, this.detail);
  private readonly emptyPatch = h('p', { class: 'patch-empty' }, 'Apply the patch to see each step the engine takes, and the redirection it makes.');

  private snapshot: DemoSnapshot | undefined;
  /** The step whose detail is shown (1-based); follows the stepping unless the reader picked one. */
  private selected = 0;
  private shownTransaction = -1;
  private ready = false;

  constructor(private readonly perform: (action: ViewAction) => void) {
    this.root = h('div', { class: 'demo', role: 'region' },
      h('div', { class: 'head' }, this.arch, this.title, h('span', { class: 'spacer' }), this.link),
      this.summary,
      h('div', { class: 'controls', role: 'toolbar', 'aria-label': 'Run controls' },
        this.runButton, this.stepButton, this.resetButton,
        h('label', {}, 'Speed', this.speed),
        h('span', { class: 'divider', 'aria-hidden': 'true' }),
        this.applyButton, this.stepwiseButton, this.rollbackButton),
      this.status,
      this.notice,
      h('div', { class: 'panels' },
        h('section', { class: 'panel', 'aria-label': 'Code' }, h('h3', {}, 'Code', this.where), this.disassembly),
        h('div', { class: 'side' },
          h('section', { class: 'panel', 'aria-label': 'Output' }, h('h3', {}, 'Output'), this.output),
          h('section', { class: 'panel', 'aria-label': 'Calls per function' }, h('h3', {}, 'Calls'), this.calls))),
      h('section', { class: 'panel patch', 'aria-label': 'The patch, step by step' },
        h('h3', {}, 'The patch, step by step'), this.emptyPatch, this.patchMessage, this.stepBar, this.patchLayout, this.diagram),
      this.keys);
    this.root.addEventListener('click', (event) => {
      const button = (event.target as Element).closest<HTMLButtonElement>('button[data-action]');
      if (button && !button.disabled) this.perform(button.dataset.action as ViewAction);
    });
    this.steps.addEventListener('click', (event) => {
      const item = (event.target as Element).closest<HTMLElement>('li[data-step]');
      if (item) this.select(Number(item.dataset.step));
    });
    this.steps.addEventListener('keydown', (event) => this.stepKeys(event));
    this.root.addEventListener('keydown', (event) => this.shortcut(event));
    this.showTransaction(undefined);
    this.setEnabled(false);
  }

  get speedValue(): number {
    return Number(this.speed.value);
  }

  showHeader(header: ViewHeader): void {
    this.title.textContent = header.title;
    this.scenarioArch = header.arch;
    this.arch.textContent = ARCH[header.arch].displayName;
    this.summary.textContent = header.summary;
    if (header.playgroundLink) this.link.setAttribute('href', header.playgroundLink); else this.link.removeAttribute('href');
    this.link.hidden = !header.playgroundLink;
    this.root.setAttribute('aria-label', `Hotpatch demo: ${header.title} (${ARCH[header.arch].displayName})`);
  }

  /** Before the worker is up: the code the program starts with. */
  showPreview(lines: DisassemblyLine[], where: string): void {
    renderDisassembly(this.disassembly, lines, lines[0]?.address, { scroll: false });
    this.where.textContent = where;
  }

  showStatus(text: string): void {
    this.status.textContent = text;
  }

  showNotice(text: string | undefined): void {
    this.notice.textContent = text ?? '';
    this.notice.hidden = !text;
  }

  setEnabled(ready: boolean): void {
    this.ready = ready;
    for (const button of this.root.querySelectorAll<HTMLButtonElement>('.controls button')) button.disabled = !ready;
    if (this.snapshot && ready) this.update(this.snapshot);
  }

  update(snapshot: DemoSnapshot): void {
    this.snapshot = snapshot;
    const canRun = snapshot.cpu.available && snapshot.state !== 'exited' && snapshot.state !== 'failed';
    const stepping = snapshot.transaction !== undefined && snapshot.transaction.position < snapshot.transaction.steps.length
      && snapshot.transaction.status === 'applied';
    const patching = snapshot.cpu.available && !snapshot.patchingUnavailable;
    this.runButton.textContent = snapshot.state === 'running' ? 'Pause'
      : snapshot.state === 'paused' ? 'Continue' : snapshot.state === 'exited' || snapshot.state === 'failed' ? 'Run again' : 'Run';
    this.runButton.disabled = !this.ready || !snapshot.cpu.available;
    this.stepButton.disabled = !this.ready || !canRun || snapshot.state === 'running';
    this.resetButton.disabled = !this.ready || !snapshot.cpu.available;
    const next = snapshot.next;
    this.applyButton.title = `Apply ${next?.kind === 'apply' ? next.name : 'the patch'} at once (A)`;
    this.applyButton.disabled = !this.ready || !patching || next?.kind !== 'apply' || stepping;
    this.stepwiseButton.disabled = !this.ready || !patching || next === undefined || stepping;
    this.rollbackButton.disabled = !this.ready || !patching || snapshot.active.length === 0 || stepping;

    // A program that has ended has no current instruction: the last code it ran stays, unmarked.
    const finished = snapshot.state === 'exited' || snapshot.state === 'failed';
    renderDisassembly(this.disassembly, snapshot.disassembly, finished ? undefined : snapshot.pc, { scroll: false });
    this.where.textContent = snapshot.where;
    const atBottom = this.output.scrollTop + this.output.clientHeight >= this.output.scrollHeight - 4;
    if (this.output.textContent !== snapshot.output) {
      this.output.textContent = snapshot.output;
      if (atBottom) this.output.scrollTop = this.output.scrollHeight;
    }
    renderCalls(this.calls, snapshot.calls);
    // "module!function" may break after the "!" in a narrow column.
    for (const cell of this.calls.querySelectorAll('td:first-child')) {
      const [module, name] = (cell.textContent ?? '').split('!');
      if (name !== undefined) fill(cell as HTMLElement, `${module}!`, h('wbr', {}), name);
    }
    this.showStatus(describe(snapshot));
    this.showNotice(!snapshot.cpu.available ? snapshot.cpu.reason
      : snapshot.patchingUnavailable ? `Patches cannot be applied here: ${snapshot.patchingUnavailable}.`
        : next?.note && snapshot.state === 'paused' ? next.note : undefined);
    this.showTransaction(snapshot.transaction, snapshot.transactionCount);
  }

  private showTransaction(transaction: TransactionView | undefined, count = this.shownTransaction): void {
    this.emptyPatch.hidden = transaction !== undefined;
    this.patchMessage.hidden = transaction === undefined;
    const hasSteps = transaction !== undefined && transaction.steps.length > 0;
    this.stepBar.hidden = !hasSteps;
    this.patchLayout.hidden = !hasSteps;
    if (!transaction) { fill(this.diagram); return; }
    const applied = transaction.status === 'applied';
    this.patchMessage.className = `patch-message ${applied ? '' : 'refused'}`;
    this.patchMessage.textContent = summarize(transaction);
    const fresh = count !== this.shownTransaction;
    const following = fresh || this.selected === 0 || this.selected === this.lastPosition;
    this.shownTransaction = count;
    this.lastPosition = transaction.position;
    if (following) this.selected = Math.max(1, transaction.position);
    const total = transaction.steps.length;
    this.position.textContent = `step ${transaction.position} of ${total}`;
    const stepping = transaction.position < total;
    this.backButton.disabled = !this.ready || !stepping || transaction.position === 0;
    this.forwardButton.disabled = !this.ready || !stepping;
    this.finishButton.disabled = !this.ready || !stepping;
    fill(this.steps, ...transaction.steps.map((step) => {
      const done = step.step <= transaction.position;
      const selected = step.step === this.selected;
      const name = STAGE_NAMES[step.stage] ?? step.title;
      return h('li', { class: `${done ? 'done' : 'pending'}${selected ? ' selected' : ''}`, dataset: { step: String(step.step) } },
        h('button', { 'aria-current': selected ? 'step' : undefined, tabindex: selected ? 0 : -1,
          'aria-label': `Step ${step.step}, ${step.title}${done ? ', written' : ', not written yet'}` },
        h('span', { class: 'number' }, String(step.step)), name));
    }));
    this.showStep(transaction.steps[this.selected - 1], transaction.position);
    fill(this.diagram, ...transaction.redirects.map((r) => renderFlowDiagram({ ...r, arch: this.scenarioArch, live: transaction.position >= r.liveAtStep })));
  }

  private lastPosition = 0;

  private select(step: number): void {
    this.selected = step;
    if (this.snapshot) this.showTransaction(this.snapshot.transaction);
    this.steps.querySelector<HTMLButtonElement>('li.selected button')?.focus();
  }

  /**
   * One key per control, heard only while the focus is inside this demo (never on the host page):
   * the key acts as a click on its button would, so a disabled control ignores its key too.
   */
  private shortcut(event: KeyboardEvent): void {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if ((event.target as Element).closest('select, input, textarea')) return;
    const stepping = !this.stepBar.hidden && !this.forwardButton.disabled;
    const buttons: Record<string, HTMLButtonElement> = {
      r: this.runButton, i: this.stepButton, '0': this.resetButton, a: this.applyButton, u: this.rollbackButton,
      s: stepping ? this.forwardButton : this.stepwiseButton, b: this.backButton, f: this.finishButton,
    };
    const button = buttons[event.key.toLowerCase()];
    if (!button) return;
    event.preventDefault();
    if (!button.disabled && !button.closest('[hidden]')) this.perform(button.dataset.action as ViewAction);
  }

  /** Arrow keys move through the steps list (one tab stop for the whole list). */
  private stepKeys(event: KeyboardEvent): void {
    const total = this.snapshot?.transaction?.steps.length ?? 0;
    const moves: Record<string, number> = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1, Home: -total, End: total };
    const move = moves[event.key];
    if (move === undefined || total === 0) return;
    event.preventDefault();
    this.select(Math.min(total, Math.max(1, this.selected + move)));
  }

  private showStep(step: TransactionStepView | undefined, position: number): void {
    if (!step) { fill(this.detail); return; }
    const written = step.step <= position;
    const parts: (HTMLElement | string)[] = [
      h('p', {}, h('strong', {}, `${step.step}. ${step.title}`), written ? '' : ' (not written yet)'),
      h('p', {}, step.explanation),
    ];
    if (step.action !== 'note') {
      parts.push(h('p', { class: 'place' }, `${step.action} ${hex(step.address)}, ${step.size} byte${step.size === 1 ? '' : 's'}`));
      if (step.action === 'write') parts.push(renderBytesDiff(step.address, step.before, step.after));
    }
    if (step.code) {
      const before = h('ol', { class: 'disassembly', 'aria-label': 'Code before the step' });
      const after = h('ol', { class: 'disassembly', 'aria-label': 'Code after the step' });
      renderDisassembly(before, step.code.before, undefined, { scroll: false });
      renderDisassembly(after, step.code.after, undefined, { scroll: false });
      markLines(after, step.code.changed);
      parts.push(h('div', { class: 'listing-pair' },
        h('div', {}, h('h4', {}, 'before'), step.code.before.length ? before : h('p', { class: 'patch-empty' }, 'not mapped yet')),
        h('div', {}, h('h4', {}, 'after'), after)));
    }
    fill(this.detail, ...parts);
  }
}

/** One sentence about a transaction: what it did, or why it did not. */
function summarize(t: TransactionView): string {
  const wait = t.wait ? ` (first ${t.wait.message}; the program ran ${t.wait.instructions} more instruction${t.wait.instructions === 1 ? '' : 's'} to a safe point)` : '';
  if (t.status !== 'applied') return `${t.subject ? `${t.subject}: ` : ''}refused: ${t.message ?? t.status}${wait}`;
  const steps = `${t.steps.length} step${t.steps.length === 1 ? '' : 's'}`;
  if (t.action === 'rollback') {
    return `${t.subject} rolled back in ${steps}: ${t.sequence === null || t.sequence === undefined ? 'the original code runs again' : `patch ${t.sequence} is live again`}${wait}`;
  }
  const redirects = t.redirects.map((r) => `${r.targetName} \u2192 ${r.replacementName}${r.mode === 'hook' ? ' (hook)' : ''}`).join(', ');
  return `${t.subject} applied in ${steps}: ${redirects}${t.previous !== null && t.previous !== undefined ? `; it replaces patch ${t.previous}` : ''}${wait}`;
}

/** Marks the lines of `list` a step rewrote (indexes into its lines, label lines aside). */
function markLines(list: HTMLElement, indexes: number[]): void {
  const items = [...list.querySelectorAll('li:not(.label-line)')];
  for (const i of indexes) items[i]?.classList.add('changed');
}

function describe(s: DemoSnapshot): string {
  const ran = `${count(s.instructions)} instructions`;
  const next = s.next && s.state !== 'exited' ? ` · next: ${s.next.kind === 'apply' ? 'apply' : 'roll back'} ${s.next.name} ${s.next.moment}` : '';
  const t = s.transaction;
  if (t && t.position < t.steps.length) {
    const going = t.action === 'rollback' ? 'rolling back' : 'going in';
    return `${t.subject ?? 'the patch'} ${going} step by step: ${t.position} of ${t.steps.length} steps in · the program waits at ${s.where}`;
  }
  switch (s.state) {
    case 'empty':
    case 'ready': return s.cpu.available ? `ready at ${s.where}${next}` : `starts at ${s.where}`;
    case 'running': return `running · ${ran}`;
    case 'paused': return `${s.note ?? 'paused'} · at ${s.where} · ${ran}${next}`;
    case 'exited': return `exited with code ${s.exitCode} · ${ran}`;
    case 'failed': return `stopped: ${s.error ?? 'fault'}`;
  }
}
