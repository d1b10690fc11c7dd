// The static server behind `npm start`: serves the build (dist/) exactly as built, under a base
// path, sending the precompressed copy (.br, .gz) beside each file when the browser accepts it.
// Nothing outside the build directory is ever read. Usable from the command line and from tests:
//   tsx web/build/serve.ts [--dir dist] [--base /sub/path/] [--port 5173] [--host 0.0.0.0]
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.ico': 'image/x-icon', '.ttf': 'font/ttf', '.woff2': 'font/woff2', '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.map': 'application/json',
};

export interface ServeOptions {
  /** The build directory (default dist). */
  dir?: string;
  /** The path the build is served under, e.g. "/hotpatch/"; "/" by default. */
  base?: string;
  port?: number;
  host?: string;
}

export interface BuildServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** "/sub/path/" from "sub/path", "/sub/path" or "./" (a relative base is served at the root). */
export function normalizeBase(base = '/'): string {
  if (base === '' || base.startsWith('.')) return '/';
  return `/${base.replace(/^\/+|\/+$/g, '')}/`.replace(/^\/\/$/, '/');
}

/** The chosen encoding for `accept` (an Accept-Encoding header) among those that exist. */
function pickEncoding(accept: string, available: { br: boolean; gzip: boolean }): 'br' | 'gzip' | undefined {
  const offered = new Map<string, number>();
  for (const part of accept.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)).find((m) => m)?.[1];
    offered.set(name, q === undefined ? 1 : Number(q));
  }
  const accepts = (name: string) => (offered.get(name) ?? offered.get('*') ?? 0) > 0;
  if (available.br && accepts('br')) return 'br';
  if (available.gzip && accepts('gzip')) return 'gzip';
  return undefined;
}

async function fileAt(path: string): Promise<{ path: string; size: number; mtime: Date } | undefined> {
  const info = await stat(path).catch(() => undefined);
  return info?.isFile() ? { path, size: info.size, mtime: info.mtime } : undefined;
}

function send(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

/** The request handler: exported for tests that mount it elsewhere. */
export function buildHandler(options: ServeOptions = {}): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  const root = resolve(options.dir ?? 'dist');
  const base = normalizeBase(options.base);
  return async (request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      send(response, 405, 'Only GET and HEAD\n', { Allow: 'GET, HEAD' });
      return;
    }
    const url = new URL(request.url ?? '/', 'http://localhost');
    let pathname: string;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      send(response, 400, 'Bad path\n');
      return;
    }
    if (pathname === base.slice(0, -1)) {
      // "/sub/path" without its slash: relative asset addresses need the slash.
      response.writeHead(301, { Location: `${base}${url.search}` });
      response.end();
      return;
    }
    if (!pathname.startsWith(base) || pathname.includes('\0')) {
      send(response, 404, 'Not found\n');
      return;
    }
    const relative = pathname.slice(base.length);
    const target = resolve(root, relative);
    // "..", encoded slashes or backslashes: whatever it is, it must stay inside the build.
    if (target !== root && !target.startsWith(root + sep)) {
      send(response, 403, 'Outside the build\n');
      return;
    }
    let file = await fileAt(target);
    if (!file) {
      const index = await fileAt(resolve(target, 'index.html'));
      if (index && !pathname.endsWith('/')) {
        response.writeHead(301, { Location: `${url.pathname}/${url.search}` });
        response.end();
        return;
      }
      file = index;
    }
    if (!file || file.path.endsWith('.br') || file.path.endsWith('.gz')) {
      send(response, 404, 'Not found\n');
      return;
    }
    const [br, gzip] = await Promise.all([fileAt(`${file.path}.br`), fileAt(`${file.path}.gz`)]);
    const encoding = pickEncoding(String(request.headers['accept-encoding'] ?? ''), { br: !!br, gzip: !!gzip });
    const body = encoding === 'br' ? br! : encoding === 'gzip' ? gzip! : file;
    const immutable = relative.startsWith('assets/');
    const etag = `"${file.size.toString(36)}-${file.mtime.getTime().toString(36)}${encoding ? `-${encoding}` : ''}"`;
    const headers: Record<string, string> = {
      'Content-Type': TYPES[extname(file.path)] ?? 'application/octet-stream',
      'Content-Length': String(body.size),
      // Hashed build files never change; pages, sw.js and the embed's stable script are checked each time.
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      ETag: etag,
    };
    if (br || gzip) headers.Vary = 'Accept-Encoding';
    if (encoding) headers['Content-Encoding'] = encoding;
    // The embed's element script may be loaded by pages of other origins.
    headers['Access-Control-Allow-Origin'] = '*';
    if (request.headers['if-none-match'] === etag) {
      response.writeHead(304, { ETag: etag, 'Cache-Control': headers['Cache-Control']!, ...(headers.Vary ? { Vary: headers.Vary } : {}) });
      response.end();
      return;
    }
    response.writeHead(200, headers);
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    createReadStream(body.path).on('error', () => response.destroy()).pipe(response);
  };
}

/** Starts serving; port 0 picks a free one. */
export async function serveBuild(options: ServeOptions = {}): Promise<BuildServer> {
  const handler = buildHandler(options);
  const server = createServer((request, response) => {
    handler(request, response).catch(() => {
      if (!response.headersSent) send(response, 500, 'Server error\n');
      else response.destroy();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, host, () => done());
  });
  const { port } = server.address() as { port: number };
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return {
    url: `http://${shown}:${port}${normalizeBase(options.base)}`,
    server,
    close: () => new Promise((done) => {
      server.closeAllConnections();
      server.close(() => done());
    }),
  };
}

function argument(args: string[], name: string): string | undefined {
  const at = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (at < 0) return undefined;
  const arg = args[at]!;
  return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[at + 1];
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const dir = argument(args, '--dir') ?? 'dist';
  if (!(await stat(resolve(dir, 'index.html')).catch(() => undefined))) {
    console.error(`${dir}/index.html is missing: run "npm run build:web" first`);
    process.exit(1);
  }
  const running = await serveBuild({
    dir, base: argument(args, '--base') ?? process.env.HOTPATCH_BASE,
    port: Number(argument(args, '--port') ?? process.env.PORT ?? 5173), host: argument(args, '--host') ?? '0.0.0.0',
  });
  console.log(`Serving ${dir}/ (compressed) at ${running.url}`);
}
