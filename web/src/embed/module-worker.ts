// A module worker that starts wherever the demo's scripts come from. Browsers start workers only
// from scripts of the page's own origin, so a documentation site that loads hotpatch-demo.js from
// the playground's origin gets a stand-in of its own origin (a blob: script) that imports the real
// worker script; the worker's imports and fetches then go to the playground's origin, under CORS.
export class ModuleWorker extends Worker {
  constructor(url: URL, options: WorkerOptions) {
    super(url.origin === location.origin ? url
      : URL.createObjectURL(new Blob([`import ${JSON.stringify(url.href)};\n`], { type: 'text/javascript' })), options);
  }
}
