// "Embed this": the program as the playground holds it now (its sources as edited, a patch and the
// moment it goes in, or the example's story) made into a scenario by the lab's worker, and offered
// as two snippets, the custom element and an iframe, each with a Copy button and its size, and as a
// scenario file to download. What they play needs neither the assembler, the disassembler nor the
// editor: the bytes and their disassembly are made here and carried in the snippet.
import { h } from '../dom.ts';
import { findExample } from '../examples/catalog.ts';
import { embedSnippets, type EmbedSnippets, textSizes } from '../lab/embed-snippet.ts';
import type { LabSession } from '../lab/lab-session.ts';
import type { Snapshot } from '../lab/protocol.ts';
import type { ChosenEvent, ScenarioSpec } from '../lab/scenario-maker.ts';
import { stripComment } from '../../../toolchain/source.ts';
import type { LabStore, PatchFile } from '../state/lab-state.ts';
import { encodeState } from '../state/share.ts';
import { storyOf } from './story-bar.ts';
import './embed-dialog.css';

const REMAKE_DELAY_MS = 300;
const DEFAULT_MOMENT = 1000;

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** A patch source with something in it besides comments. */
function written(patch: PatchFile, arch: 'x64' | 'arm64'): boolean {
  return patch.text.split('\n').some((line) => stripComment(line, arch).trim() !== '');
}

export class EmbedDialog {
  readonly dialog: HTMLDialogElement;
  private readonly title = h('input', { id: 'embed-title', type: 'text', maxlength: 120, size: 30 });
  private readonly timeline = h('select', { id: 'embed-timeline' });
  private readonly moment = h('input', { id: 'embed-moment', type: 'number', min: 0, step: 1, inputmode: 'numeric' });
  private readonly momentField: HTMLElement;
  private readonly status = h('p', { class: 'embed-status', role: 'status', 'aria-live': 'polite' });
  private readonly outputs: Record<'element' | 'iframe', { text: HTMLTextAreaElement; size: HTMLElement; copy: HTMLButtonElement }>;
  private readonly download = h('a', { id: 'embed-download', class: 'embed-download', download: 'scenario.json' }, 'Download the scenario (.json)');
  private readonly downloadSize = h('span', { class: 'embed-size' });
  private generation = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private downloadUrl: string | undefined;
  snippets: EmbedSnippets | undefined;

  constructor(private readonly session: LabSession, private readonly store: LabStore,
    private readonly snapshot: () => Snapshot | undefined) {
    const output = (form: 'element' | 'iframe', label: string, help: string) => {
      const text = h('textarea', { id: `embed-${form}`, readonly: true, rows: 4, spellcheck: false, 'aria-label': label, wrap: 'soft' });
      const size = h('span', { class: 'embed-size', id: `embed-${form}-size` });
      const copy = h('button', { id: `embed-copy-${form}`, type: 'button', disabled: true, onclick: () => void this.copy(form) }, 'Copy');
      const section = h('section', { class: 'embed-form' },
        h('div', { class: 'embed-form-head' }, h('h3', {}, label), size, copy), h('p', { class: 'embed-help' }, help), text);
      return { section, text, size, copy };
    };
    const element = output('element', 'Custom element', 'For pages that can load a script: paste it where the demo goes.');
    const iframe = output('iframe', 'iframe', 'For pages that allow only iframes: the scenario travels in the address.');
    this.outputs = { element, iframe };
    this.momentField = h('label', { class: 'embed-field' }, 'Apply after ', this.moment, ' instructions');
    this.dialog = h('dialog', { id: 'embed-dialog', class: 'embed-dialog', 'aria-labelledby': 'embed-dialog-title' },
      h('form', { method: 'dialog' },
        h('h2', { id: 'embed-dialog-title' }, 'Embed this'),
        h('p', { class: 'embed-help' }, 'A demo of the program as it is here (your edits, the patch and the moment chosen below) ' +
          'for any page: its machine code and disassembly are made now and go with the snippet, so the page loads neither ' +
          'the assembler, the disassembler nor the editor. ', h('a', { href: './docs/#embed-this' }, 'How embedding works')),
        h('div', { class: 'embed-choices' },
          h('label', { class: 'embed-field' }, 'Title ', this.title),
          h('label', { class: 'embed-field' }, 'Timeline ', this.timeline),
          this.momentField),
        this.status, element.section, iframe.section,
        h('p', { class: 'embed-file' }, this.download, ' ', this.downloadSize,
          h('span', { class: 'embed-help' }, ' (for ', h('code', {}, '<hotpatch-demo src="scenario.json">'), ' on your own server)')),
        h('div', { class: 'embed-actions' }, h('button', { class: 'primary', value: 'close' }, 'Close'))));
    document.body.append(this.dialog);
    for (const control of [this.title, this.moment]) control.addEventListener('input', () => this.remakeSoon());
    this.timeline.addEventListener('change', () => { this.showMoment(); this.remakeSoon(); });
    this.dialog.addEventListener('close', () => clearTimeout(this.timer));
  }

