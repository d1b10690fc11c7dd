// The guest's output kept within a bound: the first and the last 64 KiB and a count of what is
// dropped between them, read incrementally.
import { describe, expect, it } from 'vitest';
import { droppedMarker, OUTPUT_HEAD_BYTES, OUTPUT_TAIL_BYTES, OutputCapture } from '../../sandbox/output-capture.ts';

/** Deterministic pseudo-random numbers. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) >>> 0;
    return state / 2 ** 32;
  };
}

/** Printable bytes, so that text and bytes correspond one to one. */
function bytes(length: number, next: () => number): Uint8Array {
  const out = new Uint8Array(length);
  const shift = Math.floor(next() * 95);
  for (let i = 0; i < length; i++) out[i] = 32 + ((i * 7 + shift + (i >> 9)) % 95);
  return out;
}

const decode = (b: Uint8Array) => new TextDecoder().decode(b);

function concat(parts: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { all.set(p, at); at += p.length; }
  return all;
}

describe('OutputCapture', () => {
  it('keeps everything up to the bound, per descriptor too', () => {
    const capture = new OutputCapture();
    capture.append(1, new TextEncoder().encode('hello\n'));
    capture.append(2, new TextEncoder().encode('oops\n'));
    capture.append(1, new TextEncoder().encode('bye\n'));
    expect(capture.text()).toBe('hello\noops\nbye\n');
    expect(capture.text(1)).toBe('hello\nbye\n');
    expect(capture.text(2)).toBe('oops\n');
    expect([capture.totalBytes, capture.droppedBytes, capture.lines]).toEqual([15, 0, 3]);
  });

  it.each([[1, 200_000], [2, 5_000], [3, 1_100_000], [4, 70_000]])('keeps the first and the last 64 KiB of random writes (seed %i, up to %i bytes each)', (seed, most) => {
    const next = random(seed);
    const capture = new OutputCapture();
    const written: Uint8Array[] = [];
    const reader = capture.reader();
    let read = '';
    for (let i = 0; i < 60; i++) {
      const piece = bytes(Math.floor(next() * most), next);
      written.push(piece);
      capture.append(next() < 0.5 ? 1 : 2, piece);
      if (next() < 0.3) read += reader.next();
    }
    read += reader.next();
    const all = concat(written);
    expect(capture.totalBytes).toBe(all.length);
    const dropped = Math.max(0, all.length - OUTPUT_HEAD_BYTES - OUTPUT_TAIL_BYTES);
    expect(capture.droppedBytes).toBe(dropped);
    const expected = dropped === 0 ? decode(all)
      : decode(all.subarray(0, OUTPUT_HEAD_BYTES)) + droppedMarker(dropped) + decode(all.subarray(all.length - OUTPUT_TAIL_BYTES));
    expect(capture.text()).toBe(expected);
    // Each descriptor's text leaves out exactly what it wrote that was dropped.
    const perFd = [1, 2].map((fd) => capture.text(fd).replace(/\n\[\.\.\. ([\d,]+) bytes of output dropped \.\.\.\]\n/,
      (_m, n: string) => '#'.repeat(Number(n.replace(/,/g, '')))).length);
    expect(perFd[0]! + perFd[1]!).toBe(all.length);
    // What a reader got along the way: everything it could, in order, and lines for what it missed.
    const markers = [...read.matchAll(/\n\[\.\.\. ([\d,]+) bytes of output dropped \.\.\.\]\n/g)];
    const missed = markers.reduce((n, m) => n + Number(m[1]!.replace(/,/g, '')), 0);
    expect(read.replace(/\n\[\.\.\. [\d,]+ bytes of output dropped \.\.\.\]\n/g, '').length + missed).toBe(all.length);
    expect(read.startsWith(decode(all.subarray(0, Math.min(all.length, OUTPUT_HEAD_BYTES))))).toBe(true);
    expect(read.endsWith(decode(all.subarray(Math.max(0, all.length - OUTPUT_TAIL_BYTES))))).toBe(true);
  });

  it('gives a reader only what is new, never more than the bound at once', () => {
    const capture = new OutputCapture();
    const reader = capture.reader();
    const mib = new Uint8Array(1 << 20).fill(0x41);
    for (let i = 0; i < 100; i++) {
      capture.append(1, mib);
      const text = reader.next();
      expect(text.length).toBeLessThanOrEqual(OUTPUT_HEAD_BYTES + OUTPUT_TAIL_BYTES + 100);
    }
    expect(reader.next()).toBe('');
    expect(capture.droppedBytes).toBe(100 * (1 << 20) - OUTPUT_HEAD_BYTES - OUTPUT_TAIL_BYTES);
    expect(capture.text()).toContain('[... 104,726,528 bytes of output dropped ...]');
  });

  it('gathers many small writes in few pieces, and counts every line', () => {
    const capture = new OutputCapture();
    const line = new TextEncoder().encode('0123456789abcdef\n');
    for (let i = 0; i < 100_000; i++) capture.append(i % 2 === 0 ? 1 : 2, line);
    expect(capture.lines).toBe(100_000);
    const text = capture.text();
    expect(text.length).toBeLessThanOrEqual(OUTPUT_HEAD_BYTES + OUTPUT_TAIL_BYTES + 100);
    expect(text.endsWith('0123456789abcdef\n')).toBe(true);
    expect(capture.text(1).length + capture.text(2).length).toBeLessThan(2 * (OUTPUT_HEAD_BYTES + OUTPUT_TAIL_BYTES) + 200);
  });
});
