// Renders web/public/og-image.png, the link-preview image (og:image): the playground's jump diagram
// after price-tax's fix went in, drawn by the built page in headless Chromium. Run after
// `npm run build:web` when the diagram's look changes: `npx tsx scripts/og-image.ts`.
import { launchChromium, servePage } from '../harness/browser/browser.ts';

const OUT = 'web/public/og-image.png';

const server = await servePage();
const browser = await launchChromium();
try {
  const context = await browser.newContext({ viewport: { width: 1366, height: 850 }, deviceScaleFactor: 1.5, colorScheme: 'light' });
  const page = await context.newPage();
  await page.goto(`${server.url}#example=price-tax&arch=x64`);
  await page.waitForSelector('html[data-program="loaded"]', { timeout: 30_000 });
  await page.click('#pane-patch');
  await page.waitForFunction('!document.getElementById("apply").disabled', null, { timeout: 60_000 });
  await page.click('#apply');
  await page.waitForFunction('document.getElementById("patch-diagram").getBoundingClientRect().height > 40', null, { timeout: 30_000 });
  await page.waitForTimeout(300);
  // A card of the link-preview shape (1.91:1): the page's name, what it does, and the diagram as the page draws it.
  // Page code as text: this script is compiled without the DOM's types.
  await page.evaluate(`(() => {
    const card = document.createElement('div');
    card.id = 'og-card';
    card.style.cssText = 'position:fixed;inset:0 auto auto 0;z-index:99999;width:800px;height:419px;box-sizing:border-box;' +
      'padding:36px 14px;background:var(--bg);color:var(--text);font-family:system-ui,sans-serif;display:flex;flex-direction:column;gap:18px';
    const title = document.createElement('div');
    title.style.cssText = 'font-size:40px;font-weight:700;padding-left:10px';
    title.textContent = '\u26A1 Hotpatch Playground';
    const line = document.createElement('div');
    line.style.cssText = 'font-size:22px;color:var(--muted);padding-left:10px';
    line.textContent = 'A running x86-64 or ARM64 program, patched without a restart';
    const diagram = document.getElementById('patch-diagram').cloneNode(true);
    diagram.removeAttribute('id');
    diagram.style.marginTop = '24px';
    card.append(title, line, diagram);
    document.body.append(card);
  })()`);
  await page.locator('#og-card').screenshot({ path: OUT });
  console.log(`wrote ${OUT}`);
} finally {
  await browser.close();
  await server.close();
}
