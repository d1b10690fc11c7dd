// Progress of a long script (fuzzers, lockstep runs, benchmarks) on a terminal: one line, redrawn
// at most a few times a second, with how far it is, how long it has run and, when the total is known,
// about how long is left. Off a terminal (a pipe, a file, a CI log) and wherever CI is set, it writes
// nothing, so logs keep only the scripts' results.

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export interface ProgressOptions {
  /** What is counted, e.g. "x64 decoder fuzz". */
  label: string;
  /** The count at which the work is done; without it no estimate is shown. */
  total?: number;
  /** What one counts, plural: "cases", "instructions". */
  unit?: string;
  stream?: ProgressStream;
  env?: Record<string, string | undefined>;
  now?: () => number;
  /** Least time between two redraws. */
  intervalMs?: number;
}

export interface Progress {
  /** Whether anything is drawn (a terminal, and not CI). */
  readonly enabled: boolean;
  /** Adds to the count. */
  tick(count?: number): void;
  /** Sets the count (and, optionally, a short note shown after it). */
  update(done: number, note?: string): void;
  /** Erases the line, before the script prints its results or a line of its own (the next update draws it again). */
  done(): void;
}

/** "45 s", "12 min", "3.5 h". */
export function formatDuration(ms: number): string {
  const seconds = ms / 1000;
  if (seconds < 90) return `${Math.max(0, Math.round(seconds))} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** Whether progress is drawn: on a terminal, outside CI (which may give a terminal to its logs). */
export function progressWanted(stream: ProgressStream, env: Record<string, string | undefined>): boolean {
  return stream.isTTY === true && !env.CI && env.TERM !== 'dumb';
}

/** The line shown for `done` of `total` after `elapsedMs`. */
export function progressLine(label: string, done: number, elapsedMs: number, total?: number, unit = '', note = ''): string {
  const count = done.toLocaleString('en-US');
  const parts = [total === undefined ? `${count}${unit ? ` ${unit}` : ''}`
    : `${count} of ${total.toLocaleString('en-US')}${unit ? ` ${unit}` : ''} (${Math.floor((100 * done) / Math.max(1, total))}%)`];
  parts.push(formatDuration(elapsedMs));
  // An estimate once there is something to go on: a second, and some of the work done.
  if (total !== undefined && done > 0 && done < total && elapsedMs >= 1000) {
    parts.push(`about ${formatDuration((elapsedMs * (total - done)) / done)} left`);
  }
  return `${label}: ${parts.join(', ')}${note ? `; ${note}` : ''}`;
}

export function progress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const env = options.env ?? process.env;
  const now = options.now ?? (() => performance.now());
  const interval = options.intervalMs ?? 250;
  const enabled = progressWanted(stream, env);
  const started = now();
  let count = 0;
  let note = '';
  let drawn = -Infinity;
  let visible = false;
  const draw = (force: boolean): void => {
    if (!enabled) return;
    const at = now();
    if (!force && at - drawn < interval) return;
    drawn = at;
    let line = progressLine(options.label, count, at - started, options.total, options.unit, note);
    const width = (stream.columns ?? 100) - 1;
    if (line.length > width) line = line.slice(0, Math.max(0, width));
    stream.write(`\r${line}\x1b[K`);
    visible = true;
  };
  return {
    enabled,
    tick(step = 1) {
      count += step;
      draw(false);
    },
    update(done, text) {
      count = done;
      if (text !== undefined) note = text;
      draw(false);
    },
    done() {
      if (enabled && visible) stream.write('\r\x1b[K');
      visible = false;
    },
  };
}
