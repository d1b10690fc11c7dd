// An example's story in the lab: its timeline (example.json) played on the running program. A run
// stops at each moment (breakpoints.ts), says what is about to happen there, and the transaction of
// that moment moves the story on to its next one.
import { describeMoment } from '../../../core/timeline.ts';
import type { GuestProcess } from '../../../sandbox/process.ts';
import { momentPassed } from './breakpoints.ts';
import type { StoryEvent, StoryView } from './protocol.ts';

export class Story {
  private next = 0;
  /** The moment the guest stands at (its index), until the transaction of that moment goes in or the run goes on. */
  private at: number | undefined;
  /** What the last transaction of the story did, for the sentence until the next moment. */
  private done: string | undefined;

  constructor(readonly events: readonly StoryEvent[]) {}

  /** A new guest: the story starts over. */
  restart(): void {
    this.next = 0;
    this.at = undefined;
    this.done = undefined;
  }

  /** The moment the next run stops at: the next one not behind the guest (those are skipped), unless it stands there now. */
  momentFor(process: GuestProcess): StoryEvent | undefined {
    while (this.next < this.events.length && momentPassed(process, this.events[this.next]!.at)) this.next++;
    return this.at === this.next ? undefined : this.events[this.next];
  }

  /** The run stopped at the next moment. */
  reached(): void {
    this.at = this.next;
  }

  /** The run goes on from the moment without its transaction: the story moves on. */
  leftMoment(): void {
    if (this.at === undefined) return;
    this.next = this.at + 1;
    this.at = undefined;
  }

  /** A transaction went in (or was refused); when it is the one of the moment standing, the story moves on. */
  transaction(kind: 'apply' | 'rollback', subject: string, outcome: string): void {
    const event = this.events[this.next];
    if (this.at !== this.next || !event) return;
    if ((kind === 'apply' ? event.apply : event.rollback) !== subject) return;
    this.done = `${subject} ${outcome} ${describeMoment(event.at)}`;
    this.next++;
    this.at = undefined;
  }

  /** What the page's story bar shows. */
  view(): StoryView {
    const event = this.events[this.next];
    const base = { index: this.next, total: this.events.length, ...(this.done ? { last: this.done } : {}) };
    if (!event) return { ...base, atMoment: false, sentence: this.done ? `${cap(this.done)}. The story has no more moments: the program runs to its end.` : 'The story has no moments.' };
    if (this.at === this.next) return { ...base, atMoment: true, sentence: this.sentence(event), ...actionOf(event) };
    return { ...base, atMoment: false, sentence: `Next: ${describeMoment(event.at)}, the example ${whatHappens(event)}.`, ...actionOf(event) };
  }

  private sentence(event: StoryEvent): string {
    const refused = event.expect === 'refused' ? ' The engine is expected to refuse it.' : '';
    return `Paused ${describeMoment(event.at)}: here the example ${whatHappens(event)}.${refused}${event.note ? ` ${event.note}` : ''}`;
  }
}

function whatHappens(event: StoryEvent): string {
  return event.apply !== undefined ? `applies ${event.apply}` : `rolls back the ${event.rollback} patch`;
}

function actionOf(event: StoryEvent): Pick<StoryView, 'apply' | 'rollback'> {
  return event.apply !== undefined ? { apply: event.apply } : { rollback: event.rollback ?? '' };
}

function cap(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
