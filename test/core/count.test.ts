import { describe, expect, it } from 'vitest';
import { count } from '../../core/count.ts';

describe('count', () => {
  it('groups digits as en-US does, for whole numbers of any size and sign', () => {
    const numbers = [0, -0, 1, 12, 123, 999, 1000, 1234, 12345, 123456, 1234567, 10_000_000, -1, -1234, -123456,
      Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    for (const n of numbers) expect(count(n)).toBe(n.toLocaleString('en-US'));
  });

  it('leaves numbers that are not whole to Intl', () => {
    for (const n of [1.5, 1234.5678, NaN, Infinity, -Infinity, 2 ** 60]) expect(count(n)).toBe(n.toLocaleString('en-US'));
  });
});
