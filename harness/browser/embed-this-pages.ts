// A page of its own with an "Embed this" snippet, for measuring it as a reader's browser meets it:
// the docs page's scenario (web/build/docs-embed.ts, made in Node by the code the playground's
// button runs), its custom element snippet pointing at the build served at `buildUrl`, served from
// another origin.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { docsEmbedSpec } from '../../web/build/docs-embed.ts';
import { nodePlatform } from '../../web/build/node-platform.ts';
import { embedSnippets } from '../../web/src/lab/embed-snippet.ts';
import { disassembleAll } from '../../web/src/lab/disassembly.ts';
import { makeScenario } from '../../web/src/lab/scenario-maker.ts';

export interface EmbedThisPages {
  /** The element snippet in a plain page. */
  elementUrl: string;
  /** The iframe snippet's own address (the embed page with the scenario in its hash). */
  iframeUrl: string;
  close(): Promise<void>;
}

export async function embedThisPages(buildUrl: string): Promise<EmbedThisPages> {
  const scenario = await makeScenario(docsEmbedSpec(), { ...nodePlatform, disassemble: (a, b, at) => disassembleAll(a, b, at) });
  const snippets = await embedSnippets(scenario, buildUrl);
  const html = `<!doctype html><meta charset="utf-8"><title>Embedded</title>\n${snippets.element}`;
  const server = createServer((request, response) => {
    if (request.url !== '/') { response.writeHead(404).end(); return; }
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  return {
    elementUrl: `http://localhost:${(server.address() as AddressInfo).port}/`,
    iframeUrl: /src="([^"]+)"/.exec(snippets.iframe)![1]!.replace(/&amp;/g, '&'),
    close: () => new Promise((done) => server.close(() => done())),
  };
}
