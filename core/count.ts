// Numbers for people: 1234567 -> "1,234,567", as `toLocaleString('en-US')` writes whole numbers, but
// without Intl. The first Intl call of a page loads the locale's data (about 30 ms on a laptop), which
// a page that shows a count while it starts would otherwise pay before it can be used.

/** `n` with its digits grouped by threes; numbers that are not whole go through Intl as before. */
export function count(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n));
  let grouped = digits.slice(0, digits.length % 3 || 3);
  for (let at = grouped.length; at < digits.length; at += 3) grouped += `,${digits.slice(at, at + 3)}`;
  return n < 0 || Object.is(n, -0) ? `-${grouped}` : grouped;
}
