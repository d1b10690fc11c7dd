// The embed from the packed package, the two ways a documentation site takes it (docs/embeds.md):
//   - a fresh Vite project that installs the tarball, imports 'hotpatch-playground/embed' and builds
//     with no configuration; its page, served from its dist/, plays a scenario in Chromium;
//   - the drop-in folder (embed/ of the installed package) served as it is under a sub-path of
//     another origin than the page, which loads it with <script type="module">.
// Both must play the example to its end with its patch applied and print what `hotpatch run` prints.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot, watchErrors } from '../../harness/browser/browser.ts';
import { playDemo } from '../../harness/browser/demo-play.ts';
import { npmInstall, type PackedPackage, packPackage, ROOT, run } from '../../harness/package/packed.ts';
import { type BuildServer, serveBuild } from '../../web/build/serve.ts';

const VITE_VERSION = (JSON.parse(readFileSync(join(ROOT, 'node_modules', 'vite', 'package.json'), 'utf8')) as { version: string }).version;

let work: string;
let site: string;
let packed: PackedPackage;
let browser: Browser;
const servers: { close(): Promise<void> }[] = [];
let buildLog = '';

/** The demo's "Open in playground" link, as read in the page (this file is compiled without the DOM's types). */
interface WithLink { shadowRoot: { querySelector(selector: string): { hidden: boolean; href: string } } }

/** The example's output as the command line prints it (on Unicorn): what a demo must show at its end. */
function expectedOutput(arch: string): string {
  return (JSON.parse(execFileSync(process.execPath, [join(ROOT, 'bin', 'hotpatch.js'), 'run', join(ROOT, 'examples', 'price-tax'),
    '--arch', arch, '--json'], { encoding: 'utf8', timeout: 60_000 })) as { output: string }).output;
}

/** The environment of a command run as a person runs it: not Vitest's (NODE_ENV=test makes Vite build for development). */
function plainEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name === 'NODE_ENV' || name.startsWith('VITEST')) delete env[name];
  return env;
}

function files(root: string, prefix = ''): string[] {
  return readdirSync(join(root, prefix), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(root, `${prefix}${e.name}/`) : [`${prefix}${e.name}`]);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'hotpatch-embed-vite-'));
  packed = packPackage(work);
  site = join(work, 'site');
  mkdirSync(site);
  // A fresh Vite project: a page, one script that imports the embed, no configuration.
  writeFileSync(join(site, 'package.json'), JSON.stringify({
    name: 'docs-site', private: true, type: 'module',
    dependencies: { 'hotpatch-playground': `file:${packed.tarball}` },
    devDependencies: { vite: VITE_VERSION },
  }, null, 2));
  writeFileSync(join(site, 'index.html'), `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Docs site</title><link rel="icon" href="data:,"><script type="module" src="/main.js"></script></head>
<body>
  <h1>How our service gets patched</h1>
  <hotpatch-demo id="demo" example="price-tax" arch="x64"></hotpatch-demo>
</body>
</html>
`);
  writeFileSync(join(site, 'main.js'), `import 'hotpatch-playground/embed';\n`);
  const installMs = npmInstall(site);
  const started = performance.now();
  buildLog = run(process.execPath, [join('node_modules', 'vite', 'bin', 'vite.js'), 'build'], site, { env: plainEnv(), timeoutMs: 180_000 });
  process.stderr.write(`embed-vite: ${packed.filename}, ${(packed.size / 1024).toFixed(0)} KiB; site installed in ${(installMs / 1000).toFixed(1)} s, ` +
    `built in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  browser = await launchChromium();
}, 480_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all(servers.map((s) => s.close()));
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A page in a context of its own, with its errors, failed requests and every request it made recorded. */
async function watchedPage() {
  const context = await browser.newContext({ viewport: { width: 1100, height: 1400 } });
  const page = await context.newPage();
  const errors = watchErrors(page);
  const failed: string[] = [];
  page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText}`));
  const requests: string[] = [];
  context.on('request', (r) => requests.push(r.url()));
  return { context, page, errors, failed, requests };
}

async function serve(dir: string, base = '/'): Promise<BuildServer> {
  const server = await serveBuild({ dir, base });
  servers.push(server);
  return server;
}

describe('the embed in a fresh Vite project', () => {
  it('builds with no configuration: the worker, both WASM files and the scenarios become the site\'s own assets', () => {
    const built = files(join(site, 'dist'));
    expect(buildLog).not.toMatch(/doesn't exist at build time|will remain unchanged/);
    expect(built.filter((f) => f.endsWith('.wasm')).map((f) => f.replace(/-[\w-]{8}\.wasm$/, '.wasm')).sort())
      .toEqual(['assets/cpu.wasm', 'assets/engine.wasm']);
    expect(built.some((f) => /^assets\/demo-worker-[\w-]+\.js$/.test(f))).toBe(true);
    expect(built.some((f) => /^assets\/price-tax-x64-[\w-]+\.js$/.test(f))).toBe(true);
    for (const file of built.filter((f) => f.endsWith('.js'))) {
      expect(readFileSync(join(site, 'dist', file), 'utf8'), file).not.toContain('node_modules');
    }
  });

  it('has types: the element is typed in a TypeScript project that imports the embed', () => {
    writeFileSync(join(site, 'typed.ts'), `import 'hotpatch-playground/embed';
const demo = document.querySelector('hotpatch-demo');
if (demo) {
  demo.addEventListener('hotpatch-ready', () => void demo.apply({ stepwise: true }).then(() => demo.step()));
  const id: string | undefined = demo.scenarioId;
  void demo.load('price-tax', 'arm64').then(() => console.log(id));
}
`);
    writeFileSync(join(site, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', strict: true, noEmit: true,
        lib: ['ES2022', 'DOM'], types: [], skipLibCheck: false },
      files: ['typed.ts'],
    }));
    run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], site);
  });

  it('plays a scenario: output appears, the patch is applied, the program ends as the command line says', async () => {
    const server = await serve(join(site, 'dist'));
    const { context, page, errors, failed, requests } = await watchedPage();
    await page.goto(server.url);
    const played = await playDemo(page, '#demo');
    await screenshot(page, 'embed-vite-site');
    expect(played.state).toBe('exited');
    expect(played.transactions).toBeGreaterThanOrEqual(1);
    expect(played.output).toBe(expectedOutput('x64'));
    // Everything came from the site's own build.
    expect(requests.filter((url) => !url.startsWith(server.url) && !url.startsWith('blob:') && !url.startsWith('data:'))).toEqual([]);
    expect(requests.some((url) => /\/assets\/cpu-[\w-]+\.wasm$/.test(url))).toBe(true);
    // No playground comes with the package: its link shows only when the page names one.
    expect(await page.locator('#demo').evaluate((d) => (d as unknown as WithLink).shadowRoot.querySelector('a.open').hidden)).toBe(true);
    expect(failed).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);
});

