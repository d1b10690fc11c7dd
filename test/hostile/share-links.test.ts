// Hostile share links, read by the page's own decodeHash (Node has the same compression streams):
// a link that inflates to 50 MB stops at the 1 MiB bound; a damaged link is explained in words,
// never with a browser's error; every field is checked as example.json's are.
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DEFAULT_VIEW, type LabState } from '../../web/src/state/lab-state.ts';
import { decodeHash, encodeState, LINK_LIMITS, LINK_PROBLEMS } from '../../web/src/state/share.ts';

const link = (value: unknown) => '#s=' + deflateRawSync(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value))).toString('base64url');
const STATE = { v: 1, a: 'x64', f: [['pricing.s', 'nop\n']], p: [['fix.s', '.patch pricing\n']], w: [0, 'program', 0] };
const invalid = (reason: string) => ({ kind: 'invalid', reason });

describe('share links', () => {
  it('reads back what the page writes', async () => {
    const state: LabState = {
      arch: 'arm64', example: 'price-tax', files: [{ name: 'pricing.s', text: 'ret\n' }],
      patches: [{ name: 'fix.s', text: '.patch pricing\n', builtAgainst: { name: 'pricing-1.0.s', text: 'nop\n' } }],
      view: { ...DEFAULT_VIEW, editor: -1, pane: 'patch' },
    };
    await expect(decodeHash('#' + await encodeState(state))).resolves.toEqual({ kind: 'state', state });
  });

  it('stops inflating a 64 KB link of 50 MB at the 1 MiB bound, quickly and without the memory', async () => {
    const bomb = '#s=' + deflateRawSync(Buffer.from(JSON.stringify({ ...STATE, f: [['a.s', 'n'.repeat(50_000_000)]] })), { level: 9 })
      .toString('base64url');
    expect(bomb.length).toBeLessThan(70_000);
    globalThis.gc?.();
    const before = process.memoryUsage().rss;
    const started = performance.now();
    await expect(decodeHash(bomb)).resolves.toEqual(invalid(LINK_PROBLEMS.tooLarge));
    // Generous bounds (a hang guard; the memory bound is what tells the fix): inflating the whole link took 3.2 s and 400 MB.
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 2 ** 20);
    expect(LINK_PROBLEMS.tooLarge).toBe('the link holds more than 1 MiB of sources and settings; the playground reads links of at most 1 MiB');
  });

  it('explains a damaged link in words', async () => {
    const good = link(STATE);
    const cases: [string, string][] = [
      ['#s=' + good.slice(3, 20), LINK_PROBLEMS.notDeflate], // cut short
      ['#s=' + good.slice(3, 10) + 'AAAA' + good.slice(14), LINK_PROBLEMS.notDeflate],
      ['#s=@@@', LINK_PROBLEMS.notBase64],
      ['#s=' + good.slice(3, 21), LINK_PROBLEMS.notDeflate], // no base64 text has a length of 4n + 1
      ['#s=' + good.slice(3) + '%20', LINK_PROBLEMS.notBase64],
      ['#s=' + 'A'.repeat(LINK_LIMITS.encodedCharacters + 4), LINK_PROBLEMS.tooLong],
      [link('{nope'), LINK_PROBLEMS.notData],
      ['#s=' + deflateRawSync(Uint8Array.of(0x22, 0xff, 0x22)).toString('base64url'), LINK_PROBLEMS.notData],
      [link({ ...STATE, v: 2 }), LINK_PROBLEMS.newer],
      ['#example=..%2F..%2Fetc', LINK_PROBLEMS.badExample],
    ];
    for (const [hash, reason] of cases) {
      const decoded = await decodeHash(hash);
      expect(decoded, hash.slice(0, 40)).toEqual(invalid(reason));
      expect(reason).not.toMatch(/Failed|atob|Invalid character|JSON|position/);
    }
    expect(LINK_PROBLEMS.notDeflate).toBe('the link is damaged: its data does not decompress (it may have been cut short when it was copied)');
    expect(LINK_PROBLEMS.notBase64).toBe(
      'the link is damaged: its data has characters a playground link never has (it may have been changed when it was copied)');
  });

  it('checks every field, saying which in words', async () => {
    const name = 'must be a file name such as "pricing.s" (letters, digits, "_", "-" and ".", ending in ".s")';
    const cases: [unknown, string][] = [
      [{ ...STATE, f: 'x' }, 'its list of sources must be a list'],
      [{ ...STATE, f: [] }, 'its list of sources must not be empty'],
      [{ ...STATE, f: Array.from({ length: 10_000 }, (_, i) => [`f${i}.s`, '']) }, 'its list of sources must not be longer than 32'],
      [{ ...STATE, f: [['../\u0001x', '']] }, `the name of source 1 ${name}`],
      [{ ...STATE, f: [['a.s', 'x'], ['/etc/passwd', '']] }, `the name of source 2 ${name}`],
      [{ ...STATE, f: [['a.s', 7]] }, 'the text of source 1 must be text'],
      [{ ...STATE, f: [['a.s', 'x'.repeat(LINK_LIMITS.sourceCharacters + 1)]] }, 'the text of source 1 must be at most 262,144 characters long'],
      [{ ...STATE, p: [['fix.s', 'x', 'b.s']] }, 'the text of the build it is built against of patch 1 is missing'],
      [{ ...STATE, p: [['fix.s', 'x', '../b.s', 'y']] }, `the name of the build it is built against of patch 1 ${name}`],
      [{ ...STATE, p: ['fix.s'] }, 'patch 1 must be a name and a text'],
      [{ ...STATE, a: 'mips' }, 'its architecture must be "x64" or "arm64"'],
      [{ ...STATE, e: '../x' }, 'the example it names must be an example\'s name'],
      [{ ...STATE, w: [0, 'elsewhere', 0] }, 'its view must be "program" or "patch"'],
      [{ ...STATE, extra: 1 }, 'a field the playground does not know is there'],
      [{ ...STATE, v: undefined }, 'its version is missing'],
      [[1, 2], 'its data must be the playground\'s state'],
    ];
    for (const [value, words] of cases) {
      await expect(decodeHash(link(value)), words).resolves.toEqual(invalid(`the link's data is not valid: ${words}`));
    }
  });
});
