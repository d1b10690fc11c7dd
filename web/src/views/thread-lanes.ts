// Threads and consistency models: one lane per guest thread (its state, its call stack, the code it
// runs: old, new, or switching, and when it switched), the consistency model the next transaction
// uses (entry, fixup, per-thread, chosen here so one program can be replayed under each), and a
// per-thread transition's state and switches, which can be reversed or forced from here.
import { type ConsistencyChoice, type ConsistencyModel, DEFAULT_STALL_AFTER, type StallAction } from '../../../core/timeline.ts';
import { DEFAULT_SLICE } from '../../../sandbox/threads.ts';
import type { ExampleManifest } from '../../../toolchain/example-manifest.ts';
import { h } from '../dom.ts';
import type { Snapshot, ThreadLane, TransitionView } from '../lab/protocol.ts';
import { count } from '../../../core/count.ts';

const MODELS: { value: ConsistencyModel; label: string; explained: string }[] = [
  { value: 'entry', label: 'entry (Windows hotpatch)',
    explained: 'The redirect takes effect for new calls; calls in flight finish in the old code. A thread inside the bytes to be overwritten is waited for.' },
  { value: 'fixup', label: 'fixup (Detours)',
    explained: 'Threads inside the overwritten bytes are moved to the same instruction in the trampoline instead of waited for; refused where no copy exists (a replace-mode redirect).' },
  { value: 'per-thread', label: 'per-thread (Linux livepatch)',
    explained: 'Each thread switches to the new code on its own, at a slice end or system call with no patched function on its stack; until then it runs the old code. A transition over its budget stalls, and can be reversed or forced.' },
];

const WHEN: Record<string, string> = {
  transaction: 'at the transaction', slice: 'at a slice end', syscall: 'at a system call', created: 'when created', forced: 'forced',
};

export class ThreadLanes {
  readonly panel: HTMLElement;
  private readonly model: HTMLSelectElement;
  private readonly stallAfter: HTMLInputElement;
  private readonly onStall: HTMLSelectElement;
  private readonly perThreadFields: HTMLElement;
  private readonly explained: HTMLElement;
  private readonly status: HTMLElement;
  private readonly reverse: HTMLButtonElement;
  private readonly force: HTMLButtonElement;
  private readonly lanes: HTMLOListElement;
  private readonly switches: HTMLOListElement;
  private readonly switchesBox: HTMLDetailsElement;
  /** The example's slice (programs with threads); the default otherwise. */
  private exampleSlice = DEFAULT_SLICE;
  /** The example is about threads: the panel shows before the program has started any. */
  private aboutThreads = false;

  constructor(host: HTMLElement, act: (action: 'reverse' | 'force') => void) {
    this.model = h('select', { id: 'consistency-model', 'aria-label': 'Consistency model of the next transaction' },
      ...MODELS.map((m) => h('option', { value: m.value }, m.label))) as HTMLSelectElement;
    this.stallAfter = h('input', { id: 'stall-after', type: 'number', min: '1', step: '1000', value: String(DEFAULT_STALL_AFTER),
      'aria-label': 'Instructions a per-thread transition may take before it is stalled' }) as HTMLInputElement;
    this.onStall = h('select', { id: 'on-stall', 'aria-label': 'What a stalled transition does' },
      h('option', { value: 'report' }, 'report it'), h('option', { value: 'reverse' }, 'reverse it'),
      h('option', { value: 'force' }, 'force it')) as HTMLSelectElement;
    this.perThreadFields = h('span', { class: 'per-thread-fields' },
      h('label', { class: 'field' }, 'Stall after', this.stallAfter),
      h('label', { class: 'field' }, 'On stall', this.onStall));
    this.explained = h('p', { id: 'consistency-explained', class: 'consistency-explained' });
    this.status = h('div', { id: 'transition-status', class: 'transition-status', role: 'status', 'aria-live': 'polite' });
    this.reverse = h('button', { id: 'transition-reverse', title: 'Back to all-old: each thread goes back at its next safe moment, then the patch is removed' },
      'Reverse') as HTMLButtonElement;
    this.force = h('button', { id: 'transition-force', title: 'Switch every thread now, whatever is on its stack: the inconsistency the model exists to prevent' },
      'Force') as HTMLButtonElement;
    this.reverse.addEventListener('click', () => act('reverse'));
    this.force.addEventListener('click', () => act('force'));
    this.lanes = h('ol', { id: 'thread-lanes', class: 'thread-lanes', 'aria-label': 'Threads' }) as HTMLOListElement;
    this.switches = h('ol', { id: 'transition-switches', class: 'transition-switches' }) as HTMLOListElement;
    this.switchesBox = h('details', { class: 'transition-steps' },
      h('summary', {}, 'Transaction steps after the journal: each thread\u2019s switch'), this.switches) as HTMLDetailsElement;
    this.panel = h('section', { id: 'threads-panel', class: 'panel threads-panel', 'aria-label': 'Threads and consistency' },
      h('h2', {}, 'Threads and consistency'),
      h('div', { class: 'controls consistency-controls', role: 'group', 'aria-label': 'Consistency model' },
        h('label', { class: 'field' }, 'Model', this.model), this.perThreadFields),
      this.explained,
      h('div', { class: 'transition-bar' }, this.status,
        h('span', { class: 'controls transition-controls', role: 'group', 'aria-label': 'Stalled transition' }, this.reverse, this.force)),
      this.lanes, this.switchesBox);
    this.panel.hidden = true;
    this.model.addEventListener('change', () => this.modelChanged());
    host.append(this.panel);
    this.modelChanged();
    this.showTransition(undefined);
  }