/** Vite's dev server on the site (`vite`), in a process of its own, until the test file ends. */
async function startDevServer(): Promise<string> {
  const port = await new Promise<number>((done, fail) => {
    const probe = createNetServer().once('error', fail).listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as AddressInfo;
      probe.close(() => done(free));
    });
  });
  const child: ChildProcess = spawn(process.execPath, [join('node_modules', 'vite', 'bin', 'vite.js'), '--port', String(port), '--strictPort',
    '--host', '127.0.0.1'], { cwd: site, env: plainEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (chunk: Buffer) => { if (log.length < 20_000) log += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { if (log.length < 20_000) log += chunk.toString(); });
  servers.push({ close: () => new Promise((done) => { if (child.exitCode !== null) done(); else { child.once('exit', () => done()); child.kill(); } }) });
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (await fetch(url).then((r) => r.ok, () => false)) return url;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`vite did not start:\n${log}`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

describe('the embed under Vite\'s dev server', () => {
  it('plays a scenario with the dependency optimizer on, and no configuration', async () => {
    const url = await startDevServer();
    const context = await browser.newContext({ viewport: { width: 1100, height: 1400 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    const failed: string[] = [];
    page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText}`));
    await page.goto(url);
    const played = await playDemo(page, '#demo', 60_000);
    expect(played.state).toBe('exited');
    expect(played.output).toBe(expectedOutput('x64'));
    // The element came from the optimizer's bundle; the worker and its WASM files from the package.
    expect(existsSync(join(site, 'node_modules', '.vite', 'deps', 'hotpatch-playground_embed.js'))).toBe(true);
    expect(failed).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);
});

describe('the drop-in embed from the package', () => {
  it('served under a sub-path of another origin than the page, plays a scenario', async () => {
    const embedDir = join(site, 'node_modules', 'hotpatch-playground', 'embed');
    expect(existsSync(join(embedDir, 'hotpatch-demo.js'))).toBe(true);
    const assets = await serve(embedDir, '/static/hotpatch/');
    const html = `<!doctype html>
      <meta charset="utf-8"><title>Plain HTML docs</title><link rel="icon" href="data:,">
      <script type="module" src="${assets.url}hotpatch-demo.js"></script>
      <h1>Patching on ARM64</h1>
      <hotpatch-demo id="demo" example="price-tax" arch="arm64" playground="https://play.example/"></hotpatch-demo>`;
    const pageServer: Server = createServer((request, response) => {
      const found = request.url === '/guide/';
      response.writeHead(found ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8' });
      response.end(found ? html : 'not here');
    });
    await new Promise<void>((done) => pageServer.listen(0, '127.0.0.1', () => done()));
    servers.push({ close: () => new Promise((done) => pageServer.close(() => done())) });
    // "localhost" against the assets' "127.0.0.1": another origin.
    const pageUrl = `http://localhost:${(pageServer.address() as AddressInfo).port}/guide/`;
    expect(new URL(pageUrl).origin).not.toBe(new URL(assets.url).origin);

    const { context, page, errors, failed, requests } = await watchedPage();
    await page.goto(pageUrl);
    const played = await playDemo(page, '#demo');
    await screenshot(page, 'embed-drop-in-other-origin');
    expect(played.state).toBe('exited');
    expect(played.transactions).toBeGreaterThanOrEqual(1);
    expect(played.output).toBe(expectedOutput('arm64'));
    // The script, the worker, the WASM files and the scenario came from the sub-path of the assets' origin.
    const fromAssets = requests.filter((url) => url.startsWith(assets.url)).map((url) => url.slice(assets.url.length));
    expect(fromAssets).toEqual(expect.arrayContaining(['hotpatch-demo.js', 'demo-worker.js', 'cpu.wasm', 'engine.wasm',
      'scenarios/price-tax-arm64.js']));
    expect(requests.filter((url) => !url.startsWith(assets.url) && url !== pageUrl && !url.startsWith('blob:') && !url.startsWith('data:'))).toEqual([]);
    expect(await page.locator('#demo').evaluate((d) => (d as unknown as WithLink).shadowRoot.querySelector('a.open').href))
      .toBe('https://play.example/#example=price-tax&arch=arm64&pane=patch');
    expect(failed).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);
});
