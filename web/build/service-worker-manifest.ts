// Build step for offline use: emits sw.js, the service worker, with the list of every file the build
// produced. Its version is a digest of every file's name and content, so any change to the build
// makes browsers install the new worker and its fresh copies.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin } from 'vite';

const TEMPLATE = new URL('./service-worker.js', import.meta.url);

export function serviceWorkerManifest(): Plugin {
  return {
    name: 'service-worker-manifest',
    apply: 'build',
    // After writing, not at generateBundle: by then every plugin has added its files (the pages'
    // HTML is emitted late, and a list made earlier left out docs/ and embed/).
    writeBundle(options, bundle) {
      if (!options.dir) return;
      const files = Object.keys(bundle).filter((name) => name !== 'sw.js').sort();
      // Addresses relative to sw.js, which sits at the build's root: right under any base path.
      const precache = ['./', ...files.filter((name) => name !== 'index.html').map((name) => `./${name}`)];
      const digest = createHash('sha256');
      for (const name of files) {
        const item = bundle[name]!;
        digest.update(`${name}\n`).update(item.type === 'chunk' ? item.code : item.source).update('\n');
      }
      const source = readFileSync(TEMPLATE, 'utf8')
        .replace('__VERSION__', JSON.stringify(digest.digest('hex').slice(0, 16)))
        .replace('__PRECACHE__', JSON.stringify(precache));
      writeFileSync(join(options.dir, 'sw.js'), source);
    },
  };
}
