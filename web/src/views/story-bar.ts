// "Play the story": the example's timeline (example.json) played on the running program. The run
// stops at each moment; the bar says what is about to happen there, and Continue does it (applies
// the patch, or rolls it back) and runs on to the next moment.
import { byId } from '../dom.ts';
import type { Example } from '../examples/catalog.ts';
import type { Arch } from '../../../core/arch.ts';
import type { Snapshot, StoryEvent, StoryView } from '../lab/protocol.ts';
import { exampleFileName } from '../../../toolchain/example-manifest.ts';
import './story-bar-phone.css';

/** The example's timeline for an architecture, as the lab plays it (patch files by their names in the lab). */
export function storyOf(example: Example | undefined, arch: Arch): StoryEvent[] {
  return (example?.timeline[arch] ?? []).map((event) => ({
    at: event.at, expect: event.expect, ...(event.note === undefined ? {} : { note: event.note }),
    ...(event.action.kind === 'apply' ? { apply: exampleFileName(event.action.file) } : { rollback: event.action.module }),
  }));
}

export interface StoryActions {
  /** Loads the program afresh with the story set, and runs it. */
  play(events: StoryEvent[]): Promise<void>;
  /** Does what the moment says (apply or roll back) and runs on. */
  continueFrom(moment: StoryView): Promise<void>;
  /** The story ends; the program stays as it is. */
  end(): Promise<void>;
}

export class StoryBar {
  private readonly playButton = byId<HTMLButtonElement>('story-play');
  private readonly bar = byId('story-bar');
  private readonly sentence = byId('story-sentence');
  private readonly next = byId<HTMLButtonElement>('story-continue');
  private readonly stop = byId<HTMLButtonElement>('story-stop');
  private events: StoryEvent[] = [];
  private playing = false;
  private moment: StoryView | undefined;
  private busy = false;

  constructor(private readonly actions: StoryActions) {
    this.playButton.addEventListener('click', () => void this.play());
    this.next.addEventListener('click', () => void this.continue());
    this.stop.addEventListener('click', () => void this.end());
    this.render();
  }

  /** The program shown now: its example's story, if it has one. A story being played ends. */
  setStory(events: StoryEvent[]): void {
    const same = JSON.stringify(events) === JSON.stringify(this.events);
    this.events = events;
    if (!same && this.playing) void this.end();
    this.render();
  }

  get active(): boolean {
    return this.playing;
  }

  private async play(): Promise<void> {
    if (this.events.length === 0) return;
    this.playing = true;
    this.moment = undefined;
    this.sentence.textContent = 'Starting the program from its entry…';
    this.render();
    await this.actions.play(this.events);
  }

  private async continue(): Promise<void> {
    const moment = this.moment;
    if (!moment || this.busy) return;
    this.busy = true;
    this.render();
    try {
      await this.actions.continueFrom(moment);
    } finally {
      this.busy = false;
      this.render();
    }
  }

  async end(): Promise<void> {
    if (!this.playing) return;
    this.playing = false;
    this.moment = undefined;
    this.render();
    await this.actions.end();
  }

  showSnapshot(snapshot: Snapshot): void {
    if (!this.playing) return;
    const story = snapshot.story;
    if (!story) return;
    const paused = snapshot.state === 'paused';
    this.moment = story.atMoment && paused ? story : undefined;
    const ended = snapshot.state === 'exited' || snapshot.state === 'failed';
    this.sentence.textContent = ended
      ? `${story.last ? `${story.last[0]!.toUpperCase()}${story.last.slice(1)}. ` : ''}The program has ended (${snapshot.state === 'exited' ? `exit code ${snapshot.exitCode}` : snapshot.error ?? 'fault'}): Play the story again, or end it.`
      : story.atMoment && paused ? story.sentence
        : `${story.last ? `${story.last[0]!.toUpperCase()}${story.last.slice(1)}. ` : ''}${story.index < story.total ? story.sentence.replace(/^Next: /, 'Running to the next moment: ') : 'No more moments: the program runs to its end.'}`;
    this.render();
  }

  private render(): void {
    this.playButton.hidden = this.events.length === 0;
    this.playButton.textContent = this.playing ? 'Play the story again' : 'Play the story';
    this.playButton.title = 'Run the example as its story goes: stop at each moment of its timeline, say what happens there, and do it when you continue';
    this.bar.hidden = !this.playing;
    const moment = this.moment;
    this.next.disabled = !moment || this.busy;
    this.next.textContent = moment?.apply ? `Apply ${moment.apply} and continue` : moment?.rollback ? `Roll back ${moment.rollback} and continue` : 'Continue';
    this.next.title = moment ? '' : 'The story goes on at its next moment: the program is on its way there';
    document.documentElement.dataset.story = this.playing ? (moment ? 'moment' : 'running') : '';
  }
}