  /** The model of the next transaction. */
  get choice(): ConsistencyChoice {
    const consistency = this.model.value as ConsistencyModel;
    if (consistency !== 'per-thread') return { consistency };
    const stallAfter = Math.max(1, Math.floor(Number(this.stallAfter.value)) || DEFAULT_STALL_AFTER);
    return { consistency, stallAfter, onStall: this.onStall.value as StallAction };
  }

  /** Instructions a thread runs before the next one, from the next load or reset. */
  get slice(): number {
    return this.exampleSlice;
  }

  /** An example chosen: its slice, and the model (and stall settings) its timeline uses, as the choice to start from. */
  setExample(manifest: ExampleManifest | undefined, timeline: readonly ConsistencyChoice[] = []): void {
    this.exampleSlice = manifest?.slice ?? DEFAULT_SLICE;
    const first = timeline.find((e) => e.consistency !== undefined);
    this.aboutThreads = manifest?.slice !== undefined || first !== undefined;
    this.model.value = first?.consistency ?? 'entry';
    this.stallAfter.value = String(first?.stallAfter ?? DEFAULT_STALL_AFTER);
    this.onStall.value = first?.onStall ?? 'report';
    this.modelChanged();
    this.panel.hidden = !this.aboutThreads;
  }

  private modelChanged(): void {
    const model = MODELS.find((m) => m.value === this.model.value) ?? MODELS[0]!;
    this.explained.textContent = model.explained;
    this.perThreadFields.hidden = model.value !== 'per-thread';
  }

  show(snapshot: Snapshot): void {
    const threads = snapshot.threads ?? [];
    this.panel.hidden = !this.aboutThreads && threads.length === 0;
    if (this.panel.hidden) return;
    this.lanes.replaceChildren(...(threads.length > 0 ? threads.map((t) => lane(t))
      : [h('li', { class: 'lane-empty' }, 'No thread has been started yet: run the program.')]));
    this.showTransition(snapshot.transition);
  }

  private showTransition(transition: TransitionView | undefined): void {
    this.reverse.disabled = !transition?.canReverse;
    this.force.disabled = !transition?.canForce;
    this.panel.dataset.transition = transition?.status ?? 'none';
    if (!transition) {
      this.status.textContent = 'No per-thread transition.';
      this.switchesBox.hidden = true;
      return;
    }
    const what = `${transition.module} patch ${transition.sequence} (${transition.direction === 'patch' ? 'old to new' : 'new to old'})`;
    this.status.textContent = `Per-thread transition of ${what}: ${transition.status}${transition.message ? ` \u2014 ${transition.message}` : ''}`;
    this.switchesBox.hidden = transition.switches.length === 0;
    this.switches.replaceChildren(
      ...(transition.earlierSwitches > 0 ? [h('li', { class: 'earlier' }, `${transition.earlierSwitches} earlier switches`)] : []),
      ...transition.switches.map((s) => h('li', {}, `thread ${s.thread} \u2192 ${s.to} at instruction ${count(s.at)}, ${WHEN[s.when] ?? s.when}`)));
  }
}

function lane(t: ThreadLane): HTMLElement {
  const universe = t.universe === 'switching'
    ? `switching (still ${t.from}${t.waitingFor ? `: ${t.waitingFor}` : ''})` : t.universe;
  const switched = t.switchedAt === undefined ? ''
    : `switched at instruction ${count(t.switchedAt)}, ${WHEN[t.switchedWhen ?? ''] ?? t.switchedWhen}`;
  const state = t.state === 'blocked' && t.joining ? `waits for ${t.joining}` : t.state;
  return h('li', { class: `lane universe-${t.universe}`, 'data-thread': t.name, 'data-universe': t.universe },
    h('div', { class: 'lane-head' },
      h('strong', { class: 'lane-name' }, t.name),
      h('span', { class: 'lane-universe' }, universe),
      h('span', { class: 'lane-state' }, `${state} \u00B7 ${count(t.instructions)} instructions`)),
    h('div', { class: 'lane-where' }, t.state === 'exited' ? 'ended' : `at ${t.where}`),
    ...(switched ? [h('div', { class: 'lane-switched' }, switched)] : []),
    h('ol', { class: 'lane-stack', 'aria-label': `Call stack of ${t.name}` },
      ...(t.calls.length > 0 ? t.calls.map((fn) => h('li', {}, fn)) : [h('li', { class: 'lane-empty' }, 'no call in progress')])));
}