  /** Opens the dialog with choices from the playground's state, and makes the snippets. */
  open(): void {
    const state = this.store.state;
    const example = findExample(state.example);
    const edited = example && JSON.stringify(example.modules[state.arch]) !== JSON.stringify(state.files.map((f) => ({ name: f.name, text: f.text })));
    this.title.value = example ? `${example.manifest.title}${edited ? ' (edited)' : ''}` : 'My program';
    const patches = state.patches.map((p, i) => ({ p, i })).filter(({ p }) => written(p, state.arch));
    const story = storyOf(example, state.arch);
    const storyPlayable = story.length > 0 && story.every((e) => e.apply === undefined || state.patches.some((p) => p.name === e.apply));
    const options: HTMLOptionElement[] = [];
    if (storyPlayable) options.push(h('option', { value: 'story' }, 'The example\'s story'));
    for (const { p, i } of patches) options.push(h('option', { value: `patch:${i}` }, `Apply ${p.name}`));
    options.push(h('option', { value: 'none' }, 'No patch: the program alone'));
    this.timeline.replaceChildren(...options);
    // The patch looked at last, at the moment the program stands now; else the story; else the first patch.
    const snapshot = this.snapshot();
    const stoppedAt = snapshot && snapshot.state === 'paused' && snapshot.instructions > 0 ? snapshot.instructions : undefined;
    const editing = state.view.editor < 0 ? -1 - state.view.editor : undefined;
    const chosen = patches.find(({ i }) => i === editing) ?? patches[0];
    this.timeline.value = chosen && (stoppedAt !== undefined || !storyPlayable) ? `patch:${chosen.i}` : storyPlayable ? 'story' : 'none';
    this.moment.value = String(stoppedAt ?? DEFAULT_MOMENT);
    this.showMoment();
    if (!this.dialog.open) this.dialog.showModal();
    void this.remake();
  }

  private showMoment(): void {
    this.momentField.hidden = !this.timeline.value.startsWith('patch:');
  }

  private spec(): ScenarioSpec {
    const state = this.store.state;
    const example = findExample(state.example);
    const choice = this.timeline.value;
    let timeline: ChosenEvent[] = [];
    if (choice === 'story') timeline = storyOf(example, state.arch);
    else if (choice.startsWith('patch:')) {
      const patch = state.patches[Number(choice.slice(6))];
      const at = Math.max(0, Math.floor(Number(this.moment.value) || 0));
      if (patch) timeline = [{ at: { afterInstructions: at }, apply: patch.name, expect: 'applied' }];
    }
    const title = this.title.value.trim() || 'My program';
    return {
      arch: state.arch, ...(state.example ? { example: state.example } : {}), title,
      summary: example ? `${title}: made in the Hotpatch Playground from "${example.manifest.title}". ${example.manifest.summary}`
        : `${title}: made in the Hotpatch Playground.`,
      files: state.files.map((f) => ({ ...f })), patches: state.patches.map((p) => ({ ...p })), timeline,
    };
  }

  private remakeSoon(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.remake(), REMAKE_DELAY_MS);
  }

  private async remake(): Promise<void> {
    const generation = ++this.generation;
    this.snippets = undefined;
    this.dialog.dataset.state = 'making';
    this.status.textContent = 'Assembling the program, building the patch and recording its disassembly…';
    this.status.classList.remove('error');
    for (const { text, size, copy } of Object.values(this.outputs)) { text.value = ''; size.textContent = ''; copy.disabled = true; }
    this.download.removeAttribute('href');
    this.downloadSize.textContent = '';
    try {
      // "Open in playground" in the demo opens the playground as it is now, edits included.
      const scenario = await this.session.makeScenario({ ...this.spec(), playground: await encodeState(this.store.state) });
      const snippets = await embedSnippets(scenario, new URL('./', location.href).href);
      const sizes = await Promise.all([textSizes(snippets.element), textSizes(snippets.iframe), textSizes(snippets.json)]);
      if (generation !== this.generation) return;
      this.snippets = snippets;
      const [element, iframe, json] = sizes;
      for (const [form, size] of [['element', element], ['iframe', iframe]] as const) {
        const out = this.outputs[form];
        out.text.value = snippets[form];
        out.size.textContent = `${kb(size!.bytes)} (${kb(size!.gzip)} gzip)`;
        out.copy.disabled = false;
      }
      if (this.downloadUrl) URL.revokeObjectURL(this.downloadUrl);
      this.downloadUrl = URL.createObjectURL(new Blob([snippets.json], { type: 'application/json' }));
      this.download.href = this.downloadUrl;
      this.download.download = `${scenario.example}-${scenario.arch}.json`;
      this.downloadSize.textContent = `${kb(json!.bytes)} (${kb(json!.gzip)} gzip)`;
      const events = scenario.timeline.length;
      this.status.textContent = `Ready: ${scenario.modules.length} module${scenario.modules.length === 1 ? '' : 's'}, ` +
        `${events === 0 ? 'no patch' : `${events} timeline event${events === 1 ? '' : 's'}`}, ` +
        `${scenario.instructions.length} instructions disassembled.`;
      this.dialog.dataset.state = 'ready';
    } catch (error) {
      if (generation !== this.generation) return;
      this.status.textContent = `No snippet: ${error instanceof Error ? error.message : String(error)}`;
      this.status.classList.add('error');
      this.dialog.dataset.state = 'error';
    }
  }

  private async copy(form: 'element' | 'iframe'): Promise<void> {
    const { text, copy } = this.outputs[form];
    try {
      await navigator.clipboard.writeText(text.value);
      copy.textContent = 'Copied';
    } catch {
      // No clipboard permission: the text is selected for the user to copy.
      text.focus();
      text.select();
      copy.textContent = 'Selected: press Ctrl+C';
    }
    setTimeout(() => { copy.textContent = 'Copy'; }, 2000);
  }
}
