// <hotpatch-demo example="price-tax" arch="x64" theme="auto">: one scenario, live, in a shadow root.
// The scenario was assembled and disassembled at build time; the worker with the CPU and the engine
// starts when the demo comes into view (or is used), so a page with many demos stays light.
//
// API: load(example, arch), run(), pause(), reset(), stepInstruction(), apply({ stepwise }), step()
// (one transaction step; starts a stepwise transaction of the next timeline event), back(), finish(),
// rollback(). Events (bubbling, composed): hotpatch-ready, hotpatch-state, hotpatch-transaction,
// hotpatch-step, hotpatch-error.
import { SCENARIOS } from 'virtual:hotpatch-scenarios';
import { ARCHES, type Arch } from '../../../core/arch.ts';
import { hexToBytes } from '../../../core/hex.ts';
import { DemoClient } from './demo-client.ts';
import type { DemoRequest, DemoSnapshot } from './demo-protocol.ts';
import { DemoView, type ViewAction } from './demo-view.ts';
import embedCss from './embed.css?inline';
import { InstructionTable } from './instruction-table.ts';
import type { Scenario, ScenarioEntry } from './scenario.ts';
import { scenarioFromText, scenarioFromUrl } from './scenario-source.ts';

/**
 * Where "Open in playground" points unless the `playground` attribute says: the build's root, one
 * level above the embed's scripts. The package's embed (web/build/embed-package.ts) comes without a
 * playground: there the link shows only when the attribute names one.
 */
const APP_ROOT: string | undefined = import.meta.env.DEV ? new URL('/', location.href).href
  : import.meta.env.HOTPATCH_EMBED_PACKAGE ? undefined : new URL('../', import.meta.url).href;

let sheet: CSSStyleSheet | undefined;
function styles(): CSSStyleSheet {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(embedCss);
  }
  return sheet;
}

export function findScenario(example: string | null, arch: string | null): ScenarioEntry | undefined {
  const matching = SCENARIOS.filter((s) => s.example === example);
  return matching.find((s) => s.arch === arch) ?? (arch && (ARCHES as readonly string[]).includes(arch) ? undefined : matching[0]);
}

export interface StepEventDetail {
  transaction: number;
  action: 'apply' | 'rollback';
  name: string;
  step: number;
  stage: string;
  explanation: string;
  /** 1: the step was written; -1: it was taken back. */
  direction: 1 | -1;
  position: number;
  total: number;
}

export class HotpatchDemo extends HTMLElement {
  static readonly observedAttributes = ['example', 'arch', 'playground', 'src'];
  private readonly shadow: ShadowRoot;
  private readonly view: DemoView;
  private client: DemoClient | undefined;
  private entry: ScenarioEntry | undefined;
  private scenario: Scenario | undefined;
  private loading: Promise<void> | undefined;
  private visibility: IntersectionObserver | undefined;
  private previous: DemoSnapshot | undefined;
  private generation = 0;

  constructor() {
    super();
    this.shadow = this.attachShadow({ mode: 'open' });
    this.shadow.adoptedStyleSheets = [styles()];
    this.view = new DemoView((action) => void this.act(action));
    this.shadow.append(this.view.root);
  }

  connectedCallback(): void {
    this.dataset.state ??= 'loading';
    // Created by the parser with the script already defined: its inline scenario is not parsed yet.
    if (document.readyState === 'loading' && !this.hasAttribute('src') && !this.hasAttribute('example')) {
      document.addEventListener('DOMContentLoaded', () => { if (this.isConnected) void this.loadFromAttributes(); }, { once: true });
      return;
    }
    void this.loadFromAttributes();
  }

  disconnectedCallback(): void {
    this.visibility?.disconnect();
    this.client?.close();
    this.client = undefined;
    this.previous = undefined;
  }

  attributeChangedCallback(name: string, before: string | null, after: string | null): void {
    if (before === after || !this.isConnected) return;
    if (name === 'playground') { if (this.scenario) this.showHeader(this.scenario); return; }
    void this.loadFromAttributes();
  }

  /** The last state the worker published. */
  get snapshot(): DemoSnapshot | undefined {
    return this.client?.last;
  }

  get scenarioId(): string | undefined {
    return this.entry?.id;
  }

  /** Shows another scenario (the attributes follow). */
  async load(example: string, arch?: Arch): Promise<void> {
    this.setAttribute('example', example);
    if (arch) this.setAttribute('arch', arch); else this.removeAttribute('arch');
    await this.loadFromAttributes();
  }

  /** A scenario of the page's own: `src="scenario.json"`, or a `<script type="application/json">` child. */
  private ownScenario(): ScenarioEntry | undefined {
    const src = this.getAttribute('src');
    if (src) return scenarioFromUrl(src);
    const inline = this.querySelector<HTMLScriptElement>(':scope > script[type="application/json"]');
    return inline ? scenarioFromText(inline.textContent ?? '') : undefined;
  }

