// The two forms of "Embed this", made from one scenario: the custom element with the scenario inline
// (a <script type="module"> for hotpatch-demo.js, then <hotpatch-demo> holding the JSON), and an
// iframe of the embed page with the scenario in its address (scenario-link.ts). Both need only the
// embed's own files: no assembler, disassembler or editor.
import type { Scenario } from '../embed/scenario.ts';
import { scenarioHash } from '../embed/scenario-link.ts';

export interface EmbedSnippets {
  element: string;
  iframe: string;
  /** The scenario as a file, for `<hotpatch-demo src="…">`. */
  json: string;
}

/** JSON that can stand inside a <script> element: no "<" (so no "</script>") survives as such. */
export function inlineJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

const escapeAttribute = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** `buildRoot`: the address of the build the embed's files come from (the playground's own folder). */
export async function embedSnippets(scenario: Scenario, buildRoot: string): Promise<EmbedSnippets> {
  const json = JSON.stringify(scenario);
  const script = new URL('embed/hotpatch-demo.js', buildRoot).href;
  const frame = new URL('embed/', buildRoot).href;
  const element = `<script type="module" src="${escapeAttribute(script)}"></script>\n` +
    `<hotpatch-demo>\n<script type="application/json">${inlineJson(scenario)}</script>\n</hotpatch-demo>\n`;
  const iframe = `<iframe src="${escapeAttribute(`${frame}#${await scenarioHash(json)}`)}" title="${escapeAttribute(`Hotpatch demo: ${scenario.title}`)}" ` +
    'style="width: 100%; height: 640px; border: 0" loading="lazy"></iframe>\n';
  return { element, iframe, json };
}

/** Bytes of `text` as UTF-8, and gzipped (as a server that compresses would send it). */
export async function textSizes(text: string): Promise<{ bytes: number; gzip: number }> {
  const data = new TextEncoder().encode(text);
  const stream = new Blob([data]).stream().pipeThrough(new CompressionStream('gzip'));
  return { bytes: data.length, gzip: (await new Response(stream).arrayBuffer()).byteLength };
}
