// The documentation page's own script: registers <hotpatch-demo>, sizes the iframe demo to the
// height it reports, and switches the page's theme together with the demos'.
import '../src/embed/element.ts';
import { embedSnippets } from '../src/lab/embed-snippet.ts';

/**
 * The "Embed this" section: the snippet the build made (web/build/docs-embed.ts), shown as text and
 * put in the page as it is, so the demo there is exactly what a reader would paste.
 */
async function showEmbedThis(): Promise<void> {
  const host = document.querySelector<HTMLElement>('#embed-this-demo');
  const code = document.querySelector<HTMLElement>('#embed-this-snippet');
  if (!host || !code) return;
  const { default: scenario } = await import('virtual:hotpatch-docs-embed');
  const { element } = await embedSnippets(scenario, new URL('../', location.href).href);
  code.textContent = element;
  // The snippet's <script> for the element's code does not run when set this way; this page has loaded it already.
  host.innerHTML = element;
  host.querySelector('hotpatch-demo')?.setAttribute('id', 'demo-embedded');
}
void showEmbedThis();

const frame = document.querySelector<HTMLIFrameElement>('#demo-frame');

addEventListener('message', (event: MessageEvent) => {
  // Only the framed demo, from the origin it was loaded from, may resize it.
  if (!frame || event.source !== frame.contentWindow || event.origin !== new URL(frame.src).origin) return;
  const data = event.data as { hotpatch?: number; event?: string; detail?: { height?: number } };
  if (data?.hotpatch === 1 && data.event === 'resize' && typeof data.detail?.height === 'number') {
    frame.style.height = `${data.detail.height}px`;
  }
});

const THEMES = ['auto', 'light', 'dark'] as const;
let theme = 0;
const button = document.querySelector<HTMLButtonElement>('#theme')!;
button.addEventListener('click', () => {
  theme = (theme + 1) % THEMES.length;
  const chosen = THEMES[theme]!;
  button.textContent = `Theme: ${chosen === 'auto' ? 'system' : chosen}`;
  button.setAttribute('aria-pressed', String(chosen !== 'auto'));
  document.documentElement.classList.toggle('light', chosen === 'light');
  document.documentElement.classList.toggle('dark', chosen === 'dark');
  for (const demo of document.querySelectorAll('hotpatch-demo')) {
    if (chosen === 'auto') demo.removeAttribute('theme'); else demo.setAttribute('theme', chosen);
  }
  frame?.contentWindow?.postMessage({ hotpatch: 1, command: 'theme', theme: chosen }, new URL(frame.src).origin);
});