  private loadFromAttributes(): Promise<void> {
    const entry = this.ownScenario() ?? findScenario(this.getAttribute('example'), this.getAttribute('arch'));
    if (entry && entry === this.entry && this.loading) return this.loading;
    const generation = ++this.generation;
    this.entry = entry;
    this.client?.close();
    this.client = undefined;
    this.previous = undefined;
    this.view.setEnabled(false);
    if (!entry) {
      const known = [...new Set(SCENARIOS.map((s) => s.example))].join(', ');
      this.dataset.state = 'error';
      this.view.showNotice(`There is no scenario "${this.getAttribute('example') ?? ''}"` +
        `${this.getAttribute('arch') ? ` for ${this.getAttribute('arch')}` : ''}; the scenarios are: ${known}.`);
      this.emit('hotpatch-error', { message: 'unknown scenario' });
      this.loading = undefined;
      return Promise.resolve();
    }
    this.dataset.state = 'loading';
    this.loading = entry.load().then((scenario) => {
      if (generation !== this.generation) return;
      this.scenario = scenario;
      this.showScenario(scenario);
      this.dataset.state = 'preview';
      this.startWhenVisible();
    }, (error: unknown) => {
      // A scenario of the page's own that cannot be fetched or read: said in the demo.
      if (generation !== this.generation) return;
      const message = error instanceof Error ? error.message : String(error);
      this.dataset.state = 'error';
      this.view.showNotice(`The scenario could not be loaded: ${message}`);
      this.emit('hotpatch-error', { message });
      this.loading = undefined;
    });
    return this.loading;
  }

  /** The title, summary and the link that opens the same scenario in the playground. */
  private showHeader(scenario: Scenario): void {
    const root = this.getAttribute('playground') ?? APP_ROOT;
    const link = root === undefined ? undefined : new URL(root, location.href);
    // A scenario made with "Embed this" opens as it was made, edits included; a built-in one as its example.
    if (link) link.hash = scenario.playground ?? `example=${encodeURIComponent(scenario.example)}&arch=${scenario.arch}&pane=patch`;
    this.view.showHeader({ title: scenario.title, summary: scenario.summary, arch: scenario.arch, playgroundLink: link?.href });
  }

  private showScenario(scenario: Scenario): void {
    this.showHeader(scenario);
    // The entry function, from the build-time disassembly, while the worker starts.
    const entryModule = scenario.modules.find((m) => m.entry) ?? scenario.modules[0];
    const entry = entryModule?.symbols.find((s) => s.name === entryModule.entry) ?? entryModule?.symbols[0];
    if (entryModule && entry) {
      const code = hexToBytes(entryModule.code).subarray(entry.address - entryModule.base, entry.address - entryModule.base + entry.size);
      void new InstructionTable(scenario.instructions).disassemble(scenario.arch, code, entry.address).then((lines) => {
        lines[0] = { ...lines[0]!, label: `${entryModule.name}!${entry.name}` };
        this.view.showPreview(lines.slice(0, 12), `${entryModule.name}!${entry.name}`);
      });
    }
    this.view.showStatus('');
    this.view.showNotice(undefined);
  }

