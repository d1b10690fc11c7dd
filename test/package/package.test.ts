// The npm package as someone who installs it gets it: built and packed (harness/package/packed.ts),
// and installed from the tarball alone into an empty folder outside this tree. There the command
// line runs on both CPUs, with and without Unicorn; private paths stay unreachable; and every snippet
// of docs/library.md is type-checked against the package's declarations (strict, no DOM library,
// declarations checked too) and run.
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { npmInstall, type PackedPackage, packPackage, ROOT, run } from '../../harness/package/packed.ts';

const exec = promisify(execFile);
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

let work: string;
let app: string;
let packed: PackedPackage;
let installMs: number;

interface Outcome { code: number; stdout: string; stderr: string }

/** The installed `hotpatch` (node_modules/.bin), in the folder it was installed into. */
async function hotpatch(args: string[], env: Record<string, string> = {}, command = join('node_modules', '.bin', 'hotpatch'),
  prefix: string[] = []): Promise<Outcome> {
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
  for (const name of ['HOTPATCH_CPU', 'HOTPATCH_UNICORN_LIB']) if (!(name in env)) delete childEnv[name];
  try {
    const { stdout, stderr } = await exec(command, [...prefix, ...args], { cwd: app, env: childEnv, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'hotpatch-package-'));
  app = join(work, 'app');
  mkdirSync(app);
  packed = packPackage(work);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  installMs = npmInstall(app, [packed.tarball]);
  process.stderr.write(`package: ${packed.filename}, ${(packed.size / 1024).toFixed(0)} KiB packed, ` +
    `${(packed.unpackedSize / 1024).toFixed(0)} KiB unpacked, ${packed.files.length} files; installed in ${(installMs / 1000).toFixed(1)} s\n`);
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('holds the compiled code, its declarations, the WASM builds and the examples, and no sources', () => {
    const paths = packed.files.map((f) => f.path);
    for (const path of ['bin/hotpatch.js', 'lib/cli/main.js', 'lib/engine/index.js', 'lib/engine/index.d.ts', 'lib/engine/build/engine.wasm',
      'lib/sandbox/wasm/build/cpu.wasm', 'lib/toolchain/keystone-thread.mjs', 'examples/price-tax/example.json',
      'examples/price-tax/x64/pricing.s', 'docs/library.md', 'docs/cli.md', 'README.md', 'LICENSE',
      'embed/hotpatch-demo.js', 'embed/hotpatch-demo.d.ts', 'embed/demo-worker.js', 'embed/cpu.wasm', 'embed/engine.wasm',
      'embed/scenarios/price-tax-x64.js']) {
      expect(paths).toContain(path);
    }
    expect(paths.filter((p) => /^(cli|core|engine|sandbox|toolchain|test|web|harness|scripts|bench)\//.test(p))).toEqual([]);
    expect(paths.filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts'))).toEqual([]);
    expect(packed.size).toBeLessThan(2 << 20);
  });

  it('installs alone: the command and the library resolve inside the new folder', () => {
    const resolved = run(process.execPath, ['--input-type=module', '-e',
      'console.log(import.meta.resolve("hotpatch-playground/engine"))'], app).trim();
    expect(fileURLToPath(resolved)).toBe(join(app, 'node_modules', 'hotpatch-playground', 'lib', 'engine', 'index.js'));
  });

  it('keeps everything but its entry points private', async () => {
    const attempt = spawnSync(process.execPath, ['--input-type=module', '-e', 'await import("hotpatch-playground/lib/engine/host/plan.js")'],
      { cwd: app, encoding: 'utf8' });
    expect(attempt.status).not.toBe(0);
    expect(attempt.stderr).toContain('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });
});

describe('hotpatch, installed', () => {
  it('answers --version and --help', async () => {
    const version = await hotpatch(['--version'], {}, 'npx', ['--no-install', 'hotpatch']);
    expect(version).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
    const help = await hotpatch(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: hotpatch <command>');
  });

  it('runs a bundled example by name on Unicorn and on the WebAssembly CPU, with the same record', async () => {
    const [unicorn, wasm] = await Promise.all([
      hotpatch(['run', 'price-tax', '--cpu', 'unicorn', '--json']), hotpatch(['run', 'price-tax', '--cpu', 'wasm', '--json'])]);
    expect(unicorn.code).toBe(0);
    expect(wasm.code).toBe(0);
    const [a, b] = [JSON.parse(unicorn.stdout), JSON.parse(wasm.stdout)];
    expect(a.backend).toMatch(/^unicorn 2\./);
    expect(b.backend).toBe('wasm-cpu');
    expect(a.output).toContain('123.45 -> 148.14');
    expect({ ...a, backend: '' }).toEqual({ ...b, backend: '' });
  });

  it('runs an example folder, and lists the examples', async () => {
    const dir = join('node_modules', 'hotpatch-playground', 'examples', 'wait-for-thread');
    const result = await hotpatch(['run', dir, '--arch', 'arm64', '--cpu', 'wasm']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('applied in');
    const list = JSON.parse((await hotpatch(['examples', '--json'])).stdout);
    expect(list.examples.map((e: { name: string }) => e.name)).toContain('price-tax');
  });

  it('diffs an edit, makes its patch and inspects it', async () => {
    const x64 = join('node_modules', 'hotpatch-playground', 'examples', 'price-tax', 'x64');
    const diff = await hotpatch(['diff', join(x64, 'pricing.s'), join(x64, 'pricing-fixed.s'), '--json']);
    expect(diff.code).toBe(0);
    expect(JSON.parse(diff.stdout).redirected).toEqual(['price_with_tax']);
    const made = await hotpatch(['make-patch', join(x64, 'pricing.s'), join(x64, 'pricing-fixed.s'), '-o', 'fix.hpat', '--json']);
    expect(made.code).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({ output: 'fix.hpat', patch: { module: 'pricing', sequence: 1 } });
    const inspected = await hotpatch(['inspect', 'fix.hpat']);
    expect(inspected.code).toBe(0);
    expect(inspected.stdout).toMatch(/Verdict: a valid version \d patch image/);
  });

  it('without Unicorn, says so in one line with how to install it, and runs on the WebAssembly CPU', async () => {
    const missing = { HOTPATCH_UNICORN_LIB: join(work, 'no-such-libunicorn.so.2') };
    const fallback = await hotpatch(['run', 'price-tax', '--json'], missing);
    expect(fallback.code).toBe(0);
    expect(JSON.parse(fallback.stdout).backend).toBe('wasm-cpu');
    expect(fallback.stderr.trim().split('\n')).toHaveLength(1);
    expect(fallback.stderr).toMatch(/could not be loaded: install it with apt install libunicorn2 .*running on the WebAssembly CPU instead/);
    const asked = await hotpatch(['run', 'price-tax', '--cpu', 'unicorn'], missing);
    expect(asked.code).toBe(3);
    expect(asked.stderr).toContain('--cpu wasm');
    const chosen = await hotpatch(['run', 'price-tax', '--json'], { ...missing, HOTPATCH_CPU: 'wasm' });
    expect(chosen).toMatchObject({ code: 0, stderr: '' });
  });
});

describe('docs/library.md', () => {
  const snippets = [...readFileSync(join(ROOT, 'docs', 'library.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

  it('has snippets that type-check against the declarations and run', async () => {
    expect(snippets.length).toBeGreaterThanOrEqual(4);
    snippets.forEach((text, i) => writeFileSync(join(app, `snippet-${i + 1}.ts`), text));
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, outDir: 'out', lib: ['ES2023'],
        types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')], skipLibCheck: false,
      },
      include: ['snippet-*.ts'],
    }));
    run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], app);
    const outputs = await Promise.all(snippets.map((_, i) => exec(process.execPath, [join('out', `snippet-${i + 1}.js`)], { cwd: app, timeout: 60_000 })));
    const [patched, planned, edited, cpu] = outputs.map((o) => o.stdout);
    expect(patched).toContain('patch 1 of pricing applied in');
    expect(patched).toContain('123.45 -> 148.14');
    expect(planned).toMatch(/overwriting \d+ bytes\n1 redirect, for app/);
    expect(edited).toMatch(/changed\s+price_with_tax/);
    expect(edited).toMatch(/a \d+-byte patch image/);
    expect(cpu).toMatch(/^unicorn 2\.\d+\.\d+: exit code 0, 12 calls/);
  }, 120_000);
});
