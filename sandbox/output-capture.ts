// What the guest wrote, kept within a bound: the first OUTPUT_HEAD_BYTES and the last
// OUTPUT_TAIL_BYTES, with a count of the bytes dropped between them, so a guest that prints in a loop
// cannot take the host's memory. Readers (OutputReader) take what was written since they last read,
// so nothing decodes the whole output again and again.

/** Output kept from the start of a run. */
export const OUTPUT_HEAD_BYTES = 64 * 1024;
/** Output kept from the end of a run. */
export const OUTPUT_TAIL_BYTES = 64 * 1024;

/** The line that stands for output not kept: "[... 12,345,678 bytes of output dropped ...]". */
export function droppedMarker(bytes: number): string {
  return `\n[... ${bytes.toLocaleString('en-US')} bytes of output dropped ...]\n`;
}

/** Which descriptor (and guest thread) wrote a stretch of the output, up to `end` (an offset in the whole output). */
interface Run {
  fd: number;
  thread: string;
  end: number;
}

/** Extends the last run when the same descriptor and thread write on, else starts a run. */
function addRun(runs: Run[], first: number, fd: number, thread: string, end: number): void {
  const last = runs.length > first ? runs.at(-1) : undefined;
  if (last?.fd === fd && last.thread === thread) last.end = end;
  else runs.push({ fd, thread, end });
}

/** A stretch of the kept output and who wrote it, or the count of bytes dropped at that place. */
export type OutputPiece = { fd: number; thread: string; bytes: Uint8Array } | { dropped: number };

export class OutputCapture {
  private readonly head = new Uint8Array(OUTPUT_HEAD_BYTES);
  private headBytes = 0;
  /** The tail: a ring of OUTPUT_TAIL_BYTES holding the output from `tailStart` to `totalBytes`. */
  private readonly tail = new Uint8Array(OUTPUT_TAIL_BYTES);
  private tailStart = 0;
  /** Who wrote the head, and who wrote the tail (runs before `firstRun` are gone with their bytes). */
  private readonly headRuns: Run[] = [];
  private runs: Run[] = [];
  private firstRun = 0;
  private readonly droppedPerFd = new Map<number, number>();
  /** Bytes written in all. */
  totalBytes = 0;
  /** Newlines written in all (dropped bytes included). */
  lines = 0;

  /**
   * Keeps what the bound allows of `bytes` (copied: the caller may reuse its buffer), noting the
   * guest thread that wrote them.
   */
  append(fd: number, bytes: Uint8Array, thread = 'main'): void {
    if (bytes.length === 0) return;
    for (let at = bytes.indexOf(10); at >= 0; at = bytes.indexOf(10, at + 1)) this.lines++;
    let from = 0;
    if (this.headBytes < OUTPUT_HEAD_BYTES) {
      from = Math.min(OUTPUT_HEAD_BYTES - this.headBytes, bytes.length);
      this.head.set(bytes.subarray(0, from), this.headBytes);
      this.headBytes += from;
      this.tailStart = this.headBytes;
      addRun(this.headRuns, 0, fd, thread, this.headBytes);
    }
    if (from < bytes.length) {
      // Only the last OUTPUT_TAIL_BYTES of a write can outlast it; older tail bytes give way.
      const keep = Math.max(from, bytes.length - OUTPUT_TAIL_BYTES);
      this.drop(fd, keep - from);
      const end = this.totalBytes + bytes.length;
      const newStart = Math.max(this.tailStart, end - OUTPUT_TAIL_BYTES);
      this.evict(newStart);
      const piece = bytes.subarray(keep);
      const at = (this.totalBytes + keep) % OUTPUT_TAIL_BYTES;
      const first = Math.min(piece.length, OUTPUT_TAIL_BYTES - at);
      this.tail.set(piece.subarray(0, first), at);
      if (first < piece.length) this.tail.set(piece.subarray(first), 0);
    }
    this.totalBytes += bytes.length;
    if (from < bytes.length) addRun(this.runs, this.firstRun, fd, thread, this.totalBytes);
  }