  private startWhenVisible(): void {
    this.visibility?.disconnect();
    if (typeof IntersectionObserver === 'undefined') { this.ensureStarted().catch(() => undefined); return; }
    this.visibility = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        this.visibility?.disconnect();
        // A failure is shown in the demo itself.
        this.ensureStarted().catch(() => undefined);
      }
    }, { rootMargin: '200px' });
    this.visibility.observe(this);
  }

  /** Starts the worker and loads the scenario into it; resolves when the demo can be used. */
  private async ensureStarted(): Promise<DemoClient> {
    await this.loading;
    if (this.client) return this.client;
    const scenario = this.scenario;
    if (!scenario) throw new Error('no scenario is loaded');
    const client = new DemoClient();
    this.client = client;
    client.onSnapshot((snapshot) => this.received(snapshot));
    this.view.showStatus('Starting…');
    try {
      await client.request({ type: 'load', scenario });
    } catch (error) {
      // The worker did not start (a browser policy, a missing file): say so in the demo, not only in the console.
      if (this.client === client) {
        const message = error instanceof Error ? error.message : String(error);
        this.dataset.state = 'error';
        this.view.showStatus('');
        this.view.showNotice(`The demo could not start: ${message}`);
        this.emit('hotpatch-error', { message });
      }
      throw error;
    }
    if (this.client === client) {
      this.view.setEnabled(true);
      this.dataset.state = client.last?.state ?? 'ready';
      // For the benchmark: when the demo became usable, on the page's clock.
      performance.mark('hotpatch-demo-interactive', { detail: scenario.id });
      this.emit('hotpatch-ready', { example: scenario.example, arch: scenario.arch, id: scenario.id,
        cpu: client.last?.cpu, patches: scenario.patches.map((p) => p.file) });
    }
    return client;
  }

  private received(snapshot: DemoSnapshot): void {
    const previous = this.previous;
    this.previous = snapshot;
    this.view.update(snapshot);
    if (this.dataset.state !== 'loading' && this.dataset.state !== 'preview') this.dataset.state = snapshot.state;
    if (!previous || previous.state !== snapshot.state) {
      this.emit('hotpatch-state', { state: snapshot.state, instructions: snapshot.instructions, output: snapshot.output,
        calls: snapshot.calls, where: snapshot.where, ...(snapshot.exitCode !== undefined ? { exitCode: snapshot.exitCode } : {}) });
    }
    const transaction = snapshot.transaction;
    if (!transaction) return;
    const fresh = previous?.transactionCount !== snapshot.transactionCount;
    if (fresh) {
      this.emit('hotpatch-transaction', { id: snapshot.transactionCount, action: transaction.action, name: transaction.subject,
        status: transaction.status, ...(transaction.message ? { message: transaction.message } : {}),
        ...(transaction.code ? { code: transaction.code } : {}), steps: transaction.steps.length, position: transaction.position,
        active: snapshot.active });
    }
    // A fresh stepwise transaction starts at step 0; one applied at once has written them all.
    let from = fresh ? 0 : previous!.transaction?.position ?? 0;
    const to = transaction.position;
    while (from !== to) {
      const direction = to > from ? 1 : -1;
      const step = transaction.steps[direction === 1 ? from : from - 1]!;
      from += direction;
      const detail: StepEventDetail = { transaction: snapshot.transactionCount, action: transaction.action, name: transaction.subject,
        step: step.step, stage: step.stage, explanation: step.explanation, direction, position: from, total: transaction.steps.length };
      this.emit('hotpatch-step', detail);
    }
  }

  private emit(type: string, detail: object): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  private async send(request: DemoRequest): Promise<void> {
    const client = await this.ensureStarted();
    try {
      await client.request(request);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.view.showNotice(message);
      this.emit('hotpatch-error', { message });
      throw error;
    }
  }

  private act(action: ViewAction): Promise<void> {
    switch (action) {
      case 'run': return this.client?.last?.state === 'running' ? this.pause() : this.run();
      case 'step-instruction': return this.stepInstruction();
      case 'reset': return this.reset();
      case 'apply': return this.apply();
      case 'apply-stepwise': return this.step();
      case 'rollback': return this.rollback();
      case 'transaction-back': return this.back();
      case 'transaction-forward': return this.step();
      case 'transaction-finish': return this.finish();
    }
  }

  run(): Promise<void> { return this.send({ type: 'run', options: { speed: this.view.speedValue, stopAtMoments: true } }); }
  pause(): Promise<void> { return this.send({ type: 'pause' }); }
  reset(): Promise<void> { return this.send({ type: 'reset' }); }
  stepInstruction(): Promise<void> { return this.send({ type: 'step-instruction' }); }

  /** Applies the next patch of the example (or the named one), at once or ready to step through. */
  apply(options: { patch?: string; stepwise?: boolean } = {}): Promise<void> {
    return this.send({ type: 'apply', stepwise: options.stepwise ?? false, ...(options.patch ? { patch: options.patch } : {}) });
  }

  /** One step of the transaction being stepped through; with none, starts the next timeline event step by step. */
  async step(): Promise<void> {
    await this.ensureStarted();
    const last = this.client?.last;
    const transaction = last?.transaction;
    if (transaction && transaction.status === 'applied' && transaction.position < transaction.steps.length) {
      return this.send({ type: 'transaction-step', direction: 1 });
    }
    if (last?.next?.kind === 'rollback') return this.send({ type: 'rollback', stepwise: true });
    return this.send({ type: 'apply', stepwise: true });
  }

  back(): Promise<void> { return this.send({ type: 'transaction-step', direction: -1 }); }
  finish(): Promise<void> { return this.send({ type: 'transaction-finish' }); }
  rollback(options: { stepwise?: boolean } = {}): Promise<void> {
    return this.send({ type: 'rollback', stepwise: options.stepwise ?? false });
  }
}

if (!customElements.get('hotpatch-demo')) customElements.define('hotpatch-demo', HotpatchDemo);

declare global {
  interface HTMLElementTagNameMap { 'hotpatch-demo': HotpatchDemo }
}
