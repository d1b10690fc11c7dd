// Build step: the playground page's head starts what a first visit needs to run the gallery's first
// example, while the page's own script is still on the way:
//   - an inline script starts the lab worker, so that its script, cpu.wasm and engine.wasm download
//     and compile beside the page's script and first paint rather than after them. The page's script
//     (LabSession, web/src/lab/early-worker.ts) takes the worker over; where the inline script does not
//     run (a Content-Security-Policy without inline scripts) the page starts the worker itself.
//   - preloads of cpu.wasm and engine.wasm: the worker's own requests for them find them in the
//     HTTP cache (the build's assets are cacheable for good), so they download from the head's
//     parse on, not after the worker's script has arrived and run;
//   - the page's script blocks rendering (blocking="render") until it has drawn the page.
// In the dev server (no bundle) the page does all of it itself, as before.
import type { Plugin, ResolvedConfig } from 'vite';
import { EARLY_REQUESTS_GLOBAL, EARLY_WORKER_GLOBAL } from '../src/lab/early-worker-global.ts';

/**
 * The bootstrap the worker runs first, from a blob, around the entry's absolute address (a blob has
 * no base): it keeps the page's requests and imports the entry. An entry that cannot be loaded is
 * thrown again outside the promise, so that the page hears it as the worker's error event.
 */
const BOOTSTRAP = [
  `self.${EARLY_REQUESTS_GLOBAL}=[];self.onmessage=(e)=>self.${EARLY_REQUESTS_GLOBAL}.push(e);import(`,
  ').catch((e)=>setTimeout(()=>{throw e}))',
] as const;

/**
 * The inline script that starts the worker whose entry is at `url`, with the options LabSession
 * starts it with.
 *
 * Why a bootstrap from a blob rather than the entry's own address: Chromium holds back what a page
 * posts to a dedicated worker until the page's thread has been told that the worker's first script
 * has run, and it can be told only between two of its tasks. The entry comes over the network, so
 * it runs while the page is busy with its script and first layout, and the program's load request
 * waited for all of that. A blob has nothing to fetch: its script runs as the worker starts, while
 * the page is still waiting for its own script, and requests go straight to the worker from then on.
 */
export function earlyWorkerScript(url: string): string {
  const options = '{type:"module",name:"lab"}';
  // u: the entry's address made absolute against the page's, as a string literal of the blob's script.
  const blob = `new Blob([${JSON.stringify(BOOTSTRAP[0])}+u+${JSON.stringify(BOOTSTRAP[1])}],{type:"text/javascript"})`;
  // An error before the page's script is there is kept for it (an error event nobody hears is lost);
  // the page then starts its own worker (a policy that refuses blob workers ends here too).
  return `try{if(typeof WebAssembly==="object"){const u=JSON.stringify(new URL(${JSON.stringify(url)},location.href).href);`
    + `let w;try{w=new Worker(URL.createObjectURL(${blob}),${options})}catch{w=new Worker(${JSON.stringify(url)},${options})}`
    + `w.onerror=(e)=>{w.earlyError=e.message||"the lab worker failed to start"};window.${EARLY_WORKER_GLOBAL}=w}}catch{}`;
}

const CHARSET = '<meta charset="utf-8">';

export function firstVisitHead(): Plugin {
  let config: ResolvedConfig;
  return {
    name: 'first-visit-head',
    apply: 'build',
    configResolved(resolved) {
      config = resolved;
    },
    transformIndexHtml: {
      order: 'post',
      handler(html, context) {
        // The playground's page only.
        if (context.path !== '/index.html' || !context.bundle) return html;
        const files = Object.values(context.bundle);
        const named = (pattern: RegExp, what: string) => {
          const file = files.find((f) => pattern.test(f.fileName));
          if (!file) throw new Error(`first-visit-head: the build has no ${what}`);
          return file.fileName;
        };
        const worker = named(/(^|\/)lab-worker-[\w-]+\.js$/, 'lab worker script');
        const wasm = [named(/(^|\/)cpu-[\w-]+\.wasm$/, 'cpu.wasm'), named(/(^|\/)engine-[\w-]+\.wasm$/, 'engine.wasm')];
        // Relative bases are relative to the page, which sits at the root of the build.
        const base = config.base === '' || config.base.startsWith('.') ? './' : config.base;
        if (!html.includes(CHARSET)) throw new Error(`first-visit-head: the page has no ${CHARSET}`);
        // First in the head, after the charset: a script after the stylesheet would wait for it.
        const head = [
          `<script>${earlyWorkerScript(`${base}${worker}`)}</script>`,
          // crossorigin: the worker's fetch() is a CORS-mode request, which a preload must match.
          ...wasm.map((file) => `<link rel="preload" as="fetch" crossorigin href="${base}${file}">`),
        ];
        // The page's own script blocks rendering until it has run: the page is drawn once, complete,
        // instead of an empty shell first and everything moved again a moment later. That first
        // drawing also held up the script, which arrives while it is under way.
        const entry = /<script type="module" crossorigin src="[^"]+\/main-[\w-]+\.js"><\/script>/;
        if (!entry.test(html)) throw new Error('first-visit-head: the page has no main script where expected');
        return html.replace(CHARSET, [CHARSET, ...head].join('\n  '))
          .replace(entry, (script) => script.replace('<script ', '<script blocking="render" '));
      },
    },
  };
}
