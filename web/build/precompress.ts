// Build step: every file of the build worth compressing gets a gzip (.gz) and a brotli (.br) copy
// beside it, so any static host (and `npm start`, web/build/serve.ts) can send it compressed
// without compressing on each request.
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Plugin, ResolvedConfig } from 'vite';

const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.wasm', '.svg', '.ttf', '.txt', '.map']);
/** Below this, compression saves less than a packet. */
const MIN_BYTES = 1024;
/**
 * Brotli's best quality takes about 8 s a megabyte: files above this size (Keystone, Capstone, Monaco,
 * none of them needed for a first run) get quality 9, some 15% larger, in a twentieth of the time.
 */
const BEST_QUALITY_UP_TO = 1 << 20;

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((e) => e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
  return nested.flat();
}

/** Writes the .gz and .br of each compressible file under `dir` that they make smaller; returns how many. */
export async function precompressDirectory(dir: string): Promise<number> {
  const files: string[] = [];
  for (const file of await filesUnder(dir)) {
    if (COMPRESSIBLE.has(extname(file)) && (await stat(file)).size >= MIN_BYTES) files.push(file);
  }
  // zlib works on libuv's thread pool: all files at once keep every core busy.
  await Promise.all(files.map(async (file) => {
    const body = await readFile(file);
    const quality = body.length <= BEST_QUALITY_UP_TO ? 11 : 9;
    const [gz, br] = await Promise.all([
      gzipAsync(body, { level: 9 }),
      brotliAsync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: quality, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } }),
    ]);
    if (gz.length < body.length) await writeFile(`${file}.gz`, gz);
    if (br.length < body.length) await writeFile(`${file}.br`, br);
  }));
  return files.length;
}

export function precompress(): Plugin {
  let config: ResolvedConfig;
  return {
    name: 'precompress',
    apply: 'build',
    configResolved(resolved) {
      config = resolved;
    },
    async closeBundle() {
      // Workers are built by nested builds that also close: only the page build's output directory counts.
      if (!config.build.write || config.build.ssr) return;
      await precompressDirectory(resolve(config.root, config.build.outDir));
    },
  };
}
