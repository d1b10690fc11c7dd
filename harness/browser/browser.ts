// Headless Chromium (Debian's /usr/bin/chromium through playwright-core) against the built page
// served by `vite preview`, for the end-to-end tests and the benchmarks.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { preview, type PreviewServer } from 'vite';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = 'test-results/screenshots';

/** The flags Chromium needs here: running as root, no GPU, and no background connections. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface PageServer {
  url: string;
  close(): Promise<void>;
}

/** Serves dist/ (built by `npm run build`) on a free local port. */
export async function servePage(): Promise<PageServer> {
  if (!existsSync('dist/index.html')) throw new Error('dist/ is missing: run "npm run build" first');
  const port = await freePort();
  const server: PreviewServer = await preview({
    configFile: 'vite.config.ts',
    logLevel: 'silent',
    preview: { host: '127.0.0.1', port, strictPort: true, open: false },
  });
  return { url: `http://127.0.0.1:${port}/`, close: () => server.close() };
}

export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run "bash scripts/setup.sh" as root`);
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

export interface Viewport {
  width: number;
  height: number;
}

/** The phone, tablet and laptop sizes the page is laid out for. */
export const PHONE: Viewport = { width: 390, height: 844 };
export const TABLET: Viewport = { width: 768, height: 1024 };
export const LAPTOP: Viewport = { width: 1366, height: 850 };

/** A fresh context (empty cache and storage); 1440x960 unless a viewport is given. */
export async function newContext(browser: Browser, options: { dark?: boolean; viewport?: Viewport } = {}): Promise<BrowserContext> {
  return browser.newContext({
    viewport: options.viewport ?? { width: 1440, height: 960 },
    colorScheme: options.dark ? 'dark' : 'light',
  });
}

/** Collects console errors and page errors, so a test can insist there were none. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return errors;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: false });
}

/** How long the page's own navigation took, in milliseconds (its Navigation Timing entry). */
export async function navigationDuration(page: Page): Promise<number> {
  // Evaluated in the page, whose performance timeline has navigation entries (Node's has none to type it with).
  return await page.evaluate('performance.getEntriesByType("navigation")[0].duration') as number;
}
