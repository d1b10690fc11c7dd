// Build step: the playground page's head starts what a first visit needs to run the gallery's first
// example, while the page's own script is still on the way:
//   - the page's script and the modules it imports come first in the head, so they are the first
//     requests: the first goes out on the connection the page came on, while the others wait for
//     connections of their own, and nothing else competes with them for the network;
//   - an inline script starts the lab worker from a bootstrap that fetches cpu.wasm and engine.wasm
//     at once, listens on a channel for the page's first requests and imports the worker's script,
//     so they download and compile, and the example loads, beside the page's script and first paint
//     rather than after them. The page's script (LabSession, web/src/lab/early-worker.ts) takes
//     the worker over; where the inline script does not run (a Content-Security-Policy without
//     inline scripts) the page starts the worker itself;
//   - the page's script blocks rendering (blocking="render") until it has drawn the page.
// In the dev server (no bundle) the page does all of it itself, as before.
import type { Plugin, ResolvedConfig } from 'vite';
import { EARLY_CHANNEL_GLOBAL, EARLY_REQUESTS_GLOBAL, EARLY_WORKER_GLOBAL } from '../src/lab/early-worker-global.ts';
import { EARLY_FETCHES_GLOBAL } from '../../core/wasm-loader.ts';

/**
 * The bootstrap the worker runs first, from a blob, as an expression of the inline script that
 * makes its source: `entry` and `wasm` are expressions there for its addresses, `channel` for the
 * name of its channel, as string literals (a blob has no base, so addresses are absolute). It
 * starts fetching the wasm files (the loader, core/wasm-loader.ts, takes each fetch by its address;
 * a failure is said by the loader that takes it), keeps the page's requests, posted or sent by the
 * channel (web/src/lab/request-inbox.ts), and imports the entry. An entry that cannot be loaded is
 * thrown again outside the promise, so that the page hears it as the worker's error event.
 */
function bootstrapSource(entry: string, wasm: string[], channel: string): string {
  const text = (source: string) => JSON.stringify(source);
  const requests = `self.${EARLY_REQUESTS_GLOBAL}`;
  return [
    text(`const f=(u)=>{const r=fetch(u);r.catch(()=>{});return r};self.${EARLY_FETCHES_GLOBAL}={`),
    ...wasm.flatMap((url, i) => [text(`${i > 0 ? ',' : ''}[`), url, text(']:f('), url, text(')')]),
    text(`};${requests}=[];self.onmessage=(e)=>${requests}.push(e);`),
    text(`if(typeof BroadcastChannel==="function"){const c=self.${EARLY_CHANNEL_GLOBAL}=new BroadcastChannel(`), channel,
    text(`);c.onmessage=(e)=>${requests}.push({data:e.data,viaChannel:true})}`),
    text('import('), entry, text(').catch((e)=>setTimeout(()=>{throw e}))'),
  ].join('+');
}

/**
 * The inline script that starts the worker whose entry is at `url`, fetching `wasm` from its start,
 * with the options LabSession starts it with.
 *
 * Why a bootstrap from a blob rather than the entry's own address: Chromium holds back what a page
 * posts to a dedicated worker until the page's thread has been told that the worker's first script
 * has run, and it can be told only between two of its tasks. The entry comes over the network, so
 * it runs while the page is busy with its script and first layout, and the program's load request
 * waited for all of that. A blob has nothing to fetch: its script runs as the worker starts, often
 * while the page is still waiting for its own script. When the worker starts while the page is
 * already drawing itself, the page's first requests still reach it by the channel.
 */
export function earlyWorkerScript(url: string, wasm: string[] = []): string {
  const options = '{type:"module",name:"lab"}';
  // a: every address made absolute against the page's, as a string literal for the bootstrap.
  const addresses = [url, ...wasm].map((address) => `JSON.stringify(new URL(${JSON.stringify(address)},location.href).href)`);
  // c: the channel's name, the pair's own (another tab of the page has its own).
  const channel = '"hotpatch-lab-"+Math.random().toString(36).slice(2)+Math.random().toString(36).slice(2)';
  const blob = `new Blob([${bootstrapSource('a[0]', wasm.map((_, i) => `a[${i + 1}]`), 'JSON.stringify(c)')}],{type:"text/javascript"})`;
  // An error before the page's script is there is kept for it (an error event nobody hears is lost);
  // the page then starts its own worker (a policy that refuses blob workers ends here too).
  return `try{if(typeof WebAssembly==="object"){const a=[${addresses.join(',')}],c=${channel};`
    + `let w;try{w=new Worker(URL.createObjectURL(${blob}),${options});w.channel=c}catch{w=new Worker(${JSON.stringify(url)},${options})}`
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
        // The page's own script blocks rendering until it has run: the page is drawn once, complete,
        // instead of an empty shell first and everything moved again a moment later. That first
        // drawing also held up the script, which arrives while it is under way.
        const entry = /\n\s*<script type="module" crossorigin src="[^"]+\/main-[\w-]+\.js"><\/script>((\n\s*<link rel="modulepreload"[^>]*>)*)/;
        const found = entry.exec(html);
        if (!found) throw new Error('first-visit-head: the page has no main script where expected');
        const [script, ...preloads] = found[0].trim().split(/\n\s*/);
        // First in the head, after the charset: a script after the stylesheet would wait for it.
        // Then the page's script and its modules: they are the page's first requests.
        const head = [
          `<script>${earlyWorkerScript(`${base}${worker}`, wasm.map((file) => `${base}${file}`))}</script>`,
          script!.replace('<script ', '<script blocking="render" '),
          ...preloads,
        ];
        return html.replace(found[0], '').replace(CHARSET, [CHARSET, ...head].join('\n  '));
      },
    },
  };
}
