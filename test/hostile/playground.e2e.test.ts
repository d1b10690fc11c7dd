// A hostile source in the playground, in real headless Chromium: the page assembles it in its lab
// worker (Keystone in a worker of its own), says what is wrong on which line at once, and the lab
// goes on working: another program assembles and loads after it.
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { newContext, watchErrors } from '../../harness/browser/browser.ts';
import { useServedPage } from '../../harness/browser/served-page.ts';

const served = useServedPage();

/** A shared link (the page's own #s= format) holding one program and an empty patch. */
function linkTo(program: string): string {
  const state = { v: 1, a: 'x64', f: [['open.s', program]], p: [['patch.s', '']], w: [0, 'program', 0] };
  return '#s=' + deflateRawSync(Buffer.from(JSON.stringify(state))).toString('base64url');
}

/** Line 5 opens a string it never closes: Keystone 0.9.2 loops forever on it. */
const OPEN_STRING = '.module open\n.arch x64\n.entry main\n.data\nmsg: .ascii "hello\n.text\n.func main\n    ret\n.endfunc\n';

describe('a hostile source in the playground', () => {
  it('is refused on its line at once, and the lab then assembles another program', async () => {
    const context = await newContext(served.browser);
    const page = await context.newPage();
    const errors = watchErrors(page);
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(served.server.url + linkTo(OPEN_STRING));
    await page.waitForSelector('html[data-shell="ready"]');
    const error = page.locator('[data-testid="assembly-error"]');
    await error.waitFor({ timeout: 30_000 });
    await expect(error.textContent()).resolves.toBe('open.s line 5: unterminated string: the " at column 13 is never closed');

    // The same lab worker assembles and loads an example next.
    await page.click('#gallery-toggle');
    await page.click('.card[data-example="price-tax"] button[data-arch="x64"]');
    await page.locator('#assembly-status', { hasText: 'Assembled pricing' }).waitFor({ timeout: 30_000 });
    await page.waitForSelector('html[data-program="loaded"]', { timeout: 30_000 });
    expect(errors).toEqual([]);
    await context.close();
  });
});
