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
    `style="width: 100%; height: ${FRAME_HEIGHT}px; border: 0" loading="lazy"></iframe>\n<script>${FIT_FRAME}</script>\n`;
  return { element, iframe, json };
}

/** The most the iframe grows to, whatever height a message says (a demo is under 1,000 px tall even on a phone). */
const MAX_FRAME_HEIGHT = 4000;

/** The iframe's height until the demo has said its own (about a demo's before its first patch). */
const FRAME_HEIGHT = 640;

/**
 * The iframe snippet's script: it names the page's origin to the demo (its `parent` parameter, the
 * only origins the demo posts to) and sets the iframe's height to the height the demo posts in its
 * `resize` events (docs/embeds.md), so the frame fits its content as it grows and shrinks. Only
 * messages from that iframe's window are read. Without it (scripts refused), the frame keeps its
 * height and scrolls.
 */
const FIT_FRAME = '(function(f){var u=new URL(f.src);u.searchParams.set("parent",location.origin);f.src=u.href;'
  + 'addEventListener("message",function(e){var d=e.data;if(e.source===f.contentWindow&&d&&d.hotpatch===1&&d.event==="resize"'
  + `&&d.detail&&d.detail.height>0)f.style.height=Math.min(Math.ceil(d.detail.height),${MAX_FRAME_HEIGHT})+"px"})})`
  + '(document.currentScript.previousElementSibling)';

/** Bytes of `text` as UTF-8, and gzipped (as a server that compresses would send it). */
export async function textSizes(text: string): Promise<{ bytes: number; gzip: number }> {
  const data = new TextEncoder().encode(text);
  const stream = new Blob([data]).stream().pipeThrough(new CompressionStream('gzip'));
  return { bytes: data.length, gzip: (await new Response(stream).arrayBuffer()).byteLength };
}