  /** Drops the tail's bytes before `start`, counting them for the descriptors that wrote them. */
  private evict(start: number): void {
    if (start <= this.tailStart) return;
    let at = this.tailStart;
    while (this.firstRun < this.runs.length && at < start) {
      const run = this.runs[this.firstRun]!;
      if (run.end <= at) { this.firstRun++; continue; }
      const upTo = Math.min(run.end, start);
      this.drop(run.fd, upTo - at);
      at = upTo;
      if (run.end <= start) this.firstRun++;
    }
    // Older bytes of the write in progress have no run yet: append counted them already.
    this.tailStart = start;
    if (this.firstRun > 64 && this.firstRun * 2 > this.runs.length) {
      this.runs = this.runs.slice(this.firstRun);
      this.firstRun = 0;
    }
  }

  private drop(fd: number, bytes: number): void {
    if (bytes > 0) this.droppedPerFd.set(fd, (this.droppedPerFd.get(fd) ?? 0) + bytes);
  }

  /** Bytes written but not kept. */
  get droppedBytes(): number {
    return this.tailStart - this.headBytes;
  }

  /** Tail bytes from offset `from` to `to` (both within the tail), as one or two pieces of the ring. */
  private tailRange(from: number, to: number): Uint8Array[] {
    if (to <= from) return [];
    const a = from % OUTPUT_TAIL_BYTES;
    const b = a + (to - from);
    return b <= OUTPUT_TAIL_BYTES ? [this.tail.subarray(a, b)]
      : [this.tail.subarray(a), this.tail.subarray(0, b - OUTPUT_TAIL_BYTES)];
  }

  /**
   * The kept output from offset `from` on: what is left of it in the head, how many bytes from there
   * on were dropped, and what is left of it in the tail.
   */
  since(from: number): { head: Uint8Array[]; dropped: number; tail: Uint8Array[] } {
    const head = from < this.headBytes ? [this.head.subarray(from, this.headBytes)] : [];
    const dropped = Math.max(0, this.tailStart - Math.max(from, this.headBytes));
    return { head, dropped, tail: this.tailRange(Math.max(from, this.tailStart), this.totalBytes) };
  }

  /**
   * The kept output from offset `from` on, piece by piece with the descriptor and thread that wrote
   * it, and where bytes were dropped, how many (the pieces view the capture's own buffers).
   */
  pieces(from: number): OutputPiece[] {
    const out: OutputPiece[] = [];
    let at = 0;
    for (const run of this.headRuns) {
      const start = Math.max(at, from);
      if (run.end > start) out.push({ fd: run.fd, thread: run.thread, bytes: this.head.subarray(start, run.end) });
      at = run.end;
    }
    const dropped = Math.max(0, this.tailStart - Math.max(from, this.headBytes));
    if (dropped > 0) out.push({ dropped });
    at = Math.max(from, this.tailStart);
    for (let i = this.firstRun; i < this.runs.length; i++) {
      const run = this.runs[i]!;
      if (run.end <= at) continue;
      for (const bytes of this.tailRange(at, run.end)) out.push({ fd: run.fd, thread: run.thread, bytes });
      at = run.end;
    }
    return out;
  }

  /**
   * The kept output as lines, each with the thread that wrote it (a line two threads wrote in turn
   * is split); where bytes were dropped, a line of no thread ('') says how many.
   */
  threadLines(): { thread: string; text: string }[] {
    const lines: { thread: string; text: string }[] = [];
    let decoder = new TextDecoder();
    let open: { thread: string; text: string } | undefined;
    for (const piece of this.pieces(0)) {
      if ('dropped' in piece) {
        if (open) open.text += decoder.decode();
        decoder = new TextDecoder();
        lines.push({ thread: '', text: droppedMarker(piece.dropped).slice(1) });
        open = undefined;
        continue;
      }
      const parts = decoder.decode(piece.bytes, { stream: true }).split('\n');
      parts.forEach((part, i) => {
        if (open && open.thread !== piece.thread) open = undefined;
        if (!open) { open = { thread: piece.thread, text: '' }; lines.push(open); }
        open.text += part;
        if (i < parts.length - 1) { open.text += '\n'; open = undefined; }
      });
    }
    if (open) open.text += decoder.decode();
    return lines.filter((l) => l.text !== '');
  }

