// Build step: the playground page's head starts what a first visit needs to run the gallery's first
// example, while the page's own script is still on the way:
//   - an inline script starts the lab worker, so that its script, cpu.wasm and engine.wasm download
//     and compile beside the page's script and first paint rather than after them. The page's script
//     (LabSession, web/src/lab/early-worker.ts) takes the worker over; where the inline script does not
//     run (a Content-Security-Policy without inline scripts) the page starts the worker itself.
//   - preloads of cpu.wasm and engine.wasm: the worker's own requests for them find them in the
//     HTTP cache (the build's assets are cacheable for good), so they download from the head's
//     parse on, not after the worker's script has arrived and run;
// In the dev server (no bundle) the page does all of it itself, as before.
import type { Plugin, ResolvedConfig } from 'vite';
import { EARLY_WORKER_GLOBAL } from '../src/lab/early-worker-global.ts';

/** The inline script that starts the worker at `url`, with the options LabSession starts it with. */
export function earlyWorkerScript(url: string): string {
  // An error before the page's script is there is kept for it (an error event nobody hears is lost).
  return `try{if(typeof WebAssembly==="object"){const w=new Worker(${JSON.stringify(url)},{type:"module",name:"lab"});`
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
        return html.replace(CHARSET, [CHARSET, ...head].join('\n  '));
      },
    },
  };
}
