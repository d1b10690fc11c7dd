// The npm package as someone who installs it gets it, for the package tests: lib/ and embed/ built
// (scripts/build-package.ts, which npm pack's prepack runs; here it runs first and the pack skips
// scripts, since the engine and the CPU are built already), then packed into a folder of the test's.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface PackedPackage {
  /** The tarball's full path. */
  tarball: string;
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string }[];
}

/** Runs a command to its end (bounded), and answers its standard output; a failure throws with both outputs. */
export function run(command: string, args: string[], cwd: string, options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): string {
  const result = spawnSync(command, args, {
    cwd, encoding: 'utf8', timeout: options.timeoutMs ?? 240_000, maxBuffer: 16 << 20,
    env: { ...process.env, npm_config_loglevel: 'error', ...options.env },
  });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`);
  }
  return result.stdout;
}

/** Builds the package's compiled parts and packs it into `destination`. */
export function packPackage(destination: string): PackedPackage {
  run(process.execPath, ['--import', 'tsx', 'scripts/build-package.ts'], ROOT);
  const [packed] = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', destination], ROOT)) as
    [Omit<PackedPackage, 'tarball'>];
  return { ...packed!, tarball: join(destination, packed!.filename) };
}

/** `npm install` in `cwd`, from the registry or npm's cache, quietly; answers how long it took (ms). */
export function npmInstall(cwd: string, args: string[] = []): number {
  const started = performance.now();
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...args], cwd);
  return performance.now() - started;
}