  /** The kept output (of one descriptor, or all), as text, with a line saying how much was dropped. */
  text(fd?: number): string {
    const decoder = new TextDecoder();
    const decode = (pieces: Uint8Array[]) => pieces.map((p) => decoder.decode(p, { stream: true })).join('');
    let head = '';
    let tail = '';
    let at = 0;
    for (const run of this.headRuns) {
      if (fd === undefined || run.fd === fd) head += decode([this.head.subarray(at, run.end)]);
      at = run.end;
    }
    head += decoder.decode();
    at = this.tailStart;
    for (const run of this.runs.slice(this.firstRun)) {
      if (run.end <= at) continue;
      if (fd === undefined || run.fd === fd) tail += decode(this.tailRange(at, run.end));
      at = run.end;
    }
    const dropped = fd === undefined ? this.droppedBytes : this.droppedPerFd.get(fd) ?? 0;
    return head + (dropped > 0 ? droppedMarker(dropped) : '') + tail + decoder.decode();
  }

  reader(): OutputReader {
    return new OutputReader(this);
  }

  labelledReader(): LabelledReader {
    return new LabelledReader(this);
  }
}

/** Reads the output as it grows: each call returns only what was written since the one before. */
export class OutputReader {
  private offset = 0;
  private decoder = new TextDecoder();

  constructor(private readonly capture: OutputCapture) {}

  /** Bytes read so far (dropped ones included). */
  get position(): number {
    return this.offset;
  }

  /** The text written since the last call; where bytes were dropped in between, a line says how many. */
  next(): string {
    const { head, dropped, tail } = this.capture.since(this.offset);
    this.offset = this.capture.totalBytes;
    let text = head.map((bytes) => this.decoder.decode(bytes, { stream: true })).join('');
    if (dropped > 0) {
      text += this.decoder.decode() + droppedMarker(dropped);
      this.decoder = new TextDecoder();
    }
    return text + tail.map((bytes) => this.decoder.decode(bytes, { stream: true })).join('');
  }
}

/**
 * Reads the output as it grows, each line labelled with the thread that wrote it ("[t1] ") when
 * `label` is set; a line another thread goes on writing is ended first. Where bytes were dropped in
 * between, a line says how many.
 */
export class LabelledReader {
  private offset = 0;
  private decoder = new TextDecoder();
  private lineStart = true;
  private thread: string | undefined;

  constructor(private readonly capture: OutputCapture) {}

  next(label = true): string {
    let out = '';
    for (const piece of this.capture.pieces(this.offset)) {
      if ('dropped' in piece) {
        out += this.decoder.decode();
        out += label && this.lineStart ? droppedMarker(piece.dropped).slice(1) : droppedMarker(piece.dropped);
        this.decoder = new TextDecoder();
        this.lineStart = true;
        this.thread = undefined;
        continue;
      }
      const text = this.decoder.decode(piece.bytes, { stream: true });
      for (const part of text.split(/(?<=\n)/)) {
        if (part === '') continue;
        if (label && this.thread !== undefined && this.thread !== piece.thread && !this.lineStart) {
          out += '\n';
          this.lineStart = true;
        }
        if (label && this.lineStart) out += `[${piece.thread}] `;
        out += part;
        this.thread = piece.thread;
        this.lineStart = part.endsWith('\n');
      }
    }
    this.offset = this.capture.totalBytes;
    return out;
  }
}
